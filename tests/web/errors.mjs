// When edits fail, and what a reviewer acting as a sales rep found besides, in real Chromium driven by
// playwright-core. Run by tests/web/test_browser_errors.py, which starts the service and asserts on the
// JSON this prints:
//   node errors.mjs '{"baseUrl", "editorKey", "revocableKey", "revoke": [command...], "revokeEnv",
//                     "screenshots", "tools", "chromium"}'
// Each step records what it saw (it waits a while for what should happen, and records what did when it
// does not); nothing here decides pass or fail except a step that cannot go on.

import { execFileSync } from 'node:child_process';
import { walk } from './harness.mjs';

const { config, chromium, report, newPage, step, shot } = walk(process.argv, { timeout: 15000 });

/** Waits up to `ms` for `fn(arg)` to hold in the page; answers whether it did (no throw: the step
 *  records what it sees either way). */
async function until(page, fn, arg, ms = 5000) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms });
    return true;
  } catch {
    return false;
  }
}

async function openSignedIn(page, route, key) {
  await page.goto(config.baseUrl + route);
  await page.getByTestId('key-input').fill(key);
  await page.getByTestId('key-input').press('Enter');
}

async function openDeal(page, key) {
  await openSignedIn(page, '/#/opportunities/gzf-upgrade', key);
  await page.locator('[data-testid^="recommendation-"]').first().waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.dataset.path);
}

async function openPerson(page, id) {
  await page.getByTestId(`person-${id}`).click();
  await page.waitForFunction((x) => document.querySelector('#person-name')
    && document.querySelector(`[data-testid="person-${x}"]`)?.getAttribute('aria-current') === 'true', id);
}

const toastText = (page) => page.locator('#status').innerText();

/** The text of `selector` now, '' when there is none. */
async function textOf(page, selector) {
  const found = page.locator(selector);
  return (await found.count()) ? found.first().innerText() : '';
}

/** Calls the API from the page with the editor's key (as someone else would, meanwhile). */
function callApi(page, url, init = {}) {
  return page.evaluate(async ({ url, init, key }) => {
    const r = await fetch(url, { ...init, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(init.headers || {}) } });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  }, { url, init, key: config.editorKey });
}

/** Where each hop of the drawn path passes under a card other than its two ends' (model coordinates,
 *  the cards' own boxes): sampled along the line as Cytoscape draws it. */
function hopsUnderCards(page) {
  return page.evaluate(() => {
    const map = document.querySelector('[data-testid="map"]');
    const cy = map.querySelector('.map-canvas')._cyreg.cy;
    const boxes = cy.nodes().map((n) => {
      const card = map.querySelector(`[data-id="${n.id()}"], [data-testid="team-${n.id()}"]`);
      const w = parseFloat(card.style.width); const h = card.offsetHeight;
      const p = n.position();
      return { id: n.id(), left: p.x - w / 2 + 1, right: p.x + w / 2 - 1, top: p.y - h / 2 + 1, bottom: p.y + h / 2 - 1 };
    });
    const found = [];
    cy.edges('.hop').forEach((e) => {
      const rs = e._private.rscratch;
      const pts = [];
      for (let i = 0; i + 1 < rs.allpts.length; i += 2) pts.push({ x: rs.allpts[i], y: rs.allpts[i + 1] });
      const samples = [];
      if (['bezier', 'multibezier', 'self', 'compound'].includes(rs.edgeType)) {
        for (let i = 0; i + 2 < pts.length; i += 2) {
          const [p0, c, p1] = [pts[i], pts[i + 1], pts[i + 2]];
          for (let s = 0; s <= 40; s += 1) {
            const t = s / 40;
            samples.push({ x: (1 - t) ** 2 * p0.x + 2 * (1 - t) * t * c.x + t * t * p1.x,
              y: (1 - t) ** 2 * p0.y + 2 * (1 - t) * t * c.y + t * t * p1.y });
          }
        }
      } else {
        for (let i = 0; i + 1 < pts.length; i += 1) {
          for (let s = 0; s <= 40; s += 1) {
            const t = s / 40;
            samples.push({ x: pts[i].x + (pts[i + 1].x - pts[i].x) * t, y: pts[i].y + (pts[i + 1].y - pts[i].y) * t });
          }
        }
      }
      const ends = [e.source().id(), e.target().id()];
      for (const b of boxes) {
        if (ends.includes(b.id)) continue;
        if (samples.some((p) => p.x > b.left && p.x < b.right && p.y > b.top && p.y < b.bottom)) {
          found.push({ hop: `${ends[0]}→${ends[1]}`, under: b.id, edgeType: rs.edgeType });
        }
      }
    });
    return found;
  });
}

const browser = await chromium.launch({ executablePath: config.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  // ---- a rep in English, 1280×800 ------------------------------------------------------------------
  const { context, page } = await newPage(browser, { width: 1280, height: 800 }, 'en-US');

  await step('path_around_cards', async () => {
    await openDeal(page, config.editorKey);
    await page.waitForTimeout(300);
    const moves = await page.locator('[data-testid^="recommendation-"]').evaluateAll((els) => els.map((el) => el.dataset.testid));
    const seen = [];
    for (const [i, move] of moves.entries()) {
      await page.getByTestId(move).locator('.move-head button').click();
      await page.waitForFunction((m) => document.querySelector(`[data-testid="${m}"]`)?.classList.contains('active'), move);
      await page.waitForTimeout(150);
      seen.push({ move, path: await page.getByTestId('map').getAttribute('data-path'), under: await hopsUnderCards(page) });
      if (i === 0) await shot(page, '01-path-en');
    }
    await page.getByTestId(moves[0]).locator('.move-head button').click();
    return { moves: seen };
  });

  await step('highlight_follows_the_gap', async () => {
    const gap = page.getByTestId('gap-leader_unaware');
    await gap.locator('h3 button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]').dataset.highlight);
    const before = await page.getByTestId('map').getAttribute('data-highlight');
    await openPerson(page, 'gzf-design');
    await page.locator('#knows-us').check();
    await page.locator('[data-edit="save-person"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="gap-leader_unaware"]')?.innerText.includes('林晓'));
    await page.waitForTimeout(300);
    return { before, gap: await gap.innerText(), highlight: await page.getByTestId('map').getAttribute('data-highlight'),
      pressed: await gap.locator('h3 button').getAttribute('aria-pressed'),
      marked: await page.locator('[data-testid="map"] .person.highlight').evaluateAll((els) => els.map((el) => el.dataset.id)),
      dimmed: await page.locator('[data-testid="map"] .person.dim').evaluateAll((els) => els.map((el) => el.dataset.id)) };
  });

  await step('failed_write_shows_what_is_stored', async () => {
    await page.getByTestId('gap-leader_unaware').locator('h3 button[aria-pressed="true"]').click().catch(() => {});
    await openPerson(page, 'gzf-coo');
    const select = page.getByTestId('stance-select');
    const stored = await select.inputValue();
    // The service cannot be reached: the write and the refresh after it fail.
    await context.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await select.selectOption('champion');
    await page.getByTestId('save-seat').click();
    await page.locator('#status .toast-error').waitFor();
    const back = await until(page, (s) => document.querySelector('[data-testid="stance-select"]')?.value === s, stored);
    const offline = { stored, back, message: await toastText(page), stance: await select.inputValue(),
      row: await page.locator('[data-testid="decision-chain"] tbody tr', { hasText: '黄伟' }).innerText() };
    await context.unroute('**/v1/**');
    // The service answers 503 (its store down): the same.
    await page.locator('#status').evaluate((el) => el.replaceChildren());
    await context.route('**/v1/**', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'https://guanxi.dev/problems/503', title: 'Store unavailable', status: 503, detail: 'the store is unreachable' }) }));
    const role = page.getByTestId('role-select');
    const storedRole = await role.inputValue();
    await role.selectOption(storedRole === 'coach' ? 'gatekeeper' : 'coach');
    await page.getByTestId('save-seat').click();
    await page.locator('#status .toast-error').waitFor();
    const roleBack = await until(page, (s) => document.querySelector('[data-testid="role-select"]')?.value === s, storedRole);
    const unavailable = { stored: storedRole, back: roleBack, message: await toastText(page), role: await role.inputValue() };
    await context.unroute('**/v1/**');
    await page.waitForTimeout(200);
    return { offline, unavailable, screenshot: await shot(page, '02-failed-write-en') };
  });

  await step('numbers_checked_before_sending', async () => {
    const writes = [];
    const onRequest = (r) => { if (r.url().includes('/v1/') && r.method() !== 'GET') writes.push(`${r.method()} ${new URL(r.url()).pathname}`); };
    page.on('request', onRequest);
    await openPerson(page, 'gzf-it');
    await page.locator('[data-edit="add-line"]').click();
    await page.getByTestId('person-gzf-cfo').click();
    await page.locator('#line-strength').fill('');
    await page.locator('[data-edit="save-line"]').click();
    await page.waitForTimeout(300);
    const empty = { error: await textOf(page, '#line-strength-error'),
      invalid: await page.locator('#line-strength').getAttribute('aria-invalid'),
      bannerOpen: await page.locator('.banner').isVisible() };
    let tooStrong = '';
    if (empty.bannerOpen) {
      await page.locator('#line-strength').fill('7');
      await page.locator('[data-edit="save-line"]').click();
      await page.waitForTimeout(300);
      tooStrong = await textOf(page, '#line-strength-error');
    }
    if (await page.locator('.banner').isVisible()) await page.locator('.banner').getByRole('button', { name: 'Cancel' }).click();
    await page.waitForTimeout(300);
    await openPerson(page, 'gzf-it');
    await page.locator('#closeness-relationship').fill('1.5');
    await page.locator('[data-edit="save-person"]').click();
    await page.waitForTimeout(300);
    const closeness = await textOf(page, '#closeness-relationship-error');
    await page.locator('#left-at').fill('');
    await page.locator('[data-edit="mark-left"]').click();
    await page.waitForTimeout(300);
    const leftAt = await textOf(page, '#left-at-error');
    const file = await shot(page, '03-field-errors-en');
    page.off('request', onRequest);
    return { empty, tooStrong, closeness, leftAt, writes, screenshot: file };
  });

  await step('line_to_self', async () => {
    await openPerson(page, 'gzf-it');
    await page.locator('[data-edit="add-line"]').click();
    await page.getByTestId('person-gzf-it').click();
    await page.waitForTimeout(200);
    const banner = { visible: await page.locator('.banner').isVisible(), text: await page.locator('.banner').innerText() };
    await page.keyboard.press('Escape');
    return { banner };
  });

  await step('removed_meanwhile', async () => {
    await openPerson(page, 'gzf-gm');
    const line = page.getByTestId('person-panel').locator('.lines li', { hasText: '林晓' });
    await line.waitFor();
    // Someone else removes the design director's line to the general manager meanwhile.
    const id = 'INFLUENCES:gzf-design:gzf-gm';
    const found = await callApi(page, `/v1/relationships/${encodeURIComponent(id)}`);
    const removed = await callApi(page, `/v1/relationships/${encodeURIComponent(id)}`,
      { method: 'DELETE', headers: { 'If-Match': `"${found.body.version}"` } });
    await page.locator('#status').evaluate((el) => el.replaceChildren());
    await line.locator('button.remove').click();
    await page.locator('#status .toast-error').waitFor();
    const message = await toastText(page);
    const gone = await until(page, () => ![...document.querySelectorAll('[data-testid="person-panel"] .lines li')]
      .some((li) => li.innerText.includes('林晓')));
    return { removed: removed.status, message, gone };
  });
  await context.close();

  // ---- a rep in Chinese ----------------------------------------------------------------------------
  const zh = await newPage(browser, { width: 1280, height: 800 }, 'zh-CN');
  await step('chinese', async () => {
    const p = zh.page;
    await openDeal(p, config.editorKey);
    await p.waitForTimeout(300);
    const facts = await p.locator('.facts dl').innerText();
    const paths = await p.locator('.move .path').allInnerTexts();
    const gaps = await p.locator('[data-testid^="gap-"] h3').allInnerTexts();
    const file = await shot(p, '04-deal-zh');
    await openPerson(p, 'gzf-salesvp');
    // A date the app lets through but the service refuses (as an older app, or another client, might send).
    await p.route('**/v1/contacts/gzf-salesvp', (route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      return route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), left_at: '' }) });
    });
    await p.locator('[data-edit="mark-left"]').click();
    await p.locator('#status .toast-error').waitFor();
    const refused = { message: await toastText(p), field: await textOf(p, '#left-at-error') };
    await p.unroute('**/v1/contacts/gzf-salesvp');
    const refusedShot = await shot(p, '05-refused-zh');
    await p.locator('#status').evaluate((el) => el.replaceChildren());
    await p.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await p.getByTestId('stance-select').selectOption('champion');
    await p.getByTestId('save-seat').click();
    await p.locator('#status .toast-error').waitFor();
    const offline = await toastText(p);
    await p.unroute('**/v1/**');
    return { facts, paths, gaps, refused, offline, screenshots: [file, refusedShot] };
  });
  await zh.context.close();

  // ---- a key revoked while in use --------------------------------------------------------------------
  const revoked = await newPage(browser, { width: 1280, height: 800 }, 'en-US');
  await step('revoked_key', async () => {
    const p = revoked.page;
    await openDeal(p, config.revocableKey);
    await openPerson(p, 'gzf-proc');
    const stored = await p.getByTestId('stance-select').inputValue();
    execFileSync(config.revoke[0], config.revoke.slice(1), { env: { ...process.env, ...config.revokeEnv }, stdio: 'ignore' });
    await p.getByTestId('stance-select').selectOption(stored === 'supporter' ? 'neutral' : 'supporter');
    await p.getByTestId('save-seat').click();
    const signInShown = await until(p, () => Boolean(document.querySelector('[data-testid="key-input"]')));
    const seen = { stored, signInShown,
      message: await textOf(p, '.sign-in .error'),
      roleShown: await p.getByTestId('role').count(),
      keyKept: await p.evaluate(() => sessionStorage.getItem('guanxi.key')),
      hash: await p.evaluate(() => location.hash),
      screenshot: await shot(p, '06-revoked-en') };
    if (signInShown) {
      // Signing in again with a good key brings the rep back where they were.
      await p.getByTestId('key-input').fill(config.editorKey);
      await p.getByTestId('key-input').press('Enter');
      seen.back = await until(p, () => Boolean(document.querySelector('[data-testid^="recommendation-"]')));
    }
    return seen;
  });
  await revoked.context.close();

  // ---- a phone, 390×844 ------------------------------------------------------------------------------
  for (const [locale, tag] of [['en-US', 'en'], ['zh-CN', 'zh']]) {
    const phone = await newPage(browser, { width: 390, height: 844 }, locale);
    await step(`phone_${tag}`, async () => {
      const p = phone.page;
      const width = () => p.evaluate(() => document.documentElement.scrollWidth);
      await openSignedIn(p, '/', config.editorKey);
      await p.getByTestId('account-gzf').waitFor();
      await p.waitForTimeout(300);
      const accounts = await width();
      const accountsShot = await shot(p, `07-phone-accounts-${tag}`);
      await p.goto(`${config.baseUrl}/#/opportunities/gzf-upgrade`);
      await p.locator('[data-testid^="recommendation-"]').first().waitFor();
      await p.waitForTimeout(500);
      const deal = await width();
      const box = (selector) => p.locator(selector).first().evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
      });
      const signOut = await box('.app-header button');
      const title = await box('.page-head h1');
      const map = await box('[data-testid="map"]');
      const side = await box('.side');
      const dealShot = await shot(p, `08-phone-deal-${tag}`);
      await openPerson(p, 'gzf-coo');
      await p.waitForTimeout(300);
      const panel = await width();
      const panelShot = await shot(p, `09-phone-person-${tag}`, true);
      return { accounts, deal, panel, signOut, title, map, side, screenshots: [accountsShot, dealShot, panelShot] };
    });
    await phone.context.close();
  }
} finally {
  await browser.close();
  process.stdout.write(JSON.stringify(report));
}
