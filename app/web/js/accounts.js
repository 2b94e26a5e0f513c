// The accounts page: a director's portfolio. Each account with its class and its open deals (support for
// us and for the leading competitor, coverage gaps by severity and the first of them), subsidiaries under
// their group, ordered by name or by risk. One `/v1/portfolio` call per 100 accounts; an older server
// without it (404) still gets the plain list.

import { api, listAll, ApiError } from './api.js';
import { h, clear, signed } from './dom.js';
import { t, label, lang } from './i18n.js';
import { searchable } from './search.js';

const SEVERITIES = ['high', 'medium', 'low'];
let order = 'name';   // the order chosen, kept while the app is open

/** Every row of `/v1/portfolio` (100 accounts a call), or null where the server has no portfolio. */
async function portfolio() {
  const rows = [];
  let cursor = null;
  try {
    do {
      const page = await api(`/portfolio?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      rows.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    return null;
  }
  return rows;
}

/** The competitors' names by id (the portfolio names only their ids); none if they cannot be had. */
async function competitorNames() {
  try {
    return new Map((await listAll('/competitors')).map((c) => [c.id, c.name]));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    return new Map();
  }
}

/** How much an account is at risk, as a sort key (smaller: more at risk): most high gaps, then the lowest
 *  support for us on any open deal; an account without open deals after every account with one. */
function risk(deals) {
  if (!deals.length) return [1, 0, 0];
  const high = deals.reduce((n, d) => n + d.gaps.high, 0);
  return [0, -high, Math.min(...deals.map((d) => d.support_us))];
}

function compareRisk(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The shown accounts as a forest: each group first, its subsidiaries under it; a subsidiary whose group
 *  is not shown (filtered out, or not on the list) stands at the top. Ordered by `by` at every level;
 *  by risk, a group goes by its most endangered member. */
function forest(accounts, by) {
  const shown = new Set(accounts.map((a) => a.id));
  const children = new Map();
  for (const a of accounts) {
    const parent = a.parent_id && shown.has(a.parent_id) && a.parent_id !== a.id ? a.parent_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(a);
  }
  const byName = (a, b) => a.name.localeCompare(b.name, lang()) || a.id.localeCompare(b.id);
  const build = (parent, seen) => (children.get(parent) || []).filter((a) => !seen.has(a.id)).map((a) => {
    const nodes = build(a.id, new Set([...seen, a.id]));
    const worst = [risk(a.deals), ...nodes.map((n) => n.worst)].sort(compareRisk)[0];
    return { account: a, nodes, worst };
  }).sort((x, y) => (by === 'risk' ? compareRisk(x.worst, y.worst) : 0) || byName(x.account, y.account));
  return build(null, new Set());
}

function badge(value) {
  return value ? h('span', { class: `badge class-${value}` }, label('class', value)) : null;
}

/** Support from -1 to 1 as the deal page's meter draws it, with its signed number beside. */
function supportMeter(who, value, testid) {
  return h('span', { class: 'deal-support', 'data-testid': testid, 'data-value': String(value) },
    h('span', { class: 'who' }, who),
    h('span', { class: 'meter', role: 'meter', 'aria-valuemin': '-1', 'aria-valuemax': '1',
      'aria-valuenow': String(value), 'aria-valuetext': signed(value), 'aria-label': `${t('support')}: ${who}` },
    h('span', { class: `fill ${value >= 0 ? 'pos' : 'neg'}`, style: {
      left: `${value >= 0 ? 50 : 50 + value * 50}%`, width: `${Math.abs(value) * 50}%` } })),
    h('span', { class: 'value', 'aria-hidden': 'true' }, signed(value)));
}

function dealRow(deal, competitors) {
  const rival = deal.leading_competitor_id;
  const counts = SEVERITIES.filter((s) => deal.gaps[s] > 0);
  return h('li', { class: 'deal', 'data-testid': `deal-${deal.opportunity_id}`,
    ...Object.fromEntries(SEVERITIES.map((s) => [`data-${s}`, String(deal.gaps[s])])) },
  h('a', { href: `#/opportunities/${encodeURIComponent(deal.opportunity_id)}`, class: 'deal-name' }, deal.name),
  h('span', { class: 'deal-supports' },
    supportMeter(t('support_us'), deal.support_us, 'deal-support-us'),
    rival ? h('span', { class: 'deal-rival', 'data-testid': 'deal-rival', 'data-value': String(deal.leading_competitor_support) },
      t('leading_competitor', { name: competitors.get(rival) || rival }), ' ',
      h('strong', {}, signed(deal.leading_competitor_support))) : null),
  h('span', { class: 'deal-gaps', 'data-testid': 'deal-gaps' },
    h('span', { class: 'gaps-label' }, t('gaps_colon')),
    counts.length
      ? counts.map((s) => h('span', { class: `severity severity-${s}` }, t('gap_count', { n: deal.gaps[s], severity: label('severity', s) })))
      : h('span', { class: 'muted' }, t('no_gaps'))),
  deal.first_gap ? h('p', { class: 'first-gap', 'data-testid': 'first-gap' }, deal.first_gap.message) : null);
}

function accountItem(node, depth, competitors, withPortfolio) {
  const a = node.account;
  return h('li', { class: depth ? 'account subsidiary' : 'account', 'data-testid': `account-row-${a.id}`,
    'data-depth': String(depth) },
  h('a', { class: 'account-head', href: `#/accounts/${encodeURIComponent(a.id)}`, 'data-testid': `account-${a.id}` },
    h('span', { class: 'account-name' }, a.name),
    h('span', { class: 'muted' }, [a.industry, a.region].filter(Boolean).join(' · ')),
    h('span', { class: 'class-slot', 'data-account': a.id }, badge(a.class))),
  withPortfolio ? (a.deals.length
    ? h('ul', { class: 'deals', 'aria-label': t('open_deals_of', { name: a.name }) },
      a.deals.map((d) => dealRow(d, competitors)))
    : h('p', { class: 'muted no-deals' }, t('no_open_deals'))) : null,
  node.nodes.length ? h('ul', { class: 'accounts subsidiaries', 'aria-label': t('subsidiaries_of', { name: a.name }) },
    node.nodes.map((n) => accountItem(n, depth + 1, competitors, withPortfolio))) : null);
}

export async function accountsView(root, title) {
  clear(root, h('p', { class: 'loading', role: 'status' }, t('loading')));
  const [listed, rows, competitors] = await Promise.all([listAll('/accounts'), portfolio(), competitorNames()]);
  const standing = new Map((rows || []).map((r) => [r.account_id, r]));
  const accounts = listed.map((a) => ({ ...a, class: standing.get(a.id)?.class || null,
    deals: standing.get(a.id)?.deals || [] }));
  const search = h('input', { id: 'account-search', type: 'search', placeholder: t('search_placeholder'),
    'data-testid': 'account-search', autocomplete: 'off' });
  const orderBy = h('select', { id: 'account-order', 'data-testid': 'account-order' },
    h('option', { value: 'name', selected: order === 'name' }, t('order_name')),
    h('option', { value: 'risk', selected: order === 'risk' }, t('order_risk')));
  const list = h('ul', { class: 'accounts', 'aria-labelledby': 'page-title' });
  const render = () => {
    const words = search.value.trim().split(/\s+/).map(searchable).filter(Boolean);
    const shown = accounts.filter((a) => {
      const text = searchable([a.name, a.id, a.industry, a.region, ...a.deals.map((d) => d.name)].filter(Boolean).join(' '));
      return words.every((w) => text.includes(w));
    });
    const nodes = forest(shown, rows ? order : 'name');
    clear(list, nodes.length ? nodes.map((n) => accountItem(n, 0, competitors, Boolean(rows)))
      : h('li', { class: 'muted' }, t('no_accounts')));
  };
  search.addEventListener('input', render);
  orderBy.addEventListener('change', () => { order = orderBy.value; render(); });
  title(t('accounts'));
  clear(root, h('section', { class: 'accounts-page' },
    h('h1', { id: 'page-title', tabindex: '-1' }, t('accounts')),
    h('div', { class: 'accounts-tools' },
      h('div', { class: 'field search-field' }, h('label', { for: 'account-search' }, t('search_accounts')), search),
      rows ? h('div', { class: 'field' }, h('label', { for: 'account-order' }, t('order_by')), orderBy) : null),
    list));
  render();
}
