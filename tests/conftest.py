"""Shared fixtures: the real app on a real store — the embedded SQLite store in a temporary directory
and, when ``NEO4J_URI`` is set, a real Neo4j server — and API keys.

Every test that takes ``backend_name`` (directly, or through ``settings``/``client``/``live_server``)
runs once per backend. The Neo4j settings are read from the environment once, here, and removed from
it, so that nothing else (a ``Settings()`` in a test, a server started by a test) goes to Neo4j unless
the test asks for it. With ``GUANXI_REQUIRE_NEO4J=1`` (CI) a Neo4j test that skips is a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.backend import Backend
from graph.backends import BackendConfig, make_backend

NEO4J_URI = os.environ.pop("NEO4J_URI", None) or os.environ.pop("GUANXI_NEO4J_URI", None) or None
NEO4J_USER = os.environ.get("NEO4J_USER", "neo4j")
NEO4J_PASSWORD = os.environ.get("NEO4J_PASSWORD", "")
NEO4J_DATABASE = os.environ.get("NEO4J_DATABASE", "neo4j")
REQUIRE_NEO4J = os.environ.get("GUANXI_REQUIRE_NEO4J", "") not in ("", "0", "false")
BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]
NO_NEO4J = "NEO4J_URI is not set: start tools/neo4j/serve and set NEO4J_URI/NEO4J_PASSWORD (README)"

FIXTURES = Path(__file__).parent / "fixtures"
ADMIN = "admin-secret-for-tests-000"
EDITOR = "editor-secret-for-tests-000"
VIEWER = "viewer-secret-for-tests-000"


def bundle(name: str) -> dict[str, Any]:
    """A fixture bundle by name: ``furniture`` or ``handset``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def neo4j_config(data_dir: Path) -> BackendConfig:
    """The test Neo4j server's settings (skips the test when there is none)."""
    if not NEO4J_URI:
        pytest.skip(NO_NEO4J)
    return BackendConfig(data_dir=data_dir, neo4j_uri=NEO4J_URI, neo4j_user=NEO4J_USER,
                         neo4j_password=NEO4J_PASSWORD, neo4j_database=NEO4J_DATABASE,
                         neo4j_connection_timeout=10.0, neo4j_retry_time=10.0)


def backend_env(name: str) -> dict[str, str]:
    """Environment for a process (``guanxi serve``, the CLI, the benchmarks) that must use ``name``."""
    if name == "sqlite":
        return {"GUANXI_BACKEND": "sqlite"}
    if not NEO4J_URI:
        pytest.skip(NO_NEO4J)
    return {"GUANXI_BACKEND": "neo4j", "NEO4J_URI": NEO4J_URI, "NEO4J_USER": NEO4J_USER,
            "NEO4J_PASSWORD": NEO4J_PASSWORD, "NEO4J_DATABASE": NEO4J_DATABASE}


@pytest.fixture(scope="session")
def _neo4j_migrated(tmp_path_factory: pytest.TempPathFactory) -> None:
    backend = make_backend("neo4j", neo4j_config(tmp_path_factory.mktemp("neo4j")))
    try:
        backend.migrate()
    finally:
        backend.close()


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn; on Neo4j the database is migrated once and emptied before every test."""
    name: str = request.param
    if name == "neo4j":
        request.getfixturevalue("_neo4j_migrated")
        backend = make_backend("neo4j", neo4j_config(tmp_path))
        try:
            backend.reset()
        finally:
            backend.close()
    return name


@pytest.fixture
def backend(backend_name: str, tmp_path: Path) -> Iterator[Backend]:
    """A migrated, empty backend of each kind (``backend_name`` empties the Neo4j database)."""
    config = BackendConfig(data_dir=tmp_path / "data") if backend_name == "sqlite" else neo4j_config(tmp_path)
    made = make_backend(backend_name, config)
    made.migrate()
    yield made
    made.close()


@pytest.fixture
def settings(tmp_path: Path, backend_name: str) -> Settings:
    keys = f"admin:{ADMIN},editor:{EDITOR},viewer:{VIEWER}"
    if backend_name == "sqlite":
        return Settings(data_dir=tmp_path / "data", api_keys=keys, backend="sqlite")
    config = neo4j_config(tmp_path / "data")
    return Settings(data_dir=config.data_dir, api_keys=keys, backend="neo4j", neo4j_uri=config.neo4j_uri,
                    neo4j_user=config.neo4j_user, neo4j_password=config.neo4j_password,
                    neo4j_database=config.neo4j_database,
                    neo4j_connection_timeout=config.neo4j_connection_timeout,
                    neo4j_retry_time=config.neo4j_retry_time)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client on a fresh app and store, sending the admin key unless a test overrides it."""
    with TestClient(create_app(settings), headers=auth(ADMIN)) as test_client:
        yield test_client


@pytest.fixture
def furniture(client: TestClient) -> TestClient:
    """The client with the furniture maker's map imported."""
    response = client.post("/v1/import", json=bundle("furniture"))
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def handset(client: TestClient) -> TestClient:
    response = client.post("/v1/import", json=bundle("handset"))
    assert response.status_code == 200, response.text
    return client


# ---- CI: no Neo4j test may skip; counts per backend --------------------------------------------------

_OUTCOMES: dict[str, dict[str, int]] = {}


def _backend_of(item: pytest.Item) -> str:
    return "neo4j" if item.get_closest_marker("neo4j") else "sqlite (and store-free)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and REQUIRE_NEO4J and item.get_closest_marker("neo4j"):
        report.outcome = "failed"
        report.longrepr = f"a Neo4j test skipped although GUANXI_REQUIRE_NEO4J is set: {report.longrepr}"
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        counts = _OUTCOMES.setdefault(_backend_of(item), {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for backend, counts in sorted(_OUTCOMES.items()):
        figures = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"{backend} tests: {figures}")


def run_neo4j_data_migration(name: str, times: int = 2) -> None:
    """Run the Neo4j data migration ``migrations/neo4j/<name>.py`` over the test database, ``times`` times
    (they are idempotent)."""
    import importlib

    from neo4j import GraphDatabase

    assert NEO4J_URI is not None
    module = importlib.import_module(f"migrations.neo4j.{name}")
    with GraphDatabase.driver(NEO4J_URI, auth=(NEO4J_USER, NEO4J_PASSWORD)) as driver, \
            driver.session(database=NEO4J_DATABASE) as session:
        for _ in range(times):
            module.migrate(session)
