"""An erased person stays erased on both backends: a PATCH cannot bring their data back (409 — the write
contradicts what is stored, a tombstone that still answers GET, so not 410 — as an import of the same row
leaves the tombstone as it is; what the tombstone keeps, their account, level and status, may still
change) nor can a line (a note on it, an interest of theirs), and erasing them again changes nothing —
unless something personal was written about them since (a note an older version let through), which it
then erases."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from fastapi.testclient import TestClient

from graph.records import AuditEntry, now_iso


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _trail(client: TestClient, entity_id: str | None = None) -> list[dict[str, Any]]:
    params = {"limit": 500, **({"entity_id": entity_id} if entity_id else {})}
    return _ok(client.get("/v1/audit", params=params))["items"]  # type: ignore[no-any-return]


def test_a_patch_cannot_bring_an_erased_person_back(furniture: TestClient) -> None:
    tombstone = _ok(furniture.post("/v1/contacts/gzf-qa/erase"))
    entries = len(_trail(furniture))
    refused = furniture.patch("/v1/contacts/gzf-qa", json={"name": "吴芳", "notes": "back via patch"})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "erased" in refused.json()["detail"]
    # nor through any other field the erasure took, nor with the right If-Match
    for change in ({"notes": "back via patch"}, {"title": "品质经理"},
                   {"status": "left", "left_at": "2026-12-01"}, {"closeness": {"relationship": 0.9}}):
        again = furniture.patch("/v1/contacts/gzf-qa", json=change, headers={"If-Match": f'"{tombstone["version"]}"'})
        assert again.status_code == 409, (change, again.text)
    # a PATCH that changes nothing is answered as ever
    assert _ok(furniture.patch("/v1/contacts/gzf-qa", json={"name": "[erased]"}))["version"] == tombstone["version"]
    assert _ok(furniture.get("/v1/contacts/gzf-qa")) == tombstone
    assert len(_trail(furniture)) == entries
    assert "back via patch" not in json.dumps(_trail(furniture), ensure_ascii=False)
    # what the tombstone keeps (no personal data) may still change: they left, or were promoted
    left = _ok(furniture.patch("/v1/contacts/gzf-qa", json={"status": "left", "level": "director"}))
    assert left["version"] == tombstone["version"] + 1 and left["name"] == "[erased]"
    assert {k: v for k, v in left.items() if k not in ("status", "level", "version", "updated_at")} == {
        k: v for k, v in tombstone.items() if k not in ("status", "level", "version", "updated_at")}
    tombstone = left
    trail = _trail(furniture)   # erasing again after that: nothing personal to erase
    assert _ok(furniture.post("/v1/contacts/gzf-qa/erase")) == left and _trail(furniture) == trail
    # an import of the row is left out as before, and so is every later one
    row = {"contacts": [{"id": "gzf-qa", "account_id": "gzf", "name": "吴芳", "notes": "back via import"}]}
    for _ in range(2):
        counts = _ok(furniture.post("/v1/import", json=row))["counts"]["contacts"]
        assert counts["kept_erased"] == 1 and counts["updated"] == 0, counts
    assert _ok(furniture.get("/v1/contacts/gzf-qa")) == tombstone
    export = json.dumps(_ok(furniture.get("/v1/accounts/gzf/export")), ensure_ascii=False)
    assert "吴芳" not in export and "back via" not in export
    # the tombstone may still go
    assert furniture.delete("/v1/contacts/gzf-qa", params={"cascade": "true"}).status_code == 204


def test_erasing_twice_changes_nothing(furniture: TestClient) -> None:
    first = furniture.post("/v1/contacts/gzf-proc/erase")
    assert first.status_code == 200, first.text
    trail = _trail(furniture)
    second = furniture.post("/v1/contacts/gzf-proc/erase")
    assert second.status_code == 200, second.text
    assert second.json() == first.json() and second.headers["etag"] == first.headers["etag"]
    assert _trail(furniture) == trail
    assert _ok(furniture.get("/v1/contacts/gzf-proc")) == first.json()


def test_erasing_a_deleted_person_twice_changes_nothing(furniture: TestClient) -> None:
    _ok(furniture.post("/v1/contacts", json={"id": "gone", "account_id": "gzf", "name": "离职者",
                                             "notes": "私人秘密"}), 201)
    assert furniture.delete("/v1/contacts/gone").status_code == 204
    first = _ok(furniture.post("/v1/contacts/gone/erase"))
    trail = _trail(furniture)
    second = _ok(furniture.post("/v1/contacts/gone/erase"))
    assert second["name"] == "[erased]" and second["account_id"] == first["account_id"] == "gzf"
    assert _trail(furniture) == trail


def _note_as_an_older_version_could(client: TestClient, line: str, note: str) -> dict[str, Any]:
    """A note put on an erased person's line, audited, as the service could before it refused that."""
    store = client.app.state.store  # type: ignore[attr-defined]

    def write(tx: Any) -> None:
        old = tx.get_edges([line])[line]
        new = dataclasses.replace(old, data={**old.data, "note": note}, updated_at=now_iso(), version=old.version + 1)
        tx.put_edges([new])
        tx.append_audit([AuditEntry(now_iso(), "older-version", "update", str(old.type), line, old.as_json(),
                                    new.as_json(), account_id=old.account_id)])

    store.backend.write(write)
    return _ok(client.get(f"/v1/relationships/{line}"))  # type: ignore[no-any-return]


def test_erasing_again_erases_what_was_written_since(furniture: TestClient) -> None:
    line = "INFLUENCES:gzf-qa:gzf-design"
    first = _ok(furniture.post("/v1/contacts/gzf-qa/erase"))
    noted = _note_as_an_older_version_could(furniture, line, "她其实很在意价格")
    assert "她其实很在意价格" in json.dumps(_trail(furniture, line), ensure_ascii=False)
    second = _ok(furniture.post("/v1/contacts/gzf-qa/erase"))
    assert second["version"] == first["version"] + 1
    assert "note" not in _ok(furniture.get(f"/v1/relationships/{line}"))
    assert _ok(furniture.get(f"/v1/relationships/{line}"))["version"] == noted["version"] + 1
    assert "她其实很在意价格" not in json.dumps(_trail(furniture), ensure_ascii=False)
    # and then a third time: nothing left to do
    trail = _trail(furniture)
    assert _ok(furniture.post("/v1/contacts/gzf-qa/erase")) == second
    assert _trail(furniture) == trail


def test_no_line_brings_an_erased_persons_notes_or_interests_back(furniture: TestClient) -> None:
    _ok(furniture.post("/v1/contacts/gzf-qa/erase"))
    entries = len(_trail(furniture))
    interest = furniture.post("/v1/relationships", json={"type": "HAS_INTEREST", "source": "gzf-qa",
                                                        "target": "gzf-upgrade", "kind": "kickback"})
    noted = furniture.post("/v1/relationships", json={"type": "INFLUENCES", "source": "gzf-gm", "target": "gzf-qa",
                                                     "note": "他们私下是亲戚"})
    for refused in (interest, noted):
        assert refused.status_code == 409 and "erased" in refused.json()["detail"], refused.text
    # a line of theirs without anything personal is still a line; a note on it is refused
    line = _ok(furniture.post("/v1/relationships", json={"type": "ALLY", "source": "gzf-qa", "target": "gzf-it"}), 201)
    assert furniture.patch(f"/v1/relationships/{line['id']}", json={"note": "老同学"}).status_code == 409
    assert len(_trail(furniture)) == entries + 1


def test_an_import_run_again_by_the_driver_counts_the_same(furniture: TestClient) -> None:
    """The import's unit of work is run again after a transient error (the Neo4j driver retries it): each
    run starts from the rows as given, so a second run counts what the first did (it changed its row
    tables: an erased person's interest dropped by the first run was not there for the second to count)."""
    from graph.models import Bundle
    from tests.conftest import bundle

    store = furniture.app.state.store  # type: ignore[attr-defined]
    _ok(furniture.post("/v1/contacts/gzf-proc/erase"))
    work = store._importing(Bundle.model_validate(bundle("furniture")), actor="test", dry_run=True)
    first, second = store.backend.write(work), store.backend.write(work)
    assert first == second
    assert first["relationships"].kept_erased >= 1 and first["contacts"].kept_erased == 1, first
