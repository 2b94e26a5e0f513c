"""The fields the store filters nodes by are read where the database keeps them (issue 11, item 2):
on SQLite the owner_id column and the node_refs rows (V0030), on Neo4j native properties. Whatever
the writes (imports, updates, moves, erasure, deletes), "which nodes name these ids" answers as a scan
of the records' own fields would, on both backends; SQLite's columns agree with the JSON they come
from; and a database migrated before V0030 migrates forward with its references filled in."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graph import references
from graph.backend import Tx
from graph.errors import Conflict, InvalidGraph
from graph.models import Bundle, NodeKind
from graph.records import NodeRecord
from graph.sqlite import store as sqlite_store
from graph.sqlite.store import SqliteBackend
from graph.store import Store
from migrations import Migration, migrations

BUNDLE: dict[str, Any] = {
    "accounts": [{"id": "group", "name": "Group"}, {"id": "acme", "name": "ACME", "parent_id": "group"},
                 {"id": "beta", "name": "Beta"}],
    "competitors": [{"id": "k1", "name": "Rival One"}, {"id": "k2", "name": "Rival Two"},
                    {"id": "k3", "name": "Rival Three"}],
    "contacts": [{"id": "c1", "account_id": "acme", "name": "王总"},
                 {"id": "li.na@example.com", "account_id": "acme", "name": "李娜", "notes": "private"},
                 {"id": "c3", "account_id": "beta", "name": "张工"}],
    "opportunities": [{"id": "o1", "account_id": "acme", "name": "Upgrade", "competitor_ids": ["k1", "k2"]},
                      {"id": "o2", "account_id": "beta", "name": "Renewal", "competitor_ids": ["k2"]}],
}
ALL_IDS = ["group", "acme", "beta", "k1", "k2", "k3", "c1", "li.na@example.com", "c3", "o1", "o2", "nobody"]


def _all_nodes(tx: Tx) -> list[NodeRecord]:
    return [node for kind in NodeKind for node in tx.list_nodes(kind, account_id=None, after=None, limit=1000)]


def _naming_by_scan(nodes: list[NodeRecord], kind: str, field: str, ids: set[str]) -> list[str]:
    """The nodes of ``kind`` whose ``field`` names one of ``ids``, from the records' own data."""
    found = []
    for node in nodes:
        value = node.data.get(field)
        named = value if isinstance(value, list) else [value]
        if node.kind == kind and ids & {v for v in named if isinstance(v, str)}:
            found.append(node.id)
    return sorted(found)


def _assert_naming_agrees(store: Store) -> None:
    def work(tx: Tx) -> None:
        nodes = _all_nodes(tx)
        for reference in references.REFERENCES:
            for ids in ({i} for i in ALL_IDS):
                answer = [n.id for n in tx.nodes_naming(reference.kind, reference.field, ids)]
                assert answer == _naming_by_scan(nodes, reference.kind, reference.field, ids), (reference, ids)
            answer = [n.id for n in tx.nodes_naming(reference.kind, reference.field, ALL_IDS)]
            assert answer == _naming_by_scan(nodes, reference.kind, reference.field, set(ALL_IDS)), reference

    store.backend.read(work)


def _assert_columns_agree(store: Store) -> None:
    """On SQLite: owner_id and node_refs say what each record's JSON says, and nothing else."""
    if not isinstance(store.backend, SqliteBackend):
        return
    conn = store.backend._connection()
    wrong_owner = conn.execute(
        "SELECT id FROM nodes WHERE owner_id IS NOT json_extract(data, CASE kind WHEN 'account' "
        "THEN '$.parent_id' ELSE '$.account_id' END)").fetchall()
    assert wrong_owner == []
    refs = set(conn.execute("SELECT field, target, node_id FROM node_refs").fetchall())
    from_json = set(conn.execute(
        "SELECT 'competitor_ids', j.value, n.id FROM nodes n, json_each(n.data, '$.competitor_ids') j "
        "WHERE n.kind = 'opportunity'").fetchall())
    assert refs == from_json


def _check(store: Store) -> None:
    _assert_naming_agrees(store)
    _assert_columns_agree(store)


def test_references_are_found_as_the_records_say_after_every_kind_of_write(store: Store) -> None:
    store.import_bundle(Bundle.model_validate(BUNDLE), actor="t")
    _check(store)
    # an update changes the competitors named; a reimport of the same bundle changes nothing
    store.update_node(NodeKind.opportunity, "o1", {"competitor_ids": ["k3"]}, actor="t")
    _check(store)
    store.import_bundle(Bundle.model_validate(BUNDLE), actor="t")  # back to k1, k2
    _check(store)
    # an opportunity and a contact move to another account; an account leaves its group
    store.update_node(NodeKind.opportunity, "o2", {"account_id": "acme", "competitor_ids": []}, actor="t")
    store.update_node(NodeKind.contact, "c3", {"account_id": "acme"}, actor="t")
    store.update_node(NodeKind.account, "acme", {"parent_id": None}, actor="t")
    _check(store)
    # erasure rewrites the person (a personal id is replaced): nothing of the old record is left
    tombstone = store.erase_contact("li.na@example.com", actor="t")
    assert tombstone.id != "li.na@example.com"
    _check(store)
    # a competitor still named cannot go; once no longer named, it can, and a deleted deal names nothing
    with pytest.raises(Conflict):
        store.delete_node(NodeKind.competitor, "k1", actor="t")
    store.delete_node(NodeKind.opportunity, "o1", actor="t")
    store.delete_node(NodeKind.competitor, "k1", actor="t")
    _check(store)
    # a group deleted with what it names, as the references say
    store.update_node(NodeKind.account, "acme", {"parent_id": "group"}, actor="t")
    store.delete_node(NodeKind.account, "group", actor="t", cascade=True)
    assert store.backend.read(lambda tx: tx.get_nodes(["acme", "c1", "c3", "o2", "beta"])).keys() == {"beta"}
    _check(store)


def test_a_database_migrated_before_v0030_migrates_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database written by the code before V0030 (no node_refs) gets its references on migrating."""
    older: list[Migration] = [m for m in migrations("sqlite") if int(m.name[1:5]) < 30]
    assert [m.name for m in migrations("sqlite")][len(older)] == "V0030__node_references.sql"
    monkeypatch.setattr(sqlite_store, "migrations", lambda backend: older)
    backend = SqliteBackend(tmp_path / "data")
    try:
        backend.migrate()
        conn = backend._connection()
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("SELECT 1 FROM node_refs")
        # as the code before V0030 wrote them: the record's JSON and owner_id, nothing more
        rows = [("acme", "account", None, '{"name": "ACME"}'),
                ("k1", "competitor", None, '{"name": "Rival One"}'),
                ("k2", "competitor", None, '{"name": "Rival Two"}'),
                ("o1", "opportunity", "acme",
                 '{"account_id": "acme", "name": "Upgrade", "competitor_ids": ["k1", "k2", "k1"]}'),
                ("o2", "opportunity", "acme", '{"account_id": "acme", "name": "Renewal", "competitor_ids": []}')]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO nodes (id, kind, owner_id, data, created_at, updated_at, version) "
                         "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 1)",
                         rows)
        conn.execute("COMMIT")
        monkeypatch.undo()
        assert backend.migrate()[0] == "V0030__node_references.sql"
        assert backend.migrate() == []
        backend.check_ready()
        store = Store(backend)
        assert sorted(conn.execute("SELECT field, target, node_id FROM node_refs").fetchall()) == [
            ("competitor_ids", "k1", "o1"), ("competitor_ids", "k2", "o1")]
        with pytest.raises(Conflict, match="o1"):
            store.delete_node(NodeKind.competitor, "k2", actor="t")
        store.update_node(NodeKind.opportunity, "o1", {"competitor_ids": ["k1"]}, actor="t")
        store.delete_node(NodeKind.competitor, "k2", actor="t")
        _assert_columns_agree(store)
    finally:
        backend.close()


def test_an_import_that_moves_a_chain_member_away_from_its_deal_is_refused(store: Store) -> None:
    """The import reads the relationships of the nodes that change account only; those are still checked."""
    store.import_bundle(Bundle.model_validate(
        {**BUNDLE, "decision_chain": [{"opportunity_id": "o1", "contact_id": "c1", "role": "coach"}]}), actor="t")
    moved = {**BUNDLE, "contacts": [{"id": "c1", "account_id": "beta", "name": "王总"}]}
    with pytest.raises(InvalidGraph) as refused:
        store.import_bundle(Bundle.model_validate(moved), actor="t")
    assert [e["loc"] for e in refused.value.errors] == [["body", "contacts", 0, "account_id"]]
    assert store.get_node(NodeKind.contact, "c1").account_id == "acme"
    # the same bundle again moves nothing and is refused nothing; a contact with no chain moves freely
    store.import_bundle(Bundle.model_validate(BUNDLE), actor="t")
    store.import_bundle(Bundle.model_validate({"contacts": [{"id": "c3", "account_id": "acme", "name": "张工"}]}),
                        actor="t")
    assert store.get_node(NodeKind.contact, "c3").account_id == "acme"
