"""The embedded default backend: one SQLite file on disk, WAL journal, foreign keys, one transaction
per write (``BEGIN IMMEDIATE``, so concurrent writers queue instead of failing half-way)."""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import shutil
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from graph.backend import CHANGES_KEPT, Tx, map_news_in
from graph.errors import Conflict, NotMigrated, StorageFull, StoreUnavailable
from graph.records import (
    AccountSubgraph,
    ApiKey,
    AuditEntry,
    EdgeRecord,
    MapChanges,
    MapEdge,
    MapNews,
    MapNode,
    NodeRecord,
    from_json_text,
    json_text,
    now_iso,
)
from graph.references import REFERENCES
from migrations import migrations

T = TypeVar("T")
DB_FILE = "guanxi.sqlite3"
# How long one attempt to empty the write-ahead log after an erasure may hold the write lock (seconds).
PURGE_WAIT = 0.2
# Below this much free space on the data directory's disk the store is not ready (a write may fail).
MIN_FREE_BYTES = 16 * 1024 * 1024
_SQLITE_FULL = 13
CACHE_KIB = 64 * 1024
# SQLite copies the write-ahead log into the database file (a checkpoint) after a commit that leaves the
# log at this many pages or more (its default). A write that changed LARGE_WRITE_ROWS rows or more
# leaves that copy to a background thread instead: the commit of a 10,000-contact import (35 MB of log)
# spent as long copying it again as writing and syncing it, and its client waited for both.
AUTOCHECKPOINT_PAGES = 1000
LARGE_WRITE_ROWS = 2000


# SQLite caps the number of host parameters per statement; larger id sets go through json_each.
_NODE_COLUMNS = "id, kind, data, created_at, updated_at, version"
_EDGE_COLUMNS = "id, type, source, target, account_id, data, created_at, updated_at, version"

# One statement loads an account's map: the account, what belongs to it, every edge touching those,
# the nodes at the far end of those edges, and the competitors its opportunities name. The edges are
# gathered as rowids (an edge between two members once, from its source's side) and the nodes as ids,
# each set deduplicated by the IN that reads it: no temporary B-tree of whole rows (with the rows in a
# UNION, 100,000 contacts took 2.7-3.7 s; this way 1.8-2.3 s). A row is what the map shows
# (graph.records.MapNode / MapEdge): a node's row leaves the edge's ends empty.
_SUBGRAPH_SQL = """
WITH members AS MATERIALIZED (SELECT id FROM nodes
                              WHERE owner_id = :account AND kind IN ('contact', 'opportunity')),
     touching AS MATERIALIZED (SELECT e.rowid AS edge, e.target AS far FROM edges e WHERE e.source IN members
                               UNION ALL
                               SELECT e.rowid, e.source FROM edges e
                               WHERE e.target IN members AND e.source NOT IN members)
SELECT 'n', id, kind, NULL, NULL, data, version FROM nodes
WHERE id IN (SELECT :account UNION ALL SELECT id FROM members UNION ALL SELECT far FROM touching
             UNION ALL SELECT j.value FROM nodes o, json_each(o.data, '$.competitor_ids') j
                       WHERE o.owner_id = :account AND o.kind = 'opportunity')
UNION ALL
SELECT 'e', id, type, source, target, data, version FROM edges WHERE rowid IN (SELECT edge FROM touching)
"""


_AUDIT_COLUMNS = "seq, at, actor, action, entity_type, entity_id, before, after, account_id"
_REVIEW_COLUMNS = "id, 'review', data, created_at, updated_at, version"
# An account's history: every entry about an entity that some entry filed under the account concerns
# (a record that moved away comes with its whole history), and about the entities asked for by id.
_HISTORY_SQL = f"""
WITH ids AS (SELECT entity_id FROM audit
             WHERE account_id IN (SELECT value FROM json_each(:accounts)) AND at <= :until
             UNION SELECT value FROM json_each(:entities))
SELECT {_AUDIT_COLUMNS} FROM audit WHERE entity_id IN (SELECT entity_id FROM ids) AND at <= :until
ORDER BY seq
"""


def _audit_entry(r: sqlite3.Row | tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(at=r[1], actor=r[2], action=r[3], entity_type=r[4], entity_id=r[5],
                      before=from_json_text(r[6]) if r[6] else None, after=from_json_text(r[7]) if r[7] else None,
                      seq=r[0], account_id=r[8])


def _node(row: sqlite3.Row | tuple[Any, ...]) -> NodeRecord:
    id, kind, data, created_at, updated_at, version = row
    return NodeRecord(kind, id, from_json_text(data), created_at, updated_at, version)


def _edge(row: sqlite3.Row | tuple[Any, ...]) -> EdgeRecord:
    id, type_, source, target, account_id, data, created_at, updated_at, version = row
    return EdgeRecord(type_, id, source, target, from_json_text(data), account_id, created_at, updated_at,
                      version)


def _id(record: MapNode | MapEdge) -> str:
    return record.id


def _json_ids(ids: Collection[str]) -> str:
    return json_text(list(ids))


# kind → its list-valued references (graph/references.py): kept a row per named id in node_refs (V0030).
_LISTED_REFERENCES: dict[str, tuple[str, ...]] = {}
for _reference in REFERENCES:
    if _reference.many:
        _LISTED_REFERENCES[str(_reference.kind)] = (*_LISTED_REFERENCES.get(str(_reference.kind), ()),
                                                    _reference.field)


# Rows per INSERT statement when many are written at once (an import): one statement of many rows
# instead of one execution per row. Each execution of a statement pays its set-up again — the
# ephemeral table of a CHECK (x IN (...)), the AUTOINCREMENT counter read and written, the foreign-key
# machinery — which was a third of the time of writing an import's edges and audit entries.
ROWS_PER_INSERT = 500


def _insert_rows(conn: sqlite3.Connection, head: str, rows: Sequence[tuple[Any, ...]], tail: str = "") -> None:
    """``head VALUES (...), (...) tail`` for ``rows`` (each of the same width), in order, as few
    statements as SQLite's limit on parameters allows (rows of one statement go in in their order, so a
    later row of the same id meets the earlier one as a conflict, as separate statements would)."""
    if not rows:
        return
    width = len(rows[0])
    per = max(1, min(ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per):
        part = rows[start:start + per]
        conn.execute(f"{head} VALUES {', '.join([one] * len(part))}{tail}", list(chain.from_iterable(part)))


_ID = attrgetter("id")


def _by_id(records: Sequence[Any]) -> list[Any]:
    """Records in id order (a record given twice: the later one last), so that rows go into the id
    index in order rather than all over it (an import's edges: a fifth faster)."""
    return sorted(records, key=_ID)


def _owner(record: NodeRecord) -> str | None:
    owner = record.data.get("parent_id") if record.kind == "account" else record.data.get("account_id")
    return owner if isinstance(owner, str) else None


# Primary result codes (the low byte of sqlite_errorcode) that mean "the database cannot serve this now"
# rather than "the statement is wrong": busy, locked, read-only, I/O error, corrupt, full, cannot open,
# not a database.
_UNAVAILABLE_CODES = frozenset({5, 6, 8, 10, 11, 13, 14, 26})


@contextmanager
def _translated() -> Iterator[None]:
    """SQLite failures as the store's errors: constraint → Conflict; busy, locked, I/O, full... →
    StoreUnavailable (503); anything else (a broken statement) stays a bug."""
    try:
        yield
    except sqlite3.IntegrityError as e:
        raise Conflict(f"the write contradicts stored data: {e}") from e
    except sqlite3.DatabaseError as e:
        code = getattr(e, "sqlite_errorcode", None)
        if code is not None and code & 0xFF == _SQLITE_FULL:
            raise StorageFull(f"the disk holding the database is full: {e}") from e
        if code is not None and code & 0xFF in _UNAVAILABLE_CODES:
            raise StoreUnavailable(f"the database cannot serve this now: {e}") from e
        raise


def _private(path: Path, mode: int) -> None:
    """Take group and other permissions away from a file or directory of ours (personal data lives
    there); never loosen what a stricter umask or the owner set."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            path.chmod(current & mode)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # not ours to change (another owner, a read-only mount): the open below says what is wrong


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is still open (after some I/O errors SQLite has already rolled back itself)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
                                 (_json_ids(ids),))
        return {r[0]: _node(r) for r in rows}

    def get_edges(self, ids: Collection[str]) -> dict[str, EdgeRecord]:
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT {_EDGE_COLUMNS} FROM edges WHERE id IN (SELECT value FROM json_each(?))",
                                 (_json_ids(ids),))
        return {r[0]: _edge(r) for r in rows}

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        _insert_rows(self.conn, "INSERT INTO nodes (id, kind, owner_id, data, created_at, updated_at, version)",
                     [(r.id, r.kind, _owner(r), json_text(r.data), r.created_at, r.updated_at, r.version)
                      for r in _by_id(records)],
                     " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, owner_id = excluded.owner_id, "
                     "data = excluded.data, created_at = excluded.created_at, updated_at = excluded.updated_at, "
                     "version = excluded.version")
        # The list-valued references of the nodes, a row each (V0030), as the records now say.
        self.conn.execute("DELETE FROM node_refs WHERE node_id IN (SELECT value FROM json_each(?))",
                          (_json_ids([r.id for r in records]),))
        refs = [(field, named, r.id) for r in records for field in _LISTED_REFERENCES.get(r.kind, ())
                if isinstance(names := r.data.get(field), list) for named in names if isinstance(named, str) and named]
        if refs:
            self.conn.executemany("INSERT OR IGNORE INTO node_refs (field, target, node_id) VALUES (?, ?, ?)", refs)

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        # A record replaces the whole edge of its id. One whose ends changed is deleted and inserted anew,
        # so that the upsert never sets the foreign-key columns: an upsert that may set them makes SQLite
        # check the foreign keys far more expensively on every row (an import: 3× slower).
        # (One statement finds them: a DELETE per record cost as much as a tenth of an import's writes.)
        if not records:
            return
        records = _by_id(records)
        self.conn.execute("DELETE FROM edges WHERE id IN (SELECT e.id FROM json_each(?) j JOIN edges e "
                          "ON e.id = json_extract(j.value, '$[0]') WHERE e.source <> json_extract(j.value, '$[1]') "
                          "OR e.target <> json_extract(j.value, '$[2]'))",
                          (json_text([(r.id, r.source, r.target) for r in records]),))
        _insert_rows(self.conn, "INSERT INTO edges (id, type, source, target, account_id, data, created_at, "
                                "updated_at, version)",
                     [(r.id, r.type, r.source, r.target, r.account_id, json_text(r.data), r.created_at, r.updated_at,
                       r.version) for r in records],
                     " ON CONFLICT (id) DO UPDATE SET type = excluded.type, account_id = excluded.account_id, "
                     "data = excluded.data, created_at = excluded.created_at, updated_at = excluded.updated_at, "
                     "version = excluded.version")

    def delete_nodes(self, ids: Collection[str]) -> None:
        self.conn.execute("DELETE FROM nodes WHERE id IN (SELECT value FROM json_each(?))", (_json_ids(ids),))

    def delete_edges(self, ids: Collection[str]) -> None:
        self.conn.execute("DELETE FROM edges WHERE id IN (SELECT value FROM json_each(?))", (_json_ids(ids),))

    def edges_touching(self, node_ids: Collection[str]) -> list[EdgeRecord]:
        ids = _json_ids(node_ids)
        rows = self.conn.execute(
            f"SELECT {_EDGE_COLUMNS} FROM edges WHERE source IN (SELECT value FROM json_each(?)) "
            f"UNION SELECT {_EDGE_COLUMNS} FROM edges WHERE target IN (SELECT value FROM json_each(?))",
            (ids, ids))
        return [_edge(r) for r in rows]

    def nodes_of_accounts(self, account_ids: Collection[str]) -> list[NodeRecord]:
        rows = self.conn.execute(
            f"SELECT {_NODE_COLUMNS} FROM nodes WHERE owner_id IN (SELECT value FROM json_each(?))",
            (_json_ids(account_ids),))
        return [_node(r) for r in rows]

    def nodes_naming(self, kind: str, field: str, ids: Collection[str]) -> list[NodeRecord]:
        if not ids:
            return []
        if field == ("parent_id" if kind == "account" else "account_id"):  # the owner_id column (_owner)
            rows = self.conn.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE kind = ? AND owner_id IN "
                                     "(SELECT value FROM json_each(?)) ORDER BY id", (kind, _json_ids(ids)))
        elif field in _LISTED_REFERENCES.get(kind, ()):  # a row of node_refs per id named
            rows = self.conn.execute(
                f"SELECT {_NODE_COLUMNS} FROM nodes WHERE kind = ? AND id IN (SELECT node_id FROM node_refs "
                "WHERE field = ? AND target IN (SELECT value FROM json_each(?))) ORDER BY id",
                (kind, field, _json_ids(ids)))
        else:  # a field no column holds: every node of the kind, its JSON read
            rows = self.conn.execute(
                f"SELECT {_NODE_COLUMNS} FROM nodes WHERE kind = ? AND EXISTS (SELECT 1 FROM json_each(nodes.data, "
                "'$.' || ?) named WHERE named.value IN (SELECT value FROM json_each(?))) ORDER BY id",
                (kind, field, _json_ids(ids)))
        return [_node(r) for r in rows]

    def reporting_lines(self, account_ids: Collection[str]) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT source, target FROM edges WHERE type = 'REPORTS_TO' "
            "AND account_id IN (SELECT value FROM json_each(?))", (_json_ids(account_ids),))
        return [(r[0], r[1]) for r in rows]

    def list_nodes(self, kind: str, *, account_id: str | None, after: str | None,
                   limit: int) -> list[NodeRecord]:
        sql = f"SELECT {_NODE_COLUMNS} FROM nodes WHERE kind = ? AND id > ?"
        params: list[Any] = [kind, after or ""]
        if account_id is not None:
            sql += " AND owner_id = ?"
            params.append(account_id)
        rows = self.conn.execute(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [_node(r) for r in rows]

    def list_edges(self, *, types: Collection[str], account_id: str | None, target: str | None,
                   after: str | None, limit: int) -> list[EdgeRecord]:
        sql = f"SELECT {_EDGE_COLUMNS} FROM edges WHERE type IN (SELECT value FROM json_each(?)) AND id > ?"
        params: list[Any] = [_json_ids(types), after or ""]
        for column, value in (("account_id", account_id), ("target", target)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = self.conn.execute(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [_edge(r) for r in rows]

    def account_subgraph(self, account_id: str) -> AccountSubgraph | None:
        nodes: list[MapNode] = []
        edges: list[MapEdge] = []
        account = None
        rows = self.conn.execute(_SUBGRAPH_SQL, {"account": account_id})
        for part, id, kind_or_type, source, target, data, version in rows:
            if part == "e":
                edges.append(MapEdge(kind_or_type, id, source, target, from_json_text(data), version))
            elif id == account_id:
                account = MapNode(kind_or_type, id, from_json_text(data), version)
            else:
                nodes.append(MapNode(kind_or_type, id, from_json_text(data), version))
        if account is None or account.kind != "account":
            return None
        nodes.sort(key=_id)
        edges.sort(key=_id)
        return AccountSubgraph(account, nodes, edges)

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        _insert_rows(self.conn, "INSERT INTO audit (at, actor, action, entity_type, entity_id, before, after, "
                                "account_id)",
                     [(e.at, e.actor, e.action, e.entity_type, e.entity_id,
                       None if e.before is None else json_text(e.before),
                       None if e.after is None else json_text(e.after), e.account_id)
                      for e in entries])

    def audit_of_accounts(self, account_ids: Collection[str], *, entity_ids: Collection[str] = (),
                          until: str | None) -> list[AuditEntry]:
        rows = self.conn.execute(_HISTORY_SQL, {"accounts": _json_ids(account_ids),
                                                "entities": _json_ids(entity_ids), "until": until or "9999"})
        return [_audit_entry(r) for r in rows]

    def audit_mentioning(self, text: str) -> list[AuditEntry]:
        rows = self.conn.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE instr(before, ?) > 0 "
                                 "OR instr(after, ?) > 0 ORDER BY seq", (text, text))
        return [_audit_entry(r) for r in rows]

    def forget_changes_naming(self, node_id: str) -> None:
        quoted = json_text(node_id)       # as the lists of ids are written (an edge's ends included)
        self.conn.execute("UPDATE map_changes SET nodes = NULL, edges = NULL "
                          "WHERE instr(nodes, ?) > 0 OR instr(edges, ?) > 0", (quoted, quoted))

    def list_audit(self, *, entity_id: str | None, before: int | None, limit: int) -> list[AuditEntry]:
        sql = f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE seq < ?"
        params: list[Any] = [before if before is not None else 2**62]
        if entity_id is not None:
            sql += " AND entity_id = ?"
            params.append(entity_id)
        rows = self.conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
        return [_audit_entry(r) for r in rows]

    def audit_after(self, *, after: int, limit: int) -> list[AuditEntry]:
        rows = self.conn.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                                 (after, limit))
        return [_audit_entry(r) for r in rows]

    def scrub_audit(self, entity_id: str, entity_types: Collection[str], replacement: dict[str, object],
                    rename_to: str | None = None) -> None:
        text = json_text(replacement)
        self.conn.execute("UPDATE audit SET before = CASE WHEN before IS NULL THEN NULL ELSE ? END, "
                          "after = CASE WHEN after IS NULL THEN NULL ELSE ? END, entity_id = ? WHERE entity_id = ? "
                          "AND entity_type IN (SELECT value FROM json_each(?))",
                          (text, text, rename_to or entity_id, entity_id, _json_ids(entity_types)))

    def put_reviews(self, records: Sequence[NodeRecord]) -> None:
        self.conn.executemany(
            "INSERT INTO reviews (id, account_id, held_at, data, created_at, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, "
            "held_at = excluded.held_at, data = excluded.data, created_at = excluded.created_at, "
            "updated_at = excluded.updated_at, version = excluded.version",
            [(r.id, r.account_id, r.data["held_at"], json_text(r.data), r.created_at,
              r.updated_at, r.version) for r in records])

    def get_reviews(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews "
                                 "WHERE id IN (SELECT value FROM json_each(?))", (_json_ids(ids),))
        return {r[0]: _node(r) for r in rows}

    def reviews_of_account(self, account_id: str) -> list[NodeRecord]:
        rows = self.conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE account_id = ? "
                                 "ORDER BY held_at DESC, id", (account_id,))
        return [_node(r) for r in rows]

    def delete_reviews(self, ids: Collection[str]) -> None:
        self.conn.execute("DELETE FROM reviews WHERE id IN (SELECT value FROM json_each(?))", (_json_ids(ids),))

    def put_key(self, key: ApiKey) -> None:
        self.conn.execute("INSERT INTO api_keys (id, role, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                          (key.id, key.role, key.name, key.key_hash, key.created_at))

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        row = self.conn.execute("SELECT id, role, name, key_hash, created_at FROM api_keys WHERE key_hash = ?",
                                (key_hash,)).fetchone()
        return ApiKey(*row) if row else None

    def delete_key(self, key_id: str) -> bool:
        return self.conn.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)).rowcount > 0

    def revisions(self, scopes: Collection[str]) -> dict[str, int]:
        rows = self.conn.execute("SELECT scope, revision FROM revisions WHERE scope IN "
                                 "(SELECT value FROM json_each(?))", (_json_ids(scopes),))
        return dict(rows.fetchall())

    def list_keys(self) -> list[ApiKey]:
        rows = self.conn.execute("SELECT id, role, name, key_hash, created_at FROM api_keys ORDER BY id")
        return [ApiKey(*r) for r in rows]

    def log_changes(self, changes: Sequence[MapChanges]) -> dict[str, int]:
        if not changes:
            return {}
        scopes = [c.scope for c in changes]
        self.conn.executemany("INSERT INTO revisions (scope, revision) VALUES (?, 1) "
                              "ON CONFLICT (scope) DO UPDATE SET revision = revision + 1",
                              [(scope,) for scope in sorted(scopes)])
        rows = [(c.scope, None if c.everything else json_text(list(c.nodes)),
                 None if c.everything else json_text([list(e) for e in c.edges]))
                for c in changes]
        self.conn.executemany("INSERT OR REPLACE INTO map_changes (scope, revision, nodes, edges) "
                              "SELECT scope, revision, ?, ? FROM revisions WHERE scope = ?",
                              [(nodes, edges, scope) for scope, nodes, edges in rows])
        self.conn.executemany("DELETE FROM map_changes WHERE scope = ? AND revision <= "
                              "(SELECT revision FROM revisions WHERE scope = ?) - ?",
                              [(scope, scope, CHANGES_KEPT) for scope in scopes])
        return self.revisions(scopes)

    def neighbour_accounts(self, node_ids: Collection[str]) -> set[str]:
        if not node_ids:
            return set()
        ids = _json_ids(node_ids)
        rows = self.conn.execute(
            "SELECT n.owner_id FROM edges e JOIN nodes n ON n.id = e.target "
            "WHERE e.source IN (SELECT value FROM json_each(?)) AND n.kind IN ('contact', 'opportunity') "
            "UNION SELECT n.owner_id FROM edges e JOIN nodes n ON n.id = e.source "
            "WHERE e.target IN (SELECT value FROM json_each(?)) AND n.kind IN ('contact', 'opportunity')",
            (ids, ids))
        return {r[0] for r in rows if r[0]}

    def changes_since(self, since: Mapping[str, tuple[int, int]]) -> list[MapChanges]:
        found = []
        for scope, (first, last) in sorted(since.items()):
            rows = self.conn.execute("SELECT revision, nodes, edges FROM map_changes WHERE scope = ? "
                                     "AND revision > ? AND revision <= ? ORDER BY revision", (scope, first, last))
            for revision, nodes, edges in rows:
                if nodes is None or edges is None:
                    found.append(MapChanges(scope, revision, everything=True))
                else:
                    found.append(MapChanges(scope, revision, tuple(from_json_text(nodes)),
                                            tuple((e[0], e[1], e[2]) for e in from_json_text(edges))))
        return found


class SqliteBackend:
    """A SQLite database file in ``data_dir``; one connection per thread."""

    name = "sqlite"
    migrates_on_start = True

    def __init__(self, data_dir: str | Path, *, busy_timeout: float = 30.0, read_only: bool = False) -> None:
        self.busy_timeout_ms = int(busy_timeout * 1000)  # how long a statement waits for a lock
        self.data_dir = Path(data_dir)
        # Only read (the source of a copy: a backup, perhaps on read-only media): the store must exist; it is
        # opened with SQLite's mode=ro, never created, migrated, written or given tighter file modes.
        self.read_only = read_only
        self.path = self.data_dir / DB_FILE
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._checkpointing = False  # a background checkpoint runs (_checkpoint_soon)
        self._checkpoint_again = False
        # (device, inode) of the database file once opened: a file that vanished or was replaced under an
        # open connection is refused, never written to (the writes would go to a deleted file, or to a
        # new empty database).
        self._identity: tuple[int, int] | None = None

    def _check_file(self) -> None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            raise StoreUnavailable(f"the database file {self.path} has vanished (was the data directory deleted "
                                   "or moved?): restore it and restart the service") from None
        except OSError as e:
            raise StoreUnavailable(f"cannot reach the database file {self.path}: {e}") from e
        if (found.st_dev, found.st_ino) != self._identity:
            raise StoreUnavailable(f"the database file {self.path} was replaced while the service ran: "
                                   "restart the service to open the new one")

    def _create_private(self) -> None:
        """The data directory (0700) and the database file (0600), as a stricter umask allows; SQLite
        gives its WAL and shared-memory files the database file's permissions."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _private(self.data_dir, 0o700)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        for suffix in ("", "-wal", "-shm"):
            _private(self.path.with_name(self.path.name + suffix), 0o600)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None or self._identity is not None:
            self._check_file()
        if conn is None:
            try:
                if self.read_only:
                    conn = self._connect_read_only()
                else:
                    if self._identity is None:
                        self._create_private()
                    conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
                    conn.execute("PRAGMA synchronous = FULL")
                    conn.execute("PRAGMA foreign_keys = ON")
                    # Deleted and overwritten content is zeroed, not left in free space (erasure).
                    conn.execute("PRAGMA secure_delete = ON")
                conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
                # A page cache of up to 64 MiB (the default is 2 MiB): an import writes rows in id order
                # into several indexes at once, and with a small cache every other row evicts a page it
                # needs again (a 10,000-contact import: 3× faster). Pages are only taken as they are read.
                conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            except (OSError, sqlite3.Error) as e:
                raise StoreUnavailable(f"cannot open the database at {self.path}: {self._why_not(e)}") from e
            if self._identity is None:
                found = os.stat(self.path)
                self._identity = (found.st_dev, found.st_ino)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        """A connection that only reads (mode=ro). On read-only media (a directory that cannot be written, with
        no write-ahead log beside the database: nothing can be writing it) SQLite could not make the
        shared-memory file it reads a WAL database with, so the file is opened as immutable."""
        if not self.path.is_file():
            raise StoreUnavailable(f"no store at {self.data_dir} ({DB_FILE} is not there)")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        if not os.access(self.data_dir, os.W_OK) and not self.path.with_name(self.path.name + "-wal").exists():
            uri += "&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA query_only = ON")
        return conn

    def _why_not(self, error: Exception) -> str:
        """Why the database could not be opened, saying so when it is because it cannot be written."""
        directory = self.data_dir
        if not self.read_only and (getattr(error, "errno", None) == errno.EROFS
                                   or directory.is_dir() and not os.access(directory, os.W_OK)):
            return (f"the directory {directory} is read-only ({error}); to use a store kept on read-only media, "
                    "copy it into a writable directory (guanxi copy --from sqlite --to sqlite --data-dir "
                    f"{directory} --to-data-dir NEW)")
        if not self.read_only and self.path.is_file() and not os.access(self.path, os.W_OK):
            return f"the file is read-only ({error})"
        return str(error)

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StoreUnavailable(f"the store at {self.data_dir} was opened to be read only")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute(begin)
        except sqlite3.OperationalError as e:
            raise StoreUnavailable(f"the database is busy or unreadable: {e}") from e
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            _rollback(conn)
            if getattr(e, "sqlite_errorcode", 0) & 0xFF == _SQLITE_FULL:
                raise StorageFull(f"commit failed, the disk holding the database is full: {e}") from e
            raise StoreUnavailable(f"commit failed: {e}") from e

    def read(self, work: Callable[[Tx], T]) -> T:
        with _translated(), self._transaction("BEGIN") as conn:
            return work(SqliteTx(conn))

    def write(self, work: Callable[[Tx], T]) -> T:
        self._refuse_if_read_only()
        large = False
        try:
            with _translated(), self._transaction("BEGIN IMMEDIATE") as conn:
                changed = conn.total_changes
                result = work(SqliteTx(conn))
                if conn.total_changes - changed >= LARGE_WRITE_ROWS:
                    # Its commit returns once the log is written and synced (durable), without then
                    # copying the log into the database file: a thread of its own does that next.
                    conn.execute("PRAGMA wal_autocheckpoint = 0")
                    large = True
        finally:
            if large:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        if large:
            self._checkpoint_soon()
        return result

    def _checkpoint_soon(self) -> None:
        """Copy the write-ahead log into the database file in a background thread (one at a time; a
        request made while one runs makes it go round once more)."""
        with self._lock:
            self._checkpoint_again = self._checkpointing
            if self._checkpointing:
                return
            self._checkpointing = True
        threading.Thread(target=self._checkpoint_in_background, name="guanxi-checkpoint", daemon=True).start()

    def _checkpoint_in_background(self) -> None:
        try:
            while True:
                try:
                    # Its own connection, closed after (a thread's pooled one would outlive the thread);
                    # mode=rw: never creates a database where the store's has gone.
                    conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True,
                                           isolation_level=None, check_same_thread=False)
                    try:
                        # PASSIVE: copies what no reader still needs, waits for no one, blocks no writer.
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    finally:
                        conn.close()
                except sqlite3.Error:
                    pass  # the store is closing or gone; the next commits checkpoint as they do by default
                with self._lock:
                    if not self._checkpoint_again:
                        self._checkpointing = False
                        return
                    self._checkpoint_again = False
        except BaseException:
            with self._lock:
                self._checkpointing = False
            raise

    def map_news(self, account_id: str, since: tuple[int, int]) -> MapNews:
        return self.read(lambda tx: map_news_in(tx, account_id, since))

    async def map_news_async(self, account_id: str, since: tuple[int, int]) -> MapNews:
        return self.map_news(account_id, since)      # a read of this process's file: never waits

    async def key_by_hash_async(self, key_hash: str) -> ApiKey | None:
        return self.read(lambda tx: tx.key_by_hash(key_hash))   # as map_news_async

    async def close_async(self) -> None:
        """Nothing opened in the event loop."""

    def reset(self) -> None:
        with self._transaction("BEGIN IMMEDIATE") as conn:
            for table in ("reviews", "edges", "nodes", "audit", "api_keys", "revisions", "map_changes"):
                conn.execute(f"DELETE FROM {table}")

    def purge(self) -> None:
        """Leave no old copy of erased data in the files: copy the WAL into the database and truncate
        it (the WAL keeps every page version written since the last checkpoint).

        A reader still using an older snapshot keeps the WAL's frames alive, and a TRUNCATE checkpoint
        waiting for it holds the write lock: so each attempt waits at most PURGE_WAIT, and while readers
        are in the way a background thread tries again (its own connection) until the WAL is empty —
        other writes are never held up by more than one attempt."""
        if not self._checkpointed(self._connection()):
            threading.Thread(target=self._purge_later, name="guanxi-purge", daemon=True).start()

    def _checkpointed(self, conn: sqlite3.Connection) -> bool:
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(PURGE_WAIT * 1000)}")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as e:
            raise StoreUnavailable(f"could not checkpoint the database: {e}") from e
        finally:
            conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        return not busy

    def _purge_later(self, give_up_after: float = 600.0) -> None:
        deadline = time.monotonic() + give_up_after
        conn = self._connection()  # this thread's own
        try:
            while time.monotonic() < deadline and not self._checkpointed(conn):
                time.sleep(0.05)
        except StoreUnavailable:
            pass  # the store is closing or gone; the next erasure tries again

    def applied(self) -> dict[str, str]:
        conn = self._connection()
        if not self.read_only:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
                         "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
        elif not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                              ).fetchone():
            return {}   # (a store opened only to be read gets no table)
        return dict(conn.execute("SELECT name, checksum FROM schema_migrations").fetchall())

    def migrate(self) -> list[str]:
        self._refuse_if_read_only()
        done = self.applied()
        applied = []
        for migration in migrations("sqlite"):
            if migration.name in done:
                if done[migration.name] != migration.checksum:
                    raise StoreUnavailable(f"migration {migration.name} changed after it was applied")
                continue
            with self._transaction("BEGIN IMMEDIATE") as conn:
                if migration.is_python:
                    importlib.import_module(f"migrations.sqlite.{migration.name.removesuffix('.py')}").migrate(conn)
                else:
                    for statement in migration.statements():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (migration.name, migration.checksum, now_iso()))
            applied.append(migration.name)
        return applied

    def check_ready(self) -> None:
        try:
            done = self.applied()
        except sqlite3.Error as e:
            raise StoreUnavailable(f"the database does not answer: {e}") from e
        files = migrations("sqlite")
        changed = [m.name for m in files if m.name in done and done[m.name] != m.checksum]
        if changed:  # as on Neo4j: not something `guanxi migrate` mends
            raise StoreUnavailable(f"migrations changed after they were applied: {', '.join(changed)}")
        missing = [m.name for m in files if m.name not in done]
        if missing:
            raise NotMigrated(f"migrations not applied: {', '.join(missing)} (run `guanxi migrate`)")
        free = shutil.disk_usage(self.data_dir).free
        if free < MIN_FREE_BYTES and not self.read_only:
            raise StorageFull(f"the disk holding {self.data_dir} is all but full: {free // 1024} KiB free, "
                              f"under the {MIN_FREE_BYTES // 2**20} MiB a write may need")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
