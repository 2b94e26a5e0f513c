"""An access request (PIPL art. 45, GDPR art. 15): everything held about one person, in one answer, on
both backends — found where an erasure finds it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import EDITOR, auth


def test_everything_held_about_a_person_in_one_answer(furniture: TestClient) -> None:
    assert furniture.post("/v1/import", json={
        "accounts": [{"id": "other", "name": "另一家公司"}],
        "contacts": [{"id": "crm-9", "account_id": "gzf", "name": "刘建国（CRM）", "notes": "私人手机 13900001111"},
                     {"id": "x1", "account_id": "other", "name": "外部联系人"}],
        "relationships": [{"id": "from-outside", "type": "INFLUENCES", "source": "x1", "target": "gzf-proc",
                           "strength": 0.5, "note": "老同学"}]}).status_code == 200
    assert furniture.delete("/v1/relationships/from-outside").status_code == 204
    assert furniture.post("/v1/contacts/crm-9/merge", json={"into": "gzf-proc"}).status_code == 200
    held = furniture.get("/v1/contacts/gzf-proc/personal-data")
    assert held.status_code == 200, held.text
    answer = held.json()
    assert answer["contact"]["name"] == "刘建国" and answer["contact"]["notes"]
    assert {r["type"] for r in answer["relationships"]} >= {"COVERS", "FAVORS", "HAS_INTEREST"}
    assert [m["opportunity_id"] for m in answer["decision_chain"]] == ["gzf-upgrade"]
    text = json.dumps(answer["history"], ensure_ascii=False)
    # the duplicate merged in, and a line from another account deleted since, are theirs too
    assert "13900001111" in text and "老同学" in text
    assert [e["at"] for e in answer["history"]] == sorted(e["at"] for e in answer["history"])
    assert all("gzf-proc" in json.dumps(e) or e["entity_id"] in ("crm-9", "from-outside") for e in answer["history"])
    # someone else's record is not in it
    assert "陈志强" not in json.dumps(answer["contact"], ensure_ascii=False)


def test_after_an_erasure_nothing_personal_is_held(furniture: TestClient) -> None:
    assert furniture.post("/v1/contacts/gzf-it/erase").status_code == 200
    answer = furniture.get("/v1/contacts/gzf-it/personal-data").json()
    text = json.dumps(answer, ensure_ascii=False)
    assert answer["contact"]["name"] == "[erased]" and "赵明" not in text and "担心" not in text


def test_a_deleted_person_is_answered_and_an_unknown_one_is_not(furniture: TestClient) -> None:
    assert furniture.post("/v1/contacts", json={"id": "gone", "account_id": "gzf", "name": "离职者"}).status_code == 201
    assert furniture.delete("/v1/contacts/gone").status_code == 204
    answer = furniture.get("/v1/contacts/gone/personal-data").json()
    assert answer["contact"] is None and {e["action"] for e in answer["history"]} == {"create", "delete"}
    assert furniture.get("/v1/contacts/nobody/personal-data").status_code == 404
    assert furniture.get("/v1/contacts/gzf-gm/personal-data", headers=auth(EDITOR)).status_code == 403
