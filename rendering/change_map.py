"""The change map: the account's map as it stands at the end of a period, with what changed since its
start marked on it — new people (green frame), departures (brown frame; the map already strikes them
through), stance moves (blue frame and an arrow under the name: 中立 → 支持者), new lines (a green
highlighter band), re-weighted lines (a yellow band, with "0.4 → 0.7" on it) and lost lines (brown dots,
between the people as they stand now), with a legend of the marks where it covers nothing. What it
cannot mark — a person, team member or competitor deleted in the period, and their lost lines — the
legend lists under the marks (at most ``LISTED``, then how many more), with a count of the changes
outside the people shown: the image says what it left out.
Its lines are routed around the boxes as the map's own are — a marked line keeping room for its band
from every box and badge (``WIDE``) — and it shows the people the same focus (scope, department,
around, depth) shows on the map.

It draws on the same page as every map (``rendering.draw.map_page``) and adds the marks on top, so the
map itself is the map of ``rendering``, but for the routes of the lines it marks; the changes come from
``scoring.changes``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import networkx as nx
import numpy as np

from rendering import scene
from rendering.draw import MARGIN, Frame, MapPage, box_rects, fit, map_page, text_width
from rendering.focus import Focus, focused, validate
from rendering.labels import lang_of, stance_label
from rendering.model import MapError, MapModel, build_map
from rendering.routing import CORNER, Rect
from rendering.scene import Point
from scoring.changes import Change, ChangeList
from scoring.options import ScoringOptions
from scoring.rules import drawn_ends
from scoring.texts import say

FORMATS: Final = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# Frames and marks chosen apart from the map's own colours (stances, gap frames in red, ally dashes in
# green): a highlighter band for new lines, a yellow one for re-weighted lines, brown dots for lost ones.
NEW: Final = "#00a152"
NEW_LINE: Final = "#00e676"
REWEIGHTED: Final = "#ffd600"
GONE: Final = "#6d4c41"
MOVED: Final = "#1565c0"
ADDED_KINDS: Final = ("line_added", "coverage_gained", "line_moved_in")
REWEIGHTED_KINDS: Final = ("line_reweighted", "closeness_changed")
LINE_KINDS: Final = ("line_added", "line_removed", "coverage_gained", "coverage_lost", "line_moved_in", "line_moved_out",
                     *REWEIGHTED_KINDS)
# New on the map (a green frame) and gone from it (brown): people who moved in from another account or
# out to one are marked as those who joined or left are (their texts say where from, where to).
ARRIVED_KINDS: Final = ("joined", "moved_in")
GONE_KINDS: Final = ("left", "removed", "moved_out")
# The changes the map marks on someone's box (a competitor dropped: the box it no longer has).
PEOPLE_KINDS: Final = (*ARRIVED_KINDS, *GONE_KINDS, "stance_changed", "competitor_dropped")
LISTED: Final = 8             # changes the legend lists that the map could not mark
LISTED_PT: Final = 8.0
LISTED_WIDTH: Final = 4.2     # inches a listed change may take (cut with an ellipsis beyond)
MARKS: Final = 20.0           # the marks' layer: above everything the map draws
BAND: Final = 8.0             # points: a highlighter band's width
# A marked line keeps this much from every box and badge it passes (inches, to its middle): how far a
# box's frames reach outside it (a change frame, a gap ring: 0.08), half the band, and a margin of 0.04
# — where the map's lines keep rendering.routing.CLEARANCE (0.09).
WIDE: Final = 0.08 + BAND / 144.0 + 0.04

LEGEND: Final = {
    "title": {"en": "Changes since {since}", "zh-CN": "自{since}以来的变化"},
    "joined": {"en": "new on the map / moved in", "zh-CN": "新出现 / 调入"},
    "left": {"en": "left / removed / moved out", "zh-CN": "离职 / 移除 / 调出"},
    "stance": {"en": "stance moved (old → new)", "zh-CN": "态度变化（原 → 现）"},
    "added": {"en": "new line or coverage", "zh-CN": "新增关系或覆盖"},
    "removed": {"en": "lost line or coverage", "zh-CN": "消失的关系或覆盖"},
    "reweighted": {"en": "line re-weighted (old → new)", "zh-CN": "关系强度变化（原 → 现）"},
    "deleted": {"en": "Not drawn — no longer on the map:", "zh-CN": "未画出（已不在地图上）："},
    "more": {"en": "… and {n} more (see the change list)", "zh-CN": "……另有{n}项（见变化列表）"},
    "outside": {"en": "{n} more change(s) outside the people shown", "zh-CN": "另有{n}项变化不在所示人员范围内"},
    "stances": {"en": "stance moved on {n} deals", "zh-CN": "{n}个商机上态度有变"},
}


def _word(key: str, lang: str, **kw: str) -> str:
    return say(LEGEND, key, lang, **kw)


def render_change_map(after: nx.MultiDiGraph, changes: ChangeList, fmt: str, *, since_label: str,
                      opportunity_id: str | None = None, redact: bool = False, lang: str | None = None,
                      today: dt.date | None = None, options: ScoringOptions | None = None,
                      team: Iterable[Mapping[str, Any]] | None = None, focus: Focus | None = None) -> bytes:
    """The map of ``after`` with ``changes`` (``scoring.changes.what_changed``) marked, as PNG, SVG or
    a one-page PDF. ``since_label`` names the start of the period in the legend; ``team``: our roster;
    ``focus``: the people shown, as on any map (``MapError`` naming the parameter when it cannot be
    served). The marks' lines are routed around the boxes as the map's own lines are."""
    if fmt not in FORMATS:
        raise MapError(f"a change map is drawn as {', '.join(FORMATS)}, not {fmt!r}", ["query", "format"])
    page, dpi, model = change_page(after, changes, since_label=since_label, opportunity_id=opportunity_id,
                                   redact=redact, lang=lang, today=today, options=options, team=team, focus=focus)
    if fmt == "png":
        return scene.png(page.scene, dpi)
    if fmt == "svg":
        return scene.svg(page.scene)
    return scene.pdf([page.scene], model.account_name)


def change_page(after: nx.MultiDiGraph, changes: ChangeList, *, since_label: str, opportunity_id: str | None = None,
                redact: bool = False, lang: str | None = None, today: dt.date | None = None,
                options: ScoringOptions | None = None, team: Iterable[Mapping[str, Any]] | None = None,
                focus: Focus | None = None) -> tuple[MapPage, float, MapModel]:
    """The change map's page (``render_change_map``), its dpi and the map it shows.

    Every changed line is marked along a route that keeps ``WIDE`` from every box and badge: a line the
    map draws is routed so (first, before the map's other lines), and the mark follows it; a lost line is
    routed by the same router, so no line runs under a mark and no two lines share their end."""
    model = build_map(after, opportunity_id=opportunity_id, redacted=redact, lang=lang, today=today,
                      options=options, roster=team)
    focus = validate(model, focus or Focus())
    lang = lang_of(model.lang)
    joined = {c.contact_id for c in changes.changes if c.kind in ARRIVED_KINDS and c.contact_id}
    gone = {c.contact_id for c in changes.changes if c.kind in GONE_KINDS and c.contact_id}
    moves: dict[str, list[Change]] = {}
    for c in changes.changes:
        if (c.kind == "stance_changed" and c.contact_id and c.contact_id in model.contacts
                and (opportunity_id is None or c.opportunity_id == opportunity_id)):
            moves.setdefault(c.contact_id, []).append(c)
    # Under the name: the move (old → new), or, when the stance moved on several deals (no deal chosen),
    # how many (the change list says which).
    stance = {contact: f"{stance_label(str(cs[0].before), lang)} → {stance_label(str(cs[0].after), lang)}"
              if len(cs) == 1 else _word("stances", lang, n=str(len(cs))) for contact, cs in moves.items()}
    for contact, text in stance.items():
        model.contacts[contact].note = text
    # A change map is one page: for everyone page by page, the plain map's PDF (without since).
    shown = focused(model, focus, pdf_hint="hint.pdf_no_changes")
    from rendering.layout import layout_map

    layout = layout_map(shown)
    marked = {_key(c) for c in changes.changes if c.kind in LINE_KINDS and c.source and c.target}
    page, dpi = map_page(shown, layout, wide=marked, wide_clearance=WIDE)
    rects = box_rects(shown, layout)
    f = page.map
    for people, colour in ((joined, NEW), (gone, GONE), (set(stance), MOVED)):
        for person in people:
            if person in rects:
                x0, y0, x1, y1 = rects[person]
                f.box(MARKS + 0.1, x0 - 0.06, y0 - 0.06, x1 - x0 + 0.12, y1 - y0 + 0.12, radius=0.08, stroke=colour,
                      width=2.6, group="changed-people")
    taken = [(x0 - 0.1, y0 - 0.1, x1 + 0.1, y1 + 0.1) for x0, y0, x1, y1 in rects.values()]
    taken += [*page.badges, *page.obstacles]
    routed = _routed_changes(changes, page, rects)
    marked_changes = {id(c) for c, _ in routed}
    marked_changes |= {id(c) for c in changes.changes if c.kind in PEOPLE_KINDS and c.contact_id in rects
                       and (c.kind != "stance_changed" or c.contact_id in stance)}
    gone_records, outside = _not_marked(changes, marked_changes, after, opportunity_id)
    for change, points in routed:
        if change.kind in ADDED_KINDS:
            f.line(MARKS, points, NEW_LINE, BAND, alpha=0.45, group="changed-lines", radius=CORNER)
        elif change.kind in REWEIGHTED_KINDS:
            f.line(MARKS + 0.2, points, REWEIGHTED, BAND, alpha=0.5, group="reweighted-lines", radius=CORNER)
            _weight_label(f, points, f"{_number(change.before)} → {_number(change.after)}", taken)
        else:
            f.line(MARKS, points, GONE, 3.0, dash=":", alpha=0.9, group="changed-lines", radius=CORNER)
    _legend(page, lang, since_label, gone_records, outside)
    return page, dpi, model


def _not_marked(changes: ChangeList, marked: set[int], after: nx.MultiDiGraph,
                opportunity_id: str | None) -> tuple[list[str], int]:
    """The changes of the kinds the map marks that it did not: the texts of those about a record deleted
    in the period or moved away (a person, team member or competitor no longer on the map, a line of
    theirs), and how
    many others are about people outside those shown."""
    deleted: list[str] = []
    outside = 0
    for c in changes.changes:
        if c.kind not in (*PEOPLE_KINDS, *LINE_KINDS) or id(c) in marked:
            continue
        if c.kind == "stance_changed" and opportunity_id is not None and c.opportunity_id != opportunity_id:
            continue
        ends = [e for e in (c.contact_id, c.source, c.target, c.entity_id if c.entity_type == "competitor" else None)
                if e is not None]
        if c.kind in ("removed", "moved_out", "competitor_dropped") or any(e not in after for e in ends):
            deleted.append(c.text)
        else:
            outside += 1
    return deleted, outside


def _key(change: Change) -> tuple[str, str, str]:
    """A changed line's type and its ends as the map draws them (``rendering.draw.line_key``)."""
    a, b = drawn_ends(change.entity_type, str(change.source), str(change.target))
    return change.entity_type, a, b


def _number(value: Any) -> str:
    """A weight as the change list writes it: 0.4, 0.75, 1."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "—" if value is None else str(value)


def _routed_changes(changes: ChangeList, page: MapPage, rects: dict[str, Rect]) -> list[tuple[Change, list[Point]]]:
    """The changed lines between people drawn, each along a route around the boxes: a line the map draws
    is marked along the map's own route (routed wide for its mark); any other (a lost line, one the map
    left out) is routed wide by the map's own router, after the map's lines."""
    drawn = {(line.type, route.source, route.target): route.points for line, route in page.routes}
    out: list[tuple[Change, list[Point]]] = []
    for change in changes.changes:
        if change.kind not in LINE_KINDS or change.source not in rects or change.target not in rects:
            continue
        key = _key(change)
        if key[1] == key[2]:
            continue
        points = drawn.get(key)
        if points is None and change.kind in REWEIGHTED_KINDS:
            continue                               # a line the map left out: nothing to mark it on
        if points is None and page.router is not None:
            route = page.router.route(key[1], key[2], wide=True) or page.router.route(key[1], key[2])
            if route is None:
                continue
            points = route.points
        if points is not None:
            out.append((change, list(points)))
    return out


def _weight_label(f: Frame, points: list[Point], text: str, taken: list[Rect]) -> None:
    """``text`` ("0.4 → 0.7") on a pill on the line, where it covers no box, badge, header or earlier
    label (``taken``, layout inches; the label's own is added): along its longest runs first."""
    size, pad = 7.5, 0.06
    hw, hh = text_width(text, size) / 2 + pad + 0.03, size / 72.0 * 1.45 / 2 + 0.03     # the pill, and room
    runs = sorted(itertools.pairwise(points), key=lambda r: -abs(r[1][0] - r[0][0]) - abs(r[1][1] - r[0][1]))
    spot: Point | None = None
    for (ax, ay), (bx, by) in runs:
        for t in (0.5, 0.35, 0.65, 0.2, 0.8):
            x, y = ax + (bx - ax) * t, ay + (by - ay) * t
            rect = (x - hw, y - hh, x + hw, y + hh)
            if not any(_overlap(rect, other) for other in taken):
                spot = (x, y)
                break
        if spot is not None:
            break
    if spot is None:                                  # nowhere free: the middle of the longest run
        (ax, ay), (bx, by) = runs[0]
        spot = ((ax + bx) / 2, (ay + by) / 2)
    x, y = spot
    taken.append((x - hw, y - hh, x + hw, y + hh))
    f.badge(MARKS + 0.5, x, y, text, size, "#4e3b00", "#fff8c5", anchor="middle", stroke="#c7a500", pad=pad)
    f.scene.groups[MARKS + 0.5] = "reweighted-labels"


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------------------------------- legend

CELL: Final = 0.1             # inches: the grid the legend's place is looked for on
ROOM: Final = 0.1             # inches between the legend and anything else on the page


def _legend(page: MapPage, lang: str, since_label: str, deleted: Sequence[str] = (), outside: int = 0) -> None:
    """The marks' legend where it covers nothing the page draws: the free place nearest the page's top
    right corner under the title (``legend_place``), else a band opened for it under the title. Under the
    marks: the changes ``deleted`` the map could not mark (at most ``LISTED``), and how many changes are
    ``outside`` the people shown."""
    entries: list[tuple[str, str, float, str, float]] = [       # kind, colour, width, dash, alpha
        ("frame", NEW, 2, "-", 1.0), ("frame", GONE, 2, "-", 1.0), ("frame", MOVED, 2, "-", 1.0),
        ("line", NEW_LINE, 7, "-", 0.45), ("line", REWEIGHTED, 7, "-", 0.5), ("line", GONE, 2.5, ":", 0.9)]
    labels = [_word(k, lang) for k in ("joined", "left", "stance", "added", "reweighted", "removed")]
    title = _word("title", lang, since=since_label)
    listed = [fit(f"• {t}", LISTED_PT, LISTED_WIDTH) for t in deleted[:LISTED]]
    if len(deleted) > LISTED:
        listed.append(_word("more", lang, n=str(len(deleted) - LISTED)))
    if listed:
        listed.insert(0, _word("deleted", lang))
    if outside:
        listed.append(_word("outside", lang, n=str(outside)))
    step = LISTED_PT / 72.0 * 1.5
    width = max([text_width(t, 9) + 1.0 for t in [*labels, title]] + [text_width(t, LISTED_PT) + 0.3 for t in listed])
    height = 0.45 + 0.26 * len(entries) + (step * len(listed) + 0.08 if listed else 0.0)
    s = page.map.s
    spot = legend_place(page.scene, s, width, height, page.top)
    if spot is None:                                   # no room anywhere: a band of its own
        page.scene.shift(page.top * s, (height + 2 * ROOM) * s)
        page.map.oy += height + 2 * ROOM
        spot = (page.scene.width / s - MARGIN - width, page.top + ROOM)
    f = Frame(page.scene, spot[0], spot[1], s)
    f.box(MARKS + 1, 0, 0, width, height, radius=0.06, fill="#ffffff", stroke="#b0bec5", width=0.8, alpha=0.95,
          group="change-legend")
    f.text(MARKS + 2, 0.15, 0.22, title, 9.5, "#263238", group="change-legend-items")
    for i, ((kind, colour, lw, dash, alpha), label) in enumerate(zip(entries, labels, strict=True)):
        y = 0.5 + 0.26 * i
        if kind == "frame":
            f.box(MARKS + 2, 0.15, y - 0.08, 0.45, 0.16, stroke=colour, width=lw)
        else:
            f.line(MARKS + 2, [(0.15, y), (0.6, y)], colour, lw, dash=dash, alpha=alpha)
        f.text(MARKS + 2, 0.75, y, label, 9, "#263238")
    y = 0.5 + 0.26 * len(entries) + 0.02
    for i, line in enumerate(listed):
        f.text(MARKS + 2, 0.15, y + step * i, line, LISTED_PT, GONE if i == 0 and deleted else "#263238",
               group="change-legend-left-out")


def legend_place(page: scene.Scene, s: float, width: float, height: float, top: float) -> Point | None:
    """Where a ``width`` × ``height`` box (inches, before the page's scale ``s``) covers nothing on the
    page and keeps ROOM from it, below ``top`` and within the page's margins: the top left corner of the
    free place nearest the top right corner under the title; None when there is none.

    Everything the page draws is marked on a grid of CELL inches, and the free places are read off its
    running sums at once."""
    cols, rows = int(page.width / s / CELL) + 1, int(page.height / s / CELL) + 1
    marks = np.zeros((rows + 1, cols + 1))
    boxes = np.asarray([r for _, shapes in page.ordered() for shape in shapes for r in scene.footprint(shape)[1:]
                        or scene.footprint(shape)], dtype=float).reshape(-1, 4) / s
    if len(boxes):
        x0 = np.clip(np.floor((boxes[:, 0] - ROOM) / CELL), 0, cols).astype(int)
        y0 = np.clip(np.floor((boxes[:, 1] - ROOM) / CELL), 0, rows).astype(int)
        x1 = np.clip(np.ceil((boxes[:, 2] + ROOM) / CELL), 0, cols).astype(int)
        y1 = np.clip(np.ceil((boxes[:, 3] + ROOM) / CELL), 0, rows).astype(int)
        corners = np.concatenate([y0 * (cols + 1) + x0, y1 * (cols + 1) + x1, y0 * (cols + 1) + x1,
                                  y1 * (cols + 1) + x0])
        signs = np.repeat([1.0, -1.0], 2 * len(boxes))
        marks += np.bincount(corners, signs, marks.size).reshape(marks.shape)
    covered = marks.cumsum(0).cumsum(1)[:rows, :cols] > 0.5
    sums = np.zeros((rows + 1, cols + 1))
    sums[1:, 1:] = covered.cumsum(0).cumsum(1)
    w, h = int(np.ceil(width / CELL)), int(np.ceil(height / CELL))
    first_row, first_col = int(np.ceil(top / CELL)), int(np.ceil(MARGIN / CELL))
    last_row, last_col = rows - h - 1, int((page.width / s - MARGIN) / CELL) - w
    if last_row < first_row or last_col < first_col:
        return None
    r = np.arange(first_row, last_row + 1)[:, None]
    c = np.arange(first_col, last_col + 1)[None, :]
    inside = sums[r + h, c + w] - sums[r, c + w] - sums[r + h, c] + sums[r, c]
    free = np.argwhere(inside < 0.5)
    if not len(free):
        return None
    # nearest the top right: rows down plus columns left of the last column
    best = free[np.argmin(free[:, 0] + (last_col - first_col - free[:, 1]))]
    return float((first_col + best[1]) * CELL), float((first_row + best[0]) * CELL)
