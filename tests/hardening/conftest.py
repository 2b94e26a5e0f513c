"""Helpers for the hardening suite: problem+json checks, store snapshots, and a real server process.

The app fixtures (``client``, ``furniture``, ``handset``, keys) come from ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from tests.conftest import ADMIN, EDITOR, VIEWER, auth, backend_env, bundle

KEYS_ENV = f"admin:{ADMIN},editor:{EDITOR},viewer:{VIEWER}"
PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int | Sequence[int] | None = None,
                   field: str | None = None) -> dict[str, Any]:
    """A 4xx ``application/problem+json`` answer with type/title/status/detail; when ``field`` is
    given, ``errors`` must name it in some ``loc``. Returns the body."""
    allowed = (status,) if isinstance(status, int) else tuple(status or range(400, 500))
    assert response.status_code in allowed, (response.status_code, response.text[:500])
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, body
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    if field is not None:
        errors = body.get("errors")
        assert errors, body
        assert all(isinstance(e.get("loc"), list) and isinstance(e.get("msg"), str) for e in errors), body
        assert any(field in e["loc"] for e in errors), (field, errors)
    return body


def audit_count(client: TestClient | httpx.Client) -> int:
    """How many audit entries there are, paging through ``GET /v1/audit`` with the admin key."""
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/audit", params=params, headers=auth(ADMIN))
        assert page.status_code == 200, page.text
        count += len(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return count


def snapshot(client: TestClient | httpx.Client, accounts: Sequence[str] = ("gzf",)) -> dict[str, Any]:
    """What must not change when a request is refused: the accounts' exports (with our team and the
    competitors they touch) and the size of the audit trail."""
    state: dict[str, Any] = {"audit": audit_count(client)}
    for account in accounts:
        response = client.get(f"/v1/accounts/{account}/export", headers=auth(ADMIN))
        assert response.status_code == 200, response.text
        state[account] = response.json()
    return state


def db_digest(data_dir: Path) -> str:
    """A digest of every row of the embedded store (nodes, edges, audit, keys, migrations), read
    through its own read-only connection."""
    digest = hashlib.sha256()
    with contextlib.closing(sqlite3.connect(f"file:{data_dir / 'guanxi.sqlite3'}?mode=ro", uri=True)) as conn:
        for table in ("nodes", "edges", "audit", "api_keys", "schema_migrations"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def database_text(settings: Settings) -> str:
    """Everything the store's database holds, as text: on SQLite the bytes of every file in the data
    directory (free pages and the write-ahead log included), on Neo4j every property of every node and
    relationship."""
    if settings.backend_name == "sqlite":
        return "\n".join(f.read_bytes().decode("utf-8", "replace") for f in Path(settings.data_dir).iterdir())
    from neo4j import GraphDatabase

    from graph.neo4j import queries

    assert settings.neo4j_uri
    with GraphDatabase.driver(settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password)) as driver:
        records, _, _ = driver.execute_query(queries.DUMP_FOR_TESTS, database_=settings.neo4j_database)
    return "\n".join(repr(record.data()) for record in records)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def guanxi_command() -> list[str]:
    """The installed ``guanxi`` console script next to this interpreter (no pyenv shim), else the module."""
    script = Path(sys.executable).with_name("guanxi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def run_cli(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> str:
    """Run ``guanxi <args> --data-dir D`` (with ``env`` added to the environment) and return its
    standard output."""
    result = subprocess.run([*guanxi_command(), *args, "--data-dir", str(data_dir)], capture_output=True,
                            text=True, timeout=60, check=False,
                            env={**os.environ, "GUANXI_API_KEYS": "", **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout


class LiveServer:
    """``guanxi serve`` in its own process on a free loopback port, on the backend ``backend``."""

    def __init__(self, data_dir: Path, log: Path, env: dict[str, str] | None = None,
                 backend: str = "sqlite") -> None:
        self.data_dir, self.log_path, self.backend = data_dir, log, backend
        self.extra_env = {**backend_env(backend), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 30.0) -> LiveServer:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "GUANXI_API_KEYS": KEYS_ENV, **self.extra_env}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*guanxi_command(), "serve", "--data-dir", str(self.data_dir), "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError("the server did not come up:\n" + self.log())

    def client(self, key: str = ADMIN, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=auth(key), timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no chance to finish a transaction."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def live_server(tmp_path: Path, backend_name: str) -> Iterator[LiveServer]:
    """A real server process on a fresh store of each backend, stopped afterwards."""
    server = LiveServer(tmp_path / "data", tmp_path / "server.log", backend=backend_name).start()
    try:
        yield server
    finally:
        server.stop()


def loaded(client: TestClient | httpx.Client, *names: str) -> None:
    for name in names:
        response = client.post("/v1/import", json=bundle(name), headers=auth(ADMIN))
        assert response.status_code == 200, response.text


__all__ = ["ADMIN", "EDITOR", "KEYS_ENV", "VIEWER", "LiveServer", "assert_problem", "audit_count", "auth",
           "bundle", "db_digest", "loaded", "run_cli", "snapshot"]


# ---- helpers added for issue 14 (bounded work, headers, keep-alive over a real server) ----------------


@contextlib.contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn (h11, as ``guanxi serve`` does) in a thread on a free loopback port;
    yields the base URL and stops the server afterwards. For apps a test extends with routes of its own."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http="h11",
                                           lifespan="on", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# A contacts CSV wrong in several ways at once. Row 2: a word that is not a boolean; row 3: no name (a new
# contact); row 4: an account that does not exist; row 5: a boss who is row 3 (left out with it: not a
# problem of its own); row 6: a boss who does not exist.
MULTI_CSV = ("Id,Name,AccountId,KnowsUs,ReportsToId\n"
             "m1,甲,gzf,maybe,\n"
             "m2,,gzf,yes,\n"
             "m3,丙,nope,no,\n"
             "m4,丁,gzf,yes,m2\n"
             "m5,戊,gzf,t,zz\n")


def cli(*args: str, cwd: Path, check: bool = True, timeout: float = 60,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*guanxi_command(), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                            env={**os.environ, "GUANXI_API_KEYS": "", **(env or {"GUANXI_BACKEND": "sqlite"})},
                            check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]
