"""Data: a status for every opportunity stored without one (:mod:`migrations.opportunity_status`), in write
transactions of up to ``BATCH`` opportunities; idempotent (a run that dies half-way is finished by the next)."""

from __future__ import annotations

from neo4j import ManagedTransaction, Session

from graph.neo4j import queries
from graph.neo4j.store import Neo4jTx
from migrations.opportunity_status import fill_statuses

BATCH = 2000


def _batch(tx: ManagedTransaction) -> int:
    ids = [record["id"] for record in tx.run(queries.V30_OPPORTUNITIES_WITHOUT_STATUS, batch=BATCH)]
    return fill_statuses(Neo4jTx(tx, writable=True), ids) if ids else 0


def migrate(session: Session) -> None:
    while session.execute_write(_batch):
        pass
