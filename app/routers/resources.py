"""CRUD for accounts, contacts, team, competitors, opportunities, relationships and decision chains."""

# No `from __future__ import annotations` here: the route factory's annotations must be real classes.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ValidationError

from app.deps import ETAG_HEADER, Admin, Cursor, Editor, IfMatch, Limit, StoreDep, Viewer, with_etag
from app.schemas import resources as schemas
from graph.errors import NotFound
from graph.models import (
    ID_PATTERN,
    RELATIONSHIP_TYPES,
    AccountIn,
    ChainMemberFields,
    ChainMemberIn,
    CompetitorIn,
    ContactIn,
    EdgeType,
    NodeKind,
    OpportunityIn,
    RelationshipIn,
    TeamMemberIn,
)
from graph.records import EdgeRecord, NodeRecord, Page

router = APIRouter(prefix="/v1")
PathId = Annotated[str, "path id"]
AccountFilter = Annotated[str | None, Query(pattern=ID_PATTERN, description="only this account's")]
MEMBER_TYPES = (EdgeType.MEMBER_OF.value,)


def _items(page: Page[Any]) -> dict[str, Any]:
    return {"items": [r.as_json() for r in page.items], "next_cursor": page.next_cursor}


def _one(record: NodeRecord | EdgeRecord, response: Response) -> dict[str, Any]:
    with_etag(response, record.version)
    return record.as_json()


# The ETag of the record answered, documented so that clients (and schemathesis) can rely on it.
WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": ETAG_HEADER}}
CREATED_WITH_ETAG: dict[int | str, dict[str, Any]] = {201: {"headers": ETAG_HEADER}}


def _by_account(account_id: AccountFilter = None) -> str | None:
    return account_id


def _not_by_account() -> None:
    """Kinds not kept per account (accounts, our team, competitors) take no ``account_id``: a filter
    given to them would be ignored and list everyone, so it is refused as any unknown parameter is."""


def _node_routes(kind: NodeKind, path: str, model: type[BaseModel], out: type[BaseModel], page: type[BaseModel],
                 patch: type[BaseModel], by_account: bool) -> None:
    tag = path.strip("/")
    account_filter = _by_account if by_account else _not_by_account

    @router.get(path, tags=[tag], name=f"list_{tag}", response_model=page, response_model_exclude_unset=True)
    def list_nodes(store: StoreDep, _: Viewer, limit: Limit = 100, cursor: Cursor = None,
                   account_id: str | None = Depends(account_filter)) -> dict[str, Any]:
        return _items(store.list_nodes(kind, account_id=account_id, limit=limit, cursor=cursor))

    @router.post(path, tags=[tag], name=f"create_{tag}", status_code=status.HTTP_201_CREATED, response_model=out, response_model_exclude_unset=True,
                 responses=CREATED_WITH_ETAG)
    def create(body: model, store: StoreDep, who: Editor, response: Response) -> dict[str, Any]:  # type: ignore[valid-type]
        return _one(store.create_node(kind, body, actor=who.name), response)

    @router.get(path + "/{id}", tags=[tag], name=f"get_{tag}", response_model=out, response_model_exclude_unset=True, responses=WITH_ETAG)
    def get(id: PathId, store: StoreDep, _: Viewer, response: Response) -> dict[str, Any]:
        return _one(store.get_node(kind, id), response)

    @router.patch(path + "/{id}", tags=[tag], name=f"update_{tag}", response_model=out, response_model_exclude_unset=True, responses=WITH_ETAG)
    def update(id: PathId, body: patch, store: StoreDep, who: Editor, version: IfMatch,  # type: ignore[valid-type]
               response: Response) -> dict[str, Any]:
        changes = schemas.changes(body)
        return _one(store.update_node(kind, id, changes, actor=who.name, if_version=version), response)

    @router.delete(path + "/{id}", tags=[tag], name=f"delete_{tag}", status_code=status.HTTP_204_NO_CONTENT)
    def delete(id: PathId, store: StoreDep, who: Editor, version: IfMatch,
               cascade: bool = Query(False, description="also delete its relationships (and members)")) -> None:
        store.delete_node(kind, id, actor=who.name, cascade=cascade, if_version=version)


_node_routes(NodeKind.account, "/accounts", AccountIn, schemas.Account, schemas.AccountPage, schemas.AccountPatch,
             False)
_node_routes(NodeKind.contact, "/contacts", ContactIn, schemas.Contact, schemas.ContactPage, schemas.ContactPatch,
             True)
_node_routes(NodeKind.team_member, "/team", TeamMemberIn, schemas.TeamMember, schemas.TeamMemberPage,
             schemas.TeamMemberPatch, False)
_node_routes(NodeKind.competitor, "/competitors", CompetitorIn, schemas.Competitor, schemas.CompetitorPage,
             schemas.CompetitorPatch, False)
_node_routes(NodeKind.opportunity, "/opportunities", OpportunityIn, schemas.Opportunity, schemas.OpportunityPage,
             schemas.OpportunityPatch, True)


@router.post("/contacts/{id}/erase", tags=["contacts"], response_model=schemas.Contact, response_model_exclude_unset=True, responses=WITH_ETAG)
def erase_contact(id: PathId, store: StoreDep, who: Admin, response: Response) -> dict[str, Any]:
    """Remove a person's personal data (privacy request), leaving an audited tombstone (admin)."""
    return _one(store.erase_contact(id, actor=who.name), response)


@router.get("/contacts/{id}/personal-data", tags=["contacts"], response_model=schemas.PersonalData,
            response_model_exclude_unset=True)
def personal_data(id: PathId, store: StoreDep, _: Admin) -> dict[str, Any]:
    """Everything held about this person, for their access request (PIPL art. 45, GDPR art. 15; admin):
    their record, relationships and decision-chain seats now, and every audit entry about them, the
    duplicates merged into them and their relationships — also of a person since deleted (404 for an id
    never recorded)."""
    held = store.personal_data(id)
    return {"contact": held.contact.as_json() if held.contact else None,
            "relationships": [e.as_json() for e in held.lines if e.type != EdgeType.MEMBER_OF],
            "decision_chain": [_member_view(e) for e in held.lines if e.type == EdgeType.MEMBER_OF],
            "history": [e.as_json() for e in held.history]}


@router.post("/contacts/{id}/merge", tags=["contacts"], response_model=schemas.Contact, response_model_exclude_unset=True,
             responses=WITH_ETAG)
def merge_contact(id: PathId, body: schemas.MergeIn, store: StoreDep, who: Editor, version: IfMatch,
                  response: Response) -> dict[str, Any]:
    """Merge this contact, a duplicate record of a person, into the one kept (``into``): its lines and
    decision-chain seats move there (a line the kept record already has stays as it is), the kept record's
    fields stand and the duplicate's fill those it lacks, then the duplicate is deleted; the kept record is
    answered. ``If-Match`` names the duplicate's version."""
    return _one(store.merge_contact(id, body.into, actor=who.name, if_version=version), response)


@router.post("/team/{id}/hand-over", tags=["team"], response_model=schemas.HandOver, response_model_by_alias=True)
def hand_over(id: PathId, body: schemas.HandOverIn, store: StoreDep, who: Editor) -> dict[str, Any]:
    """Hand this team member's client relationships (coverage and executive counterparts) over to another
    of our team — a rep who leaves, or a reshuffle —, at one account (``account_id``) or at every one:
    each line moves to the new owner without the leaver's closeness and last contact; a line the new owner
    already holds to that person stands. One audited transaction; the leaver stays on the team."""
    done = store.hand_over(id, body.to, account_id=body.account_id, actor=who.name)
    return {"from": id, "to": body.to, "moved": done.moved, "already_held": done.already_held,
            "accounts": list(done.accounts)}


# ---- relationships --------------------------------------------------------------------------------

TypeFilter = Annotated[schemas.RelationshipType | None, Query(description="only lines of this type")]


@router.get("/relationships", tags=["relationships"], response_model=schemas.RelationshipPage, response_model_exclude_unset=True)
def list_relationships(store: StoreDep, _: Viewer, limit: Limit = 100, cursor: Cursor = None,
                       account_id: AccountFilter = None, type: TypeFilter = None) -> dict[str, Any]:
    types = (type,) if type else RELATIONSHIP_TYPES
    return _items(store.list_edges(types=types, account_id=account_id, limit=limit, cursor=cursor))


@router.post("/relationships", tags=["relationships"], status_code=status.HTTP_201_CREATED,
             response_model=schemas.Relationship, response_model_exclude_unset=True, responses=CREATED_WITH_ETAG)
def create_relationship(body: RelationshipIn, store: StoreDep, who: Editor, response: Response) -> dict[str, Any]:
    return _one(store.create_edge(body, actor=who.name), response)


@router.get("/relationships/{id}", tags=["relationships"], response_model=schemas.Relationship, response_model_exclude_unset=True,
            responses=WITH_ETAG)
def get_relationship(id: PathId, store: StoreDep, _: Viewer, response: Response) -> dict[str, Any]:
    return _one(store.get_edge(id), response)


@router.patch("/relationships/{id}", tags=["relationships"], response_model=schemas.Relationship, response_model_exclude_unset=True,
              responses=WITH_ETAG)
def update_relationship(id: PathId, body: schemas.RelationshipPatch, store: StoreDep, who: Editor,  # type: ignore[valid-type]
                        version: IfMatch, response: Response) -> dict[str, Any]:
    return _one(store.update_edge(id, schemas.changes(body), actor=who.name, if_version=version), response)


@router.delete("/relationships/{id}", tags=["relationships"], status_code=status.HTTP_204_NO_CONTENT)
def delete_relationship(id: PathId, store: StoreDep, who: Editor, version: IfMatch) -> None:
    store.delete_edge(id, actor=who.name, if_version=version)


# ---- decision-chain members -----------------------------------------------------------------------


def _member_view(record: EdgeRecord) -> dict[str, Any]:
    return {"opportunity_id": record.target, "contact_id": record.source, **record.data,
            "id": record.id, "created_at": record.created_at, "updated_at": record.updated_at,
            "version": record.version}


MEMBERS = "/opportunities/{opportunity_id}/decision-chain/members"


@router.get(MEMBERS, tags=["decision chain"], response_model=schemas.DecisionChainMemberPage, response_model_exclude_unset=True)
def list_members(opportunity_id: PathId, store: StoreDep, _: Viewer, limit: Limit = 100,
                 cursor: Cursor = None) -> dict[str, Any]:
    store.get_node(NodeKind.opportunity, opportunity_id)
    page = store.list_edges(types=MEMBER_TYPES, target=opportunity_id, limit=limit, cursor=cursor)
    return {"items": [_member_view(r) for r in page.items], "next_cursor": page.next_cursor}


@router.post(MEMBERS, tags=["decision chain"], status_code=status.HTTP_201_CREATED,
             response_model=schemas.DecisionChainMember, response_model_exclude_unset=True, responses=CREATED_WITH_ETAG)
def add_member(opportunity_id: PathId, body: ChainMemberFields, store: StoreDep, who: Editor,
               response: Response) -> dict[str, Any]:
    try:
        member = ChainMemberIn.model_validate({**body.model_dump(), "opportunity_id": opportunity_id})
    except ValidationError as e:  # the body is valid already: the path's id is not an id at all
        raise NotFound(NodeKind.opportunity, opportunity_id) from e
    store.get_node(NodeKind.opportunity, opportunity_id)  # an unknown id in the path is a 404
    record = store.create_edge(member, actor=who.name)
    with_etag(response, record.version)
    return _member_view(record)


@router.get(MEMBERS + "/{contact_id}", tags=["decision chain"], response_model=schemas.DecisionChainMember,
            response_model_exclude_unset=True, responses=WITH_ETAG)
def get_member(opportunity_id: PathId, contact_id: PathId, store: StoreDep, _: Viewer,
               response: Response) -> dict[str, Any]:
    """One contact's place in the deal's decision chain (its ``ETag`` for an ``If-Match`` write)."""
    record = store.get_member(opportunity_id, contact_id)
    with_etag(response, record.version)
    return _member_view(record)


@router.patch(MEMBERS + "/{contact_id}", tags=["decision chain"], response_model=schemas.DecisionChainMember, response_model_exclude_unset=True,
              responses=WITH_ETAG)
def update_member(opportunity_id: PathId, contact_id: PathId, body: schemas.ChainMemberPatch,  # type: ignore[valid-type]
                  store: StoreDep, who: Editor, version: IfMatch, response: Response) -> dict[str, Any]:
    record = store.update_member(opportunity_id, contact_id, schemas.changes(body), actor=who.name,
                                 if_version=version)
    with_etag(response, record.version)
    return _member_view(record)


@router.delete(MEMBERS + "/{contact_id}", tags=["decision chain"], status_code=status.HTTP_204_NO_CONTENT)
def remove_member(opportunity_id: PathId, contact_id: PathId, store: StoreDep, who: Editor,
                  version: IfMatch) -> None:
    store.remove_member(opportunity_id, contact_id, actor=who.name, if_version=version)
