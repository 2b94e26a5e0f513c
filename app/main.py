"""The FastAPI application: built by ``create_app(settings)``, never at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Scope
from starlette.types import Receive as ASGIReceive
from starlette.types import Send as ASGISend

from app import errors, limits
from app.answers import Answers, SharedChecks
from app.deps import authenticated, known_query
from app.route_table import route_table
from app.routers import analytics, bulk, docs, maps, operations, resources, reviews, web
from app.routers.analytics import language
from app.settings import Settings, make_backend
from graph.errors import StoreUnavailable
from graph.models import Bundle
from graph.store import Store
from rendering import Drawings
from scoring.options import ScoringOptions

log = logging.getLogger("guanxi")

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimit:
    """Refuses request bodies above ``max_bytes`` with 413, by header and by counting what arrives."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = refused = False

        # Over the limit, answer 413 at once and tell the app the client went away, so it stops
        # reading: raising here instead would reach FastAPI's body parser (a 400) or come back
        # wrapped in an ExceptionGroup by the http middleware (a 500).
        async def counting_receive() -> dict[str, Any]:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                if not started:
                    refused = True
                    await self._refuse(send)
                return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send) -> None:
        response = errors.problem(413, "Too large", f"request bodies are limited to {self.max_bytes} bytes")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", errors.PROBLEM.encode()),
                                (b"content-length", str(len(response.body)).encode())]})
        await send({"type": "http.response.body", "body": response.body})


class RequireKey:
    """Refuses ``/v1`` requests without a valid key (401) before their body is read, so that nobody
    without a key can make the server parse a body or learn from its validation errors. Roles are
    checked by each route; the principal found here is handed to them in ``request.state``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization")
        try:
            principal = await authenticated(request, header)
        except errors.ApiError as e:
            await errors.problem(e.status, e.title, e.detail, e.errors, e.headers)(scope, receive, send)
            return
        except StoreUnavailable as e:
            await errors.problem(503, "Store unavailable", str(e))(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class HeaderLimit:
    """Refuses requests whose headers are larger than ``max_bytes`` in all, or more than ``max_count``,
    with 431 (the server's own parser bounds what it reads before this: see ``app/cli.py``)."""

    def __init__(self, app: Any, max_bytes: int, max_count: int = 100) -> None:
        self.app, self.max_bytes, self.max_count = app, max_bytes, max_count

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] == "http":
            headers = scope.get("headers") or []
            size = sum(len(name) + len(value) + 4 for name, value in headers)
            if size > self.max_bytes or len(headers) > self.max_count:
                await errors.problem(431, "Request header fields too large",
                                     f"request headers are limited to {self.max_bytes} bytes and {self.max_count} "
                                     f"fields (got {size} bytes in {len(headers)})",
                                     headers={"Connection": "close"})(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ContainErrors:
    """An unexpected error becomes a 500 problem answer, logged, and goes no further: the server then
    keeps the connection open for the client's next request (an exception reaching the server makes it
    close the connection)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        except Exception as exc:
            if started:
                raise  # half an answer is out: only closing the connection tells the client
            log.exception("unhandled error", exc_info=exc)
            await errors.problem(500, "Internal error", "the server failed; the error has been logged"
                                 )(scope, receive, send)


# Pages and images the browser renders get a policy of their own when the route set none: an SVG map
# draws with inline styles and nothing else (no script, no fetch, sandboxed); any other HTML, nothing.
SVG_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox; "
           "frame-ancestors 'none'")
HTML_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


class ResponseHeaders:
    """Headers every answer needs: ``nosniff``; ``Cache-Control: private, no-store`` on the API (its
    answers hold people's data); a strict Content-Security-Policy on HTML and SVG that has none."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        personal = scope["path"].startswith("/v1/")

        async def decorating_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if personal:
                    headers.setdefault("Cache-Control", "private, no-store")
                kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if kind == "image/svg+xml":
                    headers.setdefault("Content-Security-Policy", SVG_CSP)
                elif kind == "text/html":
                    headers.setdefault("Content-Security-Policy", HTML_CSP)
            await send(message)

        await self.app(scope, receive, decorating_send)


class HeadAsGet:
    """HEAD answered as GET is, headers and all, without the body (HTTP's rule): every GET route takes
    HEAD, as the ``Allow`` header of a 405 says (a load balancer's ``HEAD /health`` probe)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)


# Routes that, without Accept-Language, answer in the language of the account's own names (maps, decks):
# their Content-Language is only known when the client asked for one.
LANGUAGE_OF_NAMES = ("/map", "/review-deck")


class LanguageHeaders:
    """``Vary: Accept-Language`` on every answer of a route whose texts follow the language (the contract
    gives it an Accept-Language parameter), and ``Content-Language`` on its successes: a cache never
    serves one reader's language to another."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/") or not route_table(
                scope["app"]).follows_language(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        asked = next((v.decode("latin-1") for k, v in scope.get("headers") or [] if k == b"accept-language"), None)
        guesses = scope["path"].endswith(LANGUAGE_OF_NAMES)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Accept-Language")
                if 200 <= message["status"] < 300 and "content-language" not in headers and (asked or not guesses):
                    headers["Content-Language"] = language(asked)
            await send(message)

        await self.app(scope, receive, send_with_language)


class Measure:
    """Counts requests and times them by route template (plain ASGI: no per-request task or copy)."""

    def __init__(self, app: Any, requests: Counter, latency: Histogram) -> None:
        self.app, self.requests, self.latency = app, requests, latency

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 499  # no answer at all: the client went away first (nginx's "client closed request")

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        except Exception:
            status = 500
            raise
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], route, str(status)).inc()
            self.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:
            app.state.store = Store(make_backend(settings))
            if settings.auto_migrate and app.state.store.backend.migrates_on_start:
                app.state.store.backend.migrate()
        # The contract's table of paths (Allow, language headers), built from the OpenAPI document before
        # the first request rather than on the event loop while it waits.
        await run_in_threadpool(route_table, app)
        yield
        await app.state.store.backend.close_async()
        app.state.store.backend.close()

    # No redirect_slashes: Starlette builds the redirect from the Host header, so /v1/accounts/ would send
    # a client to whatever host it named. The docs pages are served offline by app.routers.docs.
    app = FastAPI(title="Guanxi", version="0.1.0", lifespan=lifespan, redirect_slashes=False,
                  docs_url=None, redoc_url=None, dependencies=[Depends(known_query)],
                  description="Relationship maps for key-account selling: who decides, who influences "
                              "whom, where we are not covered, and who to win over next. Every /v1 call "
                              "takes an API key: `Authorization: Bearer <key>`.")
    app.state.settings = settings
    app.state.store = store
    app.state.scoring_options = ScoringOptions()
    app.state.answers = Answers()
    app.state.checks = SharedChecks()
    app.state.drawings = Drawings()
    errors.install(app)

    registry = CollectorRegistry()
    requests = Counter("guanxi_requests_total", "HTTP requests", ["method", "route", "status"],
                       registry=registry)
    latency = Histogram("guanxi_request_seconds", "HTTP request latency", ["method", "route"],
                        registry=registry)
    app.state.metrics = registry

    # Innermost first: heavy work waits for the gate only once its key is known to be good; a question
    # answered from a kept map, while no other is being answered, begins that map's check as it arrives,
    # while its key is looked up (analytics.CheckOnArrival).
    gate = limits.Gate(limits.GateSettings(settings.heavy_concurrency, settings.heavy_queue,
                                           settings.heavy_wait_seconds, settings.work_seconds))
    app.state.gate = gate
    app.add_middleware(limits.GateHeavy, gate=gate)
    app.add_middleware(RequireKey)
    app.add_middleware(analytics.CheckOnArrival)
    app.add_middleware(LanguageHeaders)

    app.add_middleware(Measure, requests=requests, latency=latency)

    # Routes are matched in this order, one by one (tens of microseconds per router passed over): the
    # questions reps ask most come right after the probes, the records' CRUD after them.
    for module in (operations, analytics, maps, resources, bulk, reviews, web, docs):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeaderLimit, max_bytes=settings.max_header_bytes)
    app.add_middleware(ContainErrors)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(HeadAsGet)

    document_bodies(app)
    return app


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's schema without ``null``: a parameter is absent or a string, never "null"
    (``{"anyOf": [{"type": "string"}, {"type": "null"}], "pattern": ...}`` → ``{"type": "string", ...}``)."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [o for o in options if o != {"type": "null"}]
    if len(kept) != 1:
        return schema
    return {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept[0]}


def document_bodies(app: FastAPI) -> None:
    """Bodies a route reads itself (parsed off the event loop) still get their schema in OpenAPI (the
    import bundle), and optional parameters are documented as absent-or-a-value, never null."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        bundle = Bundle.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
        for name, definition in bundle.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("Bundle", bundle)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                    parameter["schema"] = _not_null(parameter.get("schema", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
