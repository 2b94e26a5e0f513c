"""A rep leaves (or accounts are reshuffled): their client relationships are handed over to another of
our team in one call, on both backends; and a refused delete says what a cascade would take."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import VIEWER, auth


def _covers(client: TestClient, source: str) -> dict[str, dict[str, object]]:
    lines = client.get("/v1/relationships", params={"account_id": "gzf", "type": "COVERS", "limit": 500}).json()
    return {str(r["target"]): r for r in lines["items"] if r["source"] == source}


def test_a_leaving_rep_hands_their_relationships_over(furniture: TestClient) -> None:
    assert furniture.post("/v1/relationships", json={"type": "COVERS", "source": "us-se", "target": "gzf-gm",
                                                     "closeness": 0.7}).status_code == 201
    assert furniture.post("/v1/accounts/gzf/reviews", json={"title": "交接前"}).status_code == 201
    handed = furniture.post("/v1/team/us-rep/hand-over", json={"to": "us-se"})
    assert handed.status_code == 200, handed.text
    assert handed.json() == {"from": "us-rep", "to": "us-se", "moved": 2, "already_held": 1, "accounts": ["gzf"]}
    assert _covers(furniture, "us-rep") == {}
    taken = _covers(furniture, "us-se")
    assert {"gzf-proc", "gzf-buyer", "gzf-gm", "gzf-it", "gzf-salesvp"} <= taken.keys()
    # the leaver's closeness and last contact are theirs, not the new owner's; a line held stands
    assert "closeness" not in taken["gzf-proc"] and "last_contact_at" not in taken["gzf-proc"]
    assert taken["gzf-gm"]["closeness"] == 0.7
    # the advice names the new owner at once: the leaver owns no relationship; once gone (no cascade
    # needed), nobody names them
    gaps = furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps").json()["gaps"]
    assert "us-rep" not in {g["owner_id"] for g in gaps} and "us-se" in {g["owner_id"] for g in gaps}
    assert furniture.delete("/v1/team/us-rep").status_code == 204
    assert "王磊" not in furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps").text
    changes = furniture.get("/v1/accounts/gzf/changes").json()["changes"]
    assert {"coverage_lost", "coverage_gained"} <= {c["kind"] for c in changes}
    trail = furniture.get("/v1/audit", params={"limit": 50}).json()["items"]
    assert sum(e["action"] == "hand_over" for e in trail) == 3 + 2


def test_a_hand_over_at_one_account_leaves_the_others(furniture: TestClient) -> None:
    assert furniture.post("/v1/import", json={
        "accounts": [{"id": "other", "name": "另一家公司"}],
        "contacts": [{"id": "x1", "account_id": "other", "name": "外部联系人"}],
        "relationships": [{"type": "MIRRORS", "source": "us-rep", "target": "x1"}]}).status_code == 200
    handed = furniture.post("/v1/team/us-rep/hand-over", json={"to": "us-vp", "account_id": "other"})
    assert handed.status_code == 200, handed.text
    assert handed.json()["moved"] == 1 and handed.json()["accounts"] == ["other"]
    assert len(_covers(furniture, "us-rep")) == 3
    refused = furniture.delete("/v1/team/us-rep")
    assert refused.status_code == 409 and "/v1/team/us-rep/hand-over" in refused.json()["detail"]


def test_a_hand_over_is_checked_and_changes_nothing_when_refused(furniture: TestClient) -> None:
    before = _covers(furniture, "us-rep")
    for body, field in (({"to": "us-rep"}, "to"), ({"to": "gzf-gm"}, "to"), ({"to": "nobody"}, "to"),
                        ({"to": "us-se", "account_id": "nowhere"}, "account_id")):
        refused = furniture.post("/v1/team/us-rep/hand-over", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"][-1] == field
    assert furniture.post("/v1/team/nobody/hand-over", json={"to": "us-se"}).status_code == 404
    assert furniture.post("/v1/team/us-rep/hand-over", json={"to": "us-se"},
                          headers=auth(VIEWER)).status_code == 403
    assert _covers(furniture, "us-rep") == before


def test_a_refused_delete_counts_what_cascade_would_take(client: TestClient) -> None:
    assert client.post("/v1/import", json={
        "accounts": [{"id": "grp", "name": "集团"}, {"id": "sub", "name": "子公司", "parent_id": "grp"}],
        "contacts": [{"id": "s1", "account_id": "sub", "name": "甲"}, {"id": "s2", "account_id": "sub", "name": "乙"}],
        "opportunities": [{"id": "d1", "account_id": "sub", "name": "项目", "stage": "Proposal"}]}).status_code == 200
    refused = client.delete("/v1/accounts/grp")
    assert refused.status_code == 409
    assert "1 subsidiary account, 2 contacts, 1 deal" in refused.json()["detail"], refused.text
    assert client.get("/v1/contacts/s1").status_code == 200


def test_two_of_our_people_with_one_name_are_told_apart(furniture: TestClient) -> None:
    # (the advice read "Zhou Hai or 周海 or 周海" with a namesake elsewhere on our team)
    assert furniture.post("/v1/team", json={"id": "us-vp-east", "name": "周海", "title": "华东区副总裁",
                                            "level": "vp", "role": "executive"}).status_code == 201
    for path in ("/v1/opportunities/gzf-upgrade/coverage-gaps", "/v1/opportunities/gzf-upgrade/next-best-contacts"):
        text = furniture.get(path, headers={"Accept-Language": "zh-CN"}).text
        assert "周海或周海" not in text and "周海（华东区副总裁）" in text, path
