"""Data migrations written in Python, run again over records stored as before them, on both backends."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import pytest

from graph.backend import Backend, Tx
from graph.models import Bundle, NodeKind
from graph.records import MapChanges
from graph.store import Store
from tests.conftest import bundle, run_neo4j_data_migration


def _run_status_migration(backend_name: str, backend: Backend) -> None:
    if backend_name == "sqlite":
        from graph.sqlite.store import SqliteBackend

        assert isinstance(backend, SqliteBackend)
        module = importlib.import_module("migrations.sqlite.V0050__opportunity_status")
        for _ in range(2):  # finds nothing the second time
            with backend._transaction("BEGIN IMMEDIATE") as conn:
                module.migrate(conn)
    else:
        run_neo4j_data_migration("V0030__opportunity_status")


def test_opportunities_stored_without_a_status_get_the_one_their_stage_implies(backend_name: str,
                                                                               backend: Backend,
                                                                               store: Store) -> None:
    """Deals written before the status existed: a "赢单" deal was open to the analytics (they knew four
    English stage names). The migration gives each the status a write gives it today, leaves a status
    set by hand alone, and a process already holding the account's map sees it."""
    store.import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")
    upgrade = store.get_node(NodeKind.opportunity, "gzf-upgrade")
    old = {"gzf-won": {"stage": "赢单"}, "gzf-open": {"stage": "方案"}, "gzf-lost": {"stage": "Closed-Lost"},
           "gzf-kept": {"stage": "方案", "status": "lost"}}
    records = [replace(upgrade, id=id, data={"id": id, "account_id": "gzf", "name": id, **fields})
               for id, fields in old.items()]
    def write_as_before(tx: Tx) -> None:
        tx.put_nodes(records)
        tx.log_changes([MapChanges("gzf", nodes=tuple(old))])

    backend.write(write_as_before)
    before = store.account_graph("gzf")
    assert "status" not in before.nodes["gzf-won"]

    _run_status_migration(backend_name, backend)

    stored = {id: store.get_node(NodeKind.opportunity, id) for id in old}
    assert {id: r.data["status"] for id, r in stored.items()} == {
        "gzf-won": "won", "gzf-open": "open", "gzf-lost": "lost", "gzf-kept": "lost"}
    assert all(r.version == upgrade.version for r in stored.values())
    after = store.account_graph("gzf")
    assert after.nodes["gzf-won"]["status"] == "won"


def test_a_migration_changed_after_it_was_applied_is_not_called_pending(tmp_path: Path) -> None:
    """SQLite says what Neo4j says: an applied migration whose file changed is not mended by `guanxi
    migrate` (which refuses it), so it is not "not migrated: run guanxi migrate"."""
    from graph.errors import NotMigrated, StoreUnavailable
    from graph.sqlite.store import SqliteBackend

    backend = SqliteBackend(tmp_path / "data")
    try:
        backend.migrate()
        backend.check_ready()
        with backend._transaction("BEGIN IMMEDIATE") as conn:
            conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE name LIKE 'V0040%'")
        with pytest.raises(StoreUnavailable, match="changed after they were applied: V0040") as raised:
            backend.check_ready()
        assert not isinstance(raised.value, NotMigrated)
        with backend._transaction("BEGIN IMMEDIATE") as conn:
            conn.execute("DELETE FROM schema_migrations WHERE name LIKE 'V0040%'")
        with pytest.raises(NotMigrated, match="V0040"):
            backend.check_ready()
    finally:
        backend.close()
