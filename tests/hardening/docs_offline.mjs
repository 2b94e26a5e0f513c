// /docs and /redoc in real Chromium with every request outside the service refused: what each page
// rendered, what it tried to fetch elsewhere, and its console errors (CSP refusals included).
// Run by tests/hardening/test_docs_browser.py:  node docs_offline.mjs '{"baseUrl", "tools", "chromium", "screenshots"}'
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const config = JSON.parse(process.argv[2]);
const require = createRequire(path.join(config.tools, 'package.json'));
const { chromium } = require('playwright-core');
const base = new URL(config.baseUrl);
mkdirSync(config.screenshots, { recursive: true });
const report = { outside_requests: [], console_errors: [], page_errors: [], swagger_operations: 0,
  swagger_authorize: false, redoc_operations: 0 };

const browser = await chromium.launch({ executablePath: config.chromium, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'blob:' || url.protocol === 'data:' || (url.hostname === base.hostname && url.port === base.port)) {
      return route.continue();
    }
    report.outside_requests.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('console', (msg) => { if (msg.type() === 'error') report.console_errors.push(msg.text()); });
  page.on('pageerror', (err) => report.page_errors.push(String(err)));

  await page.goto(new URL('/docs', base).href);
  await page.waitForSelector('.opblock');
  report.swagger_operations = await page.locator('.opblock').count();
  report.swagger_authorize = await page.locator('button.authorize').count() > 0;
  await page.screenshot({ path: path.join(config.screenshots, 'docs.png') });

  await page.goto(new URL('/redoc', base).href);
  await page.waitForSelector('[data-section-id^="tag/"], [data-section-id^="operation/"]');
  report.redoc_operations = await page.locator('[data-section-id^="operation/"]').count();
  await page.screenshot({ path: path.join(config.screenshots, 'redoc.png') });
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
