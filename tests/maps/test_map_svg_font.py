"""An SVG map carries its font: the glyphs it draws, cut from the map font (and from DejaVu Sans for what
that lacks), embedded as ``@font-face`` with a ``data:`` URL, so Chinese shows on a machine with no CJK
font; the text stays text."""

from __future__ import annotations

import base64
import io
import re

from fastapi.testclient import TestClient
from fontTools.ttLib import TTFont

from rendering import fonts, scene
from tests.conftest import bundle
from tests.maps.conftest import fetch, svg_texts

FACE = re.compile(r"@font-face \{ font-family: '([^']+)'; src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) "
                  r"format\('woff'\); \}")


def faces(svg: str) -> dict[str, TTFont]:
    return {family: TTFont(io.BytesIO(base64.b64decode(data))) for family, data in FACE.findall(svg)}


def test_svg_embeds_the_glyphs_it_draws(furniture: TestClient) -> None:
    data = fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade")
    svg = data.decode("utf-8")
    embedded = faces(svg)
    assert list(embedded) == [fonts.EMBEDDED_FAMILY]               # the map font has every character here
    font = embedded[fonts.EMBEDDED_FAMILY]
    assert font.flavor == "woff"
    cmap = font.getBestCmap()
    texts = svg_texts(data)
    assert any("陈志强" in t for t in texts)                          # still text
    drawn = {ch for t in texts for ch in t if ch.isprintable()}
    assert drawn - {chr(c) for c in cmap} == set()
    assert len(cmap) < len(drawn) + 10                                 # a subset: only what is drawn
    assert f"font-family: '{fonts.EMBEDDED_FAMILY}', 'Noto Sans SC'" in svg
    assert len(data) < 200_000


def test_a_character_the_map_font_lacks_comes_from_dejavu_sans() -> None:
    page = scene.Scene(4.0, 2.0)
    page.add(1.0, scene.Text(0.2, 0.5, "Michał 王磊", 10.0, "#000000"))
    svg = scene.svg(page).decode("utf-8")
    embedded = faces(svg)
    assert list(embedded) == [fonts.EMBEDDED_FAMILY, fonts.EMBEDDED_FALLBACK]
    assert ord("王") in embedded[fonts.EMBEDDED_FAMILY].getBestCmap()
    assert ord("ł") not in embedded[fonts.EMBEDDED_FAMILY].getBestCmap()
    assert set(embedded[fonts.EMBEDDED_FALLBACK].getBestCmap()) >= {ord("ł")}
    assert f"font-family: '{fonts.EMBEDDED_FAMILY}', '{fonts.EMBEDDED_FALLBACK}', " in svg


def test_user_text_cannot_break_out_of_the_style(furniture: TestClient) -> None:
    data = bundle("furniture")
    data["contacts"][0]["name"] = "</style><script>alert(1)</script>"
    assert furniture.post("/v1/import", json=data).status_code == 200
    svg = fetch(furniture, "gzf", "svg").decode("utf-8")
    assert svg.count("</style>") == 1 and "<script>" not in svg
