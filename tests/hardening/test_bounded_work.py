"""Bounded work (issue 14, item 5): heavy requests wait for a small gate and run under a budget, so a
flood of the worst requests cannot slow ``/health`` or other users' reads by more than a few tens of
milliseconds; work whose client went away stops; ``/health`` never waits for a worker thread; a vanished
data directory or a full disk is a clear 503/507, never a write acknowledged into a deleted file; a 500
keeps the client's connection.

Findings these tests reproduce: 60 map renders at once made ``/health`` take 51 s; a 26 MB dry-run import
stalled ``/health`` for 4.6 s; six ``paths?k=20`` ran for minutes while other users' reads took 2.6 s."""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.sqlite.store import SqliteBackend
from scoring.budget import Abandoned, OverBudget, checkpoint
from tests.hardening.conftest import ADMIN, KEYS_ENV, LiveServer, assert_problem, auth, serving
from tests.maps.generator import large_account

# ---- a flood of the worst requests, and a probe beside it -------------------------------------------------


def flood(base_url: str, account: dict[str, Any], seconds: float = 12.0, workers: int = 48,
          probe_every: float = 0.05) -> dict[str, Any]:
    """Send the heaviest requests from ``workers`` clients for ``seconds`` while probing ``/health`` and a
    light read; returns the probes' latencies (ms) and the heavy answers' statuses. Bounded in time."""
    account_id = account["accounts"][0]["id"]
    opportunity = account["opportunities"][0]["id"]
    contacts = [c["id"] for c in account["contacts"]]
    team = [t["id"] for t in account["team"]]
    body = json.dumps(account).encode()
    heavy = [("GET", f"/v1/accounts/{account_id}/map?format=png", None),
             ("GET", f"/v1/accounts/{account_id}/map?format=pdf", None),
             ("GET", f"/v1/accounts/{account_id}/paths?from={team[0]}&to={contacts[-1]}&k=20", None),
             ("GET", f"/v1/opportunities/{opportunity}/next-best-contacts?k=50&plan=true", None),
             ("POST", "/v1/import?dry_run=true", body)]
    stop = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def hammer(i: int) -> None:
        with httpx.Client(base_url=base_url, headers=auth(ADMIN), timeout=120) as client:
            n = i
            while time.monotonic() < stop:
                method, path, content = heavy[n % len(heavy)]
                n += 1
                try:
                    status = client.request(method, path, content=content,
                                            headers={"Content-Type": "application/json"} if content else None
                                            ).status_code
                except httpx.HTTPError:
                    status = -1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    def probe(path: str) -> list[float]:
        latencies = []
        with httpx.Client(base_url=base_url, headers=auth(ADMIN), timeout=60) as client:
            client.get(path)  # a warm connection, as a load balancer's health check keeps one
            time.sleep(1.0)   # let the flood start
            while time.monotonic() < stop:
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(probe_every)
        return latencies

    with ThreadPoolExecutor(workers + 2) as pool:
        hammers = [pool.submit(hammer, i) for i in range(workers)]
        health = pool.submit(probe, "/health")
        read = pool.submit(probe, f"/v1/accounts/{account_id}")
        for h in hammers:
            h.result()
        return {"health": health.result(), "read": read.result(), "statuses": statuses}


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    return (f"n={len(ordered)} median={statistics.median(ordered):.1f} ms "
            f"p90={ordered[int(len(ordered) * 0.9)]:.1f} ms max={ordered[-1]:.1f} ms")


@pytest.fixture(scope="module")
def big_account() -> dict[str, Any]:
    return large_account(300, seed=5, account_id="big")


@pytest.mark.slow
def test_a_flood_of_the_worst_requests_does_not_slow_health_or_light_reads(
        tmp_path: Path, big_account: dict[str, Any]) -> None:
    # Heavy requests still queued when the flood stops give up after 10 s (503), so the test ends sooner.
    server = LiveServer(tmp_path / "data", tmp_path / "server.log", env={"GUANXI_HEAVY_WAIT_SECONDS": "10"}).start()
    try:
        with server.client() as client:
            assert client.post("/v1/import", json=big_account).status_code == 200
        result = flood(server.url, big_account)
    finally:
        server.stop()
    print(f"\n/health under flood: {summary(result['health'])}\nread under flood: {summary(result['read'])}\n"
          f"heavy answers: {result['statuses']}")
    # Generous for 2 shared cores. Measured: /health median 11 ms (p90 24 ms), a read 22 ms (p90 70 ms);
    # before the gate, with the same flood, /health took 664 ms (p90 9.8 s) and a read 18.9 s.
    assert statistics.median(result["health"]) <= 100, summary(result["health"])
    assert statistics.median(result["read"]) <= 100, summary(result["read"])
    # heavy requests are answered or told to retry, never failed
    assert set(result["statuses"]) <= {200, 503}, result["statuses"]
    assert result["statuses"].get(200, 0) > 0


# ---- the gate: a heavy route of the test's own -----------------------------------------------------------


class Spin:
    """A heavy route (its path is under an account) that works in checkpointed steps until told to stop,
    and records how each run ended."""

    def __init__(self) -> None:
        self.started = 0
        self.ended: list[str] = []
        self.done = threading.Event()

    def install(self, app: FastAPI) -> None:
        @app.get("/v1/accounts/{id}/spin")
        def spin(id: str, seconds: float = 5.0) -> dict[str, Any]:
            self.started += 1
            until = time.monotonic() + seconds
            try:
                while time.monotonic() < until:
                    checkpoint()
                    time.sleep(0.01)
            except (Abandoned, OverBudget) as e:
                self.ended.append(type(e).__name__)
                self.done.set()
                raise
            self.ended.append("finished")
            self.done.set()
            return {"id": id}


def _app(tmp_path: Path, **overrides: Any) -> tuple[FastAPI, Spin]:
    app = create_app(Settings(data_dir=tmp_path / "data", api_keys=KEYS_ENV, backend="sqlite", **overrides))
    spin = Spin()
    spin.install(app)
    return app, spin


def test_a_full_gate_answers_503_with_retry_after(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, heavy_concurrency=1, heavy_queue=0)
    with serving(app) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.get, f"{url}/v1/accounts/a/spin?seconds=1.5", headers=auth(ADMIN), timeout=30)
        time.sleep(0.5)
        second = httpx.get(f"{url}/v1/accounts/a/spin?seconds=0.1", headers=auth(ADMIN), timeout=30)
        assert first.result().status_code == 200
    body = assert_problem(second, 503) if second.status_code < 500 else second.json()
    assert second.status_code == 503 and int(second.headers["Retry-After"]) >= 1, second.text
    assert "at most 1 heavy request" in body["detail"]


def test_waiting_too_long_for_the_gate_is_503(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, heavy_concurrency=1, heavy_wait_seconds=0.3)
    with serving(app) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.get, f"{url}/v1/accounts/a/spin?seconds=1.5", headers=auth(ADMIN), timeout=30)
        time.sleep(0.3)
        second = httpx.get(f"{url}/v1/accounts/a/spin?seconds=0.1", headers=auth(ADMIN), timeout=30)
        assert first.result().status_code == 200
    assert second.status_code == 503 and "within 0.3 s" in second.json()["detail"]


def test_work_whose_client_went_away_stops(tmp_path: Path) -> None:
    app, spin = _app(tmp_path)
    with serving(app) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{url}/v1/accounts/a/spin?seconds=30", headers=auth(ADMIN), timeout=0.5)
        assert spin.done.wait(5), "the work went on after its client left"
    assert spin.ended == ["Abandoned"]


def test_queued_work_whose_client_went_away_never_starts(tmp_path: Path) -> None:
    app, spin = _app(tmp_path, heavy_concurrency=1)
    with serving(app) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(httpx.get, f"{url}/v1/accounts/a/spin?seconds=1.5", headers=auth(ADMIN), timeout=30)
        time.sleep(0.3)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{url}/v1/accounts/b/spin?seconds=0.1", headers=auth(ADMIN), timeout=0.3)
        assert first.result().status_code == 200
        time.sleep(0.5)
    assert spin.started == 1 and spin.ended == ["finished"]


def test_work_over_its_budget_is_a_clear_422(tmp_path: Path) -> None:
    app, spin = _app(tmp_path, work_seconds=0.2)
    with serving(app) as url:
        response = httpx.get(f"{url}/v1/accounts/a/spin?seconds=30", headers=auth(ADMIN), timeout=30)
    problem = assert_problem(response, 422)
    assert problem["title"] == "Too much work" and "0.2 s" in problem["detail"]
    assert spin.ended == ["OverBudget"]


def test_paths_are_bounded_by_the_work_budget(tmp_path: Path) -> None:
    """The finding: paths?k=20 on a large account ran 66–117 s; its search now stops at the budget."""
    from tests.conftest import bundle

    settings = Settings(data_dir=tmp_path / "data", api_keys=KEYS_ENV, backend="sqlite", work_seconds=1e-6)
    with TestClient(create_app(settings), headers=auth(ADMIN)) as client:
        assert client.post("/v1/import", json=bundle("furniture")).status_code == 200
        response = client.get("/v1/accounts/gzf/paths", params={"from": "us-rep", "to": "gzf-coo", "k": 20})
        assert_problem(response, 422)
        assert response.json()["title"] == "Too much work"
        assert client.get("/v1/accounts/gzf/paths", params={"from": "us-rep", "to": "gzf-coo", "k": 21}
                          ).status_code == 422  # k is capped at 20


def test_health_never_waits_for_a_worker_thread(tmp_path: Path) -> None:
    """Every worker thread busy (light routes run in the thread pool, which has 40): /health still answers
    at once, as it runs on the event loop."""
    app, _ = _app(tmp_path)
    release = threading.Event()

    @app.get("/v1/test-block")
    def block() -> dict[str, str]:
        release.wait(20)
        return {"status": "released"}

    with serving(app) as url, ThreadPoolExecutor(60) as pool, httpx.Client(base_url=url, timeout=5) as probe:
        probe.get("/health")
        clients = [httpx.Client(base_url=url, headers=auth(ADMIN), timeout=30) for _ in range(50)]
        blocked = [pool.submit(c.get, "/v1/test-block") for c in clients]
        time.sleep(1.0)
        latencies = []
        try:
            for _ in range(10):
                started = time.perf_counter()
                assert probe.get("/health").status_code == 200
                latencies.append(time.perf_counter() - started)
        finally:
            release.set()
        assert all(b.result().status_code == 200 for b in blocked)
        for c in clients:
            c.close()
    assert statistics.median(latencies) < 0.25, latencies


# ---- a vanished data directory, a full disk ------------------------------------------------------------------


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    from tests.conftest import bundle

    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, api_keys=KEYS_ENV, backend="sqlite")
    with TestClient(create_app(settings), headers=auth(ADMIN)) as client:
        assert client.post("/v1/import", json=bundle("furniture")).status_code == 200
        yield client, data_dir


def test_a_vanished_data_directory_is_reported_never_written_into(sqlite_client: tuple[TestClient, Path]) -> None:
    """Before, writes were acknowledged into the deleted file (and lost), and /ready said ready."""
    client, data_dir = sqlite_client
    shutil.rmtree(data_dir)
    ready = client.get("/ready")
    assert ready.status_code == 503 and "vanished" in ready.json()["detail"], ready.text
    write = client.post("/v1/accounts", json={"id": "lost", "name": "Written into nothing"})
    assert write.status_code == 503 and "vanished" in write.json()["detail"], write.text
    read = client.get("/v1/accounts/gzf")
    assert read.status_code == 503
    assert not data_dir.exists()  # not silently re-created as an empty store


def test_a_replaced_database_file_is_refused(sqlite_client: tuple[TestClient, Path]) -> None:
    client, data_dir = sqlite_client
    db = data_dir / "guanxi.sqlite3"
    shutil.copy(db, data_dir / "copy")
    (data_dir / "copy").replace(db)
    write = client.patch("/v1/accounts/gzf", json={"notes": "into which file?"})
    assert write.status_code == 503 and "replaced" in write.json()["detail"]


def test_a_full_disk_is_507_naming_the_cause(sqlite_client: tuple[TestClient, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = sqlite_client
    opened = SqliteBackend._connection

    def full(self: SqliteBackend) -> sqlite3.Connection:
        conn = opened(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow: SQLITE_FULL
        return conn

    monkeypatch.setattr(SqliteBackend, "_connection", full)
    notes = "满" * 4000
    responses = [client.post("/v1/contacts", json={"account_id": "gzf", "name": f"n{i}", "notes": notes})
                 for i in range(40)]
    refused = [r for r in responses if r.status_code != 201]
    assert refused, "the database never filled up"
    assert refused[0].status_code == 507, refused[0].text
    assert "full" in refused[0].json()["detail"]


def test_ready_says_the_disk_is_full(sqlite_client: tuple[TestClient, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = sqlite_client
    import graph.sqlite.store as sqlite_store

    monkeypatch.setattr(sqlite_store.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(100, 99, 1))  # type: ignore[attr-defined]
    ready = client.get("/ready")
    assert ready.status_code == 503 and "full" in ready.json()["detail"]


# ---- a 500 keeps the connection ---------------------------------------------------------------------------------


def test_a_500_does_not_cost_the_client_its_keep_alive(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)

    @app.get("/v1/test-port")
    def port(request: Request) -> dict[str, Any]:
        assert request.client is not None
        return {"port": request.client.port}

    @app.get("/v1/test-boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with serving(app) as url, httpx.Client(base_url=url, headers=auth(ADMIN)) as client:
        before = client.get("/v1/test-port").json()["port"]
        failed = client.get("/v1/test-boom")
        after = client.get("/v1/test-port").json()["port"]
    assert failed.status_code == 500 and failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["title"] == "Internal error"
    assert before == after, "the server closed the connection after the 500"


# ---- big bodies are read off the event loop ---------------------------------------------------------------


def test_import_bodies_are_parsed_and_validated_off_the_event_loop(furniture: TestClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The finding: a 26 MB dry-run import stalled /health for 4.6 s, its body parsed and validated on the
    event loop. Now both happen in a worker thread (measured with a 22 MB bundle: /health median 16 ms,
    at worst 0.5 s while one C call holds the interpreter)."""
    import asyncio

    from graph.models import Bundle

    on_loop: list[bool] = []
    validate = Bundle.model_validate.__func__  # type: ignore[attr-defined]

    def recording(cls: type[Bundle], obj: Any, *args: Any, **kwargs: Any) -> Bundle:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        result: Bundle = validate(cls, obj, *args, **kwargs)
        return result

    monkeypatch.setattr(Bundle, "model_validate", classmethod(recording))
    assert furniture.post("/v1/import?dry_run=true", json={"accounts": [{"id": "x", "name": "X"}]}).status_code == 200
    csv = b"Id,Name\ny,Y\n"
    assert furniture.post("/v1/import/csv?kind=accounts&dry_run=true", content=csv,
                          headers={"Content-Type": "text/csv"}).status_code == 200
    assert on_loop == [False, False]
