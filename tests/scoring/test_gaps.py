from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import networkx as nx
import pytest

from scoring.gaps import GAP_CODES, coverage_gaps
from scoring.model import NotFound

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder

TODAY = dt.date(2026, 11, 22)


def _codes(g: nx.MultiDiGraph, opp: str = "o", today: dt.date = TODAY) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for gap in coverage_gaps(g, opp, today)["gaps"]:
        result.setdefault(gap["code"], []).append(gap)
    return result


def _base(mapb: type[MapBuilder]) -> MapBuilder:
    """A well-covered chain: three supporters, a coach, executives mirrored, everyone known and fresh."""
    return (mapb().team("t", role="sales", level="manager").team("ex", role="executive", level="executive")
            .contact("dm", level="executive", knows_us=True, department="mgmt", last_contact_at="2026-11-01")
            .contact("eb", level="vp", knows_us=True, department="finance")
            .contact("co", level="manager", knows_us=True, department="ops")
            .contact("sk", level="manager", knows_us=True, department="ops")
            .opportunity("o")
            .member("dm", "o", "decision_maker", "champion", 5)
            .member("eb", "o", "economic_buyer", "supporter", 4)
            .member("co", "o", "coach", "supporter", 3)
            .member("sk", "o", "technical_evaluator", "skeptic", 4)
            .edge("INFLUENCES", "co", "sk", strength=0.6)
            .edge("COVERS", "t", "dm", closeness=0.8, last_contact_at="2026-11-10")
            .edge("COVERS", "t", "eb", closeness=0.8, last_contact_at="2026-11-10")
            .edge("COVERS", "t", "co", closeness=0.8, last_contact_at="2026-11-10")
            .edge("COVERS", "t", "sk", closeness=0.5, last_contact_at="2026-11-10")
            .edge("MIRRORS", "ex", "dm").edge("MIRRORS", "ex", "eb"))


def test_a_well_covered_chain_has_no_gaps(mapb: type[MapBuilder]) -> None:
    assert coverage_gaps(_base(mapb).build(), "o", TODAY)["gaps"] == []


def test_gap_shape_and_order(furniture_graph: nx.MultiDiGraph) -> None:
    gaps = coverage_gaps(furniture_graph, "gzf-upgrade", TODAY)["gaps"]
    assert gaps
    rank = {"high": 0, "medium": 1, "low": 2}
    assert [rank[g["severity"]] for g in gaps] == sorted(rank[g["severity"]] for g in gaps)
    for gap in gaps:
        assert gap["code"] in GAP_CODES
        assert isinstance(gap["contact_ids"], list) and gap["message"] and gap["action"]


@pytest.mark.parametrize("role, severity", [("decision_maker", "high"), ("economic_buyer", "high"),
                                            ("coach", "medium")])
def test_missing_role(mapb: type[MapBuilder], role: str, severity: str) -> None:
    b = _base(mapb)
    b.g.remove_edges_from([(u, v, k) for u, v, k, d in b.g.edges(keys=True, data=True)
                           if d["type"] == "MEMBER_OF" and d["role"] == role])
    gaps = _codes(b.build())["missing_role"]
    assert [(gap["role"], gap["severity"]) for gap in gaps] == [(role, severity)]


def test_missing_coach_names_a_supporter_as_candidate(mapb: type[MapBuilder]) -> None:
    b = _base(mapb)
    b.g.remove_node("co")
    (gap,) = _codes(b.build())["missing_role"]
    assert "eb" in gap["action"] or "dm" in gap["action"]


def test_uncovered_member_with_introduction(mapb: type[MapBuilder]) -> None:
    g = (_base(mapb).contact("new", level="manager", knows_us=True, department="ops")
         .member("new", "o", "influencer", "neutral", 3).edge("INFLUENCES", "co", "new", strength=0.7).build())
    (gap,) = _codes(g)["uncovered_member"]
    assert gap["contact_ids"] == ["new"] and gap["severity"] == "low"
    assert "co" in gap["action"]


@pytest.mark.parametrize("supporters, expected", [(0, "high"), (1, "high"), (2, "medium"), (3, None)])
def test_single_threaded(mapb: type[MapBuilder], supporters: int, expected: str | None) -> None:
    g = _base(mapb).build()
    for contact in ("dm", "eb", "co")[supporters:]:
        for _, v, d in g.out_edges(contact, data=True):
            if d["type"] == "MEMBER_OF":
                d["stance"] = "neutral"
    gaps = _codes(g).get("single_threaded", [])
    assert [gap["severity"] for gap in gaps] == ([expected] if expected else [])


def test_no_executive_counterpart(mapb: type[MapBuilder]) -> None:
    b = _base(mapb)
    b.g.remove_edges_from([(u, v, k) for u, v, k, d in b.g.edges(keys=True, data=True)
                           if d["type"] == "MIRRORS" and v == "eb"])
    (gap,) = _codes(b.build())["no_executive_counterpart"]
    assert gap["contact_ids"] == ["eb"] and gap["severity"] == "high" and "ex" in gap["action"]


@pytest.mark.parametrize("level, flagged", [("executive", True), ("vp", True), ("director", True),
                                            ("manager", False), ("staff", False)])
def test_leader_unaware(mapb: type[MapBuilder], level: str, flagged: bool) -> None:
    g = (_base(mapb).contact("lead", level=level, knows_us=False, department="ops")
         .member("lead", "o", "influencer", "neutral", 3).edge("COVERS", "t", "lead").build())
    gaps = _codes(g).get("leader_unaware", [])
    assert [gap["contact_ids"] for gap in gaps] == ([["lead"]] if flagged else [])
    if flagged:
        assert gaps[0]["severity"] == "high" and "ex" in gaps[0]["action"]


@pytest.mark.parametrize("last, stale", [("2026-08-23", True), ("2026-08-24", False), ("2026-11-20", False)])
def test_stale_relationship_after_90_days(mapb: type[MapBuilder], last: str, stale: bool) -> None:
    g = _base(mapb).build()
    for _, v, d in g.edges(data=True):
        if d["type"] == "COVERS" and v == "co":
            d["last_contact_at"] = last
    gaps = _codes(g).get("stale_relationship", [])
    assert [gap["contact_ids"] for gap in gaps] == ([["co"]] if stale else [])


def test_latest_touch_counts_for_staleness(mapb: type[MapBuilder]) -> None:
    g = _base(mapb).build()
    g.nodes["dm"]["last_contact_at"] = "2025-01-01"   # the COVERS edge is fresh
    assert "stale_relationship" not in _codes(g)


def test_unreached_opponent(mapb: type[MapBuilder]) -> None:
    b = _base(mapb)
    assert "unreached_opponent" not in _codes(b.build())   # the coach reaches the skeptic
    b.g.remove_edges_from([(u, v, k) for u, v, k, d in b.g.edges(keys=True, data=True)
                           if d["type"] == "INFLUENCES"])
    (gap,) = _codes(b.build())["unreached_opponent"]
    assert gap["contact_ids"] == ["sk"]


def test_rival_tie_does_not_reach_an_opponent(mapb: type[MapBuilder]) -> None:
    b = _base(mapb)
    b.g.remove_edges_from([(u, v, k) for u, v, k, d in b.g.edges(keys=True, data=True)
                           if d["type"] == "INFLUENCES"])
    b.edge("RIVAL", "co", "sk", strength=0.9)
    assert "unreached_opponent" in _codes(b.build())


def test_uncovered_department(mapb: type[MapBuilder]) -> None:
    g = (_base(mapb).contact("des", level="manager", knows_us=False, department="design")
         .member("des", "o", "influencer", "neutral", 3).build())
    (gap,) = _codes(g)["uncovered_department"]
    assert gap["department"] == "design" and gap["contact_ids"] == ["des"]
    # Someone else in design who knows us closes the gap.
    g.add_node("des2", kind="contact", status="active", department="design", knows_us=True, name="des2")
    assert "uncovered_department" not in _codes(g)


def test_supporter_left(mapb: type[MapBuilder]) -> None:
    g = _base(mapb).contact("ex-fan", status="left", left_at="2026-10-01", level="manager", department="ops") \
        .member("ex-fan", "o", "influencer", "champion", 3).build()
    (gap,) = _codes(g)["supporter_left"]
    assert gap["contact_ids"] == ["ex-fan"] and gap["severity"] == "high"


def test_left_contact_is_not_a_gap_otherwise(mapb: type[MapBuilder]) -> None:
    g = _base(mapb).contact("gone", status="left", level="executive", knows_us=False, department="x") \
        .member("gone", "o", "influencer", "neutral", 5).build()
    assert coverage_gaps(g, "o", TODAY)["gaps"] == []


def test_empty_chain_gaps(mapb: type[MapBuilder]) -> None:
    g = mapb().contact("a").opportunity("o").build()
    codes = _codes(g)
    assert {gap["role"] for gap in codes["missing_role"]} == {"decision_maker", "economic_buyer",
                                                           "technical_evaluator", "coach"}
    assert codes["single_threaded"][0]["severity"] == "high"


def test_unknown_opportunity(mapb: type[MapBuilder]) -> None:
    with pytest.raises(NotFound):
        coverage_gaps(mapb().build(), "o", TODAY)


def test_chinese_texts(furniture_graph: nx.MultiDiGraph) -> None:
    gaps = coverage_gaps(furniture_graph, "gzf-upgrade", TODAY, lang="zh-CN")["gaps"]
    assert any("危险信号" in gap["message"] for gap in gaps)
