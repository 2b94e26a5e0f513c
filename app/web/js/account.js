// An account's page and an opportunity's page: the map, the person panel, the analytics and the edits.

import { api, listAll, download, queryEnum, hasPath, ApiError, explain, fieldProblems } from './api.js';
import { h, clear, toast, fmt, signed, daysSince } from './dom.js';
import { t, label, lang, list, money, STANCES, ROLES } from './i18n.js';
import { RelationshipMap, lineKey, drawnEnds } from './map.js';
import { contains } from './search.js';

const LINE_TYPES = ['INFLUENCES', 'PROMOTED_BY', 'ALLY', 'RIVAL'];
const UNDIRECTED = ['ALLY', 'RIVAL'];
const MAP_FORMATS = ['png', 'svg', 'pdf', 'graphml', 'gexf', 'cytoscape'];

/**
 * Renders the page of account `accountId` into `root`; with `opportunityId`, the opportunity's page
 * (its chain on the map, support, gaps, who to win next). `session.me` says what the key may do.
 */
export async function accountPage(root, session, { accountId, opportunityId = null }) {
  const page = new AccountPage(root, session, accountId, opportunityId);
  await page.start();
  return page;
}

class AccountPage {
  constructor(root, session, accountId, opportunityId) {
    Object.assign(this, { root, session, accountId, opportunityId });
    this.canEdit = Boolean(session.me?.can_edit);
    this.selected = null;
    this.focus = { mode: opportunityId ? 'chain' : 'all', department: '', depth: 1 };
    this.highlightIds = [];
    this.highlightFrom = null;   // the gap the highlight shows: {code} (all its people) or {code, item: ids}
    this.pathIndex = 0;
    this.picking = null;
    this.onKey = (e) => this.key(e);
  }

  async start() {
    clear(this.root, h('p', { class: 'loading', role: 'status' }, t('loading')));
    await this.load();
    await this.build();
    document.addEventListener('keydown', this.onKey);
  }

  destroy() {
    this.destroyed = true;
    document.removeEventListener('keydown', this.onKey);
    this.map?.destroy();
  }

  // ---- data -------------------------------------------------------------------------------------

  async load() {
    const id = encodeURIComponent(this.accountId);
    const [account, contacts, edges, team, competitors, opportunities, influence, view] = await Promise.all([
      api(`/accounts/${id}`), listAll(`/contacts?account_id=${id}`), listAll(`/relationships?account_id=${id}`),
      listAll('/team'), listAll('/competitors'), listAll(`/opportunities?account_id=${id}`),
      api(`/accounts/${id}/influence`).catch(() => ({ contacts: [] })),
      api(`/accounts/${id}/map-view`).catch(() => null),
    ]);
    const chains = await Promise.all(opportunities.map((o) =>
      listAll(`/opportunities/${encodeURIComponent(o.id)}/decision-chain/members`)));
    const analytics = {};
    if (this.opportunityId) {
      const oid = encodeURIComponent(this.opportunityId);
      const [chain, gaps, next] = await Promise.all([
        api(`/opportunities/${oid}/decision-chain`), api(`/opportunities/${oid}/coverage-gaps`),
        api(`/opportunities/${oid}/next-best-contacts?k=5&plan=true`),
      ]);
      // A deal won or lost answers no gaps and no moves, and says so (dealOver).
      Object.assign(analytics, { chain, gaps: gaps.gaps || [], recommendations: next.recommendations || [],
        dealOver: next.deal_status && next.deal_status !== 'open' ? next.message : null });
    } else {
      analytics.classification = await api(`/accounts/${id}/classification`).catch(() => null);
    }
    // All or nothing: a load that fails half way (the service gone) leaves the page's last state whole,
    // to draw again (render).
    const linked = new Set(edges.filter((e) => ['COVERS', 'MIRRORS'].includes(e.type)).map((e) => e.source));
    Object.assign(this, analytics, {
      account, contacts, edges, opportunities,
      // The most people the map image draws (the server's budget), and the views asked for since this load.
      budget: view?.budget ?? Infinity,
      views: new Map(view ? [['', view]] : []),
      findIndex: null,
      contactById: new Map(contacts.map((c) => [c.id, c])),
      team: team.filter((m) => linked.has(m.id)),
      teamById: new Map(team.map((m) => [m.id, m])),
      competitorById: new Map(competitors.map((c) => [c.id, c])),
      opportunityById: new Map(opportunities.map((o) => [o.id, o])),
      power: new Map((influence.contacts || []).map((p) => [p.contact_id, p])),
      members: new Map(opportunities.map((o, i) => [o.id, new Map(chains[i].map((m) => [m.contact_id, m]))])),
    });
  }

  /** After an edit: fetch everything again and redraw, keeping the view (selection, focus, zoom); the
   *  people a gap marks follow that gap as it is now. */
  async refresh() {
    await this.load();
    if (this.destroyed) return;
    this.followHighlight();
    await this.render();
  }

  /** Draws the page again from the state last loaded. */
  render() {
    if (this.destroyed) return null;
    this.map.setData({ contacts: this.contacts, team: this.team, edges: this.edges });
    this.renderHead();
    this.renderSide();
    this.renderChainTable();
    return this.applyMap();
  }

  /** The highlight again from the gaps just loaded: a gap's people as they are now, an item still there
   *  as it was; else none. */
  followHighlight() {
    const from = this.highlightFrom;
    let ids = [];
    if (from) {
      const gaps = (this.gaps || []).filter((g) => g.code === from.code);
      if (from.item) ids = gaps.some((g) => sameSet(g.contact_ids || [], from.item)) ? [...from.item] : [];
      else ids = [...new Set(gaps.flatMap((g) => g.contact_ids || []))];
      ids = ids.filter((id) => this.contactById.has(id));
    }
    this.highlightIds = ids;
    if (!ids.length) this.highlightFrom = null;
  }

  name(id) {
    return this.contactById.get(id)?.name || this.teamById.get(id)?.name || this.competitorById.get(id)?.name
      || this.opportunityById.get(id)?.name || id;
  }

  // ---- layout -----------------------------------------------------------------------------------

  build() {
    this.head = h('div', { class: 'page-head' });
    this.mapBox = h('div', { class: 'map', 'data-testid': 'map', tabindex: '0', role: 'group',
      'aria-label': t('map_label', { name: this.account.name }) });
    this.toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('map') });
    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.notice = h('p', { class: 'map-notice', role: 'status', 'data-testid': 'map-notice', hidden: true });
    this.chainBox = h('section', { class: 'chain', 'aria-labelledby': 'chain-title' });
    this.side = h('aside', { class: 'side', id: 'side', tabindex: '-1',
      'aria-label': this.opportunityId ? t('next') : t('account_class') });
    // (a large account's map holds a hundred people and more to tab through: this goes past them)
    const skip = h('button', { type: 'button', class: 'skip-link', 'data-testid': 'skip-map',
      onclick: () => { this.side.scrollTop = 0; this.side.focus(); } }, t('skip_map'));
    clear(this.root, h('div', { class: 'workspace' },
      h('section', { class: 'main-column' }, this.head, this.toolbar, this.banner, this.notice, skip, this.mapBox, legend(),
        this.opportunityId ? this.chainBox : null),
      this.side));
    this.map = new RelationshipMap(this.mapBox, { onPerson: (id) => this.person(id) });
    this.map.setData({ contacts: this.contacts, team: this.team, edges: this.edges });
    this.mapBox.addEventListener('keydown', (e) => this.mapKey(e));
    this.renderHead();
    this.renderToolbar();
    this.renderSide();
    this.renderChainTable();
    return this.applyMap({ fit: true });
  }

  renderHead() {
    const o = this.opportunityId ? this.opportunityById.get(this.opportunityId) : null;
    const crumbs = h('nav', { class: 'crumbs', 'aria-label': t('breadcrumb') },
      h('a', { href: '#/' }, t('accounts')), ' / ',
      o ? h('a', { href: `#/accounts/${encodeURIComponent(this.accountId)}` }, this.account.name) : this.account.name,
      o ? ' / ' : null, o ? o.name : null);
    const title = o ? o.name : this.account.name;
    const parts = [crumbs, h('h1', { id: 'page-title', tabindex: '-1' }, title)];
    if (o && this.chain) parts.push(supportMeter(this.chain.support, this.competitorById));
    else if (this.classification) parts.push(classBadge(this.classification.class));
    redraw(this.head, () => clear(this.head, ...parts));
    document.title = [o?.name, this.account.name, t('app_title')].filter(Boolean).join(' – ');
  }

  renderToolbar() {
    const focus = h('select', { id: 'focus-mode', 'aria-label': t('focus'), onchange: (e) => {
      this.focus.mode = e.target.value; this.renderToolbar(); this.applyMap({ fit: true }); } });
    // (a large account's "everyone" is the people its map image draws: the notice above the map says so)
    const options = [['all', t(this.contacts.length > this.budget ? 'focus_key_people' : 'focus_all')]];
    if (this.opportunityId) options.push(['chain', t('focus_chain')]);
    options.push(['department', t('focus_department')], ['around', t('focus_around')]);
    for (const [value, text] of options) focus.append(h('option', { value, selected: this.focus.mode === value }, text));
    const controls = [h('label', { for: 'focus-mode' }, t('focus')), focus];
    if (this.focus.mode === 'department') {
      const departments = [...new Set(this.contacts.map((c) => c.department).filter(Boolean))].sort();
      if (!departments.includes(this.focus.department)) this.focus.department = departments[0] || '';
      const select = h('select', { id: 'focus-department', 'aria-label': t('focus_department'), onchange: (e) => {
        this.focus.department = e.target.value; this.applyMap({ fit: true }); } },
      departments.map((d) => h('option', { value: d, selected: d === this.focus.department }, d)));
      controls.push(select);
    }
    if (this.focus.mode === 'around') {
      const depth = h('select', { id: 'focus-depth', 'aria-label': t('depth'), onchange: (e) => {
        this.focus.depth = Number(e.target.value); this.applyMap({ fit: true }); } },
      [1, 2, 3].map((d) => h('option', { value: String(d), selected: d === this.focus.depth }, String(d))));
      controls.push(h('label', { for: 'focus-depth' }, t('depth')), depth);
    }
    controls.push(this.finder(), h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'icon', 'aria-label': t('zoom_out'), title: t('zoom_out'),
        onclick: () => this.map.zoomBy(1 / 1.25) }, '−'),
      h('button', { type: 'button', class: 'icon', 'aria-label': t('zoom_in'), title: t('zoom_in'),
        onclick: () => this.map.zoomBy(1.25) }, '+'),
      h('button', { type: 'button', 'aria-label': t('fit'), onclick: () => this.map.fit() }, t('fit')));
    redraw(this.toolbar, () => clear(this.toolbar, ...controls));
  }

  /** A search box for a person by name (or title, department, id): choosing one selects them and shows
   *  the people around them — the way to anyone a large account's map leaves out. */
  finder() {
    if (!this.findIndex) {
      this.findIndex = new Map();
      for (const c of this.contacts) {
        let value = [c.name, c.title || c.department].filter(Boolean).join(' · ');
        if (this.findIndex.has(value)) value = `${value} (${c.id})`;
        this.findIndex.set(value, c.id);
      }
      this.findList = h('datalist', { id: 'people-found' },
        [...this.findIndex.keys()].map((value) => h('option', { value })));
    }
    const input = h('input', { type: 'search', id: 'find-person', list: 'people-found', autocomplete: 'off',
      'aria-label': t('find_person'), placeholder: t('find_person'),
      onchange: (e) => this.find(e.target.value) });
    return h('span', { class: 'finder' }, input, this.findList);
  }

  find(text) {
    const typed = text.trim();
    if (!typed) return;
    const id = this.personTyped(typed);
    if (!id) { toast(t('find_nobody', { text: typed }), 'error'); return; }
    if (id === this.selected && this.focus.mode === 'around') return;  // (the box's change again, as it goes)
    if (this.focus.mode !== 'around') { this.focus.mode = 'around'; this.renderToolbar(); }
    this.person(id);
  }

  /** The person a typed text names: a suggestion taken, an id, else the first whose name, title or
   *  department contains it (case, width, spaces and middle dots aside: `contains`); undefined when
   *  nobody does. */
  personTyped(typed) {
    if (this.findIndex.has(typed)) return this.findIndex.get(typed);
    if (this.contactById.has(typed)) return typed;
    return this.contacts.find((c) => [c.name, c.title, c.department].some((value) => contains(value, typed)))?.id;
  }

  /** Which people the focus shows: null for everyone. */
  visible() {
    const mode = this.focus.mode;
    let people = null;
    if (mode === 'chain' && this.opportunityId) {
      people = new Set(this.members.get(this.opportunityId)?.keys() || []);
    } else if (mode === 'department') {
      people = new Set(this.contacts.filter((c) => c.department === this.focus.department).map((c) => c.id));
    } else if (mode === 'around') {
      if (!this.selected) return null;
      people = new Set([this.selected]);
      let frontier = [this.selected];
      for (let d = 0; d < this.focus.depth; d += 1) {
        const next = [];
        for (const e of this.edges) {
          if (!['REPORTS_TO', ...LINE_TYPES].includes(e.type)) continue;
          for (const [a, b] of [[e.source, e.target], [e.target, e.source]]) {
            if (frontier.includes(a) && !people.has(b) && this.contactById.has(b)) { people.add(b); next.push(b); }
          }
        }
        frontier = next;
      }
    }
    return people && this.withTeamAndPath(people);
  }

  /** `people` with our team members who cover them and the path to take. */
  withTeamAndPath(people) {
    for (const e of this.edges) {
      if (['COVERS', 'MIRRORS'].includes(e.type) && people.has(e.target)) people.add(e.source);
    }
    for (const id of this.currentPath()) people.add(id);
    return people;
  }

  /** The people the map shows and, when the focus holds more than the map image draws, the server's view
   *  of them (`/map-view`: the most important first, at most its budget), whose count says what was left out. */
  async shown() {
    const people = this.visible();
    const count = people ? [...people].filter((id) => this.contactById.has(id)).length : this.contacts.length;
    if (count <= this.budget) return { people, view: null };
    const query = this.viewQuery();
    let view = this.views.get(query);
    if (!view) {
      try {
        view = await api(`/accounts/${encodeURIComponent(this.accountId)}/map-view${query ? `?${query}` : ''}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) toast(explain(err), 'error');
        return { people, view: null };
      }
      this.views.set(query, view);
    }
    // (and the people picked out in the side panel, say a gap's, wherever they sit)
    return { people: this.withTeamAndPath(new Set([...view.people, ...this.highlightIds])), view };
  }

  /** The query of `/map-view` for the focus. */
  viewQuery() {
    const { mode, department, depth } = this.focus;
    if (mode === 'chain' && this.opportunityId) {
      return new URLSearchParams({ opportunity_id: this.opportunityId, scope: 'chain', depth: '1' }).toString();
    }
    if (mode === 'department') return new URLSearchParams({ scope: 'department', department }).toString();
    if (mode === 'around' && this.selected) {
      return new URLSearchParams({ scope: 'around', around: this.selected, depth: String(depth) }).toString();
    }
    return '';
  }

  currentPath() {
    return this.recommendations?.[this.pathIndex]?.path || [];
  }

  /** Draws the focus (the latest asked for, if several are on their way); with `fit`, fits the map to it. */
  async applyMap({ fit = false } = {}) {
    const asked = (this.mapAsked = (this.mapAsked || 0) + 1);
    const { people, view } = await this.shown();
    if (asked !== this.mapAsked) return;
    this.map.setChain(this.opportunityId ? this.members.get(this.opportunityId) : null);
    this.map.setVisible(people, view && new Set(view.lines.map((l) => lineKey(l.type, l.source, l.target))));
    this.map.setPath(this.currentPath());
    this.notice.hidden = !view;
    if (view) {
      clear(this.notice, t('map_left_out', { shown: view.people.length.toLocaleString(lang()),
        total: view.contacts.toLocaleString(lang()), view: view.title || t('focus_all') }));
    }
    this.map.highlight(this.highlightIds);
    this.map.select(this.selected);
    if (fit) this.map.fit(people ? [...people] : undefined);
  }

  // ---- side panel -------------------------------------------------------------------------------

  renderSide() {
    const sections = [];
    if (this.selected && this.contactById.has(this.selected)) sections.push(this.personPanel(this.selected));
    if (this.opportunityId) {
      sections.push(this.opportunityFacts(), this.planSection(), this.gapsSection());
    } else {
      sections.push(this.classSection(), this.opportunitiesSection());
    }
    sections.push(h('div', { class: 'later-sections' }));
    redraw(this.side, () => clear(this.side, ...sections));
    const later = this.side.querySelector('.later-sections');
    this.exportsSection().then((s) => later.append(s));
    this.reviewsSection().then((s) => { if (s) later.append(s); });
  }

  classSection() {
    const c = this.classification;
    if (!c) return null;
    return h('section', { class: 'card' },
      h('h2', {}, t('account_class'), ' ', classBadge(c.class)),
      c.drivers?.length ? h('h3', {}, t('drivers')) : null,
      h('ul', { class: 'plain' }, (c.drivers || []).map((d) => h('li', {}, d.text))),
      c.playbook?.length ? h('h3', {}, t('playbook')) : null,
      h('ol', {}, (c.playbook || []).map((p) => h('li', {}, typeof p === 'string' ? p : p.text))));
  }

  opportunitiesSection() {
    return h('section', { class: 'card' }, h('h2', {}, t('opportunities')),
      this.opportunities.length ? h('ul', { class: 'links' }, this.opportunities.map((o) => h('li', {},
        h('a', { href: `#/opportunities/${encodeURIComponent(o.id)}`, 'data-testid': `opportunity-${o.id}` }, o.name),
        h('span', { class: 'muted' }, ` · ${o.stage || ''} · ${label('status', o.status || 'open')}`,
          o.amount ? ` · ${money(o.amount, o.currency)}` : ''))))
        : h('p', { class: 'muted' }, t('no_opportunities')));
  }

  opportunityFacts() {
    const o = this.opportunityById.get(this.opportunityId);
    const criteria = list(Object.entries(o.criteria || {}).filter(([, v]) => v > 0)
      .map(([k, v]) => `${label('criterion', k)} ${Math.round(v * 100)}%`));
    return h('section', { class: 'card facts' },
      h('dl', {},
        h('dt', {}, t('stage')), h('dd', {}, o.stage || t('none')),
        h('dt', {}, t('status')), h('dd', {}, label('status', o.status || 'open')),
        h('dt', {}, t('amount')), h('dd', { 'data-field': 'amount' }, o.amount ? money(o.amount, o.currency) : t('none')),
        h('dt', {}, t('close_date')), h('dd', {}, o.close_date || t('none')),
        h('dt', {}, t('criteria')), h('dd', {}, criteria || t('none'))));
  }

  planSection() {
    const recs = this.recommendations || [];
    const list = h('ol', { class: 'plan' }, recs.map((r, i) => {
      const active = i === this.pathIndex;
      return h('li', { class: `move${active ? ' active' : ''}`, 'data-testid': `recommendation-${r.contact_id}` },
        h('div', { class: 'move-head' },
          h('button', { type: 'button', class: 'link', 'aria-pressed': String(active), title: t('show_path'),
            onclick: () => { this.pathIndex = i; this.renderSide(); this.applyMap(); } },
          h('span', { class: 'step' }, t('move', { n: r.step || i + 1 })), ' ', h('strong', {}, r.name)),
          h('span', { class: 'score', title: `${t('gain')} ${fmt(r.gain)} × ${t('reach')} ${fmt(r.reach)} × (1 − ${t('risk')} ${fmt(r.risk)})` },
            `${t('score')} ${fmt(r.score)}`)),
        h('p', { class: 'path' }, h('span', { class: 'muted' }, t('path_colon')),
          (r.path || []).map((id) => this.name(id)).join(' → ')),
        h('details', { open: active },
          h('summary', {}, `${t('reasons')} · ${t('tactics')}`),
          h('ul', { class: 'plain reasons' }, (r.reasons || []).map((x) => h('li', {}, x.text))),
          h('ul', { class: 'tactics' }, (r.tactics || []).map((x) => h('li', {}, x.text)))));
    }));
    return h('section', { class: 'card' }, h('h2', {}, t('next')), h('p', { class: 'muted small' }, t('plan_intro')),
      recs.length ? list : h('p', { 'data-testid': 'no-moves' }, this.dealOver || t('no_recommendations')));
  }

  gapsSection() {
    const groups = new Map();
    for (const g of this.gaps) {
      if (!groups.has(g.code)) groups.set(g.code, []);
      groups.get(g.code).push(g);
    }
    const rank = { high: 0, medium: 1, low: 2 };
    const sections = [...groups.entries()].map(([code, gaps]) => {
      const people = [...new Set(gaps.flatMap((g) => g.contact_ids || []))];
      const worst = gaps.map((g) => g.severity).sort((a, b) => rank[a] - rank[b])[0];
      const shown = sameSet(people, this.highlightIds) && people.length > 0;
      return h('section', { class: `gap severity-${worst}`, 'data-testid': `gap-${code}` },
        h('h3', {}, h('button', { type: 'button', class: 'link', 'aria-pressed': String(shown), title: t('gap_people'),
          onclick: () => this.showPeople(shown ? [] : people, { code }) },
        h('span', { class: `severity severity-${worst}` }, label('severity', worst)), ' ', label('gap', code),
        gaps.length > 1 ? t('count', { n: gaps.length }) : '')),
        h('ul', { class: 'plain' }, gaps.map((g) => {
          const ids = [...(g.contact_ids || [])];
          const on = ids.length > 0 && sameSet(ids, this.highlightIds);
          return h('li', {},
            h('button', { type: 'button', class: 'gap-item', 'aria-pressed': String(on), disabled: !ids.length,
              onclick: () => this.showPeople(on ? [] : ids, { code, item: ids }) }, g.message),
            h('p', { class: 'action' }, '→ ', g.action));
        })));
    });
    return h('section', { class: 'card' }, h('h2', {}, t('gaps')),
      sections.length ? sections : h('p', {}, this.dealOver || t('no_gaps')));
  }

  /** Marks `ids` on the map (none: clears it), as gap `from` says ({code} or {code, item}). */
  showPeople(ids, from = null) {
    this.highlightIds = ids;
    this.highlightFrom = ids.length ? from : null;
    this.renderSide();
    this.applyMap();
  }

  async exportsSection() {
    const formats = await queryEnum('/v1/accounts/{id}/map', 'format', MAP_FORMATS);
    const select = h('select', { id: 'export-format', 'aria-label': t('export_format') },
      formats.map((f) => h('option', { value: f }, f.toUpperCase())), h('option', { value: 'bundle' }, t('export_bundle')));
    const redact = h('input', { type: 'checkbox', id: 'export-redact' });
    const go = async () => {
      const format = select.value;
      const id = encodeURIComponent(this.accountId);
      const opportunity = this.opportunityId ? `&opportunity_id=${encodeURIComponent(this.opportunityId)}` : '';
      try {
        if (format === 'bundle') await download(`/accounts/${id}/export`, `${this.accountId}.json`);
        else await download(`/accounts/${id}/map?format=${format}${opportunity}&redact=${redact.checked}`, `${this.accountId}-map.${format}`);
      } catch (e) { if (!(e instanceof ApiError && e.status === 401)) toast(explain(e), 'error'); }
    };
    return h('section', { class: 'card' }, h('h2', {}, t('exports')),
      h('div', { class: 'row' }, h('label', { for: 'export-format' }, t('export_format')), select,
        h('button', { type: 'button', onclick: go, 'data-testid': 'export-download' }, t('download'))),
      h('div', { class: 'row' }, redact, h('label', { for: 'export-redact' }, t('redact'))));
  }

  async reviewsSection() {
    if (!(await hasPath('/v1/accounts/{id}/changes'))) return null;
    const id = encodeURIComponent(this.accountId);
    const opportunity = this.opportunityId ? `&opportunity_id=${encodeURIComponent(this.opportunityId)}` : '';
    const body = [h('h2', {}, t('reviews'))];
    try {
      const reviews = (await hasPath('/v1/accounts/{id}/reviews')) ? await api(`/accounts/${id}/reviews?limit=1`) : { items: [] };
      const last = reviews.items?.[0];
      if (!last) {
        body.push(h('p', { class: 'muted' }, t('no_reviews')));
      } else {
        const changes = await api(`/accounts/${id}/changes?since=${encodeURIComponent(last.id)}${opportunity}`);
        body.push(h('p', {}, t('changes_since', { title: last.title || last.id, date: String(last.held_at || '').slice(0, 10) })));
        const items = changes.changes || [];
        body.push(items.length ? h('ul', { class: 'plain changes' }, items.slice(0, 30).map((c) => h('li', {}, c.text || `${c.kind} ${c.entity_id}`)))
          : h('p', { class: 'muted' }, t('no_changes')));
      }
    } catch (e) {
      body.push(h('p', { class: 'muted' }, explain(e)));
    }
    if (await hasPath('/v1/accounts/{id}/review-deck')) {
      const formats = await queryEnum('/v1/accounts/{id}/review-deck', 'format', ['pptx', 'pdf']);
      const select = h('select', { id: 'deck-format', 'aria-label': t('export_format') }, formats.map((f) => h('option', { value: f }, f.toUpperCase())));
      body.push(h('div', { class: 'row' }, h('label', { for: 'deck-format' }, t('review_deck')), select,
        h('button', { type: 'button', onclick: () => download(`/accounts/${id}/review-deck?format=${select.value}${opportunity}`,
          `${this.accountId}-review.${select.value}`).catch((e) => toast(explain(e), 'error')) }, t('download'))));
    }
    return h('section', { class: 'card' }, ...body);
  }

  // ---- decision chain ---------------------------------------------------------------------------

  renderChainTable() {
    if (!this.opportunityId || !this.chain) return;
    const rows = (this.chain.members || []).map((m) => h('tr', { class: m.contact_id === this.selected ? 'selected' : '' },
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => this.person(m.contact_id) }, m.name),
        h('div', { class: 'muted small' }, m.title || '')),
      h('td', {}, label('role', m.role)),
      h('td', {}, h('span', { class: `pill stance-${m.stance}` }, label('stance', m.stance))),
      h('td', { class: 'num' }, fmt(m.influence, 0)),
      h('td', { class: 'num' }, fmt(m.decision_weight)),
      h('td', { class: 'num' }, fmt(m.closeness?.composite)),
      h('td', {}, list((m.covered_by || []).map((c) => this.name(c.team_member_id))) || h('span', { class: 'warn' }, t('nobody')))));
    const missing = this.chain.missing_roles?.length
      ? h('p', { class: 'warn' }, t('missing_roles', { roles: list(this.chain.missing_roles.map((r) => label('role', r))) })) : null;
    redraw(this.chainBox, () => clear(this.chainBox, h('h2', { id: 'chain-title' }, t('decision_chain')), missing,
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'decision-chain' },
        h('thead', {}, h('tr', {}, [t('name'), t('role'), t('stance'), t('influence'), t('weight'), t('closeness'), t('covered_by')]
          .map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)))));
  }

  // ---- a person ---------------------------------------------------------------------------------

  person(id) {
    if (this.picking) { this.finishPick(id); return; }
    if (!this.contactById.has(id)) return;
    this.selected = id;
    if (this.focus.mode === 'around') this.applyMap({ fit: true });
    this.renderSide();
    this.renderChainTable();
    this.map.select(id);
    this.side.scrollTop = 0;
    this.side.querySelector('[data-testid="person-panel"] h2')?.focus();
  }

  /** Closes the person panel and puts the focus back on the person's card (the map, if the card is hidden). */
  closePerson() {
    const id = this.selected;
    this.selected = null;
    this.renderSide();
    this.renderChainTable();
    this.map.select(null);
    if (!this.map.focusPerson(id)) this.mapBox.focus();
  }

  personPanel(id) {
    const c = this.contactById.get(id);
    const boss = this.edges.find((e) => e.type === 'REPORTS_TO' && e.source === id);
    const lines = this.edges.filter((e) => LINE_TYPES.includes(e.type) && (e.source === id || e.target === id));
    // (a promotion's patron influences the protégé: drawnEnds)
    const incoming = lines.filter((e) => drawnEnds(e)[1] === id || UNDIRECTED.includes(e.type));
    const outgoing = lines.filter((e) => drawnEnds(e)[0] === id && !UNDIRECTED.includes(e.type));
    const power = this.power.get(id);
    const covers = this.edges.filter((e) => ['COVERS', 'MIRRORS'].includes(e.type) && e.target === id);
    const interests = this.edges.filter((e) => e.type === 'HAS_INTEREST' && e.source === id);
    const favors = this.edges.filter((e) => e.type === 'FAVORS' && e.source === id);
    const status = c.status === 'left' ? (c.left_at ? t('left_on', { date: c.left_at }) : t('left')) : t('active');

    const lineItem = (e) => {
      const other = e.source === id ? e.target : e.source;
      const [from, to] = drawnEnds(e);
      const text = `${this.name(other)} · ${label('rel', e.type)}${e.strength !== undefined && e.strength !== null ? ` (${fmt(e.strength)})` : ''}`;
      return h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => this.person(other) }, text),
        e.note ? h('span', { class: 'muted small' }, ` — ${e.note}`) : null,
        this.canEdit ? h('button', { type: 'button', class: 'remove', 'data-edit': 'remove-line',
          'aria-label': t('remove_line', { from: this.name(from), to: this.name(to) }),
          onclick: () => this.write(() => api(`/relationships/${encodeURIComponent(e.id)}`, { method: 'DELETE', version: e.version })) }, '×') : null);
    };

    const memberships = this.opportunities.filter((o) => this.members.get(o.id)?.has(id));
    const roles = memberships.map((o) => this.membershipRow(o, this.members.get(o.id).get(id)));

    const coverage = covers.map((e) => {
      const days = daysSince(e.last_contact_at);
      // (an executive counterpart, MIRRORS, says so by its label: no contact dates)
      const when = e.type === 'MIRRORS' ? '' : ` · ${days === null ? t('never') : days === 0 ? t('today') : t('days_ago', { n: days })}`;
      return h('li', {}, h('strong', {}, this.name(e.source)), ` · ${label('rel', e.type)}`,
        e.closeness !== undefined && e.closeness !== null ? ` · ${t('closeness')} ${fmt(e.closeness)}` : '', when);
    });

    return h('section', { class: 'card person-panel', 'data-testid': 'person-panel', 'aria-labelledby': 'person-name' },
      h('div', { class: 'panel-head' },
        h('h2', { id: 'person-name', tabindex: '-1' }, c.name),
        h('button', { type: 'button', class: 'icon', 'aria-label': t('close'), title: t('close'),
          onclick: () => this.closePerson() }, '×')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('title')), h('dd', { 'data-field': 'title' }, c.title || t('none')),
        h('dt', {}, t('department')), h('dd', { 'data-field': 'department' }, c.department || t('none')),
        h('dt', {}, t('level')), h('dd', { 'data-field': 'level' }, label('level', c.level)),
        h('dt', {}, t('status')), h('dd', { 'data-field': 'status', class: c.status === 'left' ? 'warn' : '' }, status),
        h('dt', {}, t('knows_us')), h('dd', { 'data-field': 'knows_us', class: c.knows_us === false ? 'warn' : '' },
          c.knows_us === false ? t('no') : c.knows_us ? t('yes') : t('none')),
        h('dt', {}, t('manager')), h('dd', { 'data-field': 'manager' }, boss
          ? h('button', { type: 'button', class: 'link', onclick: () => this.person(boss.target) }, this.name(boss.target)) : t('none')),
        power ? h('dt', {}, t('informal_power')) : null,
        power ? h('dd', {}, `${fmt(power.informal_power)} · ${t('rank', { informal: power.informal_rank, formal: power.formal_rank })}`) : null,
        h('dt', {}, t('closeness')), h('dd', { 'data-field': 'closeness' }, ['relationship', 'solution', 'price']
          .map((k) => `${t(k)} ${fmt(c.closeness?.[k])}`).join(' · '))),
      roles.length ? h('h3', {}, t('per_opportunity')) : null, ...roles,
      h('h3', {}, t('influence_in')), incoming.length ? h('ul', { class: 'plain lines', 'data-testid': 'influenced-by' }, incoming.map(lineItem))
        : h('p', { class: 'muted', 'data-testid': 'influenced-by' }, t('none')),
      h('h3', {}, t('influence_out')), outgoing.length ? h('ul', { class: 'plain lines', 'data-testid': 'influences' }, outgoing.map(lineItem))
        : h('p', { class: 'muted', 'data-testid': 'influences' }, t('none')),
      this.canEdit ? h('button', { type: 'button', 'data-edit': 'add-line', onclick: () => this.startPick(id) }, t('add_line')) : null,
      h('h3', {}, t('coverage')), coverage.length ? h('ul', { class: 'plain' }, coverage) : h('p', { class: 'warn' }, t('nobody')),
      h('h3', {}, t('interests')),
      interests.length || favors.length ? h('ul', { class: 'plain' },
        interests.map((e) => h('li', {}, h('strong', {}, label('kind', e.kind)), ` · ${this.name(e.target)} · ${t('threat')} ${fmt(e.threat)}`,
          e.note ? h('span', { class: 'muted' }, ` — ${e.note}`) : null)),
        favors.map((e) => h('li', {}, t('favors', { name: this.name(e.target), strength: fmt(e.strength) })))) : h('p', { class: 'muted' }, t('none')),
      h('h3', {}, t('notes')), h('p', { class: 'notes' }, c.notes || t('no_notes')),
      this.canEdit ? this.personEditor(c) : null);
  }

  membershipRow(opportunity, member) {
    const here = opportunity.id === this.opportunityId;
    const head = here ? h('strong', {}, opportunity.name)
      : h('a', { href: `#/opportunities/${encodeURIComponent(opportunity.id)}` }, opportunity.name);
    if (!this.canEdit) {
      return h('div', { class: 'membership' }, head, h('p', {},
        `${label('role', member.role)} · `, h('span', { class: `pill stance-${member.stance}` }, label('stance', member.stance)),
        ` · ${t('influence')} ${member.influence ?? t('none')}`));
    }
    // Choosing a value stores nothing (a keyboard user goes through the values with the arrow keys); Save
    // stores the seat's fields changed, in one write.
    const key = `${opportunity.id}-${member.contact_id}`;
    const stored = { stance: member.stance, role: member.role, influence: Number(member.influence) };
    const choice = (field, values, text) => h('select', { id: `${field}-${key}`, 'data-edit': field,
      'data-testid': here || (field === 'stance' && !this.opportunityId) ? `${field}-select` : null,
      onchange: () => { unsaved.hidden = !Object.keys(changes()).length; } },
    values.map((v) => h('option', { value: String(v), selected: v === stored[field] }, text(v))));
    const selects = { stance: choice('stance', STANCES, (s) => label('stance', s)),
      role: choice('role', ROLES, (r) => label('role', r)), influence: choice('influence', [1, 2, 3, 4, 5], String) };
    const changes = () => Object.fromEntries(Object.entries(selects)
      .map(([field, select]) => [field, field === 'influence' ? Number(select.value) : select.value])
      .filter(([field, value]) => value !== stored[field]));
    const unsaved = h('span', { class: 'muted small', 'data-testid': here ? 'seat-unsaved' : null, hidden: true }, t('unsaved'));
    const save = (e) => {
      e.preventDefault();
      const changed = changes();
      if (!Object.keys(changed).length) return;
      this.write(() => api(
        `/opportunities/${encodeURIComponent(opportunity.id)}/decision-chain/members/${encodeURIComponent(member.contact_id)}`,
        { method: 'PATCH', body: changed, version: member.version }));
    };
    return h('form', { class: 'membership edit-grid', onsubmit: save, 'data-testid': `seat-${opportunity.id}`,
      role: 'group', 'aria-label': opportunity.name }, head,
    h('label', { for: `stance-${key}` }, t('stance')), selects.stance,
    h('label', { for: `role-${key}` }, t('role')), selects.role,
    h('label', { for: `influence-${key}` }, t('influence')), selects.influence,
    h('div', { class: 'seat-save row' }, h('button', { type: 'submit', id: `save-seat-${key}`, 'data-edit': 'save-seat',
      'data-testid': here ? 'save-seat' : null }, t('save')), unsaved));
  }

  personEditor(c) {
    const field = (k) => h('input', { type: 'number', id: `closeness-${k}`, min: '0', max: '1', step: '0.05',
      value: c.closeness?.[k] ?? '', 'data-edit': `closeness-${k}`, 'data-api-field': `closeness.${k}`,
      'data-label': closenessLabel(k) });
    const inputs = Object.fromEntries(['relationship', 'solution', 'price'].map((k) => [k, field(k)]));
    const knows = h('input', { type: 'checkbox', id: 'knows-us', checked: c.knows_us, 'data-edit': 'knows-us',
      'data-api-field': 'knows_us' });
    const saveCloseness = (e) => {
      e.preventDefault();
      if (!validate(Object.values(inputs))) return;
      // (merged field by field by the server: an emptied measure is sent as null to clear it)
      const closeness = Object.fromEntries(Object.entries(inputs)
        .map(([k, input]) => [k, input.value === '' ? null : Number(input.value)]));
      this.write(() => api(`/contacts/${encodeURIComponent(c.id)}`, { method: 'PATCH', version: c.version,
        body: { closeness, knows_us: knows.checked } }), t('saved'), { form: e.target });
    };
    const leftDate = h('input', { type: 'date', id: 'left-at', value: new Date().toISOString().slice(0, 10), 'data-edit': 'left-at',
      required: true, 'data-api-field': 'left_at', 'data-label': t('left_date') });
    const markLeft = () => {
      if (!validate([leftDate])) return;
      this.write(() => api(`/contacts/${encodeURIComponent(c.id)}`,
        { method: 'PATCH', version: c.version, body: { status: 'left', left_at: leftDate.value } }), t('saved'),
      { form: leftDate.closest('form') });
    };
    const leaving = c.status === 'left'
      ? h('button', { type: 'button', 'data-edit': 'rejoin', 'data-focus': 'leaving', onclick: () => this.write(() => api(`/contacts/${encodeURIComponent(c.id)}`,
        { method: 'PATCH', version: c.version, body: { status: 'active', left_at: null } })) }, t('rejoin'))
      : h('div', { class: 'row' }, h('label', { for: 'left-at' }, t('left_date')), leftDate,
        h('button', { type: 'button', 'data-edit': 'mark-left', 'data-focus': 'leaving', onclick: markLeft }, t('mark_left')));
    // A second record of the same person (a CRM duplicate): merged into the one kept, which the panel then shows.
    const others = this.contacts.filter((x) => x.id !== c.id && x.account_id === c.account_id && x.name !== '[erased]')
      .sort((a, b) => (a.name || '').localeCompare(b.name || '', lang()));
    const into = h('select', { id: 'merge-into', 'data-edit': 'merge-into', 'data-api-field': 'into', 'data-label': t('merge_into') },
      h('option', { value: '' }, t('choose')),
      others.map((x) => h('option', { value: x.id }, x.title ? `${x.name} · ${x.title}` : x.name)));
    const merge = () => {
      if (!into.value) { toast(t('merge_choose'), 'error'); return; }
      const kept = into.value;
      this.write(async () => {
        await api(`/contacts/${encodeURIComponent(c.id)}/merge`, { method: 'POST', version: c.version, body: { into: kept } });
        this.selected = kept;
      }, t('merged', { name: c.name }));
    };
    const merging = others.length ? h('fieldset', { class: 'merge' }, h('legend', {}, t('duplicate')),
      h('p', { class: 'muted small' }, t('merge_intro')),
      h('div', { class: 'row' }, h('label', { for: 'merge-into' }, t('merge_into')), into,
        h('button', { type: 'button', 'data-edit': 'merge', onclick: merge }, t('merge')))) : null;
    // (novalidate: the app checks the fields itself and says what is wrong in the page's language)
    return h('form', { class: 'editor', onsubmit: saveCloseness, novalidate: true, 'aria-label': t('edit') },
      h('h3', {}, t('edit')),
      h('fieldset', {}, h('legend', {}, t('closeness_edit')),
        ['relationship', 'solution', 'price'].map((k) => h('div', { class: 'row' }, h('label', { for: `closeness-${k}` }, t(k)), inputs[k]))),
      h('div', { class: 'row' }, knows, h('label', { for: 'knows-us' }, t('knows_us'))),
      h('button', { type: 'submit', 'data-edit': 'save-person' }, t('save')),
      leaving, merging);
  }

  /** The labels of the fields an edit sends, by the API's name for them (a 422's `errors[].loc`). */
  fieldLabels() {
    return { left_at: t('left_date'), status: t('status'), knows_us: t('knows_us'),
      'closeness.relationship': closenessLabel('relationship'), 'closeness.solution': closenessLabel('solution'),
      'closeness.price': closenessLabel('price'), strength: t('strength'), type: t('line_type'),
      stance: t('stance'), role: t('role'), influence: t('influence') };
  }

  // ---- edits ------------------------------------------------------------------------------------

  /**
   * Runs one write and says how it went in the page's language; then the analytics refresh. A failed
   * write leaves nothing of itself on screen: the page shows what is stored now (a stale version, 412,
   * says so), or, when even that cannot be fetched, what was last loaded. A refused value (422) of a
   * field of `form` is marked there and keeps what was typed. Answers 'stored', 'invalid' or 'failed'.
   */
  async write(call, done = t('saved'), { form = null } = {}) {
    try {
      await call();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return 'failed';   // signed out already (main.js)
      const fields = this.fieldLabels();
      toast(explain(e, { fields, write: true }), 'error');
      if (form && e instanceof ApiError && markProblems(form, e, fields)) return 'invalid';
      await this.reload({ quiet: true });
      return 'failed';
    }
    toast(done);
    await this.reload();
    return 'stored';
  }

  /** Fetches everything again; if that fails, draws the last state loaded again, and (unless `quiet`:
   *  the write's own failure is on screen) says why. */
  async reload({ quiet = false } = {}) {
    try {
      await this.refresh();
    } catch (e) {
      if (this.destroyed || (e instanceof ApiError && e.status === 401)) return;
      if (!quiet) toast(explain(e), 'error');
      await this.render();
    }
  }

  startPick(source) {
    this.picking = source;
    this.map.setPicking(true);
    this.pickBanner();
    this.map.focusPerson(source);
  }

  /** The banner while picking the person a line goes to; `problem`, why the last pick was refused. */
  pickBanner(problem = null) {
    clear(this.banner, problem ? h('span', { class: 'error', role: 'alert', 'data-testid': 'pick-problem' }, problem) : null,
      problem ? t('pick_other') : t('pick_target', { name: this.name(this.picking) }),
      h('button', { type: 'button', onclick: () => this.cancelPick() }, t('cancel')));
    this.banner.hidden = false;
  }

  cancelPick() {
    this.picking = null;
    this.map.setPicking(false);
    this.banner.hidden = true;
  }

  finishPick(target) {
    const source = this.picking;
    // (as the service would refuse it: "a relationship cannot join a node to itself")
    if (target === source) { this.pickBanner(t('line_self')); return; }
    this.cancelPick();
    if (!this.contactById.has(target)) return;
    const strength = h('input', { type: 'number', id: 'line-strength', min: '0.05', max: '1', step: '0.05', value: '0.5',
      required: true, 'data-api-field': 'strength', 'data-label': t('strength') });
    // (a promotion has no strength)
    const type = h('select', { id: 'line-type', 'data-api-field': 'type', onchange: () => {
      strength.disabled = type.value === 'PROMOTED_BY'; if (strength.disabled) markField(strength, ''); } },
    LINE_TYPES.map((x) => h('option', { value: x }, label('rel', x))));
    const save = h('button', { type: 'submit', 'data-edit': 'save-line' }, t('save'));
    clear(this.banner, h('form', { class: 'row', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (!validate([strength])) return;
      // (drawn from `source` to `target`; a promotion is stored the other way round: drawnEnds)
      const [from, to] = drawnEnds({ type: type.value, source, target });
      const body = { type: type.value, source: from, target: to };
      if (type.value !== 'PROMOTED_BY') body.strength = Number(strength.value);
      save.disabled = true;
      const done = await this.write(() => api('/relationships', { method: 'POST', body }), t('line_added'), { form: e.target });
      save.disabled = false;
      if (done !== 'invalid') this.banner.hidden = true;
    } },
    h('span', {}, `${this.name(source)} → ${this.name(target)}`),
    h('label', { for: 'line-type' }, t('line_type')), type,
    h('label', { for: 'line-strength' }, t('strength')), strength,
    save,
    h('button', { type: 'button', onclick: () => { this.banner.hidden = true; } }, t('cancel'))));
    this.banner.hidden = false;
    type.focus();
  }

  // ---- keyboard ---------------------------------------------------------------------------------

  /** Escape cancels picking a line's person; else, from the person panel, the map or nowhere, it closes the
   *  person panel. */
  key(e) {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if (this.picking) { this.cancelPick(); e.preventDefault(); return; }
    const at = document.activeElement;
    const fromPanel = at?.closest?.('[data-testid="person-panel"]') || this.mapBox.contains(at) || at === document.body;
    if (this.selected && fromPanel) { this.closePerson(); e.preventDefault(); }
  }

  mapKey(e) {
    if (e.target !== this.mapBox) return;
    const step = 60;
    const actions = { '+': () => this.map.zoomBy(1.25), '=': () => this.map.zoomBy(1.25), '-': () => this.map.zoomBy(0.8),
      0: () => this.map.fit(), ArrowLeft: () => this.map.panBy(step, 0), ArrowRight: () => this.map.panBy(-step, 0),
      ArrowUp: () => this.map.panBy(0, step), ArrowDown: () => this.map.panBy(0, -step) };
    if (actions[e.key]) { actions[e.key](); e.preventDefault(); }
  }
}

function closenessLabel(measure) {
  return t('field_in', { field: t(measure), group: t('closeness') });
}

/** What is wrong with `input` as its attributes say (required, min, max, a number, a date), naming its
 *  label (`data-label`); '' when nothing is. */
function invalid(input) {
  if (input.disabled) return '';
  const field = input.dataset.label || input.id;
  const v = input.validity;
  if (v.badInput) return t(input.type === 'date' ? 'field_date' : 'field_number', { field });
  if (v.valueMissing) return t('field_required', { field });
  if (v.rangeUnderflow || v.rangeOverflow) {
    const { min, max } = input;
    if (min !== '' && max !== '') return t('field_range', { field, min, max });
    return v.rangeUnderflow ? t('field_min', { field, min }) : t('field_max', { field, max });
  }
  return '';
}

/** Checks `inputs`, marks each wrong one and focuses the first; answers whether all are right. */
function validate(inputs) {
  let ok = true;
  for (const input of inputs) {
    const message = invalid(input);
    markField(input, message);
    if (message && ok) { input.focus(); ok = false; }
  }
  return ok;
}

/** Shows `message` under `input` (none: clears it), tied to it for screen readers; typing clears it. */
function markField(input, message) {
  const id = `${input.id}-error`;
  let note = input.parentElement?.querySelector(`#${CSS.escape(id)}`);
  if (!message) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    note?.remove();
    return;
  }
  if (!note) {
    note = h('span', { id, class: 'field-error', role: 'alert', 'data-testid': 'field-error' });
    input.after(note);
  }
  note.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  input.addEventListener('input', () => markField(input, ''), { once: true });
}

/** Marks the fields of `form` a refused write (422) names; answers whether it marked any. */
function markProblems(form, error, fields) {
  let marked = 0;
  for (const { field, message } of fieldProblems(error, fields)) {
    const input = form.querySelector(`[data-api-field="${CSS.escape(field)}"]`);
    if (input) { markField(input, message); marked += 1; }
  }
  return marked > 0;
}

const CONTROLS = 'button, select, input, textarea, a[href], [tabindex]';

/**
 * Draws `box` again (`draw`) and keeps the focus that was in it: on the control drawn in its place — the
 * same id, else the same `data-focus` (or `data-edit`) at or near its place in the nearest section named
 * by a `data-testid`, else the control now at that place — or else on the section's first control, the
 * person panel's heading or the box's first heading: never on nothing.
 */
function redraw(box, draw) {
  const was = document.activeElement;
  const inside = was && was !== document.body && box.contains(was);
  const section = inside ? was.parentElement.closest('[data-testid]') : null;
  const owner = section && box.contains(section) ? section.dataset.testid : null;
  const place = inside ? [...(owner ? section : box).querySelectorAll(CONTROLS)].indexOf(was) : -1;
  draw();
  if (!inside || was.isConnected) return;
  const scope = (owner && box.querySelector(`[data-testid="${CSS.escape(owner)}"]`)) || box;
  const controls = [...scope.querySelectorAll(CONTROLS)].filter((el) => !el.disabled && el.getClientRects().length);
  const kind = was.dataset.focus || was.dataset.edit;
  const same = (el) => el && kind && (el.dataset.focus || el.dataset.edit) === kind;
  const atPlace = [...scope.querySelectorAll(CONTROLS)][place];
  const found = (was.id && box.querySelector(`#${CSS.escape(was.id)}`))
    || (same(atPlace) ? atPlace : null) || controls.find(same)
    || (controls.includes(atPlace) ? atPlace : null)
    || (scope !== box ? controls[0] : null) || box.querySelector('#person-name, h1, h2');
  if (found && !found.matches(CONTROLS)) found.setAttribute('tabindex', '-1');
  (found || box).focus();
}

function sameSet(a, b) {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function classBadge(value) {
  return h('span', { class: `badge class-${value}`, 'data-testid': 'class-badge' }, label('class', value));
}

function supportMeter(support, competitors) {
  const bar = (text, value, testid) => h('div', { class: 'support-row', 'data-testid': testid, 'data-value': String(value) },
    h('span', { class: 'who' }, text),
    h('span', { class: 'meter', role: 'meter', 'aria-valuemin': '-1', 'aria-valuemax': '1', 'aria-valuenow': String(value),
      'aria-valuetext': signed(value), 'aria-label': `${t('support')}: ${text}` },
    h('span', { class: `fill ${value >= 0 ? 'pos' : 'neg'}`, style: {
      left: `${value >= 0 ? 50 : 50 + value * 50}%`, width: `${Math.abs(value) * 50}%` } })),
    h('span', { class: 'value' }, signed(value)));
  return h('div', { class: 'support', role: 'group', 'aria-label': t('support') },
    bar(t('support_us'), support?.us ?? 0, 'support-us'),
    Object.entries(support?.competitors || {}).map(([id, v]) => bar(competitors.get(id)?.name || id, v, `support-${id}`)));
}

function legend() {
  const item = (cls, text) => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text);
  return h('details', { class: 'legend' }, h('summary', {}, t('legend')),
    h('ul', {}, item('reports', t('legend_reports')), item('influences', t('legend_influences')),
      item('promoted', t('legend_promoted')), item('ally', t('legend_ally')), item('rival', t('legend_rival')),
      item('covers', t('legend_covers')), item('path', t('legend_path')),
      h('li', {}, h('span', { class: 'card-swatch unaware', 'aria-hidden': 'true' }), t('legend_unaware')),
      h('li', {}, h('span', { class: 'card-swatch left', 'aria-hidden': 'true' }), t('legend_left')),
      STANCES.map((s) => h('li', {}, h('span', { class: `pill stance-${s}` }, label('stance', s))))));
}
