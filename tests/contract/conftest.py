"""The contract suites run against every backend: SQLite always, Neo4j whenever NEO4J_URI is set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.backend import Backend
from graph.backends import BackendConfig, make_backend
from graph.store import Store
from tests.conftest import neo4j_config


@pytest.fixture
def backend(backend_name: str, tmp_path: Path) -> Iterator[Backend]:
    """A migrated, empty backend of each kind (``backend_name`` empties the Neo4j database)."""
    config = BackendConfig(data_dir=tmp_path / "data") if backend_name == "sqlite" else neo4j_config(tmp_path)
    made = make_backend(backend_name, config)
    made.migrate()
    yield made
    made.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return Store(backend)
