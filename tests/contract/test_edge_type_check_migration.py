"""V0040 makes the SQLite edges table anew (its type CHECK as comparisons, not IN (...)): a database
with edges of every type migrates forward with its edges, indexes and rules as they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.backend import Tx
from graph.errors import Conflict
from graph.models import EdgeType
from graph.records import EdgeRecord, NodeRecord
from graph.sqlite import store as sqlite_store
from graph.sqlite.store import SqliteBackend, SqliteTx
from migrations import Migration, migrations

STAMP = "2026-01-01T00:00:00.000000Z"


def _schema(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'edges'").fetchall())


def test_a_database_with_edges_migrates_to_v0040_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older: list[Migration] = [m for m in migrations("sqlite") if int(m.name[1:5]) < 40]
    up_to_v0040: list[Migration] = [m for m in migrations("sqlite") if int(m.name[1:5]) <= 40]
    assert [m.name for m in up_to_v0040][len(older):] == ["V0040__edge_type_check.sql"]
    monkeypatch.setattr(sqlite_store, "migrations", lambda backend: older)
    backend = SqliteBackend(tmp_path / "data")
    try:
        backend.migrate()
        conn = backend._connection()
        before_schema = _schema(conn)
        assert "type IN (" in before_schema["edges"]
        people = [NodeRecord("contact", f"c{i}", {"account_id": "a", "name": f"P{i}"}, STAMP, STAMP, 1)
                  for i in range(len(EdgeType) + 1)]
        edges = [EdgeRecord(str(t), f"e{i}", f"c{i}", f"c{i + 1}", {"n": i}, "a", STAMP, STAMP, i + 1)
                 for i, t in enumerate(EdgeType)]

        def fill(tx: Tx) -> None:
            tx.put_nodes([NodeRecord("account", "a", {"name": "A"}, STAMP, STAMP, 1), *people])
            tx.put_edges(edges)

        backend.write(fill)
        rows = conn.execute("SELECT rowid, * FROM edges ORDER BY rowid").fetchall()
        monkeypatch.setattr(sqlite_store, "migrations", lambda backend: up_to_v0040)
        assert backend.migrate() == ["V0040__edge_type_check.sql"]
        assert backend.migrate() == []
        backend.check_ready()
        after_schema = _schema(conn)
        assert "type IN (" not in after_schema["edges"] and "type = 'HAS_INTEREST'" in after_schema["edges"]
        assert {k: v for k, v in after_schema.items() if k != "edges"} == {
            k: v for k, v in before_schema.items() if k != "edges"}  # the same indexes
        assert conn.execute("SELECT rowid, * FROM edges ORDER BY rowid").fetchall() == rows
        assert backend.read(lambda tx: tx.get_edges([e.id for e in edges])) == {e.id: e for e in edges}
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        # the rules hold as before: a type of none of the kinds, a self-loop, a missing end, bad JSON
        def put(edge: EdgeRecord) -> None:
            backend.write(lambda tx: tx.put_edges([edge]))

        good = edges[0]
        for bad in (EdgeRecord("KNOWS", "x1", "c0", "c1", {}, "a", STAMP, STAMP, 1),
                    EdgeRecord("reports_to", "x2", "c0", "c1", {}, "a", STAMP, STAMP, 1),
                    EdgeRecord(good.type, "x3", "c0", "c0", {}, "a", STAMP, STAMP, 1),
                    EdgeRecord(good.type, "x4", "c0", "nobody", {}, "a", STAMP, STAMP, 1),
                    EdgeRecord(good.type, "x5", "c0", "c1", {}, "a", STAMP, STAMP, 0)):
            with pytest.raises(Conflict):
                put(bad)
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO edges (id, type, source, target, data, created_at, updated_at, version) "
                         "VALUES ('x6', 'ALLY', 'c0', 'c1', 'not json', ?, ?, 1)", (STAMP, STAMP))
        assert conn.execute("SELECT count(*) FROM edges WHERE id LIKE 'x%'").fetchone() == (0,)
        put(EdgeRecord("ALLY", "x7", "c0", "c2", {"strength": 0.5}, "a", STAMP, STAMP, 1))
        assert {e.id for e in SqliteTx(conn).edges_touching(["c2"])} == {"e1", "e2", "x7"}
    finally:
        backend.close()
