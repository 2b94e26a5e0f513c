"""Request and response models of the CRUD, bulk and operations routes, documented in OpenAPI.

Responses are read from the store's records (``model_validate(record.as_json())``). Their types are plain
(``str``, not the input's constrained text), so a record stored under older rules still reads; enums are
enums, so a front end sees every allowed value. They accept fields they do not name (the contract lets
the service add fields) without advertising ``additionalProperties``, so generated clients stay strict.

PATCH bodies are built from the input models: every field optional, nullable only where the input is
(``null`` clears an optional field; a required field cannot be cleared), each with the input's limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from graph.models import (
    AccountIn,
    BuyingRole,
    ChainMemberFields,
    CompetitorIn,
    ContactIn,
    Id,
    InterestKind,
    Level,
    OpportunityIn,
    OpportunityStatus,
    RelationshipIn,
    Stance,
    TeamMemberIn,
    TeamRole,
    status_of_stage,
)

T = TypeVar("T")
RelationshipType = Literal["REPORTS_TO", "INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL", "COVERS", "MIRRORS",
                           "FAVORS", "HAS_INTEREST"]


def _without_additional_properties(schema: dict[str, Any]) -> None:
    schema.pop("additionalProperties", None)


class Out(BaseModel):
    """A response: extra stored fields pass through (the contract may add fields), undocumented."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_without_additional_properties)


class MergeIn(BaseModel):
    """A duplicate record of a person merged into the one kept."""

    model_config = ConfigDict(extra="forbid")
    into: Id = Field(description="the id of the contact kept: the same person, at the same account")


class HandOverIn(BaseModel):
    """Our team member's client relationships handed over to another of our team."""

    model_config = ConfigDict(extra="forbid")
    to: Id = Field(description="the id of the team member who takes the relationships over")
    account_id: Id | None = Field(None, description="only the relationships at this account (default: at every "
                                                   "account)")


class HandOver(Out):
    from_: str = Field(alias="from", description="the team member who handed the relationships over")
    to: str = Field(description="the team member who took them over")
    moved: int = Field(description="coverage and counterpart lines moved to the new owner")
    already_held: int = Field(description="lines the new owner already held to the same person (theirs stand)")
    accounts: list[str] = Field(description="the accounts whose relationships were handed over")


class Stamped(Out):
    created_at: str = Field(description="when it was created, ISO 8601 UTC")
    updated_at: str = Field(description="when it last changed, ISO 8601 UTC")
    version: int = Field(description="incremented on every change; send it back in If-Match")


class AccountMetricsValues(Out):
    annual_revenue: float | None = None
    margin_pct: float | None = None
    revenue_growth_pct: float | None = None
    wallet_size: float | None = None
    share_of_wallet_pct: float | None = None
    payment_days: int | None = None
    credit_rating: str | None = None
    satisfaction: float | None = None
    loyalty: float | None = None
    influence: float | None = None
    cooperation: float | None = None


class ClosenessValues(Out):
    relationship: float | None = None
    solution: float | None = None
    price: float | None = None


class CriteriaValues(Out):
    technical: float = 0.0
    price: float = 0.0
    service: float = 0.0


# ---- the fields of each kind, as exported (a bundle) ------------------------------------------------


class AccountFields(Out):
    id: str
    name: str
    industry: str | None = None
    region: str | None = None
    parent_id: str | None = None
    metrics: AccountMetricsValues | None = None
    notes: str | None = None


class ContactFields(Out):
    id: str
    account_id: str
    name: str
    title: str | None = None
    department: str | None = None
    level: Level | None = None
    status: Literal["active", "left"] = "active"
    left_at: dt.date | None = None
    knows_us: bool = False
    notes: str | None = None
    closeness: ClosenessValues | None = None
    last_contact_at: dt.date | None = None


class TeamMemberFields(Out):
    id: str
    name: str
    title: str | None = None
    level: Level | None = None
    role: TeamRole = TeamRole.sales


class CompetitorFields(Out):
    id: str
    name: str
    notes: str | None = None


class OpportunityFields(Out):
    id: str
    account_id: str
    name: str
    stage: str | None = Field(default=None, description="the pipeline stage in the company's own words")
    status: OpportunityStatus = Field(default=OpportunityStatus.open,
                                      description="open, won or lost (given, or inferred from the stage)")
    amount: float | None = None
    currency: str = "CNY"
    close_date: dt.date | None = None
    criteria: CriteriaValues | None = None
    competitor_ids: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _status_of_older_records(cls, data: Any) -> Any:
        # Opportunities stored before the status existed: the status their stage implies.
        if isinstance(data, dict) and data.get("status") is None:
            return {**data, "status": status_of_stage(data.get("stage")).value}
        return data


class RelationshipFields(Out):
    id: str
    type: RelationshipType
    source: str
    target: str
    note: str | None = None
    strength: float | None = None
    closeness: float | None = None
    last_contact_at: dt.date | None = None
    kind: InterestKind | None = None
    threat: float | None = None


class ChainMemberValues(Out):
    opportunity_id: str
    contact_id: str
    role: BuyingRole
    stance: Stance = Stance.unknown
    influence: int = 3
    closeness: ClosenessValues | None = None
    note: str | None = None


class ExportBundle(Out):
    """An account's bundle (with its parent accounts): importing it into an empty store gives the same graph."""

    accounts: list[AccountFields]
    contacts: list[ContactFields]
    team: list[TeamMemberFields]
    competitors: list[CompetitorFields]
    opportunities: list[OpportunityFields]
    relationships: list[RelationshipFields]
    decision_chain: list[ChainMemberValues]


# ---- stored resources ---------------------------------------------------------------------------------


class Account(AccountFields, Stamped):
    """A client organisation (客户); ``parent_id`` names its group."""


class Contact(ContactFields, Stamped):
    """A person at an account (关键人)."""


class TeamMember(TeamMemberFields, Stamped):
    """A person on our side (我方成员)."""


class Competitor(CompetitorFields, Stamped):
    """A rival vendor (竞争对手)."""


class Opportunity(OpportunityFields, Stamped):
    """A deal at an account (商机)."""


class Relationship(RelationshipFields, Stamped):
    """A line of the map; which properties it carries depends on ``type``."""

    account_id: str | None = Field(description="the account the line is filed under")


class DecisionChainMember(ChainMemberValues, Stamped):
    """A contact's place in an opportunity's decision chain."""

    id: str


class Page(Out, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class AccountPage(Page[Account]):
    pass


class ContactPage(Page[Contact]):
    pass


class TeamMemberPage(Page[TeamMember]):
    pass


class CompetitorPage(Page[Competitor]):
    pass


class OpportunityPage(Page[Opportunity]):
    pass


class RelationshipPage(Page[Relationship]):
    pass


class DecisionChainMemberPage(Page[DecisionChainMember]):
    pass


class AuditEntry(Out):
    at: str = Field(description="when, ISO 8601 UTC")
    actor: str = Field(description="the key (or CLI, import...) that wrote")
    action: str = Field(description="create, update, delete, import, erase...")
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Page[AuditEntry]):
    pass


class PersonalData(Out):
    """Everything the store holds about one person, for their access request."""

    contact: Contact | None = Field(description="their record now (null once deleted)")
    relationships: list[Relationship] = Field(description="their relationships now, notes included")
    decision_chain: list[DecisionChainMember] = Field(description="their seats in decision chains now")
    history: list[AuditEntry] = Field(description="every audit entry about them, the duplicate records merged "
                                                  "into them and their relationships (deleted ones too), oldest "
                                                  "first")


class ImportCounts(Out):
    created: int
    updated: int
    unchanged: int
    kept_erased: int | None = Field(None, description="present when rows named an erased person: how many; "
                                                      "their data was left out and the person stays erased")


class ImportResult(Out):
    dry_run: bool = Field(description="true: validated only, nothing was written")
    counts: dict[str, ImportCounts] = Field(description="per bundle section")


class CsvImportResult(ImportResult):
    encoding: str = Field(description="the character encoding the CSV was read in")
    ignored_columns: list[str] = Field(description="header columns Guanxi does not know")
    warnings: list[str] | None = Field(None, description="present when something was imported as it stands but "
                                                         "looks lost on the way (a '?' inside a Chinese name of a "
                                                         "GBK or Big5 file): what and where, and how to keep it")


class Health(Out):
    status: Literal["ok"]


class Ready(Out):
    status: Literal["ready"]
    backend: str


# ---- PATCH bodies ---------------------------------------------------------------------------------------


def _nullable(info: FieldInfo) -> bool:
    return type(None) in get_args(info.annotation) or info.annotation is type(None)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def patch_model(model: type[BaseModel], name: str, doc: str, *, leave_out: tuple[str, ...] = ()) -> type[BaseModel]:
    """``model`` with every field optional: absent means unchanged; ``null`` clears the fields that may be
    null and is refused for the others; each field keeps its type and limits (the whole record is checked
    again by the store once the changes are merged)."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in leave_out:
            continue
        annotation = info.rebuild_annotation()
        extra = None if _nullable(info) else _no_default
        fields[field_name] = (annotation, Field(default=None, description=info.description,
                                                json_schema_extra=extra))
    patch: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid", use_enum_values=True),
                                          __doc__=doc, **fields)
    return patch


def changes(body: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body sets, as the store merges them."""
    return body.model_dump(mode="json", exclude_unset=True)


# Ids, relationship types and ends never change: they are not part of a PATCH body at all.
AccountPatch = patch_model(AccountIn, "AccountPatch", "Changes to an account.", leave_out=("id",))
ContactPatch = patch_model(ContactIn, "ContactPatch", "Changes to a contact; leaving is "
                           '{"status": "left", "left_at": "2026-11-01"}.', leave_out=("id",))
TeamMemberPatch = patch_model(TeamMemberIn, "TeamMemberPatch", "Changes to a member of our team.", leave_out=("id",))
CompetitorPatch = patch_model(CompetitorIn, "CompetitorPatch", "Changes to a competitor.", leave_out=("id",))
OpportunityPatch = patch_model(OpportunityIn, "OpportunityPatch", "Changes to an opportunity; a new stage "
                               "without a status infers the status again.", leave_out=("id",))
RelationshipPatch = patch_model(RelationshipIn, "RelationshipPatch", "Changes to a relationship's properties "
                                "(its id, type and ends cannot change).", leave_out=("id", "type", "source", "target"))
ChainMemberPatch = patch_model(ChainMemberFields, "ChainMemberPatch", "Changes to a decision-chain member.",
                               leave_out=("contact_id",))
