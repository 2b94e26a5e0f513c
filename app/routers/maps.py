"""The relationship map of an account as an image or a graph file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from app.deps import StoreDep, Viewer
from app.errors import ApiError
from rendering import EXTENSIONS, MapError, render_account_map
from graph.models import ID_PATTERN
from scoring.options import ScoringOptions

router = APIRouter(prefix="/v1", tags=["maps"])
Format = Literal["png", "svg", "graphml", "gexf", "cytoscape"]


def _language(accept_language: str | None) -> str | None:
    """``zh-CN`` or ``en`` when the client asks for one; None: the language of the account's names."""
    if not accept_language:
        return None
    from app.routers.analytics import language

    return language(accept_language)


@router.get("/accounts/{id}/map", response_class=Response,
            responses={200: {"content": {"image/png": {}, "image/svg+xml": {}, "application/graphml+xml": {},
                                         "application/gexf+xml": {}, "application/json": {}},
                             "description": "the map in the format asked for"}})
def get_account_map(
    id: str, store: StoreDep, _: Viewer, request: Request,
    format: Annotated[Format, Query(description="png | svg | graphml | gexf | cytoscape")] = "png",
    opportunity_id: Annotated[str | None, Query(pattern=ID_PATTERN,
                                                description="emphasise this opportunity's decision chain")] = None,
    redact: Annotated[bool, Query(description="leave personal notes and entrenched interests out")] = False,
    accept_language: Annotated[str | None, Header(description="en or zh-CN for the legend and gap texts; "
                                                              "default: the language of the names")] = None,
) -> Response:
    """The account's relationship map: an org chart with influence lines, stances, buying roles, our
    team's coverage and the coverage gaps (PNG, SVG), or the same graph for other tools (GraphML, GEXF,
    Cytoscape.js JSON, with the image's positions)."""
    options: ScoringOptions | None = getattr(request.app.state, "scoring_options", None)
    try:
        data, media_type = render_account_map(store, id, format, opportunity_id=opportunity_id, redact=redact,
                                              lang=_language(accept_language),
                                              today=dt.datetime.now(dt.UTC).date(), options=options)
    except MapError as e:
        raise ApiError(422, "Invalid input", str(e), errors=[{"loc": e.loc, "msg": str(e)}]) from e
    filename = f"{id}-map" + (f"-{opportunity_id}" if opportunity_id else "") + f".{EXTENSIONS[format]}"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "no-store"})
