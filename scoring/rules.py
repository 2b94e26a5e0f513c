"""The model's edge rules: one table, one rule per edge type, read by every view of the account.

DESIGN.md ("Influence graph"): INFLUENCES carries its strength one way; REPORTS_TO boss→report 0.7 and
report→boss 0.3; PROMOTED_BY patron→protégé 0.8 and protégé→patron 0.4; ALLY its strength both ways
(default 0.5). RIVAL is a negative tie: no path, and in propagation it pushes the other way. Our team
members reach a contact through COVERS (its closeness) and MIRRORS (0.6). FAVORS, HAS_INTEREST and
MEMBER_OF say something about the contact, not about who sways whom. Two of them are entrenched
interests (what a contact stands to lose if we win, DESIGN.md): a HAS_INTEREST (its threat) and a loyalty
to a rival, a FAVORS of at least ``go_between_max_favor`` (its strength as the threat, kind
``rival_loyalty``); an interest above ``go_between_max_threat`` is one against us (``against_us``).

Every view reads this table and nothing else about edge types: a node's local view and the links of
the whole account (``scoring.view``), the path costs (``scoring.paths``), the informal-power ties
(``scoring.power``, each tie weighed by ``power_tie_factors``) and the map's line weights.

>>> from scoring.options import DEFAULT_OPTIONS
>>> rules = edge_rules(DEFAULT_OPTIONS)
>>> rules["REPORTS_TO"].weights({}), rules["ALLY"].weights({"strength": 0.9})
((0.3, 0.7), (0.9, 0.9))
>>> rules["INFLUENCES"].weights({}), rules["COVERS"].weights({"closeness": 0.8})
((0.5, 0.0), (0.8, 0.0))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from scoring.formulas import unit
from scoring.options import ScoringOptions

__all__ = ["FACT", "REACH", "RIVAL", "RIVAL_LOYALTY", "TIE", "EdgeRule", "against_us", "drawn_ends", "edge_rules",
           "loyalty"]

# What an edge type is, for the views.
TIE: Final = "tie"        # influence between two active contacts (both ways, each with its weight)
RIVAL: Final = "rival"    # a negative tie between two active contacts (both ways)
REACH: Final = "reach"    # our team member's way to a contact
FACT: Final = "fact"      # something about the source contact (FAVORS, HAS_INTEREST, MEMBER_OF)
# The kind of entrenched interest a loyalty to a rival (FAVORS) is.
RIVAL_LOYALTY: Final = "rival_loyalty"


def loyalty(strength: float, o: ScoringOptions) -> bool:
    """Whether a FAVORS of this strength is a loyalty to the rival (an entrenched interest, no go-between).

    >>> from scoring.options import DEFAULT_OPTIONS
    >>> loyalty(0.5, DEFAULT_OPTIONS), loyalty(0.3, DEFAULT_OPTIONS)
    (True, False)
    """
    return strength >= o.go_between_max_favor


def against_us(threat: float, o: ScoringOptions) -> bool:
    """Whether an entrenched interest of this threat stands against us (work-around tactics only, no
    go-between, no new thread to start with)."""
    return threat > o.go_between_max_threat


def drawn_ends(type: str, source: str, target: str) -> tuple[str, str]:
    """A line's ends in the order it is drawn and named ("A → B (promoted)"): a promotion from the patron to
    the protégé (it is stored the other way, protégé PROMOTED_BY patron), any other line as stored.

    >>> drawn_ends("PROMOTED_BY", "protégé", "patron"), drawn_ends("INFLUENCES", "a", "b")
    (('patron', 'protégé'), ('a', 'b'))
    """
    return (target, source) if type == "PROMOTED_BY" else (source, target)


@dataclass(frozen=True, slots=True)
class EdgeRule:
    """What one edge of a type says. An edge u→v carries ``weights(d)`` = (weight u→v, weight v→u):
    fixed (``field`` None) or the edge's ``field`` (``default`` when missing), one way or both
    (``both``). ``power`` is its factor in informal power; ``formal`` marks the org chart's line."""

    type: str
    view: str
    field: str | None = None
    default: float = 0.0
    forward: float = 0.0
    backward: float = 0.0
    both: bool = False
    power: float = 0.0
    formal: bool = False
    # (forward, backward) when they do not depend on the edge (``field`` None): the hot loops read this
    # instead of calling ``weights``.
    fixed: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.field is None:
            object.__setattr__(self, "fixed", (self.forward, self.backward))

    def weights(self, d: Mapping[str, Any]) -> tuple[float, float]:
        """(weight u→v, weight v→u) of one edge u→v with properties ``d``."""
        if self.field is None:
            return self.forward, self.backward
        s = d.get(self.field)
        w = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, self.default)
        return (w, w) if self.both else (w, 0.0)

    def weight(self, d: Mapping[str, Any]) -> float:
        """The weight one edge carries forward (a rival's strength, a cover's closeness, a threat)."""
        return self.weights(d)[0]


def edge_rules(o: ScoringOptions) -> Mapping[str, EdgeRule]:
    """The rule of every edge type under options ``o`` (built once per view of an account)."""
    power, strength = o.power_tie_factors, o.default_strength
    rules = [
        EdgeRule("INFLUENCES", TIE, "strength", strength, power=power.get("INFLUENCES", 0.0)),
        EdgeRule("REPORTS_TO", TIE, forward=o.reports_up, backward=o.reports_down,
                 power=power.get("REPORTS_TO", 0.0), formal=True),
        EdgeRule("PROMOTED_BY", TIE, forward=o.promoted_up, backward=o.promoted_down,
                 power=power.get("PROMOTED_BY", 0.0)),
        EdgeRule("ALLY", TIE, "strength", strength, both=True, power=power.get("ALLY", 0.0)),
        EdgeRule("RIVAL", RIVAL, "strength", strength, both=True),
        EdgeRule("COVERS", REACH, field="closeness", default=o.default_cover_closeness),
        EdgeRule("MIRRORS", REACH, forward=o.mirrors_weight),
        EdgeRule("FAVORS", FACT, "strength", strength),
        EdgeRule("HAS_INTEREST", FACT, field="threat", default=o.default_threat),
        EdgeRule("MEMBER_OF", FACT),
    ]
    return MappingProxyType({rule.type: rule for rule in rules})
