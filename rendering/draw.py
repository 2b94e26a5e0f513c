"""The map as an image (PNG or SVG), drawn with matplotlib's object API (no pyplot, no global figure).

Everything is measured in inches on the page: the layout's units. A map too large for
``MAX_SIDE`` inches is scaled down as a whole, fonts included, so its proportions never change.
Text widths are estimated from the characters (full-width CJK = 1 em), so labels are cut to their box
before drawing and nothing has to be measured twice.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

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

MIN_WIDTH = 12.0          # inches: with the PNG's dpi, at least 1,200 px wide
MAX_SIDE = 44.0           # inches: larger maps are scaled down as a whole
MARGIN = 0.45
TITLE_H = 1.0
ROW_H = 0.27              # a legend or gap-list row

_render_lock = threading.Lock()      # rcParams are global: one render at a time


def text_width(text: str, size: float) -> float:
    """The estimated width in inches of ``text`` at ``size`` points (CJK 1 em, Latin about 0.56 em).

    >>> round(text_width("陈志强", 10), 3), round(text_width("Mark", 10), 3)
    (0.417, 0.328)
    """
    em = size / 72.0
    total = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0
        elif ch in "iljtf.,:;!|'() ":
            total += 0.3
        elif ch.isupper() or ch in "mwMW@%":
            total += 0.68
        else:
            total += 0.56
    return total * em


def fit(text: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` inches.

    >>> fit("Resident application engineer (Tianjin)", 7.5, 1.6)
    'Resident application engineer…'
    """
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip(" ([{（【,，·-/") + "…"


def wrap(text: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """``text`` broken into lines of at most ``width`` inches (at spaces when it can)."""
    lines: list[str] = []
    rest = text
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


@dataclass
class _Page:
    fig: Figure
    ax: Any                       # the map's axes: data units are inches, y down
    s: float                      # scale: page inches per layout inch (≤ 1)

    def pt(self, size: float) -> float:
        return size * self.s


def render_image(model: MapModel, layout: MapLayout, fmt: str) -> bytes:
    """The map as PNG or SVG bytes."""
    m = layout.metrics
    families = fonts.font_families()
    rc: Any = {"font.family": families, "svg.fonttype": "none", "svg.hashsalt": "guanxi",
          "axes.unicode_minus": False, "path.simplify": True}
    with _render_lock, matplotlib.rc_context(rc):
        page, dpi = _page(model, layout, m)
        _draw(model, layout, page, m)
        buffer = io.BytesIO()
        if fmt == "png":
            page.fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(page.fig)
            canvas.draw()  # type: ignore[no-untyped-call]
            return _png(canvas)
        FigureCanvasSVG(page.fig)
        page.fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "Guanxi"})
    svg = buffer.getvalue().decode("utf-8")
    ours = ", ".join(f"'{f}'" for f in families)
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
    return x0, y0, x1, y1


def _page(model: MapModel, layout: MapLayout, m: Metrics) -> tuple[_Page, float]:
    x0, y0, x1, y1 = _content_bounds(layout, m)
    map_w, map_h = x1 - x0, y1 - y0
    width = max(MIN_WIDTH, map_w + 2 * MARGIN)
    footer = _Footer.plan(model, layout, width)
    height = TITLE_H + map_h + 2 * MARGIN + footer.height
    s = min(1.0, MAX_SIDE / max(width, height))
    fig = Figure(figsize=(width * s, height * s), facecolor="white")
    left = (width - map_w) / 2
    bottom = footer.height + MARGIN
    ax = fig.add_axes((left / width, bottom / height, map_w / width, map_h / height))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)                                       # y down
    ax.set_axis_off()
    page = _Page(fig, ax, s)
    page_footer = fig.add_axes((0, 0, 1, footer.height / height))
    page_footer.set_xlim(0, width)
    page_footer.set_ylim(footer.height, 0)
    page_footer.set_axis_off()
    footer.draw(page_footer, page, model, width)
    _title(model, page, width, height)
    # At least 100 dpi (a 7.5-point title line is 10 px high); small maps get up to 150, about 2,100 px wide.
    dpi = min(150.0, max(100.0, 2100.0 / (width * s)))
    return page, dpi


def _title(model: MapModel, page: _Page, width: float, height: float) -> None:
    lang = model.lang
    top = 1 - 0.32 / height
    page.fig.text(MARGIN / width, top, f"{model.account_name}  ·  {word('title', lang)}",
                  fontsize=page.pt(19), color="#1a1f24", va="center", ha="left")
    if model.opportunity is not None:
        opp = model.opportunity
        bits = [f"{word('opportunity', lang)}: {opp.get('name') or opp['id']}", str(opp.get("stage") or "")]
        if opp.get("close_date"):
            bits.append(f"{word('closes', lang)} {opp['close_date']}")
    else:
        bits = [word("all_opportunities", lang)]
    bits.append(f"{word('as_of', lang)} {model.today.isoformat()}")
    page.fig.text(MARGIN / width, top - 0.42 / height, fit("  ·  ".join(b for b in bits if b), 11,
                                                          width - 2 * MARGIN - 3),
                  fontsize=page.pt(11), color="#4a5560", va="center", ha="left")
    if model.redacted:
        page.fig.text(1 - MARGIN / width, top, word("redacted", lang), fontsize=page.pt(9.5),
                      color="#8a1c1c", va="center", ha="right",
                      bbox={"boxstyle": "round,pad=0.35", "fc": "#fdecea", "ec": "#e0a0a0", "lw": 0.8})
    page.fig.add_artist(matplotlib.lines.Line2D([MARGIN / width, 1 - MARGIN / width],
                                                [1 - TITLE_H * 0.93 / height] * 2, color="#d5dbe1", lw=1))


# ---------------------------------------------------------------------------------------- the map


def _draw(model: MapModel, layout: MapLayout, page: _Page, m: Metrics) -> None:
    ax = page.ax
    for panel in layout.panels:
        ax.add_artist(FancyBboxPatch((panel.x, panel.y), panel.w, panel.h,
                                    boxstyle="round,pad=0,rounding_size=0.12", fc=PANEL_COLOURS[0],
                                    ec=PANEL_COLOURS[1], lw=0.8, zorder=0.5))
        if panel.caption:
            ax.text(panel.x + m.panel_pad, panel.y + m.panel_pad + 0.1, panel.caption, fontsize=page.pt(8.5),
                    color="#5f6b76", ha="left", va="center", zorder=0.6)
    if layout.segments:
        ax.add_collection(LineCollection(layout.segments, colors=LINE_STYLES["REPORTS_TO"][0],
                                         linewidths=1.3 * page.s, zorder=1, capstyle="round"))
    _column_header(model, layout, page, m)
    boxes: dict[str, FancyBboxPatch] = {}
    for node, person in [*model.contacts.items(), *model.team.items(), *model.competitors.items()]:
        if node in layout.pos:
            boxes[node] = _box(person, layout.pos[node], page, m, model)
    large = len(model.contacts) > 60
    for line in sorted(model.lines, key=lambda ln: (not ln.faded, ln.type)):
        if line.source in boxes and line.target in boxes:
            _line(line, layout, page, m, large)


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


def _box(person: Person, at: tuple[float, float], page: _Page, m: Metrics, model: MapModel) -> FancyBboxPatch:
    ax = page.ax
    x, y = at
    w, h = m.box_w, m.box_h
    fill, edge, name_c, title_c = colours(person)
    emphasised = person.in_chain and not person.left
    if person.gaps and not person.faded:
        ax.add_artist(FancyBboxPatch((x - w / 2 - 0.045, y - h / 2 - 0.045), w + 0.09, h + 0.09,
                                    boxstyle="round,pad=0,rounding_size=0.11", fc="none", ec=GAP_COLOUR,
                                    lw=2.0 * page.s, zorder=2.9))
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=fill,
                           ec=edge, lw=(2.2 if emphasised else 1.3) * page.s,
                           ls=(0, (4, 2.5)) if person.left else "-", zorder=3)
    ax.add_artist(patch)
    inner = w - 0.18
    name = fit(person.name, 10.5, inner)
    ax.text(x, y - 0.13, name, fontsize=page.pt(10.5), color=name_c, ha="center", va="center", zorder=4)
    if person.left:
        half = min(text_width(name, 10.5), inner) / 2
        ax.plot([x - half, x + half], [y - 0.125, y - 0.125], color="#7d858c", lw=1 * page.s, zorder=4.1)
    sub = person.title
    if person.kind == "competitor":
        sub = word("legend.competitor", model.lang)
    if person.external:
        sub = f"[{person.external}] {sub}".strip()
    if person.left:
        sub = " ".join(b for b in (word("left", model.lang), person.left_at, sub) if b)
    if sub:
        ax.text(x, y + 0.17, fit(sub, 7.5, inner), fontsize=page.pt(7.5), color=title_c, ha="center",
                va="center", zorder=4)
    badge_y = y - h / 2
    if person.role:
        ax.text(x - w / 2 + 0.09, badge_y, badge(person.role, model.lang), fontsize=page.pt(6.8),
                color="white", ha="left", va="center", zorder=5,
                bbox={"boxstyle": "round,pad=0.22,rounding_size=0.5", "fc": "#263238" if not person.left
                      else "#90a4ae", "ec": "none"})
    if person.gaps and not person.faded:
        numbers = ",".join(str(g) for g in person.gaps[:3]) + ("+" if len(person.gaps) > 3 else "")
        ax.text(x + w / 2 - 0.09, badge_y, numbers, fontsize=page.pt(6.8), color="white", ha="right",
                va="center", zorder=5,
                bbox={"boxstyle": "round,pad=0.22,rounding_size=0.5", "fc": GAP_COLOUR, "ec": "none"})
    if person.interests and not person.faded:
        kind, _ = person.interests[0]
        more = f" +{len(person.interests) - 1}" if len(person.interests) > 1 else ""
        text = f"{word('interest', model.lang)}: {interest_short(kind, model.lang)}{more}"
        ax.text(x + w / 2 - 0.09, y + h / 2, text, fontsize=page.pt(6.5), color="#9b1c1c", ha="right",
                va="center", zorder=5,
                bbox={"boxstyle": "round,pad=0.2,rounding_size=0.5", "fc": "#fdecea", "ec": "#d46a6a",
                      "lw": 0.7 * page.s})
    return patch


def _exit(centre: tuple[float, float], toward: tuple[float, float], m: Metrics,
          pad: float = 0.03) -> tuple[float, float] | None:
    """Where the ray from a box's centre towards a point leaves the box; None if the point is inside.

    >>> x, y = _exit((0.0, 0.0), (10.0, 0.0), Metrics(), pad=0.0)
    >>> round(x, 6), y
    (0.975, 0.0)
    """
    dx, dy = toward[0] - centre[0], toward[1] - centre[1]
    tx = (m.box_w / 2 + pad) / abs(dx) if dx else math.inf
    ty = (m.box_h / 2 + pad) / abs(dy) if dy else math.inf
    t = min(tx, ty)
    if t >= 1.0:
        return None
    return centre[0] + t * dx, centre[1] + t * dy


def _curve(a: tuple[float, float], b: tuple[float, float], rad: float, m: Metrics) -> Path | None:
    """A quadratic curve from box a's border to box b's (matplotlib's ``arc3`` bend), computed here
    rather than by clipping against the boxes, which is slow on large maps."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    control = (mx + rad * (b[1] - a[1]), my - rad * (b[0] - a[0]))
    start, end = _exit(a, control, m), _exit(b, control, m)
    if start is None or end is None:                    # boxes close together: a straight line
        start, end = _exit(a, b, m), _exit(b, a, m)
        if start is None or end is None:
            return None
        control = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    return Path([start, control, end], [Path.MOVETO, Path.CURVE3, Path.CURVE3])


def _line(line: Line, layout: MapLayout, page: _Page, m: Metrics, large: bool) -> None:
    colour, style = LINE_STYLES[line.type]
    source, target = line.source, line.target
    head = "-|>"
    rad = 0.22
    alpha = 0.9
    zorder = 2.5
    if line.type == "INFLUENCES":
        width = 0.7 + 3.3 * line.weight
    elif line.type == "PROMOTED_BY":
        source, target = target, source                 # drawn patron → protégé
        width = 0.7 + 3.3 * line.weight
    elif line.type in ("ALLY", "RIVAL"):
        head, width = "-", 0.9 + 2.4 * line.weight
    elif line.type == "REPORTS_TO_SECONDARY":
        head, width, rad = "-|>", 1.1, 0.12
    elif line.type == "COVERS":
        head, width, rad, alpha, zorder = "-", 0.5 + 3.5 * line.weight, 0.06, 0.5, 2.0
    elif line.type == "MIRRORS":
        head, width, rad, alpha, zorder = "-", 1.8, -0.12, 0.85, 2.1
    else:                                               # FAVORS
        head, width, rad, alpha, zorder = "-|>", 0.6 + 2.4 * line.weight, -0.06, 0.55, 2.0
    if large:                                           # many lines: lighter, so the chart stays legible
        width *= 0.75
        alpha *= 0.8
    if line.faded:
        alpha *= 0.15 if large else 0.3
    a, b = layout.pos[source], layout.pos[target]
    if abs(a[0] - b[0]) < 1e-6 and line.type in ("COVERS", "FAVORS", "MIRRORS"):
        rad = 0.3
    path = _curve(a, b, rad, m)
    if path is None:
        return
    if line.type in ("COVERS", "MIRRORS"):                # a dot where the line ends: it is not just
        end = np.asarray(path.vertices, dtype=float)[-1]  # passing under that box
        page.ax.add_artist(matplotlib.patches.Circle((float(end[0]), float(end[1])), 0.045 + 0.02 * line.weight,
                                                     fc=colour, ec="white", lw=0.6 * page.s,
                                                     alpha=min(1.0, alpha + 0.3), zorder=3.5))
    page.ax.add_artist(FancyArrowPatch(path=path, arrowstyle=head, mutation_scale=(9 + 3 * width) * page.s,
                                       lw=width * page.s, color=colour, linestyle=style, alpha=alpha,
                                       zorder=zorder, capstyle="round", joinstyle="round"))


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
