"""Account reviews (复盘) and history: review points, what changed since one, and the review deck.

The routes speak HTTP around :mod:`app.reviews` (``compare``, ``review_deck``), which the change map
(``app.routers.maps``) and the command line use too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.deps import ETAG_HEADER, Cursor, Editor, Limit, StoreDep, Viewer, scoring_options, with_etag
from app.reviews import compare, review_deck
from app.routers.analytics import AcceptLanguage, language
from app.schemas import reviews as schemas
from graph.errors import InvalidGraph, NotFound
from graph.models import ID_PATTERN, Id, Ids, Moment, Name, Notes, ReviewIn
from graph.records import NodeRecord, now_iso
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


@router.get("/accounts/{id}/changes", response_model=schemas.Changes)
def get_changes(id: str, store: StoreDep, _: Viewer, request: Request, since: Since = None, until: Until = None,
                opportunity_id: OpportunityFilter = None,
                accept_language: AcceptLanguage = None) -> schemas.Changes:
    """What changed on the account's map between two moments or reviews: each change with before and
    after, when and by whom, and a text; then support for us and each competitor before and after,
    gaps opened and closed, and how the who-next ranking moved."""
    compared = compare(store, scoring_options(request), id, since, until, opportunity_id, language(accept_language))
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
    data = review_deck(store, scoring_options(request), id, format, opportunity_id=opportunity_id, since=since, redact=redact,
                       lang=language(accept_language) if accept_language else None)
    stamp = now_iso()[:10]
    return Response(data, media_type=DECK_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{id}-review-{stamp}.{format}"',
                             "Cache-Control": "no-store"})
