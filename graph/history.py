"""The map as it stood: one account's map at a past moment, replayed from the audit trail.

Every write is audited with the record's whole state before and after, in the same transaction, and
each entry names the account whose map it concerns (:func:`graph.store.audit_account`). So the map as of
a moment T is, for every record the account's entries mention, its latest audited state at or before T
(a deleted record's latest state is "absent"). A record is its kind of record and its id: a node, an
edge and a review may bear the same id (each kind's ids are unique only among its own), and each keeps
its own history. The entries are read in one round trip (``Tx.audit_of_accounts``: the account's own and
the shared team's and competitors'), two more when lines from people of other accounts reach its people
(:func:`account_history`), and another only when the map then reached records filed elsewhere (a boss
at a parent account).

A period (:func:`period`) also says who moved between the account and another in it, and where to or
from (:func:`moves`): the account's history holds the whole history of everyone ever filed under it, so
their state at both moments is in it.

The current map is never read this way: ``Store.account_graph`` stays the one-query, cached read it was.

Erasure reaches history: it scrubs every snapshot of the erased person (``{"erased": true}``); the
replay shows such a record as its tombstone (the record as stored now, or a bare ``[erased]`` when it has
been deleted since), at every past moment, never what it was.

Moments are the store's UTC timestamps (:func:`graph.models.moment` turns an ISO date or datetime into
one; a date means the end of that day).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx

from graph.backend import SHARED_SCOPE, Tx
from graph.collector import collection_paused
from graph.errors import InvalidGraph, NotFound
from graph.models import NodeKind, moment, moment_words
from graph.projection import account_graph
from graph.records import AccountSubgraph, AuditEntry, EdgeRecord, MapEdge, MapNode, NodeRecord, now_iso
from graph.store import EDGE_TYPES, ERASED_NAME, NODE_KINDS, REVIEW, Store, bundle_of, named_records

ERASED: Final = {"erased": True}
_SERVER_FIELDS: Final = frozenset({"id", "created_at", "updated_at", "version"})
_EDGE_FIELDS: Final = _SERVER_FIELDS | {"type", "source", "target", "account_id"}
NODE: Final = "node"
EDGE: Final = "edge"
# The id space each kind of record lives in: nodes of every kind share one (the store never holds a
# contact and a competitor with the same id at once), edges of every type another; reviews (and keys)
# have their own. A node, an edge and a review may all bear the same id.
_FAMILY: Final = {**{kind: NODE for kind in NODE_KINDS}, **{type_: EDGE for type_ in EDGE_TYPES}}
Key = tuple[str, str]  # (family, id): a record in the trail


@dataclass(frozen=True)
class Stamp:
    """When a record last changed within a period, and by whom."""

    at: str
    by: str


@dataclass(frozen=True)
class Period:
    """An account's map at two moments, and who changed what in between."""

    account_id: str
    since: str
    until: str
    before: nx.MultiDiGraph | None         # None: the account did not exist yet
    after: nx.MultiDiGraph
    stamps: dict[tuple[str, str], Stamp]   # (record type, id) → its last change in (since, until]
    reviews: list[NodeRecord]              # the account's reviews held up to ``until``, newest first
    # Each of the account's people who moved in from another account or out to one in the period: the
    # other account (where they were at ``since``, or are at ``until``); and those accounts' names then.
    elsewhere: dict[str, str]
    account_names: dict[str, str]


def resolve_moment(store: Store, account_id: str, value: str, loc: str) -> tuple[str, NodeRecord | None]:
    """A moment given as the id of one of the account's reviews (its ``held_at``, and the review) — a
    client's review id may look like a date, and is the review — or as an ISO date or datetime: a date
    ``since`` is the start of that day (the day's changes count), any other the end of it. Raises
    InvalidGraph naming ``loc`` when it is neither."""
    review = store.backend.read(lambda tx: tx.get_reviews([value])).get(value)
    if review is not None and review.account_id == account_id:
        return str(review.data["held_at"]), review
    try:
        return moment(value, day_start=loc == "since"), None
    except ValueError:
        raise InvalidGraph([{"loc": ["query", loc], "msg": f"{value!r} is neither an ISO date or datetime "
                                                           f"nor a review of account {account_id!r}"}]) from None


def replay(entries: Iterable[AuditEntry], until: str | None = None) -> dict[Key, AuditEntry]:
    """The latest entry about each record at or before ``until`` (entries in ``seq`` order), by its id
    space (``NODE``, ``EDGE``, else its type: ``"review"``) and id: a contact, a relationship and a review
    that bear the same id are three records, and none hides another's history."""
    latest: dict[Key, AuditEntry] = {}
    families = _FAMILY
    for entry in entries:
        if until is None or entry.at <= until:
            type_ = entry.entity_type
            latest[(families.get(type_, type_), entry.entity_id)] = entry
    return latest


def account_history(tx: Tx, account_id: str, until: str) -> list[AuditEntry]:
    """The entries (oldest first, up to ``until``) that the account's map at any moment up to ``until``
    is replayed from: the account's own, the shared team's and competitors', and those of the lines
    filed under another account that reach its people — a line is filed under the account of its
    client-side source, so a subsidiary's manager reporting to the general manager, or an outsider's
    influence on him, is filed elsewhere. Such lines are found among those standing now (a line from
    elsewhere deleted since is not found: nothing in the trail leads to it)."""
    entries = tx.audit_of_accounts([account_id, SHARED_SCOPE], until=until)
    people = {e.entity_id for e in entries if e.entity_type in (NodeKind.contact, NodeKind.opportunity)}
    if not people or not tx.neighbour_accounts(people) - {account_id}:
        return entries
    known = {e.entity_id for e in entries if e.entity_type in EDGE_TYPES}
    elsewhere = sorted(e.id for e in tx.edges_touching(people) if e.account_id != account_id and e.id not in known)
    if not elsewhere:
        return entries
    more = tx.audit_of_accounts([], entity_ids=elsewhere, until=until)
    return sorted({e.seq: e for e in (*entries, *more)}.values(), key=lambda e: e.seq)


def subgraph_as_of(tx: Tx, account_id: str, until: str,
                   entries: Sequence[AuditEntry] | None = None) -> AccountSubgraph | None:
    """The account's map at ``until`` as :meth:`Tx.account_subgraph` would have returned it then, or None
    when the account did not exist. ``entries``: the account's history already read (up to at least
    ``until``: :func:`account_history`), to replay several moments from one read."""
    if entries is None:
        entries = account_history(tx, account_id, until)
    latest = replay(entries, until)
    state, lines = _records(tx, latest)
    account = state.get(account_id)
    if account is None or account.kind != NodeKind.account:
        return None
    members = {id: n for id, n in state.items() if id != account_id
               and n.kind in (NodeKind.contact, NodeKind.opportunity) and n.account_id == account_id}
    edges = [e for e in lines.values() if e.source in members or e.target in members]
    wanted = {end for e in edges for end in (e.source, e.target)}
    wanted |= {c for n in members.values() if n.kind == NodeKind.opportunity
               for c in n.data.get("competitor_ids", [])}
    missing = sorted(end for end in wanted if end not in state and (NODE, end) not in latest)
    if missing:  # records of another account that the map reached then (a boss at the parent account)
        state.update(_nodes_as_of(tx, missing, until))
    nodes = {end: state[end] for end in wanted if end in state}
    nodes.update(members)
    nodes.pop(account_id, None)
    alive = {*nodes, account_id}
    kept = sorted((e for e in edges if e.source in alive and e.target in alive), key=lambda e: e.id)
    shown = sorted((MapNode.of(n) for n in nodes.values()), key=lambda n: n.id)
    return AccountSubgraph(MapNode.of(account), shown, [MapEdge.of(e) for e in kept])


def _nodes_as_of(tx: Tx, ids: Collection[str], until: str) -> dict[str, NodeRecord]:
    """The nodes among ``ids`` as they stood at ``until`` (those that did not exist then left out),
    from their own entries."""
    wanted = set(ids)
    nodes, _ = _records(tx, replay(tx.audit_of_accounts([], entity_ids=sorted(wanted), until=until), until))
    return {id: node for id, node in nodes.items() if id in wanted}


def _records(tx: Tx, latest: dict[Key, AuditEntry]) -> tuple[dict[str, NodeRecord], dict[str, EdgeRecord]]:
    """The nodes and the edges the entries leave standing (deleted ones left out), each by id; an
    erased record's scrubbed snapshots become its tombstone as stored now."""
    nodes: dict[str, NodeRecord] = {}
    edges: dict[str, EdgeRecord] = {}
    erased_nodes: list[AuditEntry] = []
    erased_edges: list[AuditEntry] = []
    for (kind, id), entry in latest.items():
        snapshot = entry.after
        if snapshot is None:
            continue
        if kind == NODE:
            if snapshot == ERASED:
                erased_nodes.append(entry)
            else:
                nodes[id] = _node(entry.entity_type, snapshot)
        elif kind == EDGE:
            if snapshot == ERASED:
                erased_edges.append(entry)
            else:
                edges[id] = _edge(snapshot)
    if erased_nodes:
        stored = tx.get_nodes([e.entity_id for e in erased_nodes])
        for entry in erased_nodes:
            found = stored.get(entry.entity_id)
            nodes[entry.entity_id] = found if found is not None and found.kind == entry.entity_type else NodeRecord(
                entry.entity_type, entry.entity_id, {"account_id": entry.account_id, "name": ERASED_NAME},
                entry.at, entry.at, 1)
    if erased_edges:  # a relationship whose note was erased: as it stands now, if it still does
        stored_edges = tx.get_edges([e.entity_id for e in erased_edges])
        types = {e.entity_id: e.entity_type for e in erased_edges}
        edges.update({id: edge for id, edge in stored_edges.items() if edge.type == types[id]})
    return nodes, edges


def _node(kind: str, snapshot: dict[str, Any]) -> NodeRecord:
    data = {k: v for k, v in snapshot.items() if k not in _SERVER_FIELDS}
    return NodeRecord(kind, str(snapshot["id"]), data, str(snapshot.get("created_at", "")),
                      str(snapshot.get("updated_at", "")), int(snapshot.get("version", 1)))


def _edge(snapshot: dict[str, Any]) -> EdgeRecord:
    data = {k: v for k, v in snapshot.items() if k not in _EDGE_FIELDS}
    account = snapshot.get("account_id")
    return EdgeRecord(str(snapshot["type"]), str(snapshot["id"]), str(snapshot["source"]),
                      str(snapshot["target"]), data, account if isinstance(account, str) else None,
                      str(snapshot.get("created_at", "")), str(snapshot.get("updated_at", "")),
                      int(snapshot.get("version", 1)))


# ---- reads as of a moment ----------------------------------------------------------------------------
# Each replays an account's history into records and projects them: many objects, none of them garbage,
# made with the cyclic collector held off (graph.collector; 100,000 contacts, in a process with Python's
# default thresholds: the map as of now in 9.6-10.7 s instead of 12.4-14.3 s, a period's two maps in 13-15 s
# instead of 18.5-21 s).


def _as_of(subgraph: AccountSubgraph, until: str) -> nx.MultiDiGraph:
    """A map replayed to ``until``, projected and frozen; it names its moment (``as_of``), so that what is
    read beside it — our team (:meth:`graph.store.Store.team_roster`) — is read as it stood then too."""
    graph = account_graph(subgraph)
    graph.graph["as_of"] = until
    return nx.freeze(graph)


def team_as_of(tx: Tx, until: str, limit: int) -> tuple[dict[str, Any], ...]:
    """Our team as it stood at ``until`` (records as ``Store.team_roster`` gives them: id and fields, by
    id, at most ``limit``), replayed from the shared history: nobody hired since, nobody left before."""
    nodes, _ = _records(tx, replay(tx.audit_of_accounts([SHARED_SCOPE], until=until), until))
    team = sorted((n for n in nodes.values() if n.kind == NodeKind.team_member), key=lambda n: n.id)
    return tuple({"id": n.id, **n.data} for n in team[:limit])


@collection_paused()
def account_graph_as_of(store: Store, account_id: str, until: str) -> nx.MultiDiGraph:
    """The account's map at ``until``, projected for scoring (frozen). NotFound when it did not exist."""
    subgraph = store.backend.read(lambda tx: subgraph_as_of(tx, account_id, until))
    if subgraph is None:
        raise NotFound(NodeKind.account, account_id, then=moment_words(until))
    return _as_of(subgraph, until)


@collection_paused()
def opportunity_graph_as_of(store: Store, opportunity_id: str, until: str) -> nx.MultiDiGraph:
    """The map, at ``until``, of the account the opportunity belonged to then."""

    def work(tx: Tx) -> AccountSubgraph | None:
        account_id = _account_of_opportunity(tx, opportunity_id, until)
        return subgraph_as_of(tx, account_id, until) if account_id else None

    subgraph = store.backend.read(work)
    if subgraph is None or not any(n.id == opportunity_id for n in subgraph.nodes):
        raise NotFound(NodeKind.opportunity, opportunity_id, then=moment_words(until))
    return _as_of(subgraph, until)


def _account_of_opportunity(tx: Tx, opportunity_id: str, until: str) -> str | None:
    current = tx.get_nodes([opportunity_id]).get(opportunity_id)
    if current is not None and current.kind == NodeKind.opportunity:
        return current.account_id
    # deleted since: its own history says where it was
    entries = tx.audit_of_accounts([], entity_ids=[opportunity_id], until=until)
    last = replay(entries, until).get((NODE, opportunity_id))
    return (last.account_id if last is not None and last.after is not None
            and last.entity_type == NodeKind.opportunity else None)


@collection_paused()
def export_as_of(store: Store, account_id: str, until: str) -> dict[str, list[dict[str, Any]]]:
    """The account's bundle as it stood at ``until`` (reviews held by then included); re-importable."""

    def work(tx: Tx) -> tuple[AccountSubgraph | None, list[NodeRecord], list[NodeRecord]]:
        entries = account_history(tx, account_id, until)
        subgraph = subgraph_as_of(tx, account_id, until, entries)
        if subgraph is None:
            return None, [], []
        # the parent accounts, and the accounts (and deals' competitors) of people from elsewhere, as then
        named = named_records([subgraph.account, *subgraph.nodes], lambda ids: _nodes_as_of(tx, ids, until))
        reviews = [r for r in _reviews(tx, account_id, entries, until)]
        return subgraph, named, reviews

    subgraph, named, reviews = store.backend.read(work)
    if subgraph is None:
        raise NotFound(NodeKind.account, account_id, then=moment_words(until))
    return bundle_of(subgraph, named, reviews)


def _reviews(tx: Tx, account_id: str, entries: Sequence[AuditEntry], until: str) -> list[NodeRecord]:
    """The account's reviews as recorded at ``until`` and held by then, newest first."""
    found = [_node(REVIEW, e.after) for e in replay(entries, until).values()
             if e.entity_type == REVIEW and e.after is not None and e.after.get("account_id") == account_id]
    held = [r for r in found if str(r.data.get("held_at", "")) <= until]
    return sorted(held, key=lambda r: (str(r.data.get("held_at", "")), r.id), reverse=True)


def _homes(latest: dict[Key, AuditEntry]) -> dict[str, str]:
    """The account of every contact the replayed entries leave standing (deleted ones left out)."""
    homes: dict[str, str] = {}
    for (family, id), entry in latest.items():
        if family != NODE or entry.entity_type != NodeKind.contact or entry.after is None:
            continue
        account = entry.after.get("account_id", entry.account_id)
        if isinstance(account, str):
            homes[id] = account
    return homes


def moves(tx: Tx, account_id: str, entries: Sequence[AuditEntry], since: str, until: str
          ) -> tuple[dict[str, str], dict[str, str]]:
    """Who moved between the account and another in (since, until], from the account's history (which
    holds the whole history of everyone ever filed under it): each mover's other account — where someone
    who moved in was at ``since``, where someone who moved out is at ``until`` — and the names of those
    accounts at ``until`` (their ids where the accounts are gone)."""
    then, now = _homes(replay(entries, since)), _homes(replay(entries, until))
    elsewhere = {c: home for c, home in then.items() if now.get(c) == account_id and home != account_id}
    elsewhere.update({c: home for c, home in now.items() if then.get(c) == account_id and home != account_id})
    if not elsewhere:
        return {}, {}
    accounts = _nodes_as_of(tx, set(elsewhere.values()), until)
    names = {id: str(node.data.get("name") or id) for id, node in accounts.items() if node.kind == NodeKind.account}
    return elsewhere, names


@collection_paused()
def period(store: Store, account_id: str, since: str, until: str | None = None) -> Period:
    """The account's map at ``since`` and at ``until`` (default: now), from one read of its history,
    with the last change of each record in between. NotFound when the account did not exist at
    ``until``."""
    end = until or now_iso()
    if since > end:
        raise InvalidGraph([{"loc": ["query", "since"], "msg": "since is later than until"}])

    def work(tx: Tx) -> tuple[AccountSubgraph | None, AccountSubgraph | None, list[AuditEntry],
                              list[NodeRecord], tuple[dict[str, str], dict[str, str]]]:
        entries = account_history(tx, account_id, end)
        later = subgraph_as_of(tx, account_id, end, entries)
        earlier = subgraph_as_of(tx, account_id, since, entries) if later is not None else None
        return earlier, later, entries, _reviews(tx, account_id, entries, end), moves(tx, account_id, entries,
                                                                                     since, end)

    earlier, later, entries, reviews, (elsewhere, names) = store.backend.read(work)
    if later is None:
        raise NotFound(NodeKind.account, account_id, then=moment_words(end))
    # (by type and id: a line or a review sharing a person's id does not stamp the person's changes)
    stamps = {(e.entity_type, e.entity_id): Stamp(e.at, e.actor) for e in entries if since < e.at <= end}
    return Period(account_id, since, end, nx.freeze(account_graph(earlier)) if earlier else None,
                  nx.freeze(account_graph(later)), stamps, reviews, elsewhere, names)


@collection_paused()
def graphs_at(store: Store, account_id: str, moments: Sequence[str]) -> list[nx.MultiDiGraph | None]:
    """The account's map at each moment (None where it did not exist yet), from one read."""
    if not moments:
        return []
    end = max(moments)

    def work(tx: Tx) -> list[AccountSubgraph | None]:
        entries = account_history(tx, account_id, end)
        return [subgraph_as_of(tx, account_id, m, entries) for m in moments]

    return [nx.freeze(account_graph(s)) if s is not None else None for s in store.backend.read(work)]
