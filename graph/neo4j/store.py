"""The Neo4j backend: the store's transactional primitives as Cypher over the official driver.

- One driver per backend, created without connecting; it pools connections, follows a cluster's
  routing table for ``neo4j://`` URIs and reconnects by itself, so the backend recovers when the
  database comes back (no failed state is cached here).
- Reads run in managed read transactions (``execute_read``: routed to readers), writes in managed
  write transactions (``execute_write``); the driver retries transient failures (leader switch,
  deadlock, lost connection) by running the whole unit of work again. Sessions share one bookmark
  manager, so a read that follows a write sees it, even on a replica.
- Every primitive is one statement, batched with ``UNWIND`` (see :mod:`graph.neo4j.queries`).
- Driver failures become the store's errors: an unreachable database, expired session, exhausted
  retries or refused credentials → :class:`StoreUnavailable`; a violated constraint → :class:`Conflict`;
  a database that has failed (it cannot append to its transaction log, then refuses every transaction
  until restarted) → :class:`StorageFull` when the server says its disk is full ("No space left on
  device", asked of the system database), else :class:`StoreUnavailable` naming what it says.

Neo4j isolates transactions at read-committed. So that the store's read-check-write (versions,
``If-Match``, "is this id taken?") cannot lose an update, reads inside a write transaction lock what
they return, and records the transaction saw as absent are written with ``CREATE`` (a concurrent
creation of the same id then fails on its unique constraint) rather than ``MERGE``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, LiteralString, TypeVar

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncSession,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionPoolError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.backend import CHANGES_KEPT, SHARED_SCOPE, Tx, map_key
from graph.errors import (
    Conflict,
    LoginRefused,
    NotMigrated,
    StorageFull,
    StoreError,
    StoreUnavailable,
    WriteTooLarge,
)
from graph.neo4j import migrate as migrations
from graph.neo4j import properties, queries
from graph.records import (
    MEMBER_KINDS,
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
)

T = TypeVar("T")
_log = logging.getLogger("guanxi")

# Driver settings unless the caller passes its own (``Neo4jBackend(..., connection_timeout=2)``):
# fail over to StoreUnavailable within seconds rather than the driver's 30 s + 30 s of retries.
DEFAULT_DRIVER_CONFIG: Final[dict[str, Any]] = {
    "connection_timeout": 5.0,
    "connection_acquisition_timeout": 10.0,
    "max_transaction_retry_time": 15.0,
    "user_agent": "guanxi",
    # The server's hints (e.g. "label does not exist" on an empty database) are for people writing
    # queries, not for the service's log.
    "notifications_min_severity": "OFF",
}
# Server errors meaning "this database is not there right now" rather than "your statement is wrong".
_UNAVAILABLE_CODES: Final = frozenset({
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.ClientError.Transaction.TransactionTimedOut",
})
# Server errors meaning "the database itself has failed": it could not write its transaction log (a full
# disk), and after that panic it refuses every transaction until Neo4j is restarted.
_FAILED_CODES: Final = frozenset({
    "Neo.DatabaseError.Transaction.TransactionLogError",
    "Neo.DatabaseError.Transaction.TransactionStartFailed",
    "Neo.DatabaseError.Transaction.TransactionCommitFailed",
})
# "Not available now": transient while a database starts or stops, lasting when it failed to start (the
# server's status message then says why, e.g. its transaction log could not be recovered).
_DATABASE_UNAVAILABLE: Final = "Neo.TransientError.General.DatabaseUnavailable"
# How a server's status message says its disk is full.
_DISK_FULL: Final = ("no space left", "disk full", "not enough space", "disk quota exceeded")
# From this many ids on, a write transaction reads relationships by id in three statements (claim, find,
# lock: queries.CLAIM_EDGE_IDS) rather than in GET_EDGES_FOR_UPDATE's one, whose ten locking seeks per id
# cost more once the ids are many; fewer (a single edge's update) keep the one round trip.
_FEW_EDGE_IDS: Final = 100
# A read of records outside a write (by id, a list page, a kept map's news, a load's check) is read again until
# two reads agree, at most this many more times (Neo4jTx._settled: a commit applied during one read is over by
# the next); a map load that disagrees with the news is loaded again as many times.
_MAX_REREADS: Final = 3
# Records (nodes or edges) per row of an account's map as Neo4j streams it (queries.ACCOUNT_SUBGRAPH): 256 to
# 4,096 loaded a 100,000-contact map alike (3.1-3.8 s), 16,384 slower (3.8-4.5 s).
_LOAD_CHUNK: Final = 1000
# A transaction past Neo4j's transaction memory (dbms.memory.transaction.total.max for all of them,
# db.memory.transaction.max for one): refused whole; the same write fails again, so not "retry later".
_OUT_OF_MEMORY_CODES: Final = frozenset({"Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                                         "Neo.ClientError.General.TransactionOutOfMemoryError"})
# After a few wrong passwords in a row Neo4j locks the user for a while (dbms.security.auth_lock_time, 5 s by
# default) and refuses every login meanwhile, the right password's too.
_LOGIN_LOCKED: Final = "Neo.ClientError.Security.AuthenticationRateLimit"
# Above every audit seq: "before the end" for the first page of the audit trail.
_AUDIT_END: Final = 2**62


def _login_refused(error: Exception, uri: str = "", user: str = "", password_set: bool = True,
                   ) -> LoginRefused | None:
    """When ``error`` is Neo4j refusing the login (wrong credentials, none, or the user locked after too
    many): what to do about it, naming the server and user. (No password is refused only when the server
    asks for one: a Neo4j without authentication takes none.)"""
    at = f" at {uri}" if uri else ""
    if isinstance(error, Neo4jError) and error.code == _LOGIN_LOCKED:
        return LoginRefused(f"Neo4j{at} refused the login too often and has locked user {user!r} for a while: "
                            "check NEO4J_USER / NEO4J_PASSWORD, then try again in a few seconds")
    if isinstance(error, AuthError) and not password_set:
        return LoginRefused(f"Neo4j{at} refused the login of user {user!r}: NEO4J_PASSWORD is not set")
    if isinstance(error, AuthError):
        return LoginRefused(f"Neo4j{at} refused the login of user {user!r}: check NEO4J_USER and NEO4J_PASSWORD")
    return None


def _translate(error: Neo4jError | DriverError, uri: str = "", user: str = "",
               password_set: bool = True) -> StoreError | None:
    """The store error a driver failure means, or None for a bug (a failing statement) to re-raise."""
    if isinstance(error, ConstraintError):
        return Conflict(f"the write contradicts stored data: {_message(error)}")
    if isinstance(error, Neo4jError) and error.code in _OUT_OF_MEMORY_CODES:
        return _too_large(error)
    refused = _login_refused(error, uri, user, password_set)
    if refused is not None:
        return refused
    if isinstance(error, (ServiceUnavailable, SessionExpired, ConnectionPoolError)):
        return StoreUnavailable(f"Neo4j cannot be reached: {_message(error)}")
    if isinstance(error, TransientError):
        return StoreUnavailable(f"Neo4j is busy or changing leaders; retry later: {_message(error)}")
    if isinstance(error, ClientError) and error.code in _UNAVAILABLE_CODES:
        return StoreUnavailable(f"Neo4j database unavailable: {_message(error)}")
    return None


def _too_large(error: Neo4jError) -> WriteTooLarge:
    return WriteTooLarge(f"the write needs more memory than Neo4j grants a transaction; import a large account "
                         f"in parts or raise the server's limit (see docs/neo4j.md): {_message(error)}")


def _message(error: Exception) -> str:
    """The server's or driver's message on one line (the driver puts the reason a connection failed on
    the lines after "Couldn't connect to host:port (resolved to (...)):"), its resolved addresses shown as
    host:port."""
    lines = [line.strip() for line in str(getattr(error, "message", None) or error).splitlines() if line.strip()]
    # the first line ends in a colon and the reasons follow it; several reasons (one per address) apart
    text = " ".join(lines[:2]) + "".join(f"; {line}" for line in lines[2:])
    # ResolvedIPv4Address(('127.0.0.1', 7698)) → 127.0.0.1:7698, ResolvedIPv6Address(('::1', 7698, 0, 0)) → [::1]:7698
    text = re.sub(r"Resolved(?:IPv[46])?Address\(\('([^']*)', (\d+)[^)]*\)\)",
                  lambda m: f"[{m[1]}]:{m[2]}" if ":" in m[1] else f"{m[1]}:{m[2]}", text)
    return text or type(error).__name__


# ---- records in and out ---------------------------------------------------------------------------


def _owner(record: NodeRecord) -> str | None:
    """The account a contact or opportunity belongs to, or an account's parent (SQLite's owner_id)."""
    owner = record.data.get("parent_id") if record.kind == "account" else record.data.get("account_id")
    return owner if isinstance(owner, str) else None


class _Stamps:
    """The server timestamps of one statement's rows, as the statement reads them (``queries._stamp_list``):
    each distinct one sent once, as text (the driver packs a Python datetime in pure Python, at more cost
    than the server takes to write the record) and read by Cypher's ``datetime()`` once; a row names one
    by its place in :attr:`texts`."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._places: dict[str, int | None] = {}

    def place(self, value: str) -> int | None:
        """``value``'s place in :attr:`texts`; None when it is not a server timestamp (it is then stored
        as it is, among the properties)."""
        if value not in self._places:
            is_stamp = isinstance(properties.timestamp(value), dt.datetime)
            self._places[value] = len(self.texts) if is_stamp else None
            if is_stamp:
                self.texts.append(value)
        return self._places[value]


def _node_row(record: NodeRecord, create: bool, stamps: _Stamps) -> dict[str, Any]:
    created, updated = stamps.place(record.created_at), stamps.place(record.updated_at)
    owner = _owner(record)
    props = properties.encode(record.data, id=record.id, kind=str(record.kind), owner_id=owner,
                              created_at=None if created is not None else record.created_at,
                              updated_at=None if updated is not None else record.updated_at,
                              version=record.version)
    return {"id": record.id, "kind": str(record.kind), "owner_id": owner, "props": props, "created_at": created,
            "updated_at": updated, "create": create}


def _edge_row(record: EdgeRecord, create: bool, stamps: _Stamps) -> dict[str, Any]:
    created, updated = stamps.place(record.created_at), stamps.place(record.updated_at)
    props = properties.encode(record.data, id=record.id, account_id=record.account_id,
                              created_at=None if created is not None else record.created_at,
                              updated_at=None if updated is not None else record.updated_at,
                              version=record.version)
    return {"id": record.id, "type": str(record.type), "source": record.source, "target": record.target,
            "props": props, "created_at": created, "updated_at": updated, "create": create}


_STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"        # as ``properties.plain`` writes a server timestamp


@functools.lru_cache(maxsize=4096)
def _iso_stamp(text: str) -> str:
    """A timestamp as Cypher writes it (``toString``: ``...T10:00:00Z``, ``...T10:00:00.5Z``) in the store's
    form. Kept for the latest few thousand: the records of one write share theirs."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime(_STAMP_FORMAT)


def _stamp(value: Any) -> Any:
    """A record's timestamp as a statement returns it (``queries._stamped``) in the store's form: a
    timestamp's ISO text, or the text stored when it was not one (a one-item list)."""
    if isinstance(value, str):
        return _iso_stamp(value)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return properties.plain(value)


def _there(props: Mapping[str, Any] | None) -> bool:
    """Whether a node or relationship a statement read still exists: one that another transaction deleted
    while the statement read it comes back without its properties (Neo4j's reads take no locks, and a
    write's locking read can meet a record whose delete has just committed) — it is not there."""
    return props is not None and "id" in props


def _nodes(rows: Iterable[Mapping[str, Any]]) -> list[NodeRecord]:
    return [_node(row) for row in rows if _there(row["props"])]


def _edges(rows: Iterable[Mapping[str, Any]]) -> list[EdgeRecord]:
    return [_edge(row) for row in rows if _there(row["props"])]


def _node(row: Mapping[str, Any]) -> NodeRecord:
    props = row["props"]
    return NodeRecord(row["kind"], props["id"], properties.decode(props, properties.NODE_RESERVED),
                      _stamp(props["created_at"]), _stamp(props["updated_at"]), props["version"])


def _edge(row: Mapping[str, Any]) -> EdgeRecord:
    props = row["props"]
    return EdgeRecord(row["type"], props["id"], row["source"], row["target"],
                      properties.decode(props, properties.EDGE_RESERVED), props.get("account_id"),
                      _stamp(props["created_at"]), _stamp(props["updated_at"]), props["version"])


def _flat_node(props: Mapping[str, Any]) -> NodeRecord:
    return NodeRecord(props["kind"], props["id"], properties.decode(props, properties.NODE_RESERVED),
                      _stamp(props["created_at"]), _stamp(props["updated_at"]), props["version"])


def _flat_edge(row: Sequence[Any]) -> EdgeRecord:
    edge_type, source, target, props = row
    return EdgeRecord(edge_type, props["id"], source, target, properties.decode(props, properties.EDGE_RESERVED),
                      props.get("account_id"), _stamp(props["created_at"]), _stamp(props["updated_at"]),
                      props["version"])


def _map_node(props: Mapping[str, Any]) -> MapNode:
    """A node as ``queries.ACCOUNT_SUBGRAPH`` returns it (``queries._shown``)."""
    return MapNode(props["kind"], props["id"], properties.decode(props, properties.NODE_RESERVED), props["version"])


def _map_edge(row: Sequence[Any]) -> MapEdge:
    edge_type, source, target, props = row
    return MapEdge(edge_type, props["id"], source, target, properties.decode(props, properties.EDGE_RESERVED),
                   props["version"])


def _audit(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(at=_stamp(row["at"]), actor=row["actor"], action=row["action"],
                      entity_type=row["entity_type"], entity_id=row["entity_id"],
                      before=from_json_text(row["before"]) if row["before"] is not None else None,
                      after=from_json_text(row["after"]) if row["after"] is not None else None,
                      seq=row["seq"], account_id=row.get("account_id"))


_REVIEW_RESERVED: Final = frozenset({"id", "created_at", "updated_at", "version"})
# Later than any audit entry: "no limit" for a history read.
_END_OF_TIME: Final = properties.timestamp("9999-12-31T23:59:59.999999Z")


def _review_row(record: NodeRecord) -> dict[str, Any]:
    props = properties.encode(record.data, id=record.id, created_at=record.created_at,
                              updated_at=record.updated_at, version=record.version)
    props["held_at"] = properties.timestamp(str(record.data["held_at"]))
    return {"id": record.id, "props": props}


def _review(row: Mapping[str, Any]) -> NodeRecord:
    props = row["props"]
    return NodeRecord("review", props["id"], properties.decode(props, _REVIEW_RESERVED),
                      properties.plain(props["created_at"]), properties.plain(props["updated_at"]),
                      props["version"])


def _key(row: Mapping[str, Any]) -> ApiKey:
    return ApiKey(row["id"], row["role"], row["name"], row["key_hash"], properties.plain(row["created_at"]))


def _unique(ids: Collection[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids))


def _last_per_id(records: Sequence[Any]) -> list[Any]:
    return list({record.id: record for record in records}.values())


# ---- one transaction ------------------------------------------------------------------------------


class _ListParameter(list):  # type: ignore[type-arg]
    """A statement's list parameter, with a short ``repr``. The driver formats every parameter of a statement
    for its DEBUG line ("C: RUN ...") before the logger is asked whether DEBUG is on (neo4j 6.4): for an
    import's rows that formatting took a twentieth of the import (0.27 s of 5.4 s at 10,000 contacts). A
    debug log then shows how many rows a statement sent, not their contents."""

    def __repr__(self) -> str:
        return f"<list of {len(self)}>"


class Neo4jTx:
    """The :class:`graph.backend.Tx` primitives inside one managed Neo4j transaction."""

    def __init__(self, tx: ManagedTransaction, *, writable: bool) -> None:
        self._tx = tx
        self._writable = writable
        # ids this write transaction read and found absent: writing them means creating them
        self._absent_nodes: set[str] = set()
        self._absent_edges: set[str] = set()
        # the "everything" changes this write logs, which the backend marks applied once it has committed
        self.logged_whole: list[tuple[str, int]] = []

    def _run(self, query: LiteralString, **parameters: Any) -> list[Mapping[str, Any]]:
        quiet = {name: _ListParameter(value) if isinstance(value, list) else value
                 for name, value in parameters.items()}
        try:
            return [record.data() for record in self._tx.run(query, quiet)]
        except ConstraintError as e:
            raise Conflict(f"the write contradicts stored data: {_message(e)}") from e

    def _pick(self, read: LiteralString, for_update: LiteralString) -> LiteralString:
        return for_update if self._writable else read

    def _records(self, query: LiteralString, **parameters: Any) -> list[Mapping[str, Any]]:
        """The rows of a statement returning records: settled outside a write (:meth:`_settled`); inside
        one, read once (a write reads for update what it changes)."""
        return self._run(query, **parameters) if self._writable else self._settled(query, **parameters)

    def _settled(self, query: LiteralString, **parameters: Any) -> list[Mapping[str, Any]]:
        """The rows of a read, read again until two reads in a row agree. Neo4j's reads take no locks and
        see each committed write as it is applied: a read that overlaps another transaction's commit can get
        some of a record's properties from before it and some from after — the old notes with the new
        version, whose ETag a client then trusts with If-Match (measured: 3 such reads in 25,000 of a contact
        written 55 times a second; 1 in 5,000 of a kept map's news). A write transaction reads under the
        records' locks instead."""
        rows = self._run(query, **parameters)
        for _ in range(_MAX_REREADS):
            again = self._run(query, **parameters)
            if again == rows:
                break
            rows = again
        return rows

    # nodes

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        wanted = _unique(ids)
        if not wanted:
            return {}
        rows = self._records(self._pick(queries.GET_NODES, queries.GET_NODES_FOR_UPDATE), ids=wanted)
        found = {node.id: node for node in _nodes(rows)}
        if self._writable:
            self._absent_nodes.update(set(wanted) - found.keys())
        return found

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        batch = _last_per_id(records)
        if not batch:
            return
        stamps = _Stamps()
        rows = [_node_row(r, r.id in self._absent_nodes, stamps) for r in batch]
        # New nodes other than accounts: one CREATE statement per kind; the rest through PUT_NODES
        # (accounts first, so that the others' BELONGS_TO find them).
        fresh: dict[str, list[dict[str, Any]]] = {}
        rest = []
        for row in rows:
            if row["create"] and row["kind"] in queries.CREATE_NODES:
                fresh.setdefault(row["kind"], []).append(row)
            else:
                rest.append(row)
        if rest:
            self._run(queries.PUT_NODES, rows=rest, stamps=stamps.texts)
        for kind, kind_rows in fresh.items():
            self._run(queries.CREATE_NODES[kind], rows=kind_rows, stamps=stamps.texts)
        self._absent_nodes.difference_update(r.id for r in batch)

    def delete_nodes(self, ids: Collection[str]) -> None:
        doomed = _unique(ids)
        if doomed:
            self._run(queries.DELETE_NODES, ids=doomed)

    def nodes_of_accounts(self, account_ids: Collection[str]) -> list[NodeRecord]:
        accounts = _unique(account_ids)
        if not accounts:
            return []
        query = self._pick(queries.NODES_OF_ACCOUNTS, queries.NODES_OF_ACCOUNTS_FOR_UPDATE)
        return _nodes(self._records(query, account_ids=accounts))

    def nodes_naming(self, kind: str, field: str, ids: Collection[str]) -> list[NodeRecord]:
        wanted = _unique(ids)
        statements = queries.NODES_NAMING_FOR_UPDATE if self._writable else queries.NODES_NAMING
        query = statements.get(str(kind))
        if query is None:
            raise ValueError(f"unknown node kind {kind!r}")
        return _nodes(self._records(query, field=field, ids=wanted)) if wanted else []

    def list_nodes(self, kind: str, *, account_id: str | None, after: str | None,
                   limit: int) -> list[NodeRecord]:
        statements = queries.LIST_NODES if account_id is None else queries.LIST_NODES_OF_ACCOUNT
        query = statements.get(str(kind))
        if query is None:
            raise ValueError(f"unknown node kind {kind!r}")
        rows = self._records(query, account_id=account_id, after=after or "", limit=max(int(limit), 0))
        return _nodes(rows)

    # edges

    def get_edges(self, ids: Collection[str]) -> dict[str, EdgeRecord]:
        wanted = _unique(ids)
        if not wanted:
            return {}
        if not self._writable:
            return {edge.id: edge for edge in _edges(self._settled(queries.GET_EDGES, ids=wanted))}
        if len(wanted) < _FEW_EDGE_IDS:
            rows = self._run(queries.GET_EDGES_FOR_UPDATE, ids=wanted)
        else:  # claim, find, lock (see queries.CLAIM_EDGE_IDS): a fraction of the locks
            self._run(queries.CLAIM_EDGE_IDS, ids=wanted)
            held: dict[str, list[str]] = {}
            for row in self._run(queries.EDGE_TYPES_OF_IDS, ids=wanted):
                held.setdefault(row["type"], []).append(row["id"])
            rows = [row for edge_type, of_type in held.items()
                    for row in self._run(queries.LOCK_EDGES[edge_type], ids=of_type)]
        found = {edge.id: edge for edge in _edges(rows)}
        self._absent_edges.update(set(wanted) - found.keys())
        return found

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        batch = _last_per_id(records)
        if not batch:
            return
        stamps = _Stamps()
        rows = [_edge_row(r, r.id in self._absent_edges, stamps) for r in batch]
        # Relationships the transaction saw absent: one CREATE statement per type; the rest (which may
        # replace a stored relationship of another type or other ends) through PUT_EDGES.
        fresh: dict[str, list[dict[str, Any]]] = {}
        rest: list[dict[str, Any]] = []
        for row in rows:
            (fresh.setdefault(row["type"], []) if row["create"] and row["type"] in queries.CREATE_EDGES
             else rest).append(row)
        orphans: list[str] = []
        if rest:
            result = self._run(queries.PUT_EDGES, rows=rest, stamps=stamps.texts)
            orphans += result[0]["orphans"] if result else []
        for edge_type, type_rows in fresh.items():
            written = self._run(queries.CREATE_EDGES[edge_type], rows=type_rows, stamps=stamps.texts)
            if not written or written[0]["written"] != len(type_rows):
                ends = {end for row in type_rows for end in (row["source"], row["target"])}
                present = set(self.get_nodes(ends))
                orphans += [row["id"] for row in type_rows if not {row["source"], row["target"]} <= present]
        if orphans:
            raise Conflict(f"relationship(s) {', '.join(map(repr, orphans[:5]))} join nodes that do not exist",
                           details={"ids": orphans})
        self._absent_edges.difference_update(r.id for r in batch)

    def delete_edges(self, ids: Collection[str]) -> None:
        doomed = _unique(ids)
        if doomed:
            self._run(queries.DELETE_EDGES, ids=doomed)

    def edges_touching(self, node_ids: Collection[str]) -> list[EdgeRecord]:
        ids = _unique(node_ids)
        if not ids:
            return []
        query = self._pick(queries.EDGES_TOUCHING, queries.EDGES_TOUCHING_FOR_UPDATE)
        return _edges(self._records(query, ids=ids))

    def reporting_lines(self, account_ids: Collection[str]) -> list[tuple[str, str]]:
        accounts = _unique(account_ids)
        if not accounts:
            return []
        return [(row["report"], row["boss"]) for row in self._run(queries.REPORTING_LINES, account_ids=accounts)]

    def list_edges(self, *, types: Collection[str], account_id: str | None, target: str | None,
                   after: str | None, limit: int) -> list[EdgeRecord]:
        wanted = _unique(types)
        if not wanted:
            return []
        if target is not None:
            query = queries.LIST_EDGES_TO_TARGET
        elif account_id is not None:
            query = queries.LIST_EDGES_OF_ACCOUNT
        else:
            query = queries.LIST_EDGES
        rows = self._records(query, types=wanted, account_id=account_id, target=target, after=after or "",
                         limit=max(int(limit), 0))
        return _edges(rows)

    def account_subgraph(self, account_id: str) -> AccountSubgraph | None:
        if self._writable:
            return self._subgraph(account_id)
        # Outside a write, a load overlapping a commit can be torn as any read can (see _settled); read again
        # until the writes logged since just before it agree with it: only the write whose revision the load
        # may have seen (one at a time per scope: the Revision node is locked until the write's commit is
        # applied) or a later one can have been applied during it. Checked by a small read of what those
        # writes changed, not by a second load; "everything" changes can only be checked by one — unless the
        # write the load began at was one already marked applied when the load began (Neo4jBackend.write
        # marks an import once its commit has returned: applied whole before the load). A mark seen only
        # after the load proves nothing: the load may have begun while that write was being applied.
        scopes = [account_id, SHARED_SCOPE]
        previous: AccountSubgraph | None = None
        for _ in range(1 + _MAX_REREADS):
            found = self._run(queries.REVISIONS_BEFORE_LOAD, scopes=scopes)
            before = map_key(account_id, {row["scope"]: row["revision"] for row in found})
            applied = {(row["scope"], row["revision"]) for row in found if row["applied"]}
            subgraph = self._subgraph(account_id)
            if subgraph is None:
                return None
            since = (max(before[0] - 1, 0), max(before[1] - 1, 0))
            rows = self._settled(queries.MAP_NEWS, scopes=_news_scopes(account_id, since))
            news = _news(account_id, rows[0])
            unchecked = [c for c in news.changes if c.everything and (c.scope, c.revision) not in applied]
            if subgraph == previous if unchecked else _agrees(subgraph, news):
                break
            previous = subgraph
        return subgraph

    def _subgraph(self, account_id: str) -> AccountSubgraph | None:
        # Rows of flat lists, each decoded as it comes (while Neo4j reads the next), read as the driver hands
        # them over (no per-row ``data()``); no row: no such account.
        account: Mapping[str, Any] | None = None
        nodes: list[MapNode] = []
        edges: list[MapEdge] = []
        for record in self._tx.run(queries.ACCOUNT_SUBGRAPH, {"account_id": account_id, "chunk": _LOAD_CHUNK}):
            account = record["account"] or account
            nodes += (_map_node(props) for props in record["nodes"] if _there(props))
            edges += (_map_edge(found) for found in record["edges"] if _there(found[3]))
        if account is None:
            return None
        nodes.sort(key=lambda n: n.id)
        edges.sort(key=lambda e: e.id)
        return AccountSubgraph(_map_node(account), nodes, edges)

    # audit

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        stamps = _Stamps()
        rows = [{"at": (at := stamps.place(e.at)), "at_text": e.at if at is None else None, "actor": e.actor,
                 "action": e.action, "entity_type": str(e.entity_type), "entity_id": e.entity_id,
                 "before": None if e.before is None else json_text(e.before),
                 "after": None if e.after is None else json_text(e.after), "account_id": e.account_id}
                for e in entries]
        self._run(queries.APPEND_AUDIT, rows=rows, stamps=stamps.texts)

    def audit_of_accounts(self, account_ids: Collection[str], *, entity_ids: Collection[str] = (),
                          until: str | None) -> list[AuditEntry]:
        rows = self._run(queries.AUDIT_OF_ACCOUNTS, account_ids=_unique(account_ids),
                         entity_ids=_unique(entity_ids),
                         until=_END_OF_TIME if until is None else properties.timestamp(until))
        return [_audit(row) for row in rows]

    # reviews

    def put_reviews(self, records: Sequence[NodeRecord]) -> None:
        batch = _last_per_id(records)
        if batch:
            self._run(queries.PUT_REVIEWS, rows=[_review_row(r) for r in batch])

    def get_reviews(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        wanted = _unique(ids)
        if not wanted:
            return {}
        return {review.id: review for review in map(_review, self._records(queries.GET_REVIEWS, ids=wanted))}

    def reviews_of_account(self, account_id: str) -> list[NodeRecord]:
        return [_review(row) for row in self._records(queries.REVIEWS_OF_ACCOUNT, account_id=account_id)]

    def delete_reviews(self, ids: Collection[str]) -> None:
        doomed = _unique(ids)
        if doomed:
            self._run(queries.DELETE_REVIEWS, ids=doomed)

    def list_audit(self, *, entity_id: str | None, before: int | None, limit: int) -> list[AuditEntry]:
        query = queries.LIST_AUDIT if entity_id is None else queries.LIST_AUDIT_OF_ENTITY
        rows = self._run(query, entity_id=entity_id, before=before if before is not None else _AUDIT_END,
                         limit=max(int(limit), 0))
        return [_audit(row) for row in rows]

    def audit_after(self, *, after: int, limit: int) -> list[AuditEntry]:
        rows = self._run(queries.AUDIT_AFTER, after=after, limit=max(int(limit), 0))
        return [_audit(row) for row in rows]

    def audit_mentioning(self, text: str) -> list[AuditEntry]:
        return [_audit(row) for row in self._run(queries.AUDIT_MENTIONING, text=text)]

    def forget_changes_naming(self, node_id: str) -> None:
        self._run(queries.FORGET_CHANGES_NAMING, node_id=node_id)

    def scrub_audit(self, entity_id: str, entity_types: Collection[str], replacement: dict[str, object],
                    rename_to: str | None = None) -> None:
        self._run(queries.SCRUB_AUDIT, entity_id=entity_id, entity_types=list(entity_types),
                  replacement=json_text(replacement), rename_to=rename_to or entity_id)

    # keys

    def put_key(self, key: ApiKey) -> None:
        self._run(queries.PUT_KEY, id=key.id, role=key.role, name=key.name, key_hash=key.key_hash,
                  created_at=properties.timestamp(key.created_at))

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = self._run(queries.KEY_BY_HASH, key_hash=key_hash)
        return _key(rows[0]) if rows else None

    def delete_key(self, key_id: str) -> bool:
        rows = self._run(queries.DELETE_KEY, id=key_id)
        return bool(rows and rows[0]["found"])

    def list_keys(self) -> list[ApiKey]:
        return [_key(row) for row in self._run(queries.LIST_KEYS)]

    def revisions(self, scopes: Collection[str]) -> dict[str, int]:
        rows = self._run(queries.REVISIONS, scopes=_unique(scopes))
        return {row["scope"]: row["revision"] for row in rows}

    def log_changes(self, changes: Sequence[MapChanges]) -> dict[str, int]:
        rows = [{"scope": c.scope, "everything": c.everything, "node_ids": list(c.nodes),
                 "edge_ids": [e[0] for e in c.edges], "edge_sources": [e[1] for e in c.edges],
                 "edge_targets": [e[2] for e in c.edges]} for c in sorted(changes, key=lambda c: c.scope)]
        if not rows:
            return {}
        revisions = {row["scope"]: row["revision"] for row in self._run(queries.LOG_MAP_CHANGES, rows=rows,
                                                                         keep=CHANGES_KEPT)}
        self.logged_whole += [(c.scope, revisions[c.scope]) for c in changes if c.everything]
        return revisions

    def neighbour_accounts(self, node_ids: Collection[str]) -> set[str]:
        ids = _unique(node_ids)
        if not ids:
            return set()
        return {row["account_id"] for row in self._run(queries.NEIGHBOUR_ACCOUNTS, ids=ids) if row["account_id"]}

    def changes_since(self, since: Mapping[str, tuple[int, int]]) -> list[MapChanges]:
        wanted = [{"scope": scope, "first": first, "last": last} for scope, (first, last) in sorted(since.items())]
        if not wanted:
            return []
        return [_map_changes(row) for row in self._run(queries.MAP_CHANGES_SINCE, since=wanted)]


def _news_scopes(account_id: str, since: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"scope": account_id, "first": since[0]}, {"scope": SHARED_SCOPE, "first": since[1]}]


def _news(account_id: str, row: Mapping[str, Any]) -> MapNews:
    """The answer of ``MAP_NEWS``."""
    revisions = {found["scope"]: found["revision"] for found in row["revisions"]}
    nodes = (_flat_node(props) for props in row["nodes"] if _there(props))
    edges = (_flat_edge(found) for found in row["edges"] if _there(found[3]))
    return MapNews(map_key(account_id, revisions), tuple(map(_map_changes, row["changes"])),
                   {node.id: node for node in nodes}, {edge.id: edge for edge in edges})


def _agrees(subgraph: AccountSubgraph, news: MapNews) -> bool:
    """Whether a loaded account map shows what ``news`` says the writes it names left: each node and edge
    they changed as it is now — present and equal where the map has it or must have it (a node of the
    account; an edge at one of its contacts or opportunities), absent where it is gone. Looks up only the
    ids named (the load's lists are in id order), not the whole map."""
    account_id = subgraph.account.id

    def shown(records: Sequence[Any], id: str) -> Any:
        at = bisect.bisect_left(records, id, key=lambda record: record.id)
        return records[at] if at < len(records) and records[at].id == id else None

    def node(id: str) -> MapNode | None:
        return subgraph.account if id == account_id else shown(subgraph.nodes, id)

    def member(id: str) -> bool:
        record = news.nodes.get(id) or node(id)
        return record is not None and record.kind in MEMBER_KINDS and record.account_id == account_id

    for change in news.changes:
        for id in change.nodes:
            loaded, record = node(id), news.nodes.get(id)
            if loaded != (record and MapNode.of(record)) and (loaded is not None or member(id)):
                return False
        for id, _, _ in change.edges:
            loaded, edge = shown(subgraph.edges, id), news.edges.get(id)
            if loaded != (edge and MapEdge.of(edge)) and (loaded is not None or edge is not None and (
                    member(edge.source) or member(edge.target))):
                return False
    return True


def _map_changes(row: Mapping[str, Any]) -> MapChanges:
    """A scope's logged changes at one revision, as MAP_CHANGES_SINCE and MAP_NEWS return them."""
    if row["everything"]:
        return MapChanges(row["scope"], row["revision"], everything=True)
    return MapChanges(row["scope"], row["revision"], tuple(row["node_ids"] or ()),
                      tuple(zip(row["edge_ids"] or (), row["edge_sources"] or (), row["edge_targets"] or (),
                                strict=True)))


# ---- the backend ----------------------------------------------------------------------------------


class Neo4jBackend:
    """Guanxi's store in a Neo4j database (5.23 or later: the statements use ``CALL (x) {...}``).

    ``uri`` is ``neo4j://host:7687`` (routing: reads may go to a cluster's secondaries), ``bolt://``
    (one server) or their ``+s``/``+ssc`` TLS forms. Extra keyword arguments are driver settings
    (``connection_timeout``, ``max_transaction_retry_time``...) over :data:`DEFAULT_DRIVER_CONFIG`.
    Creating the backend does not connect; :meth:`check_ready` does.
    """

    name = "neo4j"
    migrates_on_start = False

    def __init__(self, uri: str, user: str, password: str, database: str | None = "neo4j",
                 **driver_config: Any) -> None:
        self.uri = uri
        self.user = user
        self.password_set = bool(password)
        self.database = database or None  # None: the server's default database
        self._driver: Driver = GraphDatabase.driver(uri, auth=(user, password),
                                                    **{**DEFAULT_DRIVER_CONFIG, **driver_config})
        self._bookmarks = GraphDatabase.bookmark_manager()
        # The service's event loop asks what changed in a kept map through a driver of its own (one
        # statement per check, no worker thread); made on first use, in that loop.
        self._async_config = (uri, (user, password), {**DEFAULT_DRIVER_CONFIG, **driver_config})
        self._async_driver: AsyncDriver | None = None

    def __repr__(self) -> str:
        return f"Neo4jBackend({self.uri!r}, database={self.database!r})"

    def _session_config(self, access_mode: str, **extra: Any) -> dict[str, Any]:
        return {"database": self.database, "default_access_mode": access_mode,
                "bookmark_manager": self._bookmarks, **extra}

    def _session(self, access_mode: str) -> Session:
        return self._driver.session(**self._session_config(access_mode))

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Neo4j's and the driver's errors raised inside as the store's, where they are (a failure is
        diagnosed by the server's status of the database: one more round trip, on a failure only)."""
        try:
            yield
        except (Neo4jError, DriverError) as e:
            translated = self._failed(e) or _translate(e, self.uri, self.user, self.password_set)
            if translated is None:
                raise
            raise translated from e

    def _failed(self, error: Exception) -> StoreError | None:
        """When ``error`` says the database has failed: why, as the server tells it (a full disk → 507)."""
        if not isinstance(error, Neo4jError) or error.code not in (*_FAILED_CODES, _DATABASE_UNAVAILABLE):
            return None
        status = self._status_message()
        if status is not None and any(words in status.lower() for words in _DISK_FULL):
            return StorageFull(f"the disk holding Neo4j's data is full (Neo4j: {status}); nothing more can be "
                               f"written until space is freed (and Neo4j restarted if it has stopped its "
                               f"database): {_message(error)}")
        if status is None and error.code == _DATABASE_UNAVAILABLE:
            return None  # starting or stopping, as far as anyone can tell: the transient error says so
        cause = f" (Neo4j: {status})" if status else ""
        return StoreUnavailable(f"Neo4j's database has failed{cause}: {_message(error)}")

    def _status_message(self) -> str | None:
        """The server's status message of this database (empty when all is well), or None if unknown.
        A diagnosis only: a failure to ask (the server gone too, no right to the system database) leaves
        the cause unknown and never hides the error being diagnosed."""
        def unit(tx: ManagedTransaction) -> Any:
            return next(iter(tx.run(queries.DATABASE_STATUS, {"name": self.database})), None)

        try:  # one attempt: a diagnosis answers now
            with self._driver.session(database="system", default_access_mode=READ_ACCESS,
                                      max_transaction_retry_time=0.0) as session:
                record = session.execute_read(unit)
        except (Neo4jError, DriverError):
            return None
        message = record["statusMessage"] if record is not None else None
        return str(message) if message else None

    def read(self, work: Callable[[Tx], T]) -> T:
        def unit(tx: ManagedTransaction) -> T:
            return work(Neo4jTx(tx, writable=False))

        with self._translated(), self._session(READ_ACCESS) as session:
            return session.execute_read(unit)

    def write(self, work: Callable[[Tx], T]) -> T:
        attempt: list[Neo4jTx] = []

        def unit(tx: ManagedTransaction) -> T:
            attempt[:] = [Neo4jTx(tx, writable=True)]
            try:
                return work(attempt[0])
            except Neo4jError as e:
                # The driver retries a transient error for up to half a minute; out of transaction
                # memory, the same write only fails the same way again.
                if e.code in _OUT_OF_MEMORY_CODES:
                    raise _too_large(e) from e
                raise

        with self._translated(), self._session(WRITE_ACCESS) as session:
            result = session.execute_write(unit)
        if attempt and attempt[0].logged_whole:
            self._mark_applied(attempt[0].logged_whole)
        return result

    def _mark_applied(self, changes: Sequence[tuple[str, int]]) -> None:
        """Mark "everything" changes whose commit has returned as applied whole, so that a load in any
        process that begins after the mark needs no second load to check it (Neo4jTx.account_subgraph). The
        write itself has committed: a mark that fails (the database gone since) is logged, not raised, and
        readers go on checking those loads by a second one."""
        rows = [{"scope": scope, "revision": revision} for scope, revision in changes]
        try:
            with self._session(WRITE_ACCESS) as session:
                session.execute_write(lambda tx: list(tx.run(queries.MARK_APPLIED, changes=rows)))
        except (Neo4jError, DriverError) as e:
            _log.warning("could not mark an import's map changes applied (%s): loads after it are checked by a "
                         "second load", _message(e))

    def map_news(self, account_id: str, since: tuple[int, int]) -> MapNews:
        # One auto-commit statement: one round trip (a read transaction adds its commit's); news of changes
        # is read again until two reads agree (a read overlapping a commit can be torn: Neo4jTx._settled).
        with self._translated(), self._session(READ_ACCESS) as session:
            previous: MapNews | None = None
            for _ in range(1 + _MAX_REREADS):
                row = session.run(queries.MAP_NEWS, scopes=_news_scopes(account_id, since)).single(strict=True)
                news = _news(account_id, row)
                if not news.changes or news == previous:
                    break
                previous = news
        return news

    def _async_session(self) -> AsyncSession:
        """A read session of the async driver (made on first use, in the service's event loop)."""
        if self._async_driver is None:
            uri, auth, config = self._async_config
            self._async_driver = AsyncGraphDatabase.driver(uri, auth=auth, **config)
        return self._async_driver.session(**self._session_config(READ_ACCESS))

    async def map_news_async(self, account_id: str, since: tuple[int, int]) -> MapNews:
        # As map_news: news of changes read again until two reads agree.
        with self._translated():
            async with self._async_session() as session:
                previous: MapNews | None = None
                for _ in range(1 + _MAX_REREADS):
                    result = await session.run(queries.MAP_NEWS, scopes=_news_scopes(account_id, since))
                    news = _news(account_id, await result.single(strict=True))
                    if not news.changes or news == previous:
                        break
                    previous = news
        return news

    async def key_by_hash_async(self, key_hash: str) -> ApiKey | None:
        # One auto-commit statement, as map_news_async: one round trip, no worker thread.
        with self._translated():
            async with self._async_session() as session:
                result = await session.run(queries.KEY_BY_HASH, key_hash=key_hash)
                row = await result.single()
        return None if row is None else _key(row)

    async def close_async(self) -> None:
        if self._async_driver is not None:
            await self._async_driver.close()
            self._async_driver = None

    def migrate(self) -> list[str]:
        with self._translated():
            return migrations.migrate(self._driver, self._session_config(WRITE_ACCESS))

    def check_ready(self) -> None:
        # A probe answers now: one attempt, no retries.
        config = self._session_config(READ_ACCESS, max_transaction_retry_time=0.0)
        try:
            status = migrations.status(self._driver, config)
        except (Neo4jError, DriverError) as e:
            raise (self._failed(e) or _login_refused(e, self.uri, self.user, self.password_set)
                   or StoreUnavailable(f"Neo4j does not answer at {self.uri}: {_message(e)}")) from e
        if status.changed:
            raise StoreUnavailable(f"migrations changed after they were applied: {', '.join(status.changed)}")
        if status.pending:
            names = ", ".join(m.name for m in status.pending)
            raise NotMigrated(f"migrations not applied: {names} (run `guanxi migrate`)")

    def purge(self) -> None:
        """Nothing to do: erased values are gone from the store's records and audit trail; Neo4j's own
        transaction logs rotate out by the server's retention policy (see docs/neo4j.md)."""

    def reset(self) -> None:
        """Delete every map node, audit entry, API key and counter (schema and migration records stay).
        For tests against a throw-away database only."""
        def unit(tx: ManagedTransaction) -> None:
            tx.run(queries.WIPE_FOR_TESTS).consume()

        with self._translated(), self._session(WRITE_ACCESS) as session:
            session.execute_write(unit)

    def close(self) -> None:
        self._driver.close()
