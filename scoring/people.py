"""Who would help, and who on our side does it: go-betweens, our own people, peers.

**Go-betweens.** Anyone a path runs through, who introduces us, speaks for us or carries our case must
be someone who would help. Never (``GoBetweens.why_not``):

* a skeptic or opponent of the deal (``opposing_stances``; for an account-wide question, of any open
  deal of the account) — unless a plan has already won them;
* someone holding an entrenched interest against us: a HAS_INTEREST in the deal (account-wide: in any
  of the account's deals) or with a competitor, threat above ``go_between_max_threat`` — winning their
  stance does not remove what they stand to lose, so this holds in plans too;
* someone who favors a competitor at least ``go_between_max_favor``.

Such a person may still be the *end* of a path (someone to win over); a path never runs *through* them.

**Our own people** (``OurSide``): the team members in the account's map, plus the company's roster when
the caller passes it (our regional VP may have no tie at this account yet and still be the right
counterpart for its general manager). Each action that needs one of ours names the best fit: a
counterpart of matching level, role and existing ties for a client leader (``counterpart``); for a
contact nobody covers, the team member at the start of the strongest path (``ReachFromUs``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scoring.options import ScoringOptions
from scoring.paths import Reach
from scoring.texts import label, text
from scoring.view import AccountMap, Facts, tie_facts

__all__ = ["GoBetweens", "OurSide", "ReachFromUs", "Unhelpful", "is_open", "peer_of"]


def is_open(opportunity: Mapping[str, Any], o: ScoringOptions) -> bool:
    """Whether a deal is still open: by its ``status`` (open / won / lost), else by its stage.

    >>> from scoring.options import DEFAULT_OPTIONS as O
    >>> is_open({"status": "open", "stage": "Closed Won"}, O), is_open({"stage": "Closed Won"}, O)
    (True, False)
    """
    status = opportunity.get("status")
    if isinstance(status, str) and status:
        return status.strip().lower() not in o.closed_stages
    stage = opportunity.get("stage")
    return not (isinstance(stage, str) and stage.strip().lower() in o.closed_stages)


@dataclass(frozen=True)
class Unhelpful:
    """Why someone is no go-between: ``code`` opposed | interest | favors, with what it names."""

    contact_id: str
    code: str
    stance: str = ""
    opportunity_id: str = ""
    kind: str = ""
    target_id: str = ""

    def why(self, amap: AccountMap, lang: str) -> str:
        """The reason as a short phrase in the reader's language."""
        if self.code == "opposed":
            stance = label("stance", self.stance, lang)
            if self.opportunity_id:
                return text("label.unhelpful.opposed_any", lang, stance=stance,
                            opportunity=amap.name(self.opportunity_id))
            return text("label.unhelpful.opposed", lang, stance=stance)
        if self.code == "interest":
            if amap.o.discreet:
                return text("label.unhelpful.withheld", lang)
            return text("label.unhelpful.interest", lang, kind=label("interest", self.kind, lang))
        return text("label.unhelpful.favors", lang, competitor=amap.name(self.target_id))


class GoBetweens:
    """Who may carry a path or help us, for one deal (or, ``opportunity_id=None``, the whole account).

    Verdicts are computed per person on first use (reading only that person's own edges) and kept.
    """

    def __init__(self, amap: AccountMap, o: ScoringOptions, opportunity_id: str | None) -> None:
        self.amap, self.o, self.opportunity_id = amap, o, opportunity_id
        opposed: dict[str, tuple[str, str]] = {}
        deals = [opportunity_id] if opportunity_id is not None else [
            opp for opp, data in amap.opportunities.items() if is_open(data, o)]
        for opp in deals:
            for m in amap.members.get(opp, []):
                if m.stance in o.opposing_stances and m.contact_id not in opposed:
                    opposed[m.contact_id] = (m.stance, "" if opportunity_id is not None else opp)
        self._opposed = opposed
        self._deals = set(deals) if opportunity_id is not None else set(amap.opportunities)
        # The verdicts that do not depend on the deal's stances: read from the person's own edges (and the
        # kinds of their ends), so an edited map keeps those of everyone the edit did not touch.
        self._fixed: dict[str, Unhelpful | None] = amap.per_node(("go_betweens", opportunity_id, o))

    @classmethod
    def of(cls, amap: AccountMap, o: ScoringOptions, opportunity_id: str | None) -> GoBetweens:
        """The verdicts for a deal (or the account), kept with the map."""
        return amap.cached(("go_betweens", opportunity_id, o), lambda: cls(amap, o, opportunity_id))

    def why_not(self, n: str, won: Collection[str] = ()) -> Unhelpful | None:
        """Why ``n`` may not be a go-between, or None when they may (team members always may)."""
        if self.amap.role(n) != "a":
            return None
        stance = self._opposed.get(n)
        if stance is not None and n not in won:
            return Unhelpful(n, "opposed", stance=stance[0], opportunity_id=stance[1])
        try:
            return self._fixed[n]
        except KeyError:
            verdict = self._fixed[n] = self._against_us(n)
            return verdict

    def helps(self, n: str, won: Collection[str] = ()) -> bool:
        return self.why_not(n, won) is None

    def _against_us(self, n: str) -> Unhelpful | None:
        amap, o = self.amap, self.o
        worst = None
        for i in amap.interests.get(n, []):
            relevant = i.target_id in self._deals or i.target_id in amap.competitors
            if relevant and i.threat > o.go_between_max_threat and (worst is None or i.threat > worst.threat):
                worst = i
        if worst is not None:
            return Unhelpful(n, "interest", kind=worst.kind, target_id=worst.target_id)
        favors = amap.favors().get(n) or {}
        strongest = max(sorted(favors.items()), key=lambda kv: kv[1], default=None)
        if strongest is not None and strongest[1] >= o.go_between_max_favor:
            return Unhelpful(n, "favors", target_id=strongest[0])
        return None


class OurSide:
    """Our people for one account: the team members in its map, then the roster the caller passes."""

    def __init__(self, amap: AccountMap, o: ScoringOptions,
                 roster: Iterable[Mapping[str, Any]] | None = None) -> None:
        self.amap, self.o = amap, o
        self.people: dict[str, Mapping[str, Any]] = dict(amap.team.items())
        for record in roster or ():
            tid = record.get("id")
            if isinstance(tid, str) and tid not in self.people and amap.role(tid) == "" and tid not in amap.contacts:
                self.people[tid] = record

    def name(self, tid: str) -> str:
        return str(self.people.get(tid, {}).get("name") or tid)

    def title(self, tid: str) -> str:
        data = self.people.get(tid, {})
        return str(data.get("title") or data.get("level") or data.get("role") or "")

    def ties(self, tid: str) -> int:
        """How many people at this account the team member already covers or mirrors."""
        return len(self.amap.local(tid).out) if tid in self.amap.team else 0

    def leaders(self) -> list[str]:
        o = self.o
        return [t for t, d in self.people.items()
                if d.get("role") in o.our_leader_roles or d.get("level") in o.executive_levels]

    def counterpart(self, contact_id: str) -> str | None:
        """Our executive best fit to meet this client leader: the closest level to theirs, then an
        executive by role, then one already tied to the person, then to the account, then by id."""
        order = {lvl: i for i, lvl in enumerate(self.o.level_order)}
        theirs = order.get(self.amap.contacts.get(contact_id, {}).get("level"), 0)
        best: tuple[Any, ...] | None = None
        for t in self.leaders():
            data = self.people[t]
            tied = t in self.amap.team and self.amap.weight(t, contact_id) > 0.0
            key = (abs(order.get(str(data.get("level")), len(order)) - theirs),
                   data.get("role") not in self.o.our_leader_roles, not tied, -self.ties(t), t)
            if best is None or key < best:
                best = key
        return None if best is None else str(best[-1])


class ReachFromUs:
    """Strongest paths from our side — our team members, our supporters (shown behind the team member
    who covers them most closely) and, in a plan, the people already won (behind the path that won
    them) — through helpful people only, bounded at the cold-outreach reach.

    ``of`` keeps the search for a deal with the map, settled further as questions need it (one question
    at a time: ``way``); an edited map that only added, re-weighted or removed ties takes the search over
    and repairs it (``carried``) instead of searching from scratch."""

    def __init__(self, amap: AccountMap, o: ScoringOptions, opportunity_id: str,
                 won: Mapping[str, list[str]] | None = None, go: GoBetweens | None = None,
                 reach: Reach | None = None) -> None:
        self.amap, self.o, self.opportunity_id = amap, o, opportunity_id
        self.won = dict(won or {})
        self.go = go if go is not None else GoBetweens.of(amap, o, opportunity_id)
        self._lock = threading.RLock()
        self.reach = reach if reach is not None else self._search()

    def _search(self) -> Reach:
        """A search from our side, its sources placed, nothing settled yet."""
        amap, o, won_ids = self.amap, self.o, set(self.won)
        cold = o.cold_outreach
        reach = Reach(amap.path_costs(), max_cost=-math.log(cold) if cold > 0 else math.inf, expand=self._expand())
        sources: dict[str, list[str]] = {t: [] for t in amap.team}
        for s in amap.supporters(self.opportunity_id, o):
            if self.go.helps(s, won_ids):
                cover = amap.best_cover(s)
                sources[s] = [cover.team_member_id] if cover else []
        for c, before in self.won.items():
            if self.go.helps(c, won_ids):
                sources[c] = before
        reach.add_sources(sources)
        return reach

    def _expand(self) -> Callable[[str], bool]:
        helps, won = self.go.helps, set(self.won)
        return lambda n: helps(n, won)

    @classmethod
    def of(cls, amap: AccountMap, o: ScoringOptions, opportunity_id: str) -> ReachFromUs:
        """The search from our side for a deal (nobody won yet), kept with the map and carried across
        edits of ties (``carried``)."""
        return amap.cached(("reach_from_us", opportunity_id, o), lambda: cls(amap, o, opportunity_id),
                           carry=_carry_reach)

    def carried(self, amap: AccountMap) -> ReachFromUs:
        """The search for ``amap``, an edit of this one's map that changed only ties among the nodes it
        touched (``AccountMap.edited``): the links whose cost changed are found by comparing those nodes'
        rows, and the search moves to the edited map and is repaired there (``Reach.repair``). This one
        starts afresh if it is asked again (by a question still being answered about the old map)."""
        before, after = self.reach.costs, amap.path_costs()
        changed = []
        for u in amap.edited:
            old, new = dict(before(u)), dict(after(u))
            changed += [(u, v) for v in old.keys() | new.keys() if old.get(v) != new.get(v)]
        go = GoBetweens.of(amap, self.o, self.opportunity_id)
        with self._lock:
            reach, self.reach = self.reach, self._search()
        ours = ReachFromUs(amap, self.o, self.opportunity_id, self.won, go, reach)
        reach.repair(after, amap.in_costs(), ours._expand(), changed)
        return ours

    def way(self, target: str) -> tuple[list[str], str | None]:
        """The strongest path to ``target`` ([] for none) and, when there is none, the unhelpful person
        whose tie would have been the way (``blocked_way``)."""
        with self._lock:
            self.reach.run([target])
            path = self.path(target)
            return path, None if path else self.blocked_way(target)

    def path(self, target: str) -> list[str]:
        """The strongest path to ``target`` (our team member first when there is one), [] for none."""
        if self.reach.strength(target) < max(self.o.cold_outreach, 1e-300) or target in self.reach.prefix:
            return []
        return self.reach.path(target)

    def blocked_way(self, target: str) -> str | None:
        """The unhelpful person whose tie would have been the strongest way to ``target`` when no helpful
        way reaches them: someone we reached who sways the target, but whom we do not go through."""
        won = set(self.won)
        best, best_value = None, self.o.cold_outreach
        inn = self.amap.local(target).inn
        candidates = [u for u in sorted(inn) if self.amap.role(u) == "a" and not self.go.helps(u, won)]
        with self._lock:
            self.reach.run(candidates)   # their strongest ways in, final (not where the search happened to stop)
            for u in candidates:
                value = self.reach.strength(u) * inn[u][0]
                if value >= best_value and (best is None or value > best_value):
                    best, best_value = u, value
        return best


def _carry_reach(value: Any, amap: AccountMap, facts: Facts) -> ReachFromUs | None:
    """An edit of ties only (no role, field or other edge type) keeps the search, repaired. (An edit with no
    facts at all never gets here: the edited map shares everything, ``AccountMap.advance``.)"""
    if not facts <= tie_facts(amap):
        return None
    ours: ReachFromUs = value
    return ours.carried(amap)


def peer_of(amap: AccountMap, o: ScoringOptions, go: GoBetweens, target: str, ours: Collection[str],
            won: Collection[str] = ()) -> str | None:
    """A peer of ``target`` on our side who would help: someone of the same level or with the same boss,
    among ``ours`` (supporters, people won) or covered by our team; the one with the strongest tie to
    the target first, then the one we hold most closely."""
    data = amap.contacts.get(target, {})
    level = data.get("level")
    bosses = set(amap.bosses_of(target))
    best: tuple[Any, ...] | None = None
    candidates = set(ours)
    for boss in bosses:
        candidates.update(x for x, keyed in amap._pred.get(boss, {}).items()
                          if any(d.get("type") == "REPORTS_TO" for d in keyed.values()))
    for c in sorted(candidates):
        if c == target or c not in amap.active or not go.helps(c, won):
            continue
        other = amap.active[c]
        if not (level and other.get("level") == level) and not (bosses & set(amap.bosses_of(c))):
            continue
        cover = amap.best_cover(c)
        held = 1.0 if c in ours else (cover.closeness if cover else 0.0)
        if held < o.min_reach:
            continue
        key = (-amap.weight(c, target), -held, c)
        if best is None or key < best:
            best = key
    return None if best is None else str(best[-1])
