// A key-account director's accounts page, in real Chromium driven by playwright-core: what it asks of the
// service (the portfolio, not a classification per account), each account's deals with support and gaps,
// a subsidiary under its group, ordering by risk from the keyboard, the search, Chinese, a phone's width,
// contrast, and an older server without /v1/portfolio. Run by tests/web/test_browser_portfolio.py, which
// starts the service and asserts on the JSON this prints:
//   node portfolio.mjs '{"baseUrl", "viewerKey", "screenshots", "tools", "chromium"}'
// Each step records what it saw; nothing here decides pass or fail except a step that cannot go on.

import { CONTRAST, walk } from './harness.mjs';

const { config, chromium, report, newPage, step, shot } = walk(process.argv);

async function signIn(page) {
  await page.goto(`${config.baseUrl}/`);
  await page.getByTestId('key-input').fill(config.viewerKey);
  await page.getByTestId('key-input').press('Enter');
  await page.getByTestId('account-gzf').waitFor();
}

/** The page's accounts in the order shown: id, nesting depth, the group it is listed under, and its deals. */
const accounts = (page) => page.evaluate(() => [...document.querySelectorAll('li.account')].map((li) => ({
  id: li.dataset.testid.replace('account-row-', ''),
  depth: Number(li.dataset.depth),
  under: li.parentElement.closest('li.account')?.dataset.testid.replace('account-row-', '') || null,
  badge: li.querySelector(':scope > a .class-slot')?.innerText || '',
  indent: Math.round(li.getBoundingClientRect().left),
  deals: [...li.querySelectorAll(':scope > ul.deals > li.deal')].map((d) => ({
    id: d.dataset.testid.replace('deal-', ''),
    href: d.querySelector('a.deal-name')?.getAttribute('href'),
    name: d.querySelector('a.deal-name')?.innerText,
    us: Number(d.querySelector('[data-testid="deal-support-us"]')?.dataset.value),
    usText: d.querySelector('[data-testid="deal-support-us"]')?.innerText.replace(/\s+/g, ' ').trim(),
    meter: d.querySelector('[role="meter"]')?.getAttribute('aria-valuetext'),
    rival: d.querySelector('[data-testid="deal-rival"]')?.innerText.replace(/\s+/g, ' ').trim(),
    rivalValue: Number(d.querySelector('[data-testid="deal-rival"]')?.dataset.value),
    gaps: { high: Number(d.dataset.high), medium: Number(d.dataset.medium), low: Number(d.dataset.low) },
    gapText: d.querySelector('[data-testid="deal-gaps"]')?.innerText.replace(/\s+/g, ' ').trim(),
    firstGap: d.querySelector('[data-testid="first-gap"]')?.innerText,
  })),
})));

const browser = await chromium.launch({ executablePath: config.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const { context, page } = await newPage(browser, { width: 1280, height: 800 }, 'en-US');
  const calls = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/v1/')) calls.push(u.pathname + u.search); });

  await step('accounts', async () => {
    await signIn(page);
    await page.getByTestId('deal-gzf-upgrade').waitFor();
    await page.waitForLoadState('networkidle');
    return { calls: calls.filter((c) => !c.startsWith('/v1/me')), accounts: await accounts(page),
      orderLabel: await page.getByLabel('Order by').evaluate((el) => el.id),
      screenshot: await shot(page, 'portfolio-en', true) };
  });

  await step('order_by_risk', async () => {
    const before = (await accounts(page)).filter((a) => a.depth === 0).map((a) => a.id);
    await page.locator('#account-order').focus();
    await page.keyboard.press('ArrowDown');       // Name → Risk, from the keyboard
    await page.waitForTimeout(200);
    const after = await accounts(page);
    return { before, value: await page.locator('#account-order').inputValue(),
      after: after.filter((a) => a.depth === 0).map((a) => a.id), nested: after.map((a) => [a.id, a.under]),
      focus: await page.evaluate(() => document.activeElement?.id) };
  });

  await step('search', async () => {
    await page.getByTestId('account-search').fill('天津');
    const tianjin = await accounts(page);
    await page.getByTestId('account-search').fill('nothing-like-this');
    const nothing = await accounts(page);
    const empty = await page.locator('ul.accounts > li.muted').innerText();
    await page.getByTestId('account-search').fill('');
    return { tianjin: tianjin.map((a) => [a.id, a.depth]), nothing: nothing.length, empty,
      all: (await accounts(page)).length };
  });

  await step('contrast', async () => {
    await page.evaluate(CONTRAST);
    return page.evaluate(() => {
      const bg = (el) => { for (let x = el; x; x = x.parentElement) { const c = getComputedStyle(x).backgroundColor;
        if (c !== 'rgba(0, 0, 0, 0)') return c; } return '#fff'; };
      const pick = (s) => [...document.querySelectorAll(s)].map((el) => ({ what: s, text: el.innerText,
        ratio: contrast(getComputedStyle(el).color, bg(el)) }));
      return { texts: [...pick('.deal-gaps .severity'), ...pick('.first-gap'), ...pick('.deal-rival'), ...pick('.gaps-label'),
        ...pick('a.deal-name'), ...pick('.deal-support .who'), ...pick('.deal-support .value'), ...pick('.accounts-tools label')] };
    });
  });

  await step('chinese', async () => {
    await page.locator('#language').selectOption('zh-CN');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.getByTestId('deal-gzf-upgrade').waitFor();
    await page.waitForLoadState('networkidle');
    const order = page.locator('#account-order');
    return { heading: await page.locator('h1').innerText(),
      orderLabel: await page.locator('label[for="account-order"]').innerText(),
      options: await order.locator('option').allInnerTexts(), value: await order.inputValue(),
      accounts: await accounts(page), screenshot: await shot(page, 'portfolio-zh', true) };
  });

  await step('narrow', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const zh = { width: await page.evaluate(() => document.scrollingElement.scrollWidth),
      screenshot: await shot(page, 'portfolio-zh-390', true) };
    await page.locator('#language').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('deal-gzf-upgrade').waitFor();
    await page.waitForTimeout(200);
    const en = { width: await page.evaluate(() => document.scrollingElement.scrollWidth),
      screenshot: await shot(page, 'portfolio-en-390', true) };
    return { zh, en };
  });

  await step('deal_link', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('[data-testid="deal-hs-platform"] a.deal-name').click();
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    return { hash: await page.evaluate(() => location.hash) };
  });
  await context.close();

  await step('older_server', async () => {
    const older = await newPage(browser, { width: 1280, height: 800 }, 'en-US');
    await older.page.route('**/v1/portfolio*', (r) => r.fulfill({ status: 404, contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Not Found', status: 404 }) }));
    await signIn(older.page);
    await older.page.waitForLoadState('networkidle');
    const seen = { accounts: await accounts(older.page), order: await older.page.locator('#account-order').count(),
      error: await older.page.locator('[role="alert"]').count(), screenshot: await shot(older.page, 'portfolio-older-server', true) };
    await older.context.close();
    return seen;
  });
} finally {
  await browser.close();
  process.stdout.write(JSON.stringify(report));
}
