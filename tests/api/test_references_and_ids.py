"""Every write lands on the record it names, and no delete leaves a reference dangling (issue 14's
findings, each a test that failed before), on both backends."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.models import default_edge_id
from tests.conftest import ADMIN, auth


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _account(client: TestClient, account: str = "acme") -> None:
    _ok(client.post("/v1/import", json={"accounts": [{"id": account, "name": "ACME"}]}))


def test_generated_ids_never_collide(client: TestClient) -> None:
    _account(client)
    long_a, long_b = "a" * 100, "b" * 100
    bundle = {
        "contacts": [{"id": i, "account_id": "acme", "name": i[:10]} for i in ("x", "x:y", long_a, long_b)],
        "competitors": [{"id": "k-" + "c" * 100, "name": "rival"}],
        "opportunities": [{"id": "y:z", "account_id": "acme", "name": "one"},
                          {"id": "z", "account_id": "acme", "name": "two"}],
        "relationships": [
            {"type": "HAS_INTEREST", "source": long_a, "target": "k-" + "c" * 100, "kind": "kickback", "threat": 0.5},
            {"type": "HAS_INTEREST", "source": long_a, "target": "k-" + "c" * 100, "kind": "job_threat", "threat": 0.4},
            {"type": "INFLUENCES", "source": long_a, "target": long_b, "strength": 0.3}],
        "decision_chain": [{"opportunity_id": "y:z", "contact_id": "x", "role": "coach", "stance": "champion"},
                           {"opportunity_id": "z", "contact_id": "x:y", "role": "gatekeeper", "stance": "opponent"}],
    }
    counts = _ok(client.post("/v1/import", json=bundle))["counts"]
    assert counts["relationships"]["created"] == 3 and counts["decision_chain"]["created"] == 2
    ids = [r["id"] for r in _ok(client.get("/v1/relationships", params={"account_id": "acme"}))["items"]]
    assert len(ids) == len(set(ids)) == 3 and all(len(i) <= 128 for i in ids)
    one = _ok(client.get("/v1/opportunities/y:z/decision-chain/members"))["items"]
    two = _ok(client.get("/v1/opportunities/z/decision-chain/members"))["items"]
    assert [(m["contact_id"], m["stance"]) for m in one] == [("x", "champion")]
    assert [(m["contact_id"], m["stance"]) for m in two] == [("x:y", "opponent")]
    assert default_edge_id("MEMBER_OF", "x", "y:z") != default_edge_id("MEMBER_OF", "x:y", "z")


def test_a_member_route_for_someone_not_in_the_chain_changes_nobody(furniture: TestClient) -> None:
    before = _ok(furniture.get("/v1/opportunities/gzf-upgrade/decision-chain/members", params={"limit": 50}))
    # the QA lead is no member: neither PATCH nor DELETE may land on anyone else's membership
    assert furniture.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-qa",
                           json={"stance": "champion"}).status_code == 404
    assert furniture.delete("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-qa").status_code == 404
    assert _ok(furniture.get("/v1/opportunities/gzf-upgrade/decision-chain/members",
                             params={"limit": 50})) == before
    changed = _ok(furniture.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design",
                                  json={"stance": "supporter"}))
    assert (changed["contact_id"], changed["stance"]) == ("gzf-design", "supporter")


def test_ids_that_are_only_dots_are_refused(client: TestClient) -> None:
    _account(client)
    for id in (".", "..", "..."):
        response = client.post("/v1/contacts", json={"id": id, "account_id": "acme", "name": "x"})
        assert response.status_code == 422, response.text
        assert any("id" in e["loc"] for e in response.json()["errors"])
    assert client.post("/v1/contacts", json={"id": ".hidden", "account_id": "acme", "name": "x"}).status_code == 201


def test_a_competitor_an_opportunity_names_cannot_be_deleted(furniture: TestClient) -> None:
    for cascade in ("false", "true"):
        response = furniture.delete("/v1/competitors/incumbent", params={"cascade": cascade})
        assert response.status_code == 409, response.text
        assert "gzf-upgrade" in response.json()["detail"]
    assert _ok(furniture.get("/v1/competitors/incumbent"))["name"] == "现有低端板材供应商"
    opportunity = furniture.get("/v1/opportunities/gzf-upgrade")
    assert opportunity.json()["competitor_ids"] == ["incumbent"]
    # once no opportunity names it, it goes (its own lines with it, when cascading)
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"competitor_ids": []}))
    assert furniture.delete("/v1/competitors/incumbent", params={"cascade": "true"}).status_code == 204
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"name": "still editable"}).status_code == 200


def test_deleting_a_group_takes_its_subsidiaries_people_and_deals(client: TestClient) -> None:
    _ok(client.post("/v1/import", json={
        "accounts": [{"id": "group", "name": "集团"}, {"id": "sub", "name": "子公司", "parent_id": "group"},
                     {"id": "subsub", "name": "孙公司", "parent_id": "sub"}],
        "contacts": [{"id": "p1", "account_id": "sub", "name": "甲"}, {"id": "p2", "account_id": "subsub", "name": "乙"}],
        "opportunities": [{"id": "deal", "account_id": "subsub", "name": "单"}],
        "relationships": [{"type": "REPORTS_TO", "source": "p2", "target": "p1"}]}))
    refused = client.delete("/v1/accounts/group")
    assert refused.status_code == 409 and client.get("/v1/accounts/sub").status_code == 200
    assert client.delete("/v1/accounts/group", params={"cascade": "true"}).status_code == 204
    for path in ("/v1/accounts/sub", "/v1/accounts/subsub", "/v1/contacts/p1", "/v1/contacts/p2",
                 "/v1/opportunities/deal"):
        assert client.get(path).status_code == 404, path  # nothing left pointing at nothing
    assert _ok(client.get("/v1/contacts"))["items"] == []
    assert _ok(client.get("/v1/relationships"))["items"] == []


def test_a_deep_group_exports_and_re_imports_whole(client: TestClient, tmp_path: Any) -> None:
    depth = 300  # far more than the 50 parents an export used to stop at
    accounts = [{"id": f"g{i}", "name": f"层级 {i}", **({"parent_id": f"g{i - 1}"} if i else {})}
                for i in range(depth)]
    _ok(client.post("/v1/import", json={"accounts": list(reversed(accounts))}))
    export = _ok(client.get(f"/v1/accounts/g{depth - 1}/export"))
    assert len(export["accounts"]) == depth
    with TestClient(create_app(Settings(data_dir=tmp_path / "fresh", api_keys=f"admin:{ADMIN}")),
                    headers=auth(ADMIN)) as fresh:
        _ok(fresh.post("/v1/import", json=export))
        assert _ok(fresh.get(f"/v1/accounts/g{depth - 1}/export")) == export
