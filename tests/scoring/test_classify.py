from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from scoring.classify import classify_account

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder

TODAY = dt.date(2026, 11, 22)
GOOD = {"annual_revenue": 5e7, "margin_pct": 22, "revenue_growth_pct": 10, "wallet_size": 8e7,
        "share_of_wallet_pct": 60, "payment_days": 30, "credit_rating": "AA", "satisfaction": 8.5,
        "loyalty": 0.8, "influence": 0.8, "cooperation": 0.8}


def _account(mapb: type[MapBuilder], **metrics: Any) -> MapBuilder:
    return mapb(metrics={**GOOD, **metrics}).contact("gm", level="executive", knows_us=True)


@pytest.mark.parametrize("metrics, expected", [
    ({}, "benchmark"),
    ({"influence": 0.5}, "standard"),
    ({"revenue_growth_pct": -20}, "danger"),
    ({"satisfaction": 3.5}, "danger"),
    ({"satisfaction": 5.5, "revenue_growth_pct": -8}, "danger"),
    ({"satisfaction": 5.5}, "standard"),
    ({"share_of_wallet_pct": 10, "loyalty": 0.3, "revenue_growth_pct": 2, "annual_revenue": 5e6,
      "wallet_size": 5e7, "influence": 0.5}, "nail"),
    ({"share_of_wallet_pct": 10, "loyalty": 0.3, "revenue_growth_pct": 2, "annual_revenue": 2e5,
      "wallet_size": 2e6, "influence": 0.5}, "standard"),   # stuck, but too small to be worth a nail
])
def test_class_from_metrics(mapb: type[MapBuilder], metrics: dict[str, Any], expected: str) -> None:
    result = classify_account(_account(mapb, **metrics).build(), TODAY)
    assert result["class"] == expected
    assert result["drivers"] and result["playbook"]
    assert set(result) >= {"class", "qualification", "drivers", "playbook", "closeness"}


def test_playbooks_speak_the_methods(mapb: type[MapBuilder]) -> None:
    bench = classify_account(_account(mapb).build(), TODAY)
    assert [p["code"] for p in bench["playbook"]][:2] == ["benchmark_keep", "benchmark_case_study"]
    danger = classify_account(_account(mapb, revenue_growth_pct=-30).build(), TODAY)
    assert {"danger_relationship", "danger_commercial", "danger_risk"} <= {p["code"] for p in danger["playbook"]}


def test_champion_who_left_and_a_competitor_ahead_make_danger(mapb: type[MapBuilder]) -> None:
    g = (_account(mapb).contact("fan", status="left", left_at="2026-09-01").contact("buyer")
         .competitor("k").opportunity("o", stage="proposal", competitor_ids=["k"])
         .member("fan", "o", "decision_maker", "champion", 5).member("buyer", "o", "decision_maker", "neutral", 5)
         .edge("FAVORS", "buyer", "k", strength=0.9).build())
    result = classify_account(g, TODAY)
    assert result["class"] == "danger"
    codes = {d["code"] for d in result["drivers"]}
    assert {"champion_left", "competitor_ahead"} <= codes
    assert "danger_rebuild" in {p["code"] for p in result["playbook"]}
    # Long ago, the departure no longer counts.
    g.nodes["fan"]["left_at"] = "2024-01-01"
    assert classify_account(g, TODAY)["class"] != "danger"


def test_qualification_is_never_one_criterion(mapb: type[MapBuilder]) -> None:
    # Buys a lot, but below cost and pays late: not a key account.
    squeezed = classify_account(_account(mapb, margin_pct=-5, payment_days=180, credit_rating="CCC",
                                         annual_revenue=5e8).build(), TODAY)
    assert squeezed["qualification"]["criteria"]["revenue"] == pytest.approx(1.0)
    assert squeezed["qualification"]["qualified"] is False
    good = classify_account(_account(mapb).build(), TODAY)["qualification"]
    assert good["qualified"] is True
    assert set(good["criteria"]) >= {"revenue", "margin", "growth", "wallet_potential", "credit_payment",
                                     "access_to_goals"}
    assert all(0.0 <= v <= 1.0 for v in good["criteria"].values() if v is not None)
    # One known criterion alone never qualifies.
    lone = classify_account(mapb(metrics={"annual_revenue": 1e9}).build(), TODAY)["qualification"]
    assert lone["qualified"] is False


def test_no_metrics_at_all(mapb: type[MapBuilder]) -> None:
    result = classify_account(mapb().build(), TODAY, lang="zh-CN")
    assert result["class"] == "standard" and result["qualification"]["score"] == 0.0
