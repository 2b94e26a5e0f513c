"""A store's contents read and written page by page, for a copy into another store (``Store.copy_from``,
``guanxi copy``): everything a company's store holds, in an order that another store can be written in —
every record before any relationship, then the reviews, the API keys and the audit trail oldest first —
read a page at a time and compared item by item, so that a copy's memory does not grow with the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

from graph.backend import Tx
from graph.errors import Conflict
from graph.models import EdgeType, NodeKind
from graph.records import ApiKey, AuditEntry, EdgeRecord, MapChanges, NodeRecord

# Items read per statement.
PAGE = 5000


@dataclass(frozen=True)
class StoreContents:
    """What a store holds that is a company's own, or a page or part of it: records of the maps with
    their ids, versions and timestamps, account reviews, API keys (hashes only) and audit entries — its
    history, erasures included. Not the maps' revisions and change logs, which a store keeps for its
    readers, nor its migrations."""

    nodes: tuple[NodeRecord, ...] = ()         # by kind (NodeKind's order), then id
    edges: tuple[EdgeRecord, ...] = ()         # by id
    reviews: tuple[NodeRecord, ...] = ()       # by account, newest first
    keys: tuple[ApiKey, ...] = ()              # by id
    audit: tuple[AuditEntry, ...] = ()         # oldest first

    def sections(self) -> tuple[tuple[Any, ...], ...]:
        """The items in the order a copy writes them."""
        return self.nodes, self.edges, self.reviews, self.keys, self.audit

    def size(self) -> int:
        return sum(len(section) for section in self.sections())

    def counts(self) -> Counter[str]:
        """How many of each: records per kind, relationships, reviews, keys, audit entries."""
        counts = Counter({str(kind): 0 for kind in NodeKind})
        counts.update(str(node.kind) for node in self.nodes)
        counts.update({"relationships": len(self.edges), "reviews": len(self.reviews),
                       "api_keys": len(self.keys), "audit_entries": len(self.audit)})
        return counts

    @staticmethod
    def joined(pages: Iterable[StoreContents]) -> StoreContents:
        """The pages as one."""
        sections: list[list[Any]] = [[], [], [], [], []]
        for page in pages:
            for into, section in zip(sections, page.sections(), strict=True):
                into += section
        return StoreContents(*(tuple(section) for section in sections))


def read_pages(tx: Tx, size: int = PAGE) -> Iterator[StoreContents]:
    """Everything the store holds, a page of at most ``size`` items at a time (the reviews of up to
    ``size`` accounts), in the order a copy writes them. Read within ``tx``: one read transaction is a
    snapshot on the embedded store."""
    for kind in NodeKind:
        after: str | None = None
        while nodes := tx.list_nodes(kind, account_id=None, after=after, limit=size):
            yield StoreContents(nodes=tuple(nodes))
            after = nodes[-1].id
    after = None
    while edges := tx.list_edges(types=list(EdgeType), account_id=None, target=None, after=after, limit=size):
        yield StoreContents(edges=tuple(edges))
        after = edges[-1].id
    after = None
    while accounts := tx.list_nodes(NodeKind.account, account_id=None, after=after, limit=size):
        yield StoreContents(reviews=tuple(review for account in accounts for review in tx.reviews_of_account(account.id)))
        after = accounts[-1].id
    yield StoreContents(keys=tuple(tx.list_keys()))
    seq = 0
    while audit := tx.audit_after(after=seq, limit=size):
        yield StoreContents(audit=tuple(audit))
        seq = audit[-1].seq


def in_parts(pages: Iterable[StoreContents], size: int) -> Iterator[StoreContents]:
    """The pages' items in parts of exactly ``size`` items (the last may hold fewer), in their order: a
    part may end in one section and go on in the next."""
    part: list[list[Any]] = [[], [], [], [], []]
    held = 0
    for page in pages:
        for i, section in enumerate(page.sections()):
            start = 0
            while start < len(section):
                taken = section[start:start + size - held]
                part[i] += taken
                held += len(taken)
                start += len(taken)
                if held == size:
                    yield StoreContents(*(tuple(items) for items in part))
                    part, held = [[], [], [], [], []], 0
    if held:
        yield StoreContents(*(tuple(items) for items in part))


def _kinds_held(tx: Tx) -> list[NodeKind]:
    """The kinds of record the store holds one of at least."""
    return [kind for kind in NodeKind if tx.list_nodes(kind, account_id=None, after=None, limit=1)]


def holds_anything(tx: Tx) -> bool:
    """Whether the store holds a record or a key (what a copy copies; an audit trail alone is not a map)."""
    return bool(_kinds_held(tx) or tx.list_keys())


# Copies in parts begun and finished in a store are counted as the revision of this scope (a copy's
# first part counts it up, its end once compared counts it up again): odd while a copy into the store is
# unfinished — stopped, killed, or still running —, which the store's readiness and a second copy tell.
COPY_SCOPE = "*copy"


def copy_counted(tx: Tx) -> None:
    """Count a copy in parts begun, or finished (:data:`COPY_SCOPE`)."""
    tx.log_changes([MapChanges(COPY_SCOPE, everything=True)])


def unfinished_copy(tx: Tx) -> bool:
    """Whether the store holds the parts of a copy that has not finished (:data:`COPY_SCOPE`)."""
    return tx.revisions([COPY_SCOPE]).get(COPY_SCOPE, 0) % 2 == 1


def refuse_unless_empty(tx: Tx) -> None:
    """Raise Conflict when the store holds a record, an audit entry or a key (a copy's target must not)."""
    held = _kinds_held(tx)
    if unfinished_copy(tx):
        raise Conflict("the store to copy into holds the parts of a copy that did not finish: copy again with "
                       "--restart (it empties the store first), or into a store that holds nothing yet")
    if held or tx.list_audit(entity_id=None, before=None, limit=1) or tx.list_keys():
        raise Conflict("the store to copy into is not empty (it holds "
                       + (", ".join(held) + " records" if held else "an audit trail or keys")
                       + "): copy into a store that holds nothing yet")


def write_part(tx: Tx, part: StoreContents) -> None:
    """Write a part of a copy: records created with their ids, versions and timestamps, the audit
    entries appended in their order (the store numbers them anew)."""
    if part.nodes:
        tx.get_nodes([node.id for node in part.nodes])   # (all absent: created, not merged)
        tx.put_nodes(part.nodes)
    if part.edges:
        tx.get_edges([edge.id for edge in part.edges])
        tx.put_edges(part.edges)
    if part.reviews:
        tx.put_reviews(part.reviews)
    for key in part.keys:
        tx.put_key(key)
    if part.audit:
        tx.append_audit(part.audit)


def same_contents(these: Iterable[StoreContents], those: Iterable[StoreContents], counts: Counter[str]) -> bool:
    """Whether two stores' pages hold the same items in the same order (the numbers each store gave its
    audit entries aside), counting ``these`` into ``counts`` as they are read."""

    def items(pages: Iterable[StoreContents], tally: Counter[str] | None) -> Iterator[tuple[int, Any]]:
        for page in pages:
            if tally is not None:
                tally.update(page.counts())
            for i, section in enumerate(page.sections()):
                for item in section:
                    yield i, replace(item, seq=0) if isinstance(item, AuditEntry) else item

    return all(a == b for a, b in zip_longest(items(these, counts), items(those, None)))
