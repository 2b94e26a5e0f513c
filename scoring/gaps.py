"""Coverage gaps of an opportunity: where the relationship map says we are exposed, and what to do.

Each gap: ``code``, ``severity`` (high | medium | low), ``contact_ids``, ``message``, ``action`` (texts
from ``scoring.texts``) and, for some codes, a detail field (``role``, ``department``...). Only active
contacts count, except for ``supporter_left``. The codes, in the order they are listed:

* ``missing_role`` — no decision maker / economic buyer (high) or no coach (medium) in the chain; one
  gap per role (``role``). The coach action names our closest supporter as the first candidate.
* ``uncovered_member`` — a chain member no team member COVERS; severity by role and decision weight;
  the action names who could introduce us (someone they listen to whom we hold).
* ``single_threaded`` — fewer than 3 supporters/champions (high with 0–1, medium with 2); the action
  names the next best contacts to win (``suggested_ids``).
* ``no_executive_counterpart`` — a chain member at executive or VP level with no MIRRORS from us.
* ``leader_unaware`` — an executive/VP/director in the chain who does not know us: a danger signal
  (high); the action is an executive-to-executive visit, introduced by whoever can.
* ``stale_relationship`` — the latest touch (the contact's ``last_contact_at`` or any COVERS
  ``last_contact_at``) is more than 90 days before ``today``; people never touched are not "stale"
  (they are ``uncovered_member``).
* ``unreached_opponent`` — a skeptic/opponent with influence ≥ 3 whom no supporter/champion reaches
  with a path of strength ≥ 0.1 (rivalry is no path).
* ``uncovered_department`` — a department of the chain where no active contact knows us or is
  covered by us; one gap per department (``department``).
* ``supporter_left`` — a champion/supporter of this chain whose status is ``left`` (high).

Go-betweens are only people who would help (``scoring.people``): an action never asks a skeptic, an
opponent or an interest holder to introduce us; when they are the only way, it says so and names the
alternative. Each action that needs one of ours names who (``OurSide``): the counterparts best fit to a
client leader (all of them when they tie), and for an uncovered person or department the team member
closest to them (the start of the strongest path) unless another of ours matches their level better.

Gaps come sorted by severity, then in the order above. ``people`` groups the gaps per person, with their
actions together; ``completeness`` is the decision chain's (``scoring.chain.completeness``), whose
empty seats are the ``missing_role`` gaps (the seats held against us or thinly are listed there).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from scoring.chain import ChainAnalysis, analyse_chain, completeness
from scoring.formulas import parse_date
from scoring.options import ScoringOptions, resolve
from scoring.paths import Reach
from scoring.people import GoBetweens, OurSide, ReachFromUs, deal_status
from scoring.recommend import Ranker, alternatives
from scoring.results import Gap, GapReport, Person, plain
from scoring.texts import a_an, join, label, text
from scoring.view import AccountMap, Member

__all__ = ["GAP_CODES", "coverage_gaps", "gap_report", "sentences_of"]

GAP_CODES = ("missing_role", "uncovered_member", "single_threaded", "no_executive_counterpart",
             "leader_unaware", "stale_relationship", "unreached_opponent", "uncovered_department",
             "supporter_left")
_SEVERITY = {"high": 0, "medium": 1, "low": 2}
# The single-threading message by how many supporters there are: none, one (单线联系), or a few.
_THREADS = {0: "gap.single_threaded.message_none", 1: "gap.single_threaded.message"}


def coverage_gaps(g: nx.MultiDiGraph, opportunity_id: str, today: dt.date,
                  options: ScoringOptions | None = None, lang: str = "en",
                  team: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The plain form of ``gap_report``."""
    result: dict[str, Any] = plain(gap_report(g, opportunity_id, today, options, lang, team))
    return result


def gap_report(g: nx.MultiDiGraph, opportunity_id: str, today: dt.date, options: ScoringOptions | None = None,
               lang: str = "en", team: Iterable[Mapping[str, Any]] | None = None) -> GapReport:
    """The opportunity's coverage gaps as of ``today``; ``team`` is the company's roster of our people.

    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    chain = analyse_chain(amap, opportunity_id, o)
    return find_gaps(amap, chain, today, o, lang, OurSide(amap, o, team))


def find_gaps(amap: AccountMap, chain: ChainAnalysis, today: dt.date, o: ScoringOptions, lang: str,
              us: OurSide) -> GapReport:
    status = deal_status(chain.opportunity, o)
    seats = completeness(amap, chain, o, lang)
    if status != "open":
        # A deal won or lost is over: nothing is left to cover or to win over for it.
        return GapReport((), (), seats, deal_status=status, message=text(f"deal.closed.{status}", lang))
    # Someone who asked to be erased is never a person to visit, own or win over (they may still carry
    # structure: a path, a sway).
    active = [m for m in chain.active if not amap.is_erased(m.contact_id)]
    weights = chain.weights
    go = GoBetweens.of(amap, o, chain.opportunity_id)
    supporters = [m.contact_id for m in chain.active if m.stance in o.supportive_stances]
    ours = set(supporters)
    gaps: list[Gap] = []
    ways = ReachFromUs.of(amap, o, chain.opportunity_id)

    def name(c: str) -> str:
        return amap.name(c) if c in amap.contacts else us.name(c)

    def title(c: str) -> str:
        return str(amap.contacts[c].get("title") or label("role", _member(chain, c).role, lang))

    def titled(c: str) -> str:
        """The name where the text shows the title beside it (told apart by the title, not twice)."""
        return amap.name(c, beside=title(c))

    def severity(c: str) -> str:
        role = _member(chain, c).role
        w = weights.get(c, 0.0)
        if role in o.critical_roles or w >= o.high_weight:
            return "high"
        return "medium" if w >= o.medium_weight else "low"

    def intro(c: str) -> tuple[str | None, str | None, str | None]:
        """(our closest team member, the helpful contact who introduces us, the unhelpful person who
        would have been the only way): the strongest path from our side through helpful people."""
        path, blocked = ways.way(c)
        owner = path[0] if path and path[0] in us.people else None
        via = next((n for n in reversed(path[:-1]) if n in amap.contacts), None)
        return owner, via, blocked

    def introduce(c: str) -> str:
        """How to be introduced to ``c`` along the strongest way (it has a helpful contact on it): by
        the last go-between, when they are ours; else the last one who is ours introduces us to the next,
        and those after them are won first (met first, when nobody on the way is ours)."""
        go_betweens = [n for n in ways.way(c)[0][:-1] if n in amap.contacts]
        helper = max((i for i, n in enumerate(go_betweens) if n in ours), default=-1)
        if helper == len(go_betweens) - 1:
            return text("gap.introduce", lang, via=name(go_betweens[-1]))
        pending = [name(n) for n in go_betweens[helper + 1:]]
        if helper >= 0:
            return text("gap.introduce_then_win", lang, helper=name(go_betweens[helper]), next=pending[0],
                        pending=join(pending, lang))
        return text("gap.meet_then_win", lang, next=pending[0], pending=join(pending, lang))

    def matched(c: str, closest: str | None) -> tuple[tuple[str, ...], str | None]:
        """Who of ours should own ``c`` level to level (``OurSide.owners``; several when they tie) and the
        single owner id to report (None when several fit equally)."""
        owners = us.owners(c, closest)
        return owners, owners[0] if len(owners) == 1 else None

    def instead(c: str, blocked: str, executive_named: bool = False) -> str:
        """'Do not ask X (why)' and what to do instead, as sentences to append to an action (our executive
        not named again when the action names them already)."""
        why = go.why_not(blocked)
        sentences = [text("gap.avoid", lang, name=name(blocked), why=why.why(amap, lang) if why else "")]
        sentences += [t.text for t in alternatives(amap, chain, o, go, us, c, blocked, ours, {}, lang,
                                                   executive_named=executive_named)]
        return sentences_of(sentences, lang)

    # missing_role: the seats of the buying committee nobody fills
    for seat in seats.seats:
        if seat.status != "missing":
            continue
        role = seat.role
        high = role in o.critical_roles
        if role in ("decision_maker", "economic_buyer"):
            action = text(f"gap.missing_role.action.{role}", lang)
        elif role == "coach":
            candidates = sorted((c for c in supporters if go.helps(c) and not amap.is_erased(c)),
                                key=lambda c: (-_composite_of(chain, c, o), c))
            action = (text("gap.missing_role.action.coach_candidate", lang, name=name(candidates[0]))
                      if candidates else text("gap.missing_role.action.coach", lang))
        else:
            action = text("gap.missing_role.action.other", lang, role=label("role", role, lang))
        gaps.append(Gap("missing_role", "high" if high else "medium", (),
                        text("gap.missing_role.message", lang, role=label("role", role, lang)), action,
                        role=role))

    # uncovered_member: name our closest person and a helpful introducer
    for m in active:
        c = m.contact_id
        if amap.covers.get(c):
            continue
        closest, via, blocked = intro(c)
        owners, owner = matched(c, closest)
        if owners and owners != (closest,):
            action = (text("gap.uncovered_member.action_matched", lang, name=name(c), owner=us.names(owners, lang),
                           introduce=introduce(c)) if via is not None
                      else text("gap.uncovered_member.action_matched_meet", lang, name=name(c),
                                owner=us.names(owners, lang)))
            if via is None and blocked is not None:
                action = sentences_of([action, instead(c, blocked, executive_named=True)], lang)
        elif via is not None and owner is not None:
            action = text("gap.uncovered_member.action", lang, name=name(c), owner=name(owner),
                          introduce=introduce(c))
        elif via is not None:
            action = text("gap.uncovered_member.action_via", lang, name=name(c), introduce=introduce(c))
        elif owner is not None:
            action = text("gap.uncovered_member.action_owner", lang, name=name(c), owner=name(owner))
        else:
            action = text("gap.uncovered_member.action_cold", lang, name=name(c))
            if blocked is not None:
                action = sentences_of([action, instead(c, blocked)], lang)
        gaps.append(Gap("uncovered_member", severity(c), (c,),
                        text("gap.uncovered_member.message", lang, name=titled(c), title=title(c)), action,
                        owner_id=owner, via_id=via))

    # single_threaded
    if len(supporters) < o.min_supporters:
        picks = new_threads(amap, chain, o, go, o.min_supporters - len(supporters))
        # On a small account there are not 3–5 people to widen to yet: say what is possible there.
        on_map = sum(not amap.is_erased(c) for c in amap.active)
        small = on_map < o.min_supporters
        # ("Only one person at this client is" / "Only 2 people … are"; Chinese counts people alike)
        count = on_map if lang == "zh-CN" else ("one person at this client is" if on_map == 1
                                                else f"{on_map} people at this client are")
        if picks:
            action = text("gap.single_threaded.action_small" if small else "gap.single_threaded.action", lang,
                          names=join([name(c) for c in picks], lang), count=count)
        else:
            action = text("gap.single_threaded.action_small_generic" if small
                          else "gap.single_threaded.action_generic", lang, count=count)
        gaps.append(Gap("single_threaded", "high" if len(supporters) <= o.single_thread_high else "medium",
                        tuple(supporters), text(_THREADS.get(len(supporters), "gap.single_threaded.message_few"), lang,
                                                count=len(supporters)),
                        action, suggested_ids=tuple(picks)))

    # no_executive_counterpart: one line per executive of ours we name, for all the leaders they mirror
    groups: dict[tuple[str, ...], list[Member]] = {}
    for m in active:
        if amap.contacts[m.contact_id].get("level") in o.executive_levels and not amap.mirrors.get(m.contact_id):
            groups.setdefault(us.counterparts(m.contact_id), []).append(m)
    seniority = {lvl: i for i, lvl in enumerate(o.level_order)}
    for members in groups.values():
        members.sort(key=lambda m: (seniority.get(amap.contacts[m.contact_id].get("level"), len(seniority)),
                                    -weights.get(m.contact_id, 0.0), m.contact_id))
    for executives, members in groups.items():
        ids = tuple(m.contact_id for m in members)
        names = join([f"{titled(c)}（{title(c)}）" if lang == "zh-CN" else f"{titled(c)} ({title(c)})" for c in ids],
                     lang)
        plain_names = join([name(c) for c in ids], lang)
        action = (text("gap.no_executive_counterpart.action", lang, exec=us.titled(executives, lang),
                       name=plain_names) if executives
                  else text("gap.no_executive_counterpart.action_sponsor", lang, name=plain_names))
        high = any(m.role in o.critical_roles for m in members)
        gaps.append(Gap("no_executive_counterpart", "high" if high else "medium", ids,
                        text("gap.no_executive_counterpart.message", lang, names=names), action,
                        owner_id=executives[0] if len(executives) == 1 else None))

    # leader_unaware: executive to executive, introduced by someone who would help
    for m in active:
        c = m.contact_id
        data = amap.contacts[c]
        if data.get("level") not in o.leader_levels or data.get("knows_us", False):
            continue
        executives = us.counterparts(c)
        executive = executives[0] if len(executives) == 1 else None
        _, via, blocked = intro(c)
        if not executives:
            action = text("gap.leader_unaware.action_sponsor", lang, name=name(c))
        elif via is not None:
            action = text("gap.leader_unaware.action", lang, exec=us.names(executives, lang), name=name(c),
                          introduce=introduce(c))
        else:
            action = text("gap.leader_unaware.action_direct", lang, exec=us.names(executives, lang), name=name(c))
        if via is None and blocked is not None:
            why = go.why_not(blocked)
            action = sentences_of(
                [action, text("gap.avoid", lang, name=name(blocked), why=why.why(amap, lang) if why else "")], lang)
        gaps.append(Gap("leader_unaware", "high", (c,),
                        text("gap.leader_unaware.message", lang, name=titled(c), title=title(c)), action,
                        owner_id=executive, via_id=via))

    # stale_relationship
    limit = today - dt.timedelta(days=o.stale_days)
    for m in active:
        c = m.contact_id
        dates = [parse_date(amap.contacts[c].get("last_contact_at"))]
        dates += [parse_date(cv.last_contact_at) for cv in amap.covers.get(c, [])]
        known = [d for d in dates if d is not None]
        if not known or max(known) >= limit:
            continue
        last = max(known)
        cover = amap.best_cover(c)
        owner = cover.team_member_id if cover else intro(c)[0]
        owners = us.owners(c, owner) if cover is None else ()
        if cover is not None:
            action = text("gap.stale_relationship.action", lang, owner=name(cover.team_member_id), name=name(c))
        elif owners and owners != (owner,):
            action = text("gap.stale_relationship.action_matched", lang, owner=us.names(owners, lang), name=name(c))
            owner = owners[0] if len(owners) == 1 else None
        elif owner is not None:
            action = text("gap.stale_relationship.action_closest", lang, owner=name(owner), name=name(c))
        else:
            action = text("gap.stale_relationship.action_owner", lang, name=name(c))
        gaps.append(Gap("stale_relationship", "high" if severity(c) == "high" else "medium", (c,),
                        text("gap.stale_relationship.message", lang, name=name(c),
                             days=(today - last).days, date=last.isoformat()),
                        action, owner_id=owner, last_contact_at=last.isoformat()))

    # unreached_opponent
    from_supporters = Reach(amap.path_costs(), max_cost=-math.log(o.min_reach) if o.min_reach > 0
                            else math.inf, expand=go.helps)
    from_supporters.add_sources({s: [] for s in supporters if go.helps(s)})
    opponents = [m for m in active
                 if m.stance in o.opposing_stances and m.influence >= o.influential_rating]
    from_supporters.run([m.contact_id for m in opponents])
    for m in opponents:
        c = m.contact_id
        if from_supporters.strength(c) >= o.min_reach:
            continue
        gaps.append(Gap("unreached_opponent", "high" if severity(c) == "high" else "medium", (c,),
                        text("gap.unreached_opponent.message", lang, name=name(c),
                             stance=label("stance", m.stance, lang), influence=f"{m.influence:g}"),
                        text("gap.unreached_opponent.action", lang, name=name(c))))

    # uncovered_department
    by_department: dict[str, list[str]] = {}
    for m in active:
        dept = amap.contacts[m.contact_id].get("department")
        if dept:
            by_department.setdefault(dept, []).append(m.contact_id)
    for dept in _known_departments(amap, set(by_department)):
        del by_department[dept]
    for dept, contacts in by_department.items():
        contacts.sort(key=lambda c: (-weights.get(c, 0.0), c))
        top = max(weights.get(c, 0.0) for c in contacts)
        found = [(c, owner, via) for c, (owner, via, _) in ((c, intro(c)) for c in contacts) if via is not None]
        first, closest, via = found[0] if found else (contacts[0], None, None)
        # The link is led level to level with the weightiest person the department has in the deal.
        owners, owner = matched(first, closest)
        if via is not None and owners:
            action = text("gap.uncovered_department.action", lang, department=dept, owner=us.names(owners, lang),
                          introduce=introduce(first))
        elif owners:
            action = text("gap.uncovered_department.action_owner", lang, department=dept,
                          owner=us.names(owners, lang))
        elif via is not None:
            action = text("gap.uncovered_department.action_via", lang, department=dept, introduce=introduce(first))
        else:
            action = text("gap.uncovered_department.action_cold", lang, department=dept)
        gaps.append(Gap("uncovered_department", "high" if top >= o.high_weight else "medium", tuple(contacts),
                        text("gap.uncovered_department.message", lang, department=dept,
                             names=join([name(c) for c in contacts], lang)),
                        action, owner_id=owner, via_id=via, department=dept))

    # supporter_left
    for m in chain.members:
        c = m.contact_id
        if c in amap.active or m.stance not in o.supportive_stances or amap.is_erased(c):
            continue
        gaps.append(Gap("supporter_left", "high", (c,),
                        text("gap.supporter_left.message", lang, name=name(c),
                             stance=a_an(label("stance", m.stance, lang), lang)),
                        text("gap.supporter_left.action", lang, name=name(c))))

    order = {code: i for i, code in enumerate(GAP_CODES)}
    gaps.sort(key=lambda gap: (_SEVERITY[gap.severity], order[gap.code]))
    return GapReport(tuple(gaps), _per_person(amap, gaps), seats, deal_status=status)


def sentences_of(sentences: Iterable[str], lang: str) -> str:
    """Sentences one after another: a space between them in English, none after a Chinese full stop."""
    return ("" if lang == "zh-CN" else " ").join(s for s in sentences if s)


def new_threads(amap: AccountMap, chain: ChainAnalysis, o: ScoringOptions, go: GoBetweens, k: int) -> list[str]:
    """The ``k`` people most worth winning as new threads who would help once won: the best picks of
    ``Ranker`` leaving out skeptics and opponents, anyone with an entrenched interest against us or loyal
    to a rival (``GoBetweens``), and people who left or asked to be erased (never candidates)."""
    ranker = Ranker.build(amap, chain, o)
    wanted = min(k, len(ranker.gains))
    asked = k
    while True:
        picks = [p.contact for p in ranker.top(asked) if go.helps(p.contact)]
        if len(picks) >= wanted or asked >= len(ranker.gains):
            return picks[:k]
        asked *= 2


def _per_person(amap: AccountMap, gaps: list[Gap]) -> tuple[Person, ...]:
    """The gaps grouped per person concerned (single-threading is about the deal, not its supporters),
    most severe first: one entry per person with every code and every distinct action."""
    people: dict[str, dict[str, Any]] = {}
    for gap in gaps:
        if gap.code == "single_threaded":
            continue
        for c in gap.contact_ids:
            entry = people.setdefault(c, {"severity": gap.severity, "codes": [], "owner": None, "actions": []})
            if _SEVERITY[gap.severity] < _SEVERITY[entry["severity"]]:
                entry["severity"] = gap.severity
            if gap.code not in entry["codes"]:
                entry["codes"].append(gap.code)
            if entry["owner"] is None and gap.owner_id is not None:
                entry["owner"] = gap.owner_id
            if gap.action not in entry["actions"]:
                entry["actions"].append(gap.action)
    rows = [Person(c, amap.contacts.get(c, {}).get("name"), amap.contacts.get(c, {}).get("title"), e["severity"],
                   tuple(e["codes"]), e["owner"], tuple(e["actions"])) for c, e in people.items()]
    rows.sort(key=lambda p: (_SEVERITY[p.severity], -len(p.codes), p.contact_id))
    return tuple(rows)


def _known_departments(amap: AccountMap, departments: set[str]) -> set[str]:
    """Which of these departments have an active contact who knows us or whom our team covers."""
    return departments & amap.cached("known_departments", lambda: _all_known_departments(amap))


def _all_known_departments(amap: AccountMap) -> frozenset[str]:
    """Every department with an active contact who knows us or whom our team covers (once per map)."""
    node, succ = amap._node, amap._succ
    known = {node[c].get("department") for c in amap.active if node[c].get("knows_us", False)}
    for t in amap.team:
        for x, keyed in succ[t].items():
            if x in amap.active and any(d.get("type") == "COVERS" for d in keyed.values()):
                known.add(amap.active[x].get("department"))
    return frozenset(k for k in known if k)


def _member(chain: ChainAnalysis, contact: str) -> Member:
    member = chain.member(contact)
    assert member is not None
    return member


def _composite_of(chain: ChainAnalysis, contact: str, o: ScoringOptions) -> float:
    member = _member(chain, contact)
    return sum(w * (member.closeness.get(k) or 0.0) for k, w in o.closeness_weights.items())
