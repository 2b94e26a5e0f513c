// What the browser walks of the web app share (errors.mjs, a11y.mjs, portfolio.mjs): the config their
// pytest module passes as JSON, playwright-core's Chromium from tools/web, the report each step records
// into (printed as JSON at the end by the walk), pages that record script errors, and screenshots.

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Contrast ratio (WCAG) of two CSS colours as the page computes them, through a canvas: evaluated in a
 *  page, it defines `window.contrast(a, b)`. */
export const CONTRAST = `(() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const rgb = (c) => { ctx.fillStyle = '#000'; ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
    return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3); };
  const lum = (c) => { const v = rgb(c).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  window.contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return Math.round((x + 0.05) / (y + 0.05) * 100) / 100; };
})()`;

/** The walk's config (`argv[2]`), Chromium, its report, and the helpers bound to them. */
export function walk(argv, { timeout = 10000 } = {}) {
  const config = JSON.parse(argv[2]);
  const require = createRequire(path.join(config.tools, 'package.json'));
  const { chromium } = require('playwright-core');
  const report = { steps: {}, page_errors: [] };
  mkdirSync(config.screenshots, { recursive: true });
  let current = null;

  /** A page in a context of its own, recording the script errors it meets under the step running. */
  async function newPage(browser, viewport, locale) {
    const context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.on('pageerror', (err) => report.page_errors.push({ step: current, text: String(err) }));
    return { context, page };
  }

  /** Runs a step and records what it saw, or the error that stopped it (the pytest module judges). */
  async function step(name, body) {
    current = name;
    try {
      report.steps[name] = { ok: true, ...(await body()) };
    } catch (err) {
      report.steps[name] = { ok: false, error: String((err && err.stack) || err) };
    }
  }

  async function shot(page, name, fullPage = false) {
    const file = path.join(config.screenshots, `${name}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
  }

  return { config, chromium, report, newPage, step, shot };
}
