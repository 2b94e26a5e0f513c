// A rep's and a viewer's walk through the web app in real Chromium, driven by playwright-core.
// Run by tests/web/test_browser.py, which starts the service and asserts on the JSON this prints:
//   node walkthrough.mjs '{"baseUrl", "editorKey", "viewerKey", "screenshots", "tools", "chromium"}'
// Each step records what it saw; nothing here decides pass or fail except a step that cannot go on.

import { createRequire } from 'node:module';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

const config = JSON.parse(process.argv[2]);
const require = createRequire(path.join(config.tools, 'package.json'));
const { chromium } = require('playwright-core');

const started = Date.now();
const report = { steps: {}, console_errors: [], page_errors: [], outside_requests: [], api_languages: [],
  timings: {} };
const base = new URL(config.baseUrl);
mkdirSync(config.screenshots, { recursive: true });

async function newPage(browser, viewport, locale) {
  const context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1 });
  // Nothing may leave the service: any other origin is refused and recorded.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'blob:' || url.protocol === 'data:' || (url.hostname === base.hostname && url.port === base.port)) {
      return route.continue();
    }
    report.outside_requests.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') report.console_errors.push({ step: current, text: msg.text(), url: msg.location()?.url || '' });
  });
  page.on('pageerror', (err) => report.page_errors.push({ step: current, text: String(err) }));
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) report.api_languages.push(request.headers()['accept-language'] || null);
  });
  return { context, page };
}

async function shot(page, name) {
  const file = path.join(config.screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Opens `route` in a tab not yet signed in, and signs in with `key` there. */
async function openSignedIn(page, route, key) {
  await page.goto(config.baseUrl + route);
  await page.getByTestId('key-input').fill(key);
  await page.getByTestId('key-input').press('Enter');
}

let current = null;

async function step(name, body) {
  const t0 = Date.now();
  current = name;
  try {
    report.steps[name] = { ok: true, ...(await body()) };
  } catch (err) {
    report.steps[name] = { ok: false, error: String(err && err.stack || err) };
  }
  report.timings[name] = Date.now() - t0;
  return report.steps[name].ok;
}

/** What the map shows: each person's card and whether it lies inside the map's visible box. */
async function mapPeople(page) {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid="map"]').getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="map"] [data-testid^="person-"]')].map((el) => {
      const r = el.getBoundingClientRect();
      const inside = !el.hidden && r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1
        && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      // (the name's size on screen: its CSS size times the map's zoom)
      const name = el.querySelector('.name');
      const namePx = name && el.offsetWidth ? parseFloat(getComputedStyle(name).fontSize) * (r.width / el.offsetWidth) : 0;
      return { id: el.dataset.id, hidden: el.hidden, inside, namePx, text: el.innerText.replace(/\s+/g, ' ').trim(), classes: el.className };
    });
  });
}

const browser = await chromium.launch({ executablePath: config.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
report.browser_version = browser.version();
try {
  const { context, page } = await newPage(browser, { width: 1280, height: 800 }, 'en-US');

  await step('sign_in', async () => {
    await page.goto(config.baseUrl + '/');
    await page.getByTestId('key-input').waitFor();
    const labelled = await page.getByLabel('API key').count();
    await page.getByTestId('key-input').fill(config.editorKey);
    await page.getByTestId('key-input').press('Enter');
    await page.getByTestId('account-gzf').waitFor();
    await page.locator('[data-account="gzf"] .badge').waitFor();
    const role = await page.getByTestId('role').innerText();
    const badge = await page.locator('[data-account="gzf"] .badge').innerText();
    await page.getByTestId('account-search').fill('nothing-like-this');
    const hiddenBySearch = await page.getByTestId('account-gzf').count();
    await page.getByTestId('account-search').fill('furn');
    const foundBySearch = await page.getByTestId('account-gzf').count();
    const keyStored = await page.evaluate(() => ({ session: Boolean(sessionStorage.getItem('guanxi.key')),
      local: Object.keys(localStorage).some((k) => k.includes('key')) }));
    return { labelled, role, badge, hiddenBySearch, foundBySearch, keyStored,
      screenshot: await shot(page, '01-accounts') };
  });

  await step('account_map', async () => {
    await page.getByTestId('account-gzf').click();
    await page.locator('[data-testid="map"] [data-testid^="person-"]').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="map"] canvas').length > 0);
    await page.waitForTimeout(300);
    const people = await mapPeople(page);
    const edges = await page.evaluate(() => document.querySelectorAll('[data-testid="map"] canvas').length);
    const opportunities = await page.locator('[data-testid^="opportunity-"]').count();
    await page.locator('.legend summary').click();
    return { people, canvases: edges, opportunities, screenshot: await shot(page, '02-account-map') };
  });

  await step('person_panel', async () => {
    await page.getByTestId('person-gzf-gm').click();
    const panel = page.getByTestId('person-panel');
    await panel.waitFor();
    const text = await panel.innerText();
    const fields = await panel.evaluate((el) => Object.fromEntries([...el.querySelectorAll('[data-field]')]
      .map((d) => [d.dataset.field, d.innerText.trim()])));
    return { text, fields, screenshot: await shot(page, '03-general-manager') };
  });

  await step('focus', async () => {
    await page.getByLabel('Show', { exact: true }).selectOption('department');
    await page.locator('#focus-department').selectOption('procurement');
    const department = await page.getByTestId('map').getAttribute('data-shown');
    await page.getByLabel('Show', { exact: true }).selectOption('around');
    const around = await page.getByTestId('map').getAttribute('data-shown');
    await page.getByLabel('Show', { exact: true }).selectOption('all');
    const all = await page.getByTestId('map').getAttribute('data-shown');
    return { department, around, all };
  });

  await step('opportunity', async () => {
    await page.getByTestId('opportunity-gzf-upgrade').click();
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.dataset.path);
    await page.waitForTimeout(300);
    const recommendations = await page.locator('[data-testid^="recommendation-"]').evaluateAll(
      (els) => els.map((el) => el.dataset.testid));
    const first = await page.locator('[data-testid^="recommendation-"]').first().innerText();
    const path = await page.getByTestId('map').getAttribute('data-path');
    const onPath = await page.locator('[data-testid="map"] .on-path').evaluateAll((els) => els.map((el) => el.dataset.id || el.dataset.testid));
    const gaps = await page.locator('[data-testid^="gap-"]').evaluateAll((els) => els.map((el) => el.dataset.testid));
    const chainRows = await page.locator('[data-testid="decision-chain"] tbody tr').count();
    const people = await mapPeople(page);
    return { recommendations, first, path, onPath, gaps, chainRows, people, url: page.url(),
      screenshot: await shot(page, '04-opportunity-plan') };
  });

  await step('gap_highlight', async () => {
    await page.getByTestId('gap-leader_unaware').locator('h3 button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]').dataset.highlight);
    const highlight = await page.getByTestId('map').getAttribute('data-highlight');
    const marked = await page.locator('[data-testid="map"] .person.highlight').evaluateAll((els) => els.map((el) => el.dataset.id));
    const file = await shot(page, '05-gap-highlight');
    await page.getByTestId('gap-leader_unaware').locator('h3 button').click();
    return { highlight, marked, screenshot: file };
  });

  await step('edit_stance', async () => {
    const before = Number(await page.getByTestId('support-us').getAttribute('data-value'));
    await page.getByTestId('person-gzf-design').click();
    await page.getByTestId('person-panel').waitFor();
    const select = page.getByTestId('stance-select');
    const count = await select.count();
    const selectLabel = await select.evaluate((el) => document.querySelector(`label[for="${el.id}"]`)?.innerText);
    await select.selectOption('supporter');
    await page.getByTestId('save-seat').click();
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid="support-us"]').dataset.value) !== b, before);
    const after = Number(await page.getByTestId('support-us').getAttribute('data-value'));
    const row = await page.locator('[data-testid="decision-chain"] tbody tr', { hasText: '林晓' }).innerText();
    const stanceNow = await page.getByTestId('stance-select').inputValue();
    return { before, after, count, selectLabel, row, stanceNow, screenshot: await shot(page, '06-stance-edited') };
  });

  await step('stale_edit', async () => {
    // Someone else changes the same member meanwhile: our next edit carries the old version.
    const response = await page.evaluate(async (key) => {
      const url = '/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design';
      const r = await fetch(url, { method: 'PATCH', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Accept-Language': 'en' },
        body: JSON.stringify({ influence: 5 }) });
      return r.status;
    }, config.editorKey);
    await page.getByTestId('stance-select').selectOption('champion');
    await page.getByTestId('save-seat').click();
    const toast = page.locator('#status .toast-error');
    await toast.waitFor();
    const message = await toast.innerText();
    await page.waitForFunction(() => document.querySelector('[data-testid="influence-select"]')?.value === '5');
    const stanceNow = await page.getByTestId('stance-select').inputValue();
    return { otherWrite: response, message, stanceNow };
  });

  await step('edit_person_and_lines', async () => {
    // An influence line by picking two people, then removed again.
    await page.getByTestId('person-gzf-it').click();
    await page.locator('[data-edit="add-line"]').click();
    await page.getByTestId('person-gzf-cfo').click();
    await page.locator('#line-strength').fill('0.8');
    await page.locator('[data-edit="save-line"]').click();
    const line = page.getByTestId('person-panel').locator('.lines li', { hasText: '何丽' });
    await line.waitFor();
    const added = await line.innerText();
    await line.getByRole('button', { name: 'Remove the line 赵明 → 何丽' }).click();
    await line.waitFor({ state: 'detached' });
    // The CFO gets to know us: the gap about a leader unaware of us no longer names her.
    const gapBefore = await page.getByTestId('gap-leader_unaware').innerText();
    await page.getByTestId('person-gzf-cfo').click();
    await page.locator('#knows-us').check();
    await page.locator('#closeness-relationship').fill('0.4');
    await page.locator('#closeness-price').fill('');     // an emptied measure is cleared
    await page.locator('[data-edit="save-person"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="gap-leader_unaware"]')?.innerText.includes('何丽'));
    const gapAfter = await page.getByTestId('gap-leader_unaware').innerText();
    const fields = await page.getByTestId('person-panel').evaluate((el) => Object.fromEntries([...el.querySelectorAll('[data-field]')]
      .map((d) => [d.dataset.field, d.innerText.trim()])));
    // The IT manager leaves, and comes back.
    await page.getByTestId('person-gzf-it').click();
    await page.locator('#left-at').fill('2026-11-30');
    await page.locator('[data-edit="mark-left"]').click();
    await page.locator('[data-testid="person-gzf-it"].left').waitFor();
    const leftStatus = await page.locator('[data-field="status"]').innerText();
    await page.locator('[data-edit="rejoin"]').click();
    await page.locator('[data-testid="person-gzf-it"]:not(.left)').waitFor();
    return { added, gapBefore, gapAfter, fields, leftStatus };
  });

  await step('export', async () => {
    await page.locator('#export-format').selectOption('png');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    const file = await download.path();
    const formats = await page.locator('#export-format option').evaluateAll((els) => els.map((el) => el.value));
    return { filename: download.suggestedFilename(), size: statSync(file).size, formats };
  });

  await step('language', async () => {
    await page.locator('#language').selectOption('zh-CN');
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="gap-leader_unaware"]')?.innerText.includes('领导'));
    const heading = await page.locator('.chain h2').innerText();
    const gapText = await page.getByTestId('gap-leader_unaware').innerText();
    const facts = await page.locator('.facts dl').innerText();
    const status = await page.locator('#status').innerText();
    const lastLanguage = report.api_languages[report.api_languages.length - 1];
    return { heading, gapText, facts, status, lastLanguage, htmlLang: await page.evaluate(() => document.documentElement.lang) };
  });

  await step('tablet', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.waitForTimeout(200);
    await page.getByRole('button', { name: '适应屏幕' }).click();
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const people = await mapPeople(page);
    return { overflow, people, screenshot: await shot(page, '07-tablet-zh') };
  });

  await step('keyboard', async () => {
    await page.locator('#language').selectOption('en');
    // The language switch reloads the answers and redraws the map: wait until that has settled, and
    // focus again if a late redraw replaced the focused box (a redraw is not what this step tests).
    // (Not 'networkidle': the page may keep a request open, so the network never goes quiet.)
    await page.waitForFunction(() => document.documentElement.lang === 'en'
      && !document.querySelector('[data-testid="gap-leader_unaware"]')?.innerText.includes('领导'));
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    let next = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await page.getByTestId('person-gzf-gm').focus();
      const focused = await page.evaluate(() => document.activeElement?.dataset?.testid);
      if (focused !== 'person-gzf-gm') { await page.waitForTimeout(200); continue; }
      await page.keyboard.press('Tab');
      next = await page.evaluate(() => document.activeElement?.dataset?.testid || document.activeElement?.tagName);
      if (next !== 'BODY') break;
      await page.waitForTimeout(200);
    }
    await page.getByTestId('person-gzf-cfo').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('person-panel').waitFor();
    const panelName = await page.locator('#person-name').innerText();
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')].filter((el) => {
      if (el.closest('[hidden]')) return false;
      const byLabel = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)?.innerText)
        || el.closest('label')?.innerText;
      const name = el.tagName === 'BUTTON' ? byLabel || el.innerText || el.getAttribute('title') : byLabel;
      return !name || !name.trim();
    }).map((el) => el.outerHTML.slice(0, 120)));
    return { next, panelName, unlabelled };
  });
  await context.close();

  const viewer = await newPage(browser, { width: 1280, height: 800 }, 'zh-CN');
  await step('viewer', async () => {
    const p = viewer.page;
    await openSignedIn(p, '/#/opportunities/gzf-upgrade', config.viewerKey);
    await p.locator('[data-testid^="recommendation-"]').first().waitFor();
    await p.getByTestId('person-gzf-design').click();
    await p.getByTestId('person-panel').waitFor();
    const editControls = await p.locator('[data-edit], [data-testid="stance-select"]').count();
    const role = await p.getByTestId('role').innerText();
    const language = await p.evaluate(() => document.documentElement.lang);
    const panel = await p.getByTestId('person-panel').innerText();
    const file = await shot(p, '08-viewer');
    await p.goto(config.baseUrl + '/#/accounts/gzf');
    await p.locator('[data-testid="map"] [data-testid^="person-"]').first().waitFor();
    await p.getByTestId('person-gzf-proc').click();
    await p.getByTestId('person-panel').waitFor();
    const editControlsOnAccount = await p.locator('[data-edit], [data-testid="stance-select"]').count();
    return { editControls, editControlsOnAccount, role, language, panel, screenshot: file };
  });
  await viewer.context.close();

  const large = await newPage(browser, { width: 1280, height: 800 }, 'en-US');
  await step('large_account', async () => {
    const p = large.page;
    await openSignedIn(p, '/#/accounts/big', config.editorKey);
    const notice = p.getByTestId('map-notice');
    await notice.waitFor();
    await p.waitForTimeout(300);
    const shown = await p.getByTestId('map').getAttribute('data-shown');
    const lines = await p.getByTestId('map').getAttribute('data-lines');
    const cards = (await mapPeople(p)).filter((x) => !x.hidden);
    const drawn = cards.map((x) => x.id);
    const text = await notice.innerText();
    const file = await shot(p, '09-large-account');
    // typed as names with a middle dot often are, with another dot (the stored name has none)
    await p.locator('#find-person').fill(`${config.find.slice(0, 1)}・${config.find.slice(1)}`);
    await p.locator('#find-person').press('Enter');
    await p.waitForFunction(() => document.querySelector('#focus-mode')?.value === 'around');
    await p.getByTestId('person-panel').waitFor();
    await p.waitForTimeout(300);
    return { shown, lines, drawn, inside: cards.filter((x) => x.inside).map((x) => x.id),
      namePx: Math.min(...cards.map((x) => x.namePx)), notice: text,
      mode: await p.locator('#focus-mode').inputValue(),
      around: await p.getByTestId('map').getAttribute('data-shown'), noticeHidden: await notice.isHidden(),
      panelName: (await p.getByTestId('person-panel').locator('h2').innerText()).trim(), screenshot: file };
  });
  await large.context.close();

  // A promotion (stored protégé → patron) is shown from the patron to the protégé, as the map image draws it.
  const promotion = await newPage(browser, { width: 1280, height: 800 }, 'zh-CN');
  await step('promotion', async () => {
    const p = promotion.page;
    await openSignedIn(p, '/#/accounts/hs-tj', config.editorKey);
    await p.locator('[data-testid="map"] [data-testid^="person-"]').first().waitFor();
    await p.waitForFunction(() => document.querySelector('[data-testid="map"] .map-canvas')?._cyreg?.cy?.edges().length > 0);
    // (Cytoscape keeps its instance on its container: which end of each promotion line has the arrowhead)
    const arrows = await p.evaluate(() => document.querySelector('[data-testid="map"] .map-canvas')._cyreg.cy
      .edges('[type = "PROMOTED_BY"]').map((e) => ({ source: e.source().id(), target: e.target().id(),
        sourceArrow: e.style('source-arrow-shape'), targetArrow: e.style('target-arrow-shape') })));
    const lists = async (id) => {
      await p.getByTestId(`person-${id}`).click();
      const panel = p.getByTestId('person-panel');
      await panel.locator('#person-name').waitFor();
      return { influencedBy: await panel.getByTestId('influenced-by').innerText(),
        influences: await panel.getByTestId('influences').innerText() };
    };
    const protege = await lists('hs-plant');
    const patron = await lists('hs-vp-ops');
    await p.locator('.legend summary').click();
    const legend = await p.locator('.legend').innerText();
    const file = await shot(p, '10-promotion-zh');
    // The patron draws a promotion line to someone they promoted: stored as that person PROMOTED_BY the patron.
    await p.locator('[data-edit="add-line"]').click();
    await p.getByTestId('person-hs-hr').click();
    await p.locator('#line-type').selectOption('PROMOTED_BY');
    await p.locator('[data-edit="save-line"]').click();
    const line = p.getByTestId('influences').locator('li', { hasText: 'Ms. Lim' });
    await line.waitFor();
    const added = await line.innerText();
    const stored = await p.evaluate(async (key) => {
      const r = await fetch('/v1/relationships?account_id=hs-tj&limit=200', { headers: { Authorization: `Bearer ${key}` } });
      return (await r.json()).items.filter((e) => e.type === 'PROMOTED_BY').map((e) => ({ source: e.source, target: e.target }));
    }, config.editorKey);
    const removeLabel = await line.locator('button.remove').getAttribute('aria-label');
    await line.locator('button.remove').click();
    await line.waitFor({ state: 'detached' });
    return { arrows, protege, patron, legend, added, stored, removeLabel, screenshot: file };
  });
  await promotion.context.close();

  // A CRM duplicate of the design director, merged into her record from its panel.
  const duplicate = await newPage(browser, { width: 1280, height: 800 }, 'zh-CN');
  await step('merge_duplicate', async () => {
    const p = duplicate.page;
    await p.goto(config.baseUrl + '/');
    const made = await p.evaluate(async (key) => {
      const send = (path, body) => fetch(path, { method: 'POST', body: JSON.stringify(body),
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } }).then((r) => r.status);
      return [await send('/v1/contacts', { id: 'gzf-design-dup', account_id: 'gzf', name: 'Lin Xiao', knows_us: true }),
        await send('/v1/relationships', { type: 'INFLUENCES', source: 'gzf-design-dup', target: 'gzf-coo', strength: 0.4 })];
    }, config.editorKey);
    await openSignedIn(p, '/#/accounts/gzf', config.editorKey);
    await p.getByTestId('person-gzf-design-dup').click();
    await p.getByTestId('person-panel').waitFor();
    await p.locator('#merge-into').selectOption('gzf-design');
    await p.locator('[data-edit="merge"]').scrollIntoViewIfNeeded();
    const file = await shot(p, '11-merge-duplicate-zh');
    await p.locator('[data-edit="merge"]').click();
    await p.getByTestId('person-panel').locator('h2', { hasText: '林晓' }).waitFor();
    const after = await p.evaluate(async (key) => {
      const get = (path) => fetch(path, { headers: { Authorization: `Bearer ${key}` } });
      const lines = await (await get('/v1/relationships?account_id=gzf&type=INFLUENCES&limit=200')).json();
      const people = await (await get('/v1/contacts?account_id=gzf&limit=200')).json();
      return { duplicate: people.items.some((c) => c.id === 'gzf-design-dup') ? 'still there' : 'gone',
        kept: await (await get('/v1/contacts/gzf-design')).json(),
        moved: lines.items.filter((e) => e.target === 'gzf-coo').map((e) => e.source) };
    }, config.editorKey);
    return { made, panel: (await p.getByTestId('person-panel').locator('h2').innerText()).trim(),
      onMap: await p.getByTestId('person-gzf-design-dup').count(), ...after, screenshot: file };
  });
  await duplicate.context.close();

  // Last (it closes the upgrade deal): a deal marked won answers no moves and no gaps, and says why.
  const won = await newPage(browser, { width: 1280, height: 800 }, 'zh-CN');
  await step('deal_won', async () => {
    const p = won.page;
    await p.goto(config.baseUrl + '/');
    const status = await p.evaluate(async (key) => (await fetch('/v1/opportunities/gzf-upgrade', {
      method: 'PATCH', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ stage: '赢单' }) })).status, config.editorKey);
    await openSignedIn(p, '/#/opportunities/gzf-upgrade', config.editorKey);
    await p.getByTestId('no-moves').waitFor();
    const moves = await p.getByTestId('no-moves').innerText();
    const recommendations = await p.locator('[data-testid^="recommendation-"]').count();
    const file = await shot(p, '12-deal-won-zh');
    return { status, moves, recommendations, screenshot: file };
  });
  await won.context.close();
} finally {
  await browser.close();
  report.timings.total = Date.now() - started;
  process.stdout.write(JSON.stringify(report));
}
