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

Gaps come sorted by severity, then in the order above.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import networkx as nx

from scoring.chain import ChainAnalysis, analyse_chain
from scoring.model import AccountMap, Member, Reach, parse_date
from scoring.options import ScoringOptions, resolve
from scoring.recommend import Ranker
from scoring.texts import join, label, text

__all__ = ["GAP_CODES", "coverage_gaps"]

GAP_CODES = ("missing_role", "uncovered_member", "single_threaded", "no_executive_counterpart",
             "leader_unaware", "stale_relationship", "unreached_opponent", "uncovered_department",
             "supporter_left")
_SEVERITY = {"high": 0, "medium": 1, "low": 2}


def coverage_gaps(g: nx.MultiDiGraph, opportunity_id: str, today: dt.date,
                  options: ScoringOptions | None = None, lang: str = "en") -> dict[str, Any]:
    """The opportunity's coverage gaps as of ``today``.

    Raises ``scoring.model.NotFound`` when the opportunity is not in the graph.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    chain = analyse_chain(amap, opportunity_id, o)
    return {"gaps": find_gaps(amap, chain, today, o, lang)}


def _gap(code: str, severity: str, contacts: list[str], message: str, action: str,
         **extra: Any) -> dict[str, Any]:
    return {"code": code, "severity": severity, "contact_ids": contacts, "message": message,
            "action": action, **extra}


def find_gaps(amap: AccountMap, chain: ChainAnalysis, today: dt.date, o: ScoringOptions,
              lang: str) -> list[dict[str, Any]]:
    active = chain.active
    weights = chain.weights
    supporters = [m.contact_id for m in active if m.stance in o.supportive_stances]
    ours = set(supporters)
    executive = amap.our_executive(o)
    gaps: list[dict[str, Any]] = []

    def name(c: str) -> str:
        return amap.name(c)

    def title(c: str) -> str:
        return str(amap.contacts[c].get("title") or label("role", _member(chain, c).role, lang))

    def severity(c: str) -> str:
        role = _member(chain, c).role
        w = weights.get(c, 0.0)
        if role in o.critical_roles or w >= o.high_weight:
            return "high"
        return "medium" if w >= o.medium_weight else "low"

    def intro(c: str) -> str | None:
        """Who could introduce us to c: someone c listens to who supports us or whom our team covers,
        the strongest such tie (tie strength × how well we hold them), if at least ``min_reach``."""
        best, best_value = None, o.min_reach
        for u, entry in sorted(amap.local(c).inn.items()):
            if u not in amap.active:
                continue
            if u in ours:
                held = 1.0
            else:
                cover = amap.best_cover(u)
                held = cover.closeness if cover else 0.0
            value = entry[0] * held
            if value >= best_value and (best is None or value > best_value):
                best, best_value = u, value
        return best

    # missing_role
    present = {m.role for m in active}
    for role in o.required_roles:
        if role in present:
            continue
        if role in ("decision_maker", "economic_buyer"):
            action = text(f"gap.missing_role.action.{role}", lang)
        elif role == "coach":
            candidates = sorted(supporters, key=lambda c: (-_composite_of(chain, c, o), c))
            action = (text("gap.missing_role.action.coach_candidate", lang, name=name(candidates[0]))
                      if candidates else text("gap.missing_role.action.coach", lang))
        else:
            action = text("gap.missing_role.action.other", lang, role=label("role", role, lang))
        gaps.append(_gap("missing_role", "high" if role in o.critical_roles else "medium", [],
                         text("gap.missing_role.message", lang, role=label("role", role, lang)), action,
                         role=role))

    # uncovered_member
    for m in active:
        c = m.contact_id
        if amap.covers.get(c):
            continue
        via = intro(c)
        action = (text("gap.uncovered_member.action", lang, name=name(c), via=name(via)) if via
                  else text("gap.uncovered_member.action_cold", lang, name=name(c)))
        gaps.append(_gap("uncovered_member", severity(c), [c],
                         text("gap.uncovered_member.message", lang, name=name(c), title=title(c)), action))

    # single_threaded
    if len(supporters) < o.min_supporters:
        picks = [p.contact for p in Ranker.build(amap, chain, o).top(o.min_supporters - len(supporters))]
        action = (text("gap.single_threaded.action", lang, names=join([name(c) for c in picks], lang))
                  if picks else text("gap.single_threaded.action_generic", lang))
        gaps.append(_gap("single_threaded", "high" if len(supporters) <= o.single_thread_high else "medium",
                         list(supporters), text("gap.single_threaded.message", lang, count=len(supporters)),
                         action, suggested_ids=picks))

    # no_executive_counterpart
    for m in active:
        c = m.contact_id
        if amap.contacts[c].get("level") not in o.executive_levels or amap.mirrors.get(c):
            continue
        action = (text("gap.no_executive_counterpart.action", lang, exec=name(executive), name=name(c))
                  if executive else text("gap.no_executive_counterpart.action_sponsor", lang, name=name(c)))
        gaps.append(_gap("no_executive_counterpart", "high" if m.role in o.critical_roles else "medium",
                         [c], text("gap.no_executive_counterpart.message", lang, name=name(c), title=title(c)),
                         action))

    # leader_unaware
    for m in active:
        c = m.contact_id
        data = amap.contacts[c]
        if data.get("level") not in o.leader_levels or data.get("knows_us", False):
            continue
        via = intro(c)
        if executive is None:
            action = text("gap.leader_unaware.action_sponsor", lang, name=name(c))
        elif via is not None:
            action = text("gap.leader_unaware.action", lang, exec=name(executive), name=name(c), via=name(via))
        else:
            action = text("gap.leader_unaware.action_direct", lang, exec=name(executive), name=name(c))
        gaps.append(_gap("leader_unaware", "high", [c],
                         text("gap.leader_unaware.message", lang, name=name(c), title=title(c)), action))

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
        owner = amap.best_cover(c)
        action = (text("gap.stale_relationship.action", lang, owner=name(owner.team_member_id), name=name(c))
                  if owner else text("gap.stale_relationship.action_owner", lang, name=name(c)))
        gaps.append(_gap("stale_relationship", "high" if severity(c) == "high" else "medium", [c],
                         text("gap.stale_relationship.message", lang, name=name(c),
                              days=(today - last).days, date=last.isoformat()),
                         action, last_contact_at=last.isoformat()))

    # unreached_opponent
    from_supporters = Reach(amap.path_costs(), max_cost=-math.log(o.min_reach) if o.min_reach > 0
                            else math.inf)
    from_supporters.add_sources({s: [] for s in supporters})
    opponents = [m for m in active
                 if m.stance in o.opposing_stances and m.influence >= o.influential_rating]
    from_supporters.run([m.contact_id for m in opponents])
    for m in opponents:
        c = m.contact_id
        if from_supporters.strength(c) >= o.min_reach:
            continue
        gaps.append(_gap("unreached_opponent", "high" if severity(c) == "high" else "medium", [c],
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
        vias = [v for v in (intro(c) for c in contacts) if v is not None]
        action = (text("gap.uncovered_department.action", lang, department=dept, via=name(vias[0])) if vias
                  else text("gap.uncovered_department.action_cold", lang, department=dept))
        gaps.append(_gap("uncovered_department", "high" if top >= o.high_weight else "medium", contacts,
                         text("gap.uncovered_department.message", lang, department=dept,
                              names=join([name(c) for c in contacts], lang)),
                         action, department=dept))

    # supporter_left
    for m in chain.members:
        c = m.contact_id
        if c in amap.active or m.stance not in o.supportive_stances:
            continue
        gaps.append(_gap("supporter_left", "high", [c],
                         text("gap.supporter_left.message", lang, name=name(c),
                              stance=label("stance", m.stance, lang)),
                         text("gap.supporter_left.action", lang, name=name(c))))

    order = {code: i for i, code in enumerate(GAP_CODES)}
    gaps.sort(key=lambda gap: (_SEVERITY[gap["severity"]], order[gap["code"]]))
    return gaps


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
