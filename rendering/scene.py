"""What a map page draws, as a list of shapes, and the painters that turn it into PNG, SVG and PDF.

A :class:`Scene` is one page: its size in inches and its shapes (rounded boxes, polylines, polygons,
circles, one-line texts), each in page inches with y down, line widths and font sizes in points, and a
layer that orders the drawing. The map, the PDF's pages and the change map build scenes
(``rendering.draw``, ``rendering.pdf``, ``rendering.change_map``); the painters write them:

- PNG and PDF through cairo (``cairocffi`` over the system's ``libcairo2``): the map font is handed to
  fontconfig once per process, and cairo embeds the glyphs a PDF uses as a subset, so Chinese renders in
  any viewer and stays searchable. One PDF holds many pages of different sizes.
- SVG written directly: text stays text, in a subset of our font embedded as ``@font-face`` (then
  common CJK fonts), every value escaped, so user text can never become markup.

Text is never parsed: no markup, no math. Widths come from the font's own metrics (``rendering.fonts``),
the same that the layout measured with, so a label placed to fit does fit.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from rendering import fonts
from rendering.safe import display_text, visual_text
from scoring.budget import checkpoint

Anchor = Literal["start", "middle", "end"]
Point = tuple[float, float]
# Matplotlib's dash names, in multiples of the line width (as matplotlib scales them).
DASHES: dict[str, tuple[float, ...]] = {"-": (), "--": (3.7, 1.6), ":": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}
# Where a line of text sits: its baseline this far below the centre, in ems.
BASELINE = 0.36


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle with rounded corners: top-left ``x``, ``y``, size ``w`` × ``h`` and corner ``radius``
    in inches; ``fill``/``stroke`` colours (None: none), ``width`` in points, ``dash`` (pattern in
    multiples of the width), ``alpha`` for both."""

    x: float
    y: float
    w: float
    h: float
    radius: float = 0.0
    fill: str | None = None
    stroke: str | None = None
    width: float = 1.0
    dash: tuple[float, ...] = ()
    alpha: float = 1.0


@dataclass(frozen=True, slots=True)
class Line:
    """An open polyline: round caps and joins; each corner rounded by a quarter curve of at most
    ``radius`` inches (0: sharp), which stays inside the corner."""

    points: tuple[Point, ...]
    colour: str
    width: float
    dash: tuple[float, ...] = ()
    alpha: float = 1.0
    radius: float = 0.0


def corner_curves(points: Sequence[Point], radius: float) -> list[tuple[Point, Point, Point]]:
    """For each corner of a polyline, where its curve starts, the corner (the quadratic curve's control
    point) and where the curve ends: at most ``radius`` along each side, and no more than half of either.

    >>> corner_curves([(0, 0), (1, 0), (1, 1)], 0.1)
    [((0.9, 0.0), (1, 0), (1.0, 0.1))]
    """
    out: list[tuple[Point, Point, Point]] = []
    for k in range(1, len(points) - 1):
        (ax, ay), (bx, by), (cx, cy) = points[k - 1], points[k], points[k + 1]
        d1, d2 = math.hypot(bx - ax, by - ay), math.hypot(cx - bx, cy - by)
        r = min(radius, d1 / 2, d2 / 2)
        if r <= 1e-6:
            out.append((points[k], points[k], points[k]))
            continue
        out.append(((bx - (bx - ax) / d1 * r, by - (by - ay) / d1 * r), points[k],
                    (bx + (cx - bx) / d2 * r, by + (cy - by) / d2 * r)))
    return out


@dataclass(frozen=True, slots=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str
    alpha: float = 1.0


@dataclass(frozen=True, slots=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str
    stroke: str | None = None
    width: float = 0.0
    alpha: float = 1.0


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text: ``y`` is its vertical centre; ``anchor`` which end of it (or its middle) is at
    ``x``; ``size`` in points."""

    x: float
    y: float
    text: str
    size: float
    colour: str
    anchor: Anchor = "start"

    def width(self) -> float:
        return fonts.text_width(self.text, self.size)


Shape = Box | Line | Polygon | Circle | Text


@dataclass
class Scene:
    """One page: ``width`` × ``height`` inches, and its shapes by layer (lower layers first, shapes of a
    layer in the order added). ``groups`` name the layers in SVG (``<g id=…>``)."""

    width: float
    height: float
    layers: dict[float, list[Shape]] = field(default_factory=dict)
    groups: dict[float, str] = field(default_factory=dict)
    title: str = ""                    # what it shows (an SVG's <title>, which screen readers announce)

    def add(self, layer: float, *shapes: Shape, group: str | None = None) -> None:
        self.layers.setdefault(layer, []).extend(shapes)
        if group is not None:
            self.groups[layer] = group

    def ordered(self) -> list[tuple[float, list[Shape]]]:
        return sorted(self.layers.items())

    def texts(self) -> list[str]:
        return [s.text for _, shapes in self.ordered() for s in shapes if isinstance(s, Text)]

    def shift(self, below: float, dy: float) -> None:
        """Make room: every shape that starts at or below ``below`` (page inches) moves ``dy`` down, and
        the page grows by ``dy``. A band between two parts of a page that no shape crosses (under a map's
        title) opens up for something more."""
        self.height += dy
        for layer, shapes in self.layers.items():
            self.layers[layer] = [_moved(s, dy) if footprint(s)[0][1] >= below - 1e-9 else s for s in shapes]


def _moved(shape: Shape, dy: float) -> Shape:
    if isinstance(shape, Line | Polygon):
        return replace(shape, points=tuple((x, y + dy) for x, y in shape.points))
    return replace(shape, y=shape.y + dy)


def footprint(shape: Shape) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, y0, x1, y1, page inches) that cover what ``shape`` paints, the first its bounding
    box: a line's segments each widened by half its width (its rounded corners stay inside them), a text
    from where it starts to where it ends, an em high."""
    if isinstance(shape, Box):
        half = shape.width / 144.0 if shape.stroke else 0.0
        return [(shape.x - half, shape.y - half, shape.x + shape.w + half, shape.y + shape.h + half)]
    if isinstance(shape, Text):
        x0 = text_anchor_x(shape)
        half = shape.size / 72.0 * 0.6
        return [(x0, shape.y - half, x0 + shape.width(), shape.y + half)]
    if isinstance(shape, Circle):
        r = shape.r + (shape.width / 144.0 if shape.stroke else 0.0)
        return [(shape.x - r, shape.y - r, shape.x + r, shape.y + r)]
    xs, ys = [p[0] for p in shape.points], [p[1] for p in shape.points]
    if isinstance(shape, Polygon):
        return [(min(xs), min(ys), max(xs), max(ys))]
    half = shape.width / 144.0
    whole = (min(xs) - half, min(ys) - half, max(xs) + half, max(ys) + half)
    return [whole, *((min(ax, bx) - half, min(ay, by) - half, max(ax, bx) + half, max(ay, by) + half)
                     for (ax, ay), (bx, by) in itertools.pairwise(shape.points))]


@functools.lru_cache(maxsize=1024)
def rgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` (or ``white``/``black``) as three fractions."""
    named = {"white": "#ffffff", "black": "#000000"}
    value = named.get(colour, colour).lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a colour: {colour!r}")
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def blend(colour: str, towards: str = "#ffffff", amount: float = 0.6) -> str:
    """``colour`` moved ``amount`` of the way to ``towards``."""
    a, b = rgb(colour), rgb(towards)
    return "#" + "".join(f"{round((x + (y - x) * amount) * 255):02x}" for x, y in zip(a, b, strict=True))


def text_anchor_x(shape: Text) -> float:
    """Where the text starts."""
    if shape.anchor == "start":
        return shape.x
    w = shape.width()
    return shape.x - w / 2 if shape.anchor == "middle" else shape.x - w


# ---------------------------------------------------------------------------------------- cairo

_cairo_lock = threading.Lock()
_cairo_family: str | None = None


def cairo_with_map_font() -> Any:
    """cairocffi, with the map font known to fontconfig (once per process): the family cairo asks for
    (the maps here, the review deck's PDF in :mod:`rendering.deck`)."""
    global _cairo_family
    import cairocffi

    with _cairo_lock:
        if _cairo_family is None:
            font = fonts.map_font()
            if font.path is not None:
                _add_font_file(str(font.path))
            for fallback in fonts.fallback_fonts():
                _add_font_file(str(fallback.path))
            _cairo_family = font.family
    return cairocffi


def show_runs(ctx: Any, runs: Sequence[tuple[str, bool]], family: str) -> None:
    """Draw a text cut into runs (``fonts.font_runs``) from the current point, each run in the map font
    ``family`` or, where it lacks the characters, in the fallback font that has them (``fonts.fallback_family``:
    Noto Sans CJK for rare hanzi and Korean, else DejaVu Sans); the font face is left as the last run's."""
    for run, fallback in runs:          # each run from where the last one left the current point
        ctx.select_font_face(fonts.fallback_family(run) if fallback else family)
        ctx.show_text(run)


def _add_font_file(path: str) -> None:
    """Hand a font file to fontconfig's current configuration, so cairo finds it by its family."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef("int FcConfigAppFontAddFile(void *config, const unsigned char *file);")
    fontconfig: Any = ffi.dlopen("libfontconfig.so.1")
    if not fontconfig.FcConfigAppFontAddFile(ffi.NULL, path.encode()):
        fonts.log.warning("maps: fontconfig could not load %s; text falls back to a system font", path)


def _paint(cairo: Any, ctx: Any, scene: Scene, unit: float = 1.0) -> None:
    """Draw ``scene`` on ``ctx``, whose user space is ``unit`` to the inch (y down).

    A PDF is drawn with cairo's user space its own (points, ``unit`` 72): under a scaled one cairo wraps
    every stroke in a save, an identity matrix and a restore (``q 1 0 0 1 0 0 cm … Q``).

    Paths are built through cairo's C functions directly (cairocffi's wrappers check the status after
    every call; cairo's errors are sticky, so the status is checked once, at the end; text goes to
    cairo_show_text as UTF-8, as cairocffi's wrapper sends it). Consecutive opaque
    lines of one style are stroked as one path, and consecutive opaque boxes of one style filled and
    stroked as one (the boxes of a layer never overlap): the same pixels, far fewer operations in a PDF."""
    ctx.set_line_cap(cairo.LINE_CAP_ROUND)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    family = _cairo_family or fonts.LATIN_FALLBACK
    ctx.select_font_face(family)
    options = cairo.FontOptions()
    options.set_hint_metrics(cairo.HINT_METRICS_OFF)       # advances as the layout measured them
    options.set_hint_style(cairo.HINT_STYLE_NONE)
    ctx.set_font_options(options)
    lib, pointer = cairo.cairo, ctx._pointer
    move_to, line_to, curve_to = lib.cairo_move_to, lib.cairo_line_to, lib.cairo_curve_to
    fill, fill_preserve, show_text = lib.cairo_fill, lib.cairo_fill_preserve, lib.cairo_show_text
    # cairo's state is set only when it changes: each call crosses into C and checks a status.
    u, pt = unit, unit / 72                                 # an inch and a point in user space
    state: dict[str, Any] = {"size": -1.0, "source": None, "width": -1.0, "dash": None}
    pending: tuple[str, float, tuple[float, ...], float] | None = None    # the style of lines not yet stroked
    boxes: tuple[str | None, str | None, float, tuple[float, ...]] | None = None   # of boxes not yet painted
    texts: list[Text] = []         # consecutive texts not yet drawn

    def source(colour: str, alpha: float) -> None:
        if state["source"] != (colour, alpha):
            state["source"] = (colour, alpha)
            lib.cairo_set_source_rgba(pointer, *rgb(colour), alpha)

    def stroke(colour: str, width: float, dash: tuple[float, ...], alpha: float) -> None:
        if state["width"] != width:
            state["width"] = width
            lib.cairo_set_line_width(pointer, width * pt)
        if state["dash"] != (dash, width):
            state["dash"] = (dash, width)
            ctx.set_dash([d * width * pt for d in dash])
        source(colour, alpha)
        lib.cairo_stroke(pointer)

    def paint(inside: str | None, edge: str | None, width: float, dash: tuple[float, ...], alpha: float) -> None:
        if inside is not None:
            source(inside, alpha)
            if edge is not None:
                fill_preserve(pointer)
            else:
                fill(pointer)
        if edge is not None:
            stroke(edge, width, dash, alpha)

    def draw_texts() -> None:
        # A run of consecutive texts drawn grouped by size and colour (stable: texts of one look keep their
        # order), so cairo writes each group as one PDF text object (BT … ET) instead of one per text and
        # sets each colour once. The maps place no text over another, so the order within a run shows nowhere.
        texts.sort(key=_text_look)
        for logical in texts:
            shown = visual_text(logical.text)     # right-to-left names reordered and joined: cairo does neither
            t = logical if shown == logical.text else replace(logical, text=shown)
            if t.size != state["size"]:
                state["size"] = t.size
                lib.cairo_set_font_size(pointer, t.size * pt)
            source(t.colour, 1.0)
            move_to(pointer, text_anchor_x(t) * u, (t.y + BASELINE * t.size / 72) * u)
            runs = fonts.font_runs(t.text)
            if runs is None:
                show_text(pointer, t.text.encode("utf-8"))
                continue
            show_runs(ctx, runs, family)
            ctx.select_font_face(family)
        texts.clear()

    def flush() -> None:
        nonlocal pending, boxes
        if texts:
            draw_texts()
        if pending is not None:
            stroke(*pending)
            pending = None
        if boxes is not None:
            paint(*boxes, 1.0)
            boxes = None

    for _, shapes in scene.ordered():
        for s in shapes:
            if isinstance(s, Line):
                if len(s.points) < 2:
                    continue
                style = (s.colour, s.width, s.dash, s.alpha)
                if pending != style or s.alpha < 1 or boxes is not None or texts:
                    flush()
                points = s.points if u == 1.0 else [(x * u, y * u) for x, y in s.points]
                move_to(pointer, *points[0])
                if s.radius > 0 and len(points) > 2:
                    for (px, py), (bx, by), (qx, qy) in corner_curves(points, s.radius * u):
                        line_to(pointer, px, py)
                        curve_to(pointer, px + (bx - px) * 2 / 3, py + (by - py) * 2 / 3,
                                 qx + (bx - qx) * 2 / 3, qy + (by - qy) * 2 / 3, qx, qy)
                    line_to(pointer, *points[-1])
                else:
                    for x, y in points[1:]:
                        line_to(pointer, x, y)
                if s.alpha < 1:
                    stroke(*style)
                else:
                    pending = style
                continue
            if isinstance(s, Box):
                look = (s.fill, s.stroke, s.width, s.dash)
                if boxes != look or s.alpha < 1 or pending is not None or texts:
                    flush()
                _rounded(lib, pointer, s, u)
                if s.alpha < 1:
                    paint(*look, s.alpha)
                else:
                    boxes = look
                continue
            if isinstance(s, Text):
                if pending is not None or boxes is not None:
                    flush()
                texts.append(s)
                continue
            flush()
            if isinstance(s, Polygon):
                move_to(pointer, s.points[0][0] * u, s.points[0][1] * u)
                for x, y in s.points[1:]:
                    line_to(pointer, x * u, y * u)
                lib.cairo_close_path(pointer)
                source(s.fill, s.alpha)
                fill(pointer)
            else:
                lib.cairo_new_sub_path(pointer)
                lib.cairo_arc(pointer, s.x * u, s.y * u, s.r * u, 0, 6.283185307179586)
                source(s.fill, s.alpha)
                if s.stroke is not None:
                    fill_preserve(pointer)
                    stroke(s.stroke, s.width, (), s.alpha)
                else:
                    fill(pointer)
    flush()
    status = lib.cairo_status(pointer)
    if status:
        raise cairo.CairoError(f"cairo could not draw the page: status {status}", status)


def _text_look(t: Text) -> tuple[float, str]:
    return (t.size, t.colour)


def _rounded(lib: Any, pointer: Any, b: Box, u: float) -> None:
    r = max(0.0, min(b.radius, b.w / 2, b.h / 2)) * u
    if r == 0:
        lib.cairo_rectangle(pointer, b.x * u, b.y * u, b.w * u, b.h * u)
        return
    x0, y0, x1, y1 = b.x * u, b.y * u, (b.x + b.w) * u, (b.y + b.h) * u
    pi = 3.141592653589793
    arc = lib.cairo_arc
    lib.cairo_new_sub_path(pointer)
    arc(pointer, x1 - r, y0 + r, r, -pi / 2, 0)
    arc(pointer, x1 - r, y1 - r, r, 0, pi / 2)
    arc(pointer, x0 + r, y1 - r, r, pi / 2, pi)
    arc(pointer, x0 + r, y0 + r, r, pi, 3 * pi / 2)
    lib.cairo_close_path(pointer)


def png(scene: Scene, dpi: float) -> bytes:
    """The scene as a palette PNG at ``dpi``: maps use few colours, so 256 keep them and the file is
    about a third of a true-colour one."""
    from PIL import Image

    cairo = cairo_with_map_font()
    w, h = max(1, round(scene.width * dpi)), max(1, round(scene.height * dpi))
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, w, h)
    ctx = cairo.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    ctx.scale(dpi, dpi)
    _paint(cairo, ctx, scene)
    surface.flush()
    image = Image.frombuffer("RGBA", (w, h), bytes(surface.get_data()), "raw", "BGRA", surface.get_stride(), 1)
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                  dither=Image.Dither.NONE).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def pdf(pages: Sequence[Scene], title: str) -> bytes:
    """The scenes as the pages of one PDF (each page its scene's size), the map font embedded as a
    subset."""
    cairo = cairo_with_map_font()
    out = io.BytesIO()
    first = pages[0]
    surface = cairo.PDFSurface(out, first.width * 72, first.height * 72)
    surface.set_metadata(cairo.PDF_METADATA_TITLE, display_text(title))
    surface.set_metadata(cairo.PDF_METADATA_CREATOR, "Guanxi")
    for scene in pages:
        checkpoint()
        surface.set_size(scene.width * 72, scene.height * 72)
        ctx = cairo.Context(surface)
        _paint(cairo, ctx, scene, 72.0)
        ctx.show_page()
    surface.finish()
    return out.getvalue()


# ---------------------------------------------------------------------------------------- SVG


def _n(x: float) -> str:
    """A coordinate in points, short."""
    return f"{x * 72:.2f}".rstrip("0").rstrip(".")


def _paint_attrs(fill: str | None, stroke: str | None, width: float, dash: tuple[float, ...],
                 alpha: float) -> str:
    parts = [f'fill="{fill or "none"}"']
    if stroke is not None:
        parts.append(f'stroke="{stroke}" stroke-width="{width:.2f}"')
        if dash:
            parts.append('stroke-dasharray="' + " ".join(f"{d * width:.2f}" for d in dash) + '"')
    if alpha < 1:
        parts.append(f'opacity="{alpha:.3f}"')
    return " ".join(parts)


def svg(scene: Scene) -> bytes:
    """The scene as an SVG document, one unit a point; text kept as text, in the glyphs it uses of the map
    font, embedded (``fonts.svg_font_faces``), so it shows on a machine with no CJK font."""
    faces, families = fonts.svg_font_faces("".join(scene.texts()))
    out = [(f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{_n(scene.width)}pt" height="{_n(scene.height)}pt" '
            f'viewBox="0 0 {_n(scene.width)} {_n(scene.height)}" version="1.1" role="img">'),
           *([f"<title>{escape(scene.title)}</title>"] if scene.title else []),
           f"<style>{faces}\ntext {{ font-family: {fonts.svg_font_family(families)}; white-space: pre; }}</style>",
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    for layer, shapes in scene.ordered():
        group = scene.groups.get(layer)
        out.append(f"<g id={quoteattr(group)}>" if group else "<g>")
        for s in shapes:
            if isinstance(s, Text):
                anchor = "" if s.anchor == "start" else f' text-anchor="{s.anchor}"'
                out.append(f'<text x="{_n(s.x)}" y="{_n(s.y + BASELINE * s.size / 72)}" '
                           f'font-size="{s.size:.2f}" fill="{s.colour}"{anchor}>{escape(s.text)}</text>')
            elif isinstance(s, Line):
                if len(s.points) < 2:
                    continue
                d = f"M{_n(s.points[0][0])} {_n(s.points[0][1])}"
                if s.radius > 0 and len(s.points) > 2:
                    for p, b, q in corner_curves(s.points, s.radius):
                        d += f" L{_n(p[0])} {_n(p[1])} Q{_n(b[0])} {_n(b[1])} {_n(q[0])} {_n(q[1])}"
                    d += f" L{_n(s.points[-1][0])} {_n(s.points[-1][1])}"
                else:
                    d += "".join(f" L{_n(x)} {_n(y)}" for x, y in s.points[1:])
                out.append(f'<path d="{d}" stroke-linecap="round" stroke-linejoin="round" '
                           f'{_paint_attrs(None, s.colour, s.width, s.dash, s.alpha)}/>')
            elif isinstance(s, Box):
                r = max(0.0, min(s.radius, s.w / 2, s.h / 2))
                out.append(f'<rect x="{_n(s.x)}" y="{_n(s.y)}" width="{_n(s.w)}" height="{_n(s.h)}" '
                           f'rx="{_n(r)}" {_paint_attrs(s.fill, s.stroke, s.width, s.dash, s.alpha)}/>')
            elif isinstance(s, Polygon):
                points = " ".join(f"{_n(x)},{_n(y)}" for x, y in s.points)
                out.append(f'<polygon points="{points}" {_paint_attrs(s.fill, None, 0, (), s.alpha)}/>')
            else:
                out.append(f'<circle cx="{_n(s.x)}" cy="{_n(s.y)}" r="{_n(s.r)}" '
                           f'{_paint_attrs(s.fill, s.stroke, s.width, (), s.alpha)}/>')
        out.append("</g>")
    out.append("</svg>\n")
    return "\n".join(out).encode("utf-8")
