"""Data: records written by the first layout — every field of a node or relationship in one JSON string
property ``data``, timestamps as strings, audit entries numbered by the client's clock — become the
native property graph of :mod:`graph.neo4j.properties` (typed properties, dates as ``date``,
timestamps as ``datetime``, nested objects flattened), and audit entries are renumbered with integers
in their old order, continuing the database-side sequence.

Batched (one write transaction per batch) and idempotent: each batch takes records still in the old
layout, so a run that dies half-way is finished by the next one.
"""

from __future__ import annotations

import json

from neo4j import ManagedTransaction, Session

from graph.neo4j import properties, queries

BATCH = 2000


def _nodes(tx: ManagedTransaction) -> int:
    rows = [record.data() for record in tx.run(queries.V5_OLD_NODES, batch=BATCH)]
    converted = []
    for row in rows:
        data = json.loads(row["data"])
        reserved = {k: row["props"].get(k) for k in properties.NODE_RESERVED}
        converted.append({"element_id": row["element_id"], "props": properties.encode(data, **reserved)})
    tx.run(queries.V5_SET_NODE_PROPERTIES, rows=converted).consume()
    return len(rows)


def _edges(tx: ManagedTransaction) -> int:
    rows = [record.data() for record in tx.run(queries.V5_OLD_EDGES, batch=BATCH)]
    converted = []
    for row in rows:
        data = json.loads(row["data"])
        reserved = {k: row["props"].get(k) for k in properties.EDGE_RESERVED}
        converted.append({"element_id": row["element_id"], "props": properties.encode(data, **reserved)})
    tx.run(queries.V5_SET_EDGE_PROPERTIES, rows=converted).consume()
    return len(rows)


def _audit(tx: ManagedTransaction) -> int:
    rows = [record.data() for record in tx.run(queries.V5_OLD_AUDIT, batch=BATCH)]
    converted = [{"element_id": row["element_id"], "at": properties.timestamp(row["at"])} for row in rows]
    tx.run(queries.V5_RENUMBER_AUDIT, rows=converted).consume()
    return len(rows)


def _keys(tx: ManagedTransaction) -> int:
    rows = [record.data() for record in tx.run(queries.V5_OLD_KEYS)]
    converted = [{"element_id": row["element_id"], "created_at": properties.timestamp(row["created_at"])}
                 for row in rows]
    tx.run(queries.V5_SET_KEY_TIMESTAMPS, rows=converted).consume()
    return len(rows)


def migrate(session: Session) -> None:
    for batch in (_nodes, _edges, _audit, _keys):
        while session.execute_write(batch) > 0:
            pass

