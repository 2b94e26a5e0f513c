"""The map as an image (PNG, SVG, or a page of the PDF): a :class:`rendering.scene.Scene` of boxes, lines
and labels, painted by cairo (PNG, PDF) or written as SVG (``rendering.scene``).

Everything is measured in inches on the page: the layout's units. A map too large for ``MAX_SIDE``
inches is scaled down as a whole, fonts included, so its proportions never change. Relationship lines
follow the routes of ``rendering.routing``: around boxes, never under them.

User text is never read as markup or math: every label passes through ``rendering.safe.display_text``,
and the painters draw text as text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from rendering import fonts, scene
from rendering.labels import (
    COMPETITOR_COLOURS,
    GAP_COLOUR,
    LEFT_COLOURS,
    LINE_STYLES,
    PANEL_COLOURS,
    ROLE_SHORT,
    STANCE_COLOURS,
    STANCE_MARKS,
    STANCES,
    TEAM_COLOURS,
    badge,
    interest_badge,
    role_label,
    stance_label,
    word,
)
from rendering.layout import MapLayout, Metrics
from rendering.model import Gap, Line, MapModel, Person
from rendering.routing import CORNER, GREED, MAX_LANES, PORTS, SLACK, Rect, Route, Router
from rendering.safe import display_text
from rendering.scene import DASHES, Anchor, Box, Circle, Point, Polygon, Scene, Text, blend
from scoring.budget import checkpoint
from scoring.rules import drawn_ends

MIN_WIDTH = 12.0          # inches: with the PNG's dpi, at least 1,200 px wide
MAX_SIDE = 44.0           # inches: larger maps are scaled down as a whole
MARGIN = 0.45
TITLE_H = 1.0
NOTICE_H = 0.3            # a line of "what was left out" under the title
ROW_H = 0.27              # a legend or gap-list row
ARROW = 0.13              # arrowhead length, inches
MARK_SIZE = 8.5           # points: a stance mark (``STANCE_MARKS``) on its pill
MARK_PAD = 0.05           # inches either side of it
TITLE_COLOUR = "#434d57"  # a box's second line: 4.5:1 or more on every stance's fill

DIRECTED = ("INFLUENCES", "PROMOTED_BY", "REPORTS_TO_SECONDARY", "FAVORS")
# Layers of a map page, bottom to top.
PANELS, REPORTS, LINES, HEADS, RINGS, BOXES, DOTS, LABELS, STRIKES, BADGES, BADGE_LABELS, PAGE = (
    0.5, 1.0, 2.0, 2.1, 2.9, 3.0, 3.5, 4.0, 4.1, 5.0, 6.0, 10.0)


@dataclass(frozen=True)
class PageStyle:
    """How a map page is drawn (``map_page``). ``EVERY_MAP`` is every map's (the API's images, the PDF, the
    exports); the review deck's map (``rendering.deck.MAP_STYLE``) is shown at about two thirds of its size
    under the slide's own title: no title of its own, no gap list (the deck has a gap slide, so the gap
    rings carry no numbers), the legend in a block at the top left (the top right stays free for a change
    map's legend), the texts in the boxes larger (the boxes keep their size and place, so the layout and
    the lines are the map's), the page padded to the slide's picture box, and what it left out said to a
    meeting (how many people are not drawn, that the PDF export has everyone) rather than how to ask the API."""

    gap_list: bool = True              # the numbered gap list under the map, and the numbers on the rings
    title: bool = True                 # the title lines (account, opportunity, as of); else what it left out only
    top_legend: bool = False           # the legend alone (no gap list, no role key) in a block at the top left
    text: float = 1.0                  # the boxes' texts, their badges, the column headers and the legend, scaled
    aspect: float | None = None        # the page padded to this width / height, the map centred
    meeting: bool = False              # read by a meeting, not an API user: notices in its words, no queries


EVERY_MAP = PageStyle()
_page_style: ContextVar[PageStyle] = ContextVar("map_page_style", default=EVERY_MAP)


@contextmanager
def page_style(style: PageStyle) -> Iterator[None]:
    """Every map page drawn within the block is drawn with ``style`` (``map_page``'s default): for a caller
    that draws through ``rendering.render_map`` or ``rendering.change_map.render_change_map``, which take
    no style of their own. Context-local: other threads and requests keep theirs."""
    token = _page_style.set(style)
    try:
        yield
    finally:
        _page_style.reset(token)


def style_in_effect() -> PageStyle:
    """The page style a map drawn now is drawn with (``page_style``)."""
    return _page_style.get()


def text_width(text: str, size: float) -> float:
    """The width in inches of ``text`` at ``size`` points, from the map font's own metrics."""
    return fonts.text_width(text, size)


def fit(text: str, size: float, width: float) -> str:
    """``text`` (made safe for display) cut with an ellipsis to fit ``width`` inches.

    >>> fit("Resident application engineer (Tianjin)", 7.5, 1.6)
    'Resident application engineer…'
    >>> fit("$\\\\frac{1}{2}$ <script>", 10, 3)
    '$\\\\frac{1}{2}$ <script>'
    """
    text = display_text(text)
    if text_width(text, size) <= width:
        return text
    ems = list(itertools.accumulate(fonts.char_widths(text), initial=0.0))
    ellipsis = fonts.char_widths("…")[0]
    keep = len(text)                    # the longest head that fits with the ellipsis after it
    while keep and (ems[keep] + ellipsis) * size / 72.0 > width:
        keep -= 1
    return text[:keep].rstrip(" ([{（【,，·-/") + "…"


# Chinese (and Japanese, Korean) text breaks between any two of its characters; a line never starts with
# closing punctuation nor ends with opening punctuation (the rule of 避头尾 / kinsoku).
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x20000, 0x2FFFF))
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉〗｝］’”…‥·・ー%‰,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈〖｛［‘“([{")


def is_cjk(ch: str) -> bool:
    """Whether ``ch`` is a Chinese, Japanese or Korean character or full-width punctuation: text may break
    before and after it."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _pieces(text: str, size: float, width: float) -> list[str]:
    """``text`` cut into the pieces a line may break between, spaces kept as pieces of their own. Mainly
    English text: its words (a Chinese name among them one word). Mainly Chinese text: each character,
    each run of Latin words (a name like "David Ng", an English title) as one piece where it fits a line,
    else each Latin word; punctuation kept with the character it follows (a closing mark) or precedes (an
    opening one)."""
    cjk = sum(1 for ch in text if is_cjk(ch))
    if 2 * cjk < sum(1 for ch in text if not ch.isspace() and not is_cjk(ch)) or not cjk:
        return re.findall(r"\s+|\S+", text)
    merged: list[str] = []                       # Chinese characters alone, Latin words whole, spaces
    for atom in re.findall(r"\s+|\S", text):
        if (merged and not atom.isspace() and not is_cjk(atom) and not merged[-1].isspace()
                and not is_cjk(merged[-1][-1])):
            merged[-1] += atom
        else:
            merged.append(atom)
    phrases: list[str] = []                      # runs of Latin words joined where they fit a line
    for atom in merged:
        joinable = (len(phrases) >= 2 and phrases[-1] == " " and not atom.isspace() and not is_cjk(atom[0])
                    and atom[0] not in NO_LINE_START and not phrases[-2].isspace() and not is_cjk(phrases[-2][-1]))
        if joinable and text_width(phrases[-2] + " " + atom, size) <= width:
            phrases[-2:] = [phrases[-2] + " " + atom]
        else:
            phrases.append(atom)
    pieces: list[str] = []
    for atom in phrases:
        if pieces and not atom.isspace() and atom[0] in NO_LINE_START and not pieces[-1].isspace():
            pieces[-1] += atom                   # a closing mark stays with what it closes
        elif pieces and not pieces[-1].isspace() and pieces[-1][-1] in NO_LINE_END and not atom.isspace():
            pieces[-1] += atom                   # an opening mark stays with what it opens
        else:
            pieces.append(atom)
    return pieces


def _joined(head: str, tail: str) -> str:
    """Two parts of a text put back together: with a space between Latin words, none next to Chinese."""
    if not head or not tail or is_cjk(head[-1]) or is_cjk(tail[0]):
        return head + tail
    return f"{head} {tail}"


def wrap(text: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """``text`` broken into lines of at most ``width`` inches: at spaces, and in Chinese text between any
    two characters (never before closing punctuation like ，。；：） or after opening punctuation), a run of
    Latin words within Chinese (a name like "David Ng") kept on one line where it fits; a word longer than
    a line is cut. What does not fit in ``max_lines`` ends the last line with an ellipsis.

    >>> wrap("在决策链中担任采购。争取其支持能巩固David Ng的支持。", 10, 2.9)
    ['在决策链中担任采购。争取其支持能巩固', 'David Ng的支持。']
    >>> wrap("Sways 杨经理 (procurement), who is in the decision chain.", 10, 1.8)
    ['Sways 杨经理', '(procurement), who is in', 'the decision chain.']
    """
    lines: list[str] = []
    line = ""
    pieces = _pieces(display_text(text), size, width)
    i = 0
    while i < len(pieces) and len(lines) < max_lines:
        piece = pieces[i]
        if piece.isspace():
            if line:
                line += piece
            i += 1
            continue
        if text_width(line + piece, size) <= width:
            line += piece
            i += 1
            continue
        if line.strip():                         # the line is full: the piece starts the next one
            lines.append(line.rstrip())
            line = ""
            continue
        if " " in piece:                         # a phrase wider than a line: its words, one by one
            pieces[i:i + 1] = [part for part in re.split(r"( +)", piece) if part]
            continue
        # A word wider than a line on its own: as much of it as fits, the rest on the next line.
        ems = list(itertools.accumulate(fonts.char_widths(piece), initial=0.0))
        cut = len(piece)
        while cut > 1 and ems[cut] * size / 72.0 > width:
            cut -= 1
        lines.append(piece[:cut])
        pieces[i] = piece[cut:]
    rest = "".join(pieces[i:]).strip()
    if line.strip() and len(lines) < max_lines:
        lines.append(line.rstrip())
    elif line.strip():
        rest = _joined(line.strip(), rest)
    if rest and lines:
        lines[-1] = fit(_joined(lines[-1], rest), size, width)
    return lines


def _join_lines(items: list[str], sep: str, size: float, width: float) -> list[str]:
    """Items joined with ``sep`` into lines of at most ``width`` inches, never breaking an item."""
    lines: list[str] = []
    for item in items:
        if lines and text_width(lines[-1] + sep + item, size) <= width:
            lines[-1] += sep + item
        else:
            lines.append(fit(item, size, width))
    return lines




@dataclass
class Frame:
    """Part of a page drawn in its own units: a point (x, y) lands at ((ox + x)·s, (oy + y)·s) page
    inches; widths (points), font sizes and radii scale by ``s`` as well."""

    scene: Scene
    ox: float
    oy: float
    s: float

    def at(self, x: float, y: float) -> Point:
        return (self.ox + x) * self.s, (self.oy + y) * self.s

    def box(self, layer: float, x: float, y: float, w: float, h: float, *, radius: float = 0.0,
            fill: str | None = None, stroke: str | None = None, width: float = 1.0, dash: str = "-",
            alpha: float = 1.0, group: str | None = None) -> None:
        px, py = self.at(x, y)
        self.scene.add(layer, Box(px, py, w * self.s, h * self.s, radius * self.s, fill, stroke, width * self.s,
                                  DASHES[dash], alpha), group=group)

    def line(self, layer: float, points: list[Point], colour: str, width: float, *, dash: str = "-",
             alpha: float = 1.0, group: str | None = None, radius: float = 0.0) -> None:
        """A polyline; ``radius``: its corners rounded (``rendering.scene.Line``)."""
        s, ox, oy = self.s, self.ox, self.oy
        self.scene.add(layer, scene.Line(tuple(((ox + x) * s, (oy + y) * s) for x, y in points), colour,
                                         width * s, DASHES[dash], alpha, radius * s), group=group)

    def polygon(self, layer: float, points: list[Point], fill: str, alpha: float = 1.0) -> None:
        self.scene.add(layer, Polygon(tuple(self.at(x, y) for x, y in points), fill, alpha))

    def circle(self, layer: float, x: float, y: float, r: float, fill: str, *, stroke: str | None = None,
               width: float = 0.0, alpha: float = 1.0) -> None:
        px, py = self.at(x, y)
        self.scene.add(layer, Circle(px, py, r * self.s, fill, stroke, width * self.s, alpha))

    def text(self, layer: float, x: float, y: float, text: str, size: float, colour: str,
             anchor: Anchor = "start", group: str | None = None) -> None:
        px, py = self.at(x, y)
        self.scene.add(layer, Text(px, py, display_text(text), size * self.s, colour, anchor), group=group)

    def badge(self, layer: float, x: float, y: float, text: str, size: float, colour: str, fill: str,
              anchor: Anchor = "start", stroke: str | None = None, pad: float = 0.05) -> float:
        """A short label on a rounded pill; (x, y) is where the label's ``anchor`` end sits. Where the pill
        ends on the right."""
        w = text_width(display_text(text), size) + 2 * pad
        h = size / 72.0 * 1.45
        x0 = x - pad if anchor == "start" else x - w + pad if anchor == "end" else x - w / 2
        self.box(layer, x0, y - h / 2, w, h, radius=h / 2, fill=fill, stroke=stroke, width=0.7)
        self.text(layer + 0.01, x, y, text, size, colour, anchor)
        return x0 + w


def render_image(model: MapModel, layout: MapLayout, fmt: str) -> bytes:
    """The map as PNG or SVG bytes."""
    page, dpi = map_page(model, layout)
    return scene.png(page.scene, dpi) if fmt == "png" else scene.svg(page.scene)


# ---------------------------------------------------------------------------------------- page


def _content_bounds(layout: MapLayout, m: Metrics) -> tuple[float, float, float, float]:
    """The drawn area in layout inches: every box, the chart, room for the column headers."""
    xs = [p[0] for p in layout.pos.values()] or [0.0]
    ys = [p[1] for p in layout.pos.values()] or [0.0]
    x0 = min(min(xs) - m.box_w / 2, layout.chart[0])
    x1 = max(max(xs) + m.box_w / 2, layout.chart[2])
    y0 = min(min(ys) - m.box_h / 2, layout.chart[1]) - (0.55 if layout.team_x is not None
                                                           or layout.competitor_x is not None else 0.2)
    y1 = max(max(ys) + m.box_h / 2, layout.chart[3]) + 0.2
    return x0 - 0.3, y0 - 0.1, x1 + 0.3, y1 + 0.3          # room for lines routed round the outside


@dataclass
class MapPage:
    """A drawn map page: its scene, and the frame of the map area (layout inches), for marks on top."""

    scene: Scene
    map: Frame
    routes: list[tuple[Line, Route]] = field(default_factory=list)   # the relationship lines as routed
    obstacles: list[Rect] = field(default_factory=list)              # what else lines were routed around
    router: Router | None = None              # the router that routed them (more lines can follow)
    top: float = 0.0                          # where the title block ends, in page inches (unscaled)
    badges: list[Rect] = field(default_factory=list)                 # the boxes' badges, when ``wide``


def map_page(model: MapModel, layout: MapLayout, *, legend: bool = True, page_label: str | None = None,
             quick: bool = False, style: PageStyle | None = None, wide: Collection[tuple[str, str, str]] = (),
             wide_clearance: float | None = None) -> tuple[MapPage, float]:
    """The map's page: title, what it left out, the map, and (``legend``) the legend and gap list, as
    ``style`` has them (default: the style in effect, ``page_style``; every map's unless a caller set
    another). Also the dpi that makes a PNG of it legible. ``wide``: lines (``line_key``) a caller marks
    with a wide band on top (a change map's), routed first, keeping ``wide_clearance`` from every box and
    badge (``rendering.routing.Router``)."""
    style = style or _page_style.get()
    m = layout.metrics
    x0, y0, x1, y1 = _content_bounds(layout, m)
    map_w, map_h = x1 - x0, y1 - y0
    width = max(MIN_WIDTH, map_w + 2 * MARGIN)
    notices = [line for notice in model.notices for line in wrap(notice, 10, width - 2 * MARGIN, 4)]
    footer = _Footer.plan(model, layout, width, style) if legend else None
    top = footer if footer is not None and style.top_legend else None        # the legend under the title
    footer_h = footer.height if footer is not None and top is None else 0.2
    title_h = (TITLE_H if style.title else 0.2) + NOTICE_H * len(notices)
    top_h = top.height if top is not None else 0.0
    height = title_h + top_h + map_h + 2 * MARGIN + footer_h
    extra_h = 0.0
    if style.aspect is not None:           # padded to the box it is shown in: wider, or taller
        if width < height * style.aspect:
            width = height * style.aspect
        else:
            extra_h = width / style.aspect - height
            height += extra_h
    s = min(1.0, MAX_SIDE / max(width, height))
    page = Scene(width * s, height * s, title=display_text(f"{model.account_name} · {word('title', model.lang)}"))
    whole = Frame(page, 0.0, 0.0, s)
    area = Frame(page, (width - map_w) / 2 - x0, title_h + top_h + extra_h / 2 + MARGIN - y0, s)
    if top is not None:
        top.draw(Frame(page, 0.0, title_h, s), model, width)
    elif footer is not None:
        footer.draw(Frame(page, 0.0, height - footer.height, s), model, width)
    if style.title:
        _title(model, whole, width, notices, page_label)
    else:
        for i, notice in enumerate(notices):
            whole.text(PAGE, MARGIN, 0.1 + NOTICE_H * (i + 0.5), notice, 10, "#8a4b00")
    badges = badge_rects(model, layout, style) if wide else []
    router = line_router(model, layout, quick, wide_clearance if wide else None, badges)
    routes = _draw(model, layout, area, m, quick, style, router=router, wide=frozenset(wide))
    # At least 100 dpi (a 7.5-point title line is 10 px high); small maps get up to 150, about 2,100 px wide.
    dpi = min(150.0, max(100.0, 2100.0 / (width * s)))
    return MapPage(page, area, routes, _obstacles(model, layout), router, title_h, badges), dpi


def _title(model: MapModel, f: Frame, width: float, notices: list[str], page_label: str | None) -> None:
    lang = model.lang
    top = 0.32
    f.text(PAGE, MARGIN, top, fit(f"{model.account_name}  ·  {word('title', lang)}", 19, width - 2 * MARGIN - 3), 19,
           "#1a1f24")
    if model.opportunity is not None:
        opp = model.opportunity
        colon = "：" if lang == "zh-CN" else ": "
        bits = [f"{word('opportunity', lang)}{colon}{opp.get('name') or opp['id']}", str(opp.get("stage") or "")]
        if opp.get("close_date"):
            bits.append(f"{word('closes', lang)} {opp['close_date']}")
    else:
        bits = [word("all_opportunities", lang)]
    if model.view:
        bits.append(model.view)
    bits.append(f"{word('as_of', lang)} {model.today.isoformat()}")
    f.text(PAGE, MARGIN, top + 0.42, fit("  ·  ".join(b for b in bits if b), 11, width - 2 * MARGIN - 3), 11,
           "#4a5560")
    right = page_label or (word("redacted", lang) if model.redacted else None)
    if right:
        f.badge(PAGE, width - MARGIN - 0.12, top, right, 9.5, "#8a1c1c" if model.redacted else "#37474f",
                "#fdecea" if model.redacted else "#eef2f5", anchor="end",
                stroke="#e0a0a0" if model.redacted else "#b0bec5", pad=0.12)
    rule = TITLE_H * 0.93 + NOTICE_H * len(notices)
    for i, notice in enumerate(notices):
        f.text(PAGE, MARGIN, TITLE_H * 0.8 + NOTICE_H * (i + 0.5), notice, 10, "#8a4b00")
    f.line(PAGE, [(MARGIN, rule), (width - MARGIN, rule)], "#d5dbe1", 1)


# ---------------------------------------------------------------------------------------- the map


def box_rects(model: MapModel, layout: MapLayout) -> dict[str, Rect]:
    """Each drawn person's box: x0, y0, x1, y1 in layout inches (y down)."""
    m = layout.metrics
    out: dict[str, Rect] = {}
    for node in [*model.contacts, *model.team, *model.competitors]:
        if node in layout.pos:
            x, y = layout.pos[node]
            out[node] = (x - m.box_w / 2, y - m.box_h / 2, x + m.box_w / 2, y + m.box_h / 2)
    return out


def _obstacles(model: MapModel, layout: MapLayout) -> list[Rect]:
    """What lines must not cross besides boxes: panel captions and the side columns' headers."""
    m = layout.metrics
    out: list[Rect] = []
    for panel in layout.panels:
        if panel.caption:
            x, y = panel.x + m.panel_pad, panel.y + m.panel_pad + 0.1
            out.append((x, y - 0.1, x + text_width(display_text(panel.caption), 8.5), y + 0.1))
    y = layout.chart[1] - 0.3
    for column in (layout.team_x, layout.competitor_x):
        if column is not None:
            out.append((column - m.box_w / 2, y - 0.15, column + m.box_w / 2, y + 0.17))
    return out


def drawn_direction(line: Line) -> tuple[str, str]:
    """The ends of a line as drawn: a promotion points from the patron to the protégé."""
    return drawn_ends(line.type, line.source, line.target)


def badge_rects(model: MapModel, layout: MapLayout, style: PageStyle | None = None) -> list[Rect]:
    """Each badge on a box (role, gap numbers, interest) as the map draws it: x0, y0, x1, y1 in layout
    inches (the boxes drawn on a page of their own, and their badges read back)."""
    scratch = Scene(0.0, 0.0)
    _boxes(model, layout, Frame(scratch, 0.0, 0.0, 1.0), layout.metrics, style or _page_style.get())
    return [(b.x, b.y, b.x + b.w, b.y + b.h) for b in scratch.layers.get(BADGES, []) if isinstance(b, Box)]


def line_router(model: MapModel, layout: MapLayout, quick: bool = False, wide: float | None = None,
                badges: Sequence[Rect] = ()) -> Router:
    """The router of a map's lines (``quick``: with fewer lanes and ports and a greedier search, for the
    many pages of a PDF); ``wide``: also of lines drawn wide, which keep that from every box and badge."""
    return Router(box_rects(model, layout), _obstacles(model, layout), lanes=1 if quick else MAX_LANES,
                  greed=3.0 if quick else GREED, ports=(0.5,) if quick else PORTS, slack=SLACK, wide=wide,
                  wide_obstacles=badges)


def line_key(line: Line) -> tuple[str, str, str]:
    """A line's type and its ends as drawn."""
    a, b = drawn_direction(line)
    return line.type, a, b


def route_lines(model: MapModel, layout: MapLayout, quick: bool = False, *, router: Router | None = None,
                wide: Collection[tuple[str, str, str]] = ()) -> list[tuple[Line, Route]]:
    """Every relationship line whose two ends are drawn, routed around the boxes (``quick``: with fewer
    lanes and a greedier search, for the many pages of a PDF). A direct path within ``SLACK`` of the
    cheapest is taken without a search: fewer bends, and half the searches of a long PDF. Lines in
    ``wide`` (``line_key``) go first, along routes that keep the ``router``'s wide clearance. Lines into
    one box end at ports of their own while it has any (``Router``): each keeps its arrowhead."""
    rects = box_rects(model, layout)
    router = router or line_router(model, layout, quick)
    routed: list[tuple[Line, Route]] = []
    order = sorted(model.lines, key=lambda ln: (bool(wide) and line_key(ln) not in wide, ln.faded,
                                                ln.type == "COVERS", -ln.weight))
    for line in order:
        checkpoint()             # within the request's work budget, and only while someone waits for it
        a, b = drawn_direction(line)
        if a in rects and b in rects and a != b:
            route = router.route(a, b, wide=True) if wide and line_key(line) in wide else None
            route = route or router.route(a, b)
            if route is not None:
                routed.append((line, route))
    return routed


def _draw(model: MapModel, layout: MapLayout, f: Frame, m: Metrics, quick: bool = False,
          style: PageStyle = EVERY_MAP, *, router: Router | None = None,
          wide: frozenset[tuple[str, str, str]] = frozenset()) -> list[tuple[Line, Route]]:
    for panel in layout.panels:
        f.box(PANELS, panel.x, panel.y, panel.w, panel.h, radius=0.12, fill=PANEL_COLOURS[0],
              stroke=PANEL_COLOURS[1], width=0.8, group="panels")
        if panel.caption:
            f.text(LABELS, panel.x + m.panel_pad, panel.y + m.panel_pad + 0.1, fit(panel.caption, 8.5, panel.w),
                   8.5, "#5f6b76", group="labels")
    colour = LINE_STYLES["REPORTS_TO"][0]
    for segment in layout.segments:
        f.line(REPORTS, [(x, y) for x, y in segment], colour, 1.3, group="reports")
    _column_header(model, layout, f, m, style.text)
    routed = route_lines(model, layout, quick, router=router, wide=wide)
    _lines(routed, f, len(model.contacts) > 60)
    _boxes(model, layout, f, m, style)
    return routed


def _column_header(model: MapModel, layout: MapLayout, f: Frame, m: Metrics, k: float = 1.0) -> None:
    y = layout.chart[1] - 0.3
    for x, key in ((layout.team_x, "our_team"), (layout.competitor_x, "competitors")):
        if x is None:
            continue
        f.text(LABELS, x, y, fit(word(key, model.lang), 10 * k, m.box_w), 10 * k, "#37474f", "middle")
        f.line(LABELS, [(x - m.box_w / 2, y + 0.16), (x + m.box_w / 2, y + 0.16)], "#b0bec5", 1)


def stance_mark(person: Person) -> str | None:
    """The mark of the stance a box's colours show (``STANCE_MARKS``), so that no one needs the colours to
    read it: a contact's known stance, or ``?`` for a decision-chain member's unknown one; none where the
    colours show no stance (our team, competitors, departed people, those outside the chosen deal's chain)."""
    if person.kind != "contact" or person.left or person.faded:
        return None
    if person.stance not in STANCE_MARKS or person.stance == "unknown" and not person.in_chain:
        return None
    return STANCE_MARKS[person.stance]


def colours(person: Person) -> tuple[str, str, str, str]:
    """Fill, border, name colour, title colour."""
    if person.kind == "team_member":
        fill, edge = TEAM_COLOURS
    elif person.kind == "competitor":
        fill, edge = COMPETITOR_COLOURS
    elif person.left:
        fill, edge = LEFT_COLOURS
    else:
        fill, edge = STANCE_COLOURS.get(person.stance, STANCE_COLOURS["unknown"])
        if person.faded:
            fill, edge = STANCE_COLOURS["unknown"]
    name, title = ("#7d858c", "#9aa1a7") if person.left else ("#15191d", TITLE_COLOUR)
    if person.faded:
        fill, edge = blend(fill, amount=0.55), blend(edge, amount=0.45)
        name, title = "#8b9399", "#a3aab0"
    return fill, edge, name, title


def _boxes(model: MapModel, layout: MapLayout, f: Frame, m: Metrics, style: PageStyle = EVERY_MAP) -> None:
    """Every person's box, gap ring, badges and labels, each kind on its layer (their texts scaled by
    ``style.text``; the gap rings numbered when the page lists the gaps)."""
    w, h = m.box_w, m.box_h
    k = style.text
    inner = w - 0.18
    for node, person in [*model.contacts.items(), *model.team.items(), *model.competitors.items()]:
        if node not in layout.pos:
            continue
        x, y = layout.pos[node]
        fill, edge, name_c, title_c = colours(person)
        emphasised = person.in_chain and not person.left
        if person.gaps and not person.faded:
            f.box(RINGS, x - w / 2 - 0.045, y - h / 2 - 0.045, w + 0.09, h + 0.09, radius=0.11, stroke=GAP_COLOUR,
                  width=2.0, group="gap-rings")
        f.box(BOXES, x - w / 2, y - h / 2, w, h, radius=0.08, fill=fill, stroke=edge,
              width=2.2 if emphasised else 1.3, dash="--" if person.left else "-", group="boxes")
        lines_y = (y - 0.17, y + 0.04, y + 0.22) if person.note else (y - 0.13, y + 0.17, 0.0)
        name = fit(person.name, 10.5 * k, inner)
        f.text(LABELS, x, lines_y[0], name, 10.5 * k, name_c, "middle", group="labels")
        if person.left:
            half = min(text_width(name, 10.5 * k), inner) / 2
            f.line(STRIKES, [(x - half, lines_y[0] + 0.005), (x + half, lines_y[0] + 0.005)], "#7d858c", 1)
        sub = person.title
        if person.kind == "competitor":
            sub = word("legend.competitor", model.lang)
        if person.external:
            sub = f"[{person.external}] {sub}".strip()
        if person.left:
            sub = " ".join(b for b in (word("left", model.lang), person.left_at, sub) if b)
        if sub:
            f.text(LABELS, x, lines_y[1], fit(sub, 7.5 * k, inner), 7.5 * k, title_c, "middle")
        if person.note:
            f.text(LABELS, x, lines_y[2], fit(person.note, 6.8 * k, inner), 6.8 * k, "#1f5fbf", "middle")
        top, bottom = y - h / 2, y + h / 2
        start = x - w / 2 + 0.14                 # the role badge's text, then the stance mark's
        if person.role:
            start = f.badge(BADGES, start, top, badge(person.role, model.lang), 6.8 * k, "white",
                            "#263238" if not person.left else "#90a4ae") + 0.04 + MARK_PAD * k
        mark = stance_mark(person)
        if mark is not None:
            f.badge(BADGES, start, top, mark, MARK_SIZE * k, "#15191d", "white", stroke=edge, pad=MARK_PAD * k)
        if person.gaps and not person.faded and style.gap_list:
            text = ",".join(str(g) for g in person.gaps[:3]) + ("+" if len(person.gaps) > 3 else "")
            f.badge(BADGES, x + w / 2 - 0.14, top, text, 6.8 * k, "white", GAP_COLOUR, anchor="end")
        if person.interests and not person.faded:
            kind, _ = person.interests[0]
            more = f" +{len(person.interests) - 1}" if len(person.interests) > 1 else ""
            text = interest_badge(kind, model.lang) + more
            f.badge(BADGES, x + w / 2 - 0.14, bottom, fit(text, 6.5 * k, w - 0.3), 6.5 * k, "#9b1c1c", "#fdecea",
                    anchor="end", stroke="#d46a6a")


def _line_style(line: Line, large: bool) -> tuple[str, str, float, float]:
    """Colour, line style, width (points) and opacity of a relationship line."""
    colour, style = LINE_STYLES[line.type]
    alpha = 0.9
    if line.type in ("INFLUENCES", "PROMOTED_BY"):
        width = 0.7 + 3.3 * line.weight
    elif line.type in ("ALLY", "RIVAL"):
        width = 0.9 + 2.4 * line.weight
    elif line.type == "REPORTS_TO_SECONDARY":
        width = 1.1
    elif line.type == "COVERS":
        width, alpha = 0.5 + 3.5 * line.weight, 0.55
    elif line.type == "MIRRORS":
        width, alpha = 1.8, 0.85
    else:                                               # FAVORS
        width, alpha = 0.6 + 2.4 * line.weight, 0.6
    if large:                                           # many lines: lighter, so the chart stays legible
        width *= 0.75
        alpha *= 0.85
    if line.faded:
        alpha *= 0.25 if large else 0.35
    return colour, style, width, alpha


def _lines(routed: list[tuple[Line, Route]], f: Frame, large: bool) -> None:
    """The routed relationship lines (faded ones first), their arrowheads and the dots where coverage
    lines arrive."""
    for line, route in sorted(routed, key=lambda lr: not lr[0].faded):
        colour, style, width, alpha = _line_style(line, large)
        points = list(route.points)
        if line.type in DIRECTED and len(points) >= 2:
            (ax_, ay), (bx, by) = points[-2], points[-1]
            length = math.hypot(bx - ax_, by - ay) or 1.0
            ux, uy = (bx - ax_) / length, (by - ay) / length
            size = ARROW * (0.8 + 0.1 * width)
            base = (bx - ux * size, by - uy * size)
            half = size * 0.42
            f.polygon(HEADS, [(bx, by), (base[0] - uy * half, base[1] + ux * half),
                              (base[0] + uy * half, base[1] - ux * half)], colour, min(1.0, alpha + 0.1))
            points[-1] = (bx - ux * size * 0.8, by - uy * size * 0.8)
        if line.type in ("COVERS", "MIRRORS"):          # a dot where the line arrives: it ends at that box
            bx, by = points[-1]
            f.circle(DOTS, bx, by, 0.04 + 0.02 * line.weight, colour, stroke="white", width=0.6,
                     alpha=min(1.0, alpha + 0.3))
        f.line(LINES, points, colour, width, dash=style, alpha=alpha, group="relationship-lines", radius=CORNER)


# ---------------------------------------------------------------------------------------- footer


@dataclass
class _Footer:
    entries: list[tuple[str, dict[str, Any], str]]     # kind (patch|line|ring|badge), style, label
    roles: list[str]
    col_w: float
    ncol: int
    legend_w: float
    gap_w: float
    gap_lines: list[tuple[int | None, str, str]]        # (number, severity, text)
    height: float
    role_lines: list[str] = field(default_factory=list)
    gap_cols: int = 1
    gap_top: float = 0.0                                # the gap list's top, below the legend or beside
    gap_x: float = 0.0
    flow: list[tuple[float, float]] | None = None       # compact: each entry's place (x, row)
    k: float = 1.0                                      # compact: its texts and handles, scaled

    @classmethod
    def plan(cls, model: MapModel, layout: MapLayout, width: float, style: PageStyle = EVERY_MAP) -> _Footer:
        entries = cls._entries(model, layout, numbered=style.gap_list)
        if style.top_legend:
            return cls._compact(entries, width, style.text)
        return cls._full(model, entries, width, model.gaps if style.gap_list else [])

    @staticmethod
    def _entries(model: MapModel, layout: MapLayout, numbered: bool = True) -> list[tuple[str, dict[str, Any], str]]:
        """The legend's entries: the marks this map draws, each with its label (``numbered``: the gap rings
        carry the numbers of the gap list)."""
        lang = model.lang
        entries: list[tuple[str, dict[str, Any], str]] = []
        for stance in STANCES:
            fill, edge = STANCE_COLOURS[stance]
            entries.append(("patch", {"fc": fill, "ec": edge, "mark": STANCE_MARKS[stance]}, stance_label(stance, lang)))
        if any(p.left for p in model.contacts.values()):
            entries.append(("patch", {"fc": LEFT_COLOURS[0], "ec": LEFT_COLOURS[1], "ls": "--"},
                            word("legend.left", lang)))
        if model.opportunity is not None:
            entries.append(("patch", {"fc": blend(STANCE_COLOURS["unknown"][0], amount=0.55),
                                      "ec": blend(STANCE_COLOURS["unknown"][1], amount=0.45)},
                            word("legend.faded", lang)))
        if model.team:
            entries.append(("patch", {"fc": TEAM_COLOURS[0], "ec": TEAM_COLOURS[1]}, word("legend.team", lang)))
        if model.competitors:
            entries.append(("patch", {"fc": COMPETITOR_COLOURS[0], "ec": COMPETITOR_COLOURS[1]},
                            word("legend.competitor", lang)))
        if any(not panel.loners for panel in layout.panels):
            entries.append(("patch", {"fc": PANEL_COLOURS[0], "ec": PANEL_COLOURS[1]}, word("legend.group", lang)))
        present = {ln.type for ln in model.lines}
        for kind in ("REPORTS_TO", "REPORTS_TO_SECONDARY", "INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL",
                     "COVERS", "MIRRORS", "FAVORS"):
            if kind == "REPORTS_TO" and layout.segments or kind in present:
                colour, style = LINE_STYLES[kind]
                lw = {"INFLUENCES": 2.4, "COVERS": 2.4, "ALLY": 2.0, "RIVAL": 2.0}.get(kind, 1.6)
                entries.append(("line", {"color": colour, "ls": style, "lw": lw,
                                         "arrow": kind in ("INFLUENCES", "PROMOTED_BY")},
                                word(f"legend.{kind}", lang)))
        if any(p.gaps for p in model.contacts.values()):
            entries.append(("ring", {}, word("legend.gap" if numbered else "legend.gap_unnumbered", lang)))
        if any(p.interests for p in model.contacts.values()):
            entries.append(("interest", {}, word("legend.interest", lang)))
        return entries

    @classmethod
    def _compact(cls, entries: list[tuple[str, dict[str, Any], str]], width: float, k: float) -> _Footer:
        """The legend alone, in columns of at most six entries (a block under the title)."""
        ncol = max(1, math.ceil(len(entries) / 6))
        rows = max(1, math.ceil(len(entries) / ncol))
        col_w = max((text_width(label, 8.5 * k) for _, _, label in entries), default=0.0) + 1.04 * k
        footer = cls(entries, [], col_w, ncol, ncol * col_w, 0.0, [], 0.15 + rows * ROW_H * k + 0.1)
        footer.flow = [(col * col_w, row) for col, row in (divmod(i, rows) for i in range(len(entries)))]
        footer.k = k
        return footer

    @classmethod
    def _full(cls, model: MapModel, entries: list[tuple[str, dict[str, Any], str]], width: float,
              gaps: list[Gap]) -> _Footer:
        """The legend in columns with the key to the role badges, and the gap list beside it or below."""
        lang = model.lang
        roles = [r for r in ROLE_SHORT if any(p.role == r for p in model.contacts.values())]
        col_w = max(text_width(label, 8.5) for _, _, label in entries) + 0.8
        usable = width - 2 * MARGIN
        ncol = max(1, min(math.ceil(len(entries) / 6), int(usable // col_w)))
        rows = math.ceil(len(entries) / ncol)
        legend_w = ncol * col_w
        room = usable - legend_w - 0.6
        below = bool(gaps) and room < 4.5               # too narrow beside the legend: below it
        role_lines: list[str] = []
        if roles:
            role_w = usable if below or not gaps else max(legend_w, 5.0)
            role_lines = _join_lines([f"{badge(r, lang)} = {role_label(r, lang)}" for r in roles], "  ·  ", 8,
                                     role_w - 0.1)
        legend_h = 0.45 + rows * ROW_H + (0.12 + ROW_H * len(role_lines) if role_lines else 0.0)
        gap_w, gap_cols, gap_lines, gaps_h, area = 0.0, 1, [], 0.0, 0.0
        if gaps:
            area = usable if below else room
            gap_cols = max(1, min(3, int(area // 7.5)))
            gap_w = area / gap_cols - (0.3 if gap_cols > 1 else 0.0)
            budget = max(rows + len(role_lines) + 1, 18) * gap_cols
            gap_lines = cls._gap_lines(model, gap_w - 0.45, budget)
            per_col = math.ceil(len(gap_lines) / gap_cols)
            gaps_h = 0.45 + per_col * ROW_H * 0.92
        if gaps and below:
            height = legend_h + 0.2 + gaps_h + 0.35
        else:
            height = max(legend_h, gaps_h) + 0.35
        footer = cls(entries, roles, col_w, ncol, legend_w, gap_w, gap_lines, height)
        footer.role_lines, footer.gap_cols = role_lines, gap_cols
        footer.gap_top = legend_h + 0.2 if gaps and below else 0.0
        footer.gap_x = MARGIN if below else width - MARGIN - area
        return footer

    @staticmethod
    def _gap_lines(model: MapModel, width: float, budget: int) -> list[tuple[int | None, str, str]]:
        """The gap list's lines: with each gap's action when everything fits, else messages only,
        else as many as fit and a pointer to the rest."""
        lang = model.lang
        for with_action in (True, False):
            lines: list[tuple[int | None, str, str]] = []
            for gap in model.gaps:
                text = f"[{word('severity.' + gap.severity, lang)}] {gap.message}"
                if with_action and gap.action:
                    text += f" → {gap.action}"
                wrapped = wrap(text, 8, width, 3)
                lines.append((gap.number, gap.severity, wrapped[0]))
                lines.extend((None, gap.severity, ln) for ln in wrapped[1:])
            if len(lines) <= budget:
                return lines
        kept: list[tuple[int | None, str, str]] = []
        for i, line in enumerate(lines):
            if len(kept) >= budget - 1 and line[0] is not None:
                rest = len(model.gaps) - line[0] + 1
                kept.append((None, "", word("more_gaps", lang, n=rest)))
                break
            kept.append(line)
        return kept

    def draw(self, f: Frame, model: MapModel, width: float) -> None:
        lang = model.lang
        if self.flow is not None:
            k = self.k
            for (kind, style, label), (x, row) in zip(self.entries, self.flow, strict=True):
                y = 0.15 + (row + 0.5) * ROW_H * k
                self._handle(f, kind, style, MARGIN + x, y, k)
                f.text(PAGE, MARGIN + x + 0.64 * k, y, label, 8.5 * k, "#263238")
            return
        f.line(PAGE, [(MARGIN, 0.12), (width - MARGIN, 0.12)], "#d5dbe1", 1)
        x0, y0 = MARGIN, 0.38
        f.text(PAGE, x0, y0, word("legend", lang), 10, "#37474f")
        rows = math.ceil(len(self.entries) / self.ncol)
        for i, (kind, style, label) in enumerate(self.entries):
            col, row = divmod(i, rows)
            x = x0 + col * self.col_w
            y = y0 + 0.32 + row * ROW_H
            self._handle(f, kind, style, x, y)
            f.text(PAGE, x + 0.64, y, label, 8.5, "#263238")
        y = y0 + 0.32 + rows * ROW_H + 0.05
        for line in self.role_lines:
            f.text(PAGE, x0, y, line, 8, "#37474f")
            y += ROW_H
        if not self.gap_lines:
            return
        gx, gy = self.gap_x, y0 + self.gap_top
        f.text(PAGE, gx, gy, f"{word('gaps', lang)} ({len(model.gaps)})", 10, GAP_COLOUR)
        per_col = math.ceil(len(self.gap_lines) / self.gap_cols)
        for i, (number, severity, text) in enumerate(self.gap_lines):
            col, row = divmod(i, per_col)
            x = gx + col * (self.gap_w + 0.3)
            y = gy + 0.32 + row * ROW_H * 0.92
            if number is not None:
                f.badge(PAGE, x + 0.2, y, str(number), 6.8, "white", GAP_COLOUR if severity == "high"
                        else "#ef8a3a" if severity == "medium" else "#9e9e9e", anchor="middle", pad=0.07)
            f.text(PAGE, x + 0.45, y, text, 8, "#263238" if severity else "#6b7780")

    @staticmethod
    def _handle(f: Frame, kind: str, style: dict[str, Any], x: float, y: float, k: float = 1.0) -> None:
        """An entry's sample mark at (x, y), ``k`` times its size (a compact legend's, larger)."""
        if kind == "patch":
            f.box(PAGE, x, y - 0.08 * k, 0.48 * k, 0.16 * k, radius=0.04 * k, fill=style["fc"], stroke=style["ec"],
                  width=1.2 * k, dash=style.get("ls", "-"))
            if "mark" in style:                     # a stance's: its mark as the boxes carry it
                f.badge(PAGE + 0.01, x + 0.24 * k, y, style["mark"], MARK_SIZE * k, "#15191d", "white",
                        anchor="middle", stroke=style["ec"], pad=MARK_PAD * k)
        elif kind == "line":
            end = x + 0.5 * k
            if style["arrow"]:
                head = 0.11 * k
                f.polygon(PAGE, [(end, y), (end - head, y - head * 0.42), (end - head, y + head * 0.42)],
                          style["color"])
                end -= head * 0.8
            f.line(PAGE, [(x, y), (end, y)], style["color"], style["lw"] * k, dash=style["ls"])
        elif kind == "ring":
            f.box(PAGE, x, y - 0.08 * k, 0.48 * k, 0.16 * k, radius=0.04 * k, fill="white", stroke=GAP_COLOUR,
                  width=2 * k)
            if k == 1.0:                                # the full legend's rings carry the gap list's numbers
                f.badge(PAGE, x + 0.42, y - 0.08, "1", 6, "white", GAP_COLOUR, anchor="end", pad=0.05)
        elif kind == "interest":
            f.badge(PAGE, x + 0.24 * k, y, "!!", 7 * k, "#9b1c1c", "#fdecea", anchor="middle", stroke="#d46a6a",
                    pad=0.08 * k)
