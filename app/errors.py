"""One error tree, rendered as ``application/problem+json`` by one set of handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import Conflict, InvalidGraph, NotFound, PreconditionFailed, StoreError, StoreUnavailable

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
        return "the body is not valid JSON"
    return None


STORE_STATUS: list[tuple[type[StoreError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (PreconditionFailed, 412, "Precondition failed"),
    (InvalidGraph, 422, "Invalid input"),
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
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, answer in list(responses.items()):
                    if status.startswith("4") or status == "503":
                        responses[status] = {"description": answer.get("description", "a problem"),
                                             "content": content}
                responses.setdefault("4XX", {"description": "a problem with the request", "content": content})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        for kind, status, title in STORE_STATUS:
            if isinstance(exc, kind):
                errors = exc.errors if isinstance(exc, InvalidGraph) else None
                return problem(status, title, str(exc), errors)
        return problem(500, "Internal error", "unexpected store error")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean(list(exc.errors()))
        content_type = request.headers.get("content-type", "")
        if content_type and not _is_json(content_type) and any(e["loc"][:1] == ["body"] for e in errors):
            return problem(415, "Unsupported media type",
                           f"send the body as application/json, not {content_type[:80]!r}",
                           [{"loc": ["header", "content-type"], "msg": "must be application/json"}])
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        return problem(422, "Invalid input", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_body(exc)
        if unreadable:
            return problem(400, "Bad request", unreadable, [{"loc": ["body"], "msg": unreadable}])
        titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 413: "Too large"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail),
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "the server failed; the error has been logged")
