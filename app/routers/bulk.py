"""Bulk: import a bundle (JSON or CRM CSV), export an account's bundle.

Bodies are parsed and validated in a worker thread, never on the event loop: a 30 MB import must not
stall ``/health`` or anyone else's request while it is read.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.deps import Editor, StoreDep, Viewer
from app.errors import ApiError, too_long_number
from app.routers.analytics import AsOf, as_of_moment
from app.schemas.resources import CsvImportResult, ExportBundle, ImportResult
from graph import csv_bundle, history
from graph.collector import collection_paused
from graph.errors import InvalidGraph
from graph.models import Bundle
from graph.store import Store

router = APIRouter(prefix="/v1", tags=["bulk"])
DryRun = Annotated[bool, Query(description="validate only; write nothing (the answer says dry_run: true)")]
CsvKind = Literal["accounts", "contacts", "team", "competitors", "opportunities", "relationships", "decision_chain"]
CsvEncoding = Literal["utf-8", "gb18030", "gbk", "gb2312", "big5", "big5-hkscs", "utf-16", "windows-1252",
                      "latin-1"]
# What clients send a CSV as (Windows gives a .csv file application/vnd.ms-excel: browsers, many HTTP libraries).
CSV_MEDIA_TYPES = frozenset({"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
                             "text/comma-separated-values", "text/tab-separated-values"})
assert set(get_args(CsvKind)) == set(csv_bundle.KINDS) and set(get_args(CsvEncoding)) == set(csv_bundle.ENCODINGS)


def _import(store: Store, bundle: Bundle, actor: str, dry_run: bool) -> dict[str, Any]:
    counts = store.import_bundle(bundle, actor=actor, dry_run=dry_run)
    return {"dry_run": dry_run, "counts": {kind: c.as_json() for kind, c in counts.items()}}


def _json_bundle(body: bytes) -> Bundle:
    """The bundle in a JSON body, read as FastAPI reads the other routes' bodies (``json.loads``), so
    that every route answers the same about the same bad body."""
    try:
        data = json.loads(body)
    except RecursionError as e:
        raise _unreadable("the JSON body is nested too deeply") from e
    except UnicodeDecodeError as e:
        raise _unreadable(f"the body is not valid UTF-8 (byte {e.start})") from e
    except json.JSONDecodeError as e:
        msg = f"the body is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        raise ApiError(422, "Invalid input", f"body: {msg}", [{"loc": ["body", e.pos], "msg": msg}]) from e
    except ValueError as e:  # an integer of more digits than Python converts (4300): no field takes one
        raise _unreadable(too_long_number(e) or "the body is not valid JSON") from e
    try:
        return Bundle.model_validate(data)
    except RecursionError as e:
        raise _unreadable("the JSON body is nested too deeply") from e
    except ValidationError as e:
        errors = [{"loc": ["body", *err["loc"]], "msg": str(err["msg"])} for err in e.errors()]
        detail = f"{'.'.join(map(str, errors[0]['loc']))}: {errors[0]['msg']}"
        raise ApiError(422, "Invalid input", detail, errors) from e


def _unreadable(msg: str) -> ApiError:
    return ApiError(400, "Bad request", msg, [{"loc": ["body"], "msg": msg}])


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _media_type(content_type: str) -> tuple[str, str | None]:
    """A Content-Type's media type (lower case: media types are case-insensitive) and its charset, if any.

    >>> _media_type('TEXT/CSV; Charset="Big5"'), _media_type("text/csv")
    (('text/csv', 'Big5'), ('text/csv', None))
    """
    kind, *parameters = content_type.split(";")
    charset = next((value.strip().strip('"') for name, _, value in (p.partition("=") for p in parameters)
                    if name.strip().lower() == "charset"), None)
    return kind.strip().lower(), charset


@router.post("/import", response_model=ImportResult, response_model_exclude_none=True, openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bundle"}}}}})
async def import_bundle(request: Request, store: StoreDep, who: Editor, dry_run: DryRun = False) -> dict[str, Any]:
    """Upsert a bundle by id, all or nothing; counts what was created, updated and unchanged per kind.
    Row-level errors name the row (``loc: ["body", "contacts", 17, "account_id"]``)."""
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type):
        raise ApiError(415, "Unsupported media type", f"send the bundle as application/json, not {content_type[:80]!r}",
                       [{"loc": ["header", "content-type"], "msg": "must be application/json"}])
    body = await request.body()

    def work() -> dict[str, Any]:
        with collection_paused():  # the bundle's models too are many objects and no garbage
            return _import(store, _json_bundle(body), who.name, dry_run)

    result: dict[str, Any] = await run_in_threadpool(work)
    return result


@router.post("/import/csv", response_model=CsvImportResult, response_model_exclude_none=True, openapi_extra={
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_csv(request: Request, store: StoreDep, who: Editor, kind: Annotated[CsvKind, Query()],
                     dry_run: DryRun = False,
                     encoding: Annotated[CsvEncoding | None, Query(description=(
                         "the CSV's character encoding (or the Content-Type's charset; both: they must agree); "
                         "default: UTF-16 with a byte-order mark, else UTF-8, else GB18030 (what Excel on a "
                         "Chinese Windows saves). Big5 must be named"))] = None) -> dict[str, Any]:
    """A CRM export with a header row (e.g. ``Id, Name, Title, Department, ReportsToId, AccountId``, or
    Chinese headers such as 姓名, 职位, 部门). It updates only the fields it has columns for: a field without
    a column, or with a blank cell, keeps its stored value; a contact's ``ReportsToId`` replaces the
    reporting lines earlier imports gave it (lines entered by hand stay). Errors name the CSV row (the
    header is row 1) and column: ``loc: ["body", 18, "Name"]``. Cells may be separated by commas, tabs or
    semicolons (whichever the header row has most of)."""
    media_type, charset = _media_type(request.headers.get("content-type", ""))
    if media_type not in CSV_MEDIA_TYPES:
        raise ApiError(415, "Unsupported media type", "send the CSV as text/csv",
                       [{"loc": ["header", "content-type"], "msg": "must be text/csv"}])
    body = await request.body()

    def work() -> dict[str, Any]:
        try:
            parsed = csv_bundle.read(body, kind, csv_bundle.declared_encoding(encoding, charset))
        except csv_bundle.CsvError as e:
            raise _csv_problem(e) from e
        try:
            counts = csv_bundle.import_csv(store, parsed, actor=who.name, dry_run=dry_run)
        except csv_bundle.CsvError as e:
            raise _csv_problem(e) from e
        except InvalidGraph as e:
            errors = parsed.locate(e.errors)
            raise ApiError(422, "Invalid input", errors[0]["msg"] if errors else str(e), errors) from e
        return {"dry_run": dry_run, "counts": {section: c.as_json() for section, c in counts.items()},
                "encoding": parsed.encoding, "ignored_columns": parsed.ignored, "warnings": parsed.warnings or None}

    result: dict[str, Any] = await run_in_threadpool(work)
    return result


def _csv_problem(error: csv_bundle.CsvError) -> ApiError:
    title = {422: "Invalid input", 415: "Unsupported media type"}.get(error.status, "Bad request")
    return ApiError(error.status, title, error.msg, error.errors)


@router.get("/accounts/{id}/export", response_model=ExportBundle, response_model_exclude_unset=True)
def export_account(id: str, store: StoreDep, _: Viewer, as_of: AsOf = None) -> dict[str, Any]:
    """The account's bundle (its reviews included); importing it into an empty store gives the same graph.
    ``as_of``: the bundle as it stood then."""
    when = as_of_moment(as_of)
    return store.export_account(id) if when is None else history.export_as_of(store, id, when)
