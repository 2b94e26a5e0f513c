"""The relationship map of an account as an image, a multi-page PDF or a graph file."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from app.deps import StoreDep, Viewer, scoring_options, today_of
from app.errors import ApiError
from app.reviews import compare
from app.routers.analytics import AnswerJSON, AsOf, as_of_moment, language
from app.schemas.maps import CytoscapeDocument, MapView
from graph.models import ID_PATTERN
from graph.store import Store
from rendering import (
    FORMATS,
    Drawings,
    MapError,
    account_graph,
    map_view,
    render_account_map,
    render_map_as_of,
    subsidiaries_of,
)
from rendering.focus import MAX_DEPTH, Focus, Scope
from rendering.model import guess_lang

router = APIRouter(prefix="/v1", tags=["maps"])
# The format enum of the API, from the registry of formats.
MapFormat = enum.StrEnum("MapFormat", {name: name for name in FORMATS})  # type: ignore[misc]
DEFAULT_FORMAT = MapFormat("png")


def _language(accept_language: str | None) -> str | None:
    """``zh-CN`` or ``en`` when the client asks for one; None: the language of the account's names."""
    return language(accept_language) if accept_language else None


# The query of a map and of its view (/map-view).
OpportunityParam = Annotated[str | None, Query(pattern=ID_PATTERN,
                                               description="emphasise this opportunity's decision chain")]
ScopeParam = Annotated[Scope | None,
                       Query(description="the people to show: an opportunity's chain and the people around it, "
                                         "one department, or the people around one contact; by default "
                                         "everyone who fits, else the chain (with an opportunity) or the top "
                                         "levels and the most influential people")]
DepartmentParam = Annotated[str | None, Query(max_length=200, description="with scope=department")]
AroundParam = Annotated[str | None, Query(pattern=ID_PATTERN, description="a contact id, with scope=around")]
DepthParam = Annotated[int | None, Query(ge=1, le=MAX_DEPTH, description="hops around the chain (default 1) "
                                                                         "or the contact (default 2)")]
LanguageParam = Annotated[str | None, Header(description="en or zh-CN for the legend and gap texts; "
                                                         "default: the language of the names")]

# The graph files' media types; JSON is the Cytoscape.js document (the only JSON format), typed.
_CONTENT: dict[str, dict[str, Any]] = {f.media_type: {} for f in FORMATS.values()}
assert [f.name for f in FORMATS.values() if f.media_type == "application/json"] == ["cytoscape"]


@router.get("/accounts/{id}/map", response_class=Response,
            responses={200: {"model": CytoscapeDocument, "content": _CONTENT,
                             "description": "the map in the format asked for: "
                                            + "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())}})
def get_account_map(
    id: str, store: StoreDep, _: Viewer, request: Request,
    format: Annotated[MapFormat, Query(description=" | ".join(FORMATS))] = DEFAULT_FORMAT,
    opportunity_id: OpportunityParam = None,
    redact: Annotated[bool, Query(description="leave personal notes and entrenched interests out")] = False,
    scope: ScopeParam = None, department: DepartmentParam = None, around: AroundParam = None, depth: DepthParam = None,
    accept_language: LanguageParam = None,
    as_of: Annotated[str | None, Query(max_length=40, description="ISO date or datetime: the map as it stood "
                                                                  "then")] = None,
    since: Annotated[str | None, Query(max_length=200, description="a review id or ISO date: the map now (or "
                                       "as_of) with what changed since then marked (png, svg, pdf)")] = None,
) -> Response:
    """The account's relationship map: an org chart with influence lines, stances, buying roles, our
    team's coverage and the coverage gaps (PNG, SVG: at most 150 people, saying what was left out and how
    to ask for it; PDF: everyone in the scope, page by page), or the same graph for other tools (GraphML,
    GEXF, Cytoscape.js JSON with the image's positions and a stylesheet)."""
    options = scoring_options(request)
    fmt = FORMATS[str(format.value)]
    lang, focus = _language(accept_language), Focus(scope, department, around, depth)
    if as_of is not None or since is not None:
        data, media_type, used = _history_map(store, request, id, fmt.name, as_of=as_of, since=since,
                                              opportunity_id=opportunity_id, redact=redact, lang=lang, focus=focus)
        return Response(data, media_type=media_type, headers={
            "Content-Disposition": f'inline; filename="{id}-map.{fmt.extension}"', "Cache-Control": "no-store",
            "Content-Language": used})
    try:
        data, media_type = render_account_map(store, id, fmt.name, opportunity_id=opportunity_id, redact=redact,
                                              lang=lang, today=today_of(), options=options,
                                              focus=focus, drawings=request.app.state.drawings)
    except MapError as e:
        raise _invalid(e) from e
    filename = f"{id}-map" + (f"-{opportunity_id}" if opportunity_id else "") + f".{fmt.extension}"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "no-store",
                             "Content-Language": lang or guess_lang(store.account_graph(id))})


def _history_map(store: Store, request: Request, account_id: str, fmt: str, *, as_of: str | None,
                 since: str | None, opportunity_id: str | None, redact: bool, lang: str | None,
                 focus: Focus) -> tuple[bytes, str, str]:
    """The account's map as it stood ``as_of``, or (``since``) the change map from ``since`` to ``as_of``
    (default: now), with the same focus and the same checks as the map now (``rendering.account_graph``):
    the bytes, their media type and the language of their text."""
    from rendering.change_map import FORMATS as CHANGE_FORMATS
    from rendering.change_map import render_change_map

    options = scoring_options(request)
    if since is not None and fmt not in CHANGE_FORMATS:
        raise _invalid(MapError(f"a change map is drawn as {', '.join(CHANGE_FORMATS)}", ["query", "format"]))
    when = as_of_moment(as_of)
    try:
        if since is None:
            assert when is not None  # a map of the past, or a change map
            return render_map_as_of(store, account_id, fmt, when, opportunity_id=opportunity_id, redact=redact,
                                    lang=lang, options=options, focus=focus)
        graph = account_graph(store, account_id, opportunity_id, when)
        used, team = lang or guess_lang(graph), store.team_roster(graph)
        today = today_of(when)
        compared = compare(store, options, account_id, since, when, opportunity_id, used,
                           redact=redact)
        assert compared is not None  # since was given
        data = render_change_map(compared.period.after, compared.changes, fmt, since_label=compared.label,
                                 opportunity_id=opportunity_id, redact=redact, lang=lang, today=today,
                                 options=options, team=team, focus=focus)
        return data, CHANGE_FORMATS[fmt], used
    except MapError as e:
        raise _invalid(e) from e


@router.get("/accounts/{id}/map-view", response_model=MapView)
def get_account_map_view(id: str, store: StoreDep, _: Viewer, request: Request,
                         opportunity_id: OpportunityParam = None, scope: ScopeParam = None,
                         department: DepartmentParam = None, around: AroundParam = None, depth: DepthParam = None,
                         accept_language: LanguageParam = None, as_of: AsOf = None) -> AnswerJSON:
    """Whom the map image (PNG, SVG) with the same query draws — at most 150 people, most important
    first, and at most 100 lines between them — and what it says it left out and how to ask for it: for
    a front end that draws the map itself and should not draw more than a person can read (the web app
    asks this for large accounts). The view of an unchanged map is sent as it was last made, as a drawing
    is; ``as_of``: the view of the map as it stood then."""
    when = as_of_moment(as_of)
    lang, focus = _language(accept_language), Focus(scope, department, around, depth)
    today = today_of(when)
    options = scoring_options(request)
    try:
        graph = account_graph(store, id, opportunity_id, when)
        subsidiaries = subsidiaries_of(store, graph)

        def view() -> bytes:
            shown = map_view(graph, opportunity_id=opportunity_id, lang=lang, today=today, options=options,
                             focus=focus, team=store.team_roster(graph),
                             subsidiaries=subsidiaries)
            return MapView.model_validate(shown, from_attributes=True).model_dump_json().encode()

        drawings: Drawings = request.app.state.drawings
        # Its notices are in the language asked for, else in that of the account's names: say which.
        return AnswerJSON(view() if when is not None else
                          drawings.drawn(graph, ("map-view", opportunity_id, lang, today, options, focus, subsidiaries),
                                         view),
                          headers={"Content-Language": lang or guess_lang(graph)})
    except MapError as e:
        raise _invalid(e) from e


def _invalid(e: MapError) -> ApiError:
    """A query the map cannot serve: 422 naming the parameter."""
    return ApiError(422, "Invalid input", str(e), errors=[{"loc": e.loc, "msg": str(e)}])
