"""The CJK font, the layout's promises (nobody dropped, no overlapping boxes), and a 300-person map."""

from __future__ import annotations

import json
import time
from itertools import combinations
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from rendering import fonts
from rendering.layout import COMPACT, Metrics, org_chart
from tests.conftest import FIXTURES
from tests.maps.conftest import fetch, png_size, read_cytoscape
from tests.maps.generator import large_account

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo_account.json"


def chinese_names() -> set[str]:
    """Every name in the demo account and the fixture bundles."""
    names: set[str] = set()
    for path in [DEMO, FIXTURES / "furniture.json", FIXTURES / "handset.json"]:
        data = json.loads(path.read_text(encoding="utf-8"))
        for section in ("accounts", "contacts", "team", "competitors", "opportunities"):
            names.update(item["name"] for item in data.get(section, []))
    return names


def test_the_map_font_is_the_packaged_noto_sans_sc() -> None:
    font = fonts.map_font()
    assert font.family == "Noto Sans SC"
    assert font.path is not None and font.path.is_file()
    # Matplotlib resolves the family to that very file: no system font involved.
    found = font_manager.findfont(font_manager.FontProperties(family=font.family), fallback_to_default=False)
    assert Path(found) == font.path


def test_the_font_has_a_glyph_for_every_character_of_the_demo_names() -> None:
    font = fonts.map_font()
    assert font.path is not None
    cmap = TTFont(str(font.path), lazy=True).getBestCmap()
    characters = {ch for name in chinese_names() for ch in name if not ch.isspace()}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in characters)
    missing = sorted(ch for ch in characters if ord(ch) not in cmap)
    assert missing == [], missing
    # ... and for the map's own words (legend, badges, titles).
    from rendering.labels import INTEREST_SHORT, ROLE_SHORT, WORDS

    words = [w for entry in WORDS.values() for w in entry.values()]
    words += [z for z, _ in ROLE_SHORT.values()] + [e["zh-CN"] for e in INTEREST_SHORT.values()]
    missing = sorted({ch for w in words for ch in w if not ch.isspace() and ord(ch) not in cmap})
    assert missing == [], missing


def boxes_overlap(a: tuple[float, float], b: tuple[float, float], m: Metrics) -> bool:
    return abs(a[0] - b[0]) < m.box_w - 1e-6 and abs(a[1] - b[1]) < m.box_h - 1e-6


def test_org_chart_places_everyone_without_overlap_even_with_a_reporting_loop() -> None:
    people = [f"p{i}" for i in range(40)]
    manager = {f"p{i}": f"p{(i - 1) // 3}" for i in range(1, 30)}     # a tree of 30
    manager.update({"p30": "p31", "p31": "p32", "p32": "p30"})         # a loop (never stored, but)
    m = Metrics()
    layout = org_chart(people, manager, sort_key=lambda c: int(c[1:]), m=m, no_manager_caption="none")
    assert set(layout.pos) == set(people)
    for (a, pa), (b, pb) in combinations(layout.pos.items(), 2):
        assert not boxes_overlap(pa, pb, m), (a, b)
    assert layout.pos["p0"][1] < layout.pos["p1"][1] < layout.pos["p4"][1]


def test_a_wide_level_wraps_into_rows() -> None:
    people = ["boss"] + [f"m{i}" for i in range(12)] + [f"s{i}" for i in range(24)]
    manager = {f"m{i}": "boss" for i in range(12)}
    manager.update({f"s{i}": f"m{i // 2}" for i in range(24)})
    m = Metrics()
    layout = org_chart(people, manager, sort_key=str, m=m)
    x0, y0, x1, y1 = layout.chart
    assert (x1 - x0) / (y1 - y0) < m.aspect * 1.6                      # not one endless row
    assert len({round(layout.pos[f"m{i}"][1], 3) for i in range(12)}) > 1
    for (a, pa), (b, pb) in combinations(layout.pos.items(), 2):
        assert not boxes_overlap(pa, pb, m), (a, b)


@pytest.fixture
def big(client: TestClient) -> TestClient:
    response = client.post("/v1/import", json=large_account(300, seed=7))
    assert response.status_code == 200, response.text
    return client


def test_generator_is_seeded() -> None:
    assert large_account(60, seed=3) == large_account(60, seed=3)
    assert len(large_account(300)["contacts"]) == 300


@pytest.mark.parametrize("opportunity", [None, "big-opp"])
def test_a_300_person_account_renders_legibly(big: TestClient, opportunity: str | None) -> None:
    params = {"opportunity_id": opportunity} if opportunity else {}
    started = time.perf_counter()
    data = fetch(big, "big", "png", **params)
    elapsed = time.perf_counter() - started
    width, height = png_size(data)
    print(f"\n300-person map ({opportunity or 'no opportunity'}): {elapsed:.2f} s, {width}x{height} px, "
          f"{len(data) // 1024} KB")
    assert width >= 800
    # Legible: the names are drawn at full size (no boxes shrunk below the normal scale)...
    elements = read_cytoscape(fetch(big, "big", "cytoscape", **params))["elements"]
    contacts = {n["data"]["id"]: (n["position"]["x"] / 100, n["position"]["y"] / 100)
                for n in elements["nodes"] if n["data"]["kind"] == "contact"}
    assert len(contacts) == 300
    # ... and no two people's boxes overlap (large maps use the compact box size).
    m = COMPACT
    ordered = sorted(contacts.items(), key=lambda kv: kv[1])
    for i, (a, pa) in enumerate(ordered):
        for b, pb in ordered[i + 1:]:
            if pb[0] - pa[0] >= m.box_w:
                break
            assert not boxes_overlap(pa, pb, m), (a, b)
