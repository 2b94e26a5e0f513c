"""A duplicate record of a person is merged into the one kept (review D: "a contact's duplicate is found —
how does a user fix it?" — by moving every tie by hand, then deleting with cascade), on both backends: the
lines and decision-chain seats move, a line the kept record already has stays as it is (filled from the
duplicate where it lacks a field), the kept record's fields stand and the duplicate's fill the rest, the
duplicate is gone; the analytics, the as-of history and the audit trail agree; mistakes change nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FAR = "2200-01-01"
BASE: dict[str, Any] = {
    "accounts": [{"id": "acme", "name": "ACME 家具"}, {"id": "beta", "name": "Beta"}],
    "team": [{"id": "t1", "name": "王磊", "level": "manager"}],
    "contacts": [
        {"id": "boss", "account_id": "acme", "name": "陈总", "level": "executive", "knows_us": True},
        {"id": "lin", "account_id": "acme", "name": "林晓", "title": "设计总监", "level": "director"},
        {"id": "lin-2", "account_id": "acme", "name": "Lin Xiao", "department": "design", "knows_us": True,
         "notes": "CRM 重复录入", "closeness": {"relationship": 0.6}},
        {"id": "peer", "account_id": "acme", "name": "周工"},
        {"id": "other", "account_id": "beta", "name": "外人"}],
    "opportunities": [{"id": "deal", "account_id": "acme", "name": "升级"}],
    "relationships": [
        {"type": "REPORTS_TO", "source": "lin", "target": "boss"},
        {"type": "REPORTS_TO", "source": "lin-2", "target": "boss", "note": "重复"},
        {"type": "INFLUENCES", "source": "lin-2", "target": "boss", "strength": 0.7},
        {"id": "crm-17", "type": "ALLY", "source": "peer", "target": "lin-2", "strength": 0.4},
        {"type": "COVERS", "source": "t1", "target": "lin-2", "closeness": 0.5},
        {"type": "INFLUENCES", "source": "lin", "target": "lin-2", "strength": 0.9}],
    "decision_chain": [{"opportunity_id": "deal", "contact_id": "lin-2", "role": "influencer", "stance": "supporter"}],
}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _lines(client: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    export = _ok(client.get("/v1/accounts/acme/export", params=params))
    return {f"{r['type']} {r['source']}→{r['target']}": r for r in export["relationships"]}


def test_a_duplicate_merges_into_the_kept_record(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    chain = _ok(client.get("/v1/opportunities/deal/decision-chain"))      # the map is cached
    assert [m["contact_id"] for m in chain["members"]] == ["lin-2"]
    kept = _ok(client.post("/v1/contacts/lin-2/merge", json={"into": "lin"}))
    assert (kept["id"], kept["name"], kept["title"], kept["level"]) == ("lin", "林晓", "设计总监", "director")
    assert (kept["department"], kept["knows_us"], kept["notes"], kept["closeness"]["relationship"]) \
        == ("design", True, "CRM 重复录入", 0.6)
    assert client.get("/v1/contacts/lin-2").status_code == 404
    lines = _lines(client)
    assert not any("lin-2" in key for key in lines), lines
    assert lines["REPORTS_TO lin→boss"]["note"] == "重复"           # kept, filled with the duplicate's note
    assert lines["INFLUENCES lin→boss"]["strength"] == 0.7
    assert lines["ALLY peer→lin"]["id"] == "crm-17"                 # a client's id kept
    assert "COVERS t1→lin" in lines and "INFLUENCES lin→lin" not in lines
    members = _ok(client.get("/v1/opportunities/deal/decision-chain/members"))["items"]
    assert [(m["contact_id"], m["stance"]) for m in members] == [("lin", "supporter")]
    assert _lines(client, as_of=FAR) == lines
    chain = _ok(client.get("/v1/opportunities/deal/decision-chain"))
    assert [m["contact_id"] for m in chain["members"]] == ["lin"]
    trail = _ok(client.get("/v1/audit", params={"entity_id": "lin-2"}))["items"]
    assert trail[0]["action"] == "merge" and trail[0]["after"] is None


def test_mistakes_are_refused_and_change_nothing(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    before = _lines(client)
    for body, status, where in (({"into": "lin-2"}, 422, "into"), ({"into": "nobody"}, 422, "into"),
                                ({"into": "other"}, 422, "into"), ({}, 422, "into"), ({"into": "deal"}, 422, "into")):
        refused = client.post("/v1/contacts/lin-2/merge", json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["errors"][0]["loc"][-1] == where, refused.text
    assert client.post("/v1/contacts/ghost/merge", json={"into": "lin"}).status_code == 404
    stale = client.post("/v1/contacts/lin-2/merge", json={"into": "lin"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    _ok(client.post("/v1/contacts/peer/erase"))
    assert client.post("/v1/contacts/peer/merge", json={"into": "lin"}).status_code == 409
    assert _lines(client) == before
    assert _ok(client.get("/v1/contacts/lin-2"))["notes"] == "CRM 重复录入"


def test_a_merge_that_would_make_a_reporting_cycle_is_refused(client: TestClient) -> None:
    _ok(client.post("/v1/import", json={**BASE, "relationships": [
        {"type": "REPORTS_TO", "source": "boss", "target": "lin"},
        {"type": "REPORTS_TO", "source": "lin-2", "target": "boss"}]}))
    refused = client.post("/v1/contacts/lin-2/merge", json={"into": "lin"})
    assert refused.status_code == 422, refused.text
    assert "cycle" in refused.text
    assert _ok(client.get("/v1/contacts/lin-2"))["name"] == "Lin Xiao"


def test_a_seat_both_records_hold_keeps_what_either_knows(client: TestClient) -> None:
    """The kept record's seat on a deal was added without a stance or influence (the defaults): the
    duplicate's known stance and influence fill them; the kept record's role stands."""
    _ok(client.post("/v1/import", json={**BASE, "decision_chain": [
        {"opportunity_id": "deal", "contact_id": "lin", "role": "influencer"},
        {"opportunity_id": "deal", "contact_id": "lin-2", "role": "decision_maker", "stance": "supporter",
         "influence": 5}]}))
    _ok(client.post("/v1/contacts/lin-2/merge", json={"into": "lin"}))
    seat = _ok(client.get("/v1/opportunities/deal/decision-chain/members/lin"))
    assert (seat["role"], seat["stance"], seat["influence"]) == ("influencer", "supporter", 5)
