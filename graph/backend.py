"""The port every storage backend implements: transactional primitives over nodes, edges, audit and keys.

The domain rules (validation, versions, audit, import) live once, in :mod:`graph.store`, on top of these
primitives; a backend only moves records in and out of its database. Every backend must pass the one
contract suite in ``tests/contract``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol, TypeVar

from graph.records import AccountSubgraph, ApiKey, AuditEntry, EdgeRecord, MapChanges, MapNews, NodeRecord

T = TypeVar("T")
# How many of a scope's latest revisions keep their logged changes (``Tx.log_changes``): a reader further
# behind loads the map afresh.
CHANGES_KEPT = 256
# Team members and competitors appear in every account's map that touches them: their writes bump
# this one shared revision (ids cannot contain "*", so it never names an account).
SHARED_SCOPE = "*shared"


class Tx(Protocol):
    """One transaction. Reads see the transaction's own writes. Raising aborts everything.

    In a write transaction every read locks what it returns (and, for an id it finds absent, whatever
    the database needs so that a concurrent creation of that id waits or fails), until the transaction
    ends: the store's read-check-write never loses an update."""

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]: ...
    def get_edges(self, ids: Collection[str]) -> dict[str, EdgeRecord]: ...
    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        """Insert or replace whole node records (keyed by id)."""
    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        """Insert or replace whole edge records (keyed by id), type and ends included: a stored edge of
        that id is replaced even when its type or ends change, leaving one edge of that id. Raises
        Conflict (and writes nothing) when an end does not exist."""
    def delete_nodes(self, ids: Collection[str]) -> None:
        """Delete nodes; the caller has removed their edges first."""
    def delete_edges(self, ids: Collection[str]) -> None: ...
    def edges_touching(self, node_ids: Collection[str]) -> list[EdgeRecord]:
        """Every edge whose source or target is one of ``node_ids``."""
    def nodes_of_accounts(self, account_ids: Collection[str]) -> list[NodeRecord]:
        """Contacts and opportunities whose ``account_id`` is one of ``account_ids``, and child accounts
        whose ``parent_id`` is."""
    def nodes_naming(self, kind: str, field: str, ids: Collection[str]) -> list[NodeRecord]:
        """Nodes of ``kind`` whose ``field`` (an id, or a list of ids) names one of ``ids``, ordered by
        id; in a write transaction, locked. ``field`` comes from :data:`graph.references.REFERENCES`."""
    def reporting_lines(self, account_ids: Collection[str]) -> list[tuple[str, str]]:
        """(report, boss) pairs of every REPORTS_TO edge stored under one of ``account_ids``."""
    def list_nodes(self, kind: str, *, account_id: str | None, after: str | None,
                   limit: int) -> list[NodeRecord]:
        """Nodes of ``kind`` ordered by id, ids greater than ``after``, at most ``limit``."""
    def list_edges(self, *, types: Collection[str], account_id: str | None, target: str | None,
                   after: str | None, limit: int) -> list[EdgeRecord]:
        """Edges of the given types ordered by id, filtered by account and target when given."""
    def account_subgraph(self, account_id: str) -> AccountSubgraph | None:
        """The account's whole map in one round trip (see :class:`AccountSubgraph`), its nodes and its
        edges each ordered by id, or None."""
    def append_audit(self, entries: Sequence[AuditEntry]) -> None: ...
    def list_audit(self, *, entity_id: str | None, before: int | None, limit: int) -> list[AuditEntry]:
        """Newest first (descending ``seq``); ``before`` is the ``seq`` of the last entry of the previous
        page. Seqs are positive integers assigned by the database, strictly increasing in commit order."""
    def audit_after(self, *, after: int, limit: int) -> list[AuditEntry]:
        """Oldest first (ascending ``seq``), ``seq`` greater than ``after`` (0: from the first), at most
        ``limit``: the whole trail page by page, in its order."""
    def scrub_audit(self, entity_id: str, entity_types: Collection[str], replacement: dict[str, object],
                    rename_to: str | None = None) -> None:
        """Replace ``before``/``after`` of every entry about the record ``entity_id`` of one of
        ``entity_types`` (erasure: a record of another kind may bear the same id, and keeps its history),
        and its ``entity_id`` by ``rename_to`` when given (an id that was personal data)."""
    def audit_mentioning(self, text: str) -> list[AuditEntry]:
        """Oldest first: every entry whose ``before`` or ``after`` JSON text contains ``text`` (an id as
        JSON writes it, quoted) — an erasure's search for a person's traces anywhere in the trail (a line
        filed under another account, a duplicate merged into them). Reads the whole trail."""
    def forget_changes_naming(self, node_id: str) -> None:
        """Log every logged map change naming the node ``node_id`` (written, deleted, or an end of an
        edge) as "everything" instead (a reader behind it loads the map afresh): an erased id that was
        personal data leaves no copy in the change log."""
    def audit_of_accounts(self, account_ids: Collection[str], *, entity_ids: Collection[str] = (),
                          until: str | None) -> list[AuditEntry]:
        """Oldest first (ascending ``seq``), ``at`` no later than ``until`` (an ISO timestamp as
        :func:`graph.records.now_iso` writes them; None: no limit): every entry about an entity that some
        such entry filed under one of ``account_ids`` concerns (so a record that moved to another
        account comes with its whole history), and every entry about one of ``entity_ids``."""
    def put_reviews(self, records: Sequence[NodeRecord]) -> None:
        """Insert or replace reviews (``kind`` "review"; ``data["account_id"]`` names a stored account)."""
    def get_reviews(self, ids: Collection[str]) -> dict[str, NodeRecord]: ...
    def reviews_of_account(self, account_id: str) -> list[NodeRecord]:
        """The account's reviews, newest ``held_at`` first (ties: id)."""
    def delete_reviews(self, ids: Collection[str]) -> None: ...
    def revisions(self, scopes: Collection[str]) -> dict[str, int]:
        """The stored revision of each scope (an account id, or SHARED_SCOPE); absent ones are left out."""
    def log_changes(self, changes: Sequence[MapChanges]) -> dict[str, int]:
        """Add one to the revision of each change's scope (creating it at 1) and log there what this write
        changed in that scope's map (one change per scope; ``revision`` is ignored); the revisions the
        scopes are at now. Only a scope's latest ``CHANGES_KEPT`` revisions stay logged."""
    def neighbour_accounts(self, node_ids: Collection[str]) -> set[str]:
        """The accounts of the contacts and opportunities an edge joins to one of ``node_ids`` (whose
        maps show those nodes at the far end of an edge)."""
    def changes_since(self, since: Mapping[str, tuple[int, int]]) -> list[MapChanges]:
        """The logged changes of each scope whose revision is in (first, last], by scope and revision;
        revisions no longer logged are missing from the answer."""
    def put_key(self, key: ApiKey) -> None: ...
    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...
    def delete_key(self, key_id: str) -> bool: ...
    def list_keys(self) -> list[ApiKey]: ...


class Backend(Protocol):
    """A database holding the maps. Backends are registered by name in :mod:`graph.backends`; every
    one passes the port suite (``tests/contract/test_backend_port.py``) and the store suite.

    Failures reach the caller as the store's errors only: the database unreachable, busy, locked,
    out of space or timing out → ``StoreUnavailable`` (503); a violated uniqueness → ``Conflict``
    (409). Anything else is a bug and propagates as it is."""

    name: str
    #: Whether the service applies pending migrations when it starts (the embedded store does; a
    #: shared server is migrated once, explicitly, by `guanxi migrate`).
    migrates_on_start: bool
    def read(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in a read transaction (may go to a replica)."""
    def write(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one write transaction: all of it commits or none of it."""
    def map_news(self, account_id: str, since: tuple[int, int]) -> MapNews:
        """What changed in the account's map (and the shared scope) after the revisions ``since``, with
        the current records it names (:class:`MapNews`), read at once: in one round trip where the
        database allows (Neo4j: one auto-commit statement; a read transaction's commit is a second)."""
    async def map_news_async(self, account_id: str, since: tuple[int, int]) -> MapNews:
        """:meth:`map_news` asked from the service's event loop, which it must not block: awaited over the
        network where a read is a round trip (Neo4j: its async driver), read at once where it stays in
        the process (SQLite)."""
    async def key_by_hash_async(self, key_hash: str) -> ApiKey | None:
        """The stored API key with this hash, or None, asked from the service's event loop as
        :meth:`map_news_async` is (on every request that sends a stored key): one round trip on Neo4j."""
    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied. Idempotent."""
    def check_ready(self) -> None:
        """Raise StoreUnavailable unless the database answers and is fully migrated."""
    def purge(self) -> None:
        """After an erasure: leave no old copy of erased data in files the service controls (SQLite's
        write-ahead log). A backend whose database keeps none within reach does nothing."""
    def reset(self) -> None:
        """Delete every record, audit entry, key and counter (the schema and migrations stay): for tests
        against a throw-away database, and for a copy restarted into a store holding the parts of one that
        did not finish (``guanxi copy --restart``)."""
    async def close_async(self) -> None:
        """Release what :meth:`map_news_async` and :meth:`key_by_hash_async` opened in the event loop
        (before :meth:`close`)."""
    def close(self) -> None: ...


def map_key(account_id: str, revisions: Mapping[str, int]) -> tuple[int, int]:
    """The revisions an account's map reflects, (the account's, the shared scope's), from the scopes'
    stored revisions (a scope never written is at 0)."""
    return revisions.get(account_id, 0), revisions.get(SHARED_SCOPE, 0)


def map_key_in(tx: Tx, account_id: str) -> tuple[int, int]:
    """The revisions the account's map is at, read in ``tx`` (:func:`map_key`)."""
    return map_key(account_id, tx.revisions([account_id, SHARED_SCOPE]))


def map_news_in(tx: Tx, account_id: str, since: tuple[int, int]) -> MapNews:
    """:meth:`Backend.map_news` read in a transaction from the port's primitives (a backend whose
    database reads it no faster in one statement uses this)."""
    key = map_key_in(tx, account_id)
    ranges = {scope: (first, last) for scope, first, last in ((account_id, since[0], key[0]),
                                                              (SHARED_SCOPE, since[1], key[1])) if last > first}
    if not ranges:
        return MapNews(key)
    changes = tx.changes_since(ranges)
    if any(change.everything for change in changes):
        return MapNews(key, tuple(changes))
    node_ids = {n for change in changes for n in change.nodes}
    edge_ids = {edge[0] for change in changes for edge in change.edges}
    return MapNews(key, tuple(changes), tx.get_nodes(node_ids), tx.get_edges(edge_ids))
