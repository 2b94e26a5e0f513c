"""Headers for a service that also serves pages (issue 14, item 9): ``Content-Language`` and
``Vary: Accept-Language`` wherever texts follow the language; 405 answers naming every allowed method;
``Cache-Control: private, no-store`` on the API's answers (they hold people's data); ``nosniff``
everywhere; a strict CSP on HTML and SVG (the web app keeps its own); no redirect to a host the client
chose; bounded request headers, over a real server.

Findings: no Content-Language/Vary, so a cache could serve the wrong language; JSON with personal data
carried no Cache-Control; the SVG map had no CSP or nosniff; ``/v1/accounts/`` redirected to
``http://evil.example/v1/accounts`` when asked with that Host; 200 KB request headers passed; 405 answers
said ``Allow: GET`` where POST works too."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import SVG_CSP
from app.routers.web import CSP as WEB_APP_CSP
from tests.hardening.conftest import ADMIN, LiveServer, auth

LANGUAGE_ROUTES = [
    "/v1/opportunities/gzf-upgrade/decision-chain",
    "/v1/opportunities/gzf-upgrade/coverage-gaps",
    "/v1/opportunities/gzf-upgrade/next-best-contacts",
    "/v1/accounts/gzf/paths?from=us-rep&to=gzf-coo",
    "/v1/accounts/gzf/influence",
    "/v1/accounts/gzf/classification",
]


@pytest.mark.parametrize("path", LANGUAGE_ROUTES)
@pytest.mark.parametrize(("asked", "answered"), [("zh-CN,zh;q=0.9", "zh-CN"), ("en-US", "en"), (None, "en")])
def test_answers_in_a_language_say_so_and_vary(furniture: TestClient, path: str, asked: str | None,
                                               answered: str) -> None:
    response = furniture.get(path, headers={"Accept-Language": asked} if asked else {})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Language"] == answered
    assert "Accept-Language" in response.headers["Vary"]


def test_every_route_whose_texts_follow_the_language_is_covered(furniture: TestClient) -> None:
    """Every operation the contract gives an Accept-Language parameter gets the headers (the list above
    covers all analytics; the map is checked below)."""
    schema = furniture.get("/openapi.json").json()
    with_language = {path for path, item in schema["paths"].items() for op in item.values()
                     if any(p["in"] == "header" and p["name"].lower() == "accept-language"
                            for p in op.get("parameters", []))}
    covered = {p.split("?")[0].replace("gzf-upgrade", "{id}").replace("/gzf/", "/{id}/") for p in LANGUAGE_ROUTES}
    assert covered <= with_language
    assert "/v1/accounts/{id}/map" in with_language


def test_a_map_varies_by_language_and_says_it_when_asked(furniture: TestClient) -> None:
    asked = furniture.get("/v1/accounts/gzf/map", params={"format": "svg"}, headers={"Accept-Language": "en"})
    assert asked.headers["Content-Language"] == "en" and "Accept-Language" in asked.headers["Vary"]
    unasked = furniture.get("/v1/accounts/gzf/map", params={"format": "svg"})
    assert "Accept-Language" in unasked.headers["Vary"]  # the names' language: not claimed


def test_problems_on_language_routes_vary_but_claim_no_language(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/nobody/influence", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "Accept-Language" in response.headers["Vary"] and "Content-Language" not in response.headers


def test_every_405_names_every_documented_method(furniture: TestClient) -> None:
    schema = furniture.get("/openapi.json").json()
    checked = 0
    for template, item in schema["paths"].items():
        documented = {m.upper() for m in item}
        path = template.replace("{id}", "gzf").replace("{opportunity_id}", "gzf-upgrade").replace(
            "{contact_id}", "gzf-gm")
        unused = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "OPTIONS") if m not in documented)
        response = furniture.request(unused, path)
        assert response.status_code == 405, (unused, path, response.status_code)
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed == documented | ({"HEAD"} if "GET" in documented else set()), (path, allowed)
        assert response.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize("path", ["/v1/accounts", "/v1/contacts/gzf-gm", "/v1/audit", "/v1/accounts/gzf/export",
                                  "/v1/opportunities/gzf-upgrade/decision-chain", "/v1/me",
                                  "/v1/contacts/nobody", "/v1/accounts/gzf/map?format=png"])
def test_api_answers_are_never_stored_by_a_cache(furniture: TestClient, path: str) -> None:
    response = furniture.get(path)
    assert "no-store" in response.headers["Cache-Control"], response.headers
    if response.headers["content-type"].startswith("application/"):
        assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/health", "/ready", "/openapi.json", "/docs", "/redoc", "/assets/app.css",
                                  "/docs-assets/swagger-ui.css", "/nowhere", "/v1/accounts"])
def test_nosniff_everywhere(client: TestClient, path: str) -> None:
    assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_the_svg_map_has_a_strict_policy(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/gzf/map", params={"format": "svg"})
    assert response.headers["content-type"].startswith("image/svg+xml")
    policy = response.headers["Content-Security-Policy"]
    assert policy == SVG_CSP and "script-src" not in policy and "sandbox" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/docs", "/redoc"])
def test_html_pages_have_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src" in policy and "'unsafe-eval'" not in policy and "http" not in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    if path == "/":
        assert policy == WEB_APP_CSP  # the web app's own policy is kept


@pytest.mark.parametrize("path", ["/v1/accounts/", "/v1/accounts/gzf/", "/health/", "/docs/"])
def test_no_redirect_to_a_host_the_client_chose(furniture: TestClient, path: str) -> None:
    response = furniture.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert not 300 <= response.status_code < 400, response.headers
    assert "evil.example" not in response.headers.get("Location", "")
    assert response.status_code == 404


# ---- header sizes, over a real server ---------------------------------------------------------------------------


def test_request_headers_are_bounded(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", tmp_path / "server.log").start()
    try:
        with server.client() as client:
            assert client.get("/v1/accounts").status_code == 200
            # over the app's limit (16 KiB): a problem naming the limit
            response = client.get("/v1/accounts", headers={"X-Padding": "a" * 20_000})
            assert response.status_code == 431 and "16384 bytes" in response.json()["detail"]
            assert client.get("/v1/accounts", headers={f"X-H{i}": "1" for i in range(150)}).status_code == 431
        # far over it (the finding: 200 KB passed): the server's parser refuses it before the app
        with httpx.Client(base_url=server.url, headers=auth(ADMIN)) as client:
            try:
                status = client.get("/v1/accounts", headers={"X-Padding": "a" * 200_000}).status_code
            except httpx.HTTPError:
                status = None  # the connection closed: refused as well
            assert status in (None, 400, 431)
        with server.client() as client:  # and the server is still there
            assert client.get("/health").status_code == 200
    finally:
        server.stop()
