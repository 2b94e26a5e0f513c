"""A stored API key (``guanxi keys create``) on each backend: looked up for every request, from the event
loop (on Neo4j one round trip through the async driver, no worker thread), in a lookup that concurrent
requests sending the same key share only if it started after they came; revoked in another process, it
is refused by the very next request."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.answers import SharedChecks
from app.settings import Settings, make_backend
from graph.store import Store
from tests.conftest import auth

CHAIN = "/v1/opportunities/gzf-upgrade/decision-chain"


def test_a_stored_key_is_looked_up_per_request_and_its_revocation_seen_at_once(
        furniture: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    other = Store(make_backend(settings))       # another process: the CLI, another worker
    key, secret = other.create_key("viewer", name="rep")
    looked_up_in: list[str] = []
    find_key = Store.find_key_async

    async def spying(store: Store, given: str) -> object:
        looked_up_in.append(threading.current_thread().name)
        return await find_key(store, given)

    monkeypatch.setattr(Store, "find_key_async", spying)
    for _ in range(3):
        assert furniture.get(CHAIN, headers=auth(secret)).status_code == 200
    loop_thread = furniture.portal.call(lambda: threading.current_thread().name)  # type: ignore[union-attr]
    assert looked_up_in == [loop_thread] * 3                    # one lookup a request, on the event loop
    assert furniture.get("/v1/audit", headers=auth(secret)).status_code == 403   # a viewer's key

    other.revoke_key(key.id)
    assert furniture.get(CHAIN, headers=auth(secret)).status_code == 401
    other.backend.close()


def test_requests_that_come_while_a_key_is_looked_up_share_the_next_lookup(
        furniture: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first request's lookup is held; four more requests with the same key come meanwhile and do not
    take its answer (it started before they came) but share one lookup after it: two lookups, five
    answers. The key is revoked while the first lookup is held: the four that came after are refused."""
    store: Store = furniture.app.state.store                    # type: ignore[attr-defined]
    key, secret = store.create_key("viewer", name="crm plug-in")
    assert furniture.get(CHAIN, headers=auth(secret)).status_code == 200      # the map is kept
    lookups: list[float] = []
    first_read, release = threading.Event(), threading.Event()
    find_key = Store.find_key_async

    async def held(store_: Store, given: str) -> Any:
        lookups.append(time.monotonic())
        if len(lookups) == 1:
            found = await find_key(store_, given)               # read before the revocation below
            first_read.set()
            await asyncio.to_thread(release.wait, 10)
            return found
        return await find_key(store_, given)

    asked: list[object] = []
    shared = SharedChecks.shared

    def asking(checks: SharedChecks, what: Any, *args: Any) -> Any:
        asked.append(what)
        return shared(checks, what, *args)

    monkeypatch.setattr(Store, "find_key_async", held)
    monkeypatch.setattr(SharedChecks, "shared", asking)
    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(furniture.get, CHAIN, headers=auth(secret))
        assert first_read.wait(10)
        store.revoke_key(key.id)
        later = [pool.submit(furniture.get, CHAIN, headers=auth(secret)) for _ in range(4)]
        _wait_for(lambda: asked.count(("api key", secret)) == 5)   # the four have come and wait
        assert len(lookups) == 1
        release.set()
        assert first.result(timeout=30).status_code == 200      # its lookup started after it came
        assert [response.result(timeout=30).status_code for response in later] == [401] * 4
    assert len(lookups) == 2


def _wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
