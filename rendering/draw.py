"""The map as an image (PNG, SVG, or a page of the PDF), drawn with matplotlib's object API (no pyplot, no
global figure).

Everything is measured in inches on the page: the layout's units. A map too large for ``MAX_SIDE``
inches is scaled down as a whole, fonts included, so its proportions never change. Boxes, lines and the
labels inside boxes are drawn by a few collections and one label artist each, not an artist per box, so
a page of hundreds of people draws in a fraction of a second. Relationship lines follow the routes of
``rendering.routing``: around boxes, never under them.

User text is never read as markup or math: ``text.parse_math`` and ``text.usetex`` are off and every
label passes through ``rendering.safe.display_text``.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from rendering import fonts
from rendering.labels import (
    COMPETITOR_COLOURS,
    GAP_COLOUR,
    LEFT_COLOURS,
    LINE_STYLES,
    PANEL_COLOURS,
    ROLE_SHORT,
    STANCE_COLOURS,
    STANCES,
    TEAM_COLOURS,
    badge,
    interest_short,
    role_label,
    stance_label,
    word,
)
from rendering.layout import MapLayout, Metrics
from rendering.model import Line, MapModel, Person
from rendering.routing import GREED, MAX_LANES, Rect, Route, Router, rounded_corners
from rendering.safe import display_text

MIN_WIDTH = 12.0          # inches: with the PNG's dpi, at least 1,200 px wide
MAX_SIDE = 44.0           # inches: larger maps are scaled down as a whole
MARGIN = 0.45
TITLE_H = 1.0
NOTICE_H = 0.3            # a line of "what was left out" under the title
ROW_H = 0.27              # a legend or gap-list row
ARROW = 0.13              # arrowhead length, inches

_render_lock = threading.Lock()      # rcParams are global: one render at a time
DIRECTED = ("INFLUENCES", "PROMOTED_BY", "REPORTS_TO_SECONDARY", "FAVORS")


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
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip(" ([{（【,，·-/") + "…"


def wrap(text: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """``text`` broken into lines of at most ``width`` inches (at spaces when it can)."""
    lines: list[str] = []
    rest = display_text(text)
    while rest and len(lines) < max_lines:
        if text_width(rest, size) <= width:
            lines.append(rest)
            rest = ""
            break
        cut = len(rest)
        while cut > 1 and text_width(rest[:cut], size) > width:
            cut -= 1
        space = rest.rfind(" ", 0, cut)
        if space > cut * 0.6:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and lines:
        lines[-1] = fit(lines[-1] + " " + rest, size, width)
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


def _blend(colour: str, towards: str = "#ffffff", amount: float = 0.6) -> str:
    a = matplotlib.colors.to_rgb(colour)
    b = matplotlib.colors.to_rgb(towards)
    mixed = [x + (y - x) * amount for x, y in zip(a, b, strict=True)]
    return matplotlib.colors.to_hex((mixed[0], mixed[1], mixed[2]))


class Labels(Artist):
    """Many one-line labels drawn by one artist: (x, y) in data coordinates, centred vertically, with
    their size in points, colour and horizontal alignment. Widths come from the font's metrics, so no
    label is laid out twice; the text is drawn as text (searchable in SVG and PDF), never as math."""

    def __init__(self, items: list[tuple[float, float, str, float, str, str]], zorder: float) -> None:
        super().__init__()
        self.items = items
        self.set_zorder(zorder)

    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible() or not self.items:
            return
        renderer.open_group("labels", gid=self.get_gid())
        gc = renderer.new_gc()
        points = self.get_transform().transform(np.array([(x, y) for x, y, *_ in self.items], dtype=float))
        px_per_pt = float(renderer.points_to_pixels(1.0))  # type: ignore[arg-type]
        families = fonts.font_families()
        height = renderer.get_canvas_width_height()[1]
        flip = renderer.flipy()                   # Agg and SVG count y from the top, PDF from the bottom
        props: dict[float, FontProperties] = {}
        # Same-size labels one after another: a font's size change flushes its glyph cache, and the
        # CJK font's glyphs are slow to load again (labels never overlap, so their order is free).
        ordered = sorted(zip(points.tolist(), self.items, strict=True), key=lambda pi: pi[1][3])
        for (px, py), (_, _, text, size, colour, ha) in ordered:
            prop = props.get(size)
            if prop is None:
                prop = props[size] = FontProperties(family=families, size=size)
            width = text_width(text, size) * 72.0 * px_per_pt
            x = px - width / 2 if ha == "center" else px - width if ha == "right" else px
            baseline = py - 0.36 * size * px_per_pt
            gc.set_foreground(colour)
            renderer.draw_text(gc, float(x), float(height - baseline if flip else baseline), text, prop, 0.0,
                               ismath=False)
        gc.restore()
        renderer.close_group("labels")


@dataclass
class _Page:
    fig: Figure
    ax: Any                       # the map's axes: data units are inches, y down
    s: float                      # scale: page inches per layout inch (≤ 1)

    def pt(self, size: float) -> float:
        return size * self.s


@contextmanager
def drawing() -> Iterator[None]:
    """Matplotlib's settings for maps, one render at a time (rcParams are global): our font, text as
    text in SVG, and no math or TeX in any text."""
    rc: Any = {"font.family": fonts.font_families(), "svg.fonttype": "none", "svg.hashsalt": "guanxi",
               "axes.unicode_minus": False, "path.simplify": True, "text.parse_math": False,
               "text.usetex": False, "pdf.fonttype": 42, "pdf.compression": 6}
    with _render_lock, matplotlib.rc_context(rc):
        yield


def render_image(model: MapModel, layout: MapLayout, fmt: str) -> bytes:
    """The map as PNG or SVG bytes."""
    with drawing():
        page, dpi = map_page(model, layout)
        buffer = io.BytesIO()
        if fmt == "png":
            page.fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(page.fig)
            canvas.draw()  # type: ignore[no-untyped-call]
            return _png(canvas)
        FigureCanvasSVG(page.fig)
        page.fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "Guanxi"})
    svg = buffer.getvalue().decode("utf-8")
    ours = ", ".join(f"'{f}'" for f in fonts.font_families())
    return svg.replace(f"font-family: {ours}", f"font-family: {fonts.svg_font_family()}").encode("utf-8")


def _png(canvas: FigureCanvasAgg) -> bytes:
    """A palette PNG straight from the drawn canvas: maps use few colours, so 256 keep them and the
    file is about a third of a true-colour one."""
    from PIL import Image

    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    image = Image.frombuffer("RGBA", canvas.get_width_height(), pixels, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                  dither=Image.Dither.NONE).save(out, format="PNG", compress_level=6)
    return out.getvalue()


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


def map_page(model: MapModel, layout: MapLayout, *, legend: bool = True, page_label: str | None = None,
             quick: bool = False) -> tuple[_Page, float]:
    """A figure of the map: title, what it left out, the map, and (``legend``) the legend and gap list.
    Also the dpi that makes a PNG of it legible."""
    m = layout.metrics
    x0, y0, x1, y1 = _content_bounds(layout, m)
    map_w, map_h = x1 - x0, y1 - y0
    width = max(MIN_WIDTH, map_w + 2 * MARGIN)
    notices = [line for notice in model.notices for line in wrap(notice, 10, width - 2 * MARGIN, 4)]
    footer = _Footer.plan(model, layout, width) if legend else None
    footer_h = footer.height if footer is not None else 0.2
    title_h = TITLE_H + NOTICE_H * len(notices)
    height = title_h + map_h + 2 * MARGIN + footer_h
    s = min(1.0, MAX_SIDE / max(width, height))
    fig = Figure(figsize=(width * s, height * s), facecolor="white")
    left = (width - map_w) / 2
    bottom = footer_h + MARGIN
    ax = fig.add_axes((left / width, bottom / height, map_w / width, map_h / height))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)                                       # y down
    ax.set_axis_off()
    page = _Page(fig, ax, s)
    if footer is not None:
        page_footer = fig.add_axes((0, 0, 1, footer.height / height))
        page_footer.set_xlim(0, width)
        page_footer.set_ylim(footer.height, 0)
        page_footer.set_axis_off()
        footer.draw(page_footer, page, model, width)
    _title(model, page, width, height, notices, page_label)
    _draw(model, layout, page, m, quick)
    # At least 100 dpi (a 7.5-point title line is 10 px high); small maps get up to 150, about 2,100 px wide.
    dpi = min(150.0, max(100.0, 2100.0 / (width * s)))
    return page, dpi


def _title(model: MapModel, page: _Page, width: float, height: float, notices: list[str],
           page_label: str | None) -> None:
    lang = model.lang
    top = 1 - 0.32 / height
    fig = page.fig
    fig.text(MARGIN / width, top, fit(f"{model.account_name}  ·  {word('title', lang)}", 19, width - 2 * MARGIN - 3),
             fontsize=page.pt(19), color="#1a1f24", va="center", ha="left")
    if model.opportunity is not None:
        opp = model.opportunity
        bits = [f"{word('opportunity', lang)}: {opp.get('name') or opp['id']}", str(opp.get("stage") or "")]
        if opp.get("close_date"):
            bits.append(f"{word('closes', lang)} {opp['close_date']}")
    else:
        bits = [word("all_opportunities", lang)]
    if model.view:
        bits.append(model.view)
    bits.append(f"{word('as_of', lang)} {model.today.isoformat()}")
    fig.text(MARGIN / width, top - 0.42 / height, fit("  ·  ".join(b for b in bits if b), 11,
                                                     width - 2 * MARGIN - 3),
             fontsize=page.pt(11), color="#4a5560", va="center", ha="left")
    right = page_label or (word("redacted", lang) if model.redacted else None)
    if right:
        fig.text(1 - MARGIN / width, top, display_text(right), fontsize=page.pt(9.5),
                 color="#8a1c1c" if model.redacted else "#37474f", va="center", ha="right",
                 bbox={"boxstyle": "round,pad=0.35", "fc": "#fdecea" if model.redacted else "#eef2f5",
                       "ec": "#e0a0a0" if model.redacted else "#b0bec5", "lw": 0.8})
    rule = 1 - (TITLE_H * 0.93 + NOTICE_H * len(notices)) / height
    for i, notice in enumerate(notices):
        fig.text(MARGIN / width, 1 - (TITLE_H * 0.8 + NOTICE_H * (i + 0.5)) / height, notice,
                 fontsize=page.pt(10), color="#8a4b00", va="center", ha="left")
    fig.add_artist(matplotlib.lines.Line2D([MARGIN / width, 1 - MARGIN / width], [rule] * 2, color="#d5dbe1",
                                           lw=1))


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
    return (line.target, line.source) if line.type == "PROMOTED_BY" else (line.source, line.target)


def route_lines(model: MapModel, layout: MapLayout, quick: bool = False) -> list[tuple[Line, Route]]:
    """Every relationship line whose two ends are drawn, routed around the boxes (``quick``: with fewer
    lanes and a greedier search, for the many pages of a PDF)."""
    rects = box_rects(model, layout)
    router = Router(rects, _obstacles(model, layout), lanes=1 if quick else MAX_LANES,
                    greed=3.0 if quick else GREED)
    routed: list[tuple[Line, Route]] = []
    order = sorted(model.lines, key=lambda ln: (ln.faded, ln.type == "COVERS", -ln.weight))
    for line in order:
        a, b = drawn_direction(line)
        if a in rects and b in rects and a != b:
            route = router.route(a, b)
            if route is not None:
                routed.append((line, route))
    return routed


def _draw(model: MapModel, layout: MapLayout, page: _Page, m: Metrics, quick: bool = False) -> None:
    ax = page.ax
    for panel in layout.panels:
        ax.add_artist(FancyBboxPatch((panel.x, panel.y), panel.w, panel.h,
                                    boxstyle="round,pad=0,rounding_size=0.12", fc=PANEL_COLOURS[0],
                                    ec=PANEL_COLOURS[1], lw=0.8 * page.s, zorder=0.5))
    captions = [(panel.x + m.panel_pad, panel.y + m.panel_pad + 0.1, fit(panel.caption, 8.5, panel.w), 8.5,
                 "#5f6b76", "left") for panel in layout.panels if panel.caption]
    if layout.segments:
        reports = LineCollection(layout.segments, colors=LINE_STYLES["REPORTS_TO"][0], linewidths=1.3 * page.s,
                                 zorder=1, capstyle="round")
        reports.set_gid("reports")
        ax.add_collection(reports)
    _column_header(model, layout, page, m)
    _lines(route_lines(model, layout, quick), page, len(model.contacts) > 60)
    _boxes(model, layout, page, m, captions)


def _column_header(model: MapModel, layout: MapLayout, page: _Page, m: Metrics) -> None:
    y = layout.chart[1] - 0.3
    for x, key in ((layout.team_x, "our_team"), (layout.competitor_x, "competitors")):
        if x is None:
            continue
        page.ax.text(x, y, word(key, model.lang), fontsize=page.pt(10), color="#37474f", ha="center",
                     va="center")
        page.ax.plot([x - m.box_w / 2, x + m.box_w / 2], [y + 0.16, y + 0.16], color="#b0bec5",
                     lw=1 * page.s)


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
    name, title = ("#7d858c", "#9aa1a7") if person.left else ("#15191d", "#4f5a64")
    if person.faded:
        fill, edge = _blend(fill, amount=0.55), _blend(edge, amount=0.45)
        name, title = "#8b9399", "#a3aab0"
    return fill, edge, name, title


def _pill(x: float, y: float, text: str, size: float, ha: str) -> tuple[float, float, float, float]:
    """The rounded badge behind a short label: x0, y0, width, height in layout inches."""
    w = text_width(text, size) + 0.1              # layout inches: the page scale applies to both
    h = size / 72.0 * 1.45
    x0 = x if ha == "left" else x - w
    return x0, y - h / 2, w, h


def _boxes(model: MapModel, layout: MapLayout, page: _Page, m: Metrics,
           labels: list[tuple[float, float, str, float, str, str]]) -> None:
    """Every person's box, gap ring, badges and labels: one collection per layer."""
    w, h = m.box_w, m.box_h
    rings: list[FancyBboxPatch] = []
    boxes: list[FancyBboxPatch] = []
    pills: list[FancyBboxPatch] = []
    strikes: list[list[tuple[float, float]]] = []
    badge_labels: list[tuple[float, float, str, float, str, str]] = []
    inner = w - 0.18
    for node, person in [*model.contacts.items(), *model.team.items(), *model.competitors.items()]:
        if node not in layout.pos:
            continue
        x, y = layout.pos[node]
        fill, edge, name_c, title_c = colours(person)
        emphasised = person.in_chain and not person.left
        if person.gaps and not person.faded:
            rings.append(FancyBboxPatch((x - w / 2 - 0.045, y - h / 2 - 0.045), w + 0.09, h + 0.09,
                                        boxstyle="round,pad=0,rounding_size=0.11", fc="none", ec=GAP_COLOUR,
                                        lw=2.0 * page.s))
        boxes.append(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                                    fc=fill, ec=edge, lw=(2.2 if emphasised else 1.3) * page.s,
                                    ls=(0, (4, 2.5)) if person.left else "-"))
        lines_y = (y - 0.17, y + 0.04, y + 0.22) if person.note else (y - 0.13, y + 0.17, 0.0)
        name = fit(person.name, 10.5, inner)
        labels.append((x, lines_y[0], name, page.pt(10.5), name_c, "center"))
        if person.left:
            half = min(text_width(name, 10.5), inner) / 2
            strikes.append([(x - half, lines_y[0] + 0.005), (x + half, lines_y[0] + 0.005)])
        sub = person.title
        if person.kind == "competitor":
            sub = word("legend.competitor", model.lang)
        if person.external:
            sub = f"[{person.external}] {sub}".strip()
        if person.left:
            sub = " ".join(b for b in (word("left", model.lang), person.left_at, sub) if b)
        if sub:
            labels.append((x, lines_y[1], fit(sub, 7.5, inner), page.pt(7.5), title_c, "center"))
        if person.note:
            labels.append((x, lines_y[2], fit(person.note, 6.8, inner), page.pt(6.8), "#1f5fbf", "center"))
        top, bottom = y - h / 2, y + h / 2
        if person.role:
            text = badge(person.role, model.lang)
            x0, y0, bw, bh = _pill(x - w / 2 + 0.09, top, text, 6.8, "left")
            pills.append(FancyBboxPatch((x0, y0), bw, bh, boxstyle=f"round,pad=0,rounding_size={bh / 2}",
                                        fc="#263238" if not person.left else "#90a4ae", ec="none"))
            badge_labels.append((x0 + 0.05, top, text, page.pt(6.8), "white", "left"))
        if person.gaps and not person.faded:
            text = ",".join(str(g) for g in person.gaps[:3]) + ("+" if len(person.gaps) > 3 else "")
            x0, y0, bw, bh = _pill(x + w / 2 - 0.09, top, text, 6.8, "right")
            pills.append(FancyBboxPatch((x0, y0), bw, bh, boxstyle=f"round,pad=0,rounding_size={bh / 2}",
                                        fc=GAP_COLOUR, ec="none"))
            badge_labels.append((x0 + bw - 0.05, top, text, page.pt(6.8), "white", "right"))
        if person.interests and not person.faded:
            kind, _ = person.interests[0]
            more = f" +{len(person.interests) - 1}" if len(person.interests) > 1 else ""
            text = f"{word('interest', model.lang)}: {interest_short(kind, model.lang)}{more}"
            x0, y0, bw, bh = _pill(x + w / 2 - 0.09, bottom, text, 6.5, "right")
            pills.append(FancyBboxPatch((x0, y0), bw, bh, boxstyle=f"round,pad=0,rounding_size={bh / 2}",
                                        fc="#fdecea", ec="#d46a6a", lw=0.7 * page.s))
            badge_labels.append((x0 + bw - 0.05, bottom, text, page.pt(6.5), "#9b1c1c", "right"))
    ax = page.ax
    for patches, zorder, gid in ((rings, 2.9, "gap-rings"), (boxes, 3.0, "boxes"), (pills, 5.0, "badges")):
        if patches:
            collection = PatchCollection(patches, match_original=True, zorder=zorder)
            collection.set_gid(gid)
            ax.add_collection(collection)
    if strikes:
        ax.add_collection(LineCollection(strikes, colors="#7d858c", linewidths=1 * page.s, zorder=4.1))
    for items, zorder in ((labels, 4.0), (badge_labels, 6.0)):
        artist = Labels(items, zorder)
        artist.set_transform(ax.transData)
        ax.add_artist(artist)


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


def _lines(routed: list[tuple[Line, Route]], page: _Page, large: bool) -> None:
    """The routed relationship lines, their arrowheads and the dots where coverage lines arrive."""
    paths: list[list[tuple[float, float]]] = []
    colours_: list[tuple[float, float, float, float]] = []
    widths: list[float] = []
    styles: list[Any] = []
    heads: list[list[tuple[float, float]]] = []
    head_colours: list[tuple[float, float, float, float]] = []
    dots: list[Circle] = []
    for line, route in sorted(routed, key=lambda lr: not lr[0].faded):
        colour, style, width, alpha = _line_style(line, large)
        rgba = matplotlib.colors.to_rgba(colour, alpha)
        points = list(route.points)
        if line.type in DIRECTED and len(points) >= 2:
            (ax_, ay), (bx, by) = points[-2], points[-1]
            length = math.hypot(bx - ax_, by - ay) or 1.0
            ux, uy = (bx - ax_) / length, (by - ay) / length
            size = ARROW * (0.8 + 0.1 * width)
            base = (bx - ux * size, by - uy * size)
            half = size * 0.42
            heads.append([(bx, by), (base[0] - uy * half, base[1] + ux * half),
                          (base[0] + uy * half, base[1] - ux * half)])
            head_colours.append(matplotlib.colors.to_rgba(colour, min(1.0, alpha + 0.1)))
            points[-1] = (bx - ux * size * 0.8, by - uy * size * 0.8)
        if line.type in ("COVERS", "MIRRORS"):          # a dot where the line arrives: it ends at that box
            bx, by = points[-1]
            dots.append(Circle((bx, by), 0.04 + 0.02 * line.weight, fc=colour, ec="white", lw=0.6 * page.s,
                               alpha=min(1.0, alpha + 0.3)))
        paths.append(rounded_corners(points))
        colours_.append(rgba)
        widths.append(width * page.s)
        styles.append({"-": "solid", "--": (0, (5, 3)), ":": (0, (1.2, 2.2)), "-.": (0, (6, 2.5, 1.2, 2.5))}
                      .get(style, "solid"))
    if not paths:
        return
    ax = page.ax
    collection = LineCollection(paths, colors=colours_, linewidths=widths, linestyles=styles, zorder=2,
                                capstyle="round", joinstyle="round")
    collection.set_gid("relationship-lines")
    ax.add_collection(collection)
    if heads:
        ax.add_collection(PolyCollection(heads, facecolors=head_colours, edgecolors="none", zorder=2.1))
    if dots:
        ax.add_collection(PatchCollection(dots, match_original=True, zorder=3.5))


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

    @classmethod
    def plan(cls, model: MapModel, layout: MapLayout, width: float) -> _Footer:
        lang = model.lang
        entries: list[tuple[str, dict[str, Any], str]] = []
        for stance in STANCES:
            fill, edge = STANCE_COLOURS[stance]
            entries.append(("patch", {"fc": fill, "ec": edge}, stance_label(stance, lang)))
        if any(p.left for p in model.contacts.values()):
            entries.append(("patch", {"fc": LEFT_COLOURS[0], "ec": LEFT_COLOURS[1], "ls": (0, (4, 2.5))},
                            word("legend.left", lang)))
        if model.opportunity is not None:
            entries.append(("patch", {"fc": _blend(STANCE_COLOURS["unknown"][0], amount=0.55),
                                      "ec": _blend(STANCE_COLOURS["unknown"][1], amount=0.45)},
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
            entries.append(("ring", {}, word("legend.gap", lang)))
        if any(p.interests for p in model.contacts.values()):
            entries.append(("interest", {}, word("legend.interest", lang)))
        roles = [r for r in ROLE_SHORT if any(p.role == r for p in model.contacts.values())]
        col_w = max(text_width(label, 8.5) for _, _, label in entries) + 0.8
        usable = width - 2 * MARGIN
        ncol = max(1, min(math.ceil(len(entries) / 6), int(usable // col_w)))
        rows = math.ceil(len(entries) / ncol)
        legend_w = ncol * col_w
        room = usable - legend_w - 0.6
        below = bool(model.gaps) and room < 4.5               # too narrow beside the legend: below it
        role_lines: list[str] = []
        if roles:
            role_w = usable if below or not model.gaps else max(legend_w, 5.0)
            role_lines = _join_lines([f"{badge(r, lang)} = {role_label(r, lang)}" for r in roles], "  ·  ", 8,
                                     role_w - 0.1)
        legend_h = 0.45 + rows * ROW_H + (0.12 + ROW_H * len(role_lines) if role_lines else 0.0)
        gap_w, gap_cols, gap_lines, gaps_h, area = 0.0, 1, [], 0.0, 0.0
        if model.gaps:
            area = usable if below else room
            gap_cols = max(1, min(3, int(area // 7.5)))
            gap_w = area / gap_cols - (0.3 if gap_cols > 1 else 0.0)
            budget = max(rows + len(role_lines) + 1, 18) * gap_cols
            gap_lines = cls._gap_lines(model, gap_w - 0.45, budget)
            per_col = math.ceil(len(gap_lines) / gap_cols)
            gaps_h = 0.45 + per_col * ROW_H * 0.92
        if model.gaps and below:
            height = legend_h + 0.2 + gaps_h + 0.35
        else:
            height = max(legend_h, gaps_h) + 0.35
        footer = cls(entries, roles, col_w, ncol, legend_w, gap_w, gap_lines, height)
        footer.role_lines, footer.gap_cols = role_lines, gap_cols
        footer.gap_top = legend_h + 0.2 if model.gaps and below else 0.0
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

    def draw(self, ax: Any, page: _Page, model: MapModel, width: float) -> None:
        lang = model.lang
        s = page.s
        ax.plot([MARGIN, width - MARGIN], [0.12, 0.12], color="#d5dbe1", lw=1 * s)
        x0, y0 = MARGIN, 0.38
        ax.text(x0, y0, word("legend", lang), fontsize=page.pt(10), color="#37474f", va="center")
        rows = math.ceil(len(self.entries) / self.ncol)
        for i, (kind, style, label) in enumerate(self.entries):
            col, row = divmod(i, rows)
            x = x0 + col * self.col_w
            y = y0 + 0.32 + row * ROW_H
            self._handle(ax, kind, style, x, y, s)
            ax.text(x + 0.64, y, label, fontsize=page.pt(8.5), color="#263238", va="center", ha="left")
        y = y0 + 0.32 + rows * ROW_H + 0.05
        for line in self.role_lines:
            ax.text(x0, y, line, fontsize=page.pt(8), color="#37474f", va="center", ha="left")
            y += ROW_H
        if not model.gaps:
            return
        gx, gy = self.gap_x, y0 + self.gap_top
        ax.text(gx, gy, f"{word('gaps', lang)} ({len(model.gaps)})", fontsize=page.pt(10), color=GAP_COLOUR,
                va="center")
        per_col = math.ceil(len(self.gap_lines) / self.gap_cols)
        for i, (number, severity, text) in enumerate(self.gap_lines):
            col, row = divmod(i, per_col)
            x = gx + col * (self.gap_w + 0.3)
            y = gy + 0.32 + row * ROW_H * 0.92
            if number is not None:
                ax.text(x + 0.2, y, str(number), fontsize=page.pt(6.8), color="white", ha="center",
                        va="center",
                        bbox={"boxstyle": "round,pad=0.22,rounding_size=0.5", "ec": "none",
                              "fc": GAP_COLOUR if severity == "high" else "#ef8a3a" if severity == "medium"
                              else "#9e9e9e"})
            ax.text(x + 0.45, y, text, fontsize=page.pt(8), color="#263238" if severity else "#6b7780",
                    va="center", ha="left")

    @staticmethod
    def _handle(ax: Any, kind: str, style: dict[str, Any], x: float, y: float, s: float) -> None:
        if kind == "patch":
            ax.add_artist(FancyBboxPatch((x, y - 0.08), 0.48, 0.16, boxstyle="round,pad=0,rounding_size=0.04",
                                        fc=style["fc"], ec=style["ec"], lw=1.2 * s, ls=style.get("ls", "-")))
        elif kind == "line":
            ax.add_artist(FancyArrowPatch((x, y), (x + 0.5, y), arrowstyle="-|>" if style["arrow"] else "-",
                                         mutation_scale=12 * s, lw=style["lw"] * s, color=style["color"],
                                         linestyle=style["ls"], shrinkA=0, shrinkB=0))
        elif kind == "ring":
            ax.add_artist(FancyBboxPatch((x, y - 0.08), 0.48, 0.16, boxstyle="round,pad=0,rounding_size=0.04",
                                        fc="white", ec=GAP_COLOUR, lw=2 * s))
            ax.text(x + 0.44, y - 0.08, "1", fontsize=6 * s, color="white", ha="right", va="center",
                    bbox={"boxstyle": "round,pad=0.18,rounding_size=0.5", "fc": GAP_COLOUR, "ec": "none"})
        elif kind == "interest":
            ax.text(x + 0.24, y, "!!", fontsize=7 * s, color="#9b1c1c", ha="center", va="center",
                    bbox={"boxstyle": "round,pad=0.25,rounding_size=0.5", "fc": "#fdecea", "ec": "#d46a6a",
                          "lw": 0.7 * s})
