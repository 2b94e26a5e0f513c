"""The decision chain of an opportunity: who weighs how much, where they stand, how close we are.

Support for us is Σ weight·s̃ / Σ weight over the active chain members, where s̃ is the stance after
propagation over the influence graph (DESIGN.md). Members who left the client stay in the answer
(``status: left``, decision weight 0) but no longer count: not in support, closeness or roles.

Propagation is linear: support = cᵀ·M^rounds·s with c the normalised chain weights. The chain itself
pulls the stances s (and, for each competitor, the FAVORS strengths f) forward from the people who
hold them to the chain members, reading the influencers only of people the stances can reach in time
(``Propagation.forward_from``): on a large account that is a small part of the chain's upstream
neighbourhood. The recommendations need the other side, r = (Mᵀ)^rounds·c pushed backward once
(``ChainAnalysis.sensitivity``, computed on first use): r·s is the same support, and r_j prices every
contact's gain at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx

from scoring.formulas import composite, decision_weight, neg_id
from scoring.options import ScoringOptions, resolve
from scoring.power import render_signals, signals_of
from scoring.propagation import Propagation
from scoring.results import (
    ChainMember,
    Closeness,
    Completeness,
    CoveredBy,
    DecisionChain,
    InterestRow,
    Seat,
    Support,
    plain,
)
from scoring.rules import RIVAL_LOYALTY, loyalty
from scoring.texts import a_an, label, text
from scoring.view import AccountMap, Interest, Member

__all__ = ["ChainAnalysis", "analyse_chain", "chain_report", "completeness", "decision_chain", "decision_weight",
           "propagated_support"]

MEASURES = ("relationship", "solution", "price")
T = TypeVar("T")


def propagated_support(h: nx.DiGraph | nx.MultiDiGraph, stances: Mapping[str, float],
                       options: ScoringOptions | None = None) -> dict[str, float]:
    """Propagated stance of every contact: (1 − α)·s + α·(weighted mean of the influencers' stances),
    ``rounds`` times, rivals counted negatively; a contact nobody influences keeps its stance.

    ``h`` is an influence graph (``influence_graph``) or a projection graph (converted first).
    ``stances`` maps contact ids to numbers in [−1, 1]; contacts not listed count 0.

    >>> import networkx as nx
    >>> h = nx.DiGraph(rivals={})
    >>> h.add_node("a", kind="contact"); h.add_node("b", kind="contact")
    >>> h.add_edge("a", "b", weight=0.5)
    >>> out = propagated_support(h, {"a": 1.0})
    >>> round(out["a"], 6), round(out["b"], 6)
    (1.0, 0.51)
    """
    o = resolve(options)
    if h.is_multigraph():
        from scoring.influence import influence_graph

        h = influence_graph(h, o)
    contacts = [n for n, kind in h.nodes(data="kind") if kind in (None, "contact")]
    keep = set(contacts)
    positive = ((u, v, w) for u, v, w in h.edges(data="weight", default=1.0) if u in keep and v in keep)
    rivals = h.graph.get("rivals", {})
    negative = ((u, v, w) for (u, v), w in rivals.items() if u in keep and v in keep)
    prop = Propagation.from_edges(positive, negative)
    start = {k: float(v) for k, v in stances.items() if k in keep}
    return prop.forward_at(contacts, start, o.alpha, o.rounds)


@dataclass
class ChainAnalysis:
    """Everything the chain, gaps and recommendations share for one opportunity.

    Built once per map and opportunity (``analyse_chain``) and read only afterwards. What only some
    answers need is computed on first use and kept in ``derived``: the support (``us``,
    ``competitors`` and the propagated stances, for the decision chain and the account class), the
    sensitivity (for the gains), the gains, their order and the risks (for the recommendations).
    """

    opportunity_id: str
    opportunity: dict[str, Any]
    members: list[Member]                # every member, left ones included
    active: list[Member]                 # members still at the client
    weights: dict[str, float]            # decision weight per active member
    total: float                         # Σ decision weights
    stances: dict[str, float]            # stance toward us per active member
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _support: Callable[[], dict[str, Any]] = field(default=dict, repr=False, compare=False)
    _sensitivity: Callable[[], dict[str, float]] = field(default=dict, repr=False, compare=False)

    @property
    def us(self) -> float:
        """Chain support for us, in [−1, 1]."""
        value: float = self.cached("support", self._support)["us"]
        return value

    @property
    def competitors(self) -> dict[str, float]:
        """Chain support per competitor: those the opportunity lists, then any other someone favors
        within reach of the chain."""
        value: dict[str, float] = self.cached("support", self._support)["competitors"]
        return value

    @property
    def propagated(self) -> dict[str, float]:
        """Propagated stance of each active member."""
        value: dict[str, float] = self.cached("support", self._support)["propagated"]
        return value

    @property
    def sensitivity(self) -> dict[str, float]:
        """r = (Mᵀ)^rounds · (w / Σw): d(support)/d(stance) per contact (for the gains)."""
        return self.cached("sensitivity", self._sensitivity)

    def member(self, contact_id: str) -> Member | None:
        for m in self.members:
            if m.contact_id == contact_id:
                return m
        return None

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """A value derived from this analysis, computed once."""
        try:
            value: T = self.derived[key]
            return value
        except KeyError:
            pass
        value = compute()
        self.derived[key] = value
        return value


def analyse_chain(amap: AccountMap, opportunity_id: str, options: ScoringOptions) -> ChainAnalysis:
    """The opportunity's chain analysis, computed once per map (and options) and shared by the decision
    chain, the gaps, the recommendations and the account class.

    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    return amap.cached(("chain", opportunity_id, options), lambda: _analyse_chain(amap, opportunity_id, options))


def _analyse_chain(amap: AccountMap, opportunity_id: str, options: ScoringOptions) -> ChainAnalysis:
    opportunity = amap.require_opportunity(opportunity_id)
    members = amap.members.get(opportunity_id, [])
    active = [m for m in members if m.contact_id in amap.active]
    weights = amap.chain_weights(opportunity_id, options)
    total = sum(weights.values())
    stances = amap.stances(opportunity_id, options)
    alpha, rounds = options.alpha, options.rounds
    prop = amap.propagation()
    share = {c: w / total for c, w in weights.items()} if total > 0.0 else {}

    def sensitivity() -> dict[str, float]:
        return prop.backward(share, alpha, rounds) if share else {}

    def support() -> dict[str, Any]:
        return _support(amap, prop, chain, share, alpha, rounds)

    chain = ChainAnalysis(opportunity_id, opportunity, members, active, weights, total, stances,
                          _support=support, _sensitivity=sensitivity)
    return chain


def _support(amap: AccountMap, prop: Propagation, chain: ChainAnalysis, share: Mapping[str, float],
             alpha: float, rounds: int) -> dict[str, Any]:
    """Support = Σ share_c · s̃_c over the chain (share = w / Σw), for us and for each competitor.

    The propagated stances s̃ of the chain members are pulled forward from the people who hold a
    stance (or favor a competitor), which reads far less of a large map than the backward pass the
    gains need (r = (Mᵀ)^rounds · share, so that support = r·s).
    """
    stances = chain.stances
    propagated = (prop.forward_at([m.contact_id for m in chain.active], stances, alpha, rounds)
                  if stances else {})
    # Chain members who weigh in the decision (the backward pass starts from these).
    deciders = [c for c, x in share.items() if x]
    us: float = 0
    if deciders:
        us = sum(share[c] * propagated[c] for c in deciders)
    listed = chain.opportunity.get("competitor_ids") or []
    competitors: dict[str, float] = {str(k): 0.0 for k in listed}
    if deciders:
        # Competitor support: the same, with the FAVORS strengths as stances. A competitor the
        # opportunity does not list counts when someone who favors it is within ``rounds`` steps of a
        # decider (as in r·f: r is defined exactly there); with two or more of those, their order is
        # the order in which the backward pass meets their friends, so the support comes from r·f.
        extra = []
        for k, friends in amap.favored_by().items():
            value, reached = _support_from(prop, deciders, share, friends, alpha, rounds)
            if k in competitors:
                competitors[k] = value
            elif reached:
                extra.append((k, value))
        if len(extra) == 1:
            competitors[extra[0][0]] = extra[0][1]
        elif extra:
            competitors = {str(k): 0.0 for k in listed}
            favors = amap.favors()
            for c, rc in chain.sensitivity.items():
                row = favors.get(c)
                if row:
                    for k, f in sorted(row.items()):
                        competitors[k] = competitors.get(k, 0.0) + rc * f
    return {"us": us, "competitors": competitors, "propagated": propagated}


def _support_from(prop: Propagation, deciders: list[str], share: Mapping[str, float],
                  friends: Mapping[str, float], alpha: float, rounds: int) -> tuple[float, bool]:
    """Σ share·s̃ over the deciders for the stances ``friends``, and whether any friend (even one of
    strength 0) is within ``rounds`` steps upstream of a decider."""
    values, reached = prop.forward_from(deciders, friends, alpha, rounds, sources=friends)
    return sum(share[c] * values[c] for c in deciders), bool(reached)


def chain_closeness(amap: AccountMap, members: list[Member], weights: Mapping[str, float],
                    options: ScoringOptions) -> dict[str, float | None]:
    """Decision-weight-weighted mean of each closeness measure over the members for whom it is recorded
    (None when it is recorded for nobody): an unknown closeness is not a closeness of 0. The composite
    is the weighted mean of the composites of the members with at least one measure recorded (None when
    there are none)."""
    result: dict[str, float | None] = {}
    for key in MEASURES:
        known = [(weights.get(m.contact_id, 0.0), value) for m in members
                 if (value := m.closeness.get(key)) is not None]
        total = sum(w for w, _ in known)
        result[key] = sum(w * v for w, v in known) / total if total > 0 else None
    rated = [(weights.get(m.contact_id, 0.0), composite(m.closeness, options)) for m in members
             if any(m.closeness.get(key) is not None for key in MEASURES)]
    total = sum(w for w, _ in rated)
    result["composite"] = sum(w * v for w, v in rated) / total if total > 0 else None
    return result


def relevant_interests(amap: AccountMap, contact_id: str, opportunity_id: str | None) -> list[Interest]:
    """Entrenched interests of a contact in this opportunity or with any competitor: their HAS_INTEREST
    edges, and a loyalty to a rival (a FAVORS strong enough, ``scoring.rules.loyalty``) with its strength
    as the threat."""
    found = [i for i in amap.interests.get(contact_id, [])
             if i.target_id == opportunity_id or i.target_id in amap.competitors]
    for competitor, strength in sorted(amap.favors().get(contact_id, {}).items()):
        if loyalty(strength, amap.o):
            found.append(Interest(competitor, RIVAL_LOYALTY, strength))
    return found


def decision_chain(g: nx.MultiDiGraph, opportunity_id: str, options: ScoringOptions | None = None,
                   lang: str = "en") -> dict[str, Any]:
    """The plain form of ``chain_report``."""
    result: dict[str, Any] = plain(chain_report(g, opportunity_id, options, lang))
    return result


def chain_report(g: nx.MultiDiGraph, opportunity_id: str, options: ScoringOptions | None = None,
                 lang: str = "en") -> DecisionChain:
    """The opportunity's decision chain with decision weights, closeness, coverage, interests, each
    member's signals, the propagated support for us and for each competitor, and how complete the
    buying committee is for us. An empty chain is an answer, not an error.

    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    return chain_answer(amap, analyse_chain(amap, opportunity_id, o), o, lang)


def seat_depth(amap: AccountMap, member: Member, o: ScoringOptions) -> float:
    """How deeply we cover a chain member (0..1): our closest COVERS, a MIRRORS pairing, or their
    relationship closeness, whichever is highest."""
    cover = amap.best_cover(member.contact_id)
    depth = max(cover.closeness if cover else 0.0, member.closeness.get("relationship") or 0.0)
    if amap.mirrors.get(member.contact_id):
        depth = max(depth, o.mirrors_weight)
    return depth


def completeness(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, lang: str) -> Completeness:
    """The required seats (``seat_weights``), each valued by its best holder's stance factor ×
    (floor + (1 − floor) × depth of our coverage); the score is their weighted mean."""
    seats = []
    for role, weight in o.seat_weights.items():
        role_label = label("role", role, lang)
        holders = [m for m in chain.active if m.role == role]
        if not holders:
            seats.append(Seat(role, weight, None, None, 0.0, 0.0, "missing",
                              text("chain.seat.missing", lang, role=role_label)))
            continue
        valued = []
        for m in holders:
            depth = seat_depth(amap, m, o)
            factor = o.seat_stance_factors.get(m.stance, o.seat_stance_factors.get("unknown", 0.0))
            valued.append((factor * (o.seat_depth_floor + (1.0 - o.seat_depth_floor) * depth), depth, m))
        value, depth, best = max(valued, key=lambda v: (v[0], v[1], neg_id(v[2].contact_id)))
        if best.stance in o.supportive_stances:
            status = "won" if depth >= o.seat_thin_depth else "thin"
        elif best.stance in o.opposing_stances:
            status = "against"
        elif best.stance == "unknown" or best.stance not in o.stance_values:
            status = "unknown"
        else:
            status = "neutral"
        words = None if status == "won" else text(
            f"chain.seat.{status}", lang, role=role_label, name=amap.name(best.contact_id),
            stance=a_an(label("stance", best.stance, lang), lang))
        seats.append(Seat(role, weight, best.contact_id, best.stance, depth, value, status, words))
    total = sum(seat.weight for seat in seats)
    score = sum(seat.weight * seat.value for seat in seats) / total if total > 0 else 0.0
    return Completeness(score, tuple(seats), tuple(seat for seat in seats if seat.status != "won"))


def chain_answer(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, lang: str) -> DecisionChain:
    propagated = chain.propagated
    signals = signals_of(amap, o)
    rows = []
    for m in chain.members:
        contact = amap.contacts[m.contact_id]
        is_active = m.contact_id in amap.active
        covers = sorted(amap.covers.get(m.contact_id, []), key=lambda c: (-c.closeness, c.team_member_id))
        interests = tuple(InterestRow(i.kind, i.threat, i.target_id, i.note)
                          for i in relevant_interests(amap, m.contact_id, chain.opportunity_id))
        rows.append(ChainMember(
            contact_id=m.contact_id, name=contact.get("name"), title=contact.get("title"),
            department=contact.get("department"), level=contact.get("level"),
            knows_us=bool(contact.get("knows_us", False)), role=m.role, stance=m.stance,
            influence=m.influence, decision_weight=chain.weights.get(m.contact_id, 0.0),
            propagated_stance=propagated.get(m.contact_id, 0.0) if is_active else 0.0,
            closeness=Closeness(m.closeness.get("relationship"), m.closeness.get("solution"),
                                m.closeness.get("price"),
                                composite(m.closeness, o) if any(m.closeness.get(k) is not None for k in MEASURES)
                                else None),
            covered_by=tuple(CoveredBy(c.team_member_id, c.closeness, c.last_contact_at) for c in covers),
            interests=interests,
            stance_unknown=m.stance not in o.stance_values or m.stance == "unknown",
            status=contact.get("status", "active"),
            signals=render_signals(amap, signals.get(m.contact_id, ()), lang) if is_active else ()))
    rows.sort(key=lambda r: (r.status == "left", -r.decision_weight, str(r.contact_id)))
    present = {m.role for m in chain.active}
    level = chain_closeness(amap, chain.active, chain.weights, o)
    message = None
    if not chain.members:
        message = text("chain.empty", lang)
    elif not chain.active:
        message = text("chain.all_left", lang)
    return DecisionChain(
        opportunity_id=chain.opportunity_id, members=tuple(rows),
        support=Support(chain.us, dict(chain.competitors)),
        closeness=Closeness(level["relationship"], level["solution"], level["price"], level["composite"]),
        missing_roles=tuple(r for r in o.seat_weights if r not in present),
        completeness=completeness(amap, chain, o, lang), empty=not chain.active, message=message)
