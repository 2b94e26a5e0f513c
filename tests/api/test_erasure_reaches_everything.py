"""Erasure reaches everything (issue 14's findings, each a test that failed before), on both backends: a
person deleted first can still be erased from the audit trail, their entrenched interests go with them,
and re-importing an old export does not bring them back."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient


def _trail(client: TestClient, entity_id: str | None = None) -> str:
    params = {"limit": 500, **({"entity_id": entity_id} if entity_id else {})}
    response = client.get("/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return json.dumps(response.json(), ensure_ascii=False)


def test_a_deleted_person_can_still_be_erased(furniture: TestClient) -> None:
    secret = "私人秘密-喜欢去澳门"
    assert furniture.post("/v1/contacts", json={"id": "gone", "account_id": "gzf", "name": "离职者",
                                                "notes": secret}).status_code == 201
    assert furniture.delete("/v1/contacts/gone").status_code == 204
    assert secret in _trail(furniture, "gone")
    erased = furniture.post("/v1/contacts/gone/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json()["name"] == "[erased]"
    assert secret not in _trail(furniture) and "离职者" not in _trail(furniture)
    assert furniture.get("/v1/contacts/gone").status_code == 404  # still deleted
    assert furniture.post("/v1/contacts/nobody-ever/erase").status_code == 404


def test_interests_go_with_the_person(furniture: TestClient) -> None:
    before = furniture.get("/v1/relationships", params={"account_id": "gzf", "type": "HAS_INTEREST"}).json()
    assert any(r["source"] == "gzf-proc" for r in before["items"])
    assert "现供应商回扣" in _trail(furniture)
    assert furniture.post("/v1/contacts/gzf-proc/erase").status_code == 200
    after = furniture.get("/v1/relationships", params={"account_id": "gzf", "type": "HAS_INTEREST"}).json()
    assert not any(r["source"] == "gzf-proc" for r in after["items"])
    assert "现供应商回扣" not in _trail(furniture) and "刘建国" not in _trail(furniture)
    chain = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    proc = next(m for m in chain["members"] if m["contact_id"] == "gzf-proc")
    assert proc["name"] == "[erased]" and not proc.get("interests")


def test_an_old_export_does_not_bring_an_erased_person_back(furniture: TestClient) -> None:
    old = furniture.get("/v1/accounts/gzf/export").json()
    assert furniture.post("/v1/contacts/gzf-it/erase").status_code == 200
    again = furniture.post("/v1/import", json=old)
    assert again.status_code == 200, again.text
    counts = again.json()["counts"]
    assert counts["contacts"]["kept_erased"] == 1 and counts["relationships"]["kept_erased"] >= 1
    it = furniture.get("/v1/contacts/gzf-it").json()
    assert it["name"] == "[erased]" and "notes" not in it and "title" not in it
    export = json.dumps(furniture.get("/v1/accounts/gzf/export").json(), ensure_ascii=False)
    assert "赵明" not in export and "担心新系统削弱他的作用" not in export
    assert not any(r["type"] == "HAS_INTEREST" and r["source"] == "gzf-it"
                   for r in furniture.get("/v1/accounts/gzf/export").json()["relationships"])
