"""The audit trail records every write (imports and erasures included) with actor, time, before and
after, newest first, with cursor paging and an entity filter; erasure removes a person's personal data
everywhere, the audit trail included, and leaves a consistent map and an audited tombstone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.hardening.conftest import ADMIN, EDITOR, KEYS_ENV, assert_problem, auth, database_text


def _all_audit(client: TestClient, limit: int = 500, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get("/v1/audit", params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def _stamp(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_every_write_is_audited_with_actor_time_before_and_after(furniture: TestClient) -> None:
    start = len(_all_audit(furniture))
    editor = auth(EDITOR)
    steps: list[tuple[str, str]] = []  # (action, entity_id) in the order done

    def did(action: str, entity_id: str) -> None:
        steps.append((action, entity_id))

    assert furniture.post("/v1/accounts", json={"id": "aud", "name": "Audit Co"}, headers=editor).status_code == 201
    did("create", "aud")
    assert furniture.patch("/v1/accounts/aud", json={"industry": "audit"}, headers=editor).status_code == 200
    did("update", "aud")
    assert furniture.post("/v1/contacts", json={"id": "aud-1", "account_id": "aud", "name": "A"},
                          headers=editor).status_code == 201
    did("create", "aud-1")
    assert furniture.post("/v1/contacts", json={"id": "aud-2", "account_id": "aud", "name": "B"},
                          headers=editor).status_code == 201
    did("create", "aud-2")
    edge = furniture.post("/v1/relationships", json={"type": "INFLUENCES", "source": "aud-1", "target": "aud-2",
                                                     "strength": 0.4}, headers=editor).json()["id"]
    did("create", edge)
    assert furniture.patch(f"/v1/relationships/{edge}", json={"strength": 0.6}, headers=editor).status_code == 200
    did("update", edge)
    assert furniture.post("/v1/opportunities", json={"id": "aud-o", "account_id": "aud", "name": "Deal"},
                          headers=editor).status_code == 201
    did("create", "aud-o")
    members = "/v1/opportunities/aud-o/decision-chain/members"
    assert furniture.post(members, json={"contact_id": "aud-1", "role": "coach"}, headers=editor).status_code == 201
    did("create", "MEMBER_OF:aud-1:aud-o")
    assert furniture.patch(members + "/aud-1", json={"stance": "champion"}, headers=editor).status_code == 200
    did("update", "MEMBER_OF:aud-1:aud-o")
    assert furniture.delete(members + "/aud-1", headers=editor).status_code == 204
    did("delete", "MEMBER_OF:aud-1:aud-o")
    imported = furniture.post("/v1/import", json={"competitors": [{"id": "aud-k", "name": "Rival"}],
                                                  "contacts": [{"id": "aud-3", "account_id": "aud", "name": "C"}]},
                              headers=editor)
    assert imported.status_code == 200
    did("import", "aud-k")
    did("import", "aud-3")
    csv = furniture.post("/v1/import/csv?kind=contacts", content=b"Id,Name,AccountId\naud-4,D,aud\n",
                         headers={**editor, "content-type": "text/csv"})
    assert csv.status_code == 200, csv.text
    did("import", "aud-4")
    assert furniture.delete("/v1/contacts/aud-1?cascade=true", headers=editor).status_code == 204
    did("delete", edge)
    did("delete", "aud-1")
    assert furniture.post("/v1/contacts/aud-2/erase").status_code == 200
    did("erase", "aud-2")

    entries = _all_audit(furniture)
    new = entries[:len(entries) - start]
    assert len(new) == len(steps)
    # newest first; imports and cascades write several entries at once, in any order among themselves
    assert sorted((e["action"], e["entity_id"]) for e in new) == sorted(steps)
    assert new[0]["action"] == "erase" and new[-1]["action"] == "create"
    stamps = [_stamp(e["at"]) for e in new]
    assert stamps == sorted(stamps, reverse=True)
    assert all(abs(dt.datetime.now(dt.UTC).replace(tzinfo=None) - s) < dt.timedelta(minutes=5) for s in stamps)
    for entry in new:
        assert set(entry) >= {"at", "actor", "action", "entity_type", "entity_id", "before", "after"}
        assert entry["actor"] == ("env-admin" if entry["action"] == "erase" else "env-editor")
        if entry["entity_id"] == "aud-2":  # erased: its history is scrubbed, the erasure recorded
            assert entry["before"] in (None, {"erased": True})
            assert entry["action"] == "erase" or entry["after"] == {"erased": True}
        elif entry["action"] == "create":
            assert entry["before"] is None and entry["after"]["id"] == entry["entity_id"]
        elif entry["action"] == "update":
            assert entry["before"]["version"] + 1 == entry["after"]["version"]
        elif entry["action"] == "delete":
            assert entry["before"]["id"] == entry["entity_id"] and entry["after"] is None
        elif entry["action"] == "import":
            assert entry["before"] is None and entry["after"]["id"] == entry["entity_id"]
    update = next(e for e in new if e["action"] == "update" and e["entity_id"] == "aud")
    assert (update["before"].get("industry"), update["after"]["industry"]) == (None, "audit")


def test_no_op_writes_leave_no_audit_entry(furniture: TestClient) -> None:
    before = len(_all_audit(furniture))
    again = furniture.post("/v1/import", json=json.loads((Path(__file__).parents[1] / "fixtures"
                                                          / "furniture.json").read_text(encoding="utf-8")))
    assert again.status_code == 200
    assert all(c["created"] == c["updated"] == 0 for c in again.json()["counts"].values())
    assert furniture.post("/v1/import?dry_run=true", json={"accounts": [{"id": "dry", "name": "x"}]}).status_code == 200
    name = furniture.get("/v1/contacts/gzf-gm").json()["name"]
    assert furniture.patch("/v1/contacts/gzf-gm", json={"name": name}).status_code == 200  # unchanged
    assert len(_all_audit(furniture)) == before
    assert furniture.get("/v1/accounts/dry").status_code == 404


def test_audit_pages_newest_first_with_cursor_and_entity_filter(furniture: TestClient) -> None:
    for i in range(7):
        assert furniture.patch("/v1/contacts/gzf-it", json={"notes": f"note {i}"}).status_code == 200
    everything = _all_audit(furniture)
    paged = _all_audit(furniture, limit=3)
    assert paged == everything  # same entries, same order, none twice, none missing
    first = furniture.get("/v1/audit", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]

    mine = _all_audit(furniture, limit=2, entity_id="gzf-it")
    assert {e["entity_id"] for e in mine} == {"gzf-it"}
    assert [e["after"]["notes"] for e in mine[:7]] == [f"note {i}" for i in reversed(range(7))]
    assert mine[-1]["action"] == "import"
    assert furniture.get("/v1/audit", params={"entity_id": "nobody"}).json() == {"items": [], "next_cursor": None}
    last = furniture.get("/v1/audit", params={"limit": len(everything)}).json()
    assert last["next_cursor"] is None


# ---- erasure ---------------------------------------------------------------------------------------

SECRETS = ["陈志强", "想把公司从低价市场带向中高端品牌", "SECRET-A golf on sundays", "SECRET-B deleted edge note",
           "SECRET-C removed note", "SECRET-D member note", "SECRET-E earlier notes", "SECRET-F title"]


def _prepare_person(client: TestClient) -> None:
    """gzf-gm, with personal data spread over the contact, their relationships and the history."""
    ok = (200, 201, 204)
    assert client.patch("/v1/contacts/gzf-gm", json={"notes": "SECRET-E earlier notes"}).status_code in ok
    assert client.patch("/v1/contacts/gzf-gm", json={"notes": "想把公司从低价市场带向中高端品牌",
                                                     "title": "SECRET-F title"}).status_code in ok
    assert client.patch("/v1/relationships/COVERS:us-rep:gzf-gm",
                        json={"note": "SECRET-A golf on sundays"}).status_code in ok
    created = client.post("/v1/relationships", json={"type": "PROMOTED_BY", "source": "gzf-salesvp",
                                                     "target": "gzf-gm", "note": "SECRET-B deleted edge note"})
    assert created.status_code == 201
    assert client.delete(f"/v1/relationships/{created.json()['id']}").status_code == 204
    rival = client.post("/v1/relationships", json={"type": "RIVAL", "source": "gzf-gm", "target": "gzf-cfo",
                                                   "note": "SECRET-C removed note", "strength": 0.2})
    assert rival.status_code == 201
    assert client.patch(f"/v1/relationships/{rival.json()['id']}", json={"note": None}).status_code in ok
    assert client.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm",
                        json={"note": "SECRET-D member note"}).status_code in ok


def test_erasure_removes_personal_data_everywhere_and_keeps_the_map(furniture: TestClient,
                                                                     tmp_path: Path) -> None:
    _prepare_person(furniture)
    before = furniture.get("/v1/accounts/gzf/export").json()
    edges_before = {r["id"] for r in before["relationships"] if "gzf-gm" in (r["source"], r["target"])}
    chain_before = before["decision_chain"]

    erased = furniture.post("/v1/contacts/gzf-gm/erase")
    assert erased.status_code == 200, erased.text
    tombstone = erased.json()
    assert tombstone["name"] == "[erased]" and tombstone["id"] == "gzf-gm"
    for field in ("title", "notes", "closeness", "last_contact_at", "left_at", "department"):
        assert field not in tombstone, field
    assert erased.headers["ETag"] == f'"{tombstone["version"]}"'
    assert furniture.get("/v1/contacts/gzf-gm").json() == tombstone

    # nowhere any more: not in the map, not in any audit entry, not in the database file's rows
    after = furniture.get("/v1/accounts/gzf/export").json()
    audit = _all_audit(furniture)
    text = json.dumps([after, audit, furniture.get("/v1/relationships", params={"limit": 500}).json()],
                      ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret

    # the map stays whole: same relationships (without notes), same decision chain minus the note
    assert {r["id"] for r in after["relationships"] if "gzf-gm" in (r["source"], r["target"])} == edges_before
    assert all("note" not in r for r in after["relationships"] if "gzf-gm" in (r["source"], r["target"]))
    strip = [{k: v for k, v in m.items() if k != "note"} for m in chain_before]
    assert after["decision_chain"] == strip
    others = [c for c in after["contacts"] if c["id"] != "gzf-gm"]
    assert others == [c for c in before["contacts"] if c["id"] != "gzf-gm"]
    assert furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").status_code in (200, 404)

    # the erasure itself is audited, by an admin, without the erased data
    entry = furniture.get("/v1/audit", params={"entity_id": "gzf-gm", "limit": 1}).json()["items"][0]
    assert (entry["action"], entry["actor"]) == ("erase", "env-admin")
    assert entry["after"]["name"] == "[erased]"

    # the export still re-imports: into the same store (nothing changes) and into an empty one
    again = furniture.post("/v1/import", json=after)
    assert again.status_code == 200, again.text
    assert all(c["created"] == c["updated"] == 0 for c in again.json()["counts"].values())
    fresh = Settings(data_dir=tmp_path / "fresh", api_keys=KEYS_ENV)
    with TestClient(create_app(fresh), headers=auth(ADMIN)) as other:
        assert other.post("/v1/import", json=after).status_code == 200
        assert other.get("/v1/accounts/gzf/export").json() == after

    # a tombstone can still be edited and erased again
    assert furniture.patch("/v1/contacts/gzf-gm", json={"status": "left"}).status_code == 200
    assert furniture.post("/v1/contacts/gzf-gm/erase").status_code == 200


def test_erasure_leaves_no_copy_in_the_database(furniture: TestClient, settings: Settings) -> None:
    """On SQLite not even in free space or in the write-ahead log, which keeps old page versions; on
    Neo4j in no property of any node or relationship."""
    _prepare_person(furniture)
    assert SECRETS[-1] in database_text(settings)
    assert furniture.post("/v1/contacts/gzf-gm/erase").status_code == 200
    text = database_text(settings)
    for secret in SECRETS:
        assert secret not in text, secret
    assert furniture.get("/v1/contacts/gzf-gm").json()["name"] == "[erased]"


def test_erasure_needs_an_admin_and_an_existing_contact(furniture: TestClient) -> None:
    before = furniture.get("/v1/contacts/gzf-gm").json()
    assert_problem(furniture.post("/v1/contacts/gzf-gm/erase", headers=auth(EDITOR)), 403)
    assert_problem(furniture.post("/v1/contacts/nobody/erase"), 404)
    assert_problem(furniture.post("/v1/contacts/us-rep/erase"), 404)  # a team member is no contact
    assert furniture.get("/v1/contacts/gzf-gm").json() == before
