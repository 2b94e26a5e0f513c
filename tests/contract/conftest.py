"""The contract suites run against every backend: SQLite always, Neo4j whenever NEO4J_URI is set."""

from __future__ import annotations

import pytest

from graph.backend import Backend
from graph.store import Store


@pytest.fixture
def store(backend: Backend) -> Store:
    return Store(backend)
