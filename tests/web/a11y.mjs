// What an accessibility reviewer (WCAG 2.2 AA) found, in real Chromium driven by playwright-core: the
// keyboard moving through a seat's stance stores nothing until Save; the focus after each action; the
// page's title; stances in words on the map; what a screen reader hears of a card; the skip link past the
// map's people; contrast of stance pills, severities, departed cards, fields and the focus ring; a card
// tabbed to off the map's edge panned into view. Run by tests/web/test_browser_a11y.py, which starts the
// service and asserts on the JSON this prints:
//   node a11y.mjs '{"baseUrl", "editorKey", "screenshots", "tools", "chromium"}'
// Each step records what it saw; nothing here decides pass or fail except a step that cannot go on.

import { CONTRAST, walk } from './harness.mjs';

const { config, chromium, report, newPage, step, shot } = walk(process.argv);

/** The focused element as `TAG#id[data-testid]`, or BODY. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return 'BODY';
  return `${a.tagName}${a.id ? `#${a.id}` : ''}${a.dataset.testid ? `[${a.dataset.testid}]` : ''}`;
});

/** Whether the focused element is inside the element `selector` names. */
const focusIn = (page, selector) => page.evaluate((s) => Boolean(document.activeElement?.closest(s)), selector);

async function signIn(page, route) {
  await page.goto(config.baseUrl + route);
  await page.getByTestId('key-input').fill(config.editorKey);
  await page.getByTestId('key-input').press('Enter');
}

async function openDeal(page) {
  await page.goto(`${config.baseUrl}/#/opportunities/gzf-upgrade`);
  await page.locator('[data-testid^="recommendation-"]').first().waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.dataset.path);
}

/** Chooses a person with the keyboard and waits for their panel. */
async function openPerson(page, id) {
  await page.getByTestId(`person-${id}`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((x) => document.querySelector('#person-name')
    && document.querySelector(`[data-testid="person-${x}"]`)?.classList.contains('selected'), id);
}

const browser = await chromium.launch({ executablePath: config.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const { context, page } = await newPage(browser, { width: 1280, height: 800 }, 'en-US');
  const writes = [];
  page.on('request', (r) => { if (r.method() !== 'GET') writes.push(`${r.method()} ${new URL(r.url()).pathname} ${r.postData() || ''}`); });

  await step('opening_pages', async () => {
    await signIn(page, '/');
    await page.getByTestId('account-gzf').waitFor();
    const accounts = { focus: await focused(page), title: await page.title() };
    await page.getByTestId('account-gzf').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('person-gzf-gm').waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    const account = { focus: await focused(page), title: await page.title() };
    await page.goto(`${config.baseUrl}/#/opportunities/gzf-upgrade`);
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    const deal = { title: await page.title() };
    return { accounts, account, deal };
  });

  await step('stance_arrow_keys', async () => {
    await openDeal(page);
    await openPerson(page, 'gzf-cfo');
    const select = page.locator('[data-testid="person-panel"] [data-testid="stance-select"]');
    const before = await select.inputValue();
    const id = await select.getAttribute('id');
    writes.length = 0;
    await select.focus();
    await page.keyboard.press(before === 'champion' ? 'ArrowDown' : 'ArrowUp');
    await page.waitForTimeout(300);
    await page.keyboard.press(before === 'champion' ? 'ArrowDown' : 'ArrowUp');
    await page.waitForTimeout(500);
    const moving = { writes: [...writes], focus: await focused(page), value: await select.inputValue(),
      unsaved: await page.getByTestId('seat-unsaved').isVisible().catch(() => false) };
    // Save, from the keyboard: one write of the value chosen; the focus stays on Save.
    const save = page.getByTestId('save-seat');
    const saveId = (await save.count()) ? await save.getAttribute('id') : null;
    if (saveId) {
      await save.focus();
      await page.keyboard.press('Enter');
      await page.locator('#status .toast').waitFor();
      await page.waitForFunction((x) => !document.querySelector('[data-testid="seat-unsaved"]')?.checkVisibility?.()
        && document.activeElement?.id === x, saveId).catch(() => {});
    }
    return { before, id, saveId, moving, saved: { writes: [...writes], focus: await focused(page),
      value: await page.locator('[data-testid="person-panel"] [data-testid="stance-select"]').inputValue() } };
  });

  await step('focus_after_actions', async () => {
    const seen = {};
    await openPerson(page, 'gzf-it');
    seen.opened = await focused(page);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    seen.escape = { panel: await page.getByTestId('person-panel').count(), focus: await focused(page) };
    await openPerson(page, 'gzf-it');
    await page.locator('[data-testid="person-panel"] .panel-head button').focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    seen.close = { panel: await page.getByTestId('person-panel').count(), focus: await focused(page) };
    const gap = page.locator('[data-testid^="gap-"] h3 button').first();
    const gapSection = await gap.evaluate((el) => el.closest('[data-testid]').dataset.testid);
    await gap.focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    seen.gap = { section: gapSection, inSection: await focusIn(page, `[data-testid="${gapSection}"] h3`),
      focus: await focused(page) };
    const move = page.locator('[data-testid^="recommendation-"] .move-head button').nth(1);
    const moveItem = await move.evaluate((el) => el.closest('[data-testid]').dataset.testid);
    await move.focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    seen.move = { item: moveItem, inItem: await focusIn(page, `[data-testid="${moveItem}"] .move-head`),
      focus: await focused(page) };
    await page.locator('#focus-mode').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(200);
    seen.show = { value: await page.locator('#focus-mode').inputValue(), focus: await focused(page) };
    await page.locator('#focus-mode').selectOption('chain');
    await page.locator('#language').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    await page.waitForTimeout(200);
    seen.language = { focus: await focused(page), title: await page.title(),
      nav: await page.locator('nav').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label'))) };
    return seen;
  });

  await step('cards_say_stance', async () => {
    // (Chinese still, from the step before)
    const zh = await page.locator('[data-testid="map"] .person.member').evaluateAll((els) => els.map((el) => ({
      id: el.dataset.id, text: el.innerText, label: el.getAttribute('aria-label'),
      stance: [...el.classList].find((c) => c.startsWith('stance-'))?.slice(7) })));
    const zhShot = await shot(page, 'a11y-deal-zh');
    await page.locator('#language').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    await page.waitForTimeout(200);
    const en = await page.locator('[data-testid="map"] .person.member').evaluateAll((els) => els.map((el) => ({
      id: el.dataset.id, text: el.innerText, label: el.getAttribute('aria-label'), unaware: el.classList.contains('unaware'),
      role: el.querySelector('.badge.role')?.innerText,
      stance: [...el.classList].find((c) => c.startsWith('stance-'))?.slice(7) })));
    const team = await page.locator('[data-testid="map"] .team').evaluateAll((els) => els.map((el) => el.textContent));
    const support = await page.locator('.support').evaluate((el) => ({ role: el.getAttribute('role'), label: el.getAttribute('aria-label') }));
    const pressed = await page.locator('[data-testid="map"] .person[aria-pressed]').count();
    return { zh, en, team, support, pressed, screenshots: [zhShot, await shot(page, 'a11y-deal-en')] };
  });

  await step('skip_link', async () => {
    await page.locator('#find-person').focus();
    const tabs = [];
    for (let i = 0; i < 5; i += 1) {
      await page.keyboard.press('Tab');
      tabs.push(await focused(page));
      if (tabs.at(-1).includes('skip-map')) break;
    }
    const shown = await page.evaluate(() => {
      const r = document.activeElement.getBoundingClientRect();
      return { text: document.activeElement.innerText, width: r.width, left: r.left };
    });
    const file = await shot(page, 'a11y-skip-link');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    const landed = { inSide: await focusIn(page, '.side'), focus: await focused(page) };
    await page.keyboard.press('Tab');
    const next = { inSide: await focusIn(page, '.side'), focus: await focused(page) };
    return { tabs, shown, landed, next, screenshot: file };
  });

  await step('contrast', async () => {
    await page.evaluate(CONTRAST);
    return page.evaluate(() => {
      const css = (el, prop, pseudo = null) => getComputedStyle(el, pseudo)[prop];
      const people = document.querySelector('.map-people');
      const sample = people.querySelector('.person');
      const stances = ['champion', 'supporter', 'neutral', 'skeptic', 'opponent', 'unknown'];
      const pills = stances.filter((s) => s !== 'unknown').map((s) => {   // (unknown: a stripe pattern, not a colour)
        const pill = document.querySelector(`.legend .pill.stance-${s}`);
        const card = sample.cloneNode(true);
        card.className = `person member stance-${s}`;
        people.append(card);
        const stripe = css(card, 'backgroundColor', '::before');
        card.remove();
        return { stance: s, pill: contrast(css(pill, 'color'), css(pill, 'backgroundColor')), stripe: contrast(stripe, '#fff') };
      });
      const severities = [...document.querySelectorAll('.severity')].map((el) => ({
        cls: el.className, ratio: contrast(css(el, 'color'), css(el, 'backgroundColor')) }));
      const left = document.querySelector('.map .person.left');
      const departed = left && { opacity: css(left, 'opacity'),
        name: contrast(css(left.querySelector('.name'), 'color'), css(left, 'backgroundColor')),
        title: contrast(css(left.querySelector('.title'), 'color'), css(left, 'backgroundColor')) };
      const fields = ['#focus-mode', '#find-person', '#export-format'].map((s) => {
        const el = document.querySelector(s);
        return { field: s, border: contrast(css(el, 'borderTopColor'), '#fff') };
      });
      return { pills, severities, departed, fields };
    });
  });

  await step('focus_ring', async () => {
    await page.getByTestId('map').focus();
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el);
      const path = document.querySelector('.map .on-path');
      return { card: el.dataset.testid, style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor,
        card_bg: contrast(s.outlineColor, s.backgroundColor), page_bg: contrast(s.outlineColor, getComputedStyle(document.querySelector('.map')).backgroundColor),
        path_shadow: path ? getComputedStyle(path).boxShadow : null,
        vs_path: contrast(s.outlineColor, '#f2b705') };
    });
    return { ring, screenshot: await shot(page, 'a11y-focus-ring') };
  });

  await step('offscreen_focus', async () => {
    await page.goto(`${config.baseUrl}/#/accounts/gzf`);
    await page.getByTestId('person-gzf-gm').waitFor();
    await page.waitForTimeout(200);
    for (let i = 0; i < 4; i += 1) await page.locator('button[aria-label="Zoom in"]').click();
    await page.getByTestId('map').focus();
    const cards = [];
    for (let i = 0; i < 9; i += 1) {
      await page.keyboard.press('Tab');
      await page.waitForTimeout(60);
      cards.push(await page.evaluate(() => {
        const a = document.activeElement; const m = document.querySelector('.map');
        const ar = a.getBoundingClientRect(); const mr = m.getBoundingClientRect();
        return { id: a.dataset.id || a.tagName, visible: ar.left >= mr.left - 1 && ar.right <= mr.right + 1
          && ar.top >= mr.top - 1 && ar.bottom <= mr.bottom + 1, scroll: m.scrollLeft + m.scrollTop };
      }));
    }
    return { cards };
  });

  await step('target_size', async () => {
    await page.goto(`${config.baseUrl}/#/opportunities/gzf-upgrade`);
    await page.locator('[data-testid^="recommendation-"]').first().waitFor();
    await openPerson(page, 'gzf-gm');
    const sizes = await page.evaluate(() => [...document.querySelectorAll('button.remove, .gap h3 button')].map((el) => {
      const r = el.getBoundingClientRect();
      return { cls: el.className, width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10 };
    }));
    return { sizes, screenshot: await shot(page, 'a11y-person-en') };
  });

  await step('text_spacing', async () => {
    // WCAG 1.4.12's override: the cards grow rather than clip their lines
    // (as a constructed sheet: the page's CSP refuses inline styles)
    await page.evaluate(() => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; '
        + 'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    });
    await page.waitForTimeout(100);
    const cards = await page.locator('[data-testid="map"] .person:not([hidden])').evaluateAll((els) => els.map((el) => ({
      id: el.dataset.id, clipped: [el, ...el.querySelectorAll('span:not([hidden])')]
        .some((x) => x.scrollHeight > x.clientHeight + 1) })));
    return { cards, screenshot: await shot(page, 'a11y-text-spacing') };
  });
  await context.close();
} finally {
  await browser.close();
  process.stdout.write(JSON.stringify(report));
}
