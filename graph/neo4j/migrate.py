"""Schema migrations for Neo4j: ``migrations/neo4j/V*.cypher``, applied in version order.

- A Python file (``V*.py``, data conversions) runs its own batched write transactions through its
  ``migrate(session)`` function and is idempotent.
- One Cypher file is applied in one write transaction (its statements split on ``;`` at line ends, comment
  lines dropped — :func:`statements`, the same split the Cypher lint uses).
- Neo4j refuses schema commands and data writes in one transaction, so the file's record
  ``(:Migration {name, checksum, applied_at})`` is written in a second transaction right after. Files use
  ``IF NOT EXISTS`` (and data files must be idempotent too): should the process die between the two,
  the next run applies the file again harmlessly and records it.
- An applied file whose checksum (sha256 of its text) changed is refused: migrations are append-only.
- Runs at the same time (three ``guanxi migrate`` at once, a compose ``migrate`` service beside a person's)
  are safe: each applies what it finds pending; a schema rule another run made meanwhile ("already
  exists") or a deadlock between their schema changes sends a run back to read what is recorded and
  apply what is still pending (the files are idempotent), a few times, after a pause.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Any, Final, LiteralString, cast

from neo4j import Driver, ManagedTransaction, Session
from neo4j.exceptions import ClientError, TransientError

from graph.errors import StoreUnavailable
from graph.neo4j import queries
from graph.records import now_iso
from migrations import Migration, migrations

# A schema rule created by another transaction between this one's IF NOT EXISTS check and its own creation.
_ALREADY_EXISTS: Final = frozenset({
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
    "Neo.ClientError.Schema.IndexWithNameAlreadyExists",
})


class MigrationChanged(StoreUnavailable):
    """An applied migration file was edited afterwards (the store is not usable until that is fixed)."""


@dataclass(frozen=True)
class Status:
    applied: dict[str, str]  # name → checksum recorded in the database
    files: list[Migration]

    @property
    def pending(self) -> list[Migration]:
        return [m for m in self.files if m.name not in self.applied]

    @property
    def changed(self) -> list[str]:
        return [m.name for m in self.files if m.name in self.applied and self.applied[m.name] != m.checksum]


def files() -> list[Migration]:
    return migrations("neo4j")


def statements(migration: Migration) -> list[LiteralString]:
    """The statements of a migration file, without their final ``;``.

    The file is part of the code base (never input), hence the cast: the driver takes only literal
    query strings."""
    return [cast(LiteralString, s.rstrip().removesuffix(";").rstrip())  # type: ignore[redundant-cast]
            for s in migration.statements()]


def _applied(tx: ManagedTransaction) -> dict[str, str]:
    return {record["name"]: record["checksum"] for record in tx.run(queries.APPLIED_MIGRATIONS)}


def _apply(tx: ManagedTransaction, migration: Migration) -> None:
    for statement in statements(migration):
        tx.run(statement).consume()


def _run_python(session: Session, migration: Migration) -> None:
    """A Python data migration: its module's ``migrate(session)`` runs batched write transactions and
    must be idempotent (it is run again should the process die before it is recorded)."""
    module = importlib.import_module(f"migrations.neo4j.{migration.name.removesuffix('.py')}")
    module.migrate(session)


def _record(tx: ManagedTransaction, migration: Migration) -> None:
    tx.run(queries.RECORD_MIGRATION, name=migration.name, checksum=migration.checksum,
           applied_at=now_iso()).consume()


def status(driver: Driver, session_config: dict[str, Any]) -> Status:
    with driver.session(**session_config) as session:
        return Status(session.execute_read(_applied), files())


def _check_unchanged(current: Status) -> None:
    if current.changed:
        raise MigrationChanged(f"applied migration(s) changed since: {', '.join(current.changed)}; "
                               "restore them and add a new migration file instead")


def _apply_pending(driver: Driver, session_config: dict[str, Any], done: list[str]) -> None:
    """Apply the migrations not recorded yet, each in its own transactions, adding each name to ``done``
    once recorded."""
    with driver.session(**session_config) as session:
        current = Status(session.execute_write(_applied), files())
        _check_unchanged(current)
        for migration in current.pending:
            if migration.is_python:
                _run_python(session, migration)
            else:
                session.execute_write(_apply, migration)
            session.execute_write(_record, migration)
            done.append(migration.name)


def migrate(driver: Driver, session_config: dict[str, Any], attempts: int = 8) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date). A run meeting
    another's schema changes (see above) starts again from what is recorded.

    Raises MigrationChanged, before applying anything, when an applied file was edited."""
    done: list[str] = []
    for attempt in range(attempts):
        try:
            _apply_pending(driver, session_config, done)
            return done
        except (ClientError, TransientError) as e:
            concurrent = isinstance(e, TransientError) or e.code in _ALREADY_EXISTS
            if not concurrent or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return done
