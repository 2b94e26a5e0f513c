"""Account reviews (复盘) and history: review points, what changed since one, and the review deck.

Each route reads the account's history through :mod:`graph.history` (the map at two moments from one
read of its audit trail), hands the maps to pure functions (:mod:`scoring.changes`) and renders
(:mod:`rendering.change_map`, :mod:`rendering.deck`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

import networkx as nx
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.deps import ETAG_HEADER, Cursor, Editor, Limit, StoreDep, Viewer, with_etag
from app.routers.analytics import (
    AcceptLanguage,
    _options,
    language,
)
from app.schemas import reviews as schemas
from graph import history
from graph.errors import InvalidGraph, NotFound
from graph.models import ID_PATTERN, Id, Ids, Moment, Name, Notes, ReviewIn, moment
from graph.records import NodeRecord, now_iso
from graph.store import Store
from rendering.model import MapError, check_opportunity, guess_lang
from scoring.changes import ChangeList, chosen_opportunity, what_changed
from scoring.options import ScoringOptions
from scoring.results import plain

router = APIRouter(prefix="/v1", tags=["reviews"])
Since = Annotated[str | None, Query(max_length=200, description="a review id or an ISO date/datetime; "
                                                                "default: the latest review")]
Until = Annotated[str | None, Query(max_length=200, description="a review id or an ISO date/datetime; "
                                                                "default: now")]
OpportunityFilter = Annotated[str | None, Query(pattern=ID_PATTERN)]


class ReviewBody(BaseModel):
    """A review point: ``held_at`` defaults to now (a date means the end of that day, UTC)."""

    model_config = ConfigDict(extra="forbid")

    id: Id | None = None
    title: Name
    held_at: Moment | None = None
    notes: Notes | None = None
    opportunity_ids: Ids = Field(default_factory=list)


def _review(record: NodeRecord) -> schemas.Review:
    return schemas.Review.model_validate({"id": record.id, **record.data, "created_at": record.created_at,
                                          "updated_at": record.updated_at, "version": record.version})


@router.post("/accounts/{id}/reviews", status_code=status.HTTP_201_CREATED, response_model=schemas.Review,
             responses={201: {"headers": ETAG_HEADER}})
def create_review(id: str, body: ReviewBody, store: StoreDep, who: Editor, response: Response) -> schemas.Review:
    """Record a review point of the account (audited; travels with the account's bundle)."""
    try:
        model = ReviewIn.model_validate({**body.model_dump(exclude_none=True), "account_id": id})
    except ValidationError as e:  # the body is valid already: the path's id is not an id at all
        raise NotFound("account", id) from e
    record = store.create_review(model, actor=who.name)
    with_etag(response, record.version)
    return _review(record)


@router.get("/accounts/{id}/reviews", response_model=schemas.ReviewList)
def list_reviews(id: str, store: StoreDep, _: Viewer, limit: Limit = 100,
                 cursor: Cursor = None) -> schemas.ReviewList:
    """The account's reviews, newest first."""
    page = store.list_reviews(id, limit=limit, cursor=cursor)
    return schemas.ReviewList(items=[_review(r) for r in page.items], next_cursor=page.next_cursor)


@dataclass(frozen=True)
class Compared:
    """A period of an account's history and what changed in it."""

    period: history.Period
    changes: ChangeList
    since_review: NodeRecord | None
    label: str


def _label(moment: str, review: NodeRecord | None) -> str:
    day = moment[:10]
    return f"{review.data.get('title')} ({day})" if review is not None else day


def _latest_review(store: Store, account_id: str, before: str | None) -> NodeRecord | None:
    reviews = store.list_reviews(account_id, limit=500).items
    return next((r for r in reviews if before is None or str(r.data["held_at"]) <= before), None)


def _expect_deal(opportunity_id: str, *graphs: nx.MultiDiGraph | None) -> None:
    """Raise unless ``opportunity_id`` is a deal of the account in one of its maps ``graphs`` (now, or as it
    stood): NotFound when none has it, a 422 naming ``opportunity_id`` when it is another kind of record
    (a contact's id) or another account's deal."""
    try:
        if not any(graph is not None and check_opportunity(graph, opportunity_id) for graph in graphs):
            raise NotFound("opportunity at this account", opportunity_id)
    except MapError as e:
        raise InvalidGraph([{"loc": e.loc, "msg": str(e)}]) from e


def compare(store: Store, options: ScoringOptions, account_id: str, since: str | None, until: str | None,
            opportunity_id: str | None, lang: str, *, redact: bool = False) -> Compared | None:
    """What changed from ``since`` (default: the latest review) to ``until`` (default: now); None when
    no ``since`` was given and the account has no review yet."""
    end, _ = history.resolve_moment(store, account_id, until, "until") if until else (None, None)
    if since is not None:
        start, review = history.resolve_moment(store, account_id, since, "since")
    else:
        # The latest review held by then: one planned for later (held_at ahead of now) is not yet a since.
        review = _latest_review(store, account_id, end or moment(dt.datetime.now(dt.UTC).isoformat()))
        if review is None:
            return None
        start = str(review.data["held_at"])
    period = history.period(store, account_id, start, end)
    if opportunity_id is not None:
        _expect_deal(opportunity_id, period.after, period.before)
    wanted = [*(review.data.get("opportunity_ids", []) if review is not None else [])]
    changes = what_changed(
        period.before, period.after, opportunity_id=opportunity_id, lang=lang,
        stamps={k: (v.at, v.by) for k, v in period.stamps.items()}, options=options,
        today_before=dt.date.fromisoformat(start[:10]), today_after=dt.date.fromisoformat(period.until[:10]),
        team=store.team_roster(), redacted=redact, summary_opportunities=wanted)
    return Compared(period, changes, review, _label(start, review))


@router.get("/accounts/{id}/changes", response_model=schemas.Changes)
def get_changes(id: str, store: StoreDep, _: Viewer, request: Request, since: Since = None, until: Until = None,
                opportunity_id: OpportunityFilter = None,
                accept_language: AcceptLanguage = None) -> schemas.Changes:
    """What changed on the account's map between two moments or reviews: each change with before and
    after, when and by whom, and a text; then support for us and each competitor before and after,
    gaps opened and closed, and how the who-next ranking moved."""
    compared = compare(store, _options(request), id, since, until, opportunity_id, language(accept_language))
    if compared is None:
        raise InvalidGraph([{"loc": ["query", "since"],
                             "msg": "the account has no review yet: give since as a date or datetime"}])
    body = plain(compared.changes)
    return schemas.Changes.model_validate({
        "since": compared.period.since, "until": compared.period.until,
        "since_review_id": compared.since_review.id if compared.since_review else None, **body})


DeckFormat = Literal["pptx", "pdf"]
DECK_MEDIA = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "pdf": "application/pdf"}
SUPPORT_POINTS = 8


def review_deck(store: Store, options: ScoringOptions, account_id: str, fmt: str, *,
                opportunity_id: str | None, since: str | None, redact: bool, lang: str | None) -> bytes:
    """The review deck of the account as it stands now, compared with ``since`` (default: its latest
    review), in ``fmt`` (pptx or pdf)."""
    from rendering.deck import (
        build_deck,
        deck_map,
        short_title,
        support_chart,
        support_points,
        word,
        write_pdf,
        write_pptx,
    )

    graph = store.account_graph(account_id)
    if opportunity_id is not None:
        _expect_deal(opportunity_id, graph)
    lang = lang or guess_lang(graph)
    compared = compare(store, options, account_id, since, None, opportunity_id, lang, redact=redact)
    reviews = compared.period.reviews if compared is not None else []
    wanted = [*(compared.since_review.data.get("opportunity_ids", []) if compared and compared.since_review
                else [])]
    opp = opportunity_id or (compared.changes.summary.opportunity_id if compared else None) \
        or chosen_opportunity(graph, wanted, options)
    if opp is not None and opp not in graph:
        raise NotFound("opportunity at this account", opp)
    today = dt.datetime.now(dt.UTC).date()
    team = store.team_roster(graph)
    # The map's legend names the review by a short name (the slide's title names it in full).
    label = None if compared is None else compared.label if compared.since_review is None else \
        f"{short_title(str(compared.since_review.data.get('title')))} ({compared.period.since[:10]})"
    picture = deck_map(graph, compared.changes if compared else None, label, "png", opportunity_id=opp,
                       redact=redact, lang=lang, today=today, options=options, team=team)
    shown = list(reversed(reviews[:SUPPORT_POINTS - 1]))
    past = history.graphs_at(store, account_id, [str(r.data["held_at"]) for r in shown])
    # Under the chart each review's name shortened, in the footnote whole.
    labelled: list[tuple[str, nx.MultiDiGraph | None, str]] = [
        (f"{short_title(str(r.data.get('title')))}\n{str(r.data['held_at'])[:10]}", g,
         word("dated", lang, title=r.data.get("title"), date=str(r.data["held_at"])[:10]))
        for r, g in zip(shown, past, strict=True)]
    labelled.append((f"{word('now', lang)}\n{today.isoformat()}", graph,
                     word("dated", lang, title=word("now", lang), date=today.isoformat())))
    points = support_points(labelled, opp, options) if opp is not None else []
    deck = build_deck(graph, opportunity_id=opp, lang=lang, today=today, map_png=picture,
                      chart_png=support_chart(points, lang), points=points,
                      changes=compared.changes if compared else None,
                      since_label=compared.label if compared else None, redact=redact, options=options,
                      team=team)
    return write_pptx(deck) if fmt == "pptx" else write_pdf(deck)


@router.get("/accounts/{id}/review-deck", response_class=Response,
            responses={200: {"content": {media: {} for media in DECK_MEDIA.values()},
                             "description": "the review deck as PowerPoint or PDF"}})
def get_review_deck(id: str, store: StoreDep, _: Viewer, request: Request,
                    format: Annotated[DeckFormat, Query(description="pptx | pdf")] = "pptx",
                    opportunity_id: OpportunityFilter = None, since: Since = None,
                    redact: Annotated[bool, Query(description="leave personal notes and interests out")] = False,
                    accept_language: AcceptLanguage = None) -> Response:
    """The slides a manager takes into the review: title, the map with the changes marked, the decision
    chain, support across the recorded reviews, gaps and actions, next moves, what changed."""
    data = review_deck(store, _options(request), id, format, opportunity_id=opportunity_id, since=since, redact=redact,
                       lang=language(accept_language) if accept_language else None)
    stamp = now_iso()[:10]
    return Response(data, media_type=DECK_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{id}-review-{stamp}.{format}"',
                             "Cache-Control": "no-store"})
