"""What the tests that read Neo4j's graph directly share: the mark that runs a test on Neo4j only, a
driver on the test database as an analyst would open it, and a query's rows as dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from app.settings import Settings
from graph.neo4j import queries

NEO4J_ONLY = pytest.mark.parametrize("backend_name", [pytest.param("neo4j", marks=pytest.mark.neo4j)],
                                     indirect=True)


@pytest.fixture
def cypher(settings: Settings) -> Iterator[neo4j.Driver]:
    """A driver on the test database, as an analyst would open it."""
    assert settings.neo4j_uri
    with neo4j.GraphDatabase.driver(settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password),
                                    notifications_min_severity="OFF") as driver:
        yield driver


def statements() -> list[tuple[str, str]]:
    """Every Cypher statement of graph/neo4j/queries.py, with the name it is kept under (a dict's
    statements under the dict's name)."""
    found = []
    for name, value in vars(queries).items():
        if name.startswith("__"):
            continue
        if isinstance(value, str):
            found.append((name, value))
        elif isinstance(value, dict):
            found += [(name, v) for v in value.values() if isinstance(v, str)]
    return found


def run(driver: neo4j.Driver, query: str, **parameters: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, parameters, database_="neo4j")
    return [record.data() for record in records]
