// What the browser walks of the web app share (errors.mjs, a11y.mjs, portfolio.mjs): the config their
// pytest module passes as JSON, playwright-core's Chromium from tools/web, the report each step records
// into (printed as JSON at the end by the walk), pages that record script errors, and screenshots.

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

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
