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
from functools import cached_property
from typing import Any

from scoring.options import ScoringOptions
from scoring.paths import Reach
from scoring.rules import against_us, loyalty
from scoring.texts import a_an, label, text
from scoring.view import AccountMap, Facts, qualified, tie_facts

__all__ = ["GoBetweens", "OurSide", "ReachFromUs", "Unhelpful", "deal_status", "is_open", "peer_of"]


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


def deal_status(opportunity: Mapping[str, Any], o: ScoringOptions) -> str:
    """open, won or lost: a deal that is over (``is_open`` false) is lost unless its status or stage says won.

    >>> from scoring.options import DEFAULT_OPTIONS as O
    >>> deal_status({"status": "won"}, O), deal_status({"stage": "Closed Lost"}, O), deal_status({}, O)
    ('won', 'lost', 'open')
    """
    if is_open(opportunity, o):
        return "open"
    status = opportunity.get("status")
    said = status if isinstance(status, str) and status else opportunity.get("stage")
    return "won" if isinstance(said, str) and "won" in said.strip().lower() else "lost"


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
                return text("label.unhelpful.opposed_any", lang, stance=a_an(stance, lang),
                            opportunity=amap.name(self.opportunity_id))
            return text("label.unhelpful.opposed", lang, stance=a_an(stance, lang))
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
            if relevant and against_us(i.threat, o) and (worst is None or i.threat > worst.threat):
                worst = i
        if worst is not None:
            return Unhelpful(n, "interest", kind=worst.kind, target_id=worst.target_id)
        favors = amap.favors().get(n) or {}
        strongest = max(sorted(favors.items()), key=lambda kv: kv[1], default=None)
        if strongest is not None and loyalty(strongest[1], o):
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
        """Our person's name, told apart from a namesake on our team by title, else id ("周海（华东区副总裁）")."""
        shown = self._plain_name(tid)
        qualifier = self._namesakes.get(tid)
        if qualifier is None:
            return shown
        return qualified(shown, qualifier)

    def _plain_name(self, tid: str) -> str:
        return str(self.people.get(tid, {}).get("name") or tid)

    @cached_property
    def _namesakes(self) -> dict[str, str]:
        """What tells apart the people of our team who bear the same name: their titles, else their ids."""
        by_name: dict[str, list[str]] = {}
        for tid in self.people:
            by_name.setdefault(self._plain_name(tid), []).append(tid)
        found: dict[str, str] = {}
        for same in (ids for ids in by_name.values() if len(ids) > 1):
            titles = [str(self.people[t].get("title") or "") for t in same]
            found.update(zip(same, titles if all(titles) and len(set(titles)) == len(titles) else same, strict=True))
        return found

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

    def counterparts(self, contact_id: str) -> tuple[str, ...]:
        """Our executives best fit to meet this client leader, all of them when they tie (the choice is
        then the manager's to make, and every text names them all: "周海 or Zhou Hai").

        The rule, in order: the level closest to theirs; an executive by role (``our_leader_roles``);
        one who already covers or mirrors the person; one with more ties into this account's map (its
        people and, when the map holds it, its group). Our team is shared across accounts, so two
        executives with no tie here tie on all of these and are both named: no hidden tie-breaker (an
        id) picks one for the reader. (How many accounts each carries is not in the map: the roster
        gives no workload to weigh.)"""
        return self._best(contact_id, self.leaders())

    def level_gap(self, tid: str, contact_id: str) -> int | None:
        """How many levels (``level_order``) lie between our person and the contact; None when either
        level is unknown."""
        order = {lvl: i for i, lvl in enumerate(self.o.level_order)}
        ours = order.get(str(self.people.get(tid, {}).get("level")))
        theirs = order.get(str(self.amap.contacts.get(contact_id, {}).get("level")))
        return None if ours is None or theirs is None else abs(ours - theirs)

    def owners(self, contact_id: str, closest: str | None) -> tuple[str, ...]:
        """Who on our side should own the relationship with a contact, level to level (the key-account
        rule: our VP meets their VP, our engineer their engineer). ``closest`` is the team member at the
        start of the strongest path to them: they keep it unless another of our people matches the
        contact's level strictly better; then the best match leads (several when they tie, as in
        ``counterparts``) and the closest still opens the way. Unknown levels leave it to ``closest``."""
        gaps = {t: gap for t in sorted(self.people) if (gap := self.level_gap(t, contact_id)) is not None}
        if not gaps:
            return (closest,) if closest is not None else ()
        best = min(gaps.values())
        near = self.level_gap(closest, contact_id) if closest is not None else None
        if closest is not None and (near is None or near <= best):
            return (closest,)
        pool = [t for t, gap in gaps.items() if gap == best]
        executive = self.amap.contacts.get(contact_id, {}).get("level") in self.o.executive_levels
        if executive:
            leaders = set(self.leaders())
            pool = [t for t in pool if t in leaders] or pool
        return self._best(contact_id, pool, by_role=executive)

    def _best(self, contact_id: str, pool: Iterable[str], by_role: bool = True) -> tuple[str, ...]:
        order = {lvl: i for i, lvl in enumerate(self.o.level_order)}
        theirs = order.get(self.amap.contacts.get(contact_id, {}).get("level"), 0)
        keyed: dict[tuple[Any, ...], list[str]] = {}
        for t in pool:
            data = self.people[t]
            tied = t in self.amap.team and self.amap.weight(t, contact_id) > 0.0
            key = (abs(order.get(str(data.get("level")), len(order)) - theirs),
                   by_role and data.get("role") not in self.o.our_leader_roles, not tied, -self.ties(t))
            keyed.setdefault(key, []).append(t)
        if not keyed:
            return ()
        return tuple(sorted(keyed[min(keyed)], key=lambda t: (self.name(t), t)))

    def names(self, ids: Iterable[str], lang: str) -> str:
        """Our people as alternatives in a sentence: "周海 or Zhou Hai" / "周海或Zhou Hai"."""
        return text("label.or", lang).join(self.name(t) for t in ids)

    def titled(self, ids: Iterable[str], lang: str) -> str:
        """Our people with their titles, as alternatives: "周海 (华南区副总裁) or Zhou Hai (…)"."""
        each = [f"{self._plain_name(t)}（{self.title(t)}）" if lang == "zh-CN" else f"{self._plain_name(t)} ({self.title(t)})"
                for t in ids]
        return text("label.or", lang).join(each)


class ReachFromUs:
    """Strongest paths from our side — our team members, our supporters (shown behind the team member
    who covers them most closely) and, in a plan, the people already won (behind the path that won
    them) — through helpful people only, bounded at the cold-outreach reach. Every path starts at one of
    our people and is simple: everyone shown before a source is a source too.

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
        # A way starts at our side: a supporter is a source behind the team member who covers them (one
        # nobody covers is reached like anyone else), a person won in a plan behind the way that won them.
        for s in amap.supporters(self.opportunity_id, o):
            cover = amap.best_cover(s)
            if cover is not None and self.go.helps(s, won_ids):
                sources[s] = [cover.team_member_id]
        for c, before in self.won.items():
            if before and self.go.helps(c, won_ids):
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
