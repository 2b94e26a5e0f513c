"""Names with rare hanzi of the CJK extensions (陈𠀋 U+2000B, 林𠮷 U+20BB7), which the map font (Noto Sans
SC) lacks: drawn from the pan-CJK Noto Sans CJK (``noto-cjk-sans-jp-regular``), measured by its advances,
embedded in an SVG and given to matplotlib for the review deck; Polish ł still from DejaVu Sans."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from rendering import fonts, scene

FACE = re.compile(r"@font-face \{ font-family: '([^']+)'; src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) "
                  r"format\('woff'\); \}")
RARE = "𠀋𠮷"


def test_a_pan_cjk_font_is_installed_and_has_the_rare_hanzi() -> None:
    path = fonts.cjk_fallback_path()
    assert path is not None, "noto-cjk-sans-jp-regular is a dependency"
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    assert all(ord(ch) in cmap for ch in RARE + "䶮喆")
    map_cmap = TTFont(str(fonts.map_font().path), lazy=True).getBestCmap()
    assert not any(ord(ch) in map_cmap for ch in RARE)             # why it is needed


def test_runs_switch_to_the_font_that_has_each_character() -> None:
    runs = fonts.font_runs("陈𠀋 Michał")
    assert runs == [("陈", False), ("𠀋", True), (" Micha", False), ("ł", True)]
    assert [fonts.fallback_family(run) for run, fallback in runs if fallback] == [fonts.CJK_FALLBACK,
                                                                                  fonts.LATIN_FALLBACK]
    assert [f.family for f in fonts.fallback_fonts()] == [fonts.CJK_FALLBACK, fonts.LATIN_FALLBACK]
    assert fonts.font_families() == [fonts.map_font().family, fonts.CJK_FALLBACK, fonts.LATIN_FALLBACK]


def test_a_rare_hanzi_is_as_wide_as_any_other() -> None:
    assert fonts.char_widths("陈𠀋林𠮷") == [1.0, 1.0, 1.0, 1.0]


def test_an_svg_embeds_the_rare_hanzi_from_the_pan_cjk_font() -> None:
    page = scene.Scene(4.0, 2.0)
    page.add(1.0, scene.Text(0.2, 0.5, "陈𠀋 林𠮷 Michał", 10.0, "#000000"))
    svg = scene.svg(page).decode("utf-8")
    embedded = {family: TTFont(io.BytesIO(base64.b64decode(data))) for family, data in FACE.findall(svg)}
    assert list(embedded) == [fonts.EMBEDDED_FAMILY, fonts.EMBEDDED_CJK_FALLBACK, fonts.EMBEDDED_FALLBACK]
    assert {ord(ch) for ch in RARE} <= set(embedded[fonts.EMBEDDED_CJK_FALLBACK].getBestCmap())
    assert ord("ł") in embedded[fonts.EMBEDDED_FALLBACK].getBestCmap()
    assert "陈𠀋" in svg                                               # still text
    assert (f"font-family: '{fonts.EMBEDDED_FAMILY}', '{fonts.EMBEDDED_CJK_FALLBACK}', "
            f"'{fonts.EMBEDDED_FALLBACK}', ") in svg
