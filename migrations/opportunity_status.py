"""Data: the ``status`` of opportunities stored before the field existed, as a write gives it today — the
status their stage implies (:func:`graph.models.status_of_stage`: "赢单", "Closed Won" → won; "输单",
"Closed Lost" → lost; any other stage → open). Without it the analytics judged such a deal by its stage
alone and knew only four English names of a deal that is over (a "赢单" deal stayed open).

Each backend's migration (``sqlite/V0050``, ``neo4j/V0030``) finds the opportunities without a status and
hands them here, in a transaction of the store's port: the records are written back with the status, and
each account's map is told which of its records changed, so that a service process already holding the
map reads them again. No audit entry is written and versions stay: the status is what the stage implied
when the record was written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace

from graph.backend import Tx
from graph.models import NodeKind, status_of_stage
from graph.records import MapChanges


def fill_statuses(tx: Tx, ids: Collection[str]) -> int:
    """Give each opportunity of ``ids`` without a status the one its stage implies; how many were given one."""
    filled = [replace(record, data={**record.data, "status": status_of_stage(record.data.get("stage")).value})
              for record in tx.get_nodes(set(ids)).values()
              if record.kind == NodeKind.opportunity and not record.data.get("status")]
    if not filled:
        return 0
    tx.put_nodes(filled)
    by_account: defaultdict[str, list[str]] = defaultdict(list)
    for record in filled:
        if record.account_id:
            by_account[record.account_id].append(record.id)
    tx.log_changes([MapChanges(account, nodes=tuple(sorted(ids))) for account, ids in sorted(by_account.items())])
    return len(filled)
