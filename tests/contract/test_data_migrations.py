"""Data migrations written in Python, run again over records stored as before them, on both backends."""

from __future__ import annotations

import importlib
from dataclasses import replace

from graph.backend import Backend, Tx
from graph.models import Bundle, NodeKind
from graph.records import MapChanges
from graph.store import Store
from tests.conftest import bundle


def _run_status_migration(backend_name: str, backend: Backend) -> None:
    if backend_name == "sqlite":
        from graph.sqlite.store import SqliteBackend

        assert isinstance(backend, SqliteBackend)
        module = importlib.import_module("migrations.sqlite.V0050__opportunity_status")
        for _ in range(2):  # finds nothing the second time
            with backend._transaction("BEGIN IMMEDIATE") as conn:
                module.migrate(conn)
    else:
        from neo4j import GraphDatabase

        from tests.conftest import NEO4J_DATABASE, NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER

        assert NEO4J_URI is not None
        module = importlib.import_module("migrations.neo4j.V0030__opportunity_status")
        with GraphDatabase.driver(NEO4J_URI, auth=(NEO4J_USER, NEO4J_PASSWORD)) as driver, \
                driver.session(database=NEO4J_DATABASE) as session:
            for _ in range(2):  # idempotent
                module.migrate(session)


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
