"""Shared fixtures: the real app on a real embedded store in a temporary directory, and API keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=f"admin:{ADMIN},editor:{EDITOR},viewer:{VIEWER}")


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
