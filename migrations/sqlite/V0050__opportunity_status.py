"""Data: a status for every opportunity stored without one (:mod:`migrations.opportunity_status`), in the
migration's one transaction."""

from __future__ import annotations

import sqlite3

from graph.sqlite.store import SqliteTx
from migrations.opportunity_status import fill_statuses


def migrate(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT id FROM nodes WHERE kind = 'opportunity' AND json_extract(data, '$.status') IS NULL")
    fill_statuses(SqliteTx(conn), [id for (id,) in rows])
