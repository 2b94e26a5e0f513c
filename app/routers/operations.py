"""Health, readiness, metrics and the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.deps import Admin, Cursor, Limit, StoreDep
from app.errors import problem
from app.schemas.resources import AuditPage, Health, Ready
from graph.errors import StoreUnavailable

router = APIRouter()


@router.get("/health", tags=["operations"], response_model=Health)
async def health() -> dict[str, str]:
    """The process is alive. Answered on the event loop itself: it never waits for a worker thread, so
    busy workers cannot make a health check fail."""
    return {"status": "ok"}


@router.get("/ready", tags=["operations"], response_model=Ready,
            responses={503: {"description": "the store is unreachable, not migrated, its database file has "
                                            "vanished, its disk is full, or it holds an unfinished copy: the "
                                            "detail says which"}})
def ready(store: StoreDep) -> Any:
    """The store answers, is fully migrated, and has room to write."""
    try:
        store.backend.check_ready()
        if store.unfinished_copy():
            return problem(503, "Not ready", "the store holds the parts of a copy that did not finish (guanxi "
                                             "copy --batch stopped, or is still running): copy again with --restart")
    except StoreUnavailable as e:
        return problem(503, "Not ready", str(e))
    return {"status": "ready", "backend": store.backend.name}


@router.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Prometheus text format: request counts and latencies by route."""
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/audit", tags=["audit"], response_model=AuditPage, response_model_exclude_unset=True)
def audit(store: StoreDep, _: Admin, limit: Limit = 100, cursor: Cursor = None,
          entity_id: str | None = Query(default=None, max_length=128)) -> dict[str, Any]:
    """Every write, newest first (admin)."""
    page = store.list_audit(entity_id=entity_id, limit=limit, cursor=cursor)
    return {"items": [e.as_json() for e in page.items], "next_cursor": page.next_cursor}
