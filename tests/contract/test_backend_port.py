"""The backend port's contract (:mod:`graph.backend`): what a new backend must satisfy, run on every
backend. The store suite beside it checks the domain's rules above the port; this one checks the
primitives themselves: declared order, cursors, replace semantics, locking, audit sequence numbers and
error translation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from graph.backend import Backend, Tx
from graph.backends import BackendConfig, make_backend
from graph.errors import Conflict, StoreUnavailable
from graph.records import ApiKey, AuditEntry, EdgeRecord, MapChanges, NodeRecord, now_iso
from tests.conftest import NEO4J_PASSWORD, NEO4J_USER


def _node(kind: str, id: str, version: int = 1, **data: object) -> NodeRecord:
    stamp = now_iso()
    return NodeRecord(kind, id, dict(data), stamp, stamp, version)


def _edge(type: str, id: str, source: str, target: str, account_id: str | None = "acme", version: int = 1,
          **data: object) -> EdgeRecord:
    stamp = now_iso()
    return EdgeRecord(type, id, source, target, dict(data), account_id, stamp, stamp, version)


def _map(backend: Backend) -> None:
    """An account, four contacts (inserted out of id order), an opportunity and some edges."""
    nodes = [_node("account", "acme", name="ACME")]
    nodes += [_node("contact", id, account_id="acme", name=name, level="manager",
                    closeness={"relationship": 0.5}, last_contact_at="2026-10-01")
              for id, name in (("c3", "张三"), ("c1", "王总"), ("c4", "李四"), ("c2", "赵六"))]
    nodes += [_node("opportunity", "o1", account_id="acme", name="Upgrade", competitor_ids=["k1"],
                    criteria={"technical": 0.5, "price": 0.3, "service": 0.2}, amount=1.5e6),
              _node("competitor", "k1", name="Incumbent"), _node("team_member", "t1", name="Li Na")]
    edges = [_edge("REPORTS_TO", "e3", "c3", "c1"), _edge("INFLUENCES", "e1", "c2", "c1", strength=0.8),
             _edge("COVERS", "e2", "t1", "c1", closeness=0.7, last_contact_at="2026-09-12"),
             _edge("MEMBER_OF", "e4", "c1", "o1", role="decision_maker", stance="neutral", influence=5,
                   closeness={"relationship": 0.4, "price": 0.2})]
    def write(tx: Tx) -> None:
        tx.put_nodes(nodes)
        tx.put_edges(edges)

    backend.write(write)


def test_records_come_back_exactly_as_written(backend: Backend) -> None:
    _map(backend)
    contact = backend.read(lambda tx: tx.get_nodes(["c1"]))["c1"]
    assert contact.data == {"account_id": "acme", "name": "王总", "level": "manager",
                            "closeness": {"relationship": 0.5}, "last_contact_at": "2026-10-01"}
    assert contact.kind == "contact" and contact.version == 1 and contact.created_at.endswith("Z")
    opportunity = backend.read(lambda tx: tx.get_nodes(["o1"]))["o1"]
    assert opportunity.data["competitor_ids"] == ["k1"]
    assert opportunity.data["criteria"] == {"technical": 0.5, "price": 0.3, "service": 0.2}
    assert isinstance(opportunity.data["amount"], float)
    member = backend.read(lambda tx: tx.get_edges(["e4"]))["e4"]
    assert (member.type, member.source, member.target, member.account_id) == ("MEMBER_OF", "c1", "o1", "acme")
    assert member.data == {"role": "decision_maker", "stance": "neutral", "influence": 5,
                           "closeness": {"relationship": 0.4, "price": 0.2}}
    assert isinstance(member.data["influence"], int)
    covers = backend.read(lambda tx: tx.get_edges(["e2"]))["e2"]
    assert covers.data == {"closeness": 0.7, "last_contact_at": "2026-09-12"}


def test_listed_and_loaded_records_come_in_id_order(backend: Backend) -> None:
    _map(backend)
    listed = backend.read(lambda tx: tx.list_nodes("contact", account_id=None, after=None, limit=10))
    assert [n.id for n in listed] == ["c1", "c2", "c3", "c4"]
    page = backend.read(lambda tx: tx.list_nodes("contact", account_id="acme", after="c2", limit=1))
    assert [n.id for n in page] == ["c3"]
    edges = backend.read(lambda tx: tx.list_edges(types=["REPORTS_TO", "INFLUENCES", "COVERS"],
                                                   account_id="acme", target=None, after=None, limit=10))
    assert [e.id for e in edges] == ["e1", "e2", "e3"]
    after = backend.read(lambda tx: tx.list_edges(types=["REPORTS_TO", "INFLUENCES", "COVERS"],
                                                   account_id=None, target="c1", after="e1", limit=10))
    assert [e.id for e in after] == ["e2", "e3"]
    # of every account, a page at a time, across types and of some types only
    every = ["REPORTS_TO", "INFLUENCES", "COVERS", "MEMBER_OF"]

    def edges_after(start: str | None) -> list[EdgeRecord]:
        return backend.read(lambda tx: tx.list_edges(types=every, account_id=None, target=None, after=start, limit=3))

    pages = [edges_after(start) for start in (None, "e3")]
    assert [[e.id for e in page] for page in pages] == [["e1", "e2", "e3"], ["e4"]]
    some = backend.read(lambda tx: tx.list_edges(types=["MEMBER_OF", "REPORTS_TO"], account_id=None, target=None,
                                                  after=None, limit=10))
    assert [e.id for e in some] == ["e3", "e4"]
    subgraph = backend.read(lambda tx: tx.account_subgraph("acme"))
    assert subgraph is not None and subgraph.account.id == "acme"
    assert [n.id for n in subgraph.nodes] == ["c1", "c2", "c3", "c4", "k1", "o1", "t1"]
    assert [e.id for e in subgraph.edges] == ["e1", "e2", "e3", "e4"]
    assert backend.read(lambda tx: tx.account_subgraph("nowhere")) is None


def test_put_replaces_the_whole_record(backend: Backend) -> None:
    _map(backend)
    stored = backend.read(lambda tx: tx.get_nodes(["c1"]))["c1"]
    smaller = NodeRecord("contact", "c1", {"account_id": "acme", "name": "王总"}, stored.created_at,
                         now_iso(), 2)
    backend.write(lambda tx: tx.put_nodes([smaller]))
    assert backend.read(lambda tx: tx.get_nodes(["c1"]))["c1"] == smaller  # fields not given are gone


def test_an_edge_whose_type_or_ends_change_is_replaced(backend: Backend) -> None:
    _map(backend)
    backend.write(lambda tx: tx.get_edges(["e1"]))
    backend.write(lambda tx: tx.put_edges([_edge("ALLY", "e1", "c2", "c1", version=2, strength=0.4)]))
    found = backend.read(lambda tx: tx.get_edges(["e1"]))
    assert found["e1"].type == "ALLY" and found["e1"].data == {"strength": 0.4}
    touching = backend.read(lambda tx: tx.edges_touching(["c2"]))
    assert [(e.id, e.type) for e in touching] == [("e1", "ALLY")]  # one edge of that id, not two
    backend.write(lambda tx: tx.put_edges([_edge("ALLY", "e1", "c3", "c4", version=3, strength=0.4)]))
    assert backend.read(lambda tx: tx.edges_touching(["c2"])) == []
    assert [e.id for e in backend.read(lambda tx: tx.edges_touching(["c4"]))] == ["e1"]


def test_edges_between_missing_nodes_are_refused_and_nothing_is_written(backend: Backend) -> None:
    _map(backend)
    with pytest.raises(Conflict):
        backend.write(lambda tx: tx.put_edges([_edge("INFLUENCES", "ok", "c3", "c4", strength=0.1),
                                               _edge("INFLUENCES", "bad", "c3", "ghost", strength=0.1)]))
    assert backend.read(lambda tx: tx.get_edges(["ok", "bad"])) == {}


def test_a_failing_unit_of_work_writes_nothing(backend: Backend) -> None:
    def work(tx: object) -> None:
        backend_tx = tx
        backend_tx.put_nodes([_node("competitor", "k9", name="x")])  # type: ignore[attr-defined]
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        backend.write(work)
    assert backend.read(lambda tx: tx.get_nodes(["k9"])) == {}


def test_audit_seqs_are_database_integers_in_commit_order(backend: Backend) -> None:
    def entry(n: int) -> AuditEntry:
        return AuditEntry(now_iso(), "t", "create", "competitor", f"k{n}", None, {"n": n})

    backend.write(lambda tx: tx.append_audit([entry(1), entry(2)]))
    backend.write(lambda tx: tx.append_audit([entry(3)]))
    trail = backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=10))
    assert [e.entity_id for e in trail] == ["k3", "k2", "k1"]  # newest first
    seqs = [e.seq for e in trail]
    assert all(isinstance(s, int) and s > 0 for s in seqs) and seqs == sorted(seqs, reverse=True)
    older = backend.read(lambda tx: tx.list_audit(entity_id=None, before=seqs[0], limit=10))
    assert [e.entity_id for e in older] == ["k2", "k1"]
    assert trail[0].after == {"n": 3} and trail[0].at.endswith("Z")
    oldest_first = backend.read(lambda tx: tx.audit_after(after=0, limit=2))
    assert oldest_first == trail[:0:-1]
    assert backend.read(lambda tx: tx.audit_after(after=oldest_first[-1].seq, limit=2)) == trail[:1]


def test_reads_behind_a_check_then_write_are_locked(backend: Backend) -> None:
    """Two writers read a counter and write it back one higher: neither increment is lost, because the
    read inside a write transaction holds the record until the transaction ends."""
    backend.write(lambda tx: tx.put_nodes([_node("competitor", "k1", name="counter", employees=0)]))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def increment() -> None:
        def work(tx: object) -> None:
            current = tx.get_nodes(["k1"])["k1"]  # type: ignore[attr-defined]
            time.sleep(0.3)  # let the other writer try meanwhile
            data = {**current.data, "employees": current.data["employees"] + 1}
            tx.put_nodes([NodeRecord("competitor", "k1", data, current.created_at, now_iso(),  # type: ignore[attr-defined]
                                     current.version + 1)])

        try:
            start.wait()
            backend.write(work)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=increment) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    final = backend.read(lambda tx: tx.get_nodes(["k1"]))["k1"]
    assert (final.data["employees"], final.version) == (2, 3)


def test_a_uniqueness_violation_is_a_conflict(backend: Backend) -> None:
    key = ApiKey("key_1", "viewer", "", "hash-1", now_iso())
    backend.write(lambda tx: tx.put_key(key))
    with pytest.raises(Conflict):
        backend.write(lambda tx: tx.put_key(ApiKey("key_2", "viewer", "", "hash-1", now_iso())))
    assert [k.id for k in backend.read(lambda tx: tx.list_keys())] == ["key_1"]


def test_revisions_count_up_per_scope(backend: Backend) -> None:
    assert backend.read(lambda tx: tx.revisions(["acme"])) == {}
    def log(*scopes: str) -> dict[str, int]:
        return backend.write(lambda tx: tx.log_changes([MapChanges(scope, nodes=("c1",)) for scope in scopes]))

    assert log("other", "acme") == {"acme": 1, "other": 1}
    assert log("acme") == {"acme": 2}
    assert backend.read(lambda tx: tx.revisions(["acme", "other", "none"])) == {"acme": 2, "other": 1}


def test_reset_empties_everything_but_the_schema(backend: Backend) -> None:
    _map(backend)
    backend.write(lambda tx: tx.append_audit([AuditEntry(now_iso(), "t", "x", "account", "acme", None, None)]))
    backend.reset()
    assert backend.read(lambda tx: tx.get_nodes(["acme", "c1"])) == {}
    assert backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=5)) == []
    backend.check_ready()  # still migrated
    assert backend.migrate() == []


def test_a_database_out_of_reach_is_unavailable(backend_name: str, tmp_path: Path) -> None:
    """Never a driver's or sqlite3's own exception: the store's StoreUnavailable (503)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    config = BackendConfig(data_dir=blocker / "data", neo4j_uri="bolt://127.0.0.1:1", neo4j_user=NEO4J_USER,
                           neo4j_password=NEO4J_PASSWORD or "x", neo4j_connection_timeout=1.0,
                           neo4j_retry_time=0.0)
    unreachable = make_backend(backend_name, config)
    try:
        with pytest.raises(StoreUnavailable):
            unreachable.read(lambda tx: tx.get_nodes(["x"]))
        with pytest.raises(StoreUnavailable):
            unreachable.check_ready()
    finally:
        unreachable.close()


def test_a_locked_sqlite_database_is_unavailable_not_a_bug(tmp_path: Path) -> None:
    """'database is locked' (another process holds the write lock), at the start of a transaction or
    inside one, is a 503, not a 500."""
    import sqlite3

    from graph.sqlite.store import DB_FILE, SqliteBackend, SqliteTx

    locked = SqliteBackend(tmp_path / "data", busy_timeout=0.2)
    locked.migrate()
    holder = sqlite3.connect(tmp_path / "data" / DB_FILE, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable):
            locked.write(lambda tx: tx.put_nodes([_node("competitor", "k1", name="x")]))

        def writes_inside_a_read(tx: object) -> None:
            assert isinstance(tx, SqliteTx)
            tx.conn.execute("DELETE FROM revisions")  # needs the write lock the holder has

        with pytest.raises(StoreUnavailable):
            locked.read(writes_inside_a_read)
    finally:
        holder.close()
        locked.close()
    assert SqliteBackend(tmp_path / "data").read(lambda tx: tx.get_nodes(["k1"])) == {}
