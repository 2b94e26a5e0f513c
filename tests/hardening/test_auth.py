"""Auth everywhere: every route of the app's own OpenAPI document needs a key, writes need an editor,
the audit trail and erasure an admin; stored keys are hashed and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.sqlite.store import SqliteBackend
from graph.store import Store
from tests.hardening.conftest import ADMIN, EDITOR, KEYS_ENV, VIEWER, assert_problem, auth, loaded

OPEN = {"/health", "/ready", "/metrics", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc"}
ADMIN_ONLY = {("GET", "/v1/audit"), ("POST", "/v1/contacts/{id}/erase"), ("GET", "/v1/contacts/{id}/personal-data")}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("auth"), api_keys=KEYS_ENV)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        loaded(client, "furniture")
        yield client


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return sorted((method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "patch", "put", "delete"))


def _url(path: str) -> str:
    """A concrete URL for a templated path: real ids, so a key that passes could really act."""
    values = {"id": "gzf-gm", "opportunity_id": "gzf-upgrade", "contact_id": "gzf-gm"}
    url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)
    if "/accounts/" in url:
        url = url.replace("/accounts/gzf-gm", "/accounts/gzf")
    if "/opportunities/gzf-gm" in url:
        url = url.replace("/opportunities/gzf-gm", "/opportunities/gzf-upgrade")
    return url


def test_the_route_list_is_what_we_think(app_client: TestClient) -> None:
    operations = _operations(app_client)
    assert ("GET", "/v1/contacts") in operations and ("POST", "/v1/import") in operations
    assert ADMIN_ONLY <= set(operations)
    assert len(operations) > 30


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="no-header"),
    pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
    pytest.param({"Authorization": "Basic " + "YWRtaW46YWRtaW4="}, id="basic-scheme"),
    pytest.param({"Authorization": "Bearer wrong-key-of-sufficient-length"}, id="unknown-key"),
    pytest.param({"Authorization": f"Bearer {ADMIN}x"}, id="admin-key-plus-a-char"),
    pytest.param({"Authorization": f"Bearer {ADMIN[:-1]}"}, id="admin-key-minus-a-char"),
    pytest.param({"Authorization": "Bearer " + "k" * 10_000}, id="huge-key"),
    pytest.param({"Authorization": f"Bearer {EDITOR.upper()}"}, id="wrong-case"),
])
def test_every_route_needs_a_key(app_client: TestClient, headers: dict[str, str]) -> None:
    checked = 0
    for method, path in _operations(app_client):
        if path in OPEN:
            continue
        # a well-formed body too: a missing key must win over anything else
        body: dict[str, Any] = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        response = app_client.request(method, _url(path), headers=headers, **body)
        problem = assert_problem(response, 401)
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer"), (method, path)
        assert ADMIN not in problem["detail"]
        checked += 1
    assert checked > 30


def test_open_routes_need_no_key(app_client: TestClient) -> None:
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        assert app_client.get(path).status_code == 200, path


def test_writes_refuse_a_viewer_and_admin_routes_refuse_an_editor(app_client: TestClient) -> None:
    before = app_client.get("/v1/accounts/gzf/export", headers=auth(ADMIN)).json()
    writes = 0
    for method, path in _operations(app_client):
        if path in OPEN:
            continue
        url = _url(path)
        body: dict[str, Any] = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        if method in WRITES:
            assert_problem(app_client.request(method, url, headers=auth(VIEWER), **body), 403)
            writes += 1
        if (method, path) in ADMIN_ONLY:
            problem = assert_problem(app_client.request(method, url, headers=auth(EDITOR), **body), 403)
            assert "admin" in problem["detail"]
        elif method == "GET":
            # reads are open to a viewer (any answer but an auth refusal)
            response = app_client.request(method, url, headers=auth(VIEWER))
            assert response.status_code not in (401, 403), (method, path, response.text)
    assert writes >= 20
    assert app_client.get("/v1/accounts/gzf/export", headers=auth(ADMIN)).json() == before


def test_an_editor_may_write_and_an_admin_may_audit(app_client: TestClient) -> None:
    created = app_client.post("/v1/competitors", json={"id": "by-editor", "name": "x"}, headers=auth(EDITOR))
    assert created.status_code == 201
    entry = app_client.get("/v1/audit", params={"entity_id": "by-editor"}, headers=auth(ADMIN)).json()["items"][0]
    assert entry["actor"] == "env-editor"
    assert app_client.delete("/v1/competitors/by-editor", headers=auth(EDITOR)).status_code == 204


def test_stored_keys_are_hashed_and_looked_up_by_hash(tmp_path: Path) -> None:
    store = Store(SqliteBackend(tmp_path))
    store.backend.migrate()
    secrets = [store.create_key(role, name=f"{role} key")[1] for role in ("viewer", "editor", "admin")]
    with sqlite3.connect(tmp_path / "guanxi.sqlite3") as conn:
        rows = conn.execute("SELECT * FROM api_keys").fetchall()
        dump = "\n".join(conn.iterdump())
    assert len(rows) == 3
    for secret in secrets:
        assert secret not in dump and secret[3:] not in dump  # not the key, not without its prefix
        assert hashlib.sha256(secret.encode()).hexdigest() in dump
    # the audit of the key creation holds no secret either
    assert all(secret not in str(entry.as_json()) for secret in secrets
               for entry in store.list_audit(limit=100).items)
    # and a key only works whole
    assert store.find_key(secrets[0]) is not None
    assert store.find_key(secrets[0][:-1]) is None and store.find_key(secrets[0] + "x") is None
    store.backend.close()


def test_keys_are_compared_in_constant_time(app_client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """Both the environment's keys and stored keys go through hmac.compare_digest."""
    calls: list[tuple[bytes | str, bytes | str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # app.deps and graph.store call it through hmac
    assert app_client.get("/v1/accounts", headers=auth(VIEWER)).status_code == 200
    assert any(VIEWER.encode() in (a, b) for a, b in calls)

    calls.clear()
    store = Store(SqliteBackend(tmp_path))
    store.backend.migrate()
    _, secret = store.create_key("viewer")
    assert store.find_key(secret) is not None
    assert any(hashlib.sha256(secret.encode()).hexdigest() in (a, b) for a, b in calls)
    store.backend.close()


def test_a_revoked_stored_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=KEYS_ENV)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        key, secret = store.create_key("admin", name="temporary")
        assert client.get("/v1/audit", headers=auth(secret)).status_code == 200
        store.revoke_key(key.id)
        assert_problem(client.get("/v1/audit", headers=auth(secret)), 401)
        assert_problem(client.get("/v1/accounts", headers=auth(secret)), 401)


@pytest.mark.parametrize("body", [
    pytest.param({"content": b"{not json", "headers": {"content-type": "application/json"}}, id="not-json"),
    pytest.param({"content": b"[" * 20_000, "headers": {"content-type": "application/json"}}, id="deep"),
    pytest.param({"json": {"bogus": 1}}, id="invalid-fields"),
    pytest.param({"content": b"\xff", "headers": {"content-type": "application/json"}}, id="not-utf8"),
])
def test_no_key_is_refused_before_the_body_is_read(app_client: TestClient, body: dict[str, Any]) -> None:
    """Without a key the server neither parses a body nor explains what is wrong with it."""
    for path in ("/v1/contacts", "/v1/import", "/v1/import/csv?kind=contacts"):
        problem = assert_problem(app_client.post(path, **body), 401)
        assert "body" not in problem["detail"]
