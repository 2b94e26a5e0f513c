"""What a map shows, decided once for every format: who is drawn, in which stance, with which badges,
which lines, which gaps; the redaction of personal notes and entrenched interests.

``build_map(graph, ...)`` reads the projection's ``MultiDiGraph`` (see ``graph.projection``) and returns
a ``MapModel``; the image and the graph files are both drawn from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from rendering.labels import lang_of
from scoring.gaps import coverage_gaps
from scoring.options import DEFAULT_OPTIONS, ScoringOptions, discreet, resolve
from scoring.people import is_open
from scoring.rules import EdgeRule, edge_rules

INFLUENCE_TYPES = ("INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL")
COVERAGE_TYPES = ("COVERS", "MIRRORS")
# The relationships a map weighs (``line_weight``): its lines, and the threat of an entrenched interest.
WEIGHED = (*INFLUENCE_TYPES, *COVERAGE_TYPES, "FAVORS", "HAS_INTEREST")
# Gaps about the chain as a whole (their contact_ids are the few supporters, or nobody): listed, but not
# marked on anyone.
UNMARKED_GAPS = ("single_threaded", "missing_role")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class MapError(ValueError):
    """A map request that cannot be served as asked (an opportunity of another account...)."""

    def __init__(self, message: str, loc: list[str | int]) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass
class Person:
    """A box on the map: a client contact or one of our team members."""

    id: str
    kind: str                          # contact | team_member | competitor
    name: str
    title: str = ""
    department: str = ""
    level: str = ""
    left: bool = False
    left_at: str = ""
    knows_us: bool = False
    stance: str = "unknown"
    role: str | None = None            # buying role in the chosen opportunity
    influence: float | None = None
    in_chain: bool = False
    faded: bool = False
    external: str | None = None        # the contact's account when it is not this account
    interests: list[tuple[str, float]] = field(default_factory=list)   # (kind, threat), worst first
    gaps: list[int] = field(default_factory=list)                     # numbers of the gaps listed
    opportunities: list[str] = field(default_factory=list)            # whose decision chains they are in
    note: str = ""                     # a cross-reference drawn under the box ("reports to 王总 — page 3")


@dataclass
class Line:
    type: str                          # an edge type, or REPORTS_TO_SECONDARY
    source: str
    target: str
    weight: float                      # strength / closeness in 0..1 (drawn as thickness)
    faded: bool = False


@dataclass
class Gap:
    number: int
    code: str
    severity: str
    contact_ids: list[str]
    message: str
    action: str
    owners: list[str] = field(default_factory=list)   # who on our side leads it and who introduces us


@dataclass
class MapModel:
    account_id: str
    account_name: str
    lang: str
    today: dt.date
    redacted: bool
    graph: nx.MultiDiGraph                       # the (redacted, when asked) projection
    opportunity: dict[str, Any] | None           # the chosen opportunity's fields and id
    contacts: dict[str, Person]
    team: dict[str, Person]
    competitors: dict[str, Person]
    manager: dict[str, str]                      # contact → the manager it hangs under on the chart
    lines: list[Line]
    gaps: list[Gap]
    source: nx.MultiDiGraph | None = None        # the unredacted projection, for the influence ranking only
    view: str = ""                               # what this map shows when it is not everyone
    notices: list[str] = field(default_factory=list)   # what it left out, and how to ask for it
    rules: Mapping[str, EdgeRule] = field(default_factory=lambda: edge_rules(DEFAULT_OPTIONS))  # the model's
    open_deals: list[str] = field(default_factory=list)  # the account's opportunities still open (is_open)
    # Our team members with no tie to this account (so not in ``graph``): their roster records, so that
    # every format shows the whole team (the image, at most ``rendering.focus.SIDE_BUDGET`` of them).
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)
    # With no people of its own (a group): its subsidiaries (id, name), whose maps hold its people.
    subsidiaries: list[tuple[str, str]] = field(default_factory=list)

    def person(self, node: str) -> Person | None:
        return self.contacts.get(node) or self.team.get(node) or self.competitors.get(node)


def redact(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy without personal notes (``notes``, edge ``note``) and without entrenched interests
    (HAS_INTEREST edges: their kind, threat and note).

    >>> g = nx.MultiDiGraph(account_id="a", account={"id": "a", "notes": "x"})
    >>> g.add_node("c", kind="contact", notes="喜欢打高尔夫")
    >>> _ = g.add_edge("c", "o", key="i", type="HAS_INTEREST", kind="kickback", note="回扣")
    >>> r = redact(g)
    >>> dict(r.nodes["c"]), r.number_of_edges(), r.graph["account"]
    ({'kind': 'contact'}, 0, {'id': 'a'})
    """
    out = nx.MultiDiGraph()
    out.graph.update({k: v for k, v in graph.graph.items() if k != "account"})
    out.graph["account"] = {k: v for k, v in (graph.graph.get("account") or {}).items() if k != "notes"}
    for node, data in graph.nodes(data=True):
        out.add_node(node, **{k: v for k, v in data.items() if k != "notes"})
    for u, v, key, data in graph.edges(keys=True, data=True):
        if data.get("type") == "HAS_INTEREST":
            continue
        out.add_edge(u, v, key=key, **{k: val for k, val in data.items() if k != "note"})
    return out


def guess_lang(graph: nx.MultiDiGraph) -> str:
    """``zh-CN`` when the account's or its people's names are written in Chinese, else ``en``."""
    names = [str((graph.graph.get("account") or {}).get("name") or "")]
    names += [str(d.get("name") or "") for _, d in graph.nodes(data=True) if d.get("kind") == "contact"]
    cjk = sum(1 for n in names if _CJK.search(n))
    return "zh-CN" if cjk * 2 >= len(names) else "en"


def check_opportunity(graph: nx.MultiDiGraph, opportunity_id: str) -> bool:
    """Whether the opportunity is one of this account's; False when it is not in the map at all.

    Raises ``MapError`` when it is in the map but belongs to another account.
    """
    if opportunity_id not in graph:
        return False
    data = graph.nodes[opportunity_id]
    account_id = graph.graph.get("account_id")
    if data.get("kind") != "opportunity":
        raise MapError(f"{opportunity_id!r} is a {data.get('kind')}, not an opportunity",
                       ["query", "opportunity_id"])
    if data.get("account_id") != account_id:
        raise MapError(f"opportunity {opportunity_id!r} belongs to account {data.get('account_id')!r}, "
                       f"not to {account_id!r}", ["query", "opportunity_id"])
    return True


def build_map(graph: nx.MultiDiGraph, *, opportunity_id: str | None = None, redacted: bool = False,
              lang: str | None = None, today: dt.date | None = None,
              options: ScoringOptions | None = None, roster: Iterable[Mapping[str, Any]] | None = None) -> MapModel:
    """The map of one account's projected graph; the opportunity, if given, must be the account's.
    ``roster``: our whole team (``Store.team_roster``), so that the gaps' actions name whom the analytics
    name (a counterpart of ours with no tie to the account yet)."""
    source = graph
    roster = tuple(roster or ())
    if redacted:
        graph = redact(graph)
    lang = lang_of(lang) if lang else guess_lang(graph)
    today = today or dt.datetime.now(dt.UTC).date()
    account = graph.graph.get("account") or {}
    account_id = str(graph.graph.get("account_id"))
    opportunities = {n: d for n, d in graph.nodes(data=True) if d.get("kind") == "opportunity"}
    resolved = resolve(options)
    open_ = {o for o, d in opportunities.items() if is_open(d, resolved)}
    open_deals = sorted(o for o in open_ if opportunities[o].get("account_id") == account_id)
    opportunity = None
    if opportunity_id is not None:
        opportunity = {"id": opportunity_id, **opportunities[opportunity_id]}

    contacts: dict[str, Person] = {}
    team: dict[str, Person] = {}
    competitors: dict[str, Person] = {}
    for node, d in graph.nodes(data=True):
        kind = d.get("kind")
        if kind == "contact":
            contacts[node] = Person(
                node, "contact", str(d.get("name") or node), title=str(d.get("title") or ""),
                department=str(d.get("department") or ""), level=str(d.get("level") or ""),
                left=d.get("status") == "left", left_at=str(d.get("left_at") or ""),
                knows_us=bool(d.get("knows_us", False)),
                external=None if d.get("account_id") in (None, account_id) else str(d.get("account_id")))
        elif kind == "team_member":
            team[node] = Person(node, "team_member", str(d.get("name") or node), title=str(d.get("title") or ""),
                                level=str(d.get("level") or ""))
        elif kind == "competitor":
            competitors[node] = Person(node, "competitor", str(d.get("name") or node))
    # Our whole team, also whoever has no tie to this account yet (not in its projection): "our team on
    # the left, every team member", and the counterpart the gaps name is drawn too.
    untied: dict[str, dict[str, Any]] = {}
    for record in roster:
        node = str(record.get("id") or "")
        if not node or node in graph:
            continue
        data = {k: v for k, v in record.items() if k != "id" and not (redacted and k == "notes")}
        data["kind"] = "team_member"
        untied[node] = data
        team[node] = Person(node, "team_member", str(data.get("name") or node), title=str(data.get("title") or ""),
                            level=str(data.get("level") or ""))

    # Stances and roles: from the chosen opportunity, or each contact's best-known stance.
    memberships: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    bosses: dict[str, list[str]] = defaultdict(list)
    lines: list[Line] = []
    rules = edge_rules(resolved)
    # The interests that count (as in the analytics: scoring.chain.relevant_interests): in the chosen deal,
    # or with none chosen in any open one, or with a competitor.
    at_stake = {*competitors, *([opportunity_id] if opportunity_id is not None else open_deals)}
    for u, v, d in graph.edges(data=True):
        kind = d.get("type")
        if kind == "MEMBER_OF" and u in contacts and v in opportunities:
            memberships[u].append((v, d))
        elif kind == "REPORTS_TO" and u in contacts and v in contacts:
            bosses[u].append(v)
        elif kind == "HAS_INTEREST" and u in contacts and v in at_stake:
            contacts[u].interests.append((str(d.get("kind") or "other"), line_weight(rules, kind, d)))
        elif (kind in INFLUENCE_TYPES and u in contacts and v in contacts
              or kind in COVERAGE_TYPES and u in team and v in contacts
              or kind == "FAVORS" and u in contacts and v in competitors):
            lines.append(Line(str(kind), u, v, line_weight(rules, str(kind), d)))
    for person in contacts.values():
        person.interests.sort(key=lambda i: (-i[1], i[0]))
        person.opportunities = sorted(o for o, _ in memberships.get(person.id, []))
        chosen = _stance_of(memberships.get(person.id, []), opportunities, open_, opportunity_id)
        if chosen is not None:
            person.stance = str(chosen.get("stance") or "unknown")
        if opportunity_id is not None:
            person.in_chain = chosen is not None
            person.faded = chosen is None
            if chosen is not None:
                person.role = str(chosen.get("role") or "")
                influence = chosen.get("influence")
                person.influence = float(influence) if isinstance(influence, int | float) else None

    # Reporting lines: one manager a contact hangs under (the first active one, by id); any other
    # manager is drawn as a second reporting line.
    manager: dict[str, str] = {}
    for c, bs in bosses.items():
        ordered = sorted(set(bs), key=lambda b: (contacts[b].left, b))
        manager[c] = ordered[0]
        lines.extend(Line("REPORTS_TO_SECONDARY", c, b, 1.0) for b in ordered[1:])

    if opportunity_id is not None:
        for line in lines:
            ends = (line.source, line.target)
            line.faded = not any(contacts[e].in_chain for e in ends if e in contacts)


    # The gaps of the whole map (a redacted map shows the same advice, worded without the interests).
    gaps = _gaps(source, opportunity_id, open_deals, today, discreet(options) if redacted else options, lang, roster)
    for gap in gaps:
        if gap.code in UNMARKED_GAPS:
            continue
        for c in gap.contact_ids:
            if c in contacts and gap.number not in contacts[c].gaps:
                contacts[c].gaps.append(gap.number)
    return MapModel(account_id, str(account.get("name") or account_id), lang, today, redacted, graph,
                    opportunity, contacts, team, competitors, manager, lines, gaps, source=source,
                    open_deals=open_deals, rules=rules, roster=untied)


def line_weight(rules: Mapping[str, EdgeRule], kind: str, d: Mapping[str, Any]) -> float:
    """How strong a line of the map is (drawn as its thickness; the ``weight`` of a graph file): the
    strongest way the analytics weigh the edge (``scoring.rules``), e.g. a promotion's patron → protégé."""
    rule = rules.get(kind)
    return max(rule.weights(d)) if rule is not None else 0.0


def _stance_of(memberships: list[tuple[str, dict[str, Any]]], opportunities: dict[str, dict[str, Any]],
               open_: set[str], opportunity_id: str | None) -> dict[str, Any] | None:
    """The MEMBER_OF edge that colours a contact: the chosen opportunity's, or else the best-known
    stance: a known stance before ``unknown``, open opportunities before closed ones, then the deal
    closing first (the one a review speaks of: ``scoring.changes.chosen_opportunity``)."""
    if opportunity_id is not None:
        return next((d for o, d in memberships if o == opportunity_id), None)
    if not memberships:
        return None

    def rank(item: tuple[str, dict[str, Any]]) -> tuple[bool, bool, str, str]:
        opp, d = item
        data = opportunities.get(opp, {})
        return (d.get("stance") in (None, "unknown"), opp not in open_,
                str(data.get("close_date") or "9999"), opp)

    return min(memberships, key=rank)[1]


def _gaps(graph: nx.MultiDiGraph, opportunity_id: str | None, open_deals: list[str],
          today: dt.date, options: ScoringOptions | None, lang: str,
          roster: Iterable[Mapping[str, Any]] | None) -> list[Gap]:
    """The coverage gaps of ``scoring.gaps`` (one definition of a gap): the chosen opportunity's, or,
    with none chosen, those of every open opportunity of the account (named in each message when there
    are several)."""
    chosen = [opportunity_id] if opportunity_id is not None else open_deals
    found: list[Gap] = []
    seen: set[tuple[str, tuple[str, ...], str]] = set()
    for opp in chosen:
        for g in coverage_gaps(graph, opp, today, options, lang, roster)["gaps"]:
            key = (g["code"], tuple(g["contact_ids"]), g["message"])
            if key in seen:
                continue
            seen.add(key)
            message = str(g["message"])
            if len(chosen) > 1:
                message = f"[{graph.nodes[opp].get('name') or opp}] {message}"
            owners = [str(g[k]) for k in ("owner_id", "via_id") if g.get(k)]
            found.append(Gap(len(found) + 1, str(g["code"]), str(g["severity"]), list(g["contact_ids"]),
                             message, str(g.get("action") or ""), owners))
    order = {"high": 0, "medium": 1, "low": 2}
    found.sort(key=lambda g: (order.get(g.severity, 3), g.number))
    for i, gap in enumerate(found, 1):
        gap.number = i
    return found
