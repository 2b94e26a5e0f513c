// The app's shell: sign-in, header, the accounts list, and the hash router between pages.

import { api, listAll, key, setKey, ApiError, explain, onUnauthorized } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, label, lang, setLang, LANGUAGES } from './i18n.js';
import { accountPage } from './account.js';

const root = document.getElementById('view');
const header = document.getElementById('header');
const session = { me: null };
let page = null;
let classes = new Map();  // account id → class, fetched once per session and language

async function signIn(secret) {
  setKey(secret);
  try {
    session.me = await api('/me');
    return true;
  } catch (e) {
    setKey(null);
    session.me = null;
    if (e instanceof ApiError && e.status === 401) return false;
    throw e;
  }
}

function signOut() {
  setKey(null);
  session.me = null;
  classes = new Map();
  location.hash = '#/';
  route();
}

/** The service refused the key of a signed-in user (revoked meanwhile, say): sign out where they are and
 *  say why; signing in again brings them back to the same page. */
function keyRefused() {
  if (!session.me) return;   // (signing in: the form says so itself)
  setKey(null);
  session.me = null;
  classes = new Map();
  routing += 1;              // (whatever page was on its way is not drawn)
  page?.destroy();
  page = null;
  document.getElementById('status').replaceChildren();
  renderHeader();
  signInView(t('key_expired'));
}
onUnauthorized(keyRefused);

function renderHeader() {
  const languageHadFocus = document.activeElement?.id === 'language';
  const languages = h('select', { id: 'language', 'aria-label': t('language'), onchange: (e) => {
    setLang(e.target.value); classes = new Map(); document.getElementById('status').replaceChildren();
    renderHeader(); route(); } },
  LANGUAGES.map(([value, text]) => h('option', { value, selected: value === lang() }, text)));
  clear(header,
    h('a', { class: 'brand', href: '#/' }, h('img', { src: '/assets/icon.svg', alt: '', width: '22', height: '22' }),
      h('span', {}, 'Guanxi'), h('span', { class: 'brand-zh' }, '关系')),
    session.me ? h('nav', { 'aria-label': t('main_nav') }, h('a', { href: '#/' }, t('accounts'))) : null,
    h('span', { class: 'spacer' }),
    session.me ? h('span', { class: `role role-${session.me.role}`, 'data-testid': 'role' },
      t('signed_in_as', { role: t(`role_${session.me.role}`) })) : null,
    h('label', { for: 'language', class: 'visually-hidden' }, t('language')), languages,
    session.me ? h('button', { type: 'button', onclick: signOut }, t('sign_out')) : null);
  if (languageHadFocus) languages.focus();
  document.title = t('app_title');
}

/** The page's title: what is shown, then the app's name. */
function title(shown) {
  document.title = `${shown} – ${t('app_title')}`;
}

function signInView(message = '') {
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'off', required: true,
    'data-testid': 'key-input', spellcheck: 'false' });
  const problem = h('p', { class: 'error', role: 'alert', 'data-testid': 'sign-in-message' }, message);
  const form = h('form', { class: 'card sign-in', onsubmit: async (e) => {
    e.preventDefault();
    problem.textContent = '';
    try {
      if (await signIn(input.value.trim())) { renderHeader(); route(); } else problem.textContent = t('bad_key');
    } catch (err) { problem.textContent = explain(err); }
  } },
  h('h1', {}, t('app_title')), h('p', {}, t('sign_in_intro')),
  h('label', { for: 'key' }, t('api_key')), input, problem,
  h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, t('sign_in')));
  clear(root, form);
  title(t('sign_in'));
  if (document.activeElement?.id !== 'language') input.focus();
}

async function accountsView() {
  clear(root, h('p', { class: 'loading', role: 'status' }, t('loading')));
  const accounts = await listAll('/accounts');
  accounts.sort((a, b) => a.name.localeCompare(b.name, lang()));
  const search = h('input', { id: 'account-search', type: 'search', placeholder: t('search_placeholder'),
    'data-testid': 'account-search', autocomplete: 'off' });
  const list = h('ul', { class: 'accounts' });
  const render = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = accounts.filter((a) => {
      const text = [a.name, a.id, a.industry, a.region].filter(Boolean).join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    });
    clear(list, shown.length ? shown.map((a) => h('li', {},
      h('a', { href: `#/accounts/${encodeURIComponent(a.id)}`, 'data-testid': `account-${a.id}` },
        h('span', { class: 'account-name' }, a.name),
        h('span', { class: 'muted' }, [a.industry, a.region].filter(Boolean).join(' · ')),
        h('span', { class: 'class-slot', 'data-account': a.id }, badge(classes.get(a.id))))))
      : h('li', { class: 'muted' }, t('no_accounts')));
    loadClasses(shown.slice(0, 60), list);
  };
  search.addEventListener('input', render);
  title(t('accounts'));
  clear(root, h('section', { class: 'accounts-page' },
    h('h1', { id: 'page-title', tabindex: '-1' }, t('accounts')),
    h('label', { for: 'account-search' }, t('search_accounts')), search, list));
  render();
}

function badge(value) {
  return value ? h('span', { class: `badge class-${value}` }, label('class', value)) : null;
}

async function loadClasses(accounts, list) {
  const missing = accounts.filter((a) => !classes.has(a.id));
  const worker = async () => {
    while (missing.length) {
      const a = missing.shift();
      classes.set(a.id, null);
      try {
        const c = await api(`/accounts/${encodeURIComponent(a.id)}/classification`);
        classes.set(a.id, c.class);
      } catch { continue; }
      const slot = list.querySelector(`.class-slot[data-account="${CSS.escape(a.id)}"]`);
      if (slot) clear(slot, badge(classes.get(a.id)));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

let routing = 0;

async function route() {
  const turn = ++routing;
  page?.destroy();
  page = null;
  if (!key()) { session.me = null; renderHeader(); signInView(); return; }
  if (!session.me) {
    try {
      if (!(await signIn(key()))) { renderHeader(); signInView(t('key_expired')); return; }
    } catch (e) { toast(explain(e), 'error'); return; }
  }
  renderHeader();
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'accounts' && parts[1]) {
      page = await accountPage(root, session, { accountId: parts[1] });
    } else if (parts[0] === 'opportunities' && parts[1]) {
      const opportunity = await api(`/opportunities/${encodeURIComponent(parts[1])}`);
      page = await accountPage(root, session, { accountId: opportunity.account_id, opportunityId: opportunity.id });
    } else {
      await accountsView();
    }
    if (turn !== routing) { page?.destroy(); page = null; return; }
  } catch (e) {
    if (turn !== routing || (e instanceof ApiError && e.status === 401)) return;
    title(t('error_page'));
    clear(root, h('p', { class: 'error', role: 'alert' }, explain(e)),
      h('p', {}, h('a', { href: '#/' }, t('accounts'))));
  }
  // A page opened (a link followed, signed in): the focus, lost with the page before, goes to its heading.
  const at = document.activeElement;
  if (!at || at === document.body || !at.isConnected) (document.getElementById('page-title') || root).focus();
}

// Chinese text must not be drawn before its font is there (see app.css); never wait more than 4 s.
const fontReady = Promise.race([
  document.fonts.load('14px "Guanxi Noto Sans SC"', '关系').catch(() => null),
  new Promise((resolve) => { setTimeout(resolve, 4000); }),
]);

window.addEventListener('hashchange', route);
fontReady.then(route);
