"""One pass over an account graph: the plain structures every analytic works on.

``AccountMap.build(g, options)`` reads the projection's ``MultiDiGraph`` once (nodes, then edges) and
never writes to it. Everything else in ``scoring`` works on the result, so each public function is
linear in the size of the map, with no per-node queries.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from scoring.options import ScoringOptions


class NotFound(LookupError):
    """An id the analytics were asked about is not in the account's graph (the HTTP layer: 404)."""


def unit(value: Any, default: float) -> float:
    """A weight in [0, 1]; a missing or non-numeric value gets ``default``.

    >>> unit(None, 0.5), unit(1.7, 0.5), unit(-1, 0.5), unit("x", 0.2)
    (0.5, 1.0, 0.0, 0.2)
    """
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
class AccountMap:
    account_id: Any
    account: dict[str, Any]
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)   # every contact, left included
    active: dict[str, dict[str, Any]] = field(default_factory=dict)     # active contacts only
    team: dict[str, dict[str, Any]] = field(default_factory=dict)
    competitors: dict[str, dict[str, Any]] = field(default_factory=dict)
    opportunities: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Combined influence edges among active contacts and from team members:
    # links[u][v] = [combined weight 1 − Π(1 − wᵢ), strongest wᵢ, kind of the strongest].
    links: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    # Combined rival ties, both directions, active contacts only: rivals[u][v] = 1 − Π(1 − wᵢ).
    rivals: dict[str, dict[str, float]] = field(default_factory=dict)
    covers: dict[str, list[Cover]] = field(default_factory=dict)         # contact → our coverage
    mirrors: dict[str, list[str]] = field(default_factory=dict)          # contact → our counterparts
    members: dict[str, list[Member]] = field(default_factory=dict)       # opportunity → chain
    memberships: dict[str, list[tuple[str, Member]]] = field(default_factory=dict)  # contact → (opp, m)
    favors: dict[str, dict[str, float]] = field(default_factory=dict)    # competitor → contact → strength
    interests: dict[str, list[Interest]] = field(default_factory=dict)   # contact → interests
    bosses: dict[str, list[str]] = field(default_factory=dict)           # contact → REPORTS_TO targets
    _propagation: Propagation | None = None
    _paths: dict[str, list[tuple[str, float]]] | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, g: nx.MultiDiGraph, options: ScoringOptions) -> AccountMap:
        amap = cls(account_id=g.graph.get("account_id"), account=dict(g.graph.get("account") or {}))
        kinds: dict[str, str] = {}
        for node, data in g.nodes(data=True):
            kind = data.get("kind")
            kinds[node] = kind
            if kind == "contact":
                amap.contacts[node] = data
                if data.get("status", "active") != "left":
                    amap.active[node] = data
            elif kind == "team_member":
                amap.team[node] = data
            elif kind == "competitor":
                amap.competitors[node] = data
            elif kind == "opportunity":
                amap.opportunities[node] = data
        active, team, o = amap.active, amap.team, options
        links, rivals = amap.links, amap.rivals

        def link(u: str, v: str, w: float, kind: str) -> None:
            if w <= 0.0 or u == v:
                return
            row = links.setdefault(u, {})
            entry = row.get(v)
            if entry is None:
                row[v] = [w, w, kind]     # a single edge keeps its weight exactly
            else:
                entry[0] = 1.0 - (1.0 - entry[0]) * (1.0 - w)
                if w > entry[1]:
                    entry[1], entry[2] = w, kind

        def rival(u: str, v: str, w: float) -> None:
            if w <= 0.0 or u == v:
                return
            row = rivals.setdefault(u, {})
            row[v] = 1.0 - (1.0 - row.get(v, 0.0)) * (1.0 - w)

        for u, v, data in g.edges(data=True):
            etype = data.get("type")
            if etype == "MEMBER_OF":
                if u in amap.contacts:
                    member = Member(
                        contact_id=u, role=str(data.get("role") or ""),
                        stance=str(data.get("stance") or "unknown"),
                        influence=_rating(data.get("influence"), o.default_influence),
                        closeness=merged_closeness(amap.contacts[u].get("closeness"),
                                                   data.get("closeness")),
                        note=data.get("note"))
                    chain = amap.members.setdefault(v, [])
                    if all(m.contact_id != u for m in chain):
                        chain.append(member)
                        amap.memberships.setdefault(u, []).append((v, member))
                continue
            if etype == "HAS_INTEREST":
                if u in amap.contacts:
                    amap.interests.setdefault(u, []).append(Interest(
                        target_id=v, kind=str(data.get("kind") or "other"),
                        threat=unit(data.get("threat"), o.default_threat), note=data.get("note")))
                continue
            if etype == "FAVORS":
                if u in active:
                    strength = unit(data.get("strength"), o.default_strength)
                    row = amap.favors.setdefault(v, {})
                    row[u] = max(row.get(u, 0.0), strength)
                continue
            if etype == "COVERS":
                if u in team and v in active:
                    closeness = unit(data.get("closeness"), o.default_cover_closeness)
                    amap.covers.setdefault(v, []).append(Cover(u, closeness, data.get("last_contact_at")))
                    link(u, v, closeness, "COVERS")
                continue
            if etype == "MIRRORS":
                if u in team and v in active:
                    amap.mirrors.setdefault(v, []).append(u)
                    link(u, v, o.mirrors_weight, "MIRRORS")
                continue
            if etype == "REPORTS_TO" and u in amap.contacts and v in amap.contacts:
                amap.bosses.setdefault(u, []).append(v)
            if u not in active or v not in active:
                continue
            if etype == "INFLUENCES":
                link(u, v, unit(data.get("strength"), o.default_strength), "INFLUENCES")
            elif etype == "REPORTS_TO":
                link(v, u, o.reports_down, "REPORTS_TO")
                link(u, v, o.reports_up, "REPORTS_TO")
            elif etype == "PROMOTED_BY":
                link(v, u, o.promoted_down, "PROMOTED_BY")
                link(u, v, o.promoted_up, "PROMOTED_BY")
            elif etype == "ALLY":
                strength = unit(data.get("strength"), o.default_strength)
                link(u, v, strength, "ALLY")
                link(v, u, strength, "ALLY")
            elif etype == "RIVAL":
                strength = unit(data.get("strength"), o.default_strength)
                rival(u, v, strength)
                rival(v, u, strength)
        del kinds
        return amap

    # ------------------------------------------------------------------ derived structures
    def weight(self, u: str, v: str) -> float:
        """The combined influence weight u→v (0 when there is none)."""
        entry = self.links.get(u, {}).get(v)
        return 0.0 if entry is None else float(entry[0])

    def propagation(self) -> Propagation:
        if self._propagation is None:
            positive = ((u, v, e[0]) for u, row in self.links.items() if u in self.active
                        for v, e in row.items())
            negative = ((u, v, w) for u, row in self.rivals.items() for v, w in row.items())
            self._propagation = Propagation.from_edges(positive, negative)
        return self._propagation

    def path_costs(self) -> dict[str, list[tuple[str, float]]]:
        """Out-adjacency with −log(weight) costs, for strongest-path searches."""
        if self._paths is None:
            self._paths = {u: [(v, -math.log(e[0])) for v, e in row.items()]
                           for u, row in self.links.items()}
        return self._paths

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
        covers = self.covers.get(contact_id)
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
        return self.opportunities[opportunity_id]


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
@dataclass
class Propagation:
    """The linear propagation operator over contacts, kept as sparse lists.

    One round maps a stance vector s to M·s with
    (M·s)_v = (1 − α)·s_v + α·Σ_u (±w_uv / Σ|w|)·s_u for a person with influencers, and s_v otherwise
    (rivals count with a minus sign). ``forward`` applies M^rounds; ``backward`` applies its transpose,
    so that cᵀ·M^r·s = (backwardᵀ(c))·s for any weights c — one backward pass prices every person.
    """

    inward: dict[str, list[tuple[str, float]]]   # v → [(u, ±w_uv / D_v)]
    outward: dict[str, list[tuple[str, float]]]  # u → [(v, ±w_uv / D_v)]

    @classmethod
    def from_edges(cls, positive: Iterable[tuple[str, str, float]],
                   negative: Iterable[tuple[str, str, float]]) -> Propagation:
        raw: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for u, v, w in positive:
            raw[v].append((u, w))
        for u, v, w in negative:
            raw[v].append((u, -w))
        inward: dict[str, list[tuple[str, float]]] = {}
        outward: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for v, pairs in raw.items():
            total = sum(abs(w) for _, w in pairs)
            if total <= 0.0:
                continue
            row = [(u, w / total) for u, w in pairs]
            inward[v] = row
            for u, wn in row:
                outward[u].append((v, wn))
        return cls(inward=inward, outward=dict(outward))

    def forward(self, stances: Mapping[str, float], alpha: float, rounds: int) -> dict[str, float]:
        """Propagated stances (sparse: people with no stance and no influence on them are left out)."""
        current = {k: v for k, v in stances.items() if v}
        for _ in range(rounds):
            nxt: dict[str, float] = defaultdict(float)
            inward, outward = self.inward, self.outward
            for u, value in current.items():
                nxt[u] += (1.0 - alpha) * value if u in inward else value
                for v, wn in outward.get(u, ()):
                    nxt[v] += alpha * wn * value
            current = nxt
        return dict(current)

    def backward(self, weights: Mapping[str, float], alpha: float, rounds: int) -> dict[str, float]:
        """(Mᵀ)^rounds · weights: how much a unit of stance at each person moves Σ weights·s̃."""
        current = {k: v for k, v in weights.items() if v}
        for _ in range(rounds):
            nxt: dict[str, float] = defaultdict(float)
            inward = self.inward
            for v, value in current.items():
                row = inward.get(v)
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
    """Multi-source strongest paths: cost = −log(strength), kept updatable as new sources are won.

    Dijkstra with lazy deletion and a heap that survives between calls: a search stopped early (once
    its targets are settled) or extended with new sources later (plan mode) stays exact, and adding a
    source only costs the region whose strongest path it improves.
    """

    costs: dict[str, list[tuple[str, float]]]
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

    def run(self, targets: Iterable[str] | None = None) -> None:
        """Relax until every target is settled (all nodes when ``targets`` is None)."""
        remaining: set[str] | None = None
        if targets is not None:
            # Targets settled in an earlier run keep their labels.
            remaining = {t for t in targets if not self._settled(t)}
            if not remaining:
                return
        dist, pred, costs, heap = self.dist, self.pred, self.costs, self.heap
        seq = self._seq
        while heap:
            d, _, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            for v, c in costs.get(u, ()):
                nd = d + c
                if nd < dist.get(v, math.inf) - 1e-15:
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
