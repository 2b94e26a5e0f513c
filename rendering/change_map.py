"""The change map: the account's map as it stands at the end of a period, with what changed since its
start marked on it — new people (green frame), departures (red frame; the map already strikes them
through), stance moves (blue frame and an arrow under the name: 中立 → 支持者), new lines (green
dashes) and lost lines (red dots, between the people as they stand now), with a legend of the marks.
Its lines are routed around the boxes as the map's own are, and it shows the people the same focus
(scope, department, around, depth) shows on the map.

It draws on the same page as every map (``rendering.draw.map_page``) and adds the marks on top, so the
map itself is exactly the map of ``rendering``; the changes come from ``scoring.changes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

import networkx as nx

from rendering import scene
from rendering.draw import MARGIN, TITLE_H, Frame, MapPage, box_rects, map_page, text_width
from rendering.focus import Focus, focused, validate
from rendering.labels import lang_of, stance_label
from rendering.model import MapError, build_map
from rendering.routing import CORNER, SLACK, Rect, Router
from rendering.scene import Point
from scoring.changes import Change, ChangeList
from scoring.options import ScoringOptions
from scoring.rules import drawn_ends
from scoring.texts import say

FORMATS: Final = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# Frames and marks chosen apart from the map's own colours (stances, gap frames in red, ally dashes in
# green): a highlighter band for new lines, brown dots for lost ones.
NEW: Final = "#00a152"
NEW_LINE: Final = "#00e676"
GONE: Final = "#6d4c41"
MOVED: Final = "#1565c0"
LINE_KINDS: Final = ("line_added", "line_removed", "coverage_gained", "coverage_lost")
MARKS: Final = 20.0           # the marks' layer: above everything the map draws

LEGEND: Final = {
    "title": {"en": "Changes since {since}", "zh-CN": "自{since}以来的变化"},
    "joined": {"en": "new on the map", "zh-CN": "新出现"},
    "left": {"en": "left / removed", "zh-CN": "离职 / 移除"},
    "stance": {"en": "stance moved (old → new)", "zh-CN": "立场变化（原 → 现）"},
    "added": {"en": "new line or coverage", "zh-CN": "新增关系或覆盖"},
    "removed": {"en": "lost line or coverage", "zh-CN": "消失的关系或覆盖"},
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
    model = build_map(after, opportunity_id=opportunity_id, redacted=redact, lang=lang, today=today,
                      options=options, roster=team)
    focus = validate(model, focus or Focus())
    lang = lang_of(model.lang)
    joined = {c.contact_id for c in changes.changes if c.kind == "joined" and c.contact_id}
    gone = {c.contact_id for c in changes.changes if c.kind in ("left", "removed") and c.contact_id}
    stance: dict[str, str] = {}
    for c in changes.changes:
        if (c.kind == "stance_changed" and c.contact_id and c.contact_id in model.contacts
                and (opportunity_id is None or c.opportunity_id == opportunity_id)):
            stance[c.contact_id] = f"{stance_label(str(c.before), lang)} → {stance_label(str(c.after), lang)}"
    for contact, text in stance.items():
        model.contacts[contact].note = text
    # A change map is one page: for everyone page by page, the plain map's PDF (without since).
    shown = focused(model, focus, pdf_hint="hint.pdf_no_changes")
    from rendering.layout import layout_map

    layout = layout_map(shown)
    page, dpi = map_page(shown, layout)
    rects = box_rects(shown, layout)
    f = page.map
    for people, colour in ((joined, NEW), (gone, GONE), (set(stance), MOVED)):
        for person in people:
            if person in rects:
                x0, y0, x1, y1 = rects[person]
                f.box(MARKS + 0.1, x0 - 0.06, y0 - 0.06, x1 - x0 + 0.12, y1 - y0 + 0.12, radius=0.08, stroke=colour,
                      width=2.6, group="changed-people")
    for change, points in _routed_changes(changes, page, rects):
        added = change.kind in ("line_added", "coverage_gained")
        f.line(MARKS, points, NEW_LINE if added else GONE, 8.0 if added else 3.0, dash="-" if added else ":",
               alpha=0.45 if added else 0.9, group="changed-lines", radius=CORNER)
    _legend(page.scene, f.s, lang, since_label)
    if fmt == "png":
        return scene.png(page.scene, dpi)
    if fmt == "svg":
        return scene.svg(page.scene)
    return scene.pdf([page.scene], model.account_name)


def _routed_changes(changes: ChangeList, page: MapPage, rects: dict[str, Rect]) -> list[tuple[Change, list[Point]]]:
    """The changed lines between people drawn, each along a route around the boxes: a line the map draws
    is marked along the map's own route; any other (a lost line, one the map left out) is routed as the
    map routes its lines, around the boxes and the column headers."""
    drawn = {(line.type, route.source, route.target): route.points for line, route in page.routes}
    router: Router | None = None
    out: list[tuple[Change, list[Point]]] = []
    for change in changes.changes:
        if change.kind not in LINE_KINDS or change.source not in rects or change.target not in rects:
            continue
        a, b = drawn_ends(change.entity_type, change.source, change.target)
        if a == b:
            continue
        points = drawn.get((change.entity_type, a, b))
        if points is None:
            router = router or Router(rects, page.obstacles, slack=SLACK)
            route = router.route(a, b)
            if route is None:
                continue
            points = route.points
        out.append((change, list(points)))
    return out


def _legend(page: scene.Scene, s: float, lang: str, since_label: str) -> None:
    """The marks' legend, in the page's top right corner under the title."""
    entries: list[tuple[str, str, float, str, float]] = [       # kind, colour, width, dash, alpha
        ("frame", NEW, 2, "-", 1.0), ("frame", GONE, 2, "-", 1.0), ("frame", MOVED, 2, "-", 1.0),
        ("line", NEW_LINE, 7, "-", 0.45), ("line", GONE, 2.5, ":", 0.9)]
    labels = [_word(k, lang) for k in ("joined", "left", "stance", "added", "removed")]
    title = _word("title", lang, since=since_label)
    width = max(text_width(t, 9) for t in [*labels, title]) + 1.0
    height = 0.45 + 0.26 * len(entries)
    page_w = page.width / s
    f = Frame(page, page_w - MARGIN - width, TITLE_H + 0.1, s)
    f.box(MARKS + 1, 0, 0, width, height, radius=0.06, fill="#ffffff", stroke="#b0bec5", width=0.8, alpha=0.95)
    f.text(MARKS + 2, 0.15, 0.22, title, 9.5, "#263238")
    for i, ((kind, colour, lw, dash, alpha), label) in enumerate(zip(entries, labels, strict=True)):
        y = 0.5 + 0.26 * i
        if kind == "frame":
            f.box(MARKS + 2, 0.15, y - 0.08, 0.45, 0.16, stroke=colour, width=lw)
        else:
            f.line(MARKS + 2, [(0.15, y), (0.6, y)], colour, lw, dash=dash, alpha=alpha)
        f.text(MARKS + 2, 0.75, y, label, 9, "#263238")
