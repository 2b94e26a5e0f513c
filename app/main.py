"""The FastAPI application: built by ``create_app(settings)``, never at import time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Scope
from starlette.types import Receive as ASGIReceive
from starlette.types import Send as ASGISend

from app import errors
from app.answers import Answers
from app.deps import authenticate
from app.routers import analytics, bulk, maps, operations, resources, reviews, web
from app.settings import Settings, make_backend
from graph.errors import StoreUnavailable
from graph.store import Store
from scoring.options import ScoringOptions

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
        try:
            principal = await run_in_threadpool(authenticate, request, request.headers.get("authorization"))
        except errors.ApiError as e:
            await errors.problem(e.status, e.title, e.detail, e.errors, e.headers)(scope, receive, send)
            return
        except StoreUnavailable as e:
            await errors.problem(503, "Store unavailable", str(e))(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class Measure:
    """Counts requests and times them by route template (plain ASGI: no per-request task or copy)."""

    def __init__(self, app: Any, requests: Counter, latency: Histogram) -> None:
        self.app, self.requests, self.latency = app, requests, latency

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
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
        yield
        app.state.store.backend.close()

    app = FastAPI(title="Guanxi", version="0.1.0", lifespan=lifespan,
                  description="Relationship maps for key-account selling: who decides, who influences "
                              "whom, where we are not covered, and who to win over next.")
    app.state.settings = settings
    app.state.store = store
    app.state.scoring_options = ScoringOptions()
    app.state.answers = Answers()
    errors.install(app)

    registry = CollectorRegistry()
    requests = Counter("guanxi_requests_total", "HTTP requests", ["method", "route", "status"],
                       registry=registry)
    latency = Histogram("guanxi_request_seconds", "HTTP request latency", ["method", "route"],
                        registry=registry)
    app.state.metrics = registry

    app.add_middleware(RequireKey)

    app.add_middleware(Measure, requests=requests, latency=latency)

    for module in (operations, resources, bulk, analytics, maps, reviews, web):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
