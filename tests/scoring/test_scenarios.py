"""The two scenario bundles, read as a sensible product should read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import pytest

from scoring import (
    classify_account,
    coverage_gaps,
    decision_chain,
    informal_power,
    next_best_contacts,
    strongest_paths,
)

TODAY = dt.date(2026, 11, 22)


def _gaps(g: nx.MultiDiGraph, opp: str) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for gap in coverage_gaps(g, opp, TODAY)["gaps"]:
        result.setdefault(gap["code"], []).append(gap)
    return result


# ---------------------------------------------------------------------- furniture maker (a nail)
def test_furniture_first_pick_is_the_gm_through_the_sales_vp(furniture_graph: nx.MultiDiGraph) -> None:
    recs = next_best_contacts(furniture_graph, "gzf-upgrade", k=5)["recommendations"]
    ids = [r["contact_id"] for r in recs]
    assert ids[0] in ("gzf-gm", "gzf-design")
    if ids[0] == "gzf-gm":
        assert recs[0]["path"] == ["us-se", "gzf-salesvp", "gzf-gm"]
    assert "gzf-proc" not in ids[:2] and "gzf-buyer" not in ids[:2]
    score = {r["contact_id"]: r["score"] for r in next_best_contacts(furniture_graph, "gzf-upgrade", k=20)
             ["recommendations"]}
    assert score.get("gzf-proc", 0.0) < score["gzf-gm"]


def test_furniture_procurement_is_a_risky_pick_with_defusing_tactics(
        furniture_graph: nx.MultiDiGraph) -> None:
    recs = {r["contact_id"]: r for r in next_best_contacts(furniture_graph, "gzf-upgrade", k=20, lang="zh-CN")
            ["recommendations"]}
    proc = recs["gzf-proc"]
    assert proc["risk"] == pytest.approx(0.9)
    codes = [t["code"] for t in proc["tactics"]]
    assert "defuse_other_departments" in codes and "defuse_wait" in codes
    assert all(t["text"] for t in proc["tactics"])


def test_furniture_gaps(furniture_graph: nx.MultiDiGraph) -> None:
    gaps = _gaps(furniture_graph, "gzf-upgrade")
    assert "single_threaded" in gaps
    assert any("gzf-cfo" in g["contact_ids"] for g in gaps["leader_unaware"])
    assert "no_executive_counterpart" in gaps
    assert {g["department"] for g in gaps["uncovered_department"]} >= {"design", "finance"}
    assert "coach" in {g["role"] for g in gaps["missing_role"]}
    stale = {c for g in gaps["stale_relationship"] for c in g["contact_ids"]}
    assert "gzf-gm" in stale and "gzf-buyer" not in stale


def test_furniture_path_from_presales_to_gm(furniture_graph: nx.MultiDiGraph) -> None:
    paths = strongest_paths(furniture_graph, "us-se", "gzf-gm", k=3)["paths"]
    assert [h["to"] for h in paths[0]["hops"]] == ["gzf-salesvp", "gzf-gm"]
    assert paths[0]["strength"] == pytest.approx(0.5 * (1 - 0.7 * 0.4))
    assert len(paths) == 3


def test_furniture_support(furniture_graph: nx.MultiDiGraph) -> None:
    chain = decision_chain(furniture_graph, "gzf-upgrade")
    assert chain["support"]["us"] < 0.2
    assert chain["support"]["competitors"]["incumbent"] > 0
    assert chain["missing_roles"] == ["coach"]
    cfo = next(m for m in chain["members"] if m["contact_id"] == "gzf-cfo")
    assert cfo["stance_unknown"] is True


def test_furniture_is_a_nail(furniture_graph: nx.MultiDiGraph) -> None:
    result = classify_account(furniture_graph, TODAY)
    assert result["class"] == "nail"
    assert result["playbook"][0]["code"] == "nail_value_check"


def test_furniture_informal_power_reads_informal_ties_not_the_org_chart(
        furniture_graph: nx.MultiDiGraph) -> None:
    rows = informal_power(furniture_graph)["contacts"]
    assert len(rows) == 9
    # The design director, who sways the general manager, carries the most weight; the COO's three
    # direct reports no longer make him the most powerful (formal authority is not informal power).
    assert rows[0]["contact_id"] == "gzf-design"
    signals = {r["contact_id"]: {s["code"] for s in r["signals"]} for r in rows}
    assert "hidden_influencer" in signals["gzf-design"]
    assert "title_without_power" in signals["gzf-coo"] and "broker" in signals["gzf-coo"]
    assert not signals["gzf-gm"] & {"title_without_power", "hidden_influencer"}


# ---------------------------------------------------------------------- handset plant (a benchmark)
def test_handset_is_a_benchmark(handset_graph: nx.MultiDiGraph) -> None:
    result = classify_account(handset_graph, TODAY)
    assert result["class"] == "benchmark"
    assert result["qualification"]["qualified"] is True


def test_handset_gaps_name_the_new_purchasing_vp(handset_graph: nx.MultiDiGraph) -> None:
    gaps = _gaps(handset_graph, "hs-platform")
    assert any("hs-purch" in g["contact_ids"] for g in gaps["leader_unaware"])
    assert any("hs-purch" in g["contact_ids"] for g in gaps["no_executive_counterpart"])
    assert "single_threaded" not in gaps


def test_handset_first_pick_is_the_purchasing_vp_through_the_plant(handset_graph: nx.MultiDiGraph) -> None:
    recs = next_best_contacts(handset_graph, "hs-platform", k=3)["recommendations"]
    assert recs[0]["contact_id"] == "hs-purch"
    assert "hs-plant" in recs[0]["path"] and recs[0]["path"][-1] == "hs-purch"
    assert recs[0]["path"][0] in ("hs-gam", "hs-our-vp", "hs-fae")
    assert "executive_visit" in [t["code"] for t in recs[0]["tactics"]]


def test_handset_support_is_high(handset_graph: nx.MultiDiGraph) -> None:
    chain = decision_chain(handset_graph, "hs-platform")
    assert chain["support"]["us"] > 0.5
    assert chain["support"]["us"] > chain["support"]["competitors"]["hs-rival"]
