"""Neo4j configured but unreachable (nothing listens on bolt://127.0.0.1:1): /ready answers 503, API
calls answer 503 problems, and quickly, not after the driver's default half a minute of retries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.hardening.conftest import ADMIN, KEYS_ENV, auth

pytest.importorskip("graph.neo4j.store", reason="the Neo4j backend is not there yet")

NOWHERE = "bolt://127.0.0.1:1"
FAST = 10.0  # seconds: connection refused, then at most the configured retry time


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("neo4j-down"), api_keys=KEYS_ENV,
                        neo4j_uri=NOWHERE, neo4j_password="not-used")
    assert settings.neo4j_uri == NOWHERE
    with TestClient(create_app(settings), headers=auth(ADMIN), raise_server_exceptions=False) as client:
        yield client


def _unavailable(response: httpx.Response) -> dict[str, Any]:
    """A 503 problem+json answer."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == 503
    return body


def test_neo4j_settings_by_field_name_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(data_dir=tmp_path, neo4j_uri=NOWHERE).neo4j_uri == NOWHERE
    monkeypatch.setenv("NEO4J_URI", NOWHERE)
    assert Settings(data_dir=tmp_path).neo4j_uri == NOWHERE


def test_ready_answers_503_at_once(unreachable: TestClient) -> None:
    started = time.monotonic()
    body = _unavailable(unreachable.get("/ready"))
    assert "127.0.0.1:1" in body["detail"]
    assert time.monotonic() - started < FAST
    assert unreachable.get("/health").status_code == 200  # alive, just not ready


def test_api_calls_answer_503_problems_quickly(unreachable: TestClient) -> None:
    requests = [("GET", "/v1/contacts", {}),
                ("POST", "/v1/accounts", {"json": {"name": "x"}}),
                ("GET", "/v1/accounts", {"headers": auth("gx_a-stored-key-needs-the-store-too")})]

    def call(request: tuple[str, str, dict[str, object]]) -> tuple[float, object]:
        method, path, kwargs = request
        started = time.monotonic()
        response = unreachable.request(method, path, **kwargs)  # type: ignore[arg-type]
        return time.monotonic() - started, response

    with ThreadPoolExecutor(len(requests)) as pool:
        results = list(pool.map(call, requests))
    for elapsed, response in results:
        assert "Neo4j" in _unavailable(response)["detail"]  # type: ignore[arg-type]
        assert elapsed < FAST, elapsed
