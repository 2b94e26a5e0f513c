"""Response models of account reviews and history (API.md, "Account reviews and history")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChangeKind = Literal[
    "account_class_changed", "account_renamed", "account_metric_changed",
    "joined", "left", "returned", "removed", "moved_in", "moved_out", "line_moved_in", "line_moved_out", "title_changed", "level_changed", "department_changed",
    "reports_to_changed", "knows_us_changed", "chain_joined", "chain_left", "stance_changed", "role_changed",
    "influence_changed", "line_added", "line_removed", "line_reweighted", "coverage_gained", "coverage_lost",
    "closeness_changed", "interest_appeared", "interest_gone", "deal_opened", "deal_removed", "deal_won",
    "deal_lost", "deal_reopened", "deal_stage_changed", "deal_amount_changed", "deal_close_date_changed",
    "deal_competitor_added", "deal_competitor_removed", "competitor_new", "competitor_dropped"]


class Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class Review(BaseModel):
    """A recorded review point (复盘) of an account."""

    id: str
    account_id: str
    title: str
    held_at: str = Field(description="UTC timestamp; the moment the review looked at the map")
    notes: str | None = None
    opportunity_ids: list[str] = Field(default_factory=list)
    created_at: str
    updated_at: str
    version: int


class ReviewList(BaseModel):
    items: list[Review] = Field(description="newest first")
    next_cursor: str | None


class Change(Answer):
    kind: ChangeKind
    entity_id: str = Field(description="the account, contact, relationship, decision-chain member, opportunity "
                                       "or competitor that changed")
    entity_type: str = Field(description="account, contact, opportunity, competitor, or the relationship type "
                                         "(MEMBER_OF for the chain)")
    field: str | None = Field(description="what changed: stance, role, status, strength, closeness, class, name, "
                                          "metrics.<metric>, account_id (a move: before and after are the "
                                          "accounts)...")
    before: Any = Field(description="the value at the start of the period (null: absent)")
    after: Any = Field(description="the value at its end (null: absent)")
    at: str | None = Field(description="when the record last changed in the period")
    by: str | None = Field(description="who changed it (an API key's id)")
    text: str = Field(description="the change in the reader's language (Accept-Language)")
    opportunity_id: str | None = None
    contact_id: str | None = None
    source: str | None = None
    target: str | None = None


class SupportMove(Answer):
    before: float | None = Field(description="null: the opportunity was not on the map yet")
    after: float | None
    name: str | None = Field(default=None, description="a competitor's name (as it was, when it was deleted "
                                                       "since); null for us")


class SupportSummary(Answer):
    us: SupportMove
    competitors: dict[str, SupportMove]


class GapRow(Answer):
    code: str
    severity: Literal["high", "medium", "low"]
    contact_ids: list[str]
    message: str


class RankMove(Answer):
    contact_id: str
    name: str | None
    before: int | None = Field(description="rank among the next best contacts then (null: not in the top 5)")
    after: int | None
    out_because: Literal["deal_closed", "won_over", "left"] | None = Field(
        default=None, description="why they are out of the top 5 now: deal_closed (won or lost: nobody is ranked), "
                                  "won_over (a supporter or champion of the deal), left (left the company, moved "
                                  "to another account, or off the map); null: ranked, or outranked")


class Summary(Answer):
    opportunity_id: str | None = Field(description="the opportunity support, gaps and ranking speak of")
    joined: int
    left: int = Field(description="left the company or removed from the map (not those who moved)")
    moved_in: int = Field(description="people who moved here from another account")
    moved_out: int = Field(description="people who moved to another account")
    lines_moved: int = Field(description="lines that came or went with the people who moved")
    stance_changes: int
    lines_added: int
    lines_removed: int
    coverage_gained: int
    coverage_lost: int
    support: SupportSummary
    gaps_opened: list[GapRow]
    gaps_closed: list[GapRow]
    ranking: list[RankMove]


class Changes(Answer):
    since: str = Field(description="the start of the period (UTC timestamp)")
    until: str
    since_review_id: str | None = Field(default=None, description="when since named a review")
    changes: list[Change]
    summary: Summary
