"""Bulk: import a bundle (JSON or CRM CSV), export an account's bundle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app import csv_bundle
from app.deps import Editor, StoreDep, Viewer
from app.errors import ApiError
from app.routers.analytics import AsOf, as_of_moment
from graph import history
from graph.models import Bundle
from graph.store import Store

router = APIRouter(prefix="/v1", tags=["bulk"])
DryRun = Annotated[bool, Query(description="validate only; write nothing")]


def _import(store: Store, bundle: Bundle, actor: str, dry_run: bool) -> dict[str, Any]:
    counts = store.import_bundle(bundle, actor=actor, dry_run=dry_run)
    return {"dry_run": dry_run, "counts": {kind: c.as_json() for kind, c in counts.items()}}


@router.post("/import")
def import_bundle(bundle: Bundle, store: StoreDep, who: Editor, dry_run: DryRun = False) -> dict[str, Any]:
    """Upsert a bundle by id, all or nothing; counts what was created, updated and unchanged per kind."""
    return _import(store, bundle, who.name, dry_run)


@router.post("/import/csv", openapi_extra={
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_csv(request: Request, store: StoreDep, who: Editor, dry_run: DryRun = False,
                     kind: str = Query(pattern="^(" + "|".join(csv_bundle.KINDS) + ")$")) -> dict[str, Any]:
    """A CRM export with a header row (e.g. ``Id, Name, Title, Department, ReportsToId, AccountId``)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("text/csv", "text/plain", "application/csv")):
        raise ApiError(415, "Unsupported media type", "send the CSV as text/csv")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, "Bad request", f"the CSV is not UTF-8 (byte {e.start})",
                       errors=[{"loc": ["body"], "msg": "not UTF-8"}]) from e
    try:
        records, ignored = csv_bundle.rows(text, kind)
        raw = csv_bundle.to_bundle(kind, records)
    except csv_bundle.CsvError as e:
        raise ApiError(422, "Invalid input", e.msg, errors=[{"loc": e.loc, "msg": e.msg}]) from e
    try:
        bundle = Bundle.model_validate(raw)
    except ValidationError as e:
        errors = [{"loc": ["body", *err["loc"]], "msg": err["msg"]} for err in e.errors()]
        raise ApiError(422, "Invalid input", f"{len(errors)} invalid rows", errors=errors) from e
    result = await run_in_threadpool(_import, store, bundle, who.name, dry_run)
    return {**result, "ignored_columns": ignored}


@router.get("/accounts/{id}/export")
def export_account(id: str, store: StoreDep, _: Viewer, as_of: AsOf = None) -> dict[str, Any]:
    """The account's bundle (its reviews included); importing it into an empty store gives the same graph.
    ``as_of``: the bundle as it stood then."""
    when = as_of_moment(as_of)
    return store.export_account(id) if when is None else history.export_as_of(store, id, when)
