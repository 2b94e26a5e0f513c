"""Frozen records the store hands out: nodes, edges, audit entries, API keys, pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

T = TypeVar("T")


def now_iso() -> str:
    """The current UTC time as ISO 8601 with microseconds, e.g. ``2026-11-22T10:00:00.123456Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The kinds of node an account's map holds as its own (its contacts and opportunities; ``account_id`` says
# whose): every edge at one of them is in that account's map.
MEMBER_KINDS = ("contact", "opportunity")


def account_of(data: Mapping[str, Any]) -> str | None:
    """The account a node's fields say it belongs to (a contact's or opportunity's), else None."""
    value = data.get("account_id")
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class NodeRecord:
    kind: str
    id: str
    data: dict[str, Any]
    created_at: str
    updated_at: str
    version: int

    @property
    def account_id(self) -> str | None:
        return account_of(self.data)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.data, "created_at": self.created_at,
                "updated_at": self.updated_at, "version": self.version}


@dataclass(frozen=True)
class EdgeRecord:
    type: str
    id: str
    source: str
    target: str
    data: dict[str, Any]
    account_id: str | None
    created_at: str
    updated_at: str
    version: int

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "source": self.source, "target": self.target,
                **self.data, "account_id": self.account_id, "created_at": self.created_at,
                "updated_at": self.updated_at, "version": self.version}


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    seq: int = 0  # the backend's sequence number: strictly increasing in commit order
    # The account whose map the entry concerns (SHARED_SCOPE for team members and competitors, None for
    # keys): filled by the store on append, so an account's history is read without scanning the trail.
    account_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at, "actor": self.actor, "action": self.action, "entity_type": self.entity_type,
                "entity_id": self.entity_id, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ApiKey:
    id: str
    role: str
    name: str
    key_hash: str
    created_at: str


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class MapNode:
    """A node as an account's map shows it: its kind, id and fields, at its version. A map is loaded
    without the records' timestamps: no analysis, drawing or bundle reads them, and on Neo4j they were a
    third of the load of a 100,000-contact account."""

    kind: str
    id: str
    data: dict[str, Any]
    version: int

    @property
    def account_id(self) -> str | None:
        return account_of(self.data)

    @classmethod
    def of(cls, record: NodeRecord) -> MapNode:
        return cls(record.kind, record.id, record.data, record.version)


@dataclass(frozen=True, slots=True)
class MapEdge:
    """An edge as an account's map shows it: its type, id, ends and fields, at its version (as
    :class:`MapNode`, without timestamps; nor the account it is filed under, which the map does not show)."""

    type: str
    id: str
    source: str
    target: str
    data: dict[str, Any]
    version: int

    @classmethod
    def of(cls, record: EdgeRecord) -> MapEdge:
        return cls(record.type, record.id, record.source, record.target, record.data, record.version)


@dataclass(frozen=True)
class AccountSubgraph:
    """One account's whole map as loaded in one round trip: the account, every node that belongs to it
    or touches it (contacts, opportunities, our team members, competitors), and every edge among them."""

    account: MapNode
    nodes: list[MapNode] = field(default_factory=list)
    edges: list[MapEdge] = field(default_factory=list)


@dataclass(frozen=True)
class MapNews:
    """What a reader holding an account's map of revisions ``since`` (the account's, the shared scope's)
    needs to bring it up to date, read at once: the revisions now (``key``), the changes logged after
    ``since`` up to them, and the current records of the nodes and edges those changes name (a named id
    left out: deleted). Nothing but ``key`` when the map is current."""

    key: tuple[int, int]
    changes: tuple[MapChanges, ...] = ()
    nodes: Mapping[str, NodeRecord] = field(default_factory=dict)
    edges: Mapping[str, EdgeRecord] = field(default_factory=dict)


@dataclass(frozen=True)
class MapChanges:
    """What one write changed in one scope's map (an account, or the shared team and competitors),
    logged under the revision the write bumped the scope to: the ids of the nodes written or deleted, and
    the edges as (id, source, target). ``everything``: too much to list (a reader loads the map afresh).
    Readers keep their projected maps current with these (:mod:`graph.map_cache`)."""

    scope: str
    revision: int = 0
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str, str], ...] = ()
    everything: bool = False


def json_text(value: Any) -> str:
    """Fields (a record's, an audit entry's before and after) as compact JSON text, non-ASCII as it is
    (orjson: a tenth of the time of ``json``'s encoder per record, which an import pays for every row and
    every audit entry)."""
    return orjson.dumps(value).decode()


def from_json_text(text: str) -> Any:
    """Stored JSON text: read by orjson (a few times faster than the standard library: a map loaded whole
    reads one per node and edge), or by the standard library when orjson refuses it (text an older
    version wrote with ``json.dumps``, e.g. a lone surrogate as an escape)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
