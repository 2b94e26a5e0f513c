"""The cairo painter (rendering.scene._paint): what it groups to write less must draw the same thing."""

from __future__ import annotations

import re
import zlib
from typing import Any

from rendering import scene as S


def _page() -> S.Scene:
    """Boxes each with a name and a title (two looks of text, alternating, as the maps draw them), and
    lines, dots and arrowheads between them."""
    page = S.Scene(6.0, 3.0)
    for i in range(4):
        for j in range(2):
            x, y = 0.3 + 1.4 * i, 0.3 + 1.3 * j
            page.add(1, S.Box(x, y, 1.1, 0.8, radius=0.06, fill="#eceff1", stroke="#90a4ae", width=0.8))
            page.add(3, S.Text(x + 0.55, y + 0.3, f"张伟{i}{j}", 9.0, "#15191d", anchor="middle"),
                     S.Text(x + 0.55, y + 0.55, f"Sales {i}·{j}", 6.4, "#4f5a64", anchor="middle"))
        page.add(2, S.Line(((0.85 + 1.4 * i, 1.1), (0.85 + 1.4 * i, 1.35), (2.0, 1.35), (2.0, 1.6)),
                           "#e65100", 1.6, radius=0.08),
                 S.Line(((0.3 + 1.4 * i, 1.25), (1.3 + 1.4 * i, 1.25)), "#607d8b", 0.9, dash=(3.7, 1.6), alpha=0.6),
                 S.Circle(0.85 + 1.4 * i, 1.1, 0.05, "#1f5fbf", stroke="white", width=0.6),
                 S.Polygon(((1.9 + 0.3 * i, 1.5), (2.1 + 0.3 * i, 1.5), (2.0 + 0.3 * i, 1.62)), "#e65100"))
    page.add(4, S.Text(0.3, 2.85, "图例 legend", 7.0, "#15191d"), S.Text(3.0, 2.85, "右", 7.0, "#4f5a64", anchor="end"))
    return page


def _pixels(draw: Any, page: S.Scene, dpi: float) -> bytes:
    cairo = S.cairo_with_map_font()
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, round(page.width * dpi), round(page.height * dpi))
    ctx = cairo.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    draw(cairo, ctx)
    surface.flush()
    return bytes(surface.get_data())


def test_texts_grouped_by_look_draw_the_same_pixels_as_one_text_at_a_time() -> None:
    page = _page()

    def grouped(cairo: Any, ctx: Any) -> None:
        ctx.scale(100, 100)
        S._paint(cairo, ctx, page)

    def one_at_a_time(cairo: Any, ctx: Any) -> None:          # nothing to group: each shape a scene
        ctx.scale(100, 100)
        for layer, shapes in page.ordered():
            for shape in shapes:
                S._paint(cairo, ctx, S.Scene(page.width, page.height, {layer: [shape]}))

    assert _pixels(grouped, page, 100) == _pixels(one_at_a_time, page, 100)


def test_painting_in_points_draws_what_painting_in_inches_does() -> None:
    page = _page()

    def inches(cairo: Any, ctx: Any) -> None:
        ctx.scale(72, 72)
        S._paint(cairo, ctx, page)

    def points(cairo: Any, ctx: Any) -> None:
        S._paint(cairo, ctx, page, 72.0)

    a, b = _pixels(inches, page, 72), _pixels(points, page, 72)
    assert len(a) == len(b)
    differ = sum(x != y for x, y in zip(a, b, strict=True))
    assert differ <= len(a) // 2000, differ          # the same shapes: at most antialiasing of an edge


def _inflated(stream: bytes) -> bytes:
    try:
        return zlib.decompress(stream)
    except zlib.error:
        return b""


def test_a_pdf_page_writes_each_look_of_text_once_and_no_matrix_per_stroke() -> None:
    page = _page()
    data = S.pdf([page], "test")
    content = next(s for s in map(_inflated, re.findall(rb"stream\r?\n(.*?)endstream", data, re.DOTALL)) if b"BT" in s)
    texts = [s for _, shapes in page.ordered() for s in shapes if isinstance(s, S.Text)]
    assert len(re.findall(rb">\s*Tj", content)) == len(texts)     # every text, once
    assert content.count(b"BT") == 4        # a text object per look per layer (18 texts, 2 layers, 2 looks each)
    assert b"1 0 0 1 0 0 cm" not in content                      # strokes not wrapped in a matrix
    assert len(re.findall(rb" [SB]\b", content)) >= 2


def test_a_character_the_map_font_lacks_is_drawn_by_dejavu_sans_where_the_layout_measured_it() -> None:
    from rendering import fonts

    assert fonts.font_runs("王磊 Anna") is None
    assert fonts.font_runs("Michał 王") == [("Micha", False), ("ł", True), (" 王", False)]
    page = S.Scene(3.0, 0.6)
    page.add(3, S.Text(0.1, 0.3, "Michał Nowak 王磊", 12.0, "#000000"))
    data = S.pdf([page], "test")
    fonts_used = set(re.findall(rb"/BaseFont /[A-Z]{6}\+([A-Za-z-]+)", data))
    assert fonts_used == {b"NotoSansSC-Regular", b"DejaVuSans"}, fonts_used

    # In pixels: the run after "ł" starts where the layout measured "Michał" to end (DejaVu's advance for
    # "ł", not an estimate): a "|" drawn after it lands where a "|" drawn alone at that width does.
    def ink_right(*texts: tuple[float, str]) -> int:
        scene = S.Scene(3.0, 0.6)
        scene.add(3, *(S.Text(x, 0.3, text, 24.0, "#000000") for x, text in texts))

        def draw(cairo: Any, ctx: Any) -> None:
            ctx.scale(100, 100)
            S._paint(cairo, ctx, scene)

        pixels = _pixels(draw, scene, 100)
        return max(x for x in range(300) if any(pixels[(y * 300 + x) * 4] < 128 for y in range(60)))

    measured = fonts.text_width("Michał", 24.0)
    assert abs(ink_right((0.1, "Michał|")) - ink_right((0.1, "Michał"), (0.1 + measured, "|"))) <= 1
