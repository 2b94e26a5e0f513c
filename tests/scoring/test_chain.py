from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from scoring.chain import analyse_chain, decision_chain, decision_weight, propagated_support
from scoring.influence import influence_graph
from scoring.model import AccountMap, NotFound
from scoring.options import DEFAULT_OPTIONS, ScoringOptions

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder, Oracle, RandomMap


@pytest.mark.parametrize("role, influence, criteria, expected", [
    ("decision_maker", 5, None, 1.0),
    ("economic_buyer", 4, None, 0.8),
    ("coach", 5, None, 0.3),
    ("gatekeeper", 1, None, 0.06),
    ("technical_evaluator", 5, None, 0.6),
    ("technical_evaluator", 5, {"technical": 0.5, "price": 0.3, "service": 0.2}, 0.6),
    ("technical_evaluator", 5, {"technical": 0.6, "price": 0.2, "service": 0.2}, 0.72),
    ("procurement", 5, {"technical": 0.5, "price": 0.3, "service": 0.2}, 0.3),
    ("procurement", 5, {"technical": 0.0, "price": 0.0, "service": 0.0}, 0.5),
    ("business_user", None, None, 0.3),
])
def test_decision_weight(role: str, influence: int | None, criteria: dict[str, float] | None,
                         expected: float) -> None:
    assert decision_weight(role, influence, criteria) == pytest.approx(expected)


def test_decision_weight_uses_the_options() -> None:
    options = ScoringOptions(role_weights={**DEFAULT_OPTIONS.role_weights, "coach": 0.9})
    assert decision_weight("coach", 5, None, options) == pytest.approx(0.9)


def test_propagation_by_hand(mapb: type[MapBuilder]) -> None:
    # a → b (0.5); c is b's rival (0.5). b: 0.7·s_b + 0.3·(0.5·s_a − 0.5·s_c)/(0.5 + 0.5)
    g = (mapb().contacts("a", "b", "c").edge("INFLUENCES", "a", "b", strength=0.5)
         .edge("RIVAL", "c", "b", strength=0.5).build())
    h = influence_graph(g)
    one = propagated_support(h, {"a": 1.0, "b": 0.0, "c": 1.0}, ScoringOptions(rounds=1))
    assert one["b"] == pytest.approx(0.0)
    one = propagated_support(h, {"a": 1.0, "b": 0.5, "c": -1.0}, ScoringOptions(rounds=1))
    assert one["b"] == pytest.approx(0.7 * 0.5 + 0.3 * 1.0)
    # c's only tie is the rivalry with b: it is pushed the other way from b.
    assert one["c"] == pytest.approx(0.7 * -1.0 + 0.3 * -0.5)
    two = propagated_support(g, {"a": 1.0})   # a projection graph works too; default two rounds
    # round 1: b = 0.3·(0.5·1 − 0.5·0) = 0.15, c = 0.3·(−0) = 0; round 2: b = 0.7·0.15 + 0.3·0.5
    assert two["b"] == pytest.approx(0.7 * 0.15 + 0.3 * 0.5)
    assert two["a"] == pytest.approx(1.0)     # nobody influences a: it keeps its stance


def test_left_contact_carries_no_influence(mapb: type[MapBuilder]) -> None:
    g = (mapb().contact("gone", status="left").contact("b").opportunity("o")
         .edge("INFLUENCES", "gone", "b", strength=1.0)
         .member("gone", "o", "influencer", "champion").member("b", "o", "decision_maker", "neutral", 5).build())
    chain = decision_chain(g, "o")
    assert chain["support"]["us"] == pytest.approx(0.0)
    gone = next(m for m in chain["members"] if m["contact_id"] == "gone")
    assert gone["status"] == "left" and gone["decision_weight"] == 0.0


def _simple(mapb: type[MapBuilder], stance: str = "neutral") -> nx.MultiDiGraph:
    return (mapb().contacts("dm", "eb", "te", "out").team("t").competitor("k")
            .opportunity("o", criteria={"technical": 0.5, "price": 0.3, "service": 0.2}, competitor_ids=["k"])
            .member("dm", "o", "decision_maker", stance, 5,
                    closeness={"relationship": 0.9})
            .member("eb", "o", "economic_buyer", "supporter", 4)
            .member("te", "o", "technical_evaluator", "unknown", 4)
            .edge("INFLUENCES", "out", "dm", strength=0.8)
            .edge("FAVORS", "te", "k", strength=0.8)
            .edge("COVERS", "t", "eb", closeness=0.7, last_contact_at="2026-11-01")
            .edge("HAS_INTEREST", "te", "k", kind="incumbent_loyalty", threat=0.6, note="old friends")
            .build())


def test_chain_answer_shape(mapb: type[MapBuilder]) -> None:
    g = _simple(mapb)
    g.nodes["dm"]["closeness"] = {"relationship": 0.2, "solution": 0.5}
    g.nodes["dm"]["title"] = "GM"
    chain = decision_chain(g, "o")
    assert set(chain) >= {"opportunity_id", "members", "support", "closeness", "missing_roles", "empty"}
    assert chain["opportunity_id"] == "o" and chain["empty"] is False
    members = {m["contact_id"]: m for m in chain["members"]}
    assert list(members) == ["dm", "eb", "te"]          # heaviest first
    dm = members["dm"]
    for key in ("contact_id", "name", "title", "role", "stance", "influence", "decision_weight", "closeness",
                "covered_by", "interests", "stance_unknown", "status"):
        assert key in dm
    # The per-opportunity closeness overrides the contact's own, measure by measure.
    assert dm["closeness"] == pytest.approx({"relationship": 0.9, "solution": 0.5, "price": None,
                                             "composite": 0.5 * 0.9 + 0.3 * 0.5})
    assert members["te"]["stance_unknown"] is True and members["dm"]["stance_unknown"] is False
    # A loyalty to a rival (FAVORS 0.8) is an entrenched interest too, its strength the threat (DESIGN.md).
    assert members["te"]["interests"] == [{"kind": "incumbent_loyalty", "threat": 0.6, "target_id": "k",
                                           "note": "old friends"},
                                          {"kind": "rival_loyalty", "threat": 0.8, "target_id": "k", "note": None}]
    assert members["eb"]["covered_by"][0]["team_member_id"] == "t"
    assert members["eb"]["covered_by"][0]["closeness"] == pytest.approx(0.7)
    assert chain["missing_roles"] == ["coach"]
    assert chain["support"]["competitors"]["k"] > 0
    # Chain-level closeness is the decision-weight-weighted mean over the members for whom it is recorded
    # (only dm has a relationship closeness: an unknown closeness is not averaged as 0).
    assert chain["closeness"]["relationship"] == pytest.approx(0.9)


def test_unknown_stance_counts_zero(mapb: type[MapBuilder], oracle: Oracle) -> None:
    g = _simple(mapb)
    chain = decision_chain(g, "o")
    assert chain["support"]["us"] == pytest.approx(oracle(g, "o"))
    g2 = copy.deepcopy(g)
    for _, _, d in g2.edges(data=True):
        if d["type"] == "MEMBER_OF" and d["stance"] == "unknown":
            d["stance"] = "neutral"
    assert decision_chain(g2, "o")["support"]["us"] == pytest.approx(chain["support"]["us"])


@pytest.mark.parametrize("seed", range(12))
def test_support_matches_the_slow_oracle(random_graph: RandomMap, oracle: Oracle, seed: int) -> None:
    g = random_graph(seed)
    chain = decision_chain(g, "o1")
    assert chain["support"]["us"] == pytest.approx(oracle(g, "o1"), abs=1e-12)
    assert chain["support"]["competitors"]["k1"] == pytest.approx(oracle(g, "o1", competitor="k1"), abs=1e-12)
    assert -1.0 <= chain["support"]["us"] <= 1.0


@pytest.mark.parametrize("seed", range(6))
def test_backward_pass_equals_forward_propagation(random_graph: RandomMap, seed: int) -> None:
    g = random_graph(seed)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    chain = analyse_chain(amap, "o1", DEFAULT_OPTIONS)
    forward = amap.propagation().forward_at(list(chain.weights), chain.stances, 0.3, 2)
    direct = sum(w * forward.get(c, 0.0) for c, w in chain.weights.items()) / chain.total if chain.total else 0
    assert chain.us == pytest.approx(direct, abs=1e-12)


def test_empty_chain_is_an_answer(mapb: type[MapBuilder]) -> None:
    g = mapb().contact("a").opportunity("o", competitor_ids=["k"]).competitor("k").build()
    chain = decision_chain(g, "o", lang="zh-CN")
    assert chain["members"] == [] and chain["empty"] is True
    assert chain["support"] == {"us": 0.0, "competitors": {"k": 0.0}}
    assert chain["message"] and "决策链" in chain["message"]
    assert chain["missing_roles"] == ["decision_maker", "economic_buyer", "technical_evaluator", "coach"]
    assert "empty" in decision_chain(g, "o")["message"]


def test_chain_of_people_who_all_left(mapb: type[MapBuilder]) -> None:
    g = (mapb().contact("a", status="left").opportunity("o")
         .member("a", "o", "decision_maker", "champion", 5).build())
    chain = decision_chain(g, "o")
    assert chain["empty"] is True and chain["support"]["us"] == 0.0
    assert chain["members"][0]["status"] == "left" and "left" in chain["message"]


def test_unknown_opportunity_is_not_found(mapb: type[MapBuilder]) -> None:
    with pytest.raises(NotFound):
        decision_chain(mapb().contact("a").build(), "nope")


def test_chain_does_not_mutate_the_graph(furniture_graph: nx.MultiDiGraph) -> None:
    before = nx.node_link_data(furniture_graph, edges="links")
    decision_chain(furniture_graph, "gzf-upgrade")
    assert nx.node_link_data(furniture_graph, edges="links") == before
