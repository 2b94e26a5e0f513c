// The interactive relationship map: cytoscape draws the lines (pan, zoom), and each person is a real
// button laid over its node, so people are keyboard reachable, labelled, and text renders with the
// page's fonts (Chinese included).

import cytoscape from '../vendor/cytoscape.esm.min.js';
import { h, clear } from './dom.js';
import { t, label, list } from './i18n.js';
import { CARD, orgChart, routeAround } from './layout.js';

const PERSON_EDGES = ['REPORTS_TO', 'INFLUENCES', 'PROMOTED_BY', 'ALLY', 'RIVAL'];
// The least zoom the map is fitted at: a card's name (14 px) about 10 px on screen, its title 8 px.
export const READABLE_ZOOM = 0.7;
const FIT_PADDING = 24;
const TEAM_EDGES = ['COVERS', 'MIRRORS'];

const STYLE = [
  { selector: 'node', style: {
    shape: 'round-rectangle', width: CARD.w, height: CARD.h, 'background-opacity': 0, 'border-width': 0,
    label: '', events: 'yes' } },
  { selector: 'edge', style: { width: 1.5, 'line-color': '#9aa5b1', 'curve-style': 'bezier', 'target-arrow-shape': 'none',
    'arrow-scale': 0.9, opacity: 0.9 } },
  { selector: 'edge[type = "REPORTS_TO"]', style: { 'curve-style': 'taxi', 'taxi-direction': 'downward',
    'taxi-turn': 32, 'line-color': '#7b8794', width: 1.5 } },
  { selector: 'edge[type = "INFLUENCES"]', style: { 'line-color': '#2f6fdb', 'target-arrow-color': '#2f6fdb',
    'target-arrow-shape': 'triangle', width: 'mapData(strength, 0, 1, 1, 6)', 'control-point-step-size': 48 } },
  // (drawn from the patron to the protégé: see drawnEnds)
  { selector: 'edge[type = "PROMOTED_BY"]', style: { 'line-color': '#8b5cf6', 'target-arrow-color': '#8b5cf6',
    'target-arrow-shape': 'triangle', 'line-style': 'dashed' } },
  // Allies and rivals often sit side by side: arcs keep their lines off the cards between them.
  { selector: 'edge[type = "ALLY"]', style: { 'line-color': '#1f9d55', width: 'mapData(strength, 0, 1, 1, 5)',
    'curve-style': 'unbundled-bezier', 'control-point-distances': -46, 'control-point-weights': 0.5 } },
  { selector: 'edge[type = "RIVAL"]', style: { 'line-color': '#d64545', 'line-style': 'dashed',
    width: 'mapData(strength, 0, 1, 1, 5)', 'curve-style': 'unbundled-bezier', 'control-point-distances': 46,
    'control-point-weights': 0.5 } },
  { selector: 'edge[type = "COVERS"]', style: { 'line-color': '#e08a00', 'line-style': 'dotted',
    width: 'mapData(closeness, 0, 1, 1, 5)', 'curve-style': 'unbundled-bezier', 'control-point-distances': 40,
    'control-point-weights': 0.5, opacity: 0.75 } },
  { selector: 'edge[type = "MIRRORS"]', style: { 'line-color': '#e08a00', 'line-style': 'dashed', width: 2 } },
  { selector: 'edge.dim', style: { opacity: 0.12 } },
  { selector: 'edge.hop', style: { 'line-color': '#f2b705', 'target-arrow-color': '#d99a00',
    'target-arrow-shape': 'triangle', width: 7, 'curve-style': 'bezier', 'control-point-step-size': 70,
    opacity: 0.95, 'z-index': 50, 'arrow-scale': 1.2 } },
];

/** Cytoscape's style of a line from `a` to `b` through `corners` (model positions): each corner as its
 *  weight along a→b and its distance off it, measured from the nodes' centres. */
function segmentsStyle(a, b, corners) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const length = Math.sqrt(length2);
  const weights = corners.map((p) => ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2);
  const distances = corners.map((p) => ((p.x - a.x) * -dy + (p.y - a.y) * dx) / length);
  return { 'curve-style': 'round-segments', 'edge-distances': 'node-position', 'segment-radii': 14,
    'segment-weights': weights.map((w) => w.toFixed(4)).join(' '),
    'segment-distances': distances.map((d) => d.toFixed(2)).join(' ') };
}

/** A line as the map image names it: the relationship's type, source and target as stored. */
export function lineKey(type, source, target) {
  return `${type}|${source}|${target}`;
}

/**
 * The ends of a relationship as influence runs and as the map image draws it, [from, to]: a promotion
 * is stored protégé → patron (`source` PROMOTED_BY `target`) but points from the patron to the protégé;
 * every other line runs from its source to its target. Its own inverse: the stored ends of a line drawn
 * from `a` to `b` are `drawnEnds({ type, source: a, target: b })`.
 */
export function drawnEnds({ type, source, target }) {
  return type === 'PROMOTED_BY' ? [target, source] : [source, target];
}

export class RelationshipMap {
  /**
   * `container` gets the canvas and the people; `onPerson(id)` is called when a person is chosen
   * (click, Enter or Space on their button).
   */
  constructor(container, { onPerson }) {
    this.container = container;
    this.onPerson = onPerson;
    this.canvas = h('div', { class: 'map-canvas' });
    this.people = h('div', { class: 'map-people' });
    clear(container, this.canvas, this.people);
    this.cards = new Map();
    this.path = [];
    this.cy = cytoscape({
      container: this.canvas, style: STYLE, elements: [], minZoom: 0.15, maxZoom: 2.5,
      wheelSensitivity: 0.4, boxSelectionEnabled: false, autoungrabify: true, autounselectify: true,
    });
    this.cy.on('viewport resize', () => this.follow());
    this.people.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.people.addEventListener('pointerdown', (e) => this.dragStart(e));
    // A person tabbed to off the map's edge is panned into view; the browser's own scrolling of the map
    // (overflow hidden: nothing to scroll it back with) is undone.
    this.people.addEventListener('focusin', (e) => this.reveal(e.target));
    container.addEventListener('scroll', () => { container.scrollTop = 0; container.scrollLeft = 0; });
  }

  /** Pans the map the least that shows `card` whole, a little in from the edge. */
  reveal(card) {
    const node = card.dataset.id ? this.cy.getElementById(card.dataset.id) : null;
    if (!node || node.empty()) return;
    const margin = 16;
    const zoom = this.cy.zoom();
    const p = node.renderedPosition();
    const shift = (at, half, size) => {
      if (2 * half + 2 * margin > size) return size / 2 - at;        // (larger than the map: centred)
      if (at - half < margin) return margin - (at - half);
      if (at + half > size - margin) return size - margin - (at + half);
      return 0;
    };
    const dx = shift(p.x, CARD.w * zoom / 2, this.canvas.clientWidth);
    const dy = shift(p.y, CARD.h * zoom / 2, this.canvas.clientHeight);
    if (dx || dy) this.cy.panBy({ x: dx, y: dy });
    this.container.scrollTop = 0;
    this.container.scrollLeft = 0;
  }

  /** Draws `contacts` and `team`, joined by `edges` (relationship records of the account). */
  setData({ contacts, team, edges }) {
    this.contacts = new Map(contacts.map((c) => [c.id, c]));
    const ids = new Set([...contacts.map((c) => c.id), ...team.map((m) => m.id)]);
    const bossOf = new Map();
    for (const e of edges) if (e.type === 'REPORTS_TO') bossOf.set(e.source, e.target);
    Object.assign(this, { teamList: team, contactList: contacts, bossOf });
    // (the whole chart's positions order the people's buttons, top-down: the keyboard's order)
    const positions = orgChart(contacts, bossOf, team);
    // Cytoscape holds only the people shown and the lines between them (setVisible): adding and hiding a
    // large account's tens of thousands took seconds.
    this.kinds = new Map([...contacts.map((c) => [c.id, 'contact']), ...team.map((m) => [m.id, 'team'])]);
    this.lines = [];
    for (const e of edges) {
      if (![...PERSON_EDGES, ...TEAM_EDGES].includes(e.type) || !ids.has(e.source) || !ids.has(e.target)) continue;
      // The org chart runs top-down from the boss; every other line as influence runs (drawnEnds).
      const [source, target] = e.type === 'REPORTS_TO' ? [e.target, e.source] : drawnEnds(e);
      this.lines.push({ group: 'edges', data: { id: `e:${e.id}`, source, target, type: e.type,
        key: lineKey(e.type, e.source, e.target), strength: e.strength ?? 0.5, closeness: e.closeness ?? 0.5 } });
    }
    this.cy.elements().remove();

    this.cards.clear();
    const cards = [];
    const sorted = [...contacts].sort((a, b) => {
      const pa = positions.get(a.id); const pb = positions.get(b.id);
      return pa.y - pb.y || pa.x - pb.x;
    });
    for (const c of sorted) {
      const p = positions.get(c.id);
      const card = h('button', {
        type: 'button', class: `person${c.status === 'left' ? ' left' : ''}${c.knows_us === false ? ' unaware' : ''}`,
        'data-testid': `person-${c.id}`, 'data-id': c.id, style: this.place(p),
        'aria-label': this.describe(c, null),
        onclick: (e) => { if (!this.dragged) this.onPerson(c.id); e.preventDefault(); },
      }, h('span', { class: 'name' }, c.name), h('span', { class: 'title' }, c.title || label('level', c.level)),
      h('span', { class: 'badge role', hidden: true }));
      this.cards.set(c.id, card);
      cards.push(card);
    }
    for (const m of team) {
      const card = h('div', { class: 'team', 'data-testid': `team-${m.id}`, style: this.place(positions.get(m.id)),
        title: `${t('our_team')}: ${m.name}` },
      h('span', { class: 'visually-hidden' }, `${t('our_team')}: `),
      h('span', { class: 'name' }, m.name), h('span', { class: 'title' }, m.title || ''));
      this.cards.set(m.id, card);
      cards.push(card);
    }
    clear(this.people, cards);
    this.container.dataset.people = String(contacts.length);
    this.path = [];
    this.follow();
  }

  /** A person's card as a screen reader says it: name, title, in the chain shown their role and stance,
   *  and what the card's border and strike say (does not know us, has left). */
  describe(c, member) {
    return list([c.name, c.title, member && label('role', member.role),
      member && t('card_stance', { stance: label('stance', member.stance) }),
      c.knows_us === false && t('card_unaware'), c.status === 'left' && t('left')].filter(Boolean));
  }

  /** A card's box over its node (a least height: text spaced out by the user's own style grows it). */
  place(p) {
    return { left: `${p.x - CARD.w / 2}px`, top: `${p.y - CARD.h / 2}px`, width: `${CARD.w}px`, minHeight: `${CARD.h}px` };
  }

  /** Keeps the people over their nodes as the map pans and zooms. */
  follow() {
    const { x, y } = this.cy.pan();
    this.people.style.transform = `translate(${x}px, ${y}px) scale(${this.cy.zoom()})`;
  }

  /** Shows the people `ids` (else everyone drawn) as large as they fit, up to 1.2×, but never smaller
   *  than READABLE_ZOOM: a map too wide or tall for that is shown from its head (of the people in its
   *  top row, the one most people report to) at the top, centred, and the rest is a drag, a scroll or
   *  the − button away. */
  fit(ids) {
    const nodes = ids ? this.cy.nodes().filter((n) => ids.includes(n.id())) : this.cy.nodes(':visible');
    const shown = nodes.length ? nodes : this.cy.nodes();
    this.cy.resize();
    this.cy.fit(shown, FIT_PADDING);
    if (this.cy.zoom() > 1.2) { this.cy.zoom(1.2); this.cy.center(shown); }
    if (this.cy.zoom() >= READABLE_ZOOM || !shown.length) return;
    const top = Math.min(...shown.map((n) => n.position('y')));
    const reports = new Map();
    for (const boss of this.bossOf.values()) reports.set(boss, (reports.get(boss) || 0) + 1);
    const head = shown.filter((n) => n.position('y') === top).max((n) => reports.get(n.id()) || 0).ele;
    this.cy.zoom(READABLE_ZOOM);
    this.cy.pan({ x: this.canvas.clientWidth / 2 - head.position('x') * READABLE_ZOOM,
      y: FIT_PADDING + CARD.h / 2 * READABLE_ZOOM - top * READABLE_ZOOM });
  }

  zoomBy(factor) {
    const w = this.canvas.clientWidth; const hgt = this.canvas.clientHeight;
    this.cy.zoom({ level: this.cy.zoom() * factor, renderedPosition: { x: w / 2, y: hgt / 2 } });
  }

  panBy(dx, dy) { this.cy.panBy({ x: dx, y: dy }); }

  wheel(e) {
    e.preventDefault();
    const box = this.canvas.getBoundingClientRect();
    const factor = Math.exp(-e.deltaY * 0.0015);
    this.cy.zoom({ level: this.cy.zoom() * factor, renderedPosition: { x: e.clientX - box.left, y: e.clientY - box.top } });
  }

  // Dragging from a person's button pans the map like dragging the background does.
  dragStart(e) {
    if (e.button !== 0) return;
    const start = { x: e.clientX, y: e.clientY };
    let last = start;
    this.dragged = false;
    const move = (m) => {
      if (!this.dragged && Math.hypot(m.clientX - start.x, m.clientY - start.y) < 5) return;
      this.dragged = true;
      this.cy.panBy({ x: m.clientX - last.x, y: m.clientY - last.y });
      last = { x: m.clientX, y: m.clientY };
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      setTimeout(() => { this.dragged = false; }, 0);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  /** Stances (in words and colour) and roles for one opportunity's chain (Map contact id → member), or none. */
  setChain(members) {
    for (const [id, card] of this.cards) {
      if (!this.contacts?.has(id)) continue;
      const member = members?.get(id);
      card.classList.remove(...[...card.classList].filter((c) => c.startsWith('stance-')));
      card.classList.toggle('member', Boolean(member));
      const badge = card.querySelector('.badge.role');
      if (member) {
        card.classList.add(`stance-${member.stance}`);
        // The stance in words (the stripe's colour says it again: see the legend), then the role.
        clear(badge, h('span', { class: `stance-word stance-${member.stance}` }, label('stance', member.stance)),
          ` · ${label('role', member.role)}`);
        card.title = `${label('stance', member.stance)} · ${label('role', member.role)}`;
        badge.hidden = false;
      } else {
        badge.hidden = true;
        card.removeAttribute('title');
      }
      card.setAttribute('aria-label', this.describe(this.contacts.get(id), member));
    }
  }

  /** Shows only `visible` (a Set of ids; null: everyone), with lines between shown people — of lines other
   *  than reporting lines, only those in `lines` (a Set of `lineKey`s) when given: those the map image draws.
   *  The path to take (setPath) is drawn again after. */
  setVisible(visible, lines = null) {
    const isShown = (id) => !visible || visible.has(id);
    const nodes = [...this.kinds].filter(([id]) => isShown(id)).map(([id, kind]) => ({ group: 'nodes', data: { id, kind } }));
    // (reporting lines are the chart itself, always drawn between shown people; others as stored)
    const drawn = this.lines.filter(({ data }) => isShown(data.source) && isShown(data.target)
      && (!lines || data.type === 'REPORTS_TO' || lines.has(data.key)));
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add([...nodes, ...drawn]);
    });
    this.container.dataset.lines = String(drawn.filter(({ data }) => data.type !== 'REPORTS_TO').length);
    let shown = 0;
    for (const [id, card] of this.cards) {
      const hide = Boolean(visible) && !visible.has(id);
      card.hidden = hide;
      if (!hide && this.contacts.has(id)) shown += 1;
    }
    this.container.dataset.shown = String(shown);
    this.arrange(visible);
  }

  /** Lays out the people shown as an org chart of their own: whoever's boss is hidden reports to the
   *  nearest shown boss above, so a focused map stays compact and keeps its hierarchy. */
  arrange(visible) {
    const shown = (id) => !visible || visible.has(id);
    const contacts = this.contactList.filter((c) => shown(c.id));
    const bossOf = new Map();
    for (const c of contacts) {
      let boss = this.bossOf.get(c.id);
      const seen = new Set([c.id]);
      while (boss && !shown(boss) && !seen.has(boss)) { seen.add(boss); boss = this.bossOf.get(boss); }
      if (boss && shown(boss)) bossOf.set(c.id, boss);
    }
    const positions = orgChart(contacts, bossOf, this.teamList.filter((m) => shown(m.id)));
    this.cy.batch(() => {
      for (const [id, p] of positions) this.cy.getElementById(id).position(p);
    });
    for (const [id, p] of positions) Object.assign(this.cards.get(id).style, this.place(p));
  }

  /** Marks `ids` (a gap's people, say) and dims everyone else; an empty list clears it. */
  highlight(ids) {
    const set = new Set(ids || []);
    for (const [id, card] of this.cards) {
      card.classList.toggle('highlight', set.has(id));
      card.classList.toggle('dim', set.size > 0 && !set.has(id) && !this.path.includes(id));
    }
    this.cy.edges().forEach((e) => {
      if (e.hasClass('hop')) return;
      e.toggleClass('dim', set.size > 0 && !(set.has(e.source().id()) && set.has(e.target().id())));
    });
    this.container.dataset.highlight = [...set].join(' ');
  }

  /** Draws the path to take, person to person, over the map: each hop around the cards between its
   *  two people (routeAround), never under someone else's card. */
  setPath(path) {
    this.cy.remove('edge.hop');
    for (const card of this.cards.values()) card.classList.remove('on-path');
    this.path = (path || []).filter((id) => this.cards.has(id) && this.cy.getElementById(id).nonempty());
    const at = new Map(this.cy.nodes().map((n) => [n.id(), { ...n.position() }]));
    const hops = [];
    for (let i = 0; i + 1 < this.path.length; i += 1) {
      const [source, target] = [this.path[i], this.path[i + 1]];
      const [a, b] = [at.get(source), at.get(target)];
      const others = [...at].filter(([id]) => id !== source && id !== target).map(([, p]) => p);
      const corners = routeAround(a, b, others);
      hops.push([{ group: 'edges', classes: 'hop', data: { id: `hop:${i}`, source, target, type: 'PATH' } },
        corners.length ? segmentsStyle(a, b, corners) : null]);
    }
    this.cy.add(hops.map(([hop]) => hop));
    // (as a bypass once added: a curve style given in the element's JSON is not kept)
    for (const [hop, style] of hops) if (style) this.cy.getElementById(hop.data.id).style(style);
    for (const id of this.path) this.cards.get(id).classList.add('on-path');
    this.container.dataset.path = this.path.join(' ');
  }

  /** Marks the person whose panel is open (a card opens a panel: it is no toggle, hence aria-current). */
  select(id) {
    for (const [cid, card] of this.cards) {
      card.classList.toggle('selected', cid === id);
      if (cid === id && card.tagName === 'BUTTON') card.setAttribute('aria-current', 'true');
      else card.removeAttribute('aria-current');
    }
  }

  /** In picking mode every person button shows it is a target. */
  setPicking(on) { this.container.classList.toggle('picking', on); }

  /** Focuses the card of `id`; answers whether it could (false: none, or hidden by the focus). */
  focusPerson(id) {
    const card = this.cards.get(id);
    if (!card || card.hidden) return false;
    card.focus();
    return document.activeElement === card;
  }

  destroy() { this.cy.destroy(); }
}
