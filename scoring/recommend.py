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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from scoring.chain import ChainAnalysis, analyse_chain, relevant_interests
from scoring.model import AccountMap, Member, Reach, _neg_id
from scoring.options import ScoringOptions, resolve
from scoring.texts import item, join, label

__all__ = ["next_best_contacts", "support_gains"]

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
        if roles.get(contact) != "a" or stance_of.get(contact) in supportive:
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


@dataclass
class Ranker:
    """Scores candidates against one set of sources of reach, searching only as far as the top k need.

    The strongest-path search settles people in order of falling reach. A candidate not yet settled can
    score at most gain × max(reach still open, cold outreach), so once k settled candidates beat the
    best such bound the search stops: in practice the top k are known long before the whole account
    has been explored. The gains, their order and the risks are kept with the chain analysis, so every
    ranking of the same chain (plan steps, the gaps, repeated requests) shares them.
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

    def risk(self, contact: str) -> float:
        risk = self._risks.get(contact)
        if risk is None:
            risk = max((i.threat for i in relevant_interests(self.amap, contact, self.chain.opportunity_id)),
                       default=0.0)
            self._risks[contact] = risk
        return risk

    def sources(self, won: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
        """Our team members, our supporters (shown behind their closest team member) and, in plan
        mode, the people already won (shown behind the path that won them)."""
        sources: dict[str, list[str]] = {t: [] for t in self.amap.team}
        for s in self.amap.supporters(self.chain.opportunity_id, self.o):
            cover = self.amap.best_cover(s)
            sources[s] = [cover.team_member_id] if cover else []
        sources.update(won or {})
        return sources

    def reach_search(self) -> Reach:
        cold = self.o.cold_outreach
        return Reach(self.amap.path_costs(), max_cost=-math.log(cold) if cold > 0 else math.inf)

    def top(self, k: int, won: Mapping[str, list[str]] | None = None) -> list[Pick]:
        """The k best candidates (excluding those already won), best first."""
        won = won or {}
        gains, by_gain = self.gains, self.by_gain
        if k <= 0 or len(gains) <= sum(1 for c in won if c in gains):
            return []
        cold = self.o.cold_outreach
        reach = self.reach_search()
        reach.add_sources(self.sources(won))
        settled: set[str] = set()
        best: list[tuple[Any, ...]] = []   # min-heap of (score, gain, id key, contact), size ≤ k
        cursor = 0

        def on_settle(node: str, cost: float) -> None:
            gain = gains.get(node)
            if gain is None or node in won:
                return
            settled.add(node)
            score = gain * max(math.exp(-cost), cold) * (1.0 - self.risk(node))
            if score > _EPS:
                _keep(best, k, (score, gain, _neg_id(str(node)), node))

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
                    _keep(best, k, (score, gain, _neg_id(str(node)), node))
        picks = []
        for score, gain, _, node in sorted(best, reverse=True):
            strength = reach.strength(node) if node in settled else 0.0
            path = reach.path(node) if strength >= cold else []
            picks.append(Pick(node, score, gain, max(strength, cold), self.risk(node), path))
        return picks

    def recommendation(self, pick: Pick, lang: str, won: set[str]) -> dict[str, Any]:
        reasons, tactics = explain(self.amap, self.chain, self.o, pick.contact, pick.path, pick.reach, won,
                                   lang)
        return {"contact_id": pick.contact, "name": self.amap.contacts[pick.contact].get("name"),
                "score": pick.score, "gain": pick.gain, "reach": pick.reach, "risk": pick.risk,
                "path": pick.path, "reasons": reasons, "tactics": tactics}


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
                       options: ScoringOptions | None = None, lang: str = "en") -> dict[str, Any]:
    """The ``k`` contacts most worth winning over next, with the path to take, reasons and tactics.

    With ``plan=True`` the answer is a sequence: each pick assumes the earlier ones became champions
    (they become sources of reach for the later picks; each carries its ``step``).
    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    chain = analyse_chain(amap, opportunity_id, o)
    return {"recommendations": recommendations(amap, chain, o, k, plan, lang)}


def recommendations(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, k: int, plan: bool,
                    lang: str) -> list[dict[str, Any]]:
    if k <= 0:
        return []
    ranker = Ranker.build(amap, chain, o)
    if not plan:
        return [ranker.recommendation(p, lang, set()) for p in ranker.top(k)]
    picked: list[dict[str, Any]] = []
    won: dict[str, list[str]] = {}
    for step in range(1, k + 1):
        top = ranker.top(1, won)
        if not top:
            break
        rec = ranker.recommendation(top[0], lang, set(won))
        rec["step"] = step
        picked.append(rec)
        won[top[0].contact] = rec["path"][:-1]
    return picked


# ---------------------------------------------------------------------- reasons and tactics
def explain(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, contact: str, path: list[str],
            reach: float, won: set[str], lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    data = amap.contacts[contact]
    member = chain.member(contact)
    members = {m.contact_id: m for m in chain.active}
    level = data.get("level")
    leader = level in o.leader_levels
    knows_us = bool(data.get("knows_us", False))
    reasons: list[dict[str, str]] = []
    tactics: list[dict[str, str]] = []

    # Their place in the decision.
    if member is None:
        reasons.append(item("outside_chain", lang, "reason"))
    elif member.role == "decision_maker":
        reasons.append(item("is_decision_maker", lang, "reason"))
    elif member.role == "economic_buyer":
        reasons.append(item("is_economic_buyer", lang, "reason"))
    else:
        reasons.append(item("chain_role", lang, "reason", role=label("role", member.role, lang)))
    swayed = _swayed(amap, chain, contact, members)
    if swayed is not None:
        code = {"decision_maker": "sways_decision_maker",
                "economic_buyer": "sways_economic_buyer"}.get(swayed.role, "sways_member")
        reasons.append(item(code, lang, "reason", name=amap.name(swayed.contact_id),
                            role=label("role", swayed.role, lang)))
    if member is not None and member.stance in o.opposing_stances:
        reasons.append(item("currently_opposed", lang, "reason", stance=label("stance", member.stance, lang)))
    stance_unknown = member is None or member.stance == "unknown" or member.stance not in o.stance_values
    if member is not None and stance_unknown:
        reasons.append(item("stance_unknown", lang, "reason"))
    if not knows_us:
        reasons.append(item("leader_not_aware" if leader else "not_aware_of_us", lang, "reason"))

    # How to get there.
    via = [n for n in path[:-1] if n in amap.contacts]
    if not path:
        reasons.append(item("cold_outreach", lang, "reason"))
    elif not via:
        reasons.append(item("covered_by", lang, "reason", name=amap.name(path[0]),
                            strength=f"{amap.weight(path[0], contact):.2f}"))
    else:
        reasons.append(item("reachable_through", lang, "reason", via=join([amap.name(n) for n in via], lang),
                            strength=f"{reach:.2f}"))

    # What stands in the way.
    interests = sorted(relevant_interests(amap, contact, chain.opportunity_id), key=lambda i: -i.threat)
    if interests:
        top = interests[0]
        reasons.append(item("entrenched_interest", lang, "reason", kind=label("interest", top.kind, lang),
                            threat=f"{top.threat:.2f}"))
        tactics.append(item("defuse_earn_trust", lang, "tactic"))
        ally = _ally(amap, chain, o, contact, won)
        if ally is not None:
            tactics.append(item("defuse_ally_speaks", lang, "tactic", name=amap.name(ally)))
        else:
            tactics.append(item("defuse_find_ally", lang, "tactic"))
        if top.kind in _DIRECT_DEFUSE:
            tactics.append(item("defuse_show_role", lang, "tactic"))
        else:
            departments = _other_departments(amap, chain, contact)
            if departments:
                tactics.append(item("defuse_other_departments", lang, "tactic",
                                    departments=join(departments, lang)))
        if top.threat >= o.deep_interest_threat:
            tactics.append(item("defuse_wait", lang, "tactic"))

    # Leaders: executive to executive.
    executive = amap.our_executive(o)
    if leader and not knows_us:
        if executive is not None:
            tactics.append(item("executive_visit", lang, "tactic", exec=amap.name(executive)))
        else:
            tactics.append(item("executive_visit_sponsor", lang, "tactic"))
    if level in o.executive_levels and not amap.mirrors.get(contact):
        if executive is not None:
            tactics.append(item("mirror_counterpart", lang, "tactic", exec=amap.name(executive)))
        else:
            tactics.append(item("mirror_counterpart_sponsor", lang, "tactic"))

    # The path.
    if not path:
        tactics.append(item("cold_event", lang, "tactic"))
    elif via:
        tactics.append(item("introduce_through", lang, "tactic", name=amap.name(via[-1])))
    else:
        tactics.append(item("deepen_direct", lang, "tactic", name=amap.name(path[0])))

    # What they care about in this deal.
    role = member.role if member is not None else None
    if role == "decision_maker":
        tactics.append(item("business_goals", lang, "tactic"))
    elif role in ("economic_buyer", "procurement"):
        tactics.append(item("value_case", lang, "tactic"))
    elif role == "technical_evaluator":
        tactics.append(item("solution_demo", lang, "tactic"))
    if stance_unknown:
        tactics.append(item("discover_stance", lang, "tactic"))
    if swayed is not None and swayed.role in ("decision_maker", "economic_buyer"):
        tactics.append(item("speak_to", lang, "tactic", name=amap.name(swayed.contact_id)))
    return reasons, tactics


def _swayed(amap: AccountMap, chain: ChainAnalysis, contact: str,
            members: dict[str, Member]) -> Member | None:
    """The chain member this contact moves most (influence weight × that member's decision weight)."""
    best, best_value = None, 0.0
    for v, entry in amap.links.get(contact, {}).items():
        if v == contact or v not in members:
            continue
        value = entry[0] * chain.weights.get(v, 0.0)
        if value > best_value or (value == best_value and best is not None and v < best.contact_id):
            best, best_value = members[v], value
    return best


def _ally(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, contact: str,
          won: set[str]) -> str | None:
    """A supporter (or a contact won earlier in the plan) whom this contact listens to, strongest tie."""
    ours = set(amap.supporters(chain.opportunity_id, o)) | won
    best, best_w = None, 0.0
    for u in ours:
        w = amap.weight(u, contact)
        if w > best_w or (w == best_w and best is not None and w > 0 and u < best):
            best, best_w = u, w
    return best


def _other_departments(amap: AccountMap, chain: ChainAnalysis, contact: str) -> list[str]:
    """Departments in the chain other than this contact's, weightiest first (at most three)."""
    own = amap.contacts[contact].get("department")
    weight: dict[str, float] = {}
    for m in chain.active:
        dept = amap.contacts[m.contact_id].get("department")
        if dept and dept != own:
            weight[dept] = weight.get(dept, 0.0) + chain.weights.get(m.contact_id, 0.0)
    return [d for d, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]

