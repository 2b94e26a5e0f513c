"""A deal and its decision chain move to another account together (a spin-off, an account recorded
twice): one import carries both, keeping roles and stances; a move of one of them alone says so."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_deal_moves_with_its_chain_in_one_import(furniture: TestClient) -> None:
    assert furniture.post("/v1/accounts", json={"id": "gzf-new", "name": "广州家具新公司"}).status_code == 201
    refused = furniture.patch("/v1/opportunities/gzf-upgrade", json={"account_id": "gzf-new"})
    assert refused.status_code == 422 and "in one import" in refused.json()["errors"][0]["msg"], refused.text
    export = furniture.get("/v1/accounts/gzf/export").json()
    chain = {m["contact_id"] for m in export["decision_chain"] if m["opportunity_id"] == "gzf-upgrade"}
    stances = {m["contact_id"]: m["stance"] for m in export["decision_chain"]}
    moved = furniture.post("/v1/import", json={
        "contacts": [{**c, "account_id": "gzf-new"} for c in export["contacts"] if c["id"] in chain],
        "opportunities": [{**o, "account_id": "gzf-new"} for o in export["opportunities"]
                          if o["id"] == "gzf-upgrade"]})
    assert moved.status_code == 200, moved.text
    members = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain/members", params={"limit": 50}).json()
    assert {m["contact_id"]: m["stance"] for m in members["items"]} == {c: stances[c] for c in chain}
    assert furniture.get("/v1/opportunities/gzf-upgrade").json()["account_id"] == "gzf-new"
