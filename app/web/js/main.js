// The app's shell: sign-in, header, and the hash router between pages (the accounts list: accounts.js).

import { api, key, setKey, ApiError, explain, onUnauthorized } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, lang, setLang, LANGUAGES } from './i18n.js';
import { accountPage } from './account.js';
import { accountsView } from './accounts.js';

const root = document.getElementById('view');
const header = document.getElementById('header');
const session = { me: null };
let page = null;

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
  location.hash = '#/';
  route();
}

/** The service refused the key of a signed-in user (revoked meanwhile, say): sign out where they are and
 *  say why; signing in again brings them back to the same page. */
function keyRefused() {
  if (!session.me) return;   // (signing in: the form says so itself)
  setKey(null);
  session.me = null;
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
    setLang(e.target.value); document.getElementById('status').replaceChildren();
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
      await accountsView(root, title);
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
