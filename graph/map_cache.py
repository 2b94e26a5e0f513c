"""Projected account maps kept current across writes, on every backend and across processes.

**Writes note what they change.** Every write transaction of the store runs through :class:`NotingTx`,
which notes, per scope (an account, or :data:`SHARED_SCOPE` for our team and competitors, whose records
appear in every map that touches them), the nodes and edges it writes or deletes — old and new owners
alike. When the work is done the store bumps each scope's revision and logs the changes under it
(``Tx.log_changes``), in the same transaction: a reader that sees a revision sees its changes.

**Readers apply them.** :class:`MapCache` keeps one projected map per account (``graph.projection``),
labelled with the revisions it reflects. When a scope has moved on, the cache reads the changes logged
since (``Tx.changes_since``) and the current records they name, and edits a copy of the map: the nodes
and edges of the account's map (its contacts and opportunities, every edge touching one of them, the
nodes at the other ends, the competitors its opportunities name) — the same map a fresh load
(``Tx.account_subgraph``) would give, in the same canonical order. The copy shares everything the edit
did not touch with the old map, which concurrent readers may still be using and which is never
written to. What readers derived from the old map (``graph.projection.Derived``: the analytics' views)
follows the edit too, keeping what it cannot have changed. When the changes are too many to have been
listed, or no longer logged, or the revisions went back (a reset database), the map is loaded afresh.

**The writer applies its own.** Once a write commits, the process that made it brings the maps it keeps up
to it from the records it wrote (:meth:`MapCache.follow_write`), when they were current just before it, so
that its next read finds nothing new. A write in another process is picked up by reading the log: it is
in the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Protocol

import networkx as nx

from graph.backend import SHARED_SCOPE, Tx, map_key_in, map_news_in
from graph.collector import collection_paused
from graph.projection import AccountGraph, account_graph
from graph.records import MEMBER_KINDS, EdgeRecord, MapChanges, MapNews, NodeRecord

# A write that changes more records than this in one scope logs "everything" there (an import): a
# reader loads that map afresh rather than apply thousands of changes one by one.
MAX_LISTED = 2000
# Opportunities whose account a cache remembers (all forgotten beyond this).
MAX_HOMES = 100_000


# ---- writes ----------------------------------------------------------------------------------------


class NotingTx:
    """A write transaction that notes whose maps its writes change, and which records: ``scopes`` and,
    per scope, the node ids and edges (id, source, target) written or deleted.

    A record changes the map of its own account (old and new, when it moves) and, for our team and
    competitors, the shared scope. An edge also changes the maps of the accounts of both its ends (an
    edge from a subsidiary's contact to the group's is in both maps); a contact or opportunity that is
    written also changes the maps that show it at the far end of an edge (``Tx.neighbour_accounts``)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self.scopes: set[str] = set()
        self._nodes: dict[str, dict[str, None]] = {}
        self._edges: dict[str, dict[tuple[str, str, str], None]] = {}
        self._everything: set[str] = set()       # scopes past MAX_LISTED
        # The account of each node this transaction has read or written (None: not a contact or
        # opportunity), for the accounts of the ends of the edges it writes.
        self._accounts: dict[str, str | None] = {}
        # Each record as this transaction last read or wrote it (None: absent), so that a write need
        # not read again what the store has just read (an import reads every row it writes).
        self._stored_nodes: dict[str, NodeRecord | None] = {}
        self._stored_edges: dict[str, EdgeRecord | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    def _learn(self, records: Iterable[NodeRecord]) -> None:
        for record in records:
            self._accounts[record.id] = record.account_id if record.kind in MEMBER_KINDS else None

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        found = self._tx.get_nodes(ids)
        self._learn(found.values())
        for id in ids:
            self._stored_nodes[id] = found.get(id)
        return found

    def get_edges(self, ids: Collection[str]) -> dict[str, EdgeRecord]:
        found = self._tx.get_edges(ids)
        for id in ids:
            self._stored_edges[id] = found.get(id)
        return found

    def _stored(self, ids: list[str], known: dict[str, Any], read: Any) -> list[Any]:
        """The records of ``ids`` as stored now: from what this transaction read or wrote, else read."""
        missing = [id for id in ids if id not in known]
        if missing:
            found = read(missing)
            for id in missing:
                known[id] = found.get(id)
        return [record for id in ids if (record := known[id]) is not None]

    def _note(self, scope: str, node: str | None = None, edge: tuple[str, str, str] | None = None) -> None:
        if scope in self._everything:
            return
        self.scopes.add(scope)
        if node is not None:
            self._nodes.setdefault(scope, {})[node] = None
        if edge is not None:
            self._edges.setdefault(scope, {})[edge] = None
        if len(self._nodes.get(scope, ())) + len(self._edges.get(scope, ())) > MAX_LISTED:
            # Past the limit the scope logs "everything": nothing more of it needs noting.
            self._everything.add(scope)
            self._nodes.pop(scope, None)
            self._edges.pop(scope, None)

    def _note_nodes(self, records: Iterable[NodeRecord]) -> None:
        for record in records:
            if record.kind in ("team_member", "competitor"):
                self._note(SHARED_SCOPE, node=record.id)
            elif record.kind == "account":
                self._note(record.id, node=record.id)
            elif record.account_id:
                self._note(record.account_id, node=record.id)

    def _note_edges(self, records: Iterable[EdgeRecord]) -> None:
        records = list(records)
        unknown = {end for r in records for end in (r.source, r.target)} - self._accounts.keys()
        if unknown:
            self._learn(self._tx.get_nodes(unknown).values())
        for record in records:
            edge = (record.id, record.source, record.target)
            for scope in {record.account_id, self._accounts.get(record.source), self._accounts.get(record.target)}:
                if scope:
                    self._note(scope, edge=edge)

    def _note_far_ends(self, records: Sequence[NodeRecord], stored: Iterable[NodeRecord]) -> None:
        """The maps that show a stored contact or opportunity at the far end of an edge."""
        existing = [r.id for r in stored if r.kind in MEMBER_KINDS]
        if existing:
            for scope in self._tx.neighbour_accounts(existing):
                for record in records:
                    if record.id in existing:
                        self._note(scope, node=record.id)

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        if records:
            stored = self._stored([r.id for r in records], self._stored_nodes, self._tx.get_nodes)
            self._learn(stored)
            self._note_nodes([*records, *stored])
            self._note_far_ends(records, stored)
            self._learn(records)
        self._tx.put_nodes(records)
        self._stored_nodes.update((r.id, r) for r in records)

    def delete_nodes(self, ids: Collection[str]) -> None:
        if ids:
            self._note_nodes(self._stored(list(ids), self._stored_nodes, self._tx.get_nodes))
        self._tx.delete_nodes(ids)
        self._stored_nodes.update(dict.fromkeys(ids))

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        if records:
            self._note_edges([*records, *self._stored([r.id for r in records], self._stored_edges,
                                                      self._tx.get_edges)])
        self._tx.put_edges(records)
        self._stored_edges.update((r.id, r) for r in records)

    def delete_edges(self, ids: Collection[str]) -> None:
        if ids:
            self._note_edges(self._stored(list(ids), self._stored_edges, self._tx.get_edges))
        self._tx.delete_edges(ids)
        self._stored_edges.update(dict.fromkeys(ids))

    def forget_changes_naming(self, node_id: str) -> None:
        """The store's logged changes naming ``node_id`` become "everything"
        (:meth:`Tx.forget_changes_naming`), and so do this transaction's, for every scope it has changed
        so far (call it last)."""
        self._tx.forget_changes_naming(node_id)
        self._everything |= self.scopes
        self._nodes.clear()
        self._edges.clear()

    def changes(self) -> list[MapChanges]:
        """What the transaction changed, per scope (to log once the scopes' revisions are bumped)."""
        found = []
        for scope in sorted(self.scopes):
            nodes, edges = self._nodes.get(scope, {}), self._edges.get(scope, {})
            if scope in self._everything:
                found.append(MapChanges(scope, everything=True))
            else:
                found.append(MapChanges(scope, nodes=tuple(nodes), edges=tuple(edges)))
        return found


    def written(self, changes: Sequence[MapChanges]) -> tuple[dict[str, NodeRecord], dict[str, EdgeRecord]] | None:
        """The records the changes name as this transaction left them (a deleted one left out), or None
        when one of them was never in its hands."""
        node_ids = [id for change in changes for id in change.nodes]
        edge_ids = [edge[0] for change in changes for edge in change.edges]
        if any(id not in self._stored_nodes for id in node_ids) or any(id not in self._stored_edges for id in edge_ids):
            return None
        return ({id: node for id in node_ids if (node := self._stored_nodes[id]) is not None},
                {id: edge for id in edge_ids if (edge := self._stored_edges[id]) is not None})


def finish_write(tx: Tx, noted: NotingTx) -> list[MapChanges]:
    """Bump the revisions of the scopes a write changed and log its changes (in its transaction); the
    changes logged, each under the revision its scope is now at."""
    changes = noted.changes()
    if not changes:
        return []
    revisions = tx.log_changes(changes)
    return [replace(change, revision=revisions[change.scope]) for change in changes]


# ---- reads -----------------------------------------------------------------------------------------


@dataclass
class _Entry:
    key: tuple[int, int]            # (the account's revision, the shared revision) the map reflects
    graph: AccountGraph
    size: int                       # nodes and edges


def _size(graph: AccountGraph) -> int:
    """Nodes and edges of a map: counted once, then carried by each edit (counting is O(edges))."""
    size: int | None = getattr(graph, "size_hint", None)
    return size if size is not None else graph.number_of_nodes() + graph.number_of_edges()


@dataclass(frozen=True)
class MapEdit:
    """What an edit of a cached map changed (``scoring.view.Edit``): the nodes added, changed or removed,
    and the (source, target) of every edge added, changed or removed."""

    nodes: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    # The node fields the edit changed, when it changed nothing else (no edge, no node came or went,
    # no kind): readers whose answers read none of them may keep those of the old map (``app.answers``).
    fields: frozenset[str] | None = None
    # Our team or the competitors changed (the shared scope's revision moved): what was read from the
    # whole team (the roster, for actions that name one of ours) no longer holds.
    roster_changed: bool = False


class MapCache:
    """Projected maps per account, at most ``max_elements`` nodes and edges in all (about 1.6 KiB each;
    least recently used out, the latest always kept; 0 keeps none), kept current by applying the
    changes logged since their revisions (see the module's docstring)."""

    def __init__(self, max_elements: int = 300_000) -> None:
        self.max_elements = max_elements
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._elements = 0
        self._lock = threading.Lock()
        # How each map came to be, for the benchmarks and tests: "hit", "edited" (by a read, from the
        # log), "written" (by this process's own write, :meth:`follow_write`), "loaded".
        self.counts: dict[str, int] = {"hit": 0, "edited": 0, "written": 0, "loaded": 0}
        # The account each opportunity was last found in (checked against its map on every read).
        self._homes: dict[str, str] = {}

    def kept_key(self, account_id: str) -> tuple[int, int] | None:
        """The revisions (the account's, the shared scope's) of the account's kept map, if one is kept."""
        entry = self._entries.get(account_id)
        return entry.key if entry is not None else None

    def kept_at(self, account_id: str, key: tuple[int, int]) -> AccountGraph | None:
        """The kept map of the account if it reflects exactly the revisions ``key`` (read just now), else None."""
        with self._lock:
            entry = self._entries.get(account_id)
            if entry is None or entry.key != key:
                return None
            self._entries.move_to_end(account_id)
        self._count("hit")
        return entry.graph

    def home(self, opportunity_id: str) -> str | None:
        """The account the opportunity was last found in, if any (to be confirmed by its map)."""
        return self._homes.get(opportunity_id)

    def follow(self, account_id: str, news: MapNews, reads: Reads, *, count: str = "edited") -> AccountGraph | None:
        """The kept map of the account brought up to ``news`` (read after its revisions): itself when
        nothing changed, else an edited copy, kept; None when no map is kept or it must be loaded afresh.
        ``reads`` serves the few reads an edit may still need (the edges of a contact who joined); ``count``
        names how an edited map came to be (``counts``)."""
        with self._lock:
            entry = self._entries.get(account_id)
            if entry is not None:
                self._entries.move_to_end(account_id)
        if entry is None:
            return None
        if entry.key == news.key:
            self._count("hit")
            return entry.graph
        edited = _advance(reads, account_id, entry, news)
        if edited is None:
            return None
        self._count(count)
        return self._keep(account_id, news.key, edited)

    def follow_write(self, changes: Sequence[MapChanges], noted: NotingTx, reads: Reads) -> None:
        """Bring the kept maps of the accounts a committed write changed up to it with the write's own
        records (``changes``: what :func:`finish_write` logged), so that the next read of them finds
        nothing new and is answered at once (on Neo4j the read's round trip then brings no news to apply).
        Only a map that was current just before the write is brought up (the write moved its scopes on by
        one revision each); one further behind — another process wrote in between — is left for the next
        read to follow from the log, as are the maps of accounts only our team or competitors' changes
        touch (they follow on their next read)."""
        by_scope = {change.scope: change for change in changes}
        shared = by_scope.get(SHARED_SCOPE)
        for scope, change in by_scope.items():
            kept = self.kept_key(scope)
            if scope == SHARED_SCOPE or change.everything or kept is None or change.revision != kept[0] + 1:
                continue
            if shared is not None and (shared.everything or shared.revision != kept[1] + 1):
                continue
            logged = (change,) if shared is None else (change, shared)
            records = noted.written(logged)
            if records is None:
                continue
            key = (change.revision, kept[1] if shared is None else shared.revision)
            self.follow(scope, MapNews(key, logged, *records), reads, count="written")

    def read_opportunity(self, tx: Tx, opportunity_id: str, key: tuple[int, int] | None = None) -> AccountGraph | None:
        """The map of the account an opportunity belongs to, as of this read transaction (None: no such
        opportunity). The account is remembered from the last read and confirmed by the map itself —
        which is current as of this transaction — so that a read of a cached map costs the revisions'
        query alone; an opportunity the map does not show as its own is looked up in the store. ``key``:
        as for :meth:`read`, of the remembered account's map."""
        account = self._homes.get(opportunity_id)
        if account is not None:
            graph = self.read(tx, account, key)
            data = graph._node.get(opportunity_id) if graph is not None else None
            if graph is not None and data is not None and data.get("kind") == "opportunity" \
                    and data.get("account_id") == account:
                return graph
        opportunity = tx.get_nodes([opportunity_id]).get(opportunity_id)
        if opportunity is None or opportunity.kind != "opportunity" or not opportunity.account_id:
            self._homes.pop(opportunity_id, None)
            return None
        if len(self._homes) >= MAX_HOMES:
            self._homes.clear()
        self._homes[opportunity_id] = opportunity.account_id
        return self.read(tx, opportunity.account_id)

    def read(self, tx: Tx, account_id: str, key: tuple[int, int] | None = None) -> AccountGraph | None:
        """The account's map as of this read transaction (None: no such account). ``key``: the account's
        and the shared scope's revisions when the caller has just read them (outside the transaction: the
        map then reflects at least those, and a later read applies whatever it missed)."""
        kept = self.kept_key(account_id)
        if kept is not None and key is None:
            news = map_news_in(tx, account_id, kept)
            edited = self.follow(account_id, news, tx)
            if edited is not None:
                return edited
            key = news.key              # the revisions the news read: not read again for the load
        if key is None:
            key = map_key_in(tx, account_id)
        with collection_paused():       # a large map: hundreds of thousands of new objects, none garbage
            subgraph = tx.account_subgraph(account_id)
            graph = None if subgraph is None else nx.freeze(account_graph(subgraph))
        if graph is None:
            with self._lock:
                dropped = self._entries.pop(account_id, None)
                self._elements -= dropped.size if dropped else 0
            return None
        self._count("loaded")
        return self._keep(account_id, key, graph)

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _keep(self, account_id: str, key: tuple[int, int], graph: AccountGraph) -> AccountGraph:
        if self.max_elements <= 0:
            return graph
        size = _size(graph)
        with self._lock:
            current = self._entries.get(account_id)
            if current is not None and (current.key[0] > key[0] or current.key[1] > key[1]):
                return graph            # a concurrent reader has kept a later map: keep that one
            if current is not None:
                self._elements -= current.size
            self._entries[account_id] = _Entry(key, graph, size)
            self._entries.move_to_end(account_id)
            self._elements += size
            while self._elements > self.max_elements and len(self._entries) > 1:
                self._elements -= self._entries.popitem(last=False)[1].size
        return graph

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._elements = 0


class Reads(Protocol):
    """The reads an edit of a kept map may need besides its news (a transaction, or a backend's)."""

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]: ...
    def edges_touching(self, node_ids: Collection[str]) -> list[EdgeRecord]: ...


def _advance(reads: Reads, account_id: str, entry: _Entry, news: MapNews) -> AccountGraph | None:
    """The kept map edited to the news' revisions, or None when it must be loaded afresh."""
    since = {scope: (first, last) for scope, first, last in ((account_id, entry.key[0], news.key[0]),
                                                             (SHARED_SCOPE, entry.key[1], news.key[1]))
             if last != first}
    if any(last < first for first, last in since.values()):
        return None                     # the revisions went back (a store reset): load afresh
    node_ids: dict[str, None] = {}
    edges: dict[str, tuple[str, str]] = {}
    seen: dict[str, set[int]] = {}
    for change in news.changes:
        if change.everything:
            return None
        seen.setdefault(change.scope, set()).add(change.revision)
        node_ids.update(dict.fromkeys(change.nodes))
        for edge_id, source, target in change.edges:
            edges[edge_id] = (source, target)
    for scope, (first, last) in since.items():
        if seen.get(scope, set()) != set(range(first + 1, last + 1)):
            return None                 # some revisions are no longer logged
    # Our team or competitors changed: answers that read the whole team (a counterpart with no tie to
    # this account yet) must not outlive that, even when nothing in this map changed.
    editing = _Editing(entry.graph, account_id, entry.size, roster_changed=SHARED_SCOPE in since)
    if not editing.apply(reads, news.nodes, list(node_ids), news.edges, edges):
        return None
    return editing.finish()


class _Editing:
    """A copy-on-write edit of a frozen projected map: the outer dicts are copied, and each node's own
    adjacency (and each pair's keyed edges) only when the edit touches it; the old map is never written
    to. ``finish`` restores the canonical order of ``graph.projection`` where the edit could break it."""

    def __init__(self, old: AccountGraph, account_id: str, size: int | None = None,
                 roster_changed: bool = False) -> None:
        self.old, self.account_id, self.size = old, account_id, size
        self.roster_changed = roster_changed
        self.node: dict[str, dict[str, Any]] = dict(old._node)
        self.succ: dict[str, dict[str, dict[str, Any]]] = dict(old._succ)
        self.pred: dict[str, dict[str, dict[str, Any]]] = dict(old._pred)
        self.account: dict[str, Any] = dict(old.graph.get("account") or {})
        self._own_rows: set[tuple[int, str]] = set()     # (0 succ / 1 pred, node) copied already
        self._pairs: dict[tuple[str, str], dict[str, Any]] = {}
        self.changed_nodes: set[str] = set()
        self.node_set_changed = False

    # -- the map's own rules: who belongs

    def member(self, n: str) -> bool:
        data = self.node.get(n)
        return data is not None and data.get("kind") in MEMBER_KINDS and data.get("account_id") == self.account_id

    def _edge_belongs(self, source: str, target: str) -> bool:
        return self.member(source) or self.member(target)

    # -- low-level edits

    def _row(self, side: int, n: str) -> dict[str, dict[str, Any]]:
        rows = self.succ if side == 0 else self.pred
        if (side, n) not in self._own_rows:
            rows[n] = dict(rows.get(n, {}))
            self._own_rows.add((side, n))
        return rows[n]

    def _keyed(self, u: str, v: str) -> dict[str, Any]:
        keyed = self._pairs.get((u, v))
        if keyed is None:
            keyed = self._pairs[(u, v)] = dict(self.succ.get(u, {}).get(v, {}))
        return keyed

    def set_node(self, n: str, attrs: dict[str, Any]) -> None:
        if n not in self.node:
            self.node_set_changed = True
            self.succ[n], self.pred[n] = {}, {}
            self._own_rows.update({(0, n), (1, n)})
        elif self.node[n] == attrs:
            return
        self.node[n] = attrs
        self.changed_nodes.add(n)

    def remove_node(self, n: str) -> None:
        if n in self.node:
            del self.node[n]
            self.succ.pop(n, None)
            self.pred.pop(n, None)
            self.node_set_changed = True
            self.changed_nodes.add(n)

    def set_edge(self, edge: EdgeRecord) -> None:
        keyed = self._keyed(edge.source, edge.target)
        attrs = {"type": edge.type, **edge.data}
        if keyed.get(edge.id) != attrs:
            keyed[edge.id] = attrs

    def remove_edge(self, edge_id: str, source: str, target: str) -> None:
        if edge_id in self.succ.get(source, {}).get(target, {}) or (source, target) in self._pairs:
            self._keyed(source, target).pop(edge_id, None)

    def _pairs_of(self, n: str) -> set[tuple[str, str]]:
        pairs = {(n, v) for v in self.succ.get(n, {})} | {(u, n) for u in self.pred.get(n, {})}
        return pairs | {pair for pair in self._pairs if n in pair}

    def edges_of(self, n: str) -> list[tuple[str, str, str]]:
        """(id, source, target) of every edge of n in the edited map (pending edits included)."""
        found: list[tuple[str, str, str]] = []
        for u, v in self._pairs_of(n):
            keyed = self._pairs.get((u, v), self.succ.get(u, {}).get(v, {}))
            found.extend((edge_id, u, v) for edge_id in keyed)
        return found

    # -- the edit

    def apply(self, reads: Reads, nodes: Mapping[str, NodeRecord], node_ids: Sequence[str],
              edges: Mapping[str, EdgeRecord], endpoints: Mapping[str, tuple[str, str]]) -> bool:
        """Apply the current records of the changed ids; False when the map must be loaded afresh."""
        account = self.account_id
        joined: list[str] = []
        left: list[str] = []
        gone: list[str] = []
        for n in node_ids:
            record = nodes.get(n)
            if n == account:
                if record is None or record.kind != "account":
                    return False        # the account itself went: a fresh load says so
                self.account = {"id": account, **record.data}
                self.set_node(n, {"kind": "account", **record.data})
                continue
            was_member = self.member(n)
            if record is None:
                if n in self.node:
                    gone.append(n)
                continue
            attrs = {"kind": record.kind, **record.data}
            is_member = record.kind in MEMBER_KINDS and record.account_id == account
            if is_member or n in self.node:
                self.set_node(n, attrs)
            if is_member and not was_member:
                joined.append(n)
            elif was_member and not is_member:
                left.append(n)
        # Edges: each changed one as it is now, where it belongs.
        placing: list[EdgeRecord] = []
        loose: set[str] = set()         # nodes that may no longer belong (checked at the end)
        for edge_id, (source, target) in endpoints.items():
            self.remove_edge(edge_id, source, target)
            loose.update((source, target))
            edge = edges.get(edge_id)
            if edge is not None:
                placing.append(edge)
        # A contact or opportunity that joined the account brings its edges; one that left takes away
        # those that touch no member any more.
        if joined:
            placing.extend(reads.edges_touching(joined))
        for n in left:
            for edge_id, source, target in self.edges_of(n):
                if not self._edge_belongs(source, target):
                    self.remove_edge(edge_id, source, target)
                    loose.update((source, target))
            loose.add(n)
        placing = [e for e in placing if self._edge_belongs(e.source, e.target)]
        # The competitors the account's opportunities name (they change only with an opportunity).
        if any((self.old._node.get(n) or {}).get("kind") == "opportunity"
               or (self.node.get(n) or {}).get("kind") == "opportunity" for n in node_ids):
            named = _named(self.node, account, leaving=gone)
            loose.update(_named(self.old._node, account) - named)
        else:
            named = set()
        missing = ({end for e in placing for end in (e.source, e.target)} | named) - self.node.keys()
        if missing:
            found = reads.get_nodes(missing)
            for n in sorted(missing):
                record = found.get(n)
                if record is None:
                    if n in named:
                        continue        # named, not stored: a fresh load leaves it out as well
                    return False        # an edge to a node that is not there: load afresh
                self.set_node(n, {"kind": record.kind, **record.data})
        for edge in placing:
            self.set_edge(edge)
        for n in gone:
            loose.add(n)
        for n in loose:
            if n in self.node and n != account and not self.member(n) and n not in named \
                    and not self.edges_of(n) and (self.node[n].get("kind") != "competitor"
                                                  or n not in _named(self.node, account, leaving=gone)):
                self.remove_node(n)
        for n in gone:
            if n in self.node:
                if self.edges_of(n):
                    return False        # deleted, yet still joined to the map: load afresh
                self.remove_node(n)
        return True

    def size_change(self, pairs: set[tuple[str, str]]) -> int:
        """How many nodes and edges the edit added (less those it removed)."""
        old_node, old_succ = self.old._node, self.old._succ
        change = len(self.node) - len(old_node)
        for u, v in pairs:
            change += len(self._pairs[(u, v)]) - len(old_succ.get(u, {}).get(v, {}))
        return change

    def finish(self) -> AccountGraph:
        """The edited map, frozen, with what readers derived from the old map carried over (the old map
        itself when the edit changed nothing in it and our team and competitors did not change: a new map
        object then, equal to the old, whose memo carries the views but not the answers)."""
        pairs: set[tuple[str, str]] = set()
        old_succ = self.old._succ
        for (u, v), keyed in self._pairs.items():
            if keyed == old_succ.get(u, {}).get(v, {}):
                continue
            pairs.add((u, v))
            ordered = dict(sorted(keyed.items()))
            for side, here, there in ((0, u, v), (1, v, u)):
                if here in self.node:
                    row = self._row(side, here)
                    if ordered:
                        row[there] = ordered
                    else:
                        row.pop(there, None)
        if not pairs and not self.changed_nodes and self.account == self.old.graph.get("account") \
                and not self.roster_changed:
            return self.old
        for side, n in self._own_rows:
            rows = self.succ if side == 0 else self.pred
            if n in rows:
                rows[n] = _by_first_key(rows[n])
        if self.node_set_changed:
            order = [self.account_id, *sorted(n for n in self.node if n != self.account_id)]
            self.node = {n: self.node[n] for n in order if n in self.node}
            self.succ = {n: self.succ[n] for n in self.node}
            self.pred = {n: self.pred[n] for n in self.node}
        graph = AccountGraph()
        if self.size is not None:
            graph.size_hint = self.size + self.size_change(pairs)
        graph.graph.update(self.old.graph)
        graph.graph["account"] = self.account
        graph._node = self.node
        graph._adj = graph._succ = self.succ
        graph._pred = self.pred
        nx.freeze(graph)
        edit = MapEdit(frozenset(self.changed_nodes), frozenset(pairs), self._fields_only(pairs),
                       self.roster_changed)
        graph.derived = self.old.derived.advanced(graph, edit)
        return graph

    def _fields_only(self, pairs: set[tuple[str, str]]) -> frozenset[str] | None:
        """The node fields the edit changed, or None when it changed more than fields (or the roster)."""
        if pairs or self.node_set_changed or self.roster_changed:
            return None
        fields: set[str] = set()
        for n in self.changed_nodes:
            before, after = self.old._node.get(n), self.node.get(n)
            if before is None or after is None:
                return None
            fields.update(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        return None if "kind" in fields else frozenset(fields)


def _named(nodes: Mapping[str, Mapping[str, Any]], account_id: str, leaving: Collection[str] = ()) -> set[str]:
    """The competitors the account's opportunities name (those in ``leaving``, deleted, name none)."""
    return {str(c) for n, d in nodes.items() if d.get("kind") == "opportunity" and d.get("account_id") == account_id
            and n not in leaving for c in d.get("competitor_ids") or ()}


def _by_first_key(row: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A node's neighbours in the projection's order: by the smallest id of the edges to each (their
    keyed edges are in id order, so the first key is the smallest)."""
    items = list(row.items())
    keys = [next(iter(keyed)) for _, keyed in items]
    if all(a < b for a, b in pairwise(keys)):
        return row
    return dict(sorted(items, key=lambda item: next(iter(item[1]))))

