"""A JSON import lays each row over the record stored under its id, as a PATCH does: the fields a row
gives are written (null clears one), those it leaves out keep their stored values, on both backends. A CRM
plug-in pushing what the CRM knows (name, title, the member's role) no longer wipes what the rep entered
in Guanxi (notes, knows_us, closeness, level, a member's stance and influence). (Before: every synced
record was replaced whole, its unsent fields reset to their defaults — review A, finding 1.)"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BASE: dict[str, Any] = {
    "accounts": [{"id": "r3", "name": "瑞三集团"}],
    "contacts": [{"id": "r3-1", "account_id": "r3", "name": "王总", "title": "总经理", "level": "executive",
                  "knows_us": True, "notes": "喜欢打高尔夫", "closeness": {"relationship": 0.7}},
                 {"id": "r3-2", "account_id": "r3", "name": "李工", "title": "工程师"}],
    "opportunities": [{"id": "r3-o", "account_id": "r3", "name": "ERP 升级", "stage": "Proposal",
                       "status": "lost", "amount": 1200000}],
    "relationships": [{"type": "INFLUENCES", "source": "r3-2", "target": "r3-1", "strength": 0.6,
                       "note": "同乡"}],
    "decision_chain": [{"opportunity_id": "r3-o", "contact_id": "r3-1", "role": "decision_maker",
                        "stance": "champion", "influence": 5}],
}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _member(client: TestClient) -> dict[str, Any]:
    items = _ok(client.get("/v1/opportunities/r3-o/decision-chain/members"))["items"]
    return next(m for m in items if m["contact_id"] == "r3-1")


def test_a_sync_of_fewer_fields_keeps_the_rest(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    synced = _ok(client.post("/v1/import", json={
        "contacts": [{"id": "r3-1", "account_id": "r3", "name": "王总", "title": "董事长"}],
        "opportunities": [{"id": "r3-o", "account_id": "r3", "name": "ERP 升级", "stage": "Proposal"}],
        "relationships": [{"type": "INFLUENCES", "source": "r3-2", "target": "r3-1", "strength": 0.8}],
        "decision_chain": [{"opportunity_id": "r3-o", "contact_id": "r3-1", "role": "decision_maker"}]}))
    counts = synced["counts"]
    assert counts["contacts"]["updated"] == 1 and counts["opportunities"]["unchanged"] == 1
    contact = _ok(client.get("/v1/contacts/r3-1"))
    assert contact["title"] == "董事长"
    assert (contact["level"], contact["knows_us"], contact["notes"], contact["closeness"]["relationship"]) \
        == ("executive", True, "喜欢打高尔夫", 0.7)
    deal = _ok(client.get("/v1/opportunities/r3-o"))
    assert (deal["status"], deal["amount"]) == ("lost", 1200000)   # the same stage keeps a status set by hand
    line = _ok(client.get("/v1/relationships", params={"account_id": "r3"}))["items"][0]
    assert (line["strength"], line["note"]) == (0.8, "同乡")
    member = _member(client)
    assert (member["stance"], member["influence"]) == ("champion", 5)


def test_null_clears_a_field_and_a_new_stage_infers_the_status(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    _ok(client.post("/v1/import", json={
        "contacts": [{"id": "r3-1", "account_id": "r3", "name": "王总", "notes": None}],
        "opportunities": [{"id": "r3-o", "account_id": "r3", "name": "ERP 升级", "stage": "赢单"}]}))
    assert "notes" not in _ok(client.get("/v1/contacts/r3-1")) or \
        _ok(client.get("/v1/contacts/r3-1"))["notes"] is None
    assert _ok(client.get("/v1/opportunities/r3-o"))["status"] == "won"


def test_a_row_that_breaks_its_record_is_refused_naming_it(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    refused = client.post("/v1/import", json={
        "contacts": [{"id": "r3-2", "account_id": "r3", "name": "李工"},
                     {"id": "r3-1", "account_id": "r3", "name": "王总", "left_at": "2026-10-01"}]})
    assert refused.status_code == 422, refused.text
    assert any(e["loc"][:4] == ["body", "contacts", 1, "left_at"] for e in refused.json()["errors"]), refused.text
    assert _ok(client.get("/v1/contacts/r3-1"))["title"] == "总经理"


def test_an_identical_import_and_an_export_change_nothing(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=BASE))
    again = _ok(client.post("/v1/import", json=BASE))
    exported = _ok(client.get("/v1/accounts/r3/export"))
    reimported = _ok(client.post("/v1/import", json=exported))
    for answer in (again, reimported):
        assert all(c["created"] == c["updated"] == 0 for c in answer["counts"].values()), answer
