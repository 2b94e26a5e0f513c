"""Who to win over next, and through whom.

For every active contact who is not yet a supporter or champion of this opportunity:

* **gain** = chain support if they became a champion − chain support now, propagation included.
  Support is linear in the stance vector (support = cᵀ·Mʳ·s), so the gain of contact j is
  r_j·(1 − s_j) with r = (Mᵀ)ʳ·c computed once by running the propagation rounds backward
  (``ChainAnalysis.sensitivity``): one pass prices every candidate, instead of one propagation each.
  The gains, their order and the risks are kept with the chain analysis (shared by plan steps, the
  gaps and, on a frozen graph, later requests).
* **reach** = the strongest path from any of our team members or current supporters/champions
  (one multi-source Dijkstra on −log w), at least the cold-outreach reach (0.1). A path starting at a
  supporter is shown with the team member who covers that supporter most closely in front of it.
  The search is bounded twice: paths weaker than the cold outreach are not followed, and it stops as
  soon as no unsettled candidate can still beat the k-th best score (see ``Ranker``).
* **risk** = the highest entrenched-interest threat on them (this opportunity or any competitor).
* **score** = gain × reach × (1 − risk).

Plan mode picks k in sequence, each assuming the earlier ones became champions: by linearity the
others' gains do not change, the won contacts just become new sources of reach (shown behind the
path that won them); each step re-runs the bounded search, reusing the links already read.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from scoring.chain import ChainAnalysis, analyse_chain, relevant_interests
from scoring.formulas import neg_id
from scoring.options import ScoringOptions, resolve
from scoring.people import GoBetweens, OurSide, ReachFromUs, deal_status, peer_of
from scoring.power import informal_ties_known, render_signals, signals_of
from scoring.results import Recommendation, Recommendations, Text, plain
from scoring.rules import against_us
from scoring.texts import a_an, join, label, percent, text
from scoring.view import AccountMap, Cover, Member

__all__ = ["next_best_contacts", "support_gains", "who_next"]

_EPS = 1e-12
_DIRECT_DEFUSE = ("job_threat", "influence_loss")


def _gains(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions) -> dict[str, float]:
    """Gain of every candidate with a non-zero effect on the chain's support."""
    return chain.cached("gains", lambda: _compute_gains(amap, chain, o))


def _compute_gains(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions) -> dict[str, float]:
    supportive = set(o.supportive_stances)
    stance_of = {m.contact_id: m.stance for m in chain.active}
    stances = chain.stances
    roles = amap._roles                  # "a": an active contact
    gains = {}
    for contact, r in chain.sensitivity.items():
        if roles.get(contact) != "a" or stance_of.get(contact) in supportive or amap.is_erased(contact) \
                or not amap.own(contact):
            continue
        gains[contact] = r * (1.0 - stances.get(contact, 0.0))
    return gains


def support_gains(g: nx.MultiDiGraph, opportunity_id: str,
                  options: ScoringOptions | None = None) -> dict[str, float]:
    """Gain in chain support for each active non-supporter if they became a champion (0 for those who
    cannot move the chain at all). The fast path used by ``next_best_contacts``."""
    o = resolve(options)
    amap = AccountMap.build(g, o)
    chain = analyse_chain(amap, opportunity_id, o)
    gains = _gains(amap, chain, o)
    supportive = set(o.supportive_stances)
    stance_of = {m.contact_id: m.stance for m in chain.active}
    return {c: gains.get(c, 0.0) for c in amap.active if stance_of.get(c) not in supportive}


@dataclass
class Pick:
    contact: str
    score: float
    gain: float
    reach: float
    risk: float
    path: list[str]
    # When no helpful way reaches them: the unhelpful person whose tie would have been the way.
    blocked_via: str | None = None


@dataclass
class Ranker:
    """Scores candidates against one set of sources of reach, searching only as far as the top k need.

    The strongest-path search settles people in order of falling reach, and never runs through someone
    who would not help us (``scoring.people.GoBetweens``). A candidate not yet settled can score at most
    gain × max(reach still open, cold outreach), so once k settled candidates beat the best such bound
    the search stops: in practice the top k are known long before the whole account has been explored.
    The gains, their order and the risks are kept with the chain analysis, so every ranking of the same
    chain (plan steps, the gaps, repeated requests) shares them.
    """

    amap: AccountMap
    chain: ChainAnalysis
    o: ScoringOptions
    gains: dict[str, float]
    _risks: dict[str, float]
    by_gain: list[str] = field(default_factory=list)   # candidates, highest gain first (ties: id)

    @classmethod
    def build(cls, amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions) -> Ranker:
        gains = chain.cached("candidate_gains",
                             lambda: {c: g for c, g in _gains(amap, chain, o).items() if g > _EPS})
        by_gain = chain.cached("by_gain", lambda: _by_gain(gains))
        return cls(amap, chain, o, gains, chain.cached("risks", dict), by_gain)

    @property
    def go(self) -> GoBetweens:
        return GoBetweens.of(self.amap, self.o, self.chain.opportunity_id)

    def risk(self, contact: str) -> float:
        risk = self._risks.get(contact)
        if risk is None:
            risk = max((i.threat for i in relevant_interests(self.amap, contact, self.chain.opportunity_id)),
                       default=0.0)
            self._risks[contact] = risk
        return risk

    def top(self, k: int, won: Mapping[str, list[str]] | None = None) -> list[Pick]:
        """The k best candidates (excluding those already won), best first."""
        won = won or {}
        gains, by_gain = self.gains, self.by_gain
        if k <= 0 or len(gains) <= sum(1 for c in won if c in gains):
            return []
        cold = self.o.cold_outreach
        ours = ReachFromUs(self.amap, self.o, self.chain.opportunity_id, won, self.go)
        reach = ours.reach
        settled: set[str] = set()
        best: list[tuple[Any, ...]] = []   # min-heap of (score, gain, id key, contact), size ≤ k
        cursor = 0

        def on_settle(node: str, cost: float) -> None:
            gain = gains.get(node)
            if gain is None or node in won:
                return
            settled.add(node)
            bound = gain * max(math.exp(-cost), cold)
            if len(best) == k and bound < best[0][0]:
                return                  # a risk in [0, 1] only lowers the score: no need to weigh it
            score = bound * (1.0 - self.risk(node))
            if score > _EPS:
                _keep(best, k, (score, gain, neg_id(str(node)), node))

        def stop(cost: float) -> bool:
            nonlocal cursor
            if len(best) < k:
                return False
            while cursor < len(by_gain) and (by_gain[cursor] in settled or by_gain[cursor] in won):
                cursor += 1
            if cursor == len(by_gain):
                return True
            return bool(best[0][0] > gains[by_gain[cursor]] * max(math.exp(-cost), cold))

        reach.run(on_settle=on_settle, stop=stop)
        if not reach.heap:
            # Everyone left unsettled is out of reach: a cold approach. Candidates come by falling gain,
            # so once gain × cold cannot beat the k-th best score, none of the rest can.
            for node in by_gain:
                if node in settled or node in won:
                    continue
                gain = gains[node]
                if len(best) == k and gain * cold < best[0][0]:
                    break
                score = gain * cold * (1.0 - self.risk(node))
                if score > _EPS:
                    _keep(best, k, (score, gain, neg_id(str(node)), node))
        picks = []
        for score, gain, _, node in sorted(best, reverse=True):
            strength = reach.strength(node) if node in settled else 0.0
            path = reach.path(node) if strength >= cold else []
            picks.append(Pick(node, score, gain, max(strength, cold), self.risk(node), path,
                              None if path else ours.blocked_way(node)))
        return picks

    def recommendation(self, pick: Pick, lang: str, won: Mapping[str, int], us: OurSide,
                       step: int | None = None) -> Recommendation:
        reasons, tactics = explain(self, us, pick, won, lang)
        raw = signals_of(self.amap, self.o).get(pick.contact, ())
        line = _existing_line(self.amap, self.o, pick.contact, pick.path)
        # The way to take: our own line when the tactics say to deepen it, else the strongest path.
        path = (line.team_member_id, pick.contact) if line is not None else tuple(pick.path)
        owners = us.owners(pick.contact, closest_of(path, us))
        owner = owners[0] if len(owners) == 1 else None
        return Recommendation(
            contact_id=pick.contact, name=self.amap.contacts[pick.contact].get("name"), score=pick.score,
            gain=pick.gain, reach=pick.reach, risk=pick.risk, path=path, owner_id=owner,
            reasons=tuple(reasons), tactics=tuple(tactics), signals=render_signals(self.amap, raw, lang),
            step=step)


def closest_of(path: Iterable[str], us: OurSide) -> str | None:
    """The team member a way starts from (None when it does not start at one of ours)."""
    first = next(iter(path), None)
    return first if first is not None and first in us.people else None


def _by_gain(gains: Mapping[str, float]) -> list[str]:
    """Candidates by falling gain, ties by id: sorted by id, then (stably) by gain, highest first."""
    order = sorted(gains, key=str)
    order.sort(key=gains.__getitem__, reverse=True)
    return order


def _keep(heap: list[Any], k: int, entry: tuple[Any, ...]) -> None:
    if len(heap) < k:
        heapq.heappush(heap, entry)
    elif entry > heap[0]:
        heapq.heapreplace(heap, entry)


def next_best_contacts(g: nx.MultiDiGraph, opportunity_id: str, k: int = 5, plan: bool = False,
                       options: ScoringOptions | None = None, lang: str = "en",
                       team: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The plain form of ``who_next``."""
    result: dict[str, Any] = plain(who_next(g, opportunity_id, k, plan, options, lang, team))
    for rec in result["recommendations"]:
        if rec["step"] is None:
            del rec["step"]
    return result


def who_next(g: nx.MultiDiGraph, opportunity_id: str, k: int = 5, plan: bool = False,
             options: ScoringOptions | None = None, lang: str = "en",
             team: Iterable[Mapping[str, Any]] | None = None) -> Recommendations:
    """The ``k`` contacts most worth winning over next, with the path to take, who on our side leads
    (``owner_id``), reasons, tactics and signals. ``team``: the company's roster of our people (team
    members with no tie to this account yet can still be named).

    With ``plan=True`` the answer is a sequence: each pick assumes the earlier ones became champions —
    they become sources of reach (paths may run through them), and the texts refer to them as ours.
    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    chain = analyse_chain(amap, opportunity_id, o)
    status = deal_status(chain.opportunity, o)
    if status != "open":
        # A deal won or lost is over: nobody is left to win over for it.
        return Recommendations((), status, text(f"deal.closed.{status}", lang))
    return Recommendations(tuple(recommendations(amap, chain, o, k, plan, lang, OurSide(amap, o, team))))


def recommendations(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, k: int, plan: bool,
                    lang: str, us: OurSide) -> list[Recommendation]:
    if k <= 0:
        return []
    ranker = Ranker.build(amap, chain, o)
    if not plan:
        return [ranker.recommendation(p, lang, {}, us) for p in ranker.top(k)]
    picked: list[Recommendation] = []
    won: dict[str, list[str]] = {}
    steps: dict[str, int] = {}
    supporters = set(amap.supporters(chain.opportunity_id, o))
    for step in range(1, k + 1):
        top = ranker.top(1, won)
        if not top:
            break
        rec = ranker.recommendation(top[0], lang, steps, us, step)
        picked.append(rec)
        # The go-betweens this step has us win before the person (met and won on the way) are won by it
        # too: later steps may run through them, and never pick them again or route through them twice.
        for i, n in enumerate(rec.path[:-1]):
            if n in amap.contacts and n not in supporters and n not in won:
                won[n] = list(rec.path[:i])
                steps[n] = step
        # Someone approached cold is ours behind whoever of ours approached them.
        won[top[0].contact] = list(rec.path[:-1]) or ([rec.owner_id] if rec.owner_id is not None else [])
        steps[top[0].contact] = step
    return picked


# ---------------------------------------------------------------------- reasons and tactics
def explain(ranker: Ranker, us: OurSide, pick: Pick, won: Mapping[str, int], lang: str
            ) -> tuple[list[Text], list[Text]]:
    """Why this person, how to reach them and what to do, assuming the people in ``won`` (contact →
    plan step) are ours already. Nobody who would not help us is asked to; nobody is asked to carry
    our case to someone on our side, won earlier, or already on the way to them."""
    amap, chain, o, go = ranker.amap, ranker.chain, ranker.o, ranker.go
    contact, path, reach = pick.contact, pick.path, pick.reach
    data = amap.contacts[contact]
    member = chain.member(contact)
    members = {m.contact_id: m for m in chain.active}
    level = data.get("level")
    leader = level in o.leader_levels
    knows_us = bool(data.get("knows_us", False))
    # Who is ours for carrying our case: supporters and people won earlier who would help (a supporter or
    # a person won whose interest lies against us, or who is loyal to a rival, carries nothing for us).
    supporters = set(amap.supporters(chain.opportunity_id, o))
    ours = {n for n in supporters | set(won) if go.helps(n, won)}
    reasons: list[Text] = []
    tactics: list[Text] = []

    def says(code: str, **kw: Any) -> None:
        reasons.append(_text(code, lang, "reason", **kw))

    def does(code: str, **kw: Any) -> None:
        tactics.append(_text(code, lang, "tactic", **kw))

    def called(n: str) -> str:
        """A person's name, marked as ours when a plan won them earlier."""
        if n in won:
            return text("label.won_in_step", lang, name=amap.name(n), step=won[n])
        return amap.name(n)

    # Their place in the decision.
    if member is None:
        says("outside_chain")
    elif member.role == "decision_maker":
        says("is_decision_maker")
    elif member.role == "economic_buyer":
        says("is_economic_buyer")
    else:
        says("chain_role", role=label("role", member.role, lang))
    swayed = _swayed(amap, chain, contact, members, exclude=supporters | set(won) | set(path))
    if swayed is not None:
        code = {"decision_maker": "sways_decision_maker",
                "economic_buyer": "sways_economic_buyer"}.get(swayed.role, "sways_member")
        says(code, name=amap.name(swayed.contact_id), role=label("role", swayed.role, lang))
    else:
        kept = _swayed(amap, chain, contact, {c: m for c, m in members.items() if c in ours}, exclude=set())
        if kept is not None:
            says("reinforces_ours", name=called(kept.contact_id), short=amap.name(kept.contact_id))
    for signal in signals_of(amap, o).get(contact, ()):
        if signal.code == "broker":
            says("broker", names=join([amap.name(n) for n in signal.names], lang))
        else:
            says(signal.code, informal=signal.informal, formal=signal.formal)
    if member is not None and member.stance in o.opposing_stances:
        says("currently_opposed", stance=a_an(label("stance", member.stance, lang), lang))
    stance_unknown = member is None or member.stance == "unknown" or member.stance not in o.stance_values
    if member is not None and stance_unknown:
        says("stance_unknown")
    if not knows_us:
        says("leader_not_aware" if leader else "not_aware_of_us")
    if leader and not informal_ties_known(amap, contact):
        says("informal_unknown")

    # How to get there: only through people who would help. The reason names the way from the last
    # person who is ours already (the full way is in ``path``).
    via = [n for n in path[:-1] if n in amap.contacts]
    start = max((i for i, n in enumerate(via) if n in ours), default=0)
    line = _existing_line(amap, o, contact, path)
    if line is not None:
        says("covered_by", name=us.name(line.team_member_id), strength=percent(line.closeness))
    elif not path:
        if pick.blocked_via is not None:
            why = go.why_not(pick.blocked_via, won)
            says("only_through_unhelpful", name=amap.name(pick.blocked_via),
                 why=why.why(amap, lang) if why else "")
            if why is not None and why.code != "opposed" and pick.blocked_via in supporters:
                # On our side by their stance, against us by their interest or loyalty: the record
                # contradicts itself, and someone should find out which half is true.
                says("verify_record", name=amap.name(pick.blocked_via), why=why.why(amap, lang))
        else:
            says("cold_outreach")
    elif not via:
        says("covered_by", name=us.name(path[0]), strength=percent(amap.weight(path[0], contact)))
    elif via[start] in ours:
        # The reach of a way that starts at someone already ours is measured from them (they are a
        # source of reach), not from our team member in front: say so, so that it is not read as the
        # strength of the whole path the paths endpoint gives.
        says("reachable_from_ours" if len(via) > start + 1 else "reachable_by_ours",
             via=join([called(n) for n in via[start + 1:]], lang), source=called(via[start]),
             strength=percent(reach))
    else:
        says("reachable_through", via=join([called(n) for n in via[start:]], lang), strength=percent(reach))

    # What stands in the way.
    interests = sorted(relevant_interests(amap, contact, chain.opportunity_id), key=lambda i: -i.threat)
    # An entrenched interest against us that no role of theirs in the project can offset (a kickback, a
    # loyalty): work around and neutralise it; building the relationship or the value case does not move it.
    entrenched = bool(interests) and interests[0].kind not in _DIRECT_DEFUSE and against_us(interests[0].threat, o)
    if interests and not o.discreet:
        top = interests[0]
        says("entrenched_interest", kind=label("interest", top.kind, lang), threat=percent(top.threat))
        does("defuse_earn_trust")
        ally = _ally(amap, go, contact, ours, won)
        if ally is not None:
            does("defuse_ally_speaks", name=called(ally))
        else:
            does("defuse_find_ally")
        if top.kind in _DIRECT_DEFUSE:
            does("defuse_show_role")
        else:
            departments = _other_departments(amap, chain, contact)
            if departments:
                does("defuse_other_departments", departments=join(departments, lang))
        if top.threat >= o.deep_interest_threat:
            does("defuse_wait")

    # Leaders: executive to executive, with our executive of matching level (not for someone whose
    # interest lies against us: they get the work-around only).
    executives = us.counterparts(contact) if leader else ()
    if leader and not knows_us and not entrenched:
        if executives:
            does("executive_visit", exec=us.names(executives, lang))
        else:
            does("executive_visit_sponsor")
    if level in o.executive_levels and not amap.mirrors.get(contact) and not entrenched:
        if executives:
            does("mirror_counterpart", exec=us.names(executives, lang))
        else:
            does("mirror_counterpart_sponsor")
    # Who leads, when it is not the one of ours whose way in it is (owned level to level).
    closest = closest_of(path if line is None else (line.team_member_id,), us)
    owners = us.owners(contact, closest)
    if closest is not None and owners and owners != (closest,):
        does("owner_leads", owner=us.names(owners, lang), closest=us.name(closest))

    # The path; when the only way runs through someone who would not help, the alternatives.
    if not path and pick.blocked_via is not None:
        tactics.extend(alternatives(amap, chain, o, go, us, contact, pick.blocked_via, ours, won, lang,
                                    executive_named=bool(executives)))
    elif entrenched:
        pass
    elif line is not None:
        does("deepen_direct", name=us.name(line.team_member_id))
        if via[-1] in ours:
            does("ours_speaks", name=called(via[-1]))
    elif not path:
        does("cold_event")
    elif via and via[-1] in ours:
        does("introduce_through", name=called(via[-1]))
    elif via:
        # Only someone on our side speaks for us: the people on the way who are not ours yet are met
        # and won first, introduced by the last one who is ours (or by our own team member).
        helper = max((i for i, n in enumerate(via) if n in ours), default=-1)
        pending = [called(n) for n in via[helper + 1:]]
        if helper >= 0:
            does("introduce_then_win", helper=called(via[helper]), next=pending[0], pending=join(pending, lang))
        else:
            does("meet_then_win", owner=us.name(path[0]), next=pending[0], pending=join(pending, lang))
    else:
        does("deepen_direct", name=us.name(path[0]))

    # What they care about in this deal (not for someone whose interest lies against us).
    role = member.role if member is not None and not entrenched else None
    if role == "decision_maker":
        does("business_goals")
    elif role in ("economic_buyer", "procurement"):
        does("value_case")
    elif role == "technical_evaluator":
        does("solution_demo")
    if stance_unknown:
        does("discover_stance")
    if swayed is not None and swayed.role in ("decision_maker", "economic_buyer") and go.helps(contact, won):
        does("speak_to", name=amap.name(swayed.contact_id))
    return reasons, tactics


def _existing_line(amap: AccountMap, o: ScoringOptions, contact: str, path: list[str]) -> Cover | None:
    """Our team member's own line to the contact when the strongest path runs through other people but
    we already cover them well enough (closeness at least ``seat_thin_depth``): someone we already cover
    needs no introduction, and the line is the way in (a thin line leaves the introduction to count)."""
    if not any(n in amap.contacts for n in path[:-1]):
        return None
    cover = amap.best_cover(contact)
    return cover if cover is not None and cover.closeness >= o.seat_thin_depth else None


def _text(code: str, lang: str, prefix: str, **kw: Any) -> Text:
    return Text(code, text(f"{prefix}.{code}", lang, **kw))


def alternatives(amap: AccountMap, chain: ChainAnalysis | None, o: ScoringOptions, go: GoBetweens, us: OurSide,
                 contact: str, blocked: str, ours: set[str], won: Mapping[str, int], lang: str,
                 executive_named: bool = False) -> list[Text]:
    """What to do instead of going through ``blocked``: a peer of the contact on our side, our own
    executive of matching level (for a leader, unless already named), another department."""
    found = []
    peer = peer_of(amap, o, go, contact, ours, won)
    if peer is not None and peer != blocked:
        found.append(_text("alternative_peer", lang, "tactic", name=amap.name(peer)))
    executives = us.counterparts(contact) if amap.contacts[contact].get("level") in o.leader_levels else ()
    if executives and not executive_named:
        found.append(_text("alternative_executive", lang, "tactic", exec=us.names(executives, lang)))
    departments = _other_departments(amap, chain, blocked, reaching=contact) if chain is not None else []
    own = amap.contacts[contact].get("department")
    departments = [d for d in departments if d != own]
    if departments:
        found.append(_text("alternative_department", lang, "tactic", name=amap.name(blocked),
                           departments=join(departments, lang)))
    elif not found:
        found.append(_text("alternative_find", lang, "tactic", name=amap.name(blocked)))
    return found


def _swayed(amap: AccountMap, chain: ChainAnalysis, contact: str, members: Mapping[str, Member],
            exclude: set[str]) -> Member | None:
    """The chain member this contact moves most (influence weight × that member's decision weight),
    leaving out ``exclude`` (people already ours, or on the way to the contact)."""
    best, best_value = None, 0.0
    for v, entry in amap.links.get(contact, {}).items():
        if v == contact or v not in members or v in exclude:
            continue
        value = entry[0] * chain.weights.get(v, 0.0)
        if value > best_value or (value == best_value and best is not None and v < best.contact_id):
            best, best_value = members[v], value
    return best


def _ally(amap: AccountMap, go: GoBetweens, contact: str, ours: set[str], won: Mapping[str, int]) -> str | None:
    """Someone on our side (a supporter, or a contact won earlier in the plan) who would help and whom
    this contact listens to, strongest tie."""
    best, best_w = None, 0.0
    for u in sorted(ours):
        if not go.helps(u, won):
            continue
        w = amap.weight(u, contact)
        if w > best_w:
            best, best_w = u, w
    return best


def _other_departments(amap: AccountMap, chain: ChainAnalysis, contact: str, reaching: str | None = None
                       ) -> list[str]:
    """Departments in the chain other than this contact's, weightiest first (at most three); with
    ``reaching``, only those where someone other than the contact has a tie of their own to that person
    (a department whose only way to them runs through the contact is no way around them)."""
    own = amap.contacts[contact].get("department")
    weight: dict[str, float] = {}
    for m in chain.active:
        dept = amap.contacts[m.contact_id].get("department")
        if reaching is not None and (m.contact_id in (contact, reaching) or amap.weight(m.contact_id, reaching) <= 0):
            continue
        if dept and dept != own:
            weight[dept] = weight.get(dept, 0.0) + chain.weights.get(m.contact_id, 0.0)
    return [d for d, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
