"""The Neo4j graph model: which labels and relationship types Guanxi uses, as a closed whitelist.

Cypher cannot take a label or a relationship type as a parameter, so every statement that depends on
the node kind or the edge type is generated once, at import time, from the names below (see
:mod:`graph.neo4j.queries`). They are spelled out as literals — not derived from user input, nor even
from the enum values — and checked against :class:`graph.models.NodeKind` and
:class:`graph.models.EdgeType` when this module is imported, so a new kind or type in the domain model
cannot silently go unsupported here.

The stored model:

- every node of the map has the label ``Entity`` and its kind's label (``Account``, ``Contact``,
  ``TeamMember``, ``Competitor``, ``Opportunity``), with properties ``id``, ``kind``, ``owner_id`` (the
  account a contact or opportunity belongs to, or an account's parent account: indexed), ``created_at``,
  ``updated_at`` (``datetime``), ``version``, and every field of the record as a typed property of its
  own (``name``, ``level``, ``knows_us``, ``left_at`` as a ``date``, ``closeness_relationship``... see
  :mod:`graph.neo4j.properties` and docs/neo4j.md);
- every edge of the map is a relationship of its own type (``REPORTS_TO``...) with properties ``id``,
  ``account_id``, ``created_at``, ``updated_at``, ``version`` and its fields (``strength``, ``stance``,
  ``role``, ``influence``, ``closeness``, ``last_contact_at``, ``kind``, ``threat``, ``note``...);
- ``BELONGS_TO`` (contact/opportunity → account, account → parent account) mirrors ``owner_id`` for
  people browsing the graph; it is maintained by ``put_nodes`` and never handed out as an edge;
- ``AuditEntry``, ``ApiKey``, ``Migration``, ``Revision`` and ``Sequence`` nodes hold the audit trail (its
  ``before``/``after`` snapshots as JSON documents: a log of records, not part of the map), API keys,
  applied migrations, the per-account revision counters and the audit trail's sequence counter;
  each ``AuditEntry`` also has the ``account_id`` whose map it concerns (indexed: history is replayed
  per account, see :mod:`graph.history`);
- ``MapChanges`` nodes log what each write changed in each map (``scope``, ``revision``, ``node_ids``,
  ``edge_ids``/``edge_sources``/``edge_targets``, ``everything``), for readers that keep maps current
  (:mod:`graph.map_cache`); only each scope's latest revisions are kept; an "everything" change (an
  import) gets ``applied: true`` once its commit has returned;
- ``Review`` nodes are account reviews (复盘): ``id``, ``account_id``, ``title``, ``held_at``
  (``datetime``), ``notes``, ``opportunity_ids``, with ``(:Review)-[:BELONGS_TO]->(:Account)``.
"""

from __future__ import annotations

from typing import Final, LiteralString

from graph.models import EdgeType, NodeKind

ENTITY: Final[LiteralString] = "Entity"
BELONGS_TO: Final[LiteralString] = "BELONGS_TO"

# node kind (API value) → label
KIND_LABELS: Final[dict[str, LiteralString]] = {
    "account": "Account",
    "contact": "Contact",
    "team_member": "TeamMember",
    "competitor": "Competitor",
    "opportunity": "Opportunity",
}

EDGE_TYPES: Final[tuple[LiteralString, ...]] = (
    "REPORTS_TO",
    "INFLUENCES",
    "PROMOTED_BY",
    "ALLY",
    "RIVAL",
    "COVERS",
    "MIRRORS",
    "MEMBER_OF",
    "FAVORS",
    "HAS_INTEREST",
)

OTHER_LABELS: Final[tuple[LiteralString, ...]] = ("AuditEntry", "ApiKey", "Migration", "Revision", "Sequence",
                                                  "Review", "MapChanges")

# Every property the adapter reads or writes, for the Cypher lint's schema.
PROPERTY_KEYS: Final[tuple[str, ...]] = (
    "id", "kind", "name", "owner_id", "competitor_ids", "data", "created_at", "updated_at", "version",
    "account_id", "seq", "at", "actor", "action", "entity_type", "entity_id", "before", "after",
    "role", "key_hash", "checksum", "applied_at", "scope", "revision", "value", "held_at",
    "everything", "applied", "node_ids", "edge_ids", "edge_sources", "edge_targets", "source", "target", "at_text",
    "status",
)


def _check_whitelist() -> None:
    kinds = {kind.value for kind in NodeKind}
    types = {edge_type.value for edge_type in EdgeType}
    if set(KIND_LABELS) != kinds or set(EDGE_TYPES) != types or len(EDGE_TYPES) != len(types):
        raise RuntimeError(
            "graph/neo4j/schema.py is out of step with graph/models.py: "
            f"kinds {sorted(kinds ^ set(KIND_LABELS))}, edge types {sorted(types ^ set(EDGE_TYPES))}")


_check_whitelist()
