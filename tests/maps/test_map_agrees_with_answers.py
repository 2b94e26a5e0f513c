"""A map says what the analytics say: its gap list is the coverage gaps' answer, actions included (which
name our people from the whole roster, a counterpart with no tie to the account yet too); it badges the
interests the chain counts; its lines weigh what the analytics' rule table weighs."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from rendering.model import build_map
from scoring.options import DEFAULT_OPTIONS
from tests.maps.conftest import fetch, read_graphml, svg_texts


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_maps_gap_actions_are_the_answers(furniture: TestClient, lang: str) -> None:
    answer = furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps", headers={"Accept-Language": lang}).json()
    # 周海 (us-vp), our vice-president, has no tie at the account: only the roster names him.
    assert any("周海" in g["action"] for g in answer["gaps"])
    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "opportunity_id": "gzf-upgrade"},
                        headers={"Accept-Language": lang}).content
    drawn = squeezed(svg_texts(svg))                      # a long gap line is wrapped over several texts
    for gap in answer["gaps"]:
        assert squeezed([gap["action"]]) in drawn, gap["code"]
    # The map of the account as a whole lists the open deal's gaps the same way.
    whole = squeezed(svg_texts(furniture.get("/v1/accounts/gzf/map", params={"format": "svg"},
                                             headers={"Accept-Language": lang}).content))
    assert all(squeezed([g["action"]]) in whole for g in answer["gaps"])


def squeezed(texts: list[str]) -> str:
    return "".join("".join(texts).split())


def test_the_map_badges_the_interests_the_chain_counts(furniture: TestClient) -> None:
    # 林晓 stands to gain from another deal: not this one's interest, nor a competitor's.
    furniture.post("/v1/import", json={
        "opportunities": [{"id": "gzf-b", "account_id": "gzf", "name": "展厅改造", "stage": "proposal"}],
        "relationships": [{"type": "HAS_INTEREST", "source": "gzf-design", "target": "gzf-b", "kind": "kickback",
                           "threat": 0.9}]}).raise_for_status()
    graph = furniture.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]
    chain = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    counted = {m["contact_id"]: [i["kind"] for i in m["interests"]] for m in chain["members"]}
    assert counted["gzf-design"] == [] and counted["gzf-it"] == ["job_threat"]
    on_map = build_map(graph, opportunity_id="gzf-upgrade").contacts
    assert [kind for kind, _ in on_map["gzf-design"].interests] == []
    assert [kind for kind, _ in on_map["gzf-it"].interests] == ["job_threat"]
    assert [kind for kind, _ in on_map["gzf-proc"].interests] == ["kickback"]      # with the incumbent
    # The account's map, no deal chosen: the interests in any open deal.
    assert [kind for kind, _ in build_map(graph).contacts["gzf-design"].interests] == ["kickback"]


def test_the_maps_lines_weigh_what_the_analytics_weigh(furniture: TestClient) -> None:
    # An influence line of unknown strength, and a promotion (patron 陈志强 → protégé 郑浩).
    furniture.post("/v1/import", json={"relationships": [
        {"id": "unknown-pull", "type": "INFLUENCES", "source": "gzf-buyer", "target": "gzf-proc"},
        {"id": "promotion", "type": "PROMOTED_BY", "source": "gzf-salesvp", "target": "gzf-gm"}]}).raise_for_status()
    graph = furniture.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]
    options = dataclasses.replace(DEFAULT_OPTIONS, default_strength=0.8, promoted_down=0.9)
    weights = {(ln.type, ln.source, ln.target): ln.weight for ln in build_map(graph, options=options).lines}
    assert weights[("INFLUENCES", "gzf-buyer", "gzf-proc")] == 0.8
    assert weights[("INFLUENCES", "gzf-design", "gzf-gm")] == 0.7
    assert weights[("PROMOTED_BY", "gzf-salesvp", "gzf-gm")] == 0.9
    assert weights[("COVERS", "us-rep", "gzf-gm")] == 0.2
    # The graph files carry the same weights, a line of unknown strength too.
    exported = read_graphml(fetch(furniture, "gzf", "graphml"))
    by_id = {key: data for _, _, key, data in exported.edges(keys=True, data=True)}
    assert by_id["unknown-pull"]["weight"] == 0.5 and by_id["promotion"]["weight"] == 0.8


def test_the_account_map_badges_no_interest_in_another_accounts_deal(furniture: TestClient) -> None:
    # The group above the furniture maker has a deal of its own, in which 林晓 has a stake: none of this
    # account's deals, so nothing the analytics say about this account counts it.
    furniture.post("/v1/import", json={
        "accounts": [{"id": "grp", "name": "某家居集团"}],
        "opportunities": [{"id": "grp-deal", "account_id": "grp", "name": "集团集采", "stage": "proposal"}],
        "relationships": [{"type": "HAS_INTEREST", "source": "gzf-design", "target": "grp-deal", "kind": "personal",
                           "threat": 0.8}]}).raise_for_status()
    furniture.patch("/v1/accounts/gzf", json={"parent_id": "grp"}).raise_for_status()
    graph = furniture.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]
    assert "grp-deal" in graph
    assert build_map(graph).contacts["gzf-design"].interests == []
