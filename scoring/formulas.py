"""The model's formulas, each stated once: weights in [0, 1], the combine of parallel ties, decision
weights, closeness, and the id tie-break that keeps every answer deterministic (DESIGN.md, "the
default model")."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from scoring.options import ScoringOptions, resolve

__all__ = ["combine", "combine_link", "composite", "decision_weight", "merged_closeness", "neg_id",
           "normalised", "number", "parse_date", "rating", "unit"]


def unit(value: Any, default: float) -> float:
    """A weight in [0, 1]; a missing or non-numeric value gets ``default``.

    >>> unit(None, 0.5), unit(1.7, 0.5), unit(-1, 0.5), unit("x", 0.2), unit(0.25, 0.5)
    (0.5, 1.0, 0.0, 0.2, 0.25)
    """
    if type(value) is float and 0.0 <= value <= 1.0:
        return value
    parsed = number(value)
    return default if parsed is None else min(1.0, max(0.0, parsed))


def number(value: Any) -> float | None:
    """``value`` as a float; None when it is missing, a bool, not numeric, or NaN.

    >>> number("2.5"), number(None), number(True), number("x"), number(float("nan"))
    (2.5, None, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(parsed) else parsed


def combine(a: float, b: float) -> float:
    """Two parallel ties as one: 1 − (1 − a)(1 − b) (the chance that either carries).

    >>> round(combine(0.5, 0.5), 6), combine(0.0, 0.3) == 1.0 - (1.0 - 0.3)
    (0.75, True)
    """
    return 1.0 - (1.0 - a) * (1.0 - b)


def combine_link(table: dict[str, list[Any]], other: str, w: float, kind: Any) -> None:
    """Add a tie of weight ``w`` and kind ``kind`` to ``table[other]`` = [combined weight, strongest
    weight, its kind]. A single tie keeps its weight exactly; a weight of 0 adds nothing."""
    if w <= 0.0:
        return
    entry = table.get(other)
    if entry is None:
        table[other] = [w, w, kind]
    else:
        entry[0] = 1.0 - (1.0 - entry[0]) * (1.0 - w)
        if w > entry[1]:
            entry[1], entry[2] = w, kind


def normalised(pairs: list[tuple[str, float]]) -> list[tuple[str, float]] | None:
    """Signed influence weights divided by their total absolute weight (None when nobody influences)."""
    total = sum(abs(w) for _, w in pairs)
    if total <= 0.0:
        return None
    return [(u, w / total) for u, w in pairs]


def parse_date(value: Any) -> dt.date | None:
    """An ISO date (or datetime) string, a date, or None.

    >>> parse_date("2026-11-22"), parse_date("2026-11-22T10:00:00Z"), parse_date("nonsense")
    (datetime.date(2026, 11, 22), datetime.date(2026, 11, 22), None)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def neg_id(value: str) -> tuple[int, ...]:
    """Sort key making the smaller id win a ``max`` tie (deterministic answers)."""
    return tuple(-ord(ch) for ch in value)


def rating(value: Any, default: float) -> float:
    """An influence rating clamped to 1..5 (``default`` when missing or not a number).

    >>> rating(None, 3.0), rating(7, 3.0), rating("2", 3.0), rating(float("nan"), 3.0), rating(True, 3.0)
    (3.0, 5.0, 2.0, 3.0, 3.0)
    """
    parsed = number(value)
    return default if parsed is None else min(5.0, max(1.0, parsed))


def decision_weight(role: str, influence: float | None, criteria: Mapping[str, Any] | None = None,
                    options: ScoringOptions | None = None) -> float:
    """Decision weight of a chain member: role weight × influence rating / 5, with the client's
    evaluation weights scaling technical evaluators (2 × technical share) and procurement
    (2 × price share) when the opportunity has criteria.

    >>> decision_weight("decision_maker", 5)
    1.0
    >>> decision_weight("technical_evaluator", 4, {"technical": 0.5, "price": 0.3})
    0.48
    >>> round(decision_weight("procurement", 3, {"technical": 0.5, "price": 0.3}), 4)
    0.18
    """
    o = resolve(options)
    weight = o.role_weights.get(role, o.unknown_role_weight)
    weight *= rating(influence, o.default_influence) / o.influence_scale
    if criteria:
        technical = unit(criteria.get("technical"), 0.0)
        price = unit(criteria.get("price"), 0.0)
        service = unit(criteria.get("service"), 0.0)
        if technical + price + service > 0.0:
            if role == "technical_evaluator":
                weight *= o.criteria_scale * technical
            elif role == "procurement":
                weight *= o.criteria_scale * price
    return weight


def merged_closeness(own: Mapping[str, Any] | None, per_opportunity: Mapping[str, Any] | None
                     ) -> dict[str, float | None]:
    """The contact's closeness, each measure overridden by the per-opportunity one when recorded.

    >>> merged_closeness({"relationship": 0.6, "price": 0.3}, {"price": 0.5})
    {'relationship': 0.6, 'solution': None, 'price': 0.5}
    """
    result: dict[str, float | None] = {}
    for key in ("relationship", "solution", "price"):
        value = None
        for source in (per_opportunity, own):
            if source and source.get(key) is not None:
                value = unit(source.get(key), 0.0)
                break
        result[key] = value
    return result


def composite(closeness: Mapping[str, float | None], options: ScoringOptions) -> float:
    """0.5 relationship + 0.3 solution + 0.2 price; unrecorded measures count as 0."""
    return sum(w * (closeness.get(k) or 0.0) for k, w in options.closeness_weights.items())
