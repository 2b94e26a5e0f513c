"""Dependencies the routes declare: the store, the caller's key and role, versions, paging."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response

from app.errors import ApiError
from app.settings import ROLES
from graph.store import Store


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (for the audit trail) and its role."""

    name: str
    role: str


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def authenticate(request: Request, authorization: str | None) -> Principal:
    """The caller's principal from ``Authorization: Bearer <key>``; 401 without a valid key."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Unauthorized", "send an API key as 'Authorization: Bearer <key>'",
                       headers={"WWW-Authenticate": "Bearer"})
    secret = secret.strip()
    for env_secret, role in request.app.state.settings.env_keys().items():
        if hmac.compare_digest(env_secret.encode(), secret.encode()):
            return Principal(f"env-{role}", role)
    key = get_store(request).find_key(secret) if len(secret) <= 200 else None
    if key is None:
        raise ApiError(401, "Unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Principal(key.id, key.role)


def require(role: str):  # type: ignore[no-untyped-def]
    needed = ROLES.index(role)

    def dependency(request: Request,
                   authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Principal:
        # Usually already found by the app's RequireKey middleware, before the body was read.
        principal = getattr(request.state, "principal", None) or authenticate(request, authorization)
        if ROLES.index(principal.role) < needed:
            raise ApiError(403, "Forbidden", f"this needs the {role} role; the key is a {principal.role}")
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require("viewer"))]
Editor = Annotated[Principal, Depends(require("editor"))]
Admin = Annotated[Principal, Depends(require("admin"))]

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version the client last saw, from ``If-Match`` (``"3"``, ``W/"3"``); ``*`` or none: any."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.match(if_match.strip())
    if not found:
        raise ApiError(400, "Bad request", 'If-Match must be an ETag this server sent, such as "3"',
                       errors=[{"loc": ["header", "If-Match"], "msg": "not an ETag of this server"}])
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(expected_version)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size (max 500)")]
Cursor = Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page")]


def with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
