// Where each person sits on the map: the org chart top-down (a tidy tree over REPORTS_TO), people
// without a known manager as roots of their own, many staff under one manager wrapped in a grid,
// a manager's teams in bands below each other when side by side they would make the chart far wider
// than tall (a large account's key people), and our team in a column on the left.

export const CARD = { w: 156, h: 56 };
const UNIT_X = CARD.w + 28;
const UNIT_Y = CARD.h + 64;
const WRAP = 6;          // more leaf reports than this under one manager are wrapped...
const WRAP_COLUMNS = 4;  // ...into rows this wide
const BAND_MIN = 24;     // a chart up to this many cards wide is never banded...
const BAND_RATIO = 2;    // ...wider ones are kept to about this many times the square root of the people
const ROOT_GAP = 0.3;    // columns between the trees of people without a manager shown
const BAND_GAP = 0.35;   // rows between bands, where lines to the lower bands pass

const LEVEL_RANK = { executive: 0, vp: 1, director: 2, manager: 3, staff: 4 };

function order(a, b) {
  return (LEVEL_RANK[a.level] ?? 5) - (LEVEL_RANK[b.level] ?? 5)
    || String(a.department || '').localeCompare(String(b.department || ''))
    || String(a.name || '').localeCompare(String(b.name || ''))
    || a.id.localeCompare(b.id);
}

/**
 * Positions (model coordinates of card centres) for `contacts`, given `bossOf` (contact id → boss id)
 * and the `team` members to show. Returns Map id → {x, y}.
 */
export function orgChart(contacts, bossOf, team) {
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const children = new Map(contacts.map((c) => [c.id, []]));
  const roots = [];
  for (const c of contacts) {
    const boss = bossOf.get(c.id);
    if (boss && byId.has(boss) && boss !== c.id) children.get(boss).push(c);
    else roots.push(c);
  }
  for (const list of children.values()) list.sort(order);
  roots.sort(order);
  const widest = Math.max(BAND_MIN, Math.ceil(BAND_RATIO * Math.sqrt(contacts.length)));
  const placed = new Set();

  // A block: cells [id, column, row] relative to its top left, its width and height (in cards), and the
  // columns of its top people (where the lines from above arrive).
  function tree(person) {
    placed.add(person.id);
    const kids = children.get(person.id).filter((k) => !placed.has(k.id));
    if (!kids.length) return { cells: [[person.id, 0, 0]], w: 1, h: 1, tops: [0] };
    const leaves = kids.filter((k) => !children.get(k.id).length);
    const parts = kids.filter((k) => children.get(k.id).length).map(tree);
    if (leaves.length > WRAP) parts.push(grid(leaves));
    else parts.push(...leaves.map(tree));
    const below = bands(parts, 0);
    const x = (Math.min(...below.tops) + Math.max(...below.tops)) / 2;
    return { cells: [[person.id, x, 0], ...below.cells.map(([id, cx, cy]) => [id, cx, cy + 1])],
      w: below.w, h: below.h + 1, tops: [x] };
  }

  function grid(leaves) {
    for (const leaf of leaves) placed.add(leaf.id);
    return { cells: leaves.map((leaf, i) => [leaf.id, i % WRAP_COLUMNS, Math.floor(i / WRAP_COLUMNS)]),
      w: WRAP_COLUMNS, h: Math.ceil(leaves.length / WRAP_COLUMNS), tops: [0, WRAP_COLUMNS - 1] };
  }

  // Blocks side by side (`gap` columns apart), in bands one below the other once a band would pass `widest`.
  function bands(parts, gap) {
    const rows = [[]];
    let width = 0;
    for (const part of parts) {
      const row = rows[rows.length - 1];
      if (row.length && width + part.w > widest) { rows.push([part]); width = part.w + gap; }
      else { row.push(part); width += part.w + gap; }
    }
    const cells = [];
    const tops = [];
    let w = 0;
    let y = 0;
    rows.forEach((row, r) => {
      let x = 0;
      for (const part of row) {
        for (const [id, cx, cy] of part.cells) cells.push([id, x + cx, y + cy]);
        if (r === 0) tops.push(...part.tops.map((t) => x + t));
        x += part.w + gap;
      }
      w = Math.max(w, x - gap);
      y += Math.max(...row.map((part) => part.h)) + (r < rows.length - 1 ? BAND_GAP : 0);
    });
    return { cells, w, h: y, tops };
  }

  const trees = roots.filter((root) => !placed.has(root.id)).map(tree);
  // A reporting cycle (refused by the service, but be safe): whoever is left becomes a root.
  for (const c of contacts) if (!placed.has(c.id)) trees.push(tree(c));
  const positions = new Map();
  for (const [id, x, row] of bands(trees, ROOT_GAP).cells) positions.set(id, { x: x * UNIT_X, y: row * UNIT_Y });
  team.forEach((member, i) => {
    positions.set(member.id, { x: -1.2 * UNIT_X, y: i * (CARD.h + 26) });
  });
  return positions;
}

// ---- a path's line around the cards ------------------------------------------------------------------

const CLEAR = 12;                       // a path keeps this far off a card it does not join...
const LANE_Y = CARD.h / 2 + 16;         // ...runs this far from a card's centre above or below it...
const LANE_X = CARD.w / 2 + (UNIT_X - CARD.w) / 2;   // ...or beside it, in the gap between two columns
const BEND = 60;                        // a corner costs as much as this much more line

function box(p, margin) {
  return { left: p.x - CARD.w / 2 - margin, right: p.x + CARD.w / 2 + margin,
    top: p.y - CARD.h / 2 - margin, bottom: p.y + CARD.h / 2 + margin };
}

function inside(p, b) {
  return p.x > b.left && p.x < b.right && p.y > b.top && p.y < b.bottom;
}

/** Whether the segment p–q passes through box `b` (Liang–Barsky clipping). */
export function crosses(p, q, b) {
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  let t0 = 0;
  let t1 = 1;
  for (const [num, den] of [[p.x - b.left, -dx], [b.right - p.x, dx], [p.y - b.top, -dy], [b.bottom - p.y, dy]]) {
    if (den === 0) { if (num <= 0) return false; continue; }
    const r = num / den;
    if (den < 0) { if (r > t1) return false; if (r > t0) t0 = r; } else { if (r < t0) return false; if (r < t1) t1 = r; }
  }
  return t1 - t0 > 1e-9;
}

/**
 * The corners of a path's line from the card centred at `a` to the card centred at `b` that passes under
 * none of the cards centred at `others`: [] when the straight line does not, else the shortest (corners
 * counted) of lines of straight runs along the lanes between rows and columns of cards — out of `a`
 * upward, downward or sideways, along the lanes, into `b`. A line passing under a card would read as
 * going through that person.
 */
export function routeAround(a, b, others) {
  const boxes = others.map((p) => box(p, CLEAR));
  const blocked = (p, q) => boxes.some((bx) => crosses(p, q, bx));
  if (!blocked(a, b)) return [];
  const near = (v) => Math.round(v * 10) / 10;
  const lanesY = [...new Set([a, b, ...others].flatMap((p) => [near(p.y - LANE_Y), near(p.y + LANE_Y)]))];
  const lanesX = [...new Set([a, b, ...others].flatMap((p) => [near(p.x - LANE_X), near(p.x + LANE_X)]))];
  const routes = [[{ x: a.x, y: b.y }], [{ x: b.x, y: a.y }]];
  for (const y of lanesY) {
    routes.push([{ x: a.x, y }, { x: b.x, y }]);
    for (const x of lanesX) {
      routes.push([{ x, y: a.y }, { x, y }, { x: b.x, y }], [{ x: a.x, y }, { x, y }, { x, y: b.y }]);
    }
  }
  for (const x of lanesX) routes.push([{ x, y: a.y }, { x, y: b.y }]);
  // (a lane beside `a` or `b` a little off its centre line: straight out of its side into the lane, no jog)
  for (const y of lanesY) {
    for (const x of lanesX) {
      if (Math.abs(y - a.y) < CARD.h / 2) routes.push([{ x, y }, { x: b.x, y }]);
      if (Math.abs(y - b.y) < CARD.h / 2) routes.push([{ x: a.x, y }, { x, y }]);
    }
  }
  const ownA = box(a, 0);
  const ownB = box(b, 0);
  const length = (points) => points.slice(1).reduce((sum, p, i) => sum + Math.hypot(p.x - points[i].x, p.y - points[i].y), 0);
  const scored = routes
    .filter((corners) => !inside(corners[0], box(a, CLEAR)) && !inside(corners[corners.length - 1], box(b, CLEAR)))
    .map((corners) => ({ corners, cost: length([a, ...corners, b]) + BEND * corners.length }))
    .sort((x, y) => x.cost - y.cost);
  let best = null;
  for (const { corners } of scored) {
    const points = [a, ...corners, b];
    let hits = 0;
    for (let i = 0; i + 1 < points.length; i += 1) {
      const [p, q] = [points[i], points[i + 1]];
      hits += boxes.filter((bx) => crosses(p, q, bx)).length;
      // (only the first run leaves `a`, only the last enters `b`)
      if (i > 0 && crosses(p, q, ownA)) hits += 1;
      if (i + 2 < points.length && crosses(p, q, ownB)) hits += 1;
    }
    if (hits === 0) return corners;
    if (!best || hits < best.hits) best = { corners, hits };
  }
  return best ? best.corners : [];
}
