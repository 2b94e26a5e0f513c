"""The review deck's map slide says what it left out in a meeting's words: how many people are not drawn
and that the PDF export has everyone, no API queries; the map served over HTTP keeps its how-to-ask note."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from tests.maps.conftest import svg_texts
from tests.maps.generator import large_account

BIG = large_account(300, seed=7)
QUERY = re.compile(r"scope=|format=|depth=|/changes|/v1/|&|graphml|不带 since|without since")


@pytest.fixture
def big(client: TestClient) -> TestClient:
    client.post("/v1/import", json=BIG).raise_for_status()
    return client


def _deck_texts(client: TestClient, lang: str, reviewed: bool) -> list[str]:
    from app.reviews import compare
    from graph.store import Store
    from rendering.deck import deck_map
    from scoring.options import ScoringOptions

    if reviewed:                         # a review, then a change: the slide draws the change map
        client.post("/v1/accounts/big/reviews", json={"title": "Q4", "opportunity_ids": ["big-opp"]}).raise_for_status()
        member = BIG["decision_chain"][0]["contact_id"]
        client.patch(f"/v1/opportunities/big-opp/decision-chain/members/{member}",
                     json={"stance": "opponent"}).raise_for_status()
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    graph = store.account_graph("big")
    compared = compare(store, ScoringOptions(), "big", None, None, "big-opp", lang)
    assert (compared is not None) == reviewed
    svg = deck_map(graph, compared.changes if compared else None, compared.label if compared else None, "svg",
                   opportunity_id="big-opp", redact=False, lang=lang, today=dt.date(2026, 11, 22),
                   options=ScoringOptions(), team=store.team_roster(graph))
    return svg_texts(svg)


@pytest.mark.parametrize("reviewed", [False, True])
@pytest.mark.parametrize(("lang", "said"), [
    ("zh-CN", r"显示 (\d+) / 300 人，另有 (\d+) 人未画出；完整地图（全部人员）见 PDF 导出"),
    ("en", r"(\d+) of 300 people shown, (\d+) more not drawn here; the full map with everyone is in the PDF export"),
])
def test_the_deck_map_slide_says_what_it_left_out_without_queries(big: TestClient, lang: str, said: str,
                                                                  reviewed: bool) -> None:
    texts = _deck_texts(big, lang, reviewed)
    joined = " ".join(texts)
    found = re.search(said, joined)
    assert found is not None, joined[:600]
    assert int(found.group(1)) + int(found.group(2)) == 300
    assert not [t for t in texts if QUERY.search(t)], [t for t in texts if QUERY.search(t)]


def test_the_map_served_over_http_keeps_its_how_to_ask_note(big: TestClient) -> None:
    svg = big.get("/v1/accounts/big/map", params={"format": "svg", "opportunity_id": "big-opp", "scope": "chain",
                                                  "depth": "1"}).content
    joined = "\n".join(svg_texts(svg))
    assert "scope=around&around=" in joined and "format=pdf" in joined
