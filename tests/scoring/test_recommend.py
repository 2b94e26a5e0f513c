from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from scoring.model import NotFound
from scoring.options import ScoringOptions
from scoring.recommend import next_best_contacts, support_gains

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder, Oracle, RandomMap


@pytest.mark.parametrize("seed", range(25))
def test_fast_gain_equals_rerunning_propagation(random_graph: RandomMap, oracle: Oracle, seed: int) -> None:
    g = random_graph(seed)
    now = oracle(g, "o1")
    gains = support_gains(g, "o1")
    for contact, gain in gains.items():
        assert gain == pytest.approx(oracle(g, "o1", {contact: 1.0}) - now, abs=1e-12), contact
    # Every active non-supporter is priced; left contacts and supporters are not.
    for node, data in g.nodes(data=True):
        if data.get("kind") == "contact" and data.get("status") == "left":
            assert node not in gains


@pytest.mark.parametrize("seed", range(10))
def test_recommendations_are_consistent(random_graph: RandomMap, seed: int) -> None:
    g = random_graph(seed)
    recs = next_best_contacts(g, "o1", k=20)["recommendations"]
    scores = [r["score"] for r in recs]
    assert scores == sorted(scores, reverse=True)
    supporters = {u for u, v, d in g.edges(data=True) if d["type"] == "MEMBER_OF" and v == "o1"
                  and d["stance"] in ("supporter", "champion")}
    for r in recs:
        assert g.nodes[r["contact_id"]]["status"] != "left"
        assert r["contact_id"] not in supporters
        assert r["score"] == pytest.approx(r["gain"] * r["reach"] * (1 - r["risk"]))
        assert 0.1 <= r["reach"] <= 1.0 and 0.0 <= r["risk"] <= 1.0 and r["gain"] > 0
        assert r["path"] == [] or r["path"][-1] == r["contact_id"]
        assert all(g.nodes[n]["status"] != "left" for n in r["path"] if g.nodes[n]["kind"] == "contact")
        assert r["reasons"] and r["tactics"]


def _deal(mapb: type[MapBuilder]) -> nx.MultiDiGraph:
    """dm decides; sway (outside the chain) sways dm strongly; sup supports us and is covered by t."""
    return (mapb().contact("dm", level="executive", knows_us=False).contact("sway", knows_us=True)
            .contact("sup").contact("gone", status="left").contact("far").contact("crook", level="manager")
            .team("t", role="sales", level="manager").team("boss", role="executive", level="vp")
            .team("t2", role="presales")
            .opportunity("o").opportunity("other").competitor("k")
            .member("dm", "o", "decision_maker", "neutral", 5)
            .member("sup", "o", "business_user", "supporter", 3)
            .member("gone", "o", "influencer", "neutral", 5)
            .member("crook", "o", "procurement", "opponent", 4)
            .edge("INFLUENCES", "sway", "dm", strength=0.9)
            .edge("INFLUENCES", "sup", "sway", strength=0.8)
            .edge("INFLUENCES", "gone", "dm", strength=1.0)
            .edge("COVERS", "t", "sup", closeness=0.9)
            .edge("COVERS", "t2", "sup", closeness=0.4)
            .edge("COVERS", "t", "crook", closeness=0.6)
            .edge("HAS_INTEREST", "crook", "k", kind="kickback", threat=0.9)
            .edge("HAS_INTEREST", "sway", "other", kind="job_threat", threat=1.0)
            .build())


def test_outsider_who_sways_the_decision_maker_counts(mapb: type[MapBuilder]) -> None:
    recs = {r["contact_id"]: r for r in next_best_contacts(_deal(mapb), "o", k=10)["recommendations"]}
    assert "sway" in recs and "gone" not in recs and "sup" not in recs
    sway = recs["sway"]
    codes = [x["code"] for x in sway["reasons"]]
    assert "outside_chain" in codes and "sways_decision_maker" in codes
    # An interest in another opportunity is no risk for this one.
    assert sway["risk"] == 0.0


def test_path_from_a_supporter_starts_with_its_closest_team_member(mapb: type[MapBuilder]) -> None:
    recs = {r["contact_id"]: r for r in next_best_contacts(_deal(mapb), "o", k=10)["recommendations"]}
    assert recs["sway"]["path"] == ["t", "sup", "sway"]
    assert recs["sway"]["reach"] == pytest.approx(0.8)      # a supporter is ours already: reach 1 to them
    assert recs["dm"]["path"] == ["t", "sup", "sway", "dm"]
    assert recs["dm"]["reach"] == pytest.approx(0.72)
    # sway is not on our side yet: not asked to speak for us, but won first, introduced by sup.
    assert {"code": "introduce_then_win", "text": "Ask sup to introduce us to sway; win sway over before asking "
            "for an introduction to this person."} in recs["dm"]["tactics"]


def test_risk_comes_from_entrenched_interests(mapb: type[MapBuilder]) -> None:
    recs = {r["contact_id"]: r for r in next_best_contacts(_deal(mapb), "o", k=10)["recommendations"]}
    crook = recs["crook"]
    assert crook["risk"] == pytest.approx(0.9)
    assert crook["path"] == ["t", "crook"] and crook["reach"] == pytest.approx(0.6)
    tactic_codes = [t["code"] for t in crook["tactics"]]
    assert {"defuse_earn_trust", "defuse_wait"} <= set(tactic_codes)
    assert "entrenched_interest" in [r["code"] for r in crook["reasons"]]


def test_leader_who_does_not_know_us_gets_an_executive_visit(mapb: type[MapBuilder]) -> None:
    recs = {r["contact_id"]: r for r in next_best_contacts(_deal(mapb), "o", k=10, lang="zh-CN")
            ["recommendations"]}
    tactics = {t["code"]: t["text"] for t in recs["dm"]["tactics"]}
    assert "executive_visit" in tactics and "boss" in tactics["executive_visit"]
    assert "mirror_counterpart" in tactics
    assert "leader_not_aware" in [r["code"] for r in recs["dm"]["reasons"]]


def test_cold_outreach_has_a_floor_and_no_path(mapb: type[MapBuilder]) -> None:
    g = (mapb().contact("dm").team("t").opportunity("o").member("dm", "o", "decision_maker", "neutral", 5)
         .build())
    (rec,) = next_best_contacts(g, "o")["recommendations"]
    assert rec["reach"] == pytest.approx(0.1) and rec["path"] == []
    assert rec["gain"] == pytest.approx(1.0) and rec["score"] == pytest.approx(0.1)
    assert "cold_outreach" in [r["code"] for r in rec["reasons"]]
    options = ScoringOptions(cold_outreach=0.2)
    assert next_best_contacts(g, "o", options=options)["recommendations"][0]["reach"] == pytest.approx(0.2)


def test_plan_assumes_earlier_picks_were_won(mapb: type[MapBuilder]) -> None:
    # Only a weak path to a; b is reachable only through a; both in the chain.
    g = (mapb().contacts("a", "b").team("t").opportunity("o")
         .member("a", "o", "decision_maker", "neutral", 5).member("b", "o", "economic_buyer", "neutral", 4)
         .edge("COVERS", "t", "a", closeness=0.5).edge("INFLUENCES", "a", "b", strength=0.9).build())
    single = {r["contact_id"]: r for r in next_best_contacts(g, "o", k=2)["recommendations"]}
    assert single["b"]["reach"] == pytest.approx(0.45)
    plan = next_best_contacts(g, "o", k=5, plan=True)["recommendations"]
    assert [r["contact_id"] for r in plan] == ["a", "b"]
    assert [r["step"] for r in plan] == [1, 2]
    assert plan[1]["reach"] == pytest.approx(0.9)             # a is a champion now
    assert plan[1]["path"] == ["t", "a", "b"]
    assert plan[1]["gain"] == pytest.approx(single["b"]["gain"])  # linear: gains do not change


@pytest.mark.parametrize("seed", range(6))
def test_plan_matches_greedy_recomputation(random_graph: RandomMap, seed: int) -> None:
    """Each plan step equals a fresh single-shot ranking on a graph where the people the earlier steps won
    (the pick and the go-betweens met and won on its way) are champions we reach (covered by our team
    member at the start of the step's path: a way in starts at our side)."""
    g = random_graph(seed)
    plan = next_best_contacts(g, "o1", k=3, plan=True)["recommendations"]
    g2 = copy.deepcopy(g)
    for r in plan:
        fresh = next_best_contacts(g2, "o1", k=1)["recommendations"]
        assert fresh and fresh[0]["contact_id"] == r["contact_id"]
        assert fresh[0]["score"] == pytest.approx(r["score"])
        won = [n for n in r["path"][1:] if g2.nodes[n].get("kind") == "contact"] or [r["contact_id"]]
        members = [[d for _, v, d in g2.out_edges(n, data=True) if d["type"] == "MEMBER_OF" and v == "o1"]
                   for n in won]
        if not all(members) or not r["path"]:
            break   # an outsider can only be made a champion by joining the chain, which changes weights
        for n, (member,) in zip(won, members, strict=True):
            if member["stance"] not in ("supporter", "champion"):
                member["stance"] = "champion"
                g2.add_edge(r["path"][0], n, type="COVERS", closeness=0.01)


def test_edge_cases(mapb: type[MapBuilder]) -> None:
    g = _deal(mapb)
    assert next_best_contacts(g, "o", k=0) == {"recommendations": [], "deal_status": "open", "message": None}
    empty = mapb().contact("a").opportunity("o").build()
    assert next_best_contacts(empty, "o") == {"recommendations": [], "deal_status": "open", "message": None}
    with pytest.raises(NotFound):
        next_best_contacts(g, "missing")


def test_recommend_does_not_mutate(furniture_graph: nx.MultiDiGraph) -> None:
    before = nx.node_link_data(furniture_graph, edges="links")
    next_best_contacts(furniture_graph, "gzf-upgrade", k=5, plan=True)
    assert nx.node_link_data(furniture_graph, edges="links") == before
