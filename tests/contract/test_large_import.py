"""An import large enough to be written many rows per statement and, on SQLite, to leave copying its
write-ahead log to a background thread: still all or nothing, every record audited once with what was
stored, idempotent, and on SQLite in the database file itself soon after."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from graph.errors import InvalidGraph
from graph.models import Bundle, NodeKind
from graph.records import AuditEntry
from graph.sqlite.store import AUTOCHECKPOINT_PAGES, DB_FILE, LARGE_WRITE_ROWS, ROWS_PER_INSERT, SqliteBackend
from graph.store import Store

PEOPLE = 1100


def _bundle(people: int = PEOPLE) -> dict[str, Any]:
    contacts = [{"id": f"lg-{i:04d}", "account_id": "lg", "name": f"员工 {i}", "title": "工程师"}
                for i in range(people)]
    lines = [{"type": "REPORTS_TO", "source": f"lg-{i:04d}", "target": f"lg-{(i - 1) // 2:04d}"}
             for i in range(1, people)]
    chain = [{"opportunity_id": "lg-deal", "contact_id": f"lg-{i:04d}", "role": "influencer"}
             for i in range(0, people, 4)]
    return {"accounts": [{"id": "lg", "name": "Large Co"}], "contacts": contacts,
            "team": [{"id": "lg-rep", "name": "Rep"}],
            "opportunities": [{"id": "lg-deal", "account_id": "lg", "name": "Deal"}],
            "relationships": [*lines, {"type": "COVERS", "source": "lg-rep", "target": "lg-0000"}],
            "decision_chain": chain}


def _rows(data: dict[str, Any]) -> int:
    return sum(len(rows) for rows in data.values())


def _trail(store: Store) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    cursor = None
    while True:
        page = store.list_audit(limit=500, cursor=cursor)
        entries += page.items
        if page.next_cursor is None:
            return entries
        cursor = page.next_cursor


def test_a_large_import_is_whole_audited_once_and_idempotent(store: Store) -> None:
    data = _bundle()
    assert _rows(data) > max(LARGE_WRITE_ROWS, 2 * ROWS_PER_INSERT)  # several statements per table
    counts = store.import_bundle(Bundle.model_validate(data), actor="importer")
    assert {kind: c.as_json() for kind, c in counts.items() if c.created or c.updated or c.unchanged} == {
        "accounts": {"created": 1, "updated": 0, "unchanged": 0},
        "contacts": {"created": PEOPLE, "updated": 0, "unchanged": 0},
        "team": {"created": 1, "updated": 0, "unchanged": 0},
        "opportunities": {"created": 1, "updated": 0, "unchanged": 0},
        "relationships": {"created": PEOPLE, "updated": 0, "unchanged": 0},
        "decision_chain": {"created": len(data["decision_chain"]), "updated": 0, "unchanged": 0}}

    trail = _trail(store)
    assert len(trail) == _rows(data) and len({e.entity_id for e in trail}) == len(trail)
    by_id = {e.entity_id: e for e in trail}
    for id in ("lg", "lg-0000", "lg-0550", f"lg-{PEOPLE - 1:04d}", "lg-deal", "lg-rep"):
        record = store.get_node(NodeKind(by_id[id].entity_type), id)
        entry = by_id[id]
        assert (entry.action, entry.actor, entry.before, entry.after) == ("import", "importer", None,
                                                                         record.as_json())
    for edge in store.list_edges(account_id="lg", limit=500).items:
        assert by_id[edge.id].after == edge.as_json() and by_id[edge.id].account_id == "lg"
    assert by_id["lg-rep"].account_id == "*shared" and by_id["lg-0007"].account_id == "lg"

    again = store.import_bundle(Bundle.model_validate(data), actor="importer")
    assert all(c.created == c.updated == 0 for c in again.values())
    assert sum(c.unchanged for c in again.values()) == _rows(data)
    assert len(_trail(store)) == len(trail)  # nothing written, nothing audited

    data["contacts"][700]["title"] = "总监"
    changed = store.import_bundle(Bundle.model_validate(data), actor="importer")
    assert changed["contacts"].as_json() == {"created": 0, "updated": 1, "unchanged": PEOPLE - 1}
    newest = _trail(store)[0]
    assert (newest.entity_id, newest.before["title"], newest.after["title"]) == ("lg-0700", "工程师", "总监")  # type: ignore[index]
    assert store.get_node(NodeKind.contact, "lg-0700").version == 2


def test_a_large_import_with_one_bad_row_writes_nothing(store: Store) -> None:
    data = _bundle()
    data["relationships"][900]["target"] = "nobody"
    with pytest.raises(InvalidGraph) as refused:
        store.import_bundle(Bundle.model_validate(data), actor="importer")
    assert refused.value.errors == [{"loc": ["body", "relationships", 900, "target"],
                                     "msg": "no contact with id 'nobody'"}]
    assert _trail(store) == [] and store.list_nodes(NodeKind.contact).items == []


def test_a_large_sqlite_write_is_copied_into_the_database_file_after_its_commit(tmp_path: Path) -> None:
    """The commit leaves the checkpoint to a background thread: the database file (read without the
    log) gets the import soon after, the connection checkpoints by default again, and every later
    write finds the data."""
    backend = SqliteBackend(tmp_path)
    backend.migrate()
    store = Store(backend)
    try:
        store.import_bundle(Bundle.model_validate(_bundle()), actor="importer")
        assert backend._connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES

        def in_file() -> int:  # what the database file itself holds (immutable: the log is not read)
            file = sqlite3.connect(f"{(tmp_path / DB_FILE).as_uri()}?immutable=1", uri=True)
            try:
                count: int = file.execute("SELECT count(*) FROM nodes WHERE kind = 'contact'").fetchone()[0]
                return count
            except sqlite3.DatabaseError:
                return -1  # read while the checkpoint is copying pages
            finally:
                file.close()

        deadline = time.monotonic() + 30
        while in_file() < PEOPLE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert in_file() == PEOPLE
        store.update_node(NodeKind.contact, "lg-0001", {"title": "经理"}, actor="editor")
    finally:
        backend.close()
    reopened = SqliteBackend(tmp_path)
    try:
        assert Store(reopened).get_node(NodeKind.contact, "lg-0001").data["title"] == "经理"
        assert len(Store(reopened).list_nodes(NodeKind.contact, account_id="lg", limit=500).items) == 500
    finally:
        reopened.close()
