"""The registry of storage backends: one setting (``GUANXI_BACKEND``) picks one by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from graph.backend import Backend


@dataclass(frozen=True)
class BackendConfig:
    """What the backends need to know, from the service's settings."""

    data_dir: Path
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    neo4j_connection_timeout: float = 3.0
    neo4j_retry_time: float = 2.0
    # The embedded store opened only to be read (the source of a copy): never created, migrated or written.
    read_only: bool = False


def _sqlite(config: BackendConfig) -> Backend:
    from graph.sqlite.store import SqliteBackend

    return SqliteBackend(config.data_dir, read_only=config.read_only)


def _neo4j(config: BackendConfig) -> Backend:
    from graph.neo4j.store import Neo4jBackend

    if not config.neo4j_uri:
        raise ValueError("the neo4j backend needs NEO4J_URI")
    return Neo4jBackend(config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database,
                        connection_timeout=config.neo4j_connection_timeout,
                        max_transaction_retry_time=config.neo4j_retry_time)


# name → factory. Imports happen in the factories: the embedded store never loads the Neo4j driver.
BACKENDS: Final[dict[str, Callable[[BackendConfig], Backend]]] = {
    "sqlite": _sqlite,
    "neo4j": _neo4j,
}


def make_backend(name: str, config: BackendConfig) -> Backend:
    """The backend registered as ``name``, configured (not yet connected)."""
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    return factory(config)
