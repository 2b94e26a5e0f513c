"""Data: the ``account_id`` of audit entries written before V0010 — the account whose map each concerns,
as the store fills it on append (:func:`graph.store.audit_account`): from the entry's snapshots, or, for
an erased record whose snapshots were scrubbed, from the record as it is stored now.

Batched (one write transaction per batch, in ``seq`` order) and idempotent: it only fills entries that
have none, so a run that dies half-way is finished by the next one.
"""

from __future__ import annotations

import json
from typing import Any

from neo4j import ManagedTransaction, Session

from graph.neo4j import queries
from graph.store import audit_account

BATCH = 2000


def _stored_accounts(tx: ManagedTransaction, ids: list[str]) -> dict[str, str]:
    """The account of each node or edge of ``ids`` as stored now."""
    found: dict[str, str] = {}
    for record in tx.run(queries.GET_NODES, ids=ids):
        owner = record["props"].get("owner_id")
        if isinstance(owner, str) and record["kind"] in ("contact", "opportunity"):
            found[record["props"]["id"]] = owner
    for record in tx.run(queries.GET_EDGES, ids=ids):
        account = record["props"].get("account_id")
        if isinstance(account, str):
            found[record["props"]["id"]] = account
    return found


def _batch(tx: ManagedTransaction, after: int) -> int | None:
    """Fill one batch after ``after``; the last seq seen, or None when there was nothing left."""
    rows = [record.data() for record in tx.run(queries.V11_AUDIT_PAGE, after=after, batch=BATCH)]
    if not rows:
        return None
    filled: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    for row in rows:
        before = json.loads(row["before"]) if row["before"] is not None else None
        after_ = json.loads(row["after"]) if row["after"] is not None else None
        account = audit_account(row["entity_type"], row["entity_id"], before, after_)
        (filled if account is not None else unknown).append({"seq": row["seq"], "account_id": account,
                                                             "entity_id": row["entity_id"]})
    if unknown:
        stored = _stored_accounts(tx, sorted({row["entity_id"] for row in unknown}))
        filled += [{**row, "account_id": stored[row["entity_id"]]} for row in unknown
                   if row["entity_id"] in stored]
    tx.run(queries.V11_SET_AUDIT_ACCOUNTS, rows=filled).consume()
    last: int = rows[-1]["seq"]
    return last


def migrate(session: Session) -> None:
    after: int | None = 0
    while after is not None:
        after = session.execute_write(_batch, after)
