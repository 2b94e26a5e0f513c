"""Dependencies the routes declare: the store, the caller's key and role, versions, paging."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import time
import typing
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.answers import SharedChecks
from app.errors import ApiError
from app.settings import ROLES
from graph.store import Store
from scoring.options import ScoringOptions


def today_of(moment: str | None = None) -> dt.date:
    """The day a question is judged on: that of ``moment`` (an ``as_of``, a ``since``…), else today (UTC)."""
    return dt.date.fromisoformat(moment[:10]) if moment else dt.datetime.now(dt.UTC).date()


def scoring_options(request: Request) -> ScoringOptions:
    """The service's scoring options (``app.state``, set by ``app.main``), read by every analytic answer,
    map and review."""
    options: ScoringOptions = request.app.state.scoring_options
    return options


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (for the audit trail) and its role."""

    name: str
    role: str


# The dependencies below are ``async`` although they do no I/O: FastAPI runs a plain ``def`` dependency
# in a worker thread, and the hand-over costs more than the dependency itself on every request.


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def authenticated(request: Request, authorization: str | None) -> Principal:
    """The caller's principal from ``Authorization: Bearer <key>``; 401 without a valid key. A key from
    the environment is checked on the event loop, and a stored one is looked up from it too
    (``Store.find_key_async``: a read of the process's own file on SQLite, one round trip on Neo4j), in a
    lookup shared by the concurrent requests sending that key, which started after this one came: a key
    revoked before a request came, by any process, is refused (:class:`app.answers.SharedChecks`)."""
    principal = authenticate_locally(request, authorization)
    if principal is not None:
        return principal
    secret = (authorization or "").partition(" ")[2].strip()
    key = None
    if len(secret) <= 200:
        store: Store = request.app.state.store
        checks: SharedChecks = request.app.state.checks
        arrived = request.scope.setdefault("state", {}).setdefault("arrived", time.monotonic())
        key = await checks.shared(("api key", secret), lambda: store.find_key_async(secret), arrived)
    if key is None:
        raise ApiError(401, "Unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Principal(key.id, key.role)


def authenticate_locally(request: Request, authorization: str | None) -> Principal | None:
    """What the header alone says, without asking the store: 401 for a missing or malformed header,
    the principal of a key given in the environment, else None (a stored key, maybe). No I/O."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Unauthorized", "send an API key as 'Authorization: Bearer <key>'",
                       headers={"WWW-Authenticate": "Bearer"})
    secret = secret.strip()
    for env_secret, role in request.app.state.settings.env_keys().items():
        if hmac.compare_digest(env_secret.encode(), secret.encode()):
            return Principal(f"env-{role}", role)
    return None


# Declared so that OpenAPI names the scheme (``bearerAuth``) on every /v1 operation; the key itself is
# checked by the app's RequireKey middleware before the body is read, and again below if it was not.
bearer = HTTPBearer(scheme_name="bearerAuth", auto_error=False,
                    description="an API key: `Authorization: Bearer <key>` (`guanxi keys create --role viewer`)")


def require(role: str):  # type: ignore[no-untyped-def]
    needed = ROLES.index(role)

    async def dependency(request: Request,
                         _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None) -> Principal:
        # The RequireKey middleware has found the principal of every /v1 request; the key is looked up
        # here only if it has not.
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            principal = await authenticated(request, request.headers.get("authorization"))
        if ROLES.index(principal.role) < needed:
            article = "an" if principal.role[:1] in "aeiou" else "a"
            raise ApiError(403, "Forbidden", f"this needs the {role} role; the key is {article} {principal.role}")
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require("viewer"))]
Editor = Annotated[Principal, Depends(require("editor"))]
Admin = Annotated[Principal, Depends(require("admin"))]

ETAG_PATTERN = r'^\s*(\*|(W/)?"?\d{1,18}"?)\s*$'
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')
ETAG_HEADER: dict[str, Any] = {"ETag": {"description": 'the record\'s version, e.g. "3": send it back in If-Match',
                                        "required": True, "schema": {"type": "string"}}}


async def expected_version(if_match: Annotated[str | None, Header(
        # Documented, checked below (a 400 naming the header, as for every header error).
        json_schema_extra={"pattern": ETAG_PATTERN},
        description='the ETag last read ("3"); the write fails with 412 if the record has changed since; '
                    '* or none: any version')] = None) -> int | None:
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
Cursor = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,400}$",
                                     description="next_cursor of the previous page, as the server sent it")]


def with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


# ---- the query string: only the parameters a route takes, each once ----------------------------------

_QUERY_NAMES: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _query_names(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters ``route`` takes (by the name a client sends), and those that take a list."""
    known = _QUERY_NAMES.get(id(route))
    if known is None:
        fields = list(_query_fields(route.dependant))
        lists = {f.alias for f in fields if _takes_list(f.field_info.annotation)}
        known = _QUERY_NAMES[id(route)] = (frozenset(f.alias for f in fields), frozenset(lists))
    return known


def _query_fields(dependant: Dependant) -> typing.Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def _takes_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_takes_list(arg) for arg in typing.get_args(annotation)) if origin is not None else False


async def known_query(request: Request) -> None:
    """Refuse (422, naming it) a query parameter the route does not take — a mistyped ``dryrun=true``
    would otherwise import for real, ``acount_id=`` list everything — or one given twice (which of
    them counts would be a guess), as a body's unknown fields are refused."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.path.startswith("/v1/"):
        return
    names, lists = _query_names(route)
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in names:
            takes = f"; it takes {', '.join(sorted(names))}" if names else "; it takes none"
            errors.append({"loc": ["query", name], "msg": f"unknown query parameter{takes}"})
        elif name in seen and name not in lists:
            errors.append({"loc": ["query", name], "msg": "given more than once: give it once"})
        seen.add(name)
    if errors:
        first = errors[0]
        raise ApiError(422, "Invalid input", f"query.{first['loc'][1]}: {first['msg']}", errors=errors)
