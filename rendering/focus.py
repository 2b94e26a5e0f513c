"""Which people a map shows: a view of the account (everyone, an opportunity's chain and its
neighbourhood, a department, the people around one person), ordered by importance, and the part of it
an image can draw legibly.

An image draws at most ``IMAGE_BUDGET`` people and ``LINE_BUDGET`` relationship lines (reporting lines
aside) and says in the image what it left out and how to ask for it. The order of a view puts each
person's managers (within the view) before them, so any prefix of it is a connected top of the org
chart, never reports floating without their boss.

Views (``Focus.scope``):

* ``None``: everyone when they fit; otherwise ``chain`` with an opportunity, ``overview`` without;
* ``chain``: the opportunity's decision chain (every open opportunity's without one) with their
  managers, then the people tied to them, ring by ring up to ``depth`` hops, strongest ties first;
* ``overview``: the top two levels of the org chart, then the most influential people
  (``scoring.power.power_order``, kept with the map), each with their managers;
* ``department``: one department's people, its top levels first, then by influence;
* ``around``: one person and everyone within ``depth`` hops of any tie, nearest and strongest first.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from rendering.draw import style_in_effect
from rendering.labels import ROLE_SHORT, word
from rendering.model import Line, MapError, MapModel, Person, line_weight
from scoring.options import DEFAULT_OPTIONS
from scoring.power import power_order

IMAGE_BUDGET = 150        # people one image draws: about what a 4,000-pixel-wide page shows legibly
LINE_BUDGET = 100         # relationship lines one image draws, reporting lines aside
SIDE_BUDGET = 30          # team members, and competitors, in a side column
MAX_DEPTH = 6
SUBSIDIARIES_NAMED = 5    # subsidiaries a group's empty map names

Scope = Literal["chain", "department", "around"]
SCOPES: tuple[Scope, ...] = ("chain", "department", "around")
TIE_TYPES = ("INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL", "REPORTS_TO_SECONDARY")


@dataclass(frozen=True)
class Focus:
    """What the client asked to see (``scope``, ``department``, ``around``, ``depth`` of the API)."""

    scope: Scope | None = None
    department: str | None = None
    around: str | None = None
    depth: int | None = None


@dataclass
class View:
    """The people of a view, most important first, and what to call it."""

    kind: str                  # all | chain | overview | department | around
    order: list[str]
    title: str


def validate(model: MapModel, focus: Focus) -> Focus:
    """The focus with its scope implied by its parameters; ``MapError`` naming the query parameter
    for anything that cannot be served."""
    scope = focus.scope
    if scope is None and focus.department is not None:
        scope = "department"
    if scope is None and focus.around is not None:
        scope = "around"
    if focus.department is not None and scope != "department":
        raise MapError("department applies to scope=department", ["query", "department"])
    if focus.around is not None and scope != "around":
        raise MapError("around applies to scope=around", ["query", "around"])
    if focus.depth is not None and not 1 <= focus.depth <= MAX_DEPTH:
        raise MapError(f"depth must be between 1 and {MAX_DEPTH}", ["query", "depth"])
    if scope == "department":
        if not focus.department:
            raise MapError("scope=department needs department=<name>", ["query", "department"])
        known = Counter(p.department for p in model.contacts.values() if p.department)
        if focus.department not in known:
            names = ", ".join(repr(d) for d, _ in known.most_common(20)) or "none"
            raise MapError(f"no department {focus.department!r} at this account; its departments: {names}",
                           ["query", "department"])
    if scope == "around":
        if not focus.around:
            raise MapError("scope=around needs around=<contact id>", ["query", "around"])
        if focus.around not in model.contacts:
            raise MapError(f"{focus.around!r} is not a contact of this account", ["query", "around"])
    return Focus(scope, focus.department, focus.around, focus.depth)


# ---------------------------------------------------------------------------------------- views


def view_of(model: MapModel, focus: Focus, budget: int = IMAGE_BUDGET) -> View:
    """Everyone the focus asks for, most important first (a validated focus)."""
    contacts = model.contacts
    lang = model.lang
    if focus.scope is None and len(contacts) <= budget:
        return View("all", list(contacts), "")
    order = _Order(model)
    if focus.scope == "department":
        department = str(focus.department)
        members = {c for c, p in contacts.items() if p.department == department}
        top = [c for c in order.by_power(members) if _depth_within(model, c, members) <= 1]
        for c in top + order.by_power(members):
            order.add_with_managers(c, members)
        return View("department", order.out, word("view.department", lang, name=department))
    if focus.scope == "around":
        centre = str(focus.around)
        depth = focus.depth or 2
        order.add(centre)
        order.rings([centre], depth, None, managers=False)
        name = contacts[centre].name
        hops = word("view.hop" if depth == 1 else "view.hops", lang, n=depth)
        return View("around", order.out, word("view.around", lang, name=name, hops=hops))
    if focus.scope == "chain" or model.opportunity is not None:
        chain = _chain(model)
        if not chain:
            raise MapError("this account has no open opportunity with a decision chain: "
                           "give opportunity_id, or another scope", ["query", "scope"])
        for c in chain:
            order.add_with_managers(c, None)
        # Without a depth asked, an image fills its budget ring by ring; a PDF or graph file takes one ring.
        fill = focus.depth is None and budget < len(contacts)
        order.rings(chain, focus.depth or (MAX_DEPTH if fill else 1), None, stop_at=budget if fill else None)
        return View("chain", order.out, word("view.chain", lang))
    everyone = set(contacts)
    top = [c for c in order.by_power(everyone) if _depth_within(model, c, everyone) <= 1
           and (c in model.manager or order.has_reports(c))]
    for c in top + order.by_power(everyone):
        order.add_with_managers(c, None)
    return View("overview", order.out, word("view.overview", lang))


def _chain(model: MapModel) -> list[str]:
    """The chain members, the most influential first: the chosen opportunity's, or every open one's."""
    if model.opportunity is not None:
        members = [c for c, p in model.contacts.items() if p.in_chain]
    else:
        deals = set(model.open_deals)
        members = [c for c, p in model.contacts.items() if not deals.isdisjoint(p.opportunities)]
    roles = list(ROLE_SHORT)

    def rank(c: str) -> tuple[float, int, str, str]:
        p = model.contacts[c]
        role = roles.index(p.role) if p.role in roles else len(roles)
        return (-(p.influence or 0.0), role, p.name, c)

    return sorted(members, key=rank)


def _depth_within(model: MapModel, contact: str, members: Collection[str]) -> int:
    """How many managers above ``contact`` are among ``members`` (cycles stop the walk)."""
    depth, seen, node = 0, {contact}, model.manager.get(contact)
    while node is not None and node in members and node not in seen:
        seen.add(node)
        depth += 1
        node = model.manager.get(node)
    return depth


class _Order:
    """A view's order as it is built: each person once, their managers before them."""

    def __init__(self, model: MapModel) -> None:
        self.model = model
        self.out: list[str] = []
        self.added: set[str] = set()
        self._power: dict[str, int] | None = None
        self._reports: set[str] | None = None
        self._ties: dict[str, dict[str, float]] | None = None

    def add(self, c: str) -> None:
        if c not in self.added:
            self.added.add(c)
            self.out.append(c)

    def add_with_managers(self, c: str, within: Collection[str] | None) -> None:
        chain: list[str] = []
        node: str | None = c
        while node is not None and node not in self.added and node not in chain:
            if within is not None and node not in within:
                break
            chain.append(node)
            node = self.model.manager.get(node)
        for person in reversed(chain):
            self.add(person)

    def power(self) -> dict[str, int]:
        """Contacts' positions by informal power (departed people last), computed once."""
        if self._power is None:
            graph = self.model.source if self.model.source is not None else self.model.graph
            self._power = {c: i for i, c in enumerate(power_order(graph))}
        return self._power

    def by_power(self, people: Iterable[str]) -> list[str]:
        power = self.power()
        last = len(power)
        return sorted(people, key=lambda c: (power.get(c, last), self.model.contacts[c].name, c))

    def has_reports(self, c: str) -> bool:
        if self._reports is None:
            self._reports = set(self.model.manager.values())
        return c in self._reports

    def ties(self) -> dict[str, dict[str, float]]:
        """Each contact's ties (reporting lines included, both ways) and their strongest weight."""
        if self._ties is None:
            ties: dict[str, dict[str, float]] = {c: {} for c in self.model.contacts}

            def tie(a: str, b: str, w: float) -> None:
                if a in ties and b in ties and a != b:
                    ties[a][b] = max(ties[a].get(b, 0.0), w)
                    ties[b][a] = max(ties[b].get(a, 0.0), w)

            reporting = line_weight(self.model.rules, "REPORTS_TO", {})
            for c, boss in self.model.manager.items():
                tie(c, boss, reporting)
            for line in self.model.lines:
                if line.type in TIE_TYPES:
                    tie(line.source, line.target, line.weight)
            self._ties = ties
        return self._ties

    def rings(self, start: list[str], depth: int, within: Collection[str] | None, managers: bool = True,
              stop_at: int | None = None) -> None:
        """The people ``depth`` hops around ``start``, ring by ring, each ring strongest tie first (and
        with ``managers``, each with their managers: trees read better than loose boxes)."""
        ties = self.ties()
        power = self.power()
        frontier = list(start)
        for _ in range(depth):
            best: dict[str, float] = {}
            for c in frontier:
                for other, w in ties[c].items():
                    if other not in self.added and (within is None or other in within):
                        best[other] = max(best.get(other, 0.0), w)
            ring = sorted(best, key=lambda c: (-best[c], power.get(c, len(power)), c))
            for c in ring:
                if managers:
                    self.add_with_managers(c, within)
                else:
                    self.add(c)
            frontier = ring
            if not frontier or (stop_at is not None and len(self.out) >= stop_at):
                break


# ---------------------------------------------------------------------------------------- restriction


def restrict(model: MapModel, people: Collection[str], *, lines: list[Line] | None = None,
             team: Collection[str] | None = None, competitors: Collection[str] | None = None) -> MapModel:
    """The model drawing only ``people`` (contacts; copies, so notes can be set per page), the given team
    members and competitors (default: all), and the lines between what it draws (default: all of them)."""
    contacts = {c: dataclasses.replace(model.contacts[c]) for c in people if c in model.contacts}
    team_kept = {t: p for t, p in model.team.items() if team is None or t in team}
    rivals = {k: p for k, p in model.competitors.items() if competitors is None or k in competitors}
    drawn = contacts.keys() | team_kept.keys() | rivals.keys()
    if lines is None:
        lines = [ln for ln in model.lines if ln.source in drawn and ln.target in drawn]
    manager = {c: b for c in contacts if (b := model.manager.get(c)) is not None and b in contacts}
    return dataclasses.replace(model, contacts=contacts, team=team_kept, competitors=rivals, manager=manager,
                               lines=lines, notices=list(model.notices))


def line_priority(line: Line, model: MapModel) -> tuple[bool, bool, int, float]:
    """Lines an image keeps first: not faded, touching the decision chain, our coverage and the
    competitors' support (few, and what a rep acts on) before informal influence before the rest,
    stronger first."""
    chain = any(p is not None and p.in_chain for p in (model.contacts.get(line.source),
                                                        model.contacts.get(line.target)))
    rank = {"COVERS": 0, "MIRRORS": 0, "FAVORS": 0, "INFLUENCES": 1, "PROMOTED_BY": 1, "RIVAL": 2, "ALLY": 2,
            "REPORTS_TO_SECONDARY": 3}.get(line.type, 4)
    return (line.faded, not chain, rank, -line.weight)


def focused(model: MapModel, focus: Focus, budget: int = IMAGE_BUDGET, *, pdf_hint: str = "hint.pdf") -> MapModel:
    """The model as one image draws it: the first ``budget`` people of the view, the lines between
    them (at most ``LINE_BUDGET``), the side columns (at most ``SIDE_BUDGET`` each), and notices saying
    what was left out and how to ask for it (``pdf_hint``: the label of the last way, the PDF), or, drawn
    for a meeting (``rendering.draw.PageStyle.meeting``), how many are not drawn and that the PDF has them."""
    focus = validate(model, focus)
    return drawn_part(model, view_of(model, focus, budget), budget, pdf_hint=pdf_hint)


@dataclass(frozen=True)
class Shown:
    """What an image of a view shows, for a front end that draws the map itself: the view, the people
    drawn (most important first), the lines between them and the image's notices."""

    view: str                  # all | chain | overview | department | around
    title: str                 # what the view is called ("" for everyone)
    contacts: int              # the account's contacts
    in_view: int               # the people the view holds
    budget: int                # the most people an image draws
    people: list[str]          # those drawn: the first ``budget`` of the view
    lines: list[Line]          # the lines drawn (at most ``LINE_BUDGET``, reporting lines aside)
    notices: list[str]         # what was left out and how to ask for it (empty when nothing was)


def shown(model: MapModel, focus: Focus, budget: int = IMAGE_BUDGET) -> Shown:
    """Whom and which lines an image of ``focus`` draws, and what it says it left out (``focused`` without
    the drawing)."""
    focus = validate(model, focus)
    view = view_of(model, focus, budget)
    out = drawn_part(model, view, budget)
    return Shown(view.kind, view.title, len(model.contacts), len(view.order), budget, list(out.contacts),
                 out.lines, out.notices)


def drawn_part(model: MapModel, view: View, budget: int, *, pdf_hint: str = "hint.pdf") -> MapModel:
    """The part of ``view`` one image draws (see :func:`focused`)."""
    drawn = view.order[:budget]
    kept = set(drawn)
    lang = model.lang
    side = kept | model.team.keys() | model.competitors.keys()
    candidates = [ln for ln in model.lines if ln.source in side and ln.target in side
                  and (ln.source in kept or ln.target in kept)]
    candidates.sort(key=lambda ln: line_priority(ln, model))
    lines = candidates[:LINE_BUDGET]
    team = _side(model.team, lines, {o for g in model.gaps for o in g.owners})
    rivals = _side(model.competitors, lines)
    lines = [ln for ln in lines if (ln.source in kept or ln.source in team) and
             (ln.target in kept or ln.target in rivals)]
    out = restrict(model, drawn, lines=lines, team=team, competitors=rivals)
    out.view = view.title
    notices: list[str] = []
    left = len(view.order) - len(drawn)
    outside = len(model.contacts) - len(view.order)
    meeting = style_in_effect().meeting        # a meeting's slide: what is left out in its words, no queries
    if (left or outside) and meeting:
        notices.append(word("notice.people_meeting", lang, shown=f"{len(drawn):,}", total=f"{len(model.contacts):,}",
                            left=f"{len(model.contacts) - len(drawn):,}"))
    elif left or outside:
        notices.append(word("notice.people", lang, shown=f"{len(drawn):,}", total=f"{len(model.contacts):,}",
                            hint=_hint(model, view, kept, pdf_hint)))
    if len(candidates) > len(lines):
        notices.append(word("notice.lines_meeting" if meeting else "notice.lines", lang,
                            n=f"{len(candidates) - len(lines):,}"))
    for kind, everyone, shown in (("team", model.team, team), ("competitors", model.competitors, rivals)):
        if len(everyone) > len(shown):
            notices.append(word(f"notice.{kind}", lang, n=f"{len(everyone) - len(shown):,}"))
    if not model.contacts:
        notices.append(_no_people(model, meeting))
    out.notices = notices
    for c, p in out.contacts.items():
        boss = model.manager.get(c)
        if boss is not None and boss not in kept:
            p.note = word("note.manager_not_shown", lang, name=model.contacts[boss].name)
    return out


def _no_people(model: MapModel, meeting: bool = False) -> str:
    """What a map with nobody on it says: a group's people are on its subsidiaries' maps (named, with
    how to ask for each unless a ``meeting`` reads it), else that nobody was added yet."""
    lang = model.lang
    if not model.subsidiaries:
        return word("notice.no_people_yet", lang)
    named = [name if meeting else word("notice.subsidiary", lang, name=name, id=urllib.parse.quote(id, safe=""))
             for id, name in model.subsidiaries[:SUBSIDIARIES_NAMED]]
    if len(model.subsidiaries) > SUBSIDIARIES_NAMED:
        named.append(word("notice.subsidiaries_more", lang, n=f"{len(model.subsidiaries) - SUBSIDIARIES_NAMED:,}"))
    return word("notice.no_people", lang, subsidiaries=("；" if lang == "zh-CN" else "; ").join(named))


def _side(people: dict[str, Person], lines: list[Line], named: Collection[str] = ()) -> set[str]:
    """A side column's members: everyone if they fit, else those with the most lines drawn, then those
    the gap list names (the counterpart to appoint), then the most senior."""
    if len(people) <= SIDE_BUDGET:
        return set(people)
    counts = Counter(ln.source for ln in lines) + Counter(ln.target for ln in lines)
    ranks = {level: i for i, level in enumerate(DEFAULT_OPTIONS.level_order)}  # the model's seniority
    ranked = sorted(people, key=lambda p: (-counts[p], p not in named, ranks.get(people[p].level, len(ranks)),
                                           people[p].name, p))
    return set(ranked[:SIDE_BUDGET])


def query_value(value: str) -> str:
    """A value as it can stand in a hint's query string: what would end or change the value (``&``,
    ``=``, ``#``, ``+``, ``%``, spaces, controls) percent-encoded; other characters, Chinese included,
    kept readable (a client encodes them as UTF-8, as it sends any non-ASCII URL).

    >>> query_value("R&D"), query_value("研发 中心（一）"), query_value("ops (east)")
    ('R%26D', '研发%20中心（一）', 'ops%20(east)')
    """
    return "".join(ch if ord(ch) >= 128 and ch.isprintable() else urllib.parse.quote(ch, safe="-._~()!*',:/@$")
                   for ch in value)


def _hint(model: MapModel, view: View, kept: set[str], pdf_hint: str = "hint.pdf") -> str:
    """How to ask for the people left out: the largest department among them, one of them to centre
    on, or the PDF of everyone (``pdf_hint``: its label); values percent-encoded where they must be."""
    lang = model.lang
    left = [c for c in model.contacts if c not in kept]
    departments = Counter(model.contacts[c].department for c in left if model.contacts[c].department)
    options: list[str] = []
    if view.kind != "department" and departments:
        name, n = departments.most_common(1)[0]
        options.append(word("hint.department", lang, name=query_value(name), n=f"{n:,}"))
    rest = [c for c in view.order if c not in kept] or left
    if rest:
        options.append(f"scope=around&around={query_value(rest[0])}&depth=1")
    options.append(word(pdf_hint, lang))
    return word("hint.join", lang).join(options)
