"""The Neo4j adapter against a real server: what the contract suite cannot show, i.e. concurrency under
Neo4j's read-committed isolation and the migration records. Needs ``NEO4J_URI`` (``tools/neo4j/serve``,
see the README). The database is wiped: point it at a throw-away one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from graph import map_cache
from graph.backend import Tx
from graph.errors import Conflict
from graph.models import Bundle, EdgeType
from graph.neo4j import migrate, queries
from graph.neo4j import store as neo4j_store
from graph.neo4j.store import Neo4jBackend, Neo4jTx
from graph.records import EdgeRecord, NodeRecord, now_iso
from graph.store import Store
from tests.conftest import bundle, neo4j_config
from tests.neo4j.conftest import statements

pytestmark = pytest.mark.neo4j


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Neo4jBackend]:
    config = neo4j_config(tmp_path)
    assert config.neo4j_uri
    live = Neo4jBackend(config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database)
    live.migrate()
    live.reset()
    yield live
    live.close()


def node(id: str, version: int = 1, **data: object) -> NodeRecord:
    stamp = now_iso()
    return NodeRecord("competitor", id, {"name": id, **data}, stamp, stamp, version)


def test_migrations_are_recorded_and_idempotent(backend: Neo4jBackend) -> None:
    assert backend.migrate() == []
    backend.check_ready()
    status = migrate.status(backend._driver, backend._session_config("READ"))
    assert status.applied == {m.name: m.checksum for m in migrate.files()}


def test_a_read_in_a_write_transaction_holds_the_record_until_commit(backend: Neo4jBackend) -> None:
    backend.write(lambda tx: tx.put_nodes([node("x1")]))
    first_has_read, seen_by_second = threading.Event(), []

    def first(tx: Tx) -> None:
        current = tx.get_nodes(["x1"])["x1"]
        first_has_read.set()
        threading.Event().wait(0.5)  # the second transaction tries to read meanwhile
        tx.put_nodes([node("x1", current.version + 1)])

    def second(tx: Tx) -> None:
        seen_by_second.append(tx.get_nodes(["x1"])["x1"].version)

    worker = threading.Thread(target=backend.write, args=(first,))
    worker.start()
    assert first_has_read.wait(10)
    backend.write(second)  # blocks on the lock until the first commits
    worker.join(10)
    assert seen_by_second[-1] == 2


def _race(backend: Neo4jBackend, writes: list[Callable[[Tx], None]]) -> list[str]:
    """Run the writes at once, each in a thread of its own: "created" or "conflict" per write, sorted."""
    start = threading.Barrier(len(writes), timeout=10)
    outcomes: list[str] = []

    def attempt(work: Callable[[Tx], None]) -> None:
        try:
            start.wait()
            backend.write(work)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(work,)) for work in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


def test_concurrent_creations_of_one_id_let_one_win(backend: Neo4jBackend) -> None:
    """Two writers check that an id is free, then create it. The check in a write transaction seeks the
    id's unique index with a lock (``NodeUniqueIndexSeek(Locking)``), so the second writer's check
    waits until the first commits and then finds the id taken: one creation, one Conflict."""
    def create(name: str) -> Callable[[Tx], None]:
        def work(tx: Tx) -> None:
            if tx.get_nodes(["dup"]):  # what the store does
                raise Conflict("taken")
            time.sleep(0.5)  # the other writer checks meanwhile
            tx.put_nodes([node("dup", name=name)])
        return work

    assert _race(backend, [create("a"), create("b")]) == ["conflict", "created"]


def test_a_node_with_edges_cannot_be_deleted(backend: Neo4jBackend) -> None:
    stamp = now_iso()
    backend.write(lambda tx: tx.put_nodes([
        NodeRecord("account", "acme", {"name": "ACME"}, stamp, stamp, 1),
        NodeRecord("contact", "c1", {"name": "A", "account_id": "acme"}, stamp, stamp, 1),
        NodeRecord("contact", "c2", {"name": "B", "account_id": "acme"}, stamp, stamp, 1)]))
    backend.write(lambda tx: tx.put_edges([EdgeRecord("REPORTS_TO", "r1", "c2", "c1", {}, "acme", stamp, stamp, 1)]))
    with pytest.raises(Conflict):
        backend.write(lambda tx: tx.delete_nodes(["c1"]))
    sub = backend.read(lambda tx: tx.account_subgraph("acme"))
    assert sub is not None and [n.id for n in sub.nodes] == ["c1", "c2"] and [e.id for e in sub.edges] == ["r1"]
    assert sorted(n.id for n in backend.read(lambda tx: tx.nodes_of_accounts(["acme"]))) == ["c1", "c2"]


def test_a_deadlock_is_retried_not_reported(backend: Neo4jBackend) -> None:
    """Two writers lock two records in opposite orders: Neo4j breaks the deadlock by failing one with a
    transient error, and the managed transaction runs that one again: both commit, nobody sees an error."""
    backend.write(lambda tx: tx.put_nodes([node("a"), node("b")]))
    both_locked_one = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    attempts: list[str] = []

    def writer(first: str, second: str) -> None:
        def work(tx: Tx) -> None:
            attempts.append(first)
            tx.get_nodes([first])
            if attempts.count(first) == 1:
                both_locked_one.wait()
            current = tx.get_nodes([second])[second]
            tx.put_nodes([node(second, version=current.version + 1)])

        try:
            backend.write(work)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(attempts) == 3  # one of them ran twice
    versions = backend.read(lambda tx: tx.get_nodes(["a", "b"]))
    assert {k: v.version for k, v in versions.items()} == {"a": 2, "b": 2}


def _competitors(n: int) -> list[NodeRecord]:
    return [node(f"k{i}") for i in range(n)]


def test_a_write_reading_many_edge_ids_finds_each_of_any_type_and_holds_it(backend: Neo4jBackend) -> None:
    """From _FEW_EDGE_IDS ids on, a write transaction claims, finds and locks (three statements): it finds the
    stored edges whatever their type, reports the rest absent, and holds what it read until commit."""
    from graph.neo4j.store import _FEW_EDGE_IDS

    stamp = now_iso()
    backend.write(lambda tx: tx.put_nodes(_competitors(2)))
    stored = [EdgeRecord("RIVAL" if i % 2 else "ALLY", f"e{i}", "k0", "k1", {}, None, stamp, stamp, 1)
              for i in range(_FEW_EDGE_IDS)]
    backend.write(lambda tx: tx.put_edges(stored))
    wanted = [f"e{i}" for i in range(2 * _FEW_EDGE_IDS)]
    found = backend.write(lambda tx: tx.get_edges(wanted))
    assert {e.id: e.type for e in found.values()} == {e.id: e.type for e in stored}
    first_has_read, seen_by_second = threading.Event(), []

    def first(tx: Tx) -> None:
        current = tx.get_edges(wanted)["e1"]
        first_has_read.set()
        threading.Event().wait(0.5)  # the second transaction tries to read meanwhile
        tx.put_edges([EdgeRecord("RIVAL", "e1", "k0", "k1", {}, None, stamp, stamp, current.version + 1)])

    worker = threading.Thread(target=backend.write, args=(first,))
    worker.start()
    assert first_has_read.wait(10)
    backend.write(lambda tx: seen_by_second.append(tx.get_edges(["e1"])["e1"].version))  # waits for the first
    worker.join(10)
    assert seen_by_second == [2]


def test_two_writers_creating_one_edge_id_under_two_types_let_one_win(backend: Neo4jBackend) -> None:
    """Each relationship type has its own unique id constraint, so only the claim on the id (taken before
    looking, held until commit) stops two transactions that both found an id absent from creating it
    under two types: the second waits, then finds the id taken."""
    from graph.neo4j.store import _FEW_EDGE_IDS

    stamp = now_iso()
    backend.write(lambda tx: tx.put_nodes(_competitors(2)))
    ids = [f"x{i}" for i in range(_FEW_EDGE_IDS)]
    def create(edge_type: str) -> Callable[[Tx], None]:
        def work(tx: Tx) -> None:
            if tx.get_edges(ids):  # what the store does
                raise Conflict("taken")
            time.sleep(0.5)  # the other writer looks meanwhile
            tx.put_edges([EdgeRecord(edge_type, i, "k0", "k1", {}, None, stamp, stamp, 1) for i in ids])
        return work

    assert _race(backend, [create("ALLY"), create("RIVAL")]) == ["conflict", "created"]
    assert len({e.type for e in backend.read(lambda tx: tx.get_edges(ids)).values()}) == 1


def _operators(plan: dict[str, Any]) -> list[str]:
    return [plan["operatorType"], *(op for child in plan.get("children", []) for op in _operators(child))]


def test_every_hinted_lookup_is_planned_as_a_seek(backend: Neo4jBackend) -> None:
    """A plan is made once and cached while the database fills. Made just after the first relationships
    were written, a lookup named only by ``USING INDEX`` was a scan of the whole index, filtered per row:
    the second import of 10,000 contacts into a new database then scanned 10,000 reporting lines per
    looked-up id, for over a minute. Every hinted lookup must be a seek, whatever the database holds.
    A statement Neo4j keeps planned as the database grows (``CYPHER replan=skip``: the import's, the map
    loads' and checks') keeps the plan made on an empty or young database for good: planned on either,
    it may scan nothing at all."""
    kept = "CYPHER replan=skip\n"
    checked = [(name, text.removeprefix(kept), text.startswith(kept)) for name, text in statements()
               if "USING INDEX" in text or text.startswith(kept)]
    assert sum(planned_once for _, _, planned_once in checked) >= 20 and len(checked) >= 25
    parameters = {"ids": [], "rows": [], "scopes": [], "account_ids": [], "entity_ids": [], "until": ""}

    def check_plans() -> None:
        with backend._driver.session(database=backend.database) as session:
            for name, text, planned_once in checked:
                plan = session.run("CYPHER replan=force EXPLAIN " + text, parameters).consume().plan
                assert plan is not None
                operators = _operators(plan)
                assert not [op for op in operators if ("Scan" if planned_once else "IndexScan") in op], (
                    name, operators)
                assert [op for op in operators if "Seek" in op], (name, operators)

    check_plans()                                                   # empty
    stamp = now_iso()
    backend.write(lambda tx: tx.put_nodes(_competitors(21)))
    backend.write(lambda tx: tx.put_edges([EdgeRecord(edge_type, f"{edge_type}{i}", f"k{i}", f"k{i + 1}", {}, None,
                                                      stamp, stamp, 1)
                                           for edge_type in EdgeType for i in range(20)]))
    check_plans()                                                   # young


def test_an_import_is_marked_applied_so_another_process_loads_the_map_once(
        backend: Neo4jBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import logs "everything": no ids a load could be checked against, so a load that may have
    overlapped its commit is checked by a second load. Once the import's commit has returned, its writer
    marks the change applied (``applied: true`` on its MapChanges node, for an analyst to see too); a load
    in another process that begins after the mark is then made once. Without the mark: twice."""
    loads: list[str] = []
    load = Neo4jTx._subgraph

    def counted(tx: Neo4jTx, account_id: str) -> Any:
        loads.append(account_id)
        return load(tx, account_id)

    monkeypatch.setattr(Neo4jTx, "_subgraph", counted)
    monkeypatch.setattr(map_cache, "MAX_LISTED", 10)     # the furniture maker's 40-odd records: "everything"
    Store(backend).import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")
    with backend._driver.session(database=backend.database) as session:
        marks = session.run("MATCH (c:MapChanges {scope: 'gzf'}) RETURN c.everything AS everything, "
                            "c.applied AS applied").data()
    assert marks == [{"everything": True, "applied": True}]
    config = neo4j_config(tmp_path)
    assert config.neo4j_uri
    other = Neo4jBackend(config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database)
    try:
        loads.clear()
        assert "gzf-gm" in Store(other).account_graph("gzf")
        assert loads == ["gzf"]
        with backend._driver.session(database=backend.database) as session:
            session.run("MATCH (c:MapChanges {scope: 'gzf'}) REMOVE c.applied").consume()
        loads.clear()
        assert "gzf-gm" in Store(other).account_graph("gzf")   # a fresh store: nothing kept
        assert loads == ["gzf", "gzf"]
    finally:
        other.close()


def test_a_map_streamed_in_many_rows_is_the_map_streamed_in_few(
        backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """An account's map comes in rows of ``_LOAD_CHUNK`` records (queries.ACCOUNT_SUBGRAPH): the furniture
    maker's 9 contacts and 40-odd relationships read in rows of 2 are the map read in rows of 1,000, every
    node, edge and field of it, in id order; an account not stored is no rows at all."""
    Store(backend).import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")

    def load(account_id: str) -> Any:
        return backend.read(lambda tx: cast(Neo4jTx, tx)._subgraph(account_id))

    few = load("gzf")
    monkeypatch.setattr(neo4j_store, "_LOAD_CHUNK", 2)
    many = load("gzf")
    assert few is not None and len(few.nodes) > 2 * 2 and len(few.edges) > 2 * 2
    assert many == few
    assert [n.id for n in many.nodes] == sorted(n.id for n in many.nodes)
    assert [e.id for e in many.edges] == sorted(e.id for e in many.edges)
    assert many.account.id == "gzf" and "gzf" not in {n.id for n in many.nodes}
    assert load("no-such-account") is None
    with backend._driver.session(database=backend.database) as session:
        rows = session.run(queries.ACCOUNT_SUBGRAPH, account_id="gzf", chunk=2).data()
    assert len(rows) == 1 + -(-len(few.nodes) // 2) + -(-len(few.edges) // 2)    # the account's, and rows of 2
    assert [row["account"]["id"] for row in rows if row["account"] is not None] == ["gzf"]
