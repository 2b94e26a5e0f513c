"""The account graph as the analytics see it: a lazy, read-only view with the model's rules applied.

``AccountMap.build(g, options)`` wraps the projection's ``MultiDiGraph`` and never writes to it. Each
node's edges are read from its own adjacency the first time they are needed and cached, so the
decision chain, the gains and the reach only touch the neighbourhood they need, and the global
analytics touch each edge a bounded number of times: everything is linear (or E log V) in the size of
the map, with no queries to anything but the in-memory graph.

Conventions (DESIGN.md, "the default model"):

* Only **active** contacts and team members take part in the influence graph; a contact whose status is
  ``left`` carries no path and no influence.
* Influence edges and their weights in (0, 1]: INFLUENCES (strength), REPORTS_TO (boss→report 0.7,
  report→boss 0.3), PROMOTED_BY (patron→protégé 0.8, protégé→patron 0.4), ALLY (both ways, strength),
  COVERS (team member→contact, closeness), MIRRORS (team member→contact, 0.6). Parallel edges combine
  as 1 − Π(1 − wᵢ); each combined edge remembers its strongest underlying kind.
* RIVAL ties (both ways) never carry a path; in propagation they push the other way.
* Propagation runs over contacts only: our team members have no stance of their own.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from scoring.options import ScoringOptions


class NotFound(LookupError):
    """An id the analytics were asked about is not in the account's graph (the HTTP layer: 404)."""


def unit(value: Any, default: float) -> float:
    """A weight in [0, 1]; a missing or non-numeric value gets ``default``.

    >>> unit(None, 0.5), unit(1.7, 0.5), unit(-1, 0.5), unit("x", 0.2), unit(0.25, 0.5)
    (0.5, 1.0, 0.0, 0.2, 0.25)
    """
    if type(value) is float and 0.0 <= value <= 1.0:
        return value
    if value is None or isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    if math.isnan(number):
        return default
    return min(1.0, max(0.0, number))


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


@dataclass
class Member:
    """A contact's place in one opportunity's decision chain (its MEMBER_OF edge)."""

    contact_id: str
    role: str
    stance: str
    influence: float
    closeness: dict[str, float | None]
    note: str | None = None


@dataclass
class Interest:
    target_id: str
    kind: str
    threat: float
    note: str | None = None


@dataclass
class Cover:
    team_member_id: str
    closeness: float
    last_contact_at: str | None


@dataclass
class Local:
    """What one node's own edges say (both directions), computed on first use and cached.

    ``out``/``inn``: combined influence links to/from active contacts (and, into a contact, from our team
    members), as ``{other: [weight 1 − Π(1 − wᵢ), strongest wᵢ, its kind]}``; ``rivals``: combined rival
    strength with each other active contact.
    """

    out: dict[str, list[Any]] = field(default_factory=dict)
    inn: dict[str, list[Any]] = field(default_factory=dict)
    rivals: dict[str, float] = field(default_factory=dict)
    favors: dict[str, float] = field(default_factory=dict)       # competitor → strength
    interests: list[Interest] = field(default_factory=list)
    covers: list[Cover] = field(default_factory=list)
    mirrors: list[str] = field(default_factory=list)
    bosses: list[str] = field(default_factory=list)


def _combine(table: dict[str, list[Any]], other: str, w: float, kind: Any) -> None:
    if w <= 0.0:
        return
    entry = table.get(other)
    if entry is None:
        table[other] = [w, w, kind]       # a single edge keeps its weight exactly
    else:
        entry[0] = 1.0 - (1.0 - entry[0]) * (1.0 - w)
        if w > entry[1]:
            entry[1], entry[2] = w, kind


class _Lazy(Mapping[str, Any]):
    """A read-only mapping whose values are computed per key on first use (``None`` means absent);
    iterating walks ``keys()``. ``contains`` answers membership without computing the value."""

    def __init__(self, compute: Callable[[str], Any], keys: Callable[[], Iterable[str]],
                 contains: Callable[[Any], bool]) -> None:
        self._compute, self._keys, self._contains = compute, keys, contains
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            pass
        value = self._compute(key) if self._contains(key) else None
        if value is None:
            raise KeyError(key)
        self._cache[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._keys() if self._contains(k))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return self._contains(key)


class AccountMap:
    """A lazy, read-only view of the projection graph with the model's rules applied.

    Every question is answered from the nodes' own adjacency, on first use, and cached: the decision
    chain, the gains and the reach only touch the neighbourhood they need, and the global analytics
    (informal power, the whole influence graph) read each edge a bounded number of times. The input
    graph is never written to.

    Mappings by id: ``contacts`` (left ones included), ``active``, ``team``, ``competitors``,
    ``opportunities`` (node data); ``links`` (combined out-links of an active contact or team member),
    ``covers``, ``mirrors`` (of an active contact), ``interests``, ``bosses`` (of any contact),
    ``members`` (decision chain of an opportunity).
    """

    def __init__(self, g: nx.MultiDiGraph, options: ScoringOptions) -> None:
        self.g, self.o = g, options
        self.account_id = g.graph.get("account_id")
        self.account: dict[str, Any] = dict(g.graph.get("account") or {})
        # The graph's own adjacency dicts, read only: NetworkX's views cost a call per access.
        self._node: dict[str, dict[str, Any]] = g._node
        self._succ: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._succ
        self._pred: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._pred
        self._kinds: dict[str, list[str]] | None = None
        self._locals: dict[str, Local] = {}
        self._roles: dict[str, str] = {}
        self._costs: dict[str, list[tuple[str, float]]] = {}
        self._propagation: Propagation | None = None

        def data(n: str) -> dict[str, Any]:
            return self._node[n]

        def is_(*roles: str) -> Callable[[Any], bool]:
            return lambda n: self.role(n) in roles

        def ids(*kinds: str) -> Callable[[], list[str]]:
            return lambda: [n for k in kinds for n in self.kind_ids(k)]

        def of_kind(kind: str) -> Callable[[Any], bool]:
            def test(n: Any) -> bool:
                try:
                    d = self._node.get(n)
                except TypeError:
                    return False
                return d is not None and d.get("kind") == kind
            return test

        self.contacts = _Lazy(data, ids("contact"), is_("a", "l"))
        self.active = _Lazy(data, ids("contact"), is_("a"))
        self.team = _Lazy(data, ids("team_member"), is_("t"))
        self.competitors = _Lazy(data, ids("competitor"), of_kind("competitor"))
        self.opportunities = _Lazy(data, ids("opportunity"), of_kind("opportunity"))
        self.links = _Lazy(lambda n: self.local(n).out, ids("contact", "team_member"), is_("a", "t"))
        self.covers = _Lazy(lambda n: self.local(n).covers, ids("contact"), is_("a"))
        self.mirrors = _Lazy(lambda n: self.local(n).mirrors, ids("contact"), is_("a"))
        self.interests = _Lazy(self.interests_of, ids("contact"), is_("a", "l"))
        self.bosses = _Lazy(self.bosses_of, ids("contact"), is_("a", "l"))
        self.members = _Lazy(self._members, ids("opportunity"), of_kind("opportunity"))

    @classmethod
    def build(cls, g: nx.MultiDiGraph, options: ScoringOptions) -> AccountMap:
        return cls(g, options)

    # ------------------------------------------------------------------ node scans (global questions)
    def kind_ids(self, kind: str) -> list[str]:
        """Ids of every node of a kind, in graph order (one scan of the nodes, shared by all kinds)."""
        if self._kinds is None:
            kinds: dict[str, list[str]] = defaultdict(list)
            roles = self._roles
            for n, d in self._node.items():
                k = str(d.get("kind"))
                kinds[k].append(n)
                if k == "contact":
                    roles[n] = "l" if d.get("status", "active") == "left" else "a"
                else:
                    roles[n] = "t" if k == "team_member" else ""
            self._kinds = dict(kinds)
        return self._kinds.get(kind, [])

    def carry(self, etype: Any, d: Mapping[str, Any]) -> tuple[float, float]:
        """The influence an edge u→v of this type carries: (weight u→v, weight v→u), 0 for none.

        The one place the model's edge rules live (DESIGN.md): INFLUENCES its strength one way;
        REPORTS_TO report→boss 0.3 and boss→report 0.7; PROMOTED_BY protégé→patron 0.4 and
        patron→protégé 0.8; ALLY its strength both ways. RIVAL carries nothing here (see ``rivals``).
        """
        o = self.o
        if etype == "INFLUENCES" or etype == "ALLY":
            s = d.get("strength")
            w = o.default_strength if s is None else unit(s, o.default_strength)
            return (w, w) if etype == "ALLY" else (w, 0.0)
        if etype == "REPORTS_TO":
            return o.reports_up, o.reports_down
        if etype == "PROMOTED_BY":
            return o.promoted_up, o.promoted_down
        return 0.0, 0.0

    def rival_strength(self, d: Mapping[str, Any]) -> float:
        return unit(d.get("strength"), self.o.default_strength)

    def role(self, n: Any) -> str:
        """"a" active contact, "l" contact who left, "t" team member, "" anything else (cached)."""
        try:
            r = self._roles.get(n)
        except TypeError:            # not even hashable: not a node
            return ""
        if r is None:
            d = self._node.get(n)
            kind = d.get("kind") if d is not None else None
            if kind == "contact":
                r = "l" if d.get("status", "active") == "left" else "a"  # type: ignore[union-attr]
            else:
                r = "t" if kind == "team_member" else ""
            self._roles[n] = r
        return r

    # ------------------------------------------------------------------ one node's edges
    def local(self, n: str) -> Local:
        cached = self._locals.get(n)
        if cached is not None:
            return cached
        o, node, role = self.o, self._node, self.role
        loc = Local()
        data = node[n]
        kind = data.get("kind")
        if kind == "team_member":
            for x, keyed in self._succ[n].items():
                if role(x) != "a":
                    continue
                for d in keyed.values():
                    t = d.get("type")
                    if t == "COVERS":
                        _combine(loc.out, x, unit(d.get("closeness"), o.default_cover_closeness), "COVERS")
                    elif t == "MIRRORS":
                        _combine(loc.out, x, o.mirrors_weight, "MIRRORS")
            self._locals[n] = loc
            return loc
        me_active = role(n) == "a"
        out, inn, default, carry = loc.out, loc.inn, o.default_strength, self.carry
        for x, keyed in self._succ[n].items():
            x_active = me_active and x != n and role(x) == "a"
            for d in keyed.values():
                t = d.get("type")
                if t == "HAS_INTEREST":
                    loc.interests.append(Interest(x, str(d.get("kind") or "other"),
                                                  unit(d.get("threat"), o.default_threat), d.get("note")))
                elif t == "FAVORS":
                    if me_active:
                        loc.favors[x] = max(loc.favors.get(x, 0.0), unit(d.get("strength"), default))
                elif t == "REPORTS_TO" and role(x) in ("a", "l"):
                    loc.bosses.append(x)
                if not x_active:
                    continue
                if t == "RIVAL":
                    w = self.rival_strength(d)
                    if w > 0.0:
                        loc.rivals[x] = 1.0 - (1.0 - loc.rivals.get(x, 0.0)) * (1.0 - w)
                    continue
                forward, backward = carry(t, d)
                if forward > 0.0:
                    _combine(out, x, forward, t)
                if backward > 0.0:
                    _combine(inn, x, backward, t)
        if me_active:
            for x, keyed in self._pred[n].items():
                if x == n:
                    continue
                rx = role(x)
                if rx != "a":
                    if rx == "t":
                        for d in keyed.values():
                            t = d.get("type")
                            if t == "COVERS":
                                c = unit(d.get("closeness"), o.default_cover_closeness)
                                loc.covers.append(Cover(x, c, d.get("last_contact_at")))
                                _combine(inn, x, c, "COVERS")
                            elif t == "MIRRORS":
                                loc.mirrors.append(x)
                                _combine(inn, x, o.mirrors_weight, "MIRRORS")
                    continue
                for d in keyed.values():
                    t = d.get("type")
                    if t == "RIVAL":
                        w = self.rival_strength(d)
                        if w > 0.0:
                            loc.rivals[x] = 1.0 - (1.0 - loc.rivals.get(x, 0.0)) * (1.0 - w)
                        continue
                    forward, backward = carry(t, d)      # x→n carries forward into n
                    if forward > 0.0:
                        _combine(inn, x, forward, t)
                    if backward > 0.0:
                        _combine(out, x, backward, t)
        self._locals[n] = loc
        return loc

    def all_links(self) -> tuple[dict[str, dict[str, list[Any]]], dict[str, dict[str, float]]]:
        """Every combined influence link (``links`` for all nodes) and every rival tie, in one pass over
        the edges: for the analytics that need the whole influence graph."""
        self.kind_ids("contact")
        roles, carry = self._roles, self.carry
        links: dict[str, dict[str, list[Any]]] = {}
        rivals: dict[str, dict[str, float]] = {}
        for u, nbrs in self._succ.items():
            ru = roles.get(u)
            if ru == "t":
                if self.local(u).out:
                    links[u] = self.local(u).out
                continue
            if ru != "a":
                continue
            for x, keyed in nbrs.items():
                if x == u or roles.get(x) != "a":
                    continue
                for d in keyed.values():
                    t = d.get("type")
                    if t == "RIVAL":
                        w = self.rival_strength(d)
                        if w > 0.0:
                            for a, b in ((u, x), (x, u)):
                                row = rivals.setdefault(a, {})
                                row[b] = 1.0 - (1.0 - row.get(b, 0.0)) * (1.0 - w)
                        continue
                    forward, backward = carry(t, d)
                    if forward > 0.0:
                        _combine(links.setdefault(u, {}), x, forward, t)
                    if backward > 0.0:
                        _combine(links.setdefault(x, {}), u, backward, t)
        return links, rivals

    def bosses_of(self, c: str) -> list[str]:
        """The contacts c reports to (REPORTS_TO targets, whatever their status)."""
        if c in self._locals:
            return self._locals[c].bosses
        return [x for x, keyed in self._succ[c].items()
                if self.role(x) in ("a", "l") and any(d.get("type") == "REPORTS_TO" for d in keyed.values())]

    def favors_of(self, c: str) -> dict[str, float]:
        """FAVORS strengths of one active contact, by competitor (its outgoing edges only)."""
        if c in self._locals:
            return self._locals[c].favors
        result: dict[str, float] = {}
        if self.role(c) != "a":
            return result
        for x, keyed in self._succ[c].items():
            for d in keyed.values():
                if d.get("type") == "FAVORS":
                    result[x] = max(result.get(x, 0.0), unit(d.get("strength"), self.o.default_strength))
        return result

    def interests_of(self, c: str) -> list[Interest]:
        """HAS_INTEREST edges of one contact (its outgoing edges only)."""
        if c in self._locals:
            return self._locals[c].interests
        return [Interest(x, str(d.get("kind") or "other"), unit(d.get("threat"), self.o.default_threat),
                         d.get("note"))
                for x, keyed in self._succ[c].items() for d in keyed.values() if d.get("type") == "HAS_INTEREST"]

    def _members(self, opportunity_id: str) -> list[Member] | None:
        if opportunity_id not in self.opportunities:
            return None
        chain: list[Member] = []
        seen: set[str] = set()
        o = self.o
        for c, keyed in self._pred[opportunity_id].items():
            contact = self.contacts.get(c)
            if contact is None or c in seen:
                continue
            for d in keyed.values():
                if d.get("type") != "MEMBER_OF":
                    continue
                seen.add(c)
                chain.append(Member(
                    contact_id=c, role=str(d.get("role") or ""), stance=str(d.get("stance") or "unknown"),
                    influence=_rating(d.get("influence"), o.default_influence),
                    closeness=merged_closeness(contact.get("closeness"), d.get("closeness")),
                    note=d.get("note")))
                break
        return chain

    # ------------------------------------------------------------------ derived structures
    def weight(self, u: str, v: str) -> float:
        """The combined influence weight u→v (0 when there is none)."""
        entry = self.links.get(u, {}).get(v)
        return 0.0 if entry is None else float(entry[0])

    def propagation(self) -> Propagation:
        """The propagation operator over active contacts, built lazily around the nodes it is asked about."""
        if self._propagation is None:
            role = self.role

            def inward(v: str) -> list[tuple[str, float]] | None:
                if role(v) != "a":
                    return None
                loc = self.local(v)
                pairs = [(u, e[0]) for u, e in loc.inn.items() if role(u) == "a"]
                pairs += [(u, -w) for u, w in loc.rivals.items()]
                return normalised(pairs)

            self._propagation = Propagation(inward)
        return self._propagation

    def path_costs(self) -> Callable[[str], list[tuple[str, float]]]:
        """Out-links with −log(weight) costs, for strongest-path searches, read per node on demand.

        The same links as ``links`` (parallel edges combined as 1 − Π(1 − wᵢ)), computed by a lean scan
        of the node's own edges and cached: a search may visit much of a large account, so this is the
        hot loop of the recommendations.
        """
        succ, pred, locals_, carry = self._succ, self._pred, self._locals, self.carry
        self.kind_ids("contact")                      # one node scan: every node's role is known
        roles, cache, log = self._roles, self._costs, math.log

        def costs(u: str) -> list[tuple[str, float]]:
            row = cache.get(u)
            if row is None:
                row = cache[u] = compute(u)
            return row

        def compute(u: str) -> list[tuple[str, float]]:
            r = roles.get(u, "")
            if u in locals_ or r == "t":
                return [(v, -log(e[0])) for v, e in self.local(u).out.items()]
            if r != "a":
                return []
            survive: dict[str, float] = {}
            for x, keyed in succ[u].items():
                if roles.get(x) != "a" or x == u:
                    continue
                for d in keyed.values():
                    w = carry(d.get("type"), d)[0]
                    if w > 0.0:
                        survive[x] = survive.get(x, 1.0) * (1.0 - w)
            for x, keyed in pred[u].items():
                if roles.get(x) != "a" or x == u:
                    continue
                for d in keyed.values():
                    w = carry(d.get("type"), d)[1]
                    if w > 0.0:
                        survive[x] = survive.get(x, 1.0) * (1.0 - w)
            return [(v, -log(1.0 - q)) for v, q in survive.items() if q < 1.0]

        return costs

    def stances(self, opportunity_id: str, options: ScoringOptions) -> dict[str, float]:
        """Stance toward us per active chain member, as a number (non-members count 0)."""
        values = options.stance_values
        return {m.contact_id: values.get(m.stance, 0.0) for m in self.members.get(opportunity_id, [])
                if m.contact_id in self.active}

    def chain_weights(self, opportunity_id: str, options: ScoringOptions) -> dict[str, float]:
        """Decision weight per active chain member."""
        criteria = self.opportunities.get(opportunity_id, {}).get("criteria")
        return {m.contact_id: decision_weight(m.role, m.influence, criteria, options)
                for m in self.members.get(opportunity_id, []) if m.contact_id in self.active}

    def supporters(self, opportunity_id: str, options: ScoringOptions) -> list[str]:
        return [m.contact_id for m in self.members.get(opportunity_id, [])
                if m.contact_id in self.active and m.stance in options.supportive_stances]

    def best_cover(self, contact_id: str) -> Cover | None:
        covers: list[Cover] = self.covers.get(contact_id) or []
        if not covers:
            return None
        return max(covers, key=lambda c: (c.closeness, _neg_id(c.team_member_id)))

    def name(self, node: str) -> str:
        data = self.contacts.get(node) or self.team.get(node) or self.competitors.get(node) \
            or self.opportunities.get(node) or {}
        return str(data.get("name") or node)

    def our_executive(self, options: ScoringOptions) -> str | None:
        """Our most senior team member fit to meet a client leader (role executive, or executive/VP)."""
        order = {lvl: i for i, lvl in enumerate(options.level_order)}
        fit = [(order.get(d.get("level"), len(order)), t) for t, d in self.team.items()
               if d.get("role") == "executive" or d.get("level") in options.executive_levels]
        return min(fit)[1] if fit else None

    def require_opportunity(self, opportunity_id: str) -> dict[str, Any]:
        if opportunity_id not in self.opportunities:
            raise NotFound(f"unknown opportunity {opportunity_id!r}")
        data: dict[str, Any] = self.opportunities[opportunity_id]
        return data


def _neg_id(value: str) -> tuple[int, ...]:
    """Sort key making the smaller id win a ``max`` tie (deterministic answers)."""
    return tuple(-ord(ch) for ch in value)


def _rating(value: Any, default: float) -> float:
    if value is None or isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return min(5.0, max(1.0, number))


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
    from scoring.options import resolve

    o = resolve(options)
    weight = o.role_weights.get(role, o.unknown_role_weight)
    weight *= _rating(influence, o.default_influence) / o.influence_scale
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


# ---------------------------------------------------------------------- propagation (linear)
def normalised(pairs: list[tuple[str, float]]) -> list[tuple[str, float]] | None:
    """Signed influence weights divided by their total absolute weight (None when nobody influences)."""
    total = sum(abs(w) for _, w in pairs)
    if total <= 0.0:
        return None
    return [(u, w / total) for u, w in pairs]


class Propagation:
    """The linear propagation operator over contacts.

    One round maps a stance vector s to M·s with
    (M·s)_v = (1 − α)·s_v + α·Σ_u (±w_uv / Σ|w|)·s_u for a person with influencers, and s_v otherwise
    (rivals count with a minus sign). ``forward_at`` gives (M^rounds·s) at the people asked about,
    pulling only from their ``rounds``-step upstream neighbourhood; ``backward`` applies the transpose,
    so that cᵀ·M^r·s = (backward(c))·s for any weights c — one backward pass prices every person.
    ``inward(v)`` gives v's normalised influencers; it is called at most once per person.
    """

    def __init__(self, inward: Callable[[str], list[tuple[str, float]] | None]) -> None:
        self._inward_fn = inward
        self._cache: dict[str, list[tuple[str, float]] | None] = {}

    @classmethod
    def from_edges(cls, positive: Iterable[tuple[str, str, float]],
                   negative: Iterable[tuple[str, str, float]]) -> Propagation:
        raw: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for u, v, w in positive:
            raw[v].append((u, w))
        for u, v, w in negative:
            raw[v].append((u, -w))
        table = {v: normalised(pairs) for v, pairs in raw.items()}
        return cls(table.get)

    def inward(self, v: str) -> list[tuple[str, float]] | None:
        try:
            return self._cache[v]
        except KeyError:
            row = self._cache[v] = self._inward_fn(v)
            return row

    def forward_at(self, targets: Iterable[str], stances: Mapping[str, float], alpha: float,
                   rounds: int) -> dict[str, float]:
        """Propagated stances of ``targets`` (people not in ``stances`` start at 0)."""
        need = [set(targets)]
        for _ in range(rounds):
            wider = set(need[-1])
            for v in need[-1]:
                wider.update(u for u, _ in self.inward(v) or ())
            need.append(wider)
        values = {v: stances.get(v, 0.0) for v in need[-1]}
        for r in range(rounds - 1, -1, -1):
            nxt = {}
            for v in need[r]:
                row = self.inward(v)
                if row is None:
                    nxt[v] = values[v]
                else:
                    nxt[v] = (1.0 - alpha) * values[v] + alpha * sum(wn * values[u] for u, wn in row)
            values = nxt
        return values

    def backward(self, weights: Mapping[str, float], alpha: float, rounds: int) -> dict[str, float]:
        """(Mᵀ)^rounds · weights: how much a unit of stance at each person moves Σ weights·s̃."""
        current = {k: v for k, v in weights.items() if v}
        for _ in range(rounds):
            nxt: dict[str, float] = defaultdict(float)
            for v, value in current.items():
                row = self.inward(v)
                if row is None:
                    nxt[v] += value
                    continue
                nxt[v] += (1.0 - alpha) * value
                for u, wn in row:
                    nxt[u] += alpha * wn * value
            current = nxt
        return dict(current)


# ---------------------------------------------------------------------- strongest paths (Dijkstra)
@dataclass
class Reach:
    """Multi-source strongest paths: cost = −log(strength), one Dijkstra from all sources at once.

    Lazy deletion and a heap that survives between calls: a search stopped early (once its targets are
    settled) can be resumed and stays exact. ``max_cost`` bounds the search (paths weaker than the
    cold-outreach reach are not worth following).
    """

    costs: Callable[[str], list[tuple[str, float]]]
    # Paths weaker than exp(−max_cost) are not followed (e.g. below the cold-outreach reach).
    max_cost: float = math.inf
    dist: dict[str, float] = field(default_factory=dict)
    pred: dict[str, str | None] = field(default_factory=dict)
    prefix: dict[str, list[str]] = field(default_factory=dict)   # source → ids shown before it
    heap: list[tuple[float, int, str]] = field(default_factory=list)
    _seq: int = 0

    def add_sources(self, sources: Mapping[str, list[str]]) -> None:
        """Add sources (reach 1, i.e. cost 0) with the ids to show before each (e.g. our team member)."""
        for source, before in sources.items():
            if source in self.prefix:
                continue
            self.dist[source] = 0.0
            self.pred[source] = None
            self.prefix[source] = list(before)
            heapq.heappush(self.heap, (0.0, self._seq, source))
            self._seq += 1

    def run(self, targets: Iterable[str] | None = None, on_settle: Callable[[str, float], None] | None = None,
            stop: Callable[[float], bool] | None = None) -> None:
        """Relax until every target is settled (all nodes within the bound when ``targets`` is None).

        ``on_settle(node, cost)`` hears of each node as its strongest path becomes final; ``stop(cost)``
        is asked before each step with the smallest cost still open (a lower bound on every unsettled
        node's cost) and ends the search when it answers True.
        """
        remaining: set[str] | None = None
        if targets is not None:
            # Targets settled in an earlier run keep their labels.
            remaining = {t for t in targets if not self._settled(t)}
            if not remaining:
                return
        dist, pred, costs, heap, bound = self.dist, self.pred, self.costs, self.heap, self.max_cost
        seq = self._seq
        while heap:
            if stop is not None and stop(heap[0][0]):
                break
            d, _, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            if on_settle is not None:
                on_settle(u, d)
            for v, c in costs(u):
                nd = d + c
                if nd <= bound and nd < dist.get(v, math.inf) - 1e-15:
                    dist[v] = nd
                    pred[v] = u
                    heapq.heappush(heap, (nd, seq, v))
                    seq += 1
            if remaining is not None:
                remaining.discard(u)
                if not remaining:
                    break
        self._seq = seq

    def _settled(self, node: str) -> bool:
        d = self.dist.get(node)
        return d is not None and (not self.heap or self.heap[0][0] > d)

    def strength(self, node: str) -> float:
        d = self.dist.get(node)
        return 0.0 if d is None else math.exp(-d)

    def path(self, node: str) -> list[str]:
        """The ids from the shown prefix (e.g. our covering team member) through the source to node."""
        if node not in self.dist:
            return []
        nodes = [node]
        while (p := self.pred.get(nodes[-1])) is not None:
            nodes.append(p)
        nodes.reverse()
        return self.prefix.get(nodes[0], []) + nodes
