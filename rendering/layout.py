"""The map's layout: a top-down org chart from the reporting lines, our team in a column on the left,
competitors in a column on the right. Coordinates are inches on the drawn map, y pointing down (as in
Cytoscape.js and SVG); positions are box centres.

The org chart is a layered tree layout of blocks, linear in the number of people:

* each manager's subtree is a block (its box centred over its reports, top-aligned);
* in a large map a manager's staff without reports of their own are **grouped** in a panel under them,
  stacked in columns of at most ``panel_rows``, instead of spread side by side;
* reports that do not fit in the chosen width **wrap** into several rows, hung from a trunk on the left;
* people without a known manager are the roots of their own trees; those with neither manager nor
  reports share one captioned panel. Nobody is dropped or collapsed.

The width is chosen by a bisection over the wrap width so that the chart comes out near a landscape
page's proportions; each try is one linear pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rendering.labels import word
from rendering.model import MapModel

Point = tuple[float, float]
Segment = tuple[Point, Point]


@dataclass(frozen=True)
class Metrics:
    box_w: float = 1.95         # a person's box
    box_h: float = 0.74
    gap_x: float = 0.32         # between sibling blocks
    gap_y: float = 0.62         # between a manager's box and the row of its reports
    tree_gap: float = 0.7       # between separate trees
    lane: float = 0.34          # the trunk lane left of wrapped rows
    panel_pad: float = 0.16
    panel_gap_x: float = 0.24
    panel_gap_y: float = 0.26
    panel_rows: int = 5
    caption_h: float = 0.34
    side_gap: float = 1.2       # between the org chart and the team / competitor columns
    side_gap_y: float = 0.34    # between boxes in a side column
    aspect: float = 1.7         # the chart's target width / height


METRICS = Metrics()
# Large maps: slightly smaller boxes and gaps (still room for a name and a title), so more fits a page.
COMPACT = Metrics(box_w=1.8, box_h=0.7, gap_x=0.26, gap_y=0.54, tree_gap=0.6, panel_gap_x=0.2, panel_gap_y=0.24)


@dataclass
class Panel:
    x: float                    # top-left corner
    y: float
    w: float
    h: float
    caption: str | None = None
    loners: bool = False        # people with neither manager nor reports (else one manager's staff)


@dataclass
class MapLayout:
    pos: dict[str, Point]                       # box centres
    segments: list[Segment]                     # reporting-line connectors
    panels: list[Panel]
    chart: tuple[float, float, float, float]    # the org chart's bounds: x0, y0, x1, y1
    team_x: float | None = None                 # centre x of the team column
    competitor_x: float | None = None
    extra: dict[str, Point] = field(default_factory=dict)   # other nodes (account, opportunities)
    metrics: Metrics = field(default_factory=Metrics)       # the sizes it was laid out with


# ---------------------------------------------------------------------------------------- org chart


@dataclass
class _Block:
    w: float
    h: float
    own: Point | None                               # top-left of the manager's box, None for no box
    children: list[tuple[str, Point]]               # child subtree → its block's top-left offset
    panels: list[tuple[Panel, list[tuple[str, Point]]]]   # panel (relative) and its boxes' top-lefts
    segments: list[Segment]                         # relative connectors


def org_chart(people: Sequence[str], manager: dict[str, str], sort_key: Callable[[str], Any],
              m: Metrics = METRICS, no_manager_caption: str | None = None) -> MapLayout:
    """Lay out the contacts as a forest of reporting trees (``manager[c]`` = c's manager)."""
    people = list(people)
    if not people:
        return MapLayout({}, [], [], (0.0, 0.0, 0.0, 0.0))
    known = set(people)
    parent = {c: b for c, b in manager.items() if c in known and b in known and b != c}
    break_cycles(people, parent, sort_key)
    children: dict[str, list[str]] = {c: [] for c in people}
    for c, b in parent.items():
        children[b].append(c)
    for kids in children.values():
        kids.sort(key=lambda c: (bool(children[c]), sort_key(c)))
    roots = sorted((c for c in people if c not in parent), key=sort_key)
    compact = len(people) > 30
    order = post_order(roots, children)

    natural: dict[str, _Block] = {}

    def build(max_w: float) -> tuple[_Block, dict[str, _Block]]:
        # A subtree whose unwrapped block fits in ``max_w`` wraps nowhere (a block is at least as wide
        # as each block under it), so its unwrapped block is reused as it is: a try of the bisection
        # lays out again only the subtrees too wide for it.
        blocks: dict[str, _Block] = {}
        for v in order:
            fits = natural.get(v)
            blocks[v] = (fits if fits is not None and fits.w <= max_w
                         else _manager_block(v, children[v], children, blocks, m, max_w, compact))
        return _forest_block(roots, children, blocks, m, max_w, no_manager_caption), blocks

    top, blocks = build(math.inf)
    natural.update(blocks)
    if top.w > m.aspect * 1.15 * top.h:
        lo, hi = _widest_item(blocks, top, m), top.w
        best, best_score = (top, blocks), _score(top, m)
        for _ in range(16):
            mid = (lo + hi) / 2
            trial = build(mid)
            score = _score(trial[0], m)
            if score < best_score:
                best, best_score = trial, score
            if trial[0].w / trial[0].h > m.aspect:
                hi = mid
            else:
                lo = mid
            if hi - lo < 0.05:
                break
        top, blocks = best
    return _place(top, blocks, m)


def _score(block: _Block, m: Metrics) -> float:
    """How far from the target proportions, plus a little for wasted area."""
    return abs(math.log((block.w / max(block.h, 1e-6)) / m.aspect)) + 0.15 * math.log(block.w * block.h)


def _widest_item(blocks: dict[str, _Block], top: _Block, m: Metrics) -> float:
    return max([m.box_w] + [p.w for b in blocks.values() for p, _ in b.panels] + [p.w for p, _ in top.panels])


def break_cycles(people: list[str], parent: dict[str, str], sort_key: Callable[[str], Any]) -> None:
    """Reporting lines should never loop (the store refuses it); if they do, the first person of a
    loop (by sort order) becomes a root, so everyone is still drawn."""
    state: dict[str, int] = {}
    for start in sorted(people, key=sort_key):
        path: list[str] = []
        v: str | None = start
        while v is not None and v not in state:
            state[v] = 1
            path.append(v)
            v = parent.get(v)
        if v is not None and state.get(v) == 1:          # a loop closed on this walk
            loop = path[path.index(v):]
            del parent[min(loop, key=sort_key)]
        for p in path:
            state[p] = 2


def post_order(roots: list[str], children: dict[str, list[str]]) -> list[str]:
    order: list[str] = []
    stack: list[tuple[str, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        stack.append((v, True))
        stack.extend((c, False) for c in reversed(children[v]))
    return order


def _grid_panel(people: list[str], m: Metrics, caption: str | None, cols: int | None = None,
                loners: bool = False) -> tuple[Panel, list[tuple[str, Point]]]:
    n = len(people)
    cols = cols or max(1, math.ceil(n / m.panel_rows))
    rows = math.ceil(n / cols)
    top = m.panel_pad + (m.caption_h if caption else 0.0)
    w = 2 * m.panel_pad + cols * m.box_w + (cols - 1) * m.panel_gap_x
    h = top + m.panel_pad + rows * m.box_h + (rows - 1) * m.panel_gap_y
    boxes = [(c, (m.panel_pad + (i // rows) * (m.box_w + m.panel_gap_x),
                  top + (i % rows) * (m.box_h + m.panel_gap_y))) for i, c in enumerate(people)]
    return Panel(0.0, 0.0, w, h, caption, loners), boxes


@dataclass
class _Item:
    w: float
    h: float
    anchor: float                  # x of the item's top connection point, relative to its left
    child: str | None = None
    panel: tuple[Panel, list[tuple[str, Point]]] | None = None


def _rows(items: list[_Item], max_w: float, gap: float) -> list[list[_Item]]:
    rows: list[list[_Item]] = []
    width = 0.0
    for item in items:
        if rows and rows[-1] and width + gap + item.w <= max_w:
            rows[-1].append(item)
            width += gap + item.w
        else:
            rows.append([item])
            width = item.w
    return rows


def _row_width(row: list[_Item], gap: float) -> float:
    return sum(i.w for i in row) + gap * (len(row) - 1)


def _manager_block(v: str, kids: list[str], children: dict[str, list[str]], blocks: dict[str, _Block],
                   m: Metrics, max_w: float, compact: bool) -> _Block:
    if not kids:
        return _Block(m.box_w, m.box_h, (0.0, 0.0), [], [], [])
    leaves = [c for c in kids if not children[c]]
    grouped = len(leaves) >= (2 if compact else 6)
    items: list[_Item] = []
    if grouped:
        panel = _grid_panel(leaves, m, None)
        items.append(_Item(panel[0].w, panel[0].h, panel[0].w / 2, panel=panel))
    for c in kids:
        if grouped and not children[c]:
            continue
        b = blocks[c]
        items.append(_Item(b.w, b.h, (b.own[0] if b.own else 0.0) + m.box_w / 2, child=c))
    rows = _rows(items, max_w, m.gap_x)
    block = _Block(0.0, 0.0, None, [], [], [])
    cx_own: float
    if len(rows) == 1:
        row = rows[0]
        rw = _row_width(row, m.gap_x)
        width = max(m.box_w, rw)
        own_x = (width - m.box_w) / 2
        cx_own = own_x + m.box_w / 2
        y_row = m.box_h + m.gap_y
        y_bus = m.box_h + m.gap_y / 2
        x = (width - rw) / 2
        anchors = []
        for item in row:
            _put(block, item, x, y_row)
            anchors.append(x + item.anchor)
            block.segments.append(((x + item.anchor, y_bus), (x + item.anchor, y_row)))
            x += item.w + m.gap_x
        block.segments.append(((cx_own, m.box_h), (cx_own, y_bus)))
        lo, hi = min(anchors + [cx_own]), max(anchors + [cx_own])
        if hi > lo:
            block.segments.append(((lo, y_bus), (hi, y_bus)))
        block.w, block.h = width, y_row + max(i.h for i in row)
    else:
        width = max(m.box_w, m.lane + max(_row_width(r, m.gap_x) for r in rows))
        own_x = (width - m.box_w) / 2
        cx_own = own_x + m.box_w / 2
        trunk = m.lane / 2
        y_row = m.box_h + m.gap_y
        block.segments.append(((cx_own, m.box_h), (cx_own, m.box_h + m.gap_y / 2)))
        first_bus = m.box_h + m.gap_y / 2
        for r, row in enumerate(rows):
            y_bus = y_row - m.gap_y / 2
            x = m.lane
            last = trunk
            for item in row:
                _put(block, item, x, y_row)
                last = x + item.anchor
                block.segments.append(((last, y_bus), (last, y_row)))
                x += item.w + m.gap_x
            right = max(last, cx_own) if r == 0 else last
            block.segments.append(((trunk, y_bus), (right, y_bus)))
            if r:
                block.segments.append(((trunk, first_bus), (trunk, y_bus)))
            y_row += max(i.h for i in row) + m.gap_y
        block.w, block.h = width, y_row - m.gap_y
    block.own = (own_x, 0.0)
    return block


def _put(block: _Block, item: _Item, x: float, y: float) -> None:
    if item.child is not None:
        block.children.append((item.child, (x, y)))
    elif item.panel is not None:
        panel, boxes = item.panel
        block.panels.append((Panel(x, y, panel.w, panel.h, panel.caption, panel.loners),
                             [(c, (x + bx, y + by)) for c, (bx, by) in boxes]))


def _forest_block(roots: list[str], children: dict[str, list[str]], blocks: dict[str, _Block], m: Metrics,
                  max_w: float, caption: str | None) -> _Block:
    """The trees side by side (wrapped into rows at ``max_w``), loners in one captioned panel."""
    loners = [r for r in roots if not children[r]]
    trees = [r for r in roots if children[r]]
    trees.sort(key=lambda r: -blocks[r].w * blocks[r].h)       # the big trees first
    items = [_Item(blocks[r].w, blocks[r].h, 0.0, child=r) for r in trees]
    if loners:
        if trees:                                               # a wide, low strip
            cols = min(len(loners), 8)
        else:                                                   # nobody's reporting line is known
            cols = max(min(len(loners), 4), round(math.sqrt(len(loners) * m.aspect * (m.box_h + m.panel_gap_y)
                                                            / (m.box_w + m.panel_gap_x))))
        panel = _grid_panel(loners, m, caption if trees else None, cols, loners=True)
        items.append(_Item(panel[0].w, panel[0].h, 0.0, panel=panel))
    block = _Block(0.0, 0.0, None, [], [], [])
    y = 0.0
    width = 0.0
    for row in _rows(items, max_w, m.tree_gap):
        x = 0.0
        for item in row:
            _put(block, item, x, y)
            x += item.w + m.tree_gap
        width = max(width, x - m.tree_gap)
        y += max(i.h for i in row) + m.tree_gap
    block.w, block.h = width, y - m.tree_gap
    return block


def _place(top: _Block, blocks: dict[str, _Block], m: Metrics) -> MapLayout:
    """Absolute box centres, top-down from the forest's block at (0, 0)."""
    layout = MapLayout({}, [], [], (0.0, 0.0, top.w, top.h))
    m_box: dict[str, Point] = {}
    stack: list[tuple[_Block, Point]] = [(top, (0.0, 0.0))]
    while stack:
        block, (ox, oy) = stack.pop()
        for (a, b) in block.segments:
            layout.segments.append(((ox + a[0], oy + a[1]), (ox + b[0], oy + b[1])))
        for panel, boxes in block.panels:
            layout.panels.append(Panel(ox + panel.x, oy + panel.y, panel.w, panel.h, panel.caption, panel.loners))
            for c, (bx, by) in boxes:
                m_box[c] = (ox + bx, oy + by)
        for c, (cx, cy) in block.children:
            child = blocks[c]
            origin = (ox + cx, oy + cy)
            assert child.own is not None
            m_box[c] = (origin[0] + child.own[0], origin[1] + child.own[1])
            stack.append((child, origin))
    layout.pos = {c: (x + m.box_w / 2, y + m.box_h / 2) for c, (x, y) in m_box.items()}
    return layout


# ---------------------------------------------------------------------------------------- side columns


def side_column(wanted: dict[str, float], top: float, m: Metrics) -> dict[str, float]:
    """Centre y for each box of a side column: as near its wanted y (the mean of whom it is linked to)
    as it can be without overlapping, and not above ``top``.

    >>> side_column({"a": 1.0, "b": 1.1, "c": 5.0}, 0.0, Metrics())
    {'a': 1.0, 'b': 2.08, 'c': 5.0}
    """
    step = m.box_h + m.side_gap_y
    placed: dict[str, float] = {}
    y = top + m.box_h / 2 - step
    for node, want in sorted(wanted.items(), key=lambda kv: (kv[1], kv[0])):
        y = max(want, y + step, top + m.box_h / 2)
        placed[node] = round(y, 6)
    return placed


# ---------------------------------------------------------------------------------------- the whole map

LEVELS = ("executive", "vp", "director", "manager", "staff")


def chart_order(model: MapModel) -> Callable[[str], tuple[int, str, str, str]]:
    """The order of people on the chart: by level, department, name."""

    def key(c: str) -> tuple[int, str, str, str]:
        p = model.contacts[c]
        return (LEVELS.index(p.level) if p.level in LEVELS else len(LEVELS), p.department, p.name, c)

    return key


def layout_map(model: MapModel, m: Metrics | None = None, *, undrawn: bool = False) -> MapLayout:
    """Positions for every node of the map: the org chart, the team column on the left, the competitor
    column on the right, and (``undrawn``) a column further right for the nodes the image does not draw
    (the account, opportunities, unlinked team members and competitors), so graph files place every
    node."""
    contacts = model.contacts
    m = m or (COMPACT if len(contacts) > 60 else METRICS)

    layout = org_chart(list(contacts), model.manager, chart_order(model), m, word("no_manager", model.lang))
    layout.metrics = m
    x0, y0, x1, _ = layout.chart
    top = y0
    linked: dict[str, list[float]] = {}
    for line in model.lines:
        if line.source in model.team and line.target in layout.pos:
            linked.setdefault(line.source, []).append(layout.pos[line.target][1])
        elif line.type == "FAVORS" and line.source in layout.pos:
            linked.setdefault(line.target, []).append(layout.pos[line.source][1])
    if model.team:
        layout.team_x = x0 - m.side_gap - m.box_w / 2
        wanted = {t: sum(linked[t]) / len(linked[t]) for t in model.team if t in linked}
        # A team member with no line on this map goes below those with one, so as not to push them away
        # from whom they cover.
        last = max(wanted.values()) + 1e-3 if wanted else top
        wanted.update({t: last for t in model.team if t not in linked})
        for t, y in side_column(wanted, top, m).items():
            layout.pos[t] = (layout.team_x, y)
    right = x1
    if model.competitors:
        layout.competitor_x = x1 + m.side_gap + m.box_w / 2
        right = layout.competitor_x + m.box_w / 2
        wanted = {c: sum(linked.get(c, [top])) / len(linked.get(c, [top])) for c in model.competitors}
        for c, y in side_column(wanted, top, m).items():
            layout.pos[c] = (layout.competitor_x, y)
    if not undrawn:
        return layout
    others = [n for n in model.graph.nodes if n not in layout.pos]
    kinds = ("account", "opportunity", "team_member", "competitor", "contact")
    others.sort(key=lambda n: (kinds.index(model.graph.nodes[n].get("kind", "contact"))
                               if model.graph.nodes[n].get("kind") in kinds else len(kinds), str(n)))
    x = right + m.side_gap + m.box_w / 2
    for i, n in enumerate(others):
        layout.extra[n] = (x, top + m.box_h / 2 + i * (m.box_h + m.side_gap_y))
    return layout
