"""Against a real ``guanxi serve`` process: concurrent edits with If-Match lose no update, a SIGKILL in
the middle of a large import leaves all or nothing of it, and keys created and revoked with the CLI
work end to end."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hardening.conftest import (
    ADMIN,
    VIEWER,
    LiveServer,
    assert_problem,
    audit_count,
    auth,
    loaded,
    run_cli,
    snapshot,
)

pytestmark = pytest.mark.slow

THREADS = 6
ATTEMPTS = 8
NEO4J_WRITING_AFTER = 2.5  # seconds into the 20,000-contact import: validated, its transaction writing


def test_concurrent_if_match_edits_lose_no_update(live_server: LiveServer) -> None:
    with live_server.client() as admin:
        loaded(admin, "furniture")
        start = admin.get("/v1/contacts/gzf-gm").json()["version"]
    outcomes: list[tuple[int, int | None, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        try:
            with httpx.Client(base_url=live_server.url, headers=auth(ADMIN), timeout=30) as client:
                barrier.wait()
                for attempt in range(ATTEMPTS):
                    current = client.get("/v1/contacts/gzf-gm")
                    assert current.status_code == 200, current.text
                    notes = f"edit by worker {n}, attempt {attempt}"
                    response = client.patch("/v1/contacts/gzf-gm", json={"notes": notes},
                                            headers={"If-Match": current.headers["ETag"]})
                    assert response.status_code in (200, 412), response.text
                    if response.status_code == 412:
                        assert_problem(response, 412)
                    version = response.json()["version"] if response.status_code == 200 else None
                    with lock:
                        outcomes.append((response.status_code, version, notes))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    statuses = Counter(status for status, _, _ in outcomes)
    assert sum(statuses.values()) == THREADS * ATTEMPTS
    won = [(version, notes) for status, version, notes in outcomes if status == 200 and version is not None]
    assert statuses[412] > 0, "the workers never raced; the test proves nothing"

    with live_server.client() as admin:
        final = admin.get("/v1/contacts/gzf-gm").json()
        # every 200 is kept: one version each, no two writes from the same version
        assert final["version"] == start + len(won)
        assert sorted(v for v, _ in won) == list(range(start + 1, start + len(won) + 1))
        assert final["notes"] == max(won)[1]
        updates = [e for e in admin.get("/v1/audit", params={"entity_id": "gzf-gm", "limit": 500}).json()["items"]
                   if e["action"] == "update"]
        assert len(updates) == len(won)
        assert {e["after"]["notes"] for e in updates} == {notes for _, notes in won}
        # each audited update starts from the one before it: a chain, no lost update
        chain = sorted(updates, key=lambda e: e["after"]["version"])
        for earlier, later in itertools.pairwise(chain):
            assert later["before"]["notes"] == earlier["after"]["notes"]


def test_six_writers_times_fifteen_if_match_increments_keep_all_ninety(live_server: LiveServer) -> None:
    """Each writer reads the contact, writes its count one higher with If-Match, and on 412 reads again
    and retries: every one of the 90 increments lands, none twice."""
    writers, increments = 6, 15
    with live_server.client() as admin:
        loaded(admin, "furniture")
        assert admin.patch("/v1/contacts/gzf-qa", json={"notes": "0"}).status_code == 200
        start = admin.get("/v1/contacts/gzf-qa").json()["version"]
    errors: list[BaseException] = []
    refused = Counter[int]()
    barrier = threading.Barrier(writers)

    def writer(n: int) -> None:
        try:
            with httpx.Client(base_url=live_server.url, headers=auth(ADMIN), timeout=60) as client:
                barrier.wait()
                done = 0
                while done < increments:
                    current = client.get("/v1/contacts/gzf-qa")
                    assert current.status_code == 200, current.text
                    count = int(current.json()["notes"])
                    response = client.patch("/v1/contacts/gzf-qa", json={"notes": str(count + 1)},
                                            headers={"If-Match": current.headers["ETag"]})
                    assert response.status_code in (200, 412), response.text
                    if response.status_code == 200:
                        done += 1
                    else:
                        refused[n] += 1
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    with live_server.client() as admin:
        final = admin.get("/v1/contacts/gzf-qa").json()
    assert (final["notes"], final["version"]) == (str(writers * increments), start + writers * increments)
    print(f"{live_server.backend}: 90 increments kept, {sum(refused.values())} stale writes refused with 412")


def _big_bundle(n: int) -> bytes:
    contacts = [{"id": f"big-{i}", "account_id": "big", "name": f"Person {i}", "title": "Engineer",
                 "notes": "generated for the crash test " * 2} for i in range(n)]
    relationships = [{"type": "REPORTS_TO", "source": f"big-{i}", "target": f"big-{(i - 1) // 2}"}
                     for i in range(1, n)]
    return json.dumps({"accounts": [{"id": "big", "name": "Big Corp"}], "contacts": contacts,
                       "relationships": relationships}).encode()


def _wal_size(data_dir: Path) -> int:
    wal = data_dir / "guanxi.sqlite3-wal"
    return wal.stat().st_size if wal.exists() else 0


def _writing(server: LiveServer, wal_at_start: int, started: float) -> bool:
    if server.backend == "sqlite":
        return _wal_size(server.data_dir) > wal_at_start + 64 * 1024
    return time.monotonic() - started > NEO4J_WRITING_AFTER


def test_sigkill_during_a_large_import_leaves_all_or_nothing(live_server: LiveServer) -> None:
    n = 20_000
    with live_server.client() as admin:
        loaded(admin, "furniture")
        assert admin.patch("/v1/contacts/gzf-gm", json={"notes": "written before the crash"}).status_code == 200
        before = snapshot(admin)
        contacts_before = len(admin.get("/v1/contacts", params={"limit": 500}).json()["items"])
    body = _big_bundle(n)
    wal_at_start = _wal_size(live_server.data_dir)
    started = time.monotonic()
    outcome: dict[str, Any] = {}

    def post() -> None:
        try:
            with httpx.Client(base_url=live_server.url, headers=auth(ADMIN), timeout=120) as client:
                outcome["response"] = client.post("/v1/import", content=body,
                                                  headers={"content-type": "application/json"})
        except httpx.HTTPError as e:
            outcome["error"] = e

    thread = threading.Thread(target=post)
    thread.start()
    # Kill once the import's transaction is writing (on SQLite the WAL grows well before the commit of
    # 20,000 contacts, their reporting lines and 40,000 audit entries; Neo4j's transaction is under way
    # after the few seconds that validation takes), or after a while if it never shows.
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and not _writing(live_server, wal_at_start, started):
        time.sleep(0.005)
    writing = _writing(live_server, wal_at_start, started)
    live_server.kill()
    thread.join(timeout=30)
    assert "response" not in outcome, "the import finished before the kill; the test proves nothing"
    print(f"killed {'while the import transaction was writing' if writing else 'with the import in flight'}")

    live_server.start()  # same data directory
    with live_server.client() as admin:
        assert admin.get("/ready").status_code == 200
        imported = admin.get("/v1/contacts", params={"account_id": "big", "limit": 500}).json()["items"]
        account = admin.get("/v1/accounts/big")
        print("after SIGKILL the import is", "absent" if account.status_code == 404 else "complete")
        if account.status_code == 404:  # nothing of it
            assert imported == []
            assert admin.get("/v1/relationships", params={"account_id": "big"}).json()["items"] == []
            assert snapshot(admin) == before
        else:  # all of it
            export = admin.get("/v1/accounts/big/export").json()
            assert len(export["contacts"]) == n and len(export["relationships"]) == n - 1
            assert audit_count(admin) == before["audit"] + 1 + n + (n - 1)
            assert {k: v for k, v in snapshot(admin).items() if k != "audit"} == \
                {k: v for k, v in before.items() if k != "audit"}
        # everything written earlier is intact, and the store takes writes again
        assert admin.get("/v1/contacts/gzf-gm").json()["notes"] == "written before the crash"
        assert len([c for c in admin.get("/v1/contacts", params={"limit": 500}).json()["items"]
                    if c["account_id"] != "big"]) == contacts_before
        assert admin.patch("/v1/contacts/gzf-gm", json={"notes": "after the restart"}).status_code == 200


def test_keys_created_and_revoked_with_the_cli(live_server: LiveServer) -> None:
    env = live_server.extra_env
    output = run_cli("keys", "create", "--role", "editor", "--name", "ci", data_dir=live_server.data_dir,
                     env=env)
    secret = output.strip().splitlines()[-1]
    key_id = next(word for word in output.split() if word.startswith("key_")).rstrip(";")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.get("/v1/accounts", headers=auth(secret)).status_code == 200
        created = client.post("/v1/accounts", json={"id": "by-cli-key", "name": "x"}, headers=auth(secret))
        assert created.status_code == 201
        assert_problem(client.get("/v1/audit", headers=auth(secret)), 403)  # an editor, not an admin
        entry = client.get("/v1/audit", params={"entity_id": "by-cli-key"}, headers=auth(ADMIN)).json()["items"][0]
        assert entry["actor"] == key_id  # the audit names the key, never its secret
        assert secret not in json.dumps(client.get("/v1/audit", headers=auth(ADMIN)).json())

        listing = run_cli("keys", "list", data_dir=live_server.data_dir, env=env)
        assert key_id in listing and secret not in listing
        run_cli("keys", "revoke", key_id, data_dir=live_server.data_dir, env=env)
        for path in ("/v1/accounts", "/v1/accounts/by-cli-key"):
            assert_problem(client.get(path, headers=auth(secret)), 401)
        assert_problem(client.post("/v1/accounts", json={"name": "y"}, headers=auth(secret)), 401)
        # the environment's keys are untouched
        assert client.get("/v1/accounts", headers=auth(VIEWER)).status_code == 200
    revoked = [e for e in httpx.get(live_server.url + "/v1/audit", headers=auth(ADMIN),
                                    params={"entity_id": key_id}).json()["items"]]
    assert [e["action"] for e in revoked] == ["revoke", "create"]


def test_server_survives_hostile_clients(tmp_path: Path) -> None:
    """Over real HTTP, with a 64 KiB body limit: a client that sends half a body and hangs up, a
    chunked upload above the limit, and JSON nested 20,000 deep leave nothing behind, and the
    server keeps serving without a traceback."""
    server = LiveServer(tmp_path / "data", tmp_path / "server.log", {"GUANXI_MAX_BODY_BYTES": "65536"}).start()
    try:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(b"POST /v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN.encode()
                        + b"\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
                        + b'{"accounts": [{"id": "half", "name": "h')

        def chunks() -> Iterator[bytes]:
            yield b'{"accounts": [{"id": "big", "name": "'
            for _ in range(100):
                yield b"x" * 1000
            yield b'"}]}'

        with server.client() as admin:
            too_big = admin.post("/v1/import", content=chunks(), headers={"content-type": "application/json"})
            assert_problem(too_big, 413)
            deep = admin.post("/v1/import", content=b"[" * 20_000 + b"]" * 20_000,
                              headers={"content-type": "application/json"})
            assert_problem(deep, 400, "body")
            for account in ("half", "big"):
                assert admin.get(f"/v1/accounts/{account}").status_code == 404
            assert audit_count(admin) == 0
            assert admin.get("/ready").status_code == 200
            assert admin.post("/v1/accounts", json={"id": "after", "name": "ok"}).status_code == 201
        assert "Traceback" not in server.log(), server.log()
    finally:
        server.stop()
