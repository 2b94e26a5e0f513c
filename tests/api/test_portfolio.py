"""A director's portfolio in one call: each account's class and each open deal's standing — as the single
questions answer them — on both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bundle


def test_each_account_a_row_agreeing_with_the_single_questions(furniture: TestClient) -> None:
    assert furniture.post("/v1/import", json=bundle("handset")).status_code == 200
    answer = furniture.get("/v1/portfolio", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 200, answer.text
    rows = {row["account_id"]: row for row in answer.json()["items"]}
    accounts = [a["id"] for a in furniture.get("/v1/accounts").json()["items"]]
    assert list(rows) == accounts and answer.json()["next_cursor"] is None
    for account, row in rows.items():
        classified = furniture.get(f"/v1/accounts/{account}/classification", headers={"Accept-Language": "zh-CN"})
        assert (row["class"], row["class_label"]) == (classified.json()["class"], classified.json()["label"])
    deal = next(d for d in rows["gzf"]["deals"] if d["opportunity_id"] == "gzf-upgrade")
    chain = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    gaps = furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps", headers={"Accept-Language": "zh-CN"}).json()
    assert deal["support_us"] == chain["support"]["us"]
    assert deal["leading_competitor_id"] == "incumbent"
    assert deal["leading_competitor_support"] == chain["support"]["competitors"]["incumbent"]
    assert sum(deal["gaps"].values()) == len(gaps["gaps"]) and deal["first_gap"] == gaps["gaps"][0]
    assert deal["gaps"]["high"] == sum(g["severity"] == "high" for g in gaps["gaps"])


def test_a_deal_won_leaves_the_portfolio_and_pages_follow_the_accounts(furniture: TestClient) -> None:
    assert furniture.post("/v1/import", json=bundle("handset")).status_code == 200
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"status": "won"}).status_code == 200
    first = furniture.get("/v1/portfolio", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = furniture.get("/v1/portfolio", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    rows = {r["account_id"]: r for r in first["items"] + rest["items"]}
    assert "gzf-upgrade" not in {d["opportunity_id"] for d in rows["gzf"]["deals"]}
    assert furniture.get("/v1/portfolio", params={"limit": 101}).status_code == 422
    assert furniture.get("/v1/portfolio", params={"account_id": "gzf"}).status_code == 422
