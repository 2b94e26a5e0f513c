"""Typed answers of the analytics: frozen dataclasses that ``app/`` maps to its response models.

Field names are the API's field names, so ``plain(answer)`` is the JSON body (tuples become lists); a
name that is a Python keyword is spelt with a trailing underscore (``from_``, ``class_``) and written
without it.
"""

from __future__ import annotations

import dataclasses
import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["AccountClass", "Avoided", "ChainMember", "Closeness", "Completeness", "CoveredBy", "Criteria",
           "DecisionChain", "Gap", "GapReport", "Hop", "InfluenceAnswer", "InfluencePath", "InfluencePaths",
           "InterestRow", "Person", "PowerRow", "Qualification", "Recommendation", "Recommendations", "Seat",
           "Signal", "Support", "Text", "plain"]


def _name(field: str) -> str:
    """A field's name in the answer: ``from_`` → ``from``, ``class_`` → ``class``."""
    bare = field[:-1]
    return bare if field.endswith("_") and keyword.iskeyword(bare) else field


def plain(value: Any) -> Any:
    """A typed answer as plain JSON data: dataclasses → dicts, tuples → lists.

    >>> plain(Text("a", "b")), plain((Text("x", "y"),))
    ({'code': 'a', 'text': 'b'}, [{'code': 'x', 'text': 'y'}])
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_name(f.name): plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Text:
    """A text by its stable code, in the reader's language."""

    code: str
    text: str


@dataclass(frozen=True)
class Signal:
    """What a person's place in the influence graph says: ``hidden_influencer``,
    ``title_without_power`` or ``broker``, explained."""

    code: str
    label: str
    text: str


@dataclass(frozen=True)
class PowerRow:
    contact_id: str
    name: str | None
    level: str | None
    title: str | None
    department: str | None
    informal_power: float
    formal_rank: int
    informal_rank: int
    power_gap: int
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class InfluenceAnswer:
    """Active contacts by informal power, highest first, beside their formal rank."""

    contacts: tuple[PowerRow, ...]


@dataclass(frozen=True)
class Seat:
    """One required seat of the buying committee and who fills it.

    ``status``: ``won`` (a supporter or champion we cover well), ``thin`` (for us, thinly covered),
    ``neutral``, ``unknown`` (stance unknown), ``against`` (a skeptic or opponent), ``missing``.
    """

    role: str
    weight: float
    contact_id: str | None
    stance: str | None
    depth: float
    value: float
    status: str
    text: str | None


@dataclass(frozen=True)
class Completeness:
    """How complete the buying committee is for us: Σ seat weight × value / Σ seat weight, where a
    seat's value weighs the stance of who fills it by how deeply we cover them; what is missing."""

    score: float
    seats: tuple[Seat, ...]
    missing: tuple[Seat, ...]


@dataclass(frozen=True)
class Recommendation:
    contact_id: str
    name: str | None
    score: float
    gain: float
    reach: float
    risk: float
    path: tuple[str, ...]
    owner_id: str | None
    reasons: tuple[Text, ...]
    tactics: tuple[Text, ...]
    signals: tuple[Signal, ...]
    step: int | None = None


@dataclass(frozen=True)
class Recommendations:
    recommendations: tuple[Recommendation, ...]
    deal_status: str = "open"            # open | won | lost: a deal won or lost has nothing left to win
    message: str | None = None           # why there are no recommendations, when the deal is over


@dataclass(frozen=True)
class Gap:
    code: str
    severity: str
    contact_ids: tuple[str, ...]
    message: str
    action: str
    owner_id: str | None = None
    via_id: str | None = None
    role: str | None = None
    department: str | None = None
    suggested_ids: tuple[str, ...] | None = None
    last_contact_at: str | None = None


@dataclass(frozen=True)
class Person:
    """The gaps that concern one person, with their actions together (rather than one line per gap)."""

    contact_id: str
    name: str | None
    title: str | None
    severity: str
    codes: tuple[str, ...]
    owner_id: str | None
    actions: tuple[str, ...]


@dataclass(frozen=True)
class GapReport:
    gaps: tuple[Gap, ...]
    people: tuple[Person, ...]
    completeness: Completeness
    deal_status: str = "open"            # open | won | lost: a deal won or lost has no gaps left to close
    message: str | None = None           # why there are no gaps, when the deal is over


@dataclass(frozen=True)
class Closeness:
    relationship: float | None
    solution: float | None
    price: float | None
    composite: float | None  # None when no measure is recorded: an unknown closeness is not 0


@dataclass(frozen=True)
class CoveredBy:
    team_member_id: str
    closeness: float
    last_contact_at: str | None


@dataclass(frozen=True)
class InterestRow:
    kind: str
    threat: float
    target_id: str
    note: str | None


@dataclass(frozen=True)
class ChainMember:
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
    covered_by: tuple[CoveredBy, ...]
    interests: tuple[InterestRow, ...]
    stance_unknown: bool
    status: str
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class Support:
    us: float
    competitors: Mapping[str, float]


@dataclass(frozen=True)
class DecisionChain:
    opportunity_id: str
    members: tuple[ChainMember, ...]
    support: Support
    closeness: Closeness
    missing_roles: tuple[str, ...]
    completeness: Completeness
    empty: bool
    message: str | None = None


@dataclass(frozen=True)
class Hop:
    """One step of an influence path: the link ``from_`` → ``to``, its strongest kind and its weight."""

    from_: str
    to: str
    type: str
    weight: float


@dataclass(frozen=True)
class InfluencePath:
    strength: float
    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class Avoided:
    """Someone the strongest way would have run through, left out because they would not help:
    ``code`` opposed | interest | favors."""

    contact_id: str
    name: str
    code: str
    text: str


@dataclass(frozen=True)
class InfluencePaths:
    """The strongest paths, strongest first; who was left out; and whether a cap cut the search
    (``partial``, with ``reason``: the cap's code, ``max_hops`` or ``max_candidates``, and what it means)."""

    paths: tuple[InfluencePath, ...]
    avoided: tuple[Avoided, ...]
    message: str | None
    max_hops: int | None = None
    partial: bool = False
    reason: Text | None = None


@dataclass(frozen=True)
class Criteria:
    """The key-account qualification by criterion, each 0..1, None when unknown."""

    revenue: float | None
    margin: float | None
    growth: float | None
    wallet_potential: float | None
    credit_payment: float | None
    access_to_goals: float | None
    openness: float | None


@dataclass(frozen=True)
class Qualification:
    score: float
    qualified: bool
    criteria: Criteria


@dataclass(frozen=True)
class AccountClass:
    """The account's class (``benchmark``, ``nail``, ``danger``, ``standard``), why, its qualification, a
    playbook and the account's closeness (over its open chains)."""

    class_: str
    label: str
    qualification: Qualification
    drivers: tuple[Text, ...]
    playbook: tuple[Text, ...]
    closeness: Closeness
    danger_points: int
