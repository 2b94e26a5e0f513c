"""Which fields of a record name another record, declared once: checked on every write (the named
record exists and is of the right kind) and on every delete (no delete leaves a reference dangling).

``on_delete`` says what deleting the named record does to a record that names it:

- ``cascade``: with ``cascade=true`` it is deleted too (and what names *it*, in turn); without, the
  delete is refused (409) naming how many there are;
- ``refuse``: the delete is refused (409) even with ``cascade=true``, naming them — the client decides
  (e.g. takes the competitor off those opportunities first), as deleting a deal with its rival would be
  a surprise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from graph.models import NodeKind
from graph.records import NodeRecord


@dataclass(frozen=True)
class Reference:
    kind: NodeKind  # the record that names another
    field: str  # the field holding the id (or, when ``many``, a list of ids)
    target: NodeKind  # the kind it must name
    on_delete: Literal["cascade", "refuse"]
    many: bool = False


REFERENCES: Final[tuple[Reference, ...]] = (
    Reference(NodeKind.contact, "account_id", NodeKind.account, "cascade"),
    Reference(NodeKind.opportunity, "account_id", NodeKind.account, "cascade"),
    # a group's subsidiaries go with it (and their people and deals), when cascading
    Reference(NodeKind.account, "parent_id", NodeKind.account, "cascade"),
    Reference(NodeKind.opportunity, "competitor_ids", NodeKind.competitor, "refuse", many=True),
)


def references_of(record: NodeRecord) -> Iterable[tuple[Reference, str]]:
    """(reference, named id) for every id the record names."""
    for reference in REFERENCES:
        if record.kind != reference.kind:
            continue
        value = record.data.get(reference.field)
        for named in (value if reference.many and isinstance(value, list) else [value]):
            if isinstance(named, str) and named:
                yield reference, named


def naming(kind: str) -> tuple[Reference, ...]:
    """The references that may name a record of ``kind``."""
    return tuple(reference for reference in REFERENCES if reference.target == kind)
