"""A decision-chain member's stance is readable without colour: a mark beside the role badge on every map
(explained by the legend), stance colours that still differ for a deuteranope or a protanope (Machado et
al. 2009, severity 1), card texts readable on every fill; the SVG's <title>."""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from rendering.draw import TITLE_COLOUR
from rendering.labels import STANCE_COLOURS, STANCE_MARKS
from tests.conftest import bundle
from tests.maps.conftest import SVG, fetch

# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998))
NAME_COLOUR = "#15191d"
MIN_FILL_DE = 8.0          # CIEDE2000 between any two stances' fills, as each viewer sees them
MIN_BORDER_DE = 10.0


def _linear(v: float) -> float:
    v /= 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[float, float, float]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _seen(colour: str, matrix: tuple[tuple[float, ...], ...] | None) -> tuple[float, float, float]:
    """The colour as linear RGB, as a viewer with ``matrix``'s vision sees it (None: normal vision)."""
    lin = [_linear(v) for v in _rgb(colour)]
    if matrix is None:
        return lin[0], lin[1], lin[2]
    out = [min(1.0, max(0.0, sum(m * v for m, v in zip(row, lin, strict=True)))) for row in matrix]
    return out[0], out[1], out[2]


def _lab(lin: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = lin
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(c1: tuple[float, float, float], c2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu and Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = c1, c2
    cb = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cb ** 7 / (cb ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1 = math.degrees(math.atan2(b1, a1p)) % 360
    h2 = math.degrees(math.atan2(b2, a2p)) % 360
    dh = 0.0 if c1p * c2p == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lb, cbp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hb = h1 + h2
    elif abs(h1 - h2) <= 180:
        hb = (h1 + h2) / 2
    else:
        hb = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hb - 30)) + 0.24 * math.cos(math.radians(2 * hb))
         + 0.32 * math.cos(math.radians(3 * hb + 6)) - 0.20 * math.cos(math.radians(4 * hb - 63)))
    d_theta = 30 * math.exp(-(((hb - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbp ** 7 / (cbp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lb - 50) ** 2 / math.sqrt(20 + (lb - 50) ** 2)
    sc, sh = 1 + 0.045 * cbp, 1 + 0.015 * cbp * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((d_l / sl) ** 2 + (d_c / sc) ** 2 + (d_h / sh) ** 2 + rt * (d_c / sc) * (d_h / sh))


def contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        r, g, b_ = (_linear(v) for v in _rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_differences_are_those_of_the_reference() -> None:
    # Sharma et al.'s test data, pair 1 and pair 17.
    assert ciede2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50.0, 2.5, 0.0), (73.0, 25.0, -18.0)) == pytest.approx(27.1492, abs=1e-4)


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
@pytest.mark.parametrize(("part", "least"), [(0, MIN_FILL_DE), (1, MIN_BORDER_DE)])
def test_every_two_stances_differ_in_colour_for_colour_blind_viewers(vision: str, part: int, least: float) -> None:
    matrix = {"normal": None, "deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}[vision]
    close = [(a, b, round(d, 1)) for (a, ca), (b, cb) in itertools.combinations(STANCE_COLOURS.items(), 2)
             if (d := ciede2000(_lab(_seen(ca[part], matrix)), _lab(_seen(cb[part], matrix)))) < least]
    assert not close, close


@pytest.mark.parametrize("stance", list(STANCE_COLOURS))
def test_a_cards_texts_stay_readable_on_its_fill(stance: str) -> None:
    fill = STANCE_COLOURS[stance][0]
    assert contrast(NAME_COLOUR, fill) >= 7.0
    assert contrast(TITLE_COLOUR, fill) >= 4.5          # the title, 7.5 points: WCAG AA for small text


def test_every_stance_has_its_own_mark() -> None:
    assert set(STANCE_MARKS) == set(STANCE_COLOURS) and len(set(STANCE_MARKS.values())) == len(STANCE_MARKS)


def _chain() -> dict[str, str]:
    """The furniture fixture's gzf-upgrade decision chain: each member's name and stance."""
    data = bundle("furniture")
    names = {c["id"]: c["name"] for c in data["contacts"]}
    return {names[m["contact_id"]]: m["stance"] for m in data["decision_chain"]
            if m["opportunity_id"] == "gzf-upgrade"}


def _marks_on_boxes(svg: bytes) -> dict[str, str]:
    """Each drawn name and the stance mark on its box's top edge (the texts of the badge layers within
    the box's width, at its top), read back from the SVG."""
    root = ET.fromstring(svg)
    boxes = [tuple(float(r.get(k) or 0) for k in ("x", "y", "width", "height"))
             for g in root.iter(f"{SVG}g") if g.get("id") == "boxes" for r in g.iter(f"{SVG}rect")]
    texts = [(float(t.get("x") or 0), float(t.get("y") or 0), "".join(t.itertext())) for t in root.iter(f"{SVG}text")]
    out: dict[str, str] = {}
    for x, y, w, h in boxes:
        inside = [t for tx, ty, t in texts if x < tx < x + w and y < ty < y + h / 2]
        marks = [t for tx, ty, t in texts if x < tx < x + w and abs(ty - y) < 0.15 * 72 and t in STANCE_MARKS.values()]
        for name in inside:
            out[name] = marks[0] if len(marks) == 1 else f"{len(marks)} marks"
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_each_chain_members_box_carries_its_stance_mark_and_the_legend_explains_it(furniture: TestClient,
                                                                                   lang: str) -> None:
    from rendering.labels import stance_label

    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "opportunity_id": "gzf-upgrade"},
                        headers={"Accept-Language": lang}).content
    marks = _marks_on_boxes(svg)
    for name, stance in _chain().items():
        assert marks.get(name) == STANCE_MARKS[stance], (name, stance, marks.get(name))
    assert marks["吴芳"] == "0 marks"                       # not in this chain: no stance to show
    root = ET.fromstring(svg)
    texts = [(float(t.get("x") or 0), float(t.get("y") or 0), "".join(t.itertext())) for t in root.iter(f"{SVG}text")]
    for stance, mark in STANCE_MARKS.items():                 # the legend: each stance's name, its mark before it
        x, y = next((tx, ty) for tx, ty, t in texts if t == stance_label(stance, lang))
        assert [t for tx, ty, t in texts if abs(ty - y) < 3 and x - 0.6 * 72 < tx < x and t in STANCE_MARKS.values()] \
            == [mark], stance


def test_the_pdf_draws_the_marks(furniture: TestClient) -> None:
    pdf = fetch(furniture, "gzf", "pdf", opportunity_id="gzf-upgrade")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert STANCE_MARKS["opponent"] in text and STANCE_MARKS["skeptic"] in text
    assert "刘建国" in text


def test_the_deck_map_slide_carries_the_marks(furniture: TestClient) -> None:
    svg = _deck_svg(furniture, "gzf", "gzf-upgrade", "zh-CN")
    marks = _marks_on_boxes(svg)
    for name, stance in _chain().items():
        assert marks.get(name) == STANCE_MARKS[stance], (name, stance)


def _deck_svg(client: TestClient, account: str, opportunity: str | None, lang: str) -> bytes:
    import datetime as dt

    from graph.store import Store
    from rendering.deck import deck_map
    from scoring.options import ScoringOptions

    store: Store = client.app.state.store  # type: ignore[attr-defined]
    graph = store.account_graph(account)
    return deck_map(graph, None, None, "svg", opportunity_id=opportunity, redact=False, lang=lang,
                    today=dt.date(2026, 11, 22), options=ScoringOptions(), team=store.team_roster(graph))


@pytest.mark.parametrize(("lang", "title"), [("zh-CN", "广州某家具制造有限公司 · 客户关系地图"),
                                              ("en", "广州某家具制造有限公司 · Relationship map")])
def test_the_svg_has_the_maps_title_for_screen_readers(furniture: TestClient, lang: str, title: str) -> None:
    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg"}, headers={"Accept-Language": lang}).content
    root = ET.fromstring(svg)
    first = next(iter(root))
    assert first.tag == f"{SVG}title" and first.text == title
    assert re.search(rb"<svg[^>]* role=\"img\"", svg)
