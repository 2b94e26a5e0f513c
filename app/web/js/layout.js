// Where each person sits on the map: the org chart top-down (a tidy tree over REPORTS_TO), people
// without a known manager as roots of their own, many staff under one manager wrapped in a grid,
// and our team in a column on the left.

export const CARD = { w: 156, h: 56 };
const UNIT_X = CARD.w + 28;
const UNIT_Y = CARD.h + 64;
const WRAP = 6;          // more leaf reports than this under one manager are wrapped...
const WRAP_COLUMNS = 4;  // ...into rows this wide

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

  const slot = new Map();  // id → {x: column units, row: depth rows}
  const placed = new Set();
  let cursor = 0;

  function place(person, row) {
    placed.add(person.id);
    const kids = children.get(person.id).filter((k) => !placed.has(k.id));
    if (!kids.length) {
      slot.set(person.id, { x: cursor, row });
      cursor += 1;
      return;
    }
    const xs = [];
    const leaves = kids.filter((k) => !children.get(k.id).length);
    const inner = kids.filter((k) => children.get(k.id).length);
    for (const k of inner) { place(k, row + 1); xs.push(slot.get(k.id).x); }
    if (leaves.length > WRAP) {
      const start = cursor;
      leaves.forEach((leaf, i) => {
        placed.add(leaf.id);
        slot.set(leaf.id, { x: start + (i % WRAP_COLUMNS), row: row + 1 + Math.floor(i / WRAP_COLUMNS) });
      });
      cursor = start + WRAP_COLUMNS;
      xs.push(start, start + WRAP_COLUMNS - 1);
    } else {
      for (const k of leaves) { place(k, row + 1); xs.push(slot.get(k.id).x); }
    }
    slot.set(person.id, { x: (Math.min(...xs) + Math.max(...xs)) / 2, row });
  }

  for (const root of roots) {
    if (!placed.has(root.id)) { place(root, 0); cursor += 0.3; }
  }
  // A reporting cycle (refused by the service, but be safe): place whoever is left as roots.
  for (const c of contacts) if (!placed.has(c.id)) place(c, 0);

  const positions = new Map();
  for (const [id, s] of slot) positions.set(id, { x: s.x * UNIT_X, y: s.row * UNIT_Y });
  team.forEach((member, i) => {
    positions.set(member.id, { x: -1.2 * UNIT_X, y: i * (CARD.h + 26) });
  });
  return positions;
}
