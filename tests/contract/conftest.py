"""The store contract suite runs against every backend: SQLite always, Neo4j whenever NEO4J_URI is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import Store

BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from graph.sqlite.store import SqliteBackend

        backend = SqliteBackend(tmp_path / "data")
    else:
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            pytest.skip("NEO4J_URI is not set (docker compose up -d neo4j)")
        from graph.neo4j.store import Neo4jBackend

        backend = Neo4jBackend(uri, os.environ.get("NEO4J_USER", "neo4j"),
                               os.environ.get("NEO4J_PASSWORD", ""), os.environ.get("NEO4J_DATABASE", "neo4j"))
        backend.wipe_for_tests()
    backend.migrate()
    yield Store(backend)
    backend.close()
