"""The graph store: the domain's rules for reading and writing relationship maps, on any backend.

Validation of the graph model (references, allowed endpoints, acyclic reporting lines, decision-chain
members of the opportunity's account), optimistic versions, the audit trail and all-or-nothing imports
live here once; backends (:mod:`graph.sqlite`, :mod:`graph.neo4j`) only provide transactional
primitives (:class:`graph.backend.Tx`). Every write runs in one backend transaction.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar, cast

import networkx as nx
from pydantic import BaseModel, ValidationError

from graph.backend import SHARED_SCOPE, Backend, Tx
from graph.collector import collection_paused
from graph.contents import (
    StoreContents,
    copy_counted,
    holds_anything,
    in_parts,
    read_pages,
    refuse_unless_empty,
    same_contents,
    unfinished_copy,
    write_part,
)
from graph.errors import Conflict, InvalidGraph, NotFound, PreconditionFailed, StoreError, StoreUnavailable
from graph.map_cache import MapCache, NotingTx, finish_write
from graph.models import (
    BUNDLE_SECTIONS,
    EDGE_ENDPOINTS,
    NODE_MODELS,
    RELATIONSHIP_TYPES,
    Bundle,
    ChainMemberIn,
    EdgeType,
    NodeKind,
    RelationshipIn,
    ReviewIn,
    default_edge_id,
    edge_data,
    node_data,
)
from graph.records import (
    AccountSubgraph,
    ApiKey,
    AuditEntry,
    EdgeRecord,
    MapChanges,
    MapNode,
    NodeRecord,
    Page,
    json_text,
    now_iso,
)
from graph.references import naming, references_of

T = TypeVar("T")
Loc = tuple[str | int, ...]
ROLES = ("viewer", "editor", "admin")
MAX_PAGE = 500
ERASED_NAME = "[erased]"
SYMMETRIC_TYPES = frozenset({EdgeType.ALLY.value, EdgeType.RIVAL.value})   # one line per pair, both ways
TOMBSTONE_FIELDS = ("account_id", "level", "status", "knows_us")  # what an erased person's tombstone keeps
REVIEW = "review"  # the record kind of account reviews (not a node of the map)
NODE_KINDS = frozenset(kind.value for kind in NodeKind)     # the kinds that share the nodes' ids
EDGE_TYPES = frozenset(type_.value for type_ in EdgeType)   # the types that share the edges' ids


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_erased: int = 0  # rows that would have brought an erased person's data back, left out

    def as_json(self) -> dict[str, int]:
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        return {**counts, "kept_erased": self.kept_erased} if self.kept_erased else counts


@dataclass(frozen=True)
class PersonalData:
    """What the store holds about one person (an access request): their record (None once deleted),
    their relationships and decision-chain seats now, and every audit entry about them, the duplicates
    merged into them and their lines (deleted ones too, wherever filed), oldest first."""
    contact: NodeRecord | None
    lines: list[EdgeRecord]
    history: list[AuditEntry]


@dataclass(frozen=True)
class HandOver:
    """What a hand-over of our team member's relationships did: the lines moved to the new owner, those
    the new owner already held (theirs stand; the leaver's went), and the accounts they concern."""
    moved: int
    already_held: int
    accounts: tuple[str, ...]


def encode_cursor(last: str, listing: str) -> str:
    """The cursor after ``last`` in ``listing`` (the list and its filters: a cursor serves no other)."""
    return base64.urlsafe_b64encode(f"{listing}\n{last}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, listing: str) -> str | None:
    """The position a cursor of ``listing`` names; a 422 for anything else (garbage, or a cursor of
    another list or of the same list with other filters)."""
    if cursor is None:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    issued_for, _, last = value.partition("\n")
    if not last or len(value) > 600:
        raise InvalidGraph([{"loc": ["query", "cursor"], "msg": "not a cursor this server issued"}])
    if issued_for != listing:
        raise InvalidGraph([{"loc": ["query", "cursor"], "msg": "a cursor of another list (or of this list with "
                                                               "other filters): page on with the list it came from"}])
    return last


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _matching(key: ApiKey | None, digest: str) -> ApiKey | None:
    """The key found by its hash, if it is that hash (compared in constant time)."""
    return key if key is not None and hmac.compare_digest(key.key_hash, digest) else None


def _validation_errors(error: ValidationError, prefix: Loc) -> list[dict[str, Any]]:
    return [{"loc": [*prefix, *e["loc"]], "msg": e["msg"]} for e in error.errors()]


def _validated(model_type: type[Any], merged: dict[str, Any]) -> Any:
    """The merged fields of an update, validated as a whole; errors name the body's fields."""
    try:
        return model_type.model_validate(merged)
    except ValidationError as e:
        raise InvalidGraph(_validation_errors(e, ("body",))) from e


def _node_refs(record: NodeRecord) -> Iterable[tuple[str, str, NodeKind]]:
    """(field, referenced id, kind it must be) for every reference a node makes (graph.references)."""
    for reference, named in references_of(record):
        yield reference.field, named, reference.target


def _new_refs(record: NodeRecord, stored: NodeRecord | None) -> list[tuple[str, str, NodeKind]]:
    """The references ``record`` makes that its stored version (None: none stored) did not make."""
    made = set(_node_refs(stored)) if stored is not None else set()
    return [ref for ref in _node_refs(record) if ref not in made]


def shows_opportunity(graph: nx.MultiDiGraph | None, opportunity_id: str, account_id: str | None) -> bool:
    """Whether ``graph`` (the map of ``account_id``) shows the opportunity as one of that account's."""
    shown = graph.nodes.get(opportunity_id) if graph is not None else None
    return shown is not None and shown.get("kind") == "opportunity" and shown.get("account_id") == account_id


# Our people are read whole for the answers that name one of ours; a roster larger than this is cut.
ROSTER_LIMIT = 5000


class _Roster:
    """Our team as read for one map; carried to an edited map when the edit left our team alone."""

    def __init__(self, people: tuple[dict[str, Any], ...]) -> None:
        self.people = people

    def advance(self, graph: nx.MultiDiGraph, edit: Any) -> _Roster | None:
        return None if getattr(edit, "roster_changed", True) else self


class Store:
    """Relationship maps over one backend. ``actor`` on writes names who did it, for the audit trail.

    Projected account maps are kept (up to ``graph_cache_elements`` nodes and edges in all, about
    1.6 KiB each, least recently used out, the latest always kept; 0 keeps none) and kept current:
    every write bumps the revisions of the accounts whose map it changes and logs what it changed, in
    the same transaction, and a reader applies the changes since its map's revisions to a copy of it
    (:mod:`graph.map_cache`), so a reader never gets a stale map — also across processes. The writing
    process applies its own write to the maps it keeps as soon as it commits (from the records it wrote),
    so that its next read of them finds nothing new."""

    def __init__(self, backend: Backend, *, graph_cache_elements: int = 300_000) -> None:
        self.backend = backend
        self.maps = MapCache(graph_cache_elements)

    def _write(self, work: Callable[[Tx], T]) -> T:
        """Run a write transaction that also bumps the revisions of the accounts it changes and logs
        what it changed in their maps; once it commits, bring the kept maps it changed up to it
        (:meth:`graph.map_cache.MapCache.follow_write`)."""

        written: list[tuple[NotingTx, list[MapChanges]]] = []

        def revising(tx: Tx) -> T:
            noted = NotingTx(tx)
            result = work(cast(Tx, noted))
            written[:] = [(noted, finish_write(tx, noted))]   # the last try is the one committed
            return result

        result = self.backend.write(revising)
        noted, changes = written[0]
        with suppress(StoreUnavailable):        # committed: the next read follows instead
            self.maps.follow_write(changes, noted, _BackendReads(self.backend))
        return result

    # Maps are frozen and shared by concurrent requests; scoring keeps its work with them
    # (graph.projection). When a map of the account is kept, what changed since its revisions is read
    # first, at once (``Backend.map_news``: one round trip on Neo4j): a current map is then answered with
    # no transaction, and a stale one edited with the news; only a map that must be loaded afresh (none
    # kept, too much changed) takes a read transaction.

    def account_graph(self, account_id: str) -> nx.MultiDiGraph:
        """The account's map projected for scoring (see :mod:`graph.projection`); treat it as read-only."""
        graph, key = self._followed(account_id)
        if graph is None:
            graph = self.backend.read(lambda tx: self.maps.read(tx, account_id, key))
        if graph is None:
            raise NotFound(NodeKind.account, account_id)
        return graph

    def team_roster(self, graph: nx.MultiDiGraph | None = None) -> tuple[dict[str, Any], ...]:
        """Our whole team as records (id and fields), at most ``ROSTER_LIMIT``: a team member with no tie
        to the account yet is not in its map, and may still be the one to name (a counterpart). With a
        map (``account_graph``'s), read once and kept in its memo, which an edited map carries over
        unless our team (or the competitors: the shared scope) changed — so an edit of a contact does
        not cost another read. Without one (a review's comparison of two moments), read each time. A map
        as it stood at a past moment (``graph.graph["as_of"]``) gets our team as it stood then."""
        if graph is not None and graph.graph.get("as_of"):
            from graph.history import team_as_of

            until = str(graph.graph["as_of"])
            return self.backend.read(lambda tx: team_as_of(tx, until, ROSTER_LIMIT))
        memo = getattr(graph, "derived", None) if getattr(graph, "frozen", False) else None
        return (memo.get(_Roster, self._read_roster) if memo is not None else self._read_roster()).people

    def _read_roster(self) -> _Roster:
        people: list[dict[str, Any]] = []
        cursor = None
        while len(people) < ROSTER_LIMIT:
            page = self.list_nodes(NodeKind.team_member, limit=500, cursor=cursor)
            people += [{"id": record.id, **record.data} for record in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        return _Roster(tuple(people))

    def opportunity_graph(self, opportunity_id: str) -> nx.MultiDiGraph:
        """The map of the account an opportunity belongs to (the one its last read found it in, when that
        map, brought up to date, still shows it there)."""
        account = self.maps.home(opportunity_id)
        graph, key = self._followed(account) if account is not None else (None, None)
        if not shows_opportunity(graph, opportunity_id, account):
            known = key if graph is None else None
            graph = self.backend.read(lambda tx: self.maps.read_opportunity(tx, opportunity_id, known))
        if graph is None:
            raise NotFound(NodeKind.opportunity, opportunity_id)
        return graph

    def kept_map_account(self, id: str, *, opportunity: bool) -> str | None:
        """The account whose kept map would answer about ``id`` (the account itself, or the account the
        opportunity was last found in) when a map of it is kept; else None. Reads nothing."""
        account = self.maps.home(id) if opportunity else id
        return account if account is not None and self.maps.kept_key(account) is not None else None

    async def current_account_graph(self, account_id: str) -> nx.MultiDiGraph | None:
        """The account's kept map brought up to date, asked from the service's event loop: what changed
        since it was kept is read without blocking the loop (``Backend.map_news_async``: one round trip on
        Neo4j, a read in the process on SQLite); an unchanged map is handed out at once, a changed one is
        edited in a worker thread. None when no map is kept or it must be loaded afresh."""
        kept = self.maps.kept_key(account_id)
        if kept is None:
            return None
        news = await self.backend.map_news_async(account_id, kept)
        if news.key == kept:
            return self.maps.kept_at(account_id, kept)
        return await asyncio.to_thread(self.maps.follow, account_id, news, _BackendReads(self.backend))

    def _followed(self, account_id: str) -> tuple[nx.MultiDiGraph | None, tuple[int, int] | None]:
        """The kept map of the account brought up to date, or None and the revisions read (None: no
        map kept) when it must be loaded afresh."""
        kept = self.maps.kept_key(account_id)
        if kept is None:
            return None, None
        news = self.backend.map_news(account_id, kept)
        return self.maps.follow(account_id, news, _BackendReads(self.backend)), news.key

    # ---- nodes -------------------------------------------------------------------------------------

    def get_node(self, kind: NodeKind, id: str) -> NodeRecord:
        found = self.backend.read(lambda tx: tx.get_nodes([id])).get(id)
        if found is None or found.kind != kind:
            raise NotFound(kind, id)
        return found

    def list_nodes(self, kind: NodeKind, *, account_id: str | None = None, limit: int = 100,
                   cursor: str | None = None) -> Page[NodeRecord]:
        listing = f"{kind}|{account_id or ''}"
        after = decode_cursor(cursor, listing)
        rows = self.backend.read(lambda tx: tx.list_nodes(kind, account_id=account_id, after=after,
                                                           limit=limit + 1))
        return _page(rows, limit, listing)

    def create_node(self, kind: NodeKind, model: BaseModel, *, actor: str) -> NodeRecord:
        id = getattr(model, "id", None) or _new_id(kind)
        stamp = now_iso()
        record = NodeRecord(kind, id, node_data(model), stamp, stamp, 1)

        def work(tx: Tx) -> NodeRecord:
            if tx.get_nodes([id]):
                raise Conflict(f"id {id!r} is already taken", details={"id": id})
            self._check(tx, [(record, ("body",))], [])
            tx.put_nodes([record])
            tx.append_audit([_audit(actor, "create", kind, id, None, record.as_json())])
            return record

        return self._write(work)

    def update_node(self, kind: NodeKind, id: str, changes: dict[str, Any], *, actor: str,
                    if_version: int | None = None) -> NodeRecord:
        if "id" in changes and changes["id"] != id:
            raise InvalidGraph([{"loc": ["body", "id"], "msg": "an id cannot change"}])

        def work(tx: Tx) -> NodeRecord:
            current = _expect_node(tx, kind, id, if_version)
            merged = {**laid_over(kind, current.data, changes), "id": id}
            data = node_data(_validated(NODE_MODELS[kind], merged))
            if data == current.data:
                return current
            if is_erased(current):
                _refuse_unerasing(current, data)
            record = replace(current, data=data, updated_at=now_iso(), version=current.version + 1)
            self._check(tx, [(record, ("body",))], [], stored={id: current})
            tx.put_nodes([record])
            entries = [_audit(actor, "update", kind, id, current.as_json(), record.as_json())]
            if record.account_id != current.account_id:
                entries += self._refile(tx, tx.edges_touching([id]), {id: record}, actor, "update")
                if kind == NodeKind.opportunity:  # a review names its account's deals: this one no longer
                    entries += _leave_reviews(tx, _reviews_naming(tx, [current]), {id}, actor)
            tx.append_audit(entries)
            return record

        return self._write(work)

    def delete_node(self, kind: NodeKind, id: str, *, actor: str, cascade: bool = False,
                    if_version: int | None = None) -> None:
        def work(tx: Tx) -> None:
            current = _expect_node(tx, kind, id, if_version)
            # (all of it also when refused: the 409 says what cascade would take — a group's subsidiaries
            # with their people and deals)
            doomed_nodes = _with_referrers(tx, current)
            members = doomed_nodes[:-1]
            edges = tx.edges_touching([n.id for n in doomed_nodes])
            accounts = [n.id for n in doomed_nodes if n.kind == NodeKind.account]
            reviews = [r for account in accounts for r in tx.reviews_of_account(account)]
            deals = [n for n in doomed_nodes if n.kind == NodeKind.opportunity and n.account_id not in accounts]
            naming = _reviews_naming(tx, deals)
            if (edges or members or reviews or naming) and not cascade:
                seats = sum(e.type == EdgeType.MEMBER_OF for e in edges)
                held = [(sum(n.kind == NodeKind.account for n in members), "subsidiary account",
                         "subsidiary accounts"),
                        (sum(n.kind == NodeKind.contact for n in members), "contact", "contacts"),
                        (sum(n.kind == NodeKind.opportunity for n in members), "deal", "deals"),
                        (len(edges) - seats, "relationship", "relationships"),
                        (seats, "decision-chain seat", "decision-chain seats"),
                        (len(reviews) + len(naming), "review", "reviews")]
                raise Conflict(
                    f"{kind} {id!r} still has " + ", ".join(f"{n} {one if n == 1 else many}"
                                                            for n, one, many in held if n)
                    + (f"; delete them first, hand the relationships over (POST /v1/team/{id}/hand-over), "
                       "or pass cascade=true" if kind == NodeKind.team_member
                       else "; delete them first or pass cascade=true (which deletes them all)"),
                    details={"relationships": len(edges), "decision_chain_seats": seats, "members": len(members),
                             "reviews": len(reviews) + len(naming)})
            tx.delete_reviews([r.id for r in reviews])
            entries = [_audit(actor, "delete", REVIEW, r.id, r.as_json(), None) for r in reviews]
            entries += _leave_reviews(tx, naming, {n.id for n in deals}, actor)
            entries += [_audit(actor, "delete", e.type, e.id, e.as_json(), None) for e in edges]
            entries += [_audit(actor, "delete", n.kind, n.id, n.as_json(), None) for n in doomed_nodes]
            tx.delete_edges([e.id for e in edges])
            tx.delete_nodes([n.id for n in doomed_nodes])
            tx.append_audit(entries)

        self._write(work)

    def merge_contact(self, id: str, into: str, *, actor: str, if_version: int | None = None) -> NodeRecord:
        """Merge the record ``id``, found to be a duplicate of the person ``into`` (of the same account),
        into that one, in one transaction: the kept record's fields stand and the duplicate's fill those it
        lacks (nested ones field by field; they know us if either says so, last met at the later date);
        every line and decision-chain seat of the duplicate moves to the kept record — a line it already has
        of that type to that person (a seat on that deal) stays as it is, filled the same way (a seat's
        default stance and influence count as unknown), and a line between the two is dropped —; then the
        duplicate is deleted.
        A generated line id is generated again for its new ends; a client's id is kept. Audited as a
        "merge", entry by entry, so the history shows the duplicate removed and its lines moved. The graph
        rules hold as on any write (a reporting cycle the move would make is refused, naming it)."""
        if id == into:
            raise InvalidGraph([{"loc": ["body", "into"], "msg": "a contact cannot be merged into itself"}])

        def work(tx: Tx) -> NodeRecord:
            duplicate = _expect_node(tx, NodeKind.contact, id, if_version)
            kept = tx.get_nodes([into]).get(into)
            if kept is None or kept.kind != NodeKind.contact:
                raise InvalidGraph([{"loc": ["body", "into"], "msg": f"no contact with id {into!r}"}])
            if kept.account_id != duplicate.account_id:
                raise InvalidGraph([{"loc": ["body", "into"], "msg": f"contact {into!r} is at account "
                                     f"{kept.account_id!r}, {id!r} at {duplicate.account_id!r}: a duplicate is a "
                                     "second record of one person at one account"}])
            if is_erased(duplicate) or is_erased(kept):
                raise Conflict(f"contact {(id if is_erased(duplicate) else into)!r} was erased: an erased person "
                               "is not merged", details={"id": id, "into": into, "erased": True})
            stamp = now_iso()
            fields = laid_over(NodeKind.contact, duplicate.data, kept.data)
            # what either record knows of the person: they know us if either says so, and were last met
            # at the later of the two dates
            fields["knows_us"] = bool(kept.data.get("knows_us") or duplicate.data.get("knows_us"))
            met = [d for d in (kept.data.get("last_contact_at"), duplicate.data.get("last_contact_at")) if d]
            if met:
                fields["last_contact_at"] = max(met)
            data = node_data(_validated(NODE_MODELS[NodeKind.contact], {**fields, "id": into}))
            merged = replace(kept, data=data, updated_at=stamp, version=kept.version + 1)
            theirs = tx.edges_touching([id])
            held = {_line_key(e): e for e in tx.edges_touching([into])}
            before: dict[str, EdgeRecord | None] = {}     # the lines written, as they were (None: new)
            for edge in theirs:
                line = _moved_edge(edge, id, into, rename_client_id=False)
                if line.source == line.target:
                    continue                               # a line between the two records of one person
                same = held.get(key := _line_key(line))
                if same is None:
                    held[key] = replace(line, created_at=stamp, updated_at=stamp, version=1)
                    before[line.id] = None
                elif (filled := merge_patch(line.data, _known(same))) != same.data:
                    held[key] = replace(same, data=filled, updated_at=stamp, version=same.version + 1)
                    before.setdefault(same.id, same)
            written = [e for e in held.values() if e.id in before]
            tx.delete_edges([e.id for e in theirs])
            tx.delete_nodes([id])
            placed = self._check(tx, [(merged, ("body",))], [(e, ("body",)) for e in written], stored={into: kept})
            if data != kept.data:
                tx.put_nodes([merged])
            tx.put_edges(placed)
            entries = [_audit(actor, "merge", e.type, e.id, e.as_json(), None, stamp) for e in theirs]
            entries += [_audit(actor, "merge", e.type, e.id, _as_json(before[e.id]), e.as_json(), stamp) for e in placed]
            # (the kept record's id with the duplicate's last state: an erasure of the person finds it)
            entries.append(_audit(actor, "merge", NodeKind.contact, id, {**duplicate.as_json(), MERGED_INTO: into},
                                  None, stamp))
            if data != kept.data:
                entries.append(_audit(actor, "merge", NodeKind.contact, into, kept.as_json(), merged.as_json(), stamp))
            tx.append_audit(entries)
            return merged if data != kept.data else kept

        return self._write(work)

    def hand_over(self, id: str, to: str, *, account_id: str | None = None, actor: str) -> HandOver:
        """Hand our team member ``id``'s client relationships (COVERS, MIRRORS) — at one account, or at
        all — over to team member ``to``, in one audited transaction: a rep who leaves, or a reshuffle.
        A moved coverage line keeps its note, not its closeness or last contact (the leaver's, not the new
        owner's: the model's default closeness until the new owner records theirs); a line the new owner
        already holds to that person stands, and the leaver's goes. The leaver stays a team member (delete
        them once nothing is left). Audited as a "hand_over", line by line."""
        if id == to:
            raise InvalidGraph([{"loc": ["body", "to"], "msg": "a team member cannot hand over to themselves"}])

        def work(tx: Tx) -> HandOver:
            _expect_node(tx, NodeKind.team_member, id, None)
            found = tx.get_nodes([to, *([account_id] if account_id else [])])
            if (heir := found.get(to)) is None or heir.kind != NodeKind.team_member:
                raise InvalidGraph([{"loc": ["body", "to"], "msg": f"no team member with id {to!r}"}])
            if account_id and ((account := found.get(account_id)) is None or account.kind != NodeKind.account):
                raise InvalidGraph([{"loc": ["body", "account_id"], "msg": f"no account with id {account_id!r}"}])
            lines = [e for e in tx.edges_touching([id]) if e.type in (EdgeType.COVERS, EdgeType.MIRRORS)
                     and e.source == id and (account_id is None or e.account_id == account_id)]
            held = {_line_key(e) for e in tx.edges_touching([to])}
            stamp = now_iso()
            moved = []
            for line in lines:
                new = _moved_edge(line, id, to, rename_client_id=False)
                if _line_key(new) in held:
                    continue
                held.add(_line_key(new))
                kept = {k: v for k, v in new.data.items() if k not in ("closeness", "last_contact_at")}
                moved.append(replace(new, data=kept, created_at=stamp, updated_at=stamp, version=1))
            tx.delete_edges([e.id for e in lines])
            placed = self._check(tx, [], [(e, ("body",)) for e in moved])
            tx.put_edges(placed)
            tx.append_audit([_audit(actor, "hand_over", e.type, e.id, e.as_json(), None, stamp) for e in lines]
                            + [_audit(actor, "hand_over", e.type, e.id, None, e.as_json(), stamp) for e in placed])
            return HandOver(len(placed), len(lines) - len(placed),
                            tuple(sorted({e.account_id for e in lines if e.account_id})))

        return self._write(work)

    def personal_data(self, id: str) -> PersonalData:
        """Everything held about the person ``id`` — for their access request (PIPL art. 45, GDPR art.
        15) — found as an erasure finds it (:func:`_traces_in_audit`), in one read transaction."""

        def work(tx: Tx) -> PersonalData:
            current = tx.get_nodes([id]).get(id)
            contact = current if current is not None and current.kind == NodeKind.contact else None
            duplicates, lines = _traces_in_audit(tx, id, every_line=True)
            people = {id, *duplicates}
            history = [e for e in tx.audit_of_accounts([], entity_ids=[*people, *lines], until=None)
                       if (e.entity_id in people and e.entity_type == NodeKind.contact)
                       or (e.entity_id in lines and e.entity_type in EDGE_TYPES)]
            if contact is None and not any(e.entity_id == id for e in history):
                raise NotFound(NodeKind.contact, id)
            return PersonalData(contact, tx.edges_touching([id]) if contact else [], history)

        return self.backend.read(work)

    def erase_contact(self, id: str, *, actor: str) -> NodeRecord:
        """Remove a person's personal data for good, keeping a tombstone so the map stays whole.

        The name, title, notes and contact dates go; so do their entrenched interests (personal, as
        redaction treats them), the notes on their relationships and every copy of all this in the
        audit trail — also for a person already deleted, whose history is all that is left. The
        erasure itself is audited (without the erased data). The tombstone is a valid contact named
        ``[erased]`` (account, level and status kept), so the account's export still re-imports; an
        import that brings the person back (an old export) leaves the tombstone as it is.

        Everything happens in one write transaction, history scan included, so a write racing the
        erasure is either wholly before it (and erased) or after it; the scan reads only the history
        of the person's account, so the transaction stays short."""

        def work(tx: Tx) -> tuple[NodeRecord, bool]:
            current = tx.get_nodes([id]).get(id)
            # the person's own entries (an edge or a review may bear the same id)
            history = [e for e in tx.audit_of_accounts([], entity_ids=[id], until=None)
                       if e.entity_type == NodeKind.contact]
            if current is None or current.kind != NodeKind.contact:
                last = next((e.after or e.before for e in reversed(history) if e.after or e.before), None)
                if current is not None or last is None:
                    raise NotFound(NodeKind.contact, id)
                account_id = last.get("account_id") or next(
                    (e.account_id for e in reversed(history) if e.account_id), "")  # (scrubbed: as filed)
                current = NodeRecord(NodeKind.contact, id, {"account_id": str(account_id), "name": ERASED_NAME},
                                     str(last.get("created_at", "")), now_iso(), int(last.get("version", 0)))
                tombstone, stored = current, False
            else:
                kept = {k: v for k, v in current.data.items() if k in TOMBSTONE_FIELDS}
                tombstone = replace(current, data=node_data(NODE_MODELS[NodeKind.contact].model_validate(
                                        {**kept, "name": ERASED_NAME})),
                                    updated_at=now_iso(), version=current.version + 1)
                stored = True
            # An id that is itself personal data (an e-mail address, a phone number) is replaced by an
            # opaque one everywhere: the tombstone, its relationships (and their generated ids), the trail.
            new_id = opaque_id(id) if is_personal_id(id) else id
            edges = tx.edges_touching([id]) if stored else []
            interests = [e for e in edges if e.type == EdgeType.HAS_INTEREST and e.source == id]
            changing = [e for e in edges if e not in interests and ("note" in e.data or new_id != id)]
            scrubbed = [_moved_edge(replace(e, data={k: v for k, v in e.data.items() if k != "note"},
                                            updated_at=tombstone.updated_at, version=e.version + 1), id, new_id)
                        for e in changing]
            renamed = {old.id: new.id for old, new in zip(changing, scrubbed, strict=True)}
            duplicates, touched = _traces_in_audit(tx, id)
            if (_erased_already(history) and not interests and not changing and not touched and not duplicates
                    and (not stored or (tombstone.data == current.data and new_id == id))):
                return current, False   # erased before, and nothing personal written since: nothing to do
            if stored:
                tombstone = replace(tombstone, id=new_id)
                tx.put_nodes([tombstone])
                tx.delete_edges([e.id for e in interests] + [old for old, new in renamed.items() if old != new])
                tx.put_edges(scrubbed)
                if new_id != id:
                    tx.delete_nodes([id])
            # (the person's entries and their lines', not those of a record of another kind with the same id)
            tx.scrub_audit(id, NODE_KINDS, {"erased": True}, rename_to=new_id if new_id != id else None)
            for duplicate in duplicates:          # the person's records merged into this one, deleted since
                tx.scrub_audit(duplicate, NODE_KINDS, {"erased": True},
                               rename_to=opaque_id(duplicate) if is_personal_id(duplicate) else None)
            for record_id in sorted({*(e.id for e in interests), *renamed, *touched}):
                target = renamed.get(record_id)
                tx.scrub_audit(record_id, EDGE_TYPES, {"erased": True},
                               rename_to=target if target != record_id else None)
            tx.append_audit([replace(_audit(actor, "delete", e.type, e.id, {"erased": True}, None),
                                     account_id=audit_account(e.type, e.id, e.as_json(), None)) for e in interests])
            tx.append_audit([_audit(actor, "erase", NodeKind.contact, new_id, {"erased": True},
                                    tombstone.as_json() if stored else {"id": new_id, "erased": True})])
            for personal in [i for i in (id, *duplicates) if is_personal_id(i)]:
                tx.forget_changes_naming(personal)   # last: this write's own changes are logged as "everything"
            return tombstone, True

        tombstone, wrote = self._write(work)
        if wrote:
            self.backend.purge()
        return tombstone

    # ---- edges -------------------------------------------------------------------------------------

    def get_edge(self, id: str, *, types: Sequence[str] = RELATIONSHIP_TYPES) -> EdgeRecord:
        found = self.backend.read(lambda tx: tx.get_edges([id])).get(id)
        if found is None or found.type not in types:
            raise NotFound("relationship", id)
        return found

    def list_edges(self, *, types: Sequence[str] = RELATIONSHIP_TYPES, account_id: str | None = None,
                   target: str | None = None, limit: int = 100,
                   cursor: str | None = None) -> Page[EdgeRecord]:
        listing = f"edges|{','.join(types)}|{account_id or ''}|{target or ''}"
        after = decode_cursor(cursor, listing)
        rows = self.backend.read(lambda tx: tx.list_edges(types=types, account_id=account_id, target=target,
                                                           after=after, limit=limit + 1))
        return _page(rows, limit, listing)

    def create_edge(self, model: RelationshipIn | ChainMemberIn, *, actor: str) -> EdgeRecord:
        record = _edge_record(model)

        def work(tx: Tx) -> EdgeRecord:
            if tx.get_edges([record.id]):
                raise Conflict(f"relationship {record.id!r} already exists", details={"id": record.id})
            placed = self._check(tx, [], [(record, ("body",))])[0]
            _refuse_personal_of_erased(tx, placed)
            tx.put_edges([placed])
            tx.append_audit([_audit(actor, "create", placed.type, placed.id, None, placed.as_json())])
            return placed

        return self._write(work)

    def update_edge(self, id: str, changes: dict[str, Any], *, actor: str, if_version: int | None = None,
                    types: Sequence[str] = RELATIONSHIP_TYPES) -> EdgeRecord:
        return self._update_edge(lambda tx: _expect_edge(tx, id, if_version, types), changes, actor=actor)

    def get_member(self, opportunity_id: str, contact_id: str) -> EdgeRecord:
        """A contact's place in an opportunity's decision chain, found by its two ends."""
        return self.backend.read(lambda tx: _expect_member(tx, opportunity_id, contact_id, None))

    def update_member(self, opportunity_id: str, contact_id: str, changes: dict[str, Any], *, actor: str,
                      if_version: int | None = None) -> EdgeRecord:
        """Change a contact's place in an opportunity's decision chain, found by its two ends (never by
        an id built from them)."""
        return self._update_edge(lambda tx: _expect_member(tx, opportunity_id, contact_id, if_version),
                                 changes, actor=actor)

    def remove_member(self, opportunity_id: str, contact_id: str, *, actor: str,
                      if_version: int | None = None) -> None:
        self._delete_edge(lambda tx: _expect_member(tx, opportunity_id, contact_id, if_version), actor=actor)

    def _update_edge(self, locate: Callable[[Tx], EdgeRecord], changes: dict[str, Any], *,
                     actor: str) -> EdgeRecord:
        def work(tx: Tx) -> EdgeRecord:
            current = locate(tx)
            id = current.id
            fixed = ({"type": current.type, "source": current.source, "target": current.target}
                     if current.type != EdgeType.MEMBER_OF
                     else {"contact_id": current.source, "opportunity_id": current.target})
            for key in fixed.keys() & changes.keys():
                if changes[key] != fixed[key]:
                    raise InvalidGraph([{"loc": ["body", key], "msg": "endpoints and type cannot change"}])
            merged = {**merge_patch(current.data, changes), **fixed, "id": id}
            model_type = ChainMemberIn if current.type == EdgeType.MEMBER_OF else RelationshipIn
            if model_type is ChainMemberIn:
                merged.pop("id")
            data = edge_data(_validated(model_type, merged))
            if data == current.data:
                return current
            if _kind_changed(current, data):
                raise InvalidGraph([{"loc": ["body", "kind"], "msg": KIND_FIXED}])
            record = replace(current, data=data, updated_at=now_iso(), version=current.version + 1)
            _refuse_personal_of_erased(tx, record)
            tx.put_edges([record])
            tx.append_audit([_audit(actor, "update", record.type, id, current.as_json(), record.as_json())])
            return record

        return self._write(work)

    def delete_edge(self, id: str, *, actor: str, if_version: int | None = None,
                    types: Sequence[str] = RELATIONSHIP_TYPES) -> None:
        self._delete_edge(lambda tx: _expect_edge(tx, id, if_version, types), actor=actor)

    def _delete_edge(self, locate: Callable[[Tx], EdgeRecord], *, actor: str) -> None:
        def work(tx: Tx) -> None:
            current = locate(tx)
            tx.delete_edges([current.id])
            tx.append_audit([_audit(actor, "delete", current.type, current.id, current.as_json(), None)])

        self._write(work)

    # ---- bulk --------------------------------------------------------------------------------------

    def import_bundle(self, bundle: Bundle, *, actor: str, dry_run: bool = False) -> dict[str, Counts]:
        """Upsert a bundle by id, all or nothing. Rows equal to what is stored are left untouched, so a
        second identical import changes nothing. Raises InvalidGraph naming each offending row."""
        with collection_paused():
            return self._import_bundle(bundle, actor=actor, dry_run=dry_run)

    def import_merged(self, merge: Callable[[Tx], tuple[Bundle, Sequence[EdgeRecord]]], *, actor: str,
                      dry_run: bool = False) -> dict[str, Counts]:
        """An import whose bundle is made in its own write transaction from what is stored — ``merge(tx)``
        gives the bundle (a CSV's cells laid over the stored records they name: an edit made meanwhile is
        neither lost nor overwritten) and the stored relationships it replaces, deleted first (audited).
        Then as :meth:`import_bundle`, all or nothing; a dry run does it all and rolls it back."""

        def work(tx: Tx) -> dict[str, Counts]:
            bundle, replaced = merge(tx)
            if replaced:
                tx.delete_edges([e.id for e in replaced])
                tx.append_audit([_audit(actor, "delete", e.type, e.id, e.as_json(), None) for e in replaced])
            counts = self._importing(bundle, actor=actor, dry_run=False, over_stored=False)(tx)
            if dry_run:
                raise _RolledBack(counts)
            return counts

        with collection_paused():
            try:
                return self._write(work)
            except _RolledBack as done:
                return done.counts

    def _import_bundle(self, bundle: Bundle, *, actor: str, dry_run: bool) -> dict[str, Counts]:
        work = self._importing(bundle, actor=actor, dry_run=dry_run)
        return self.backend.read(work) if dry_run else self._write(work)

    def _importing(self, bundle: Bundle, *, actor: str, dry_run: bool,
                   over_stored: bool = True) -> Callable[[Tx], dict[str, Counts]]:
        """The unit of work that imports ``bundle`` (checked first: InvalidGraph names the rows that
        contradict each other); it writes nothing when ``dry_run``. ``over_stored``: a row of a record
        already stored is laid over it as a PATCH body is (the fields it gives, null clearing one; those
        it leaves out keep their stored values); without it (rows already merged: a CSV's) a row is the
        record as it is to be."""
        errors: list[dict[str, Any]] = []
        stamp = now_iso()
        # The stored form of every row from one dump of the whole bundle (what node_data and edge_data
        # give row by row, at a fraction of the cost of a dump per row).
        dumped = bundle.model_dump(mode="json", exclude_none=True,
                                   include={*BUNDLE_SECTIONS, "relationships", "decision_chain"})
        # (The loops over rows below run once per row of an import: _add_unique written out in them.)
        given_nodes: dict[str, tuple[NodeRecord, Loc]] = {}
        for section, kind in BUNDLE_SECTIONS.items():
            for i, row in enumerate(dumped.get(section, ())):
                if not row.get("id"):
                    errors.append(_unkeyed((section, i)))
                    continue
                record = NodeRecord(kind, row["id"],
                                    {k: v for k, v in row.items() if k != "id" and v != {}}, stamp, stamp, 1)
                seen = given_nodes.setdefault(record.id, (record, (section, i)))
                if seen[0] is not record and (seen[0].kind, seen[0].data) != (record.kind, record.data):
                    errors.append(_repeated(record.id, (section, i), seen[1]))
        given_edges: dict[str, tuple[EdgeRecord, Loc]] = {}
        for section in ("relationships", "decision_chain"):
            for i, row in enumerate(dumped.get(section, ())):
                edge = _dumped_edge_record(row, stamp)
                seen_edge = given_edges.setdefault(edge.id, (edge, (section, i)))
                if seen_edge[0] is not edge and (seen_edge[0].type, seen_edge[0].source, seen_edge[0].target,
                                                 seen_edge[0].data) != (edge.type, edge.source, edge.target,
                                                                        edge.data):
                    errors.append(_repeated(edge.id, (section, i), seen_edge[1]))
        reviews: dict[str, tuple[NodeRecord, Loc]] = {}
        undated: set[str] = set()  # reviews given without held_at: a stored one keeps its moment
        for i, review in enumerate(bundle.reviews):
            if not review.id:
                errors.append(_unkeyed(("reviews", i)))
                continue
            record = _review_record(review, stamp)
            _add_unique(reviews, record, ("reviews", i), errors, lambda r: r.data)
            if review.held_at is None:
                undated.add(record.id)
        if errors:
            raise InvalidGraph(errors)

        def work(tx: Tx) -> dict[str, Counts]:
            # The rows as this run lays them over the store (its own copies: a unit of work the driver
            # runs again after a transient error starts from the rows as given)
            nodes, edges = dict(given_nodes), dict(given_edges)
            stored_nodes = tx.get_nodes(list(nodes))
            stored_edges = tx.get_edges(list(edges))
            problems: list[dict[str, Any]] = []
            node_writes, edge_writes, audit = [], [], []
            counts: dict[str, list[int]] = {s: [0, 0, 0, 0] for s in (*BUNDLE_SECTIONS, "relationships",
                                                                      "decision_chain", "reviews")}
            # An erased person stays erased: an old export that names them leaves their tombstone as it
            # is, their interests out and their relationships without notes (counted as kept_erased).
            if over_stored:
                for edge_id, (edge, loc) in list(edges.items()):
                    old_edge = stored_edges.get(edge_id)
                    if old_edge is not None and (old_edge.type, old_edge.source, old_edge.target) \
                            == (edge.type, edge.source, edge.target):
                        data = _row_over_stored(bundle, loc, old_edge.type, old_edge.data, problems)
                        edges[edge_id] = (replace(edge, data=data if data is not None else edge.data), loc)
            erased = {id for id, n in stored_nodes.items() if n.kind == NodeKind.contact
                      and n.data.get("name") == ERASED_NAME}
            for id in erased & nodes.keys():
                if nodes[id][0].data != stored_nodes[id].data:
                    counts[str(nodes[id][1][0])][3] += 1
                    nodes[id] = (replace(nodes[id][0], data=stored_nodes[id].data), nodes[id][1])
            for edge_id, (edge, loc) in list(edges.items()) if erased else ():
                if erased & {edge.source, edge.target} and (edge.type == EdgeType.HAS_INTEREST or "note" in edge.data):
                    counts[str(loc[0])][3] += 1
                    if edge.type == EdgeType.HAS_INTEREST and edge.source in erased:
                        del edges[edge_id]
                    else:
                        edges[edge_id] = (replace(edge, data={k: v for k, v in edge.data.items() if k != "note"}),
                                          loc)
            for id, (record, loc) in nodes.items():
                old = stored_nodes.get(id)
                if old is None:  # created (most rows of a first import): _outcome 0 and _audit written out
                    counts[str(loc[0])][0] += 1
                    node_writes.append(record)
                    after = record.as_json()
                    audit.append(AuditEntry(stamp, actor, "import", str(record.kind), id, None, after,
                                            account_id=audit_account(str(record.kind), id, None, after)))
                    continue
                if old.kind != record.kind:
                    problems.append({"loc": ["body", *loc, "id"],
                                     "msg": f"id {id!r} is already a {old.kind}, not a {record.kind}"})
                    continue
                if over_stored and id not in erased:
                    data = _row_over_stored(bundle, loc, old.kind, old.data, problems)
                    if data is None:
                        continue
                    record = replace(record, data=data)
                    nodes[id] = (record, loc)
                outcome = _outcome(old, record.data)
                counts[str(loc[0])][outcome] += 1
                if outcome < 2:
                    new = replace(old, data=record.data, updated_at=stamp, version=old.version + 1)
                    nodes[id] = (new, loc)
                    node_writes.append(new)
                    audit.append(_audit(actor, "import", new.kind, id, old.as_json(), new.as_json(), stamp))
            checked = self._check(tx, list(nodes.values()), list(edges.values()), problems, stored=stored_nodes)
            for edge, (_, loc) in zip(checked, edges.values(), strict=True):
                old_edge = stored_edges.get(edge.id)
                if old_edge is None:  # created, as for nodes above
                    counts[str(loc[0])][0] += 1
                    edge_writes.append(edge)
                    after = edge.as_json()
                    audit.append(AuditEntry(stamp, actor, "import", str(edge.type), edge.id, None, after,
                                            account_id=audit_account(str(edge.type), edge.id, None, after)))
                    continue
                if (old_edge.type, old_edge.source, old_edge.target) != (edge.type, edge.source, edge.target):
                    problems.append({"loc": ["body", *loc, "id"],
                                     "msg": f"relationship {edge.id!r} already joins other nodes"})
                    continue
                if _kind_changed(old_edge, edge.data):
                    problems.append({"loc": ["body", *loc, "kind"], "msg": KIND_FIXED})
                    continue
                outcome = _outcome(old_edge, edge.data, old_account=old_edge.account_id, new_account=edge.account_id)
                counts[str(loc[0])][outcome] += 1
                if outcome < 2:
                    new_edge = replace(old_edge, data=edge.data, account_id=edge.account_id, updated_at=stamp,
                                       version=old_edge.version + 1)
                    edge_writes.append(new_edge)
                    audit.append(_audit(actor, "import", new_edge.type, new_edge.id, old_edge.as_json(),
                                        new_edge.as_json(), stamp))
            problems += _review_problems(tx, list(reviews.values()), {n.id: n for n, _ in nodes.values()})
            stored_reviews = tx.get_reviews(list(reviews))
            review_writes = []
            for review, loc in reviews.values():
                old_review = stored_reviews.get(review.id)
                if old_review is not None and review.id in undated:
                    review = replace(review, data={**review.data, "held_at": old_review.data["held_at"]})
                outcome = _outcome(old_review, review.data)
                counts["reviews"][outcome] += 1
                if outcome < 2:
                    new_review = review if old_review is None else replace(
                        old_review, data=review.data, updated_at=stamp, version=old_review.version + 1)
                    review_writes.append(new_review)
                    audit.append(_audit(actor, "import", REVIEW, review.id,
                                        old_review.as_json() if old_review else None, new_review.as_json(),
                                        stamp))
            if problems:
                raise InvalidGraph(problems)
            if not dry_run:
                tx.put_nodes(node_writes)
                tx.put_edges(edge_writes)
                tx.put_reviews(review_writes)
                # Stored relationships of nodes that moved to another account move with them, as on
                # update_node (they were left filed under the old account).
                moved = {n.id: n for n in node_writes
                         if n.id in stored_nodes and stored_nodes[n.id].account_id != n.account_id}
                written = {e.id for e in edge_writes}
                stale = [e for e in tx.edges_touching(list(moved)) if e.id not in written] if moved else []
                audit += self._refile(tx, stale, moved, actor, "import")
                # Deals that moved leave the old account's reviews, as on update_node (a review the bundle
                # itself writes was checked against where its deals are now).
                deals = [stored_nodes[id] for id, n in moved.items() if n.kind == NodeKind.opportunity]
                naming = [r for r in _reviews_naming(tx, deals) if r.id not in reviews] if deals else []
                audit += _leave_reviews(tx, naming, {d.id for d in deals}, actor)
                tx.append_audit(audit)
            return {section: Counts(*c) for section, c in counts.items()}

        return work

    def export_account(self, account_id: str) -> dict[str, list[dict[str, Any]]]:
        """The account's bundle (with every record its map names: its parent accounts, the accounts of
        people from elsewhere its lines reach), which re-imports into an empty store as the same graph."""

        def work(tx: Tx) -> tuple[AccountSubgraph | None, list[NodeRecord], list[NodeRecord]]:
            subgraph = tx.account_subgraph(account_id)
            if subgraph is None:
                return None, [], []
            # its parent accounts (a group of any depth), and the accounts of people from elsewhere
            named = named_records([subgraph.account, *subgraph.nodes], tx.get_nodes)
            return subgraph, named, tx.reviews_of_account(account_id)

        subgraph, named, reviews = self.backend.read(work)
        if subgraph is None:
            raise NotFound(NodeKind.account, account_id)
        return bundle_of(subgraph, named, reviews)

    # ---- reviews -----------------------------------------------------------------------------------

    def create_review(self, model: ReviewIn, *, actor: str) -> NodeRecord:
        """Record a review point of an account (audited); its opportunities must be the account's."""
        record = _review_record(model, now_iso())

        def work(tx: Tx) -> NodeRecord:
            if tx.get_reviews([record.id]):
                raise Conflict(f"id {record.id!r} is already taken", details={"id": record.id})
            errors = _review_problems(tx, [(record, ("body",))], {})
            if any(e["loc"][-1] == "account_id" for e in errors):
                raise NotFound(NodeKind.account, str(record.account_id))
            if errors:
                raise InvalidGraph(errors)
            tx.put_reviews([record])
            tx.append_audit([_audit(actor, "create", REVIEW, record.id, None, record.as_json())])
            return record

        return self._write(work)

    def get_review(self, id: str) -> NodeRecord:
        found = self.backend.read(lambda tx: tx.get_reviews([id])).get(id)
        if found is None:
            raise NotFound(REVIEW, id)
        return found

    def list_reviews(self, account_id: str, *, limit: int = 100, cursor: str | None = None) -> Page[NodeRecord]:
        """The account's reviews, newest first; the cursor is the position in that order."""
        listing = f"reviews|{account_id}"
        token = decode_cursor(cursor, listing)
        if token is not None and not (token.isascii() and token.isdigit() and len(token) <= 9):
            raise InvalidGraph([{"loc": ["query", "cursor"], "msg": "not a cursor this server issued"}])
        start = int(token) if token is not None else 0

        def work(tx: Tx) -> list[NodeRecord] | None:
            account = tx.get_nodes([account_id]).get(account_id)
            if account is None or account.kind != NodeKind.account:
                return None
            return tx.reviews_of_account(account_id)

        reviews = self.backend.read(work)
        if reviews is None:
            raise NotFound(NodeKind.account, account_id)
        more = len(reviews) > start + limit
        return Page(reviews[start:start + limit], encode_cursor(str(start + limit), listing) if more else None)

    def account_subgraph(self, account_id: str) -> AccountSubgraph:
        subgraph = self.backend.read(lambda tx: tx.account_subgraph(account_id))
        if subgraph is None:
            raise NotFound(NodeKind.account, account_id)
        return subgraph

    # ---- audit and keys ----------------------------------------------------------------------------

    def list_audit(self, *, entity_id: str | None = None, limit: int = 100,
                   cursor: str | None = None) -> Page[AuditEntry]:
        # Every backend numbers audit entries with integers in commit order: a cursor is the seq of the
        # last entry of the previous page.
        listing = f"audit|{entity_id or ''}"
        token = decode_cursor(cursor, listing)
        if token is not None and not (token.isascii() and token.isdigit() and len(token) <= 18):
            raise InvalidGraph([{"loc": ["query", "cursor"], "msg": "not a cursor this server issued"}])
        before = int(token) if token is not None else None
        rows = self.backend.read(lambda tx: tx.list_audit(entity_id=entity_id, before=before,
                                                           limit=limit + 1))
        more = len(rows) > limit
        return Page(rows[:limit], encode_cursor(str(rows[limit - 1].seq), listing) if more else None)

    def create_key(self, role: str, *, name: str = "", actor: str = "cli") -> tuple[ApiKey, str]:
        """A new API key; the secret is returned once and only its hash is stored."""
        if role not in ROLES:
            raise InvalidGraph([{"loc": ["role"], "msg": f"role must be one of {', '.join(ROLES)}"}])
        secret = "gx_" + secrets.token_urlsafe(32)
        key = ApiKey(id="key_" + secrets.token_hex(6), role=role, name=name or role,
                     key_hash=hash_key(secret), created_at=now_iso())

        def work(tx: Tx) -> None:
            tx.put_key(key)
            tx.append_audit([_audit(actor, "create", "api_key", key.id, None,
                                    {"id": key.id, "role": role, "name": key.name})])

        self._write(work)
        return key, secret

    def find_key(self, secret: str) -> ApiKey | None:
        digest = hash_key(secret)
        return _matching(self.backend.read(lambda tx: tx.key_by_hash(digest)), digest)

    async def find_key_async(self, secret: str) -> ApiKey | None:
        """:meth:`find_key` from the service's event loop (``Backend.key_by_hash_async``)."""
        digest = hash_key(secret)
        return _matching(await self.backend.key_by_hash_async(digest), digest)

    def revoke_key(self, key_id: str, *, actor: str = "cli") -> None:
        def work(tx: Tx) -> None:
            if not tx.delete_key(key_id):
                raise NotFound("api_key", key_id)
            tx.append_audit([_audit(actor, "revoke", "api_key", key_id, {"id": key_id}, None)])

        self._write(work)

    def list_keys(self) -> list[ApiKey]:
        return self.backend.read(lambda tx: tx.list_keys())

    # ---- a whole store --------------------------------------------------------------------------------

    def contents(self) -> StoreContents:
        """Everything the store holds (:class:`graph.contents.StoreContents`), read in one transaction and
        held in memory at once (a copy reads it page by page instead: :meth:`copy_from`)."""
        return self.backend.read(lambda tx: StoreContents.joined(read_pages(tx)))

    def copy_from(self, source: Store, *, batch: int | None = None, restart: bool = False,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
        """Copy everything ``source`` holds into this store, which must hold nothing yet (no record, audit
        entry or key), records keeping their ids, versions and timestamps, keys their hashes (they go on
        working), the audit trail its order — what moving to another backend needs (``guanxi copy``) — then
        read both back and compare them item by item; how many of each were copied.

        Read page by page in one read transaction of ``source`` (a snapshot on the embedded store: it may
        be copied while it is written to; Neo4j's reads are not, so stop writes to a Neo4j source first).
        Written in one transaction, all or nothing; with ``batch``, in transactions of at most that many
        items (:func:`graph.contents.in_parts`), for a store larger than one transaction of this backend
        may be — then a failure leaves the parts written before it, and says so, and the copy's memory
        does not grow with the store. ``progress("writing", 0)`` before the first write, ``("part", n)``
        after each part of a batched copy, ``("comparing", 0)`` once all is written.

        A copy in parts is counted begun in its first part and finished once compared
        (:data:`graph.contents.COPY_SCOPE`): until then the store says it holds an unfinished copy
        (:meth:`unfinished_copy`), and ``restart`` empties such a store before copying again.

        Raises Conflict when this store is not empty (before reading ``source``), StoreError when
        ``source`` holds nothing (a wrong directory or server, most likely) or the copy does not read
        back the same."""
        if restart:
            if not self.unfinished_copy():
                raise Conflict("--restart empties a store that holds the parts of a copy that did not finish; "
                               "this one holds none")
            self.backend.reset()
            self.maps.clear()
        self.backend.read(refuse_unless_empty)
        return source.backend.read(partial(self._copy_within, batch=batch, progress=progress or (lambda *_: None)))

    def _copy_within(self, source: Tx, *, batch: int | None, progress: Callable[[str, int], None]) -> dict[str, int]:
        """:meth:`copy_from`, in ``source``'s read transaction."""
        if not holds_anything(source):
            raise StoreError("the store to copy from holds nothing (no record, no key): nothing to copy")
        progress("writing", 0)
        if batch is None:
            self._write_copied(lambda: read_pages(source), first=True)
        else:
            written = 0
            for number, part in enumerate(in_parts(read_pages(source), batch), start=1):
                try:
                    self._write_copied(partial(tuple, (part,)), first=number == 1, counted=number == 1)
                except StoreError as e:
                    if number == 1:
                        raise
                    raise StoreError(f"the copy stopped at part {number} ({e}): the store copied into holds the "
                                     f"{number - 1} part(s) before it ({written:,} items); empty it and copy "
                                     "again") from e
                written += part.size()
                progress("part", number)
        progress("comparing", 0)
        counts: Counter[str] = Counter()
        if not self.backend.read(lambda target: same_contents(read_pages(source), read_pages(target), counts)):
            raise StoreError("the copy does not read back as the store copied from; set GUANXI_DEBUG=1 and "
                             "report it")
        if batch is not None:
            self.backend.write(copy_counted)       # finished
        return dict(counts)

    def unfinished_copy(self) -> bool:
        """Whether the store holds the parts of a copy (``copy_from`` in parts) that did not finish."""
        return self.backend.read(unfinished_copy)

    def _write_copied(self, pages: Callable[[], Iterable[StoreContents]], *, first: bool,
                      counted: bool = False) -> None:
        """Write the pages of a copy in one transaction (``pages`` read afresh if it is retried); the
        first makes sure the store holds nothing; ``counted``: it begins a copy in parts."""
        def work(tx: Tx) -> None:
            if first:
                refuse_unless_empty(tx)
            if counted:
                copy_counted(tx)
            for page in pages():
                write_part(tx, page)

        with collection_paused():
            self._write(work)

    # ---- rules -------------------------------------------------------------------------------------

    def _check(self, tx: Tx, nodes: Sequence[tuple[NodeRecord, Loc]], edges: Sequence[tuple[EdgeRecord, Loc]],
               problems: list[dict[str, Any]] | None = None, stored: Mapping[str, NodeRecord] | None = None,
               ) -> list[EdgeRecord]:
        """Check the graph rules for records about to be written; return the edges with their account.
        ``stored``: the records among ``nodes`` as stored now (the others are new). A reference a record
        already made when stored still holds (a node is not deleted while others refer to it, nor does its
        kind change) and is not read again; only a stored contact or opportunity that changes account can
        part a decision-chain member from its other end, so only theirs are read (and locked, on Neo4j).
        A write then reads what it changes, not everything the record touches (a hub's thousands of ties).

        Raises InvalidGraph with every problem found (appended to ``problems`` when given)."""
        errors = problems if problems is not None else []
        before = stored or {}
        pending = {record.id: record for record, _ in nodes}
        refs = {record.id: _new_refs(record, before.get(record.id)) for record, _ in nodes}
        wanted = {ref for made in refs.values() for _, ref, _ in made}
        wanted |= {end for record, _ in edges for end in (record.source, record.target)}
        known = {**tx.get_nodes(wanted - pending.keys()), **pending}

        rooted: set[str] = set()  # accounts whose parent chain is known to end without a cycle
        for record, loc in nodes:
            for field, ref, kind in refs[record.id]:
                if known.get(ref) is None or known[ref].kind != kind:
                    errors.append({"loc": [*_where(loc), field], "msg": f"no {kind} with id {ref!r}"})
            if record.kind == NodeKind.account and any(field == "parent_id" for field, _, _ in refs[record.id]):
                self._check_parent_chain(tx, record, known, loc, errors, rooted)
        movers = [(record, loc) for record, loc in nodes
                  if record.id in before and before[record.id].account_id != record.account_id]
        self._check_members_stay(tx, movers, edges, known, errors)

        placed: list[EdgeRecord] = []
        for edge, loc in edges:  # (this runs once per row of an import: its errors are built only when found)
            source_kind, target_kinds = EDGE_ENDPOINTS[edge.type]   # type: ignore[index]  # a StrEnum key
            source, target = known.get(edge.source), known.get(edge.target)
            member = edge.type == EdgeType.MEMBER_OF
            names = ("contact_id", "opportunity_id") if member else ("source", "target")
            if source is None or source.kind != source_kind:
                errors.append({"loc": [*_where(loc), names[0]], "msg": f"no {source_kind} with id {edge.source!r}"})
            if target is None or target.kind not in target_kinds:
                kinds = " or ".join(sorted(target_kinds))
                errors.append({"loc": [*_where(loc), names[1]], "msg": f"no {kinds} with id {edge.target!r}"})
            if member and source is not None and target is not None and source.account_id != target.account_id:
                errors.append({"loc": [*_where(loc), "contact_id"],
                               "msg": f"contact {edge.source!r} is not at the opportunity's account "
                                      f"{target.account_id!r}"})
            # the account of the client-side end (_edge_account), without dataclasses.replace
            end = source if source is not None and source.kind == NodeKind.contact else target
            placed.append(EdgeRecord(edge.type, edge.id, edge.source, edge.target, edge.data,
                                     end.account_id if end is not None else None, edge.created_at,
                                     edge.updated_at, edge.version))
        self._check_reporting_lines(tx, placed, edges, errors, known)
        self._check_one_line_per_pair(tx, edges, errors, new=pending.keys() - before.keys())
        if errors:
            raise InvalidGraph(errors)
        return placed

    @staticmethod
    def _check_one_line_per_pair(tx: Tx, edges: Sequence[tuple[EdgeRecord, Loc]], errors: list[dict[str, Any]],
                                 new: Collection[str]) -> None:
        """An alliance or a rivalry means both ways and is recorded once per pair (DESIGN.md): a second
        line of its type between the same two people — the other way round, or under another id — would
        count twice. The stored lines read are those of the ends stored before this write (``new``: the
        nodes it creates, which have none)."""
        pairs = [(edge, loc) for edge, loc in edges if edge.type in SYMMETRIC_TYPES]
        # (lines stored already are left as they are: a pair recorded twice before this rule can still be
        # edited, exported and imported again, and one of them deleted)
        stored_ids = tx.get_edges([edge.id for edge, _ in pairs]).keys() if pairs else set()
        given: dict[tuple[str, frozenset[str]], EdgeRecord] = {}
        for edge, loc in pairs:
            if edge.id in stored_ids:
                continue
            first = given.setdefault((edge.type, frozenset((edge.source, edge.target))), edge)
            if first.id != edge.id:
                errors.append(_second_line(edge, first, loc))
        ends = {end for _, pair in given for end in pair} - set(new)
        for stored in tx.edges_touching(sorted(ends)) if ends else ():
            line = given.get((stored.type, frozenset((stored.source, stored.target))))
            if line is not None and line.id != stored.id:
                errors.append(_second_line(line, stored, next(loc for edge, loc in edges if edge is line)))

    @staticmethod
    def _check_members_stay(tx: Tx, nodes: Sequence[tuple[NodeRecord, Loc]],
                            edges: Sequence[tuple[EdgeRecord, Loc]], known: dict[str, NodeRecord],
                            errors: list[dict[str, Any]]) -> None:
        """A contact or opportunity may not move to another account while a stored decision-chain
        membership would then join a contact and an opportunity of different accounts."""
        where = {record.id: loc for record, loc in nodes
                 if record.kind in (NodeKind.contact, NodeKind.opportunity)}
        rewritten = {edge.id for edge, _ in edges}
        members = [e for e in tx.edges_touching(list(where)) if e.type == EdgeType.MEMBER_OF
                   and e.id not in rewritten] if where else []
        known.update(tx.get_nodes({end for e in members for end in (e.source, e.target)} - known.keys()))
        for member in sorted(members, key=lambda e: (e.target, e.source)):  # (the same order on every backend)
            contact, opportunity = known.get(member.source), known.get(member.target)
            if contact is None or opportunity is None or contact.account_id == opportunity.account_id:
                continue
            moved = member.source if member.source in where else member.target
            errors.append({"loc": [*_where(where[moved]), "account_id"],
                           "msg": f"contact {member.source!r} is in the decision chain of opportunity "
                                  f"{member.target!r}, which would then be at another account; move "
                                  "the deal and the people of its chain together in one import (POST "
                                  "/v1/import with their new account_id: their roles, stances and history "
                                  "kept), or remove that member first"})

    @staticmethod
    def _check_parent_chain(tx: Tx, record: NodeRecord, known: dict[str, NodeRecord], loc: Loc,
                            errors: list[dict[str, Any]], rooted: set[str]) -> None:
        """The account's parents end somewhere, without a cycle. Walks stop at accounts already found
        rooted, so checking a whole group of any depth visits each account once (linear, not
        quadratic, in the depth)."""
        path, parent_id = [record.id], record.data.get("parent_id")
        while parent_id and parent_id not in rooted:
            if parent_id in path:
                errors.append({"loc": [*_where(loc), "parent_id"], "msg": "parent accounts would form a cycle"})
                return
            path.append(parent_id)
            parent = known.get(parent_id) or tx.get_nodes([parent_id]).get(parent_id)
            if parent is not None:
                known.setdefault(parent_id, parent)
            parent_id = parent.data.get("parent_id") if parent else None
        rooted.update(path)

    @staticmethod
    def _check_reporting_lines(tx: Tx, placed: list[EdgeRecord], edges: Sequence[tuple[EdgeRecord, Loc]],
                               errors: list[dict[str, Any]], known: dict[str, NodeRecord]) -> None:
        new_lines = [(e, loc) for e, (_, loc) in zip(placed, edges, strict=True)
                     if e.type == EdgeType.REPORTS_TO]
        if not new_lines:
            return
        org = nx.DiGraph()
        org.add_edges_from((e.source, e.target) for e, _ in new_lines)
        # A line is filed under its reporting person's account, and a boss may sit at another account
        # (a group's subsidiary): load the lines of every account the chains above the new lines reach.
        wanted = {e.account_id for e, _ in new_lines if e.account_id}
        wanted |= {a for e, _ in new_lines if e.target in known and (a := known[e.target].account_id)}
        loaded: set[str] = set()
        while wanted - loaded:
            batch = wanted - loaded
            loaded |= batch
            lines = tx.reporting_lines(batch)
            org.add_edges_from(lines)
            bosses = {boss for _, boss in lines} - known.keys()
            found = {**{b: known[b] for _, b in lines if b in known}, **tx.get_nodes(bosses)}
            wanted |= {n.account_id for n in found.values() if n.account_id}
        if nx.is_directed_acyclic_graph(org):  # a topological sort: far faster than find_cycle's search
            return
        try:
            cycle = nx.find_cycle(org)
        except nx.NetworkXNoCycle:
            return
        people = [a for a, _ in cycle]
        closing = next(((e, loc) for e, loc in new_lines if e.source in people), new_lines[0])
        errors.append({"loc": [*_where(closing[1]), "target"],
                       "msg": "reporting lines would form a cycle: " + " → ".join([*people, people[0]])})

    @staticmethod
    def _refile(tx: Tx, edges: list[EdgeRecord], overrides: dict[str, NodeRecord], actor: str,
                action: str) -> list[AuditEntry]:
        """File the relationships of nodes that moved to another account (``overrides``: those nodes as
        they are now) under the account they belong to now, and the audit entries that say so: each
        account's history then finds them (a line moved with its contact is on the new account's map as
        of any later moment, and off the old one's)."""
        ends = {end for e in edges for end in (e.source, e.target)}
        known = {**tx.get_nodes(ends - overrides.keys()), **overrides}
        moved = [(e, replace(e, account_id=account)) for e in edges
                 if (account := _edge_account(e, known)) != e.account_id]
        tx.put_edges([now for _, now in moved])
        return [_audit(actor, action, e.type, e.id, e.as_json(), now.as_json()) for e, now in moved]


# ---- helpers ---------------------------------------------------------------------------------------


def _where(loc: Loc) -> list[str | int]:
    """The error location of a record: the request body itself, or a bundle row inside it."""
    return ["body"] if loc == ("body",) else ["body", *loc]


def _page(rows: list[Any], limit: int, listing: str) -> Page[Any]:
    more = len(rows) > limit
    return Page(rows[:limit], encode_cursor(rows[limit - 1].id, listing) if more else None)


def _unkeyed(loc: Loc) -> dict[str, Any]:
    """The error of an imported record without an id: an import is idempotent by id, so a record without
    one would be added again by every import (create one record alone with POST, which gives it an id)."""
    return {"loc": [*_where(loc), "id"],
            "msg": "an imported record needs an id (the CRM's record id): importing it again would add it again"}


def _new_id(kind: str) -> str:
    return f"{kind[:3]}_{uuid.uuid4().hex[:16]}"


def _audit(actor: str, action: str, entity_type: str, entity_id: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None, at: str | None = None) -> AuditEntry:
    return AuditEntry(at=at or now_iso(), actor=actor, action=action, entity_type=str(entity_type),
                      entity_id=entity_id, before=before, after=after,
                      account_id=audit_account(str(entity_type), entity_id, before, after))


def audit_account(entity_type: str, entity_id: str, before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> str | None:
    """The account whose map an audit entry concerns: an account itself, the account of a contact, an
    opportunity, an edge or a review (after the write, else before it), SHARED_SCOPE for our team and
    competitors, None for keys. The history of an account is read by it (:mod:`graph.history`)."""
    if entity_type == NodeKind.account:
        return entity_id
    if entity_type in (NodeKind.team_member, NodeKind.competitor):
        return SHARED_SCOPE
    for snapshot in (after, before):
        value = (snapshot or {}).get("account_id")
        if isinstance(value, str):
            return value
    return None


def named_records(held: Iterable[MapNode | NodeRecord],
                  fetch: Callable[[set[str]], Mapping[str, NodeRecord]]) -> list[NodeRecord]:
    """The records that ``held`` (an account and its map's nodes) name by reference
    (:data:`graph.references.REFERENCES`) but do not hold, and what those name in turn: the account's
    parents, the account (and its parents) of a person or deal from elsewhere that a line reaches (a
    subsidiary's manager, an outside influencer), the competitors of such a deal. Without them the
    bundle would not import into an empty store. ``fetch`` reads nodes by id (missing ones left out)."""
    have = {node.id for node in held}
    frontier: list[MapNode | NodeRecord] = list(held)
    found: list[NodeRecord] = []
    while frontier:
        wanted = {named for node in frontier
                  for _, named in references_of(NodeRecord(node.kind, node.id, node.data, "", "", 0))} - have
        if not wanted:
            break
        have |= wanted
        fetched = fetch(wanted)
        found += (more := [fetched[id] for id in sorted(wanted) if id in fetched])
        frontier = list(more)
    return found


class _RolledBack(Exception):
    """Not an error: a dry run's answer, carried out of the transaction it undoes."""

    def __init__(self, counts: dict[str, Counts]) -> None:
        super().__init__("dry run")
        self.counts = counts


def merge_patch(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A record's fields with a PATCH's ``changes`` applied as a JSON merge patch (RFC 7396): a field the
    PATCH leaves out is unchanged, null clears it, and a nested object (an account's metrics, a contact's
    closeness, a deal's criteria) is merged the same way, field by field.

    >>> merge_patch({"name": "A", "metrics": {"loyalty": 0.5, "satisfaction": 7}},
    ...             {"metrics": {"loyalty": 0.8, "satisfaction": None}})
    {'name': 'A', 'metrics': {'loyalty': 0.8, 'satisfaction': None}}
    """
    merged = dict(stored)
    for key, value in changes.items():
        kept = merged.get(key)
        merged[key] = merge_patch(kept, value) if isinstance(value, dict) and isinstance(kept, dict) else value
    return merged


def laid_over(kind: str, stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A record's stored fields with ``changes`` laid over them (a PATCH's body, a CSV row's cells) as a JSON
    merge patch, and what the changes imply for the fields they leave out: a deal given a new stage without
    a status takes the status that stage implies (the same stage sent again keeps a status set by hand), and
    a person marked back (a status other than "left") without a leaving date drops the stored one.

    >>> laid_over("opportunity", {"stage": "Proposal", "status": "lost"}, {"stage": "Closed Won"})
    {'stage': 'Closed Won'}
    >>> laid_over("opportunity", {"stage": "Proposal", "status": "lost"}, {"stage": "Proposal"})
    {'stage': 'Proposal', 'status': 'lost'}
    >>> laid_over("contact", {"status": "left", "left_at": "2026-10-01"}, {"status": "active"})
    {'status': 'active'}
    """
    merged = merge_patch(stored, changes)
    if kind == NodeKind.opportunity and "stage" in changes and "status" not in changes \
            and changes["stage"] != stored.get("stage"):
        merged.pop("status", None)
    if kind == NodeKind.contact and changes.get("status", "left") != "left" and "left_at" not in changes:
        merged.pop("left_at", None)
    return merged


def is_erased(record: NodeRecord) -> bool:
    """Whether the record is an erased person's tombstone (:meth:`Store.erase_contact`)."""
    return record.kind == NodeKind.contact and record.data.get("name") == ERASED_NAME


def _refuse_personal_of_erased(tx: Tx, edge: EdgeRecord) -> None:
    """Raise Conflict when ``edge`` would put something personal on an erased person (a note on one of
    their lines, an entrenched interest of theirs), which an import leaves out (``kept_erased``). Its ends
    are read only when it carries something personal."""
    if edge.type != EdgeType.HAS_INTEREST and "note" not in edge.data:
        return
    ends = tx.get_nodes([edge.source, edge.target])
    erased = [end for end in (edge.source, edge.target) if end in ends and is_erased(ends[end])]
    if not erased:
        return
    if edge.type == EdgeType.HAS_INTEREST and edge.source in erased:
        field, what = "type", "an interest of theirs"
    elif "note" in edge.data:
        field, what = "note", "a note on one of their lines"
    else:
        return
    raise Conflict(f"contact {erased[0]!r} was erased: {what} would bring personal data back",
                   details={"id": erased[0], "erased": True, "fields": [field]})


def _refuse_unerasing(tombstone: NodeRecord, data: dict[str, Any]) -> None:
    """Raise Conflict when ``data`` would change an erased person's tombstone in more than the fields it
    keeps (where they are, their level, whether they still work there): a PATCH does not bring an erased
    person's data back, as an import of an old export does not (``kept_erased``)."""
    changed = sorted(k for k in data.keys() | tombstone.data.keys()
                     if k not in TOMBSTONE_FIELDS and data.get(k) != tombstone.data.get(k))
    if changed:
        raise Conflict(f"contact {tombstone.id!r} was erased: only {', '.join(TOMBSTONE_FIELDS)} of its tombstone "
                       f"may change, not {', '.join(changed)}; a person to be kept again is created anew",
                       details={"id": tombstone.id, "erased": True, "fields": changed})


_TOMBSTONE_KEYS = frozenset({"id", "name", "knows_us", "created_at", "updated_at", "version", *TOMBSTONE_FIELDS})


def _erased_already(history: Sequence[AuditEntry]) -> bool:
    """Whether a person's own audit entries (oldest first) say they were erased and hold nothing personal
    since: each is the erasure, scrubbed (``{"erased": true}`` or nothing on each side), or an edit of
    the tombstone's own fields (it left, say)."""
    def blank(side: dict[str, Any] | None) -> bool:
        return side is None or side == {"erased": True} or (
            side.get("name") == ERASED_NAME and not side.get("knows_us") and side.keys() <= _TOMBSTONE_KEYS)

    return any(e.action == "erase" for e in history) and all(
        e.action == "erase" or (blank(e.before) and blank(e.after)) for e in history)


def bundle_of(subgraph: AccountSubgraph, named: Sequence[MapNode | NodeRecord],
              reviews: Sequence[NodeRecord]) -> dict[str, list[dict[str, Any]]]:
    """An account's bundle from its map, the records it names from elsewhere (:func:`named_records`:
    parent accounts…) and its reviews."""
    bundle: dict[str, list[dict[str, Any]]] = {section: [] for section in Bundle.model_fields}
    section_of = {kind: section for section, kind in BUNDLE_SECTIONS.items()}
    for node in sorted([*named, subgraph.account, *subgraph.nodes],
                       key=lambda n: (n.kind != NodeKind.account, n.id)):
        bundle[section_of[NodeKind(node.kind)]].append({"id": node.id, **node.data})
    for edge in sorted(subgraph.edges, key=lambda e: e.id):
        if edge.type == EdgeType.MEMBER_OF:
            bundle["decision_chain"].append({"opportunity_id": edge.target, "contact_id": edge.source,
                                             **edge.data})
        else:
            bundle["relationships"].append({"id": edge.id, "type": edge.type, "source": edge.source,
                                            "target": edge.target, **edge.data})
    bundle["reviews"] = [{"id": r.id, **r.data} for r in sorted(reviews, key=lambda r: r.id)]
    return bundle


def _review_record(model: ReviewIn, stamp: str) -> NodeRecord:
    data = model.model_dump(mode="json", exclude={"id"}, exclude_none=True)
    data.setdefault("held_at", stamp)
    return NodeRecord(REVIEW, model.id or _new_id(REVIEW), data, stamp, stamp, 1)


KIND_FIXED = "an interest's kind cannot change: remove it and add one of the new kind"


def _kind_changed(stored: EdgeRecord, data: Mapping[str, Any]) -> bool:
    """Whether ``data`` gives the stored interest ``stored`` another kind — which its id carries (a CRM
    import naming the interest by its ends and new kind would then add a second one), as a relationship's
    id carries its type and ends: refused by a PATCH and by an import alike."""
    return stored.type == EdgeType.HAS_INTEREST and data.get("kind") != stored.data.get("kind")


def _reviews_naming(tx: Tx, deals: Sequence[NodeRecord]) -> list[NodeRecord]:
    """The reviews that name any of ``deals`` (each review once; a review names deals of its account)."""
    ids = {deal.id for deal in deals}
    accounts = sorted({deal.account_id for deal in deals if deal.account_id})
    return [review for account in accounts for review in tx.reviews_of_account(account)
            if ids.intersection(review.data.get("opportunity_ids", ()))]


def _leave_reviews(tx: Tx, reviews: Sequence[NodeRecord], deal_ids: set[str], actor: str) -> list[AuditEntry]:
    """Take the deals ``deal_ids`` (deleted, or moved to another account) out of the ``reviews`` that name
    them; the audit entries of the reviews changed."""
    stamp = now_iso()
    changed = [replace(review, data={**review.data, "opportunity_ids": [
        o for o in review.data.get("opportunity_ids", ()) if o not in deal_ids]}, updated_at=stamp,
        version=review.version + 1) for review in reviews]
    tx.put_reviews(changed)
    return [_audit(actor, "update", REVIEW, new.id, old.as_json(), new.as_json())
            for old, new in zip(reviews, changed, strict=True)]


def _review_problems(tx: Tx, reviews: Sequence[tuple[NodeRecord, Loc]],
                     pending: dict[str, NodeRecord]) -> list[dict[str, Any]]:
    """A review names a stored (or pending) account, and opportunities of that account."""
    wanted = {ref for review, _ in reviews
              for ref in (review.account_id, *review.data.get("opportunity_ids", [])) if ref}
    known = {**tx.get_nodes(wanted - pending.keys()), **pending}
    errors: list[dict[str, Any]] = []
    for review, loc in reviews:
        account = known.get(str(review.account_id))
        if account is None or account.kind != NodeKind.account:
            errors.append({"loc": [*_where(loc), "account_id"], "msg": f"no account with id {review.account_id!r}"})
        for i, opportunity_id in enumerate(review.data.get("opportunity_ids", [])):
            opportunity = known.get(opportunity_id)
            if opportunity is None or opportunity.kind != NodeKind.opportunity:
                errors.append({"loc": [*_where(loc), "opportunity_ids", i],
                               "msg": f"no opportunity with id {opportunity_id!r}"})
            elif opportunity.account_id != review.account_id:
                errors.append({"loc": [*_where(loc), "opportunity_ids", i],
                               "msg": f"opportunity {opportunity_id!r} is not at account {review.account_id!r}"})
    return errors


PERSONAL_ID = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}|\+?(?:[0-9][ ._-]?){9,14}[0-9]")


def is_personal_id(id: str) -> bool:
    """Whether an id is itself personal data: an e-mail address, or a phone number (10 to 15 digits).

    >>> [is_personal_id(i) for i in ("li.na@example.com", "13800138000", "gzf-gm", "10023")]
    [True, True, False, False]
    """
    return PERSONAL_ID.fullmatch(id) is not None


def opaque_id(id: str) -> str:
    """The id an erased person with a personal id is known by from then on (stable, not reversible
    without the original)."""
    return "erased-" + hashlib.sha256(id.encode()).hexdigest()[:24]


# What a decision-chain seat holds when nobody said otherwise: what a duplicate's seat may fill in a merge.
_SEAT_DEFAULTS = {"stance": "unknown", "influence": 3}


def _known(edge: EdgeRecord) -> dict[str, Any]:
    """A line's fields that someone set: a seat's default stance and influence left out (a duplicate's
    known ones fill them when the two records of a person are merged)."""
    if edge.type != EdgeType.MEMBER_OF:
        return dict(edge.data)
    return {k: v for k, v in edge.data.items() if _SEAT_DEFAULTS.get(k, object()) != v}


def _as_json(record: EdgeRecord | None) -> dict[str, Any] | None:
    return record.as_json() if record is not None else None


def _line_key(edge: EdgeRecord) -> tuple[str, str, str, str | None] | tuple[str, frozenset[str], None]:
    """What makes two lines one: their type and ends (both ways for an alliance or a rivalry, with its kind
    for an entrenched interest)."""
    if edge.type in SYMMETRIC_TYPES:
        return edge.type, frozenset((edge.source, edge.target)), None
    return edge.type, edge.source, edge.target, edge.data.get("kind") if edge.type == EdgeType.HAS_INTEREST else None


def _moved_edge(edge: EdgeRecord, old: str, new: str, *, rename_client_id: bool = True) -> EdgeRecord:
    """The edge with its end ``old`` replaced by ``new``, a generated id generated again; a client's id has
    ``old`` in it replaced too (an erased person's id that is personal data), unless ``rename_client_id``
    is false (a merge: the line is the same record of the client's)."""
    if old == new:
        return edge
    source, target = (new if edge.source == old else edge.source), (new if edge.target == old else edge.target)
    kind = edge.data.get("kind") if edge.type == EdgeType.HAS_INTEREST else None
    if edge.id == default_edge_id(edge.type, edge.source, edge.target, kind):
        id = default_edge_id(edge.type, source, target, kind)
    else:
        id = edge.id.replace(old, new) if rename_client_id else edge.id
    return replace(edge, id=id, source=source, target=target)


MERGED_INTO = "merged_into"   # in a merged duplicate's last audit snapshot: the record it was merged into


def _traces_in_audit(tx: Tx, contact_id: str, *, every_line: bool = False) -> tuple[list[str], set[str]]:
    """What of a person the whole audit trail holds besides their own entries: the duplicates merged into
    them (and into those, in turn), and the lines of any of these that carried a note or an interest in
    some entry — every line with ``every_line``, or for an id that is itself personal data —, wherever
    the line was filed (under another account: a line from a contact there, or from before the person
    moved)."""
    people, lines = [contact_id], set[str]()
    for person in people:                            # (grows as duplicates are found)
        entries = tx.audit_mentioning(json_text(person))
        people += [e.entity_id for e in entries
                   if e.entity_type == NodeKind.contact and e.action == "merge" and e.after is None
                   and (e.before or {}).get(MERGED_INTO) == person and e.entity_id not in people]
        lines |= _noted_edges_in_audit(entries, person, every_line=every_line or is_personal_id(person))
    return people[1:], lines


def _noted_edges_in_audit(history: Iterable[AuditEntry], contact_id: str, *, every_line: bool = False) -> set[str]:
    """Ids of relationships of ``contact_id`` that carried a note or an interest in some entry of
    ``history`` (their account's audit trail) — or, with ``every_line``, all of theirs (their entries
    name the person's id)."""
    found: set[str] = set()
    edge_types = set(EdgeType)
    for entry in history:
        if entry.entity_type not in edge_types:
            continue
        for side in (entry.before, entry.after):
            if not side or contact_id not in (side.get("source"), side.get("target"), side.get("contact_id")):
                continue
            if every_line or "note" in side or (entry.entity_type == EdgeType.HAS_INTEREST
                                                and side.get("source") == contact_id):
                found.add(entry.entity_id)
    return found


def _edge_record(model: RelationshipIn | ChainMemberIn, stamp: str | None = None) -> EdgeRecord:
    stamp = stamp or now_iso()
    if isinstance(model, ChainMemberIn):
        source, target, type_, given = model.contact_id, model.opportunity_id, EdgeType.MEMBER_OF.value, None
    else:
        source, target, type_, given = model.source, model.target, model.type, model.id
    id = given or default_edge_id(type_, source, target, getattr(model, "kind", None))
    return EdgeRecord(type_, id, source, target, edge_data(model), None, stamp, stamp, 1)


_EDGE_KEYS = frozenset({"id", "type", "source", "target", "opportunity_id", "contact_id"})


def _second_line(edge: EdgeRecord, other: EdgeRecord, loc: Loc) -> dict[str, Any]:
    return {"loc": [*_where(loc), "target"],
            "msg": f"{edge.source!r} and {edge.target!r} already have {'an' if edge.type[0] in 'AEIOU' else 'a'} {edge.type} line ({other.id!r}): "
                   f"it means both ways and is recorded once (edit that one)"}


def _row_over_stored(bundle: Bundle, loc: Loc, kind: str, stored: Mapping[str, Any],
                     problems: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The stored form of the bundle row at ``loc`` (a section and an index) laid over the stored fields
    of its record (:func:`laid_over`: the fields the row gives, null clearing one, over the stored ones),
    validated as a whole; None (and the errors, at the row, in ``problems``) when that does not validate."""
    row = getattr(bundle, str(loc[0]))[int(loc[1])]
    given = row.model_dump(mode="json", exclude_unset=True)
    ends = {k: v for k, v in given.items() if k in _EDGE_KEYS}
    merged = {**laid_over(kind, stored, {k: v for k, v in given.items() if k not in _EDGE_KEYS}), **ends}
    try:
        model = type(row).model_validate(merged)
    except ValidationError as e:
        problems.extend(_validation_errors(e, ("body", *loc)))
        return None
    return edge_data(model) if isinstance(model, (RelationshipIn, ChainMemberIn)) else node_data(model)


def _dumped_edge_record(row: dict[str, Any], stamp: str) -> EdgeRecord:
    """The record of a relationship or decision-chain row as dumped to JSON form (``mode="json"``,
    without None): what :func:`_edge_record` makes of the model."""
    if "opportunity_id" in row:
        source, target, type_, given, kind = (row["contact_id"], row["opportunity_id"], EdgeType.MEMBER_OF.value,
                                              None, None)
    else:
        source, target, type_, given, kind = row["source"], row["target"], row["type"], row.get("id"), row.get("kind")
    id = given or default_edge_id(type_, source, target, kind)
    data = {k: v for k, v in row.items() if k not in _EDGE_KEYS and v != {}}
    return EdgeRecord(type_, id, source, target, data, None, stamp, stamp, 1)


def _edge_account(edge: EdgeRecord, known: dict[str, NodeRecord]) -> str | None:
    """An edge belongs to the account of its client-side end (the source contact, or the target
    contact for our team's edges)."""
    end = known.get(edge.source)
    if end is None or end.kind != NodeKind.contact:
        end = known.get(edge.target)
    return end.account_id if end is not None else None


def _expect_node(tx: Tx, kind: NodeKind, id: str, if_version: int | None) -> NodeRecord:
    current = tx.get_nodes([id]).get(id)
    if current is None or current.kind != kind:
        raise NotFound(kind, id)
    if if_version is not None and if_version != current.version:
        raise PreconditionFailed(id, if_version, current.version)
    return current


def _expect_edge(tx: Tx, id: str, if_version: int | None, types: Sequence[str]) -> EdgeRecord:
    current = tx.get_edges([id]).get(id)
    if current is None or current.type not in types:
        raise NotFound("relationship" if EdgeType.MEMBER_OF not in types else "decision-chain member", id)
    if if_version is not None and if_version != current.version:
        raise PreconditionFailed(id, if_version, current.version)
    return current


def _with_referrers(tx: Tx, record: NodeRecord) -> list[NodeRecord]:
    """What deleting ``record`` takes with it, by :data:`graph.references.REFERENCES`: the records that
    name it with ``on_delete="cascade"``, and what names those in turn (a group's subsidiaries, their
    people and deals), then the record itself last. Raises Conflict when a ``refuse`` reference names
    any of them."""
    doomed: dict[str, NodeRecord] = {}
    frontier = [record]
    while frontier:
        found: dict[str, NodeRecord] = {}
        for reference in {r for node in frontier for r in naming(node.kind)}:
            ids = [node.id for node in frontier if node.kind == reference.target]
            referrers = tx.nodes_naming(reference.kind, reference.field, ids)
            if referrers and reference.on_delete == "refuse":
                names = ", ".join(repr(n.id) for n in referrers[:5])
                raise Conflict(f"{record.kind} {record.id!r} is named by {len(referrers)} {reference.kind}(s) "
                               f"in {reference.field} ({names}); remove it from them first",
                               details={reference.field: [n.id for n in referrers]})
            found.update((n.id, n) for n in referrers if n.id not in doomed and n.id != record.id)
        doomed.update(found)
        frontier = list(found.values())
    return [*doomed.values(), record]


def _expect_member(tx: Tx, opportunity_id: str, contact_id: str, if_version: int | None) -> EdgeRecord:
    """The decision-chain membership joining ``contact_id`` to ``opportunity_id``, found by its ends."""
    after: str | None = None
    while True:
        page = tx.list_edges(types=[EdgeType.MEMBER_OF], account_id=None, target=opportunity_id, after=after,
                             limit=500)
        found = next((edge for edge in page if edge.source == contact_id), None)
        if found is not None:
            return _expect_edge(tx, found.id, if_version, [EdgeType.MEMBER_OF])  # locked in a write
        if len(page) < 500:
            raise NotFound("decision-chain member", f"{opportunity_id}/{contact_id}")
        after = page[-1].id


def _add_unique(into: dict[str, Any], record: Any, loc: Loc, errors: list[dict[str, Any]],
                content: Any) -> None:
    """Keep one record per id; a repeated id is fine when it says the same, an error otherwise."""
    seen = into.get(record.id)
    if seen is None:
        into[record.id] = (record, loc)
    elif content(seen[0]) != content(record):
        errors.append(_repeated(record.id, loc, seen[1]))


def _repeated(id: str, loc: Loc, first: Loc) -> dict[str, Any]:
    return {"loc": ["body", *loc, "id"],
            "msg": f"id {id!r} appears again at {'.'.join(map(str, first))} with different content"}


def _outcome(old: Any, data: dict[str, Any], old_account: str | None = None,
             new_account: str | None = None) -> int:
    """0 created, 1 updated, 2 unchanged."""
    if old is None:
        return 0
    return 2 if old.data == data and old_account == new_account else 1


class _BackendReads:
    """The reads an edit of a kept map may still need, each in a read transaction of its own (an edit
    from news read outside a transaction: the map then reflects at least the news' revisions)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        return self.backend.read(lambda tx: tx.get_nodes(ids))

    def edges_touching(self, node_ids: Collection[str]) -> list[EdgeRecord]:
        return self.backend.read(lambda tx: tx.edges_touching(node_ids))
