"""The store's error tree: every backend translates its driver's failures into these."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of every error the graph store raises on purpose."""


class NotFound(StoreError):
    def __init__(self, kind: str, id: str, *, then: str | None = None) -> None:
        """``then``: the past moment asked about, as words ("on 2026-01-31", "at 2026-01-31T08:00:00Z")."""
        super().__init__(f"{kind} {id!r} does not exist" if then is None else f"{kind} {id!r} did not exist {then}")
        self.kind = kind
        self.id = id


class Conflict(StoreError):
    """The write contradicts what is stored (an id taken, edges still attached)."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class PreconditionFailed(StoreError):
    """The client's ``If-Match`` version is stale."""

    def __init__(self, id: str, expected: int, actual: int) -> None:
        super().__init__(f"{id!r} is at version {actual}, not {expected}: reload and retry")
        self.id, self.expected, self.actual = id, expected, actual


class InvalidGraph(StoreError):
    """The write would break a rule of the graph model; ``errors`` name each offending field."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5]))
        self.errors = errors


class StoreUnavailable(StoreError):
    """The database cannot be reached (or is not migrated) right now."""


class LoginRefused(StoreUnavailable):
    """The database answers but refuses the configured credentials (or has locked the user after too many
    wrong ones): waiting does not mend it, the settings must change (``guanxi serve`` stops on it)."""


class NotMigrated(StoreUnavailable):
    """The database answers, but migrations are pending (``guanxi migrate`` applies them)."""


class WriteTooLarge(StoreError):
    """The write needs more memory than the database grants a transaction (Neo4j's
    ``db.memory.transaction.max`` / ``dbms.memory.transaction.total.max``): nothing was written, and the
    same write will fail again until it is split or the server's limit is raised."""


class StorageFull(StoreUnavailable):
    """The disk holding the database is full: nothing more can be written until space is freed."""
