"""The relationship-map domain: node and edge kinds, their fields and limits, validated at the edge.

Every model refuses unknown fields. Text fields carry a documented maximum length (see README).
Server-managed fields (``created_at``, ``updated_at``, ``version``) are never part of these models:
the store adds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,128}$"


def _astral_noncharacters() -> str:
    """The noncharacters beyond the BMP as a regex class body: the last two code points of planes 1-16
    (U+1FFFE, U+1FFFF...). Kept out of the main pattern: a class with them is ten times slower to scan."""
    return "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))


# What no text accepts: C0 controls (multi-line text keeps tab, newline and carriage return), DEL and the
# C1 controls, lone surrogates (JSON can spell them, UTF-8 cannot store them) and noncharacters. None of
# them is something a person typed, and each breaks an output: XML 1.0 forbids most of them, so an SVG,
# GraphML or GEXF export holding one is not well-formed. Single-line text (names, titles, labels, stages)
# also refuses line breaks (the separators U+2028 and U+2029 too) and tabs, and the bidi embedding and
# override controls U+202A..U+202E, which
# make a name display as other text ("Trojan source"); the isolates U+2066..U+2069 and the marks U+200E,
# U+200F stay, as right-to-left names need them. Notes keep the overrides: a pasted Arabic or Hebrew
# note may carry them, and a note is never an identity shown in a list or on a map.
_MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SINGLE_LINE_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\ufdd0-\ufdef\ufffe\uffff]")
# What Python's str.splitlines() (and Unicode) takes for the end of a line, and tab: named so in a refusal.
_LINE_BREAKS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ASTRAL_REFUSED = re.compile("[" + _astral_noncharacters() + "]")


def _refuse(pattern: re.Pattern[str], value: str) -> str:
    found = pattern.search(value)
    if found is None and not value.isascii() and max(value) > "\uffff":
        found = _ASTRAL_REFUSED.search(value)
    if found is not None:
        char = found.group()
        kind = ("a line break or tab" if char in _LINE_BREAKS and pattern is _SINGLE_LINE_REFUSED else
                "a bidi override" if "\u202a" <= char <= "\u202e" else
                "a lone surrogate" if "\ud800" <= char <= "\udfff" else
                "a control character" if ord(char) < 0xA0 else "a Unicode noncharacter")
        raise ValueError(f"must not contain U+{ord(char):04X} ({kind}), found at position {found.start()}")
    return value


def single_line(value: str) -> str:
    r"""Refuse controls, line breaks, noncharacters, lone surrogates and bidi overrides in one-line text.

    >>> single_line("王总 (GM)")
    '王总 (GM)'
    >>> single_line("a\u202eb")
    Traceback (most recent call last):
    ValueError: must not contain U+202E (a bidi override), found at position 1
    """
    return _refuse(_SINGLE_LINE_REFUSED, value)


def multi_line(value: str) -> str:
    r"""Refuse controls (but tab, newline, carriage return), noncharacters and lone surrogates.

    >>> multi_line("第一行\n第二行")
    '第一行\n第二行'
    >>> multi_line("\x01")
    Traceback (most recent call last):
    ValueError: must not contain U+0001 (a control character), found at position 0
    """
    return _refuse(_MULTI_LINE_REFUSED, value)


def _not_only_dots(value: str) -> str:
    # "." and ".." are path segments that every URL-normalising client (browsers, curl, httpx) resolves
    # away: a record with such an id could never be read, changed or erased.
    if value.strip(".") == "":
        raise ValueError("an id cannot be only dots")
    return value


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN), AfterValidator(_not_only_dots)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
                 AfterValidator(single_line)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(single_line)]
Label = Annotated[str, StringConstraints(max_length=100), AfterValidator(single_line)]
Notes = Annotated[str, StringConstraints(max_length=4000), AfterValidator(multi_line)]
Note = Annotated[str, StringConstraints(max_length=1000), AfterValidator(multi_line)]
# A pipeline stage as the company's CRM names it ("Renewal", "Closed Won", "赢单").
Stage = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
                  AfterValidator(single_line)]
def _not_true_or_false(value: Any) -> Any:
    """A number field refuses true and false (which Python, and so pydantic, would count as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")  # noqa: TRY004 (pydantic reports ValueErrors only)
    return value


def _not_a_number(value: Any) -> Any:
    """A date field refuses numbers (which pydantic would read as seconds since 1970)."""
    if isinstance(value, int | float):
        raise ValueError("an ISO date (2026-11-20), not a number")  # noqa: TRY004 (as above)
    return value


Number = BeforeValidator(_not_true_or_false)


def _distinct(values: list[str]) -> list[str]:
    """A list of ids names each once."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} appears twice")
        seen.add(value)
    return values


Ids = Annotated[list[Id], Field(max_length=50), AfterValidator(_distinct)]
Unit = Annotated[float, Number, Field(ge=0.0, le=1.0)]

TEXT_LIMITS = {"name": 200, "title": 200, "department": 100, "industry": 100, "region": 100,
               "stage": 100, "note": 1000, "notes": 4000, "credit_rating": 10}


def _not_far_future(value: dt.date) -> dt.date:
    if value.year < 1900 or value.year > 2200:
        raise ValueError("date must be between 1900 and 2200")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_not_far_future)]


class NodeKind(StrEnum):
    account = "account"
    contact = "contact"
    team_member = "team_member"
    competitor = "competitor"
    opportunity = "opportunity"


class EdgeType(StrEnum):
    REPORTS_TO = "REPORTS_TO"
    INFLUENCES = "INFLUENCES"
    PROMOTED_BY = "PROMOTED_BY"
    ALLY = "ALLY"
    RIVAL = "RIVAL"
    COVERS = "COVERS"
    MIRRORS = "MIRRORS"
    MEMBER_OF = "MEMBER_OF"
    FAVORS = "FAVORS"
    HAS_INTEREST = "HAS_INTEREST"


class BuyingRole(StrEnum):
    decision_maker = "decision_maker"
    economic_buyer = "economic_buyer"
    technical_evaluator = "technical_evaluator"
    business_user = "business_user"
    procurement = "procurement"
    influencer = "influencer"
    coach = "coach"
    gatekeeper = "gatekeeper"


class Stance(StrEnum):
    champion = "champion"
    supporter = "supporter"
    neutral = "neutral"
    skeptic = "skeptic"
    opponent = "opponent"
    unknown = "unknown"


class Level(StrEnum):
    executive = "executive"
    vp = "vp"
    director = "director"
    manager = "manager"
    staff = "staff"


class InterestKind(StrEnum):
    kickback = "kickback"
    incumbent_loyalty = "incumbent_loyalty"
    job_threat = "job_threat"
    influence_loss = "influence_loss"
    budget_ownership = "budget_ownership"
    personal = "personal"
    other = "other"


class TeamRole(StrEnum):
    sales = "sales"
    presales = "presales"
    service = "service"
    executive = "executive"
    partner = "partner"
    other = "other"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, use_enum_values=True)


class Closeness(Strict):
    """Relationship closeness, solution acceptance and price acceptance, each 0..1."""

    relationship: Unit | None = None
    solution: Unit | None = None
    price: Unit | None = None


class AccountMetrics(Strict):
    annual_revenue: Annotated[float, Number, Field(ge=0, le=1e15)] | None = None
    margin_pct: Annotated[float, Number, Field(ge=-100, le=100)] | None = None
    revenue_growth_pct: Annotated[float, Number, Field(ge=-100, le=10000)] | None = None
    wallet_size: Annotated[float, Number, Field(ge=0, le=1e15)] | None = None
    share_of_wallet_pct: Annotated[float, Number, Field(ge=0, le=100)] | None = None
    payment_days: Annotated[int, Number, Field(ge=0, le=3650)] | None = None
    credit_rating: Annotated[str, StringConstraints(max_length=10), AfterValidator(single_line)] | None = None
    satisfaction: Annotated[float, Number, Field(ge=0, le=10)] | None = None
    loyalty: Unit | None = None
    influence: Unit | None = None
    cooperation: Unit | None = None


class Criteria(Strict):
    """The client's evaluation weights; shares in 0..1 that add up to at most 1."""

    technical: Unit = 0.0
    price: Unit = 0.0
    service: Unit = 0.0

    @model_validator(mode="after")
    def _at_most_one(self) -> Criteria:
        if self.technical + self.price + self.service > 1.0 + 1e-9:
            raise ValueError("criteria shares must add up to at most 1")
        return self


class AccountIn(Strict):
    id: Id | None = None
    name: Name
    industry: Label | None = None
    region: Label | None = None
    parent_id: Id | None = None
    metrics: AccountMetrics = Field(default_factory=AccountMetrics)
    notes: Notes | None = None


class ContactIn(Strict):
    id: Id | None = None
    account_id: Id
    name: Name
    title: ShortText | None = None
    department: Label | None = None
    level: Level | None = None
    status: Literal["active", "left"] = "active"
    left_at: Date | None = None
    knows_us: bool = False
    notes: Notes | None = None
    closeness: Closeness = Field(default_factory=Closeness)
    last_contact_at: Date | None = None

    @field_validator("left_at")
    @classmethod
    def _left_at_only_when_left(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is not None and info.data.get("status") != "left":
            raise ValueError("left_at is only allowed when status is 'left'")
        return value


class TeamMemberIn(Strict):
    id: Id | None = None
    name: Name
    title: ShortText | None = None
    level: Level | None = None
    role: TeamRole = TeamRole.sales


class CompetitorIn(Strict):
    id: Id | None = None
    name: Name
    notes: Notes | None = None


class OpportunityStatus(StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


def _stage_key(stage: str) -> str:
    return re.sub(r"[\s_\-/:：·.()（）]+", "", stage.casefold())


# Stage names that CRMs and Chinese sales teams use for a deal that is over, matched ignoring case, spaces
# and punctuation ("Closed Won", "closed-won", "CLOSED_WON"); any other stage is an open deal.
WON_STAGES = frozenset(map(_stage_key, (
    "won", "closed won", "closedwon", "win", "deal won", "contract signed", "signed",
    "赢单", "已赢单", "成交", "已成交", "签约", "已签约", "中标", "已中标", "赢得")))
LOST_STAGES = frozenset(map(_stage_key, (
    "lost", "closed lost", "closedlost", "loss", "deal lost", "dead", "disqualified",
    "输单", "已输单", "丢单", "已丢单", "失单", "未中标", "落标", "失败", "关闭丢单")))


def status_of_stage(stage: str | None) -> OpportunityStatus:
    """The status a stage name implies: won and lost stages as CRMs name them, else open.

    >>> [status_of_stage(s).value for s in ("Closed Won", "赢单", "Closed-Lost", "输单", "Renewal", None)]
    ['won', 'won', 'lost', 'lost', 'open', 'open']
    """
    key = _stage_key(stage or "")
    if key in WON_STAGES:
        return OpportunityStatus.won
    if key in LOST_STAGES:
        return OpportunityStatus.lost
    return OpportunityStatus.open


class OpportunityIn(Strict):
    id: Id | None = None
    account_id: Id
    name: Name
    stage: Annotated[Stage | None, Field(description="the pipeline stage in the company's own words, as its "
                                                     "CRM exports it (at most 100 characters)")] = None
    status: Annotated[OpportunityStatus | None, Field(
        description="open, won or lost; when absent, inferred from the stage (\"Closed Won\", \"赢单\" → won; "
                    "\"Closed Lost\", \"输单\" → lost; anything else → open)")] = None
    amount: Annotated[float, Number, Field(ge=0, le=1e15)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "CNY"
    close_date: Date | None = None
    criteria: Criteria = Field(default_factory=Criteria)
    competitor_ids: Ids = Field(default_factory=list)

    @model_validator(mode="after")
    def _status_from_stage(self) -> OpportunityIn:
        if self.status is None:
            self.status = status_of_stage(self.stage).value  # type: ignore[assignment]
            self.__pydantic_fields_set__.discard("status")   # inferred, not given: an import keeps a stored one
        return self


NODE_MODELS: dict[NodeKind, type[Strict]] = {
    NodeKind.account: AccountIn,
    NodeKind.contact: ContactIn,
    NodeKind.team_member: TeamMemberIn,
    NodeKind.competitor: CompetitorIn,
    NodeKind.opportunity: OpportunityIn,
}

# Which node kinds each edge type may join, and which properties it may carry.
EDGE_ENDPOINTS: dict[EdgeType, tuple[NodeKind, frozenset[NodeKind]]] = {
    EdgeType.REPORTS_TO: (NodeKind.contact, frozenset({NodeKind.contact})),
    EdgeType.INFLUENCES: (NodeKind.contact, frozenset({NodeKind.contact})),
    EdgeType.PROMOTED_BY: (NodeKind.contact, frozenset({NodeKind.contact})),
    EdgeType.ALLY: (NodeKind.contact, frozenset({NodeKind.contact})),
    EdgeType.RIVAL: (NodeKind.contact, frozenset({NodeKind.contact})),
    EdgeType.COVERS: (NodeKind.team_member, frozenset({NodeKind.contact})),
    EdgeType.MIRRORS: (NodeKind.team_member, frozenset({NodeKind.contact})),
    EdgeType.MEMBER_OF: (NodeKind.contact, frozenset({NodeKind.opportunity})),
    EdgeType.FAVORS: (NodeKind.contact, frozenset({NodeKind.competitor})),
    EdgeType.HAS_INTEREST: (NodeKind.contact, frozenset({NodeKind.opportunity, NodeKind.competitor})),
}

EDGE_PROPERTIES: dict[EdgeType, frozenset[str]] = {
    EdgeType.REPORTS_TO: frozenset(),
    EdgeType.INFLUENCES: frozenset({"strength"}),
    EdgeType.PROMOTED_BY: frozenset(),
    EdgeType.ALLY: frozenset({"strength"}),
    EdgeType.RIVAL: frozenset({"strength"}),
    EdgeType.COVERS: frozenset({"closeness", "last_contact_at"}),
    EdgeType.MIRRORS: frozenset(),
    EdgeType.MEMBER_OF: frozenset({"role", "stance", "influence", "closeness"}),
    EdgeType.FAVORS: frozenset({"strength"}),
    EdgeType.HAS_INTEREST: frozenset({"kind", "threat"}),
}

# Relationships carried in the generic relationship list (decision-chain membership has its own).
RELATIONSHIP_TYPES = tuple(t for t in EdgeType if t is not EdgeType.MEMBER_OF)


class RelationshipIn(Strict):
    """A relationship of the map; which properties are allowed depends on ``type``."""

    id: Id | None = None
    type: Literal[
        "REPORTS_TO", "INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL", "COVERS", "MIRRORS", "FAVORS",
        "HAS_INTEREST",
    ]
    source: Id
    target: Id
    note: Note | None = None
    strength: Unit | None = None
    closeness: Unit | None = None
    last_contact_at: Date | None = None
    kind: Annotated[InterestKind | None, Field(validate_default=True)] = None
    threat: Unit | None = None

    # Field validators (not one model check) so that each error names its field.
    @field_validator("target")
    @classmethod
    def _not_a_self_loop(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("source"):
            raise ValueError("a relationship cannot join a node to itself")
        return value

    @field_validator("strength", "closeness", "last_contact_at", "kind", "threat")
    @classmethod
    def _fits_type(cls, value: Any, info: ValidationInfo) -> Any:
        edge_type = info.data.get("type")
        if edge_type is None:
            return value
        if value is not None and info.field_name not in EDGE_PROPERTIES[EdgeType(edge_type)]:
            raise ValueError(f"{edge_type} has no property {info.field_name!r}")
        if info.field_name == "kind" and value is None and edge_type == "HAS_INTEREST":
            raise ValueError("HAS_INTEREST needs a kind")
        return value


class ChainMemberFields(Strict):
    """A contact's place in an opportunity's decision chain, the opportunity given apart (API path)."""

    contact_id: Id
    role: BuyingRole
    stance: Stance = Stance.unknown
    influence: Annotated[int, Number, Field(ge=1, le=5)] = 3
    closeness: Closeness | None = None
    note: Note | None = None


class ChainMemberIn(ChainMemberFields):
    """A contact's place in an opportunity's decision chain (a MEMBER_OF edge)."""

    opportunity_id: Id


def moment_words(value: str) -> str:
    """A moment in the store's form (:func:`moment`) as words for a message: a date asked for, which
    :func:`moment` reads as the day's last instant, as "on <date>".

    >>> moment_words(moment("2026-11-20")), moment_words(moment("2026-11-20T09:30:00Z"))
    ('on 2026-11-20', 'at 2026-11-20T09:30:00.000000Z')
    """
    day, _, time = value.partition("T")
    return f"on {day}" if time == "23:59:59.999999Z" else f"at {value}"


def moment(value: Any, *, day_start: bool = False) -> str:
    """An ISO date or datetime as the store's UTC timestamp form (``2026-11-20T09:30:00.000000Z``).

    A date means the end of that day (UTC): "as of 20 November" includes that day's changes; with
    ``day_start`` its beginning ("changes since 20 November" include that day's). A datetime without an
    offset is UTC.

    >>> moment("2026-11-20"), moment("2026-11-20", day_start=True), moment("2026-11-20T17:30:00+08:00")
    ('2026-11-20T23:59:59.999999Z', '2026-11-20T00:00:00.000000Z', '2026-11-20T09:30:00.000000Z')
    """
    day_time = dt.time.min if day_start else dt.time.max
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, day_time)
    else:
        text = str(value).strip()
        if len(text) > 40:
            raise ValueError("not an ISO date or datetime")
        try:
            parsed = (dt.datetime.combine(dt.date.fromisoformat(text), day_time) if len(text) == 10
                      else dt.datetime.fromisoformat(text.replace("z", "Z")))
        except ValueError:
            raise ValueError("not an ISO date (2026-11-20) or datetime (2026-11-20T09:30:00Z)") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    _not_far_future(parsed.date())
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Moment = Annotated[str, BeforeValidator(moment)]


class ReviewIn(Strict):
    """A dated account review (复盘): a point the map is compared against later. ``held_at`` (an ISO date
    or datetime; default: when it is recorded) is the moment the review looked at the map."""

    id: Id | None = None
    account_id: Id
    title: Name
    held_at: Moment | None = None
    notes: Notes | None = None
    opportunity_ids: Ids = Field(default_factory=list)


class Bundle(Strict):
    """An import/export bundle: everything needed to rebuild one or more accounts' maps."""

    accounts: list[AccountIn] = Field(default_factory=list)
    contacts: list[ContactIn] = Field(default_factory=list)
    team: list[TeamMemberIn] = Field(default_factory=list)
    competitors: list[CompetitorIn] = Field(default_factory=list)
    opportunities: list[OpportunityIn] = Field(default_factory=list)
    relationships: list[RelationshipIn] = Field(default_factory=list)
    decision_chain: list[ChainMemberIn] = Field(default_factory=list)
    reviews: list[ReviewIn] = Field(default_factory=list)


BUNDLE_SECTIONS: dict[str, NodeKind] = {
    "accounts": NodeKind.account,
    "contacts": NodeKind.contact,
    "team": NodeKind.team_member,
    "competitors": NodeKind.competitor,
    "opportunities": NodeKind.opportunity,
}


def default_edge_id(edge_type: str, source: str, target: str, kind: str | None = None) -> str:
    """A deterministic id for an edge the client gave none, so re-importing a bundle is idempotent, and
    never the id of another edge: ``TYPE:source:target`` (``:kind`` added for interests) while no part
    holds a ``:`` and it fits 128 characters; else ``TYPE::`` and a hash of the parts — the empty part
    marks it, as no id is empty.

    >>> default_edge_id("REPORTS_TO", "c2", "c1")
    'REPORTS_TO:c2:c1'
    >>> default_edge_id("MEMBER_OF", "x", "y:z") != default_edge_id("MEMBER_OF", "x:y", "z")
    True
    >>> default_edge_id("MEMBER_OF", "x", "y:z")
    'MEMBER_OF::7b3eb3c5217c5e1a8c0f380f1888564464bff942'
    """
    parts = [source, target, kind] if kind else [source, target]
    plain = ":".join([edge_type, *parts])
    if len(plain) <= 128 and plain.count(":") == len(parts):  # (edge types hold no ":")
        return plain
    digest = hashlib.sha256("\x00".join([edge_type, *parts]).encode()).hexdigest()[:40]
    return f"{edge_type}::{digest}"


def node_data(model: BaseModel) -> dict[str, Any]:
    """The stored form of a node: JSON-ready, without the id and without unset optionals."""
    data = model.model_dump(mode="json", exclude={"id"}, exclude_none=True)
    return {k: v for k, v in data.items() if v != {}}


def edge_data(rel: RelationshipIn | ChainMemberIn) -> dict[str, Any]:
    """The stored properties of an edge (endpoints and id are kept apart)."""
    exclude = {"id", "type", "source", "target", "opportunity_id", "contact_id"}
    data = rel.model_dump(mode="json", exclude=exclude, exclude_none=True)
    return {k: v for k, v in data.items() if v != {}}
