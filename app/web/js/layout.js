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
