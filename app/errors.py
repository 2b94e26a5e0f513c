"""One error tree, rendered as ``application/problem+json`` by one set of handlers."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    Conflict,
    InvalidGraph,
    NotFound,
    PreconditionFailed,
    StorageFull,
    StoreError,
    StoreUnavailable,
    WriteTooLarge,
)
from scoring.budget import Abandoned, OverBudget

log = logging.getLogger("guanxi")
PROBLEM = "application/problem+json"


class ApiError(Exception):
    """An error of the HTTP layer itself (auth, headers, unsupported input)."""

    def __init__(self, status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": f"https://guanxi.dev/problems/{status}", "title": title,
                            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _clean(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": _message(e)} for e in errors]


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid" and (error.get("ctx") or {}).get("error"):
        return f"the body is not valid JSON: {error['ctx']['error']}"
    return str(error.get("msg", ""))


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _unreadable_body(exc: StarletteHTTPException) -> str | None:
    """What was wrong with a body FastAPI could not parse (it says only "error parsing the body")."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (byte {cause.start})"
    if isinstance(cause, ValueError):
        return too_long_number(cause) or "the body is not valid JSON"
    return None


def too_long_number(error: ValueError) -> str | None:
    """What a ValueError of ``json.loads`` about an integer too long to convert means to the client."""
    if "integer string conversion" not in str(error):
        return None
    return f"the body holds a number of more than {sys.get_int_max_str_digits()} digits"


STORE_STATUS: list[tuple[type[StoreError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (PreconditionFailed, 412, "Precondition failed"),
    (WriteTooLarge, 413, "Too large"),
    (InvalidGraph, 422, "Invalid input"),
    (StorageFull, 507, "Insufficient storage"),
    (StoreUnavailable, 503, "Store unavailable"),
]


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["loc", "msg"],
            "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                           "msg": {"type": "string"}}}},
    },
}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers below send: every 4xx (and a 503) is an
    ``application/problem+json`` Problem, not FastAPI's default ``HTTPValidationError``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, replaced by Problem
            components.pop(unused, None)
        content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, answer in list(responses.items()):
                    if status.startswith(("4", "5")):
                        responses[status] = {"description": answer.get("description", "a problem"),
                                             "content": content}
                responses.setdefault("4XX", {"description": "a problem with the request", "content": content})
                if path.startswith("/v1/"):
                    responses.setdefault("503", {"description": "the store is unreachable, or the service is "
                                                 "busy (Retry-After says when to retry)", "content": content})
                    responses.setdefault("507", {"description": "the disk holding the store is full",
                                                 "content": content})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(request: Request, fallback: dict[str, str] | None) -> str:
    """Every method the contract documents at the request's path (Starlette names only the first
    matching route's: ``Allow: GET`` where POST works too); Starlette's own answer elsewhere."""
    from app.route_table import route_table

    documented = route_table(request.app).allowed(request.url.path)
    if documented:
        return ", ".join(documented)
    return (fallback or {}).get("Allow", "")


def install(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(OverBudget)
    async def over_budget(_: Request, exc: OverBudget) -> JSONResponse:
        return problem(422, "Too much work", f"{exc}: ask a narrower question (fewer paths, a smaller scope "
                       "or a focused map), or split the import")

    @app.exception_handler(Abandoned)
    async def abandoned(_: Request, exc: Abandoned) -> JSONResponse:
        return problem(499, "Client closed request", str(exc))  # nobody is listening any more

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        for kind, status, title in STORE_STATUS:
            if isinstance(exc, kind):
                errors = exc.errors if isinstance(exc, InvalidGraph) else None
                return problem(status, title, str(exc), errors)
        return problem(500, "Internal error", "unexpected store error")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = list(exc.errors())
        errors = _clean(raw)
        content_type = request.headers.get("content-type", "")
        # A body sent without a JSON content type reaches validation as bytes (FastAPI parses only what is
        # declared JSON): that is a 415, with or without a Content-Type header — never "Input should be a
        # valid dictionary". (No body at all stays a 422: the body is required.)
        unparsed = any(tuple(e.get("loc", ()))[:1] == ("body",) and isinstance(e.get("input"), bytes | bytearray)
                       for e in raw)
        if (unparsed or content_type) and not _is_json(content_type) and any(e["loc"][:1] == ["body"]
                                                                             for e in errors):
            shown = f"not {content_type[:80]!r}" if content_type else "with a Content-Type header saying so"
            return problem(415, "Unsupported media type", f"send the body as application/json, {shown}",
                           [{"loc": ["header", "content-type"], "msg": "must be application/json"}])
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        return problem(422, "Invalid input", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_body(exc)
        if unreadable:
            return problem(400, "Bad request", unreadable, [{"loc": ["body"], "msg": unreadable}])
        titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 413: "Too large"}
        headers = getattr(exc, "headers", None)
        detail = str(exc.detail)
        if exc.status_code == 405:
            allowed = allowed_methods(request, headers)
            headers = {**(headers or {}), "Allow": allowed}
            detail = f"{request.method} is not allowed here; allowed: {allowed}"
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), detail, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "the server failed; the error has been logged")
