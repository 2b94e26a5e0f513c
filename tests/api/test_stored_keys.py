"""A stored API key (``guanxi keys create``) on each backend: looked up for every request, on the event
loop where the store reads in the process (SQLite) and in a worker thread where a lookup is a network
round trip (Neo4j); revoked in another process, it is refused by the very next request."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings, make_backend
from graph.store import Store
from tests.conftest import auth


def test_a_stored_key_is_looked_up_per_request_and_its_revocation_seen_at_once(
        furniture: TestClient, settings: Settings, backend_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    other = Store(make_backend(settings))       # another process: the CLI, another worker
    key, secret = other.create_key("viewer", name="rep")
    looked_up_in: list[str] = []
    find_key = Store.find_key

    def spying(store: Store, given: str) -> object:
        looked_up_in.append(threading.current_thread().name)
        return find_key(store, given)

    monkeypatch.setattr(Store, "find_key", spying)
    url = "/v1/opportunities/gzf-upgrade/decision-chain"
    for _ in range(3):
        assert furniture.get(url, headers=auth(secret)).status_code == 200
    in_workers = sum(name.startswith("AnyIO worker") for name in looked_up_in)
    assert len(looked_up_in) == 3 and in_workers == (0 if backend_name == "sqlite" else 3), looked_up_in
    assert furniture.get("/v1/audit", headers=auth(secret)).status_code == 403   # a viewer's key

    other.revoke_key(key.id)
    assert furniture.get(url, headers=auth(secret)).status_code == 401
    other.backend.close()
