"""Response models of the analytics: what front ends can rely on, documented in OpenAPI.

Each model reads the frozen dataclass ``scoring`` returns (``model_validate(answer)``, by attribute);
field names are the API's (API.md, "Analytics"). Texts follow ``Accept-Language``; codes are stable.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from scoring.gaps import GAP_CODES

Severity = Literal["high", "medium", "low"]
SignalCode = Literal["hidden_influencer", "title_without_power", "broker"]
SeatStatus = Literal["won", "thin", "neutral", "unknown", "against", "missing"]
GapCode = Literal["missing_role", "uncovered_member", "single_threaded", "no_executive_counterpart",
                  "leader_unaware", "stale_relationship", "unreached_opponent", "uncovered_department",
                  "supporter_left"]
# The gap codes the analytics give (``scoring.gaps.GAP_CODES``): a new code must be named here too.
assert get_args(GapCode) == GAP_CODES, "GapCode must list scoring.gaps.GAP_CODES, in order"
DealStatus = Literal["open", "won", "lost"]
# The relationship kinds that carry an influence path (``scoring.rules``: ties and our reach).
PathLinkType = Literal["INFLUENCES", "REPORTS_TO", "PROMOTED_BY", "ALLY", "COVERS", "MIRRORS"]
UnhelpfulCode = Literal["opposed", "interest", "favors"]
PartialCode = Literal["max_hops", "max_explored"]
AccountClassCode = Literal["benchmark", "nail", "danger", "standard"]
DriverCode = Literal["influential", "satisfied", "cooperative", "loyal", "untapped_wallet", "low_share", "low_loyalty",
                     "flat_growth", "revenue_falling", "low_satisfaction", "champion_left", "competitor_ahead",
                     "qualification", "not_qualified", "qualification_unknown", "no_strong_signal"]
PlaybookCode = Literal["benchmark_keep", "benchmark_case_study", "benchmark_site_visits", "benchmark_levels",
                       "danger_watch", "danger_relationship", "danger_commercial", "danger_risk", "danger_rebuild",
                       "nail_value_check", "nail_find_cause", "nail_assault", "nail_entrenched", "standard_plan",
                       "standard_threads", "standard_satisfaction", "not_qualified", "gather_numbers",
                       "leaders_unaware"]


class Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class CodedText(Answer):
    code: str = Field(description="stable code; the text is its rendering in the reader's language")
    text: str


class Signal(Answer):
    code: SignalCode
    label: str
    text: str = Field(description="why: the ranks, or whom they link")


class PowerRow(Answer):
    contact_id: str
    name: str | None
    level: str | None
    title: str | None
    department: str | None
    informal_power: float = Field(description="0..1, the most powerful contact has 1")
    formal_rank: int = Field(description="1 = most senior by the org chart (competition rank)")
    informal_rank: int = Field(description="1 = most informal power (competition rank)")
    power_gap: int = Field(description="formal rank − informal rank: positive = more weight than the title")
    signals: list[Signal]


class InfluenceAnswer(Answer):
    contacts: list[PowerRow] = Field(description="active contacts, highest informal power first")


class Closeness(Answer):
    relationship: float | None
    solution: float | None
    price: float | None
    composite: float | None = Field(description="0.5 relationship + 0.3 solution + 0.2 price (an unrecorded "
                                                "measure as 0); null when none is recorded")


class CoveredBy(Answer):
    team_member_id: str
    closeness: float
    last_contact_at: str | None


class Interest(Answer):
    kind: str
    threat: float
    target_id: str
    note: str | None


class ChainMember(Answer):
    contact_id: str
    name: str | None
    title: str | None
    department: str | None
    level: str | None
    knows_us: bool
    role: str
    stance: str
    influence: float
    decision_weight: float
    propagated_stance: float
    closeness: Closeness
    covered_by: list[CoveredBy]
    interests: list[Interest]
    stance_unknown: bool
    status: str
    signals: list[Signal]


class Support(Answer):
    us: float = Field(description="-1..1")
    competitors: dict[str, float]


class Seat(Answer):
    role: str
    weight: float
    contact_id: str | None = Field(description="who fills the seat best for us; null when nobody does")
    stance: str | None
    depth: float = Field(description="0..1, how deeply we cover them")
    value: float = Field(description="0..1, the seat's worth to us: stance factor × coverage depth")
    status: SeatStatus
    text: str | None = Field(description="what is missing; null when the seat is won")


class Completeness(Answer):
    score: float = Field(description="0..1: required seats filled, weighted by stance and coverage")
    seats: list[Seat]
    missing: list[Seat] = Field(description="the seats not yet won, with what is missing")


class DecisionChain(Answer):
    opportunity_id: str
    members: list[ChainMember]
    support: Support
    closeness: Closeness
    missing_roles: list[str]
    completeness: Completeness
    empty: bool
    message: str | None


class Gap(Answer):
    code: GapCode
    severity: Severity
    contact_ids: list[str]
    message: str
    action: str
    owner_id: str | None = Field(description="who on our side the action names to lead it")
    via_id: str | None = Field(description="the contact the action asks to introduce us")
    role: str | None
    department: str | None
    suggested_ids: list[str] | None
    last_contact_at: str | None


class GapPerson(Answer):
    contact_id: str
    name: str | None
    title: str | None
    severity: Severity
    codes: list[GapCode]
    owner_id: str | None
    actions: list[str]


class CoverageGaps(Answer):
    gaps: list[Gap]
    people: list[GapPerson] = Field(description="the gaps grouped per person, with their actions together")
    completeness: Completeness
    deal_status: DealStatus = Field(description="open, won or lost: a deal won or lost is over and has no gaps")
    message: str | None = Field(description="why there are no gaps when the deal is over; null otherwise")


class Recommendation(Answer):
    contact_id: str
    name: str | None
    score: float
    gain: float
    reach: float
    risk: float
    path: list[str] = Field(description="from one of ours through people who would help to the contact")
    owner_id: str | None = Field(description="who on our side leads the approach")
    reasons: list[CodedText]
    tactics: list[CodedText]
    signals: list[Signal]
    step: int | None = Field(description="the step in a plan; null outside plan mode")


class NextBestContacts(Answer):
    recommendations: list[Recommendation]
    deal_status: DealStatus = Field(description="open, won or lost: a deal won or lost has nobody left to win")
    message: str | None = Field(description="why there are no recommendations when the deal is over; null "
                                            "otherwise")


# ---- influence paths ------------------------------------------------------------------------------------------


class PathHop(Answer):
    from_: str = Field(validation_alias=AliasChoices("from_", "from"), serialization_alias="from",
                       description="the person this step starts from")
    to: str
    type: PathLinkType = Field(description="the strongest kind of link between the two")
    weight: float = Field(description="(0, 1]: how strongly the first carries the second")


class InfluencePath(Answer):
    strength: float = Field(description="(0, 1]: the product of the hops' weights")
    hops: list[PathHop]


class AvoidedPerson(Answer):
    contact_id: str
    name: str = Field(description="the name (else the id)")
    code: UnhelpfulCode = Field(description="why they were left out: opposed to us, an entrenched interest "
                                            "against us, or favouring a competitor")
    text: str


class PartialReason(Answer):
    code: PartialCode = Field(description="the cap that cut the search")
    text: str


class InfluencePaths(Answer):
    paths: list[InfluencePath] = Field(description="strongest first, each only through people who would help")
    avoided: list[AvoidedPerson] = Field(description="people the strongest way would have run through, left out")
    message: str | None = Field(description="what to do when every way runs through people who would not help")
    max_hops: int | None = Field(description="no path of more hops was followed")
    partial: bool = Field(description="true when a cap (max_hops, or the partial paths the search may "
                                      "explore) cut the search: more or stronger paths may exist")
    reason: PartialReason | None = Field(description="which cap cut the search and what to do; null when "
                                                     "the answer is complete")


# ---- account class ---------------------------------------------------------------------------------------------


class Driver(Answer):
    code: DriverCode
    text: str


class Play(Answer):
    code: PlaybookCode
    text: str


class QualificationCriteria(Answer):
    """Each criterion 0..1; null when the account's metrics do not say."""

    revenue: float | None
    margin: float | None
    growth: float | None
    wallet_potential: float | None
    credit_payment: float | None
    access_to_goals: float | None = Field(description="the share of the client's leaders who know us")
    openness: float | None = Field(description="cooperation")


class Qualification(Answer):
    score: float = Field(description="0..1: the mean of the criteria known")
    qualified: bool
    criteria: QualificationCriteria


class AccountCloseness(Answer):
    relationship: float
    solution: float
    price: float
    composite: float


class AccountClassification(Answer):
    class_: AccountClassCode = Field(validation_alias=AliasChoices("class_", "class"), serialization_alias="class",
                                     description="benchmark 标杆, nail 钉子, danger 危险 or standard")
    label: str = Field(description="the class in the reader's language")
    qualification: Qualification
    drivers: list[Driver] = Field(description="why this class, and the qualification")
    playbook: list[Play]
    closeness: AccountCloseness = Field(description="decision-weight-weighted closeness over the open chains")
    danger_points: int


class GapCounts(Answer):
    high: int
    medium: int
    low: int


class DealStanding(Answer):
    opportunity_id: str
    name: str
    stage: str | None
    close_date: str | None
    amount: float | None
    currency: str | None
    support_us: float = Field(description="the propagated support for us, -1..1, as the decision chain says")
    leading_competitor_id: str | None = Field(description="the competitor with the most support on the deal")
    leading_competitor_support: float | None
    gaps: GapCounts = Field(description="the deal's coverage gaps by severity")
    first_gap: Gap | None = Field(description="the most severe gap, as coverage-gaps lists it first")


class AccountStanding(Answer):
    account_id: str
    name: str
    parent_id: str | None = Field(description="the group the account belongs to")
    class_: AccountClassCode = Field(validation_alias=AliasChoices("class_", "class"), serialization_alias="class",
                                     description="benchmark 标杆, nail 钉子, danger 危险 or standard")
    class_label: str = Field(description="the class in the reader's language")
    deals: list[DealStanding] = Field(description="the account's open deals, closing first")


class Portfolio(Answer):
    items: list[AccountStanding] = Field(description="one row per account, in the accounts list's order")
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")
