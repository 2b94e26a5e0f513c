"""CRUD for accounts, contacts, team, competitors, opportunities, relationships and decision chains."""

# No `from __future__ import annotations` here: the route factory's annotations must be real classes.
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import BaseModel, ValidationError

from app.deps import Admin, Cursor, Editor, IfMatch, Limit, StoreDep, Viewer, with_etag
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
    default_edge_id,
)
from graph.records import EdgeRecord, NodeRecord, Page

router = APIRouter(prefix="/v1")
PathId = Annotated[str, "path id"]
Changes = Annotated[dict[str, Any], Body(description="the fields to change; null clears an optional field")]
AccountFilter = Annotated[str | None, Query(pattern=ID_PATTERN, description="only this account's")]
MEMBER_TYPES = (EdgeType.MEMBER_OF.value,)


def _items(page: Page[Any]) -> dict[str, Any]:
    return {"items": [r.as_json() for r in page.items], "next_cursor": page.next_cursor}


def _one(record: NodeRecord | EdgeRecord, response: Response) -> dict[str, Any]:
    with_etag(response, record.version)
    return record.as_json()


def _node_routes(kind: NodeKind, path: str, model: type[BaseModel], by_account: bool) -> None:
    tag = path.strip("/")

    @router.get(path, tags=[tag], name=f"list_{tag}")
    def list_nodes(store: StoreDep, _: Viewer, limit: Limit = 100, cursor: Cursor = None,
                   account_id: AccountFilter = None) -> dict[str, Any]:
        return _items(store.list_nodes(kind, account_id=account_id if by_account else None, limit=limit,
                                       cursor=cursor))

    @router.post(path, tags=[tag], name=f"create_{tag}", status_code=status.HTTP_201_CREATED)
    def create(body: model, store: StoreDep, who: Editor, response: Response) -> dict[str, Any]:  # type: ignore[valid-type]
        return _one(store.create_node(kind, body, actor=who.name), response)

    @router.get(path + "/{id}", tags=[tag], name=f"get_{tag}")
    def get(id: PathId, store: StoreDep, _: Viewer, response: Response) -> dict[str, Any]:
        return _one(store.get_node(kind, id), response)

    @router.patch(path + "/{id}", tags=[tag], name=f"update_{tag}")
    def update(id: PathId, changes: Changes, store: StoreDep, who: Editor, version: IfMatch,
               response: Response) -> dict[str, Any]:
        return _one(store.update_node(kind, id, changes, actor=who.name, if_version=version), response)

    @router.delete(path + "/{id}", tags=[tag], name=f"delete_{tag}", status_code=status.HTTP_204_NO_CONTENT)
    def delete(id: PathId, store: StoreDep, who: Editor, version: IfMatch,
               cascade: bool = Query(False, description="also delete its relationships (and members)")) -> None:
        store.delete_node(kind, id, actor=who.name, cascade=cascade, if_version=version)


_RESOURCES: list[tuple[NodeKind, str, type[BaseModel], bool]] = [
    (NodeKind.account, "/accounts", AccountIn, False),
    (NodeKind.contact, "/contacts", ContactIn, True),
    (NodeKind.team_member, "/team", TeamMemberIn, False),
    (NodeKind.competitor, "/competitors", CompetitorIn, False),
    (NodeKind.opportunity, "/opportunities", OpportunityIn, True),
]
for _kind, _path, _model, _by_account in _RESOURCES:
    _node_routes(_kind, _path, _model, _by_account)


@router.post("/contacts/{id}/erase", tags=["contacts"])
def erase_contact(id: PathId, store: StoreDep, who: Admin, response: Response) -> dict[str, Any]:
    """Remove a person's personal data (privacy request), leaving an audited tombstone (admin)."""
    return _one(store.erase_contact(id, actor=who.name), response)


# ---- relationships --------------------------------------------------------------------------------

RelationshipType = Annotated[str | None, Query(pattern="^(" + "|".join(RELATIONSHIP_TYPES) + ")$")]


@router.get("/relationships", tags=["relationships"])
def list_relationships(store: StoreDep, _: Viewer, limit: Limit = 100, cursor: Cursor = None,
                       account_id: AccountFilter = None, type: RelationshipType = None) -> dict[str, Any]:
    types = (type,) if type else RELATIONSHIP_TYPES
    return _items(store.list_edges(types=types, account_id=account_id, limit=limit, cursor=cursor))


@router.post("/relationships", tags=["relationships"], status_code=status.HTTP_201_CREATED)
def create_relationship(body: RelationshipIn, store: StoreDep, who: Editor, response: Response) -> dict[str, Any]:
    return _one(store.create_edge(body, actor=who.name), response)


@router.get("/relationships/{id}", tags=["relationships"])
def get_relationship(id: PathId, store: StoreDep, _: Viewer, response: Response) -> dict[str, Any]:
    return _one(store.get_edge(id), response)


@router.patch("/relationships/{id}", tags=["relationships"])
def update_relationship(id: PathId, changes: Changes, store: StoreDep, who: Editor, version: IfMatch,
                        response: Response) -> dict[str, Any]:
    return _one(store.update_edge(id, changes, actor=who.name, if_version=version), response)


@router.delete("/relationships/{id}", tags=["relationships"], status_code=status.HTTP_204_NO_CONTENT)
def delete_relationship(id: PathId, store: StoreDep, who: Editor, version: IfMatch) -> None:
    store.delete_edge(id, actor=who.name, if_version=version)


# ---- decision-chain members -----------------------------------------------------------------------


def _member_view(record: EdgeRecord) -> dict[str, Any]:
    return {"opportunity_id": record.target, "contact_id": record.source, **record.data,
            "id": record.id, "created_at": record.created_at, "updated_at": record.updated_at,
            "version": record.version}


MEMBERS = "/opportunities/{opportunity_id}/decision-chain/members"


@router.get(MEMBERS, tags=["decision chain"])
def list_members(opportunity_id: PathId, store: StoreDep, _: Viewer, limit: Limit = 100,
                 cursor: Cursor = None) -> dict[str, Any]:
    store.get_node(NodeKind.opportunity, opportunity_id)
    page = store.list_edges(types=MEMBER_TYPES, target=opportunity_id, limit=limit, cursor=cursor)
    return {"items": [_member_view(r) for r in page.items], "next_cursor": page.next_cursor}


@router.post(MEMBERS, tags=["decision chain"], status_code=status.HTTP_201_CREATED)
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


@router.patch(MEMBERS + "/{contact_id}", tags=["decision chain"])
def update_member(opportunity_id: PathId, contact_id: PathId, changes: Changes, store: StoreDep, who: Editor,
                  version: IfMatch, response: Response) -> dict[str, Any]:
    id = default_edge_id(EdgeType.MEMBER_OF, contact_id, opportunity_id)
    record = store.update_edge(id, changes, actor=who.name, if_version=version, types=MEMBER_TYPES)
    with_etag(response, record.version)
    return _member_view(record)


@router.delete(MEMBERS + "/{contact_id}", tags=["decision chain"], status_code=status.HTTP_204_NO_CONTENT)
def remove_member(opportunity_id: PathId, contact_id: PathId, store: StoreDep, who: Editor,
                  version: IfMatch) -> None:
    id = default_edge_id(EdgeType.MEMBER_OF, contact_id, opportunity_id)
    store.delete_edge(id, actor=who.name, if_version=version, types=MEMBER_TYPES)
