"""The account graph as the analytics see it: a lazy, read-only view with the model's rules applied.

``AccountMap.build(g, options)`` wraps the projection's ``MultiDiGraph`` and never writes to it. Each
node's edges are read from its own adjacency the first time they are needed and cached, so the
decision chain, the gains and the reach only touch the neighbourhood they need, and the global
analytics touch each edge a bounded number of times: everything is linear (or E log V) in the size of
the map, with no queries to anything but the in-memory graph.

Reuse across calls: for a graph frozen with ``nx.freeze`` (a promise that it will not change) the map
and everything derived from it — each node's links, propagation rows, path costs, chain analyses,
gains — is kept per graph object and options and shared by later calls, from any thread (see
``AccountMap.build``). The cache is a ``WeakKeyDictionary`` outside the graph: nothing is written to the
graph, a map lives as long as its graph, and a graph that is not frozen gets a fresh map per call.

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
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx

from scoring.options import ScoringOptions

T = TypeVar("T")


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
    """A read-only mapping over a fixed list of ids (``keys``, in graph order) whose values are computed
    per key on first use and cached (``None`` means absent). Membership never computes a value: a key
    belongs when ``kinds`` maps it to one of ``allowed`` (node roles, or node kinds)."""

    def __init__(self, compute: Callable[[str], Any], keys: list[str], kinds: Mapping[Any, str],
                 allowed: frozenset[str]) -> None:
        self._compute, self._keys, self._kinds, self._allowed = compute, keys, kinds, allowed
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except (KeyError, TypeError):
            pass
        value = self._compute(key) if key in self else None
        if value is None:
            raise KeyError(key)
        self._cache[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        try:
            return self._kinds.get(key) in self._allowed
        except TypeError:            # not even hashable: not a node
            return False


# The maps of frozen graphs, per graph object and options (see ``AccountMap.build``).
_MAPS: weakref.WeakKeyDictionary[Any, dict[ScoringOptions, AccountMap]] = weakref.WeakKeyDictionary()
_MAPS_LOCK = threading.Lock()


class AccountMap:
    """A lazy, read-only view of the projection graph with the model's rules applied.

    Every question is answered from the nodes' own adjacency, on first use, and cached: the decision
    chain, the gains and the reach only touch the neighbourhood they need, and the global analytics
    (informal power, the whole influence graph) read each edge a bounded number of times. The input
    graph is never written to, and the map keeps no reference to the graph object itself (only to its
    node and adjacency dicts), so a cache of maps keyed on the graph lets the graph be collected.

    Mappings by id: ``contacts`` (left ones included), ``active``, ``team``, ``competitors``,
    ``opportunities`` (node data); ``links`` (combined out-links of an active contact or team member),
    ``covers``, ``mirrors`` (of an active contact), ``interests``, ``bosses`` (of any contact),
    ``members`` (decision chain of an opportunity).

    A map may be shared by concurrent requests (see ``build``): every cache below is filled by storing
    a finished value under its key, and nothing stored is changed afterwards.
    """

    def __init__(self, g: nx.MultiDiGraph, options: ScoringOptions) -> None:
        self.o = options
        self.account_id = g.graph.get("account_id")
        self.account: dict[str, Any] = dict(g.graph.get("account") or {})
        # The graph's own adjacency dicts, read only: NetworkX's views cost a call per access.
        self._node: dict[str, dict[str, Any]] = g._node
        self._succ: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._succ
        self._pred: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._pred
        self._locals: dict[str, Local] = {}
        self._costs: dict[str, list[tuple[str, float]]] = {}
        self._in_costs: dict[str, list[tuple[str, float]]] = {}
        self._propagation: Propagation | None = None
        self._memo: dict[Any, Any] = {}

        # One scan of the nodes: every node's role and the ids of each kind, in graph order.
        roles: dict[Any, str] = {}
        contact_ids: list[str] = []
        active: list[str] = []
        team_ids: list[str] = []
        others: dict[str, list[str]] = {}
        for n, d in self._node.items():
            k = d.get("kind")
            if k == "contact":
                contact_ids.append(n)
                if d.get("status", "active") == "left":
                    roles[n] = "l"
                else:
                    roles[n] = "a"
                    active.append(n)
            elif k == "team_member":
                team_ids.append(n)
                roles[n] = "t"
            else:
                roles[n] = ""
                others.setdefault(str(k), []).append(n)
        self._kinds: dict[str, list[str]] = {"contact": contact_ids, "team_member": team_ids, **others}
        self._roles = roles
        competitor_ids, opportunity_ids = self.kind_ids("competitor"), self.kind_ids("opportunity")
        kind_of = {n: "competitor" for n in competitor_ids}
        kind_of.update((n, "opportunity") for n in opportunity_ids)
        data = self._node.__getitem__
        a, al, at = frozenset("a"), frozenset("al"), frozenset("at")

        self.contacts = _Lazy(data, contact_ids, roles, al)
        self.active = _Lazy(data, active, roles, a)
        self.team = _Lazy(data, team_ids, roles, frozenset("t"))
        self.competitors = _Lazy(data, competitor_ids, kind_of, frozenset({"competitor"}))
        self.opportunities = _Lazy(data, opportunity_ids, kind_of, frozenset({"opportunity"}))
        self.links = _Lazy(lambda n: self.local(n).out, [n for n in contact_ids + team_ids if roles[n] != "l"],
                           roles, at)
        self.covers = _Lazy(self.covers_of, active, roles, a)
        self.mirrors = _Lazy(self.mirrors_of, active, roles, a)
        self.interests = _Lazy(self.interests_of, contact_ids, roles, al)
        self.bosses = _Lazy(self.bosses_of, contact_ids, roles, al)
        self.members = _Lazy(self._members, opportunity_ids, kind_of, frozenset({"opportunity"}))

    @classmethod
    def build(cls, g: nx.MultiDiGraph, options: ScoringOptions) -> AccountMap:
        """The map of ``g`` under ``options``.

        For a **frozen** graph (``nx.freeze(g)``: the caller promises it will not change) the map is
        built once per graph object and options and reused by every later call, across threads: what
        one request reads and derives (each node's links, propagation rows, path costs, decision-chain
        analyses) is there for the next. The HTTP layer keeps one projected graph per unchanged account,
        so freezing it there makes repeated requests skip that work. Maps live in a
        ``WeakKeyDictionary`` keyed on the graph object, never in the graph: they go when the graph
        goes, and a copy of a graph starts afresh. A graph that is not frozen may be edited between
        calls, so each call builds a fresh map (the answers are the same either way).
        """
        if not getattr(g, "frozen", False):
            return cls(g, options)
        try:
            with _MAPS_LOCK:
                per_graph = _MAPS.get(g)
                hit = per_graph.get(options) if per_graph is not None else None
        except TypeError:            # a graph that cannot be weakly referenced: no cache
            return cls(g, options)
        if hit is not None:
            return hit
        amap = cls(g, options)
        with _MAPS_LOCK:
            return _MAPS.setdefault(g, {}).setdefault(options, amap)

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """A value derived from this map, computed once per key (for the analytics built on the map)."""
        try:
            value: T = self._memo[key]
            return value
        except KeyError:
            pass
        except TypeError:            # an unhashable key (e.g. a bad id): nothing to share
            return compute()
        value = compute()
        self._memo[key] = value
        return value

    # ------------------------------------------------------------------ node scans (global questions)
    def kind_ids(self, kind: str) -> list[str]:
        """Ids of every node of a kind, in graph order (from the one scan of the nodes)."""
        return self._kinds.get(kind, [])

    def carry(self, etype: Any, d: Mapping[str, Any]) -> tuple[float, float]:
        """The influence an edge u→v of this type carries: (weight u→v, weight v→u), 0 for none.

        The one place the model's edge rules are stated (DESIGN.md): INFLUENCES its strength one way;
        REPORTS_TO report→boss 0.3 and boss→report 0.7; PROMOTED_BY protégé→patron 0.4 and
        patron→protégé 0.8; ALLY its strength both ways. RIVAL carries nothing here (see ``rivals``).
        The scans below (``local``, ``all_links``) inline these rules for speed; the tests hold every
        view of the links to agree.
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
        """"a" active contact, "l" contact who left, "t" team member, "" anything else."""
        try:
            return self._roles.get(n, "")
        except TypeError:            # not even hashable: not a node
            return ""

    # ------------------------------------------------------------------ one node's edges
    def local(self, n: str) -> Local:
        """What node n's own edges say (``Local``), from one pass over its out- and in-edges; cached.

        The model's edge rules (``carry``) are inlined: this is the hot loop of every first call.
        """
        cached = self._locals.get(n)
        if cached is not None:
            return cached
        o, roles = self.o, self._roles
        succ = self._succ[n]                  # a KeyError for an unknown node, as before
        loc = Local()
        out, inn = loc.out, loc.inn
        role_n = roles.get(n, "")
        if role_n == "t":
            for x, keyed in succ.items():
                if roles.get(x) != "a":
                    continue
                for d in keyed.values():
                    t = d.get("type")
                    if t == "COVERS":
                        w = unit(d.get("closeness"), o.default_cover_closeness)
                    elif t == "MIRRORS":
                        w = o.mirrors_weight
                    else:
                        continue
                    if w > 0.0:
                        e = out.get(x)
                        if e is None:
                            out[x] = [w, w, t]
                        else:
                            e[0] = 1.0 - (1.0 - e[0]) * (1.0 - w)
                            if w > e[1]:
                                e[1], e[2] = w, t
            self._locals[n] = loc
            return loc
        me_active = role_n == "a"
        default = o.default_strength
        up, down, p_up, p_down = o.reports_up, o.reports_down, o.promoted_up, o.promoted_down
        rivals = loc.rivals
        # Out-edges n→x: INFLUENCES/ALLY/REPORTS_TO/PROMOTED_BY carry forward into ``out`` and (the
        # reverse weight) into ``inn``; RIVAL both ways; the rest says something about n itself.
        for x, keyed in succ.items():
            rx = roles.get(x, "")
            linked = me_active and rx == "a" and x != n
            for d in keyed.values():
                t = d.get("type")
                if t == "INFLUENCES":
                    if not linked:
                        continue
                    s = d.get("strength")
                    fw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                    bw = 0.0
                elif t == "REPORTS_TO":
                    if rx == "a" or rx == "l":
                        loc.bosses.append(x)
                    if not linked:
                        continue
                    fw, bw = up, down
                elif t == "ALLY":
                    if not linked:
                        continue
                    s = d.get("strength")
                    fw = bw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                elif t == "PROMOTED_BY":
                    if not linked:
                        continue
                    fw, bw = p_up, p_down
                elif t == "RIVAL":
                    if linked:
                        w = unit(d.get("strength"), default)
                        if w > 0.0:
                            rivals[x] = 1.0 - (1.0 - rivals.get(x, 0.0)) * (1.0 - w)
                    continue
                elif t == "HAS_INTEREST":
                    loc.interests.append(Interest(x, str(d.get("kind") or "other"),
                                                  unit(d.get("threat"), o.default_threat), d.get("note")))
                    continue
                elif t == "FAVORS":
                    if me_active:
                        loc.favors[x] = max(loc.favors.get(x, 0.0), unit(d.get("strength"), default))
                    continue
                else:
                    continue
                if fw > 0.0:
                    e = out.get(x)
                    if e is None:
                        out[x] = [fw, fw, t]
                    else:
                        e[0] = 1.0 - (1.0 - e[0]) * (1.0 - fw)
                        if fw > e[1]:
                            e[1], e[2] = fw, t
                if bw > 0.0:
                    e = inn.get(x)
                    if e is None:
                        inn[x] = [bw, bw, t]
                    else:
                        e[0] = 1.0 - (1.0 - e[0]) * (1.0 - bw)
                        if bw > e[1]:
                            e[1], e[2] = bw, t
        if me_active:
            # In-edges x→n: from active contacts as above (forward into ``inn``, reverse into ``out``);
            # from our team members COVERS and MIRRORS.
            for x, keyed in self._pred[n].items():
                rx = roles.get(x, "")
                if rx != "a":
                    if rx == "t":
                        for d in keyed.values():
                            t = d.get("type")
                            if t == "COVERS":
                                w = unit(d.get("closeness"), o.default_cover_closeness)
                                loc.covers.append(Cover(x, w, d.get("last_contact_at")))
                            elif t == "MIRRORS":
                                loc.mirrors.append(x)
                                w = o.mirrors_weight
                            else:
                                continue
                            if w > 0.0:
                                e = inn.get(x)
                                if e is None:
                                    inn[x] = [w, w, t]
                                else:
                                    e[0] = 1.0 - (1.0 - e[0]) * (1.0 - w)
                                    if w > e[1]:
                                        e[1], e[2] = w, t
                    continue
                if x == n:
                    continue
                for d in keyed.values():
                    t = d.get("type")
                    if t == "INFLUENCES":
                        s = d.get("strength")
                        fw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                        bw = 0.0
                    elif t == "REPORTS_TO":
                        fw, bw = up, down
                    elif t == "ALLY":
                        s = d.get("strength")
                        fw = bw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                    elif t == "PROMOTED_BY":
                        fw, bw = p_up, p_down
                    elif t == "RIVAL":
                        w = unit(d.get("strength"), default)
                        if w > 0.0:
                            rivals[x] = 1.0 - (1.0 - rivals.get(x, 0.0)) * (1.0 - w)
                        continue
                    else:
                        continue
                    if fw > 0.0:                  # x→n carries forward into n
                        e = inn.get(x)
                        if e is None:
                            inn[x] = [fw, fw, t]
                        else:
                            e[0] = 1.0 - (1.0 - e[0]) * (1.0 - fw)
                            if fw > e[1]:
                                e[1], e[2] = fw, t
                    if bw > 0.0:
                        e = out.get(x)
                        if e is None:
                            out[x] = [bw, bw, t]
                        else:
                            e[0] = 1.0 - (1.0 - e[0]) * (1.0 - bw)
                            if bw > e[1]:
                                e[1], e[2] = bw, t
        self._locals[n] = loc
        return loc

    def all_links(self) -> tuple[dict[str, dict[str, list[Any]]], dict[str, dict[str, float]]]:
        """Every combined influence link (``links`` for all nodes) and every rival tie, in one pass over
        the edges: for the analytics that need the whole influence graph. Computed once per map; the
        answer is shared, read only."""
        return self.cached("all_links", self._all_links)

    def _all_links(self) -> tuple[dict[str, dict[str, list[Any]]], dict[str, dict[str, float]]]:
        roles, o = self._roles, self.o
        default = o.default_strength
        up, down, p_up, p_down = o.reports_up, o.reports_down, o.promoted_up, o.promoted_down
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
                    if t == "INFLUENCES":
                        s = d.get("strength")
                        fw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                        bw = 0.0
                    elif t == "REPORTS_TO":
                        fw, bw = up, down
                    elif t == "ALLY":
                        s = d.get("strength")
                        fw = bw = s if type(s) is float and 0.0 <= s <= 1.0 else unit(s, default)
                    elif t == "PROMOTED_BY":
                        fw, bw = p_up, p_down
                    elif t == "RIVAL":
                        w = unit(d.get("strength"), default)
                        if w > 0.0:
                            for a, b in ((u, x), (x, u)):
                                row = rivals.setdefault(a, {})
                                row[b] = 1.0 - (1.0 - row.get(b, 0.0)) * (1.0 - w)
                        continue
                    else:
                        continue
                    if fw > 0.0:
                        table = links.get(u)
                        if table is None:
                            table = links[u] = {}
                        e = table.get(x)
                        if e is None:
                            table[x] = [fw, fw, t]
                        else:
                            e[0] = 1.0 - (1.0 - e[0]) * (1.0 - fw)
                            if fw > e[1]:
                                e[1], e[2] = fw, t
                    if bw > 0.0:
                        table = links.get(x)
                        if table is None:
                            table = links[x] = {}
                        e = table.get(u)
                        if e is None:
                            table[u] = [bw, bw, t]
                        else:
                            e[0] = 1.0 - (1.0 - e[0]) * (1.0 - bw)
                            if bw > e[1]:
                                e[1], e[2] = bw, t
        return links, rivals

    def influence_link(self, u: str, v: str) -> list[Any] | None:
        """The influence graph's edge u→v (``all_links``): [weight, strongest wᵢ, its kind], or None.

        The same edges as ``links[u][v]``, combined in the order the one-pass scan meets them (the
        edges of whichever endpoint comes first in the graph), so that weight and kind agree with the
        influence graph to the last bit, ties between equally strong kinds included.
        """
        roles = self._roles
        if roles.get(u) == "t":
            return self.local(u).out.get(v)
        if u == v or roles.get(u) != "a" or roles.get(v) != "a":
            return None
        forward = [(self.carry(d.get("type"), d)[0], d.get("type")) for d in self._succ[u].get(v, {}).values()]
        backward = [(self.carry(d.get("type"), d)[1], d.get("type")) for d in self._succ[v].get(u, {}).values()]
        position = self.cached("positions", lambda: {n: i for i, n in enumerate(self._succ)})
        table: dict[str, list[Any]] = {}
        for w, t in (forward + backward if position[u] < position[v] else backward + forward):
            if w > 0.0:
                _combine(table, v, w, t)
        return table.get(v)

    def covers_of(self, c: str) -> list[Cover]:
        """Our team members' COVERS of one active contact, as ``local(c).covers`` (read from its
        in-edges from team members only, when its links are not needed)."""
        if c in self._locals or self._roles.get(c) != "a":
            return self.local(c).covers
        roles, default = self._roles, self.o.default_cover_closeness
        return [Cover(x, unit(d.get("closeness"), default), d.get("last_contact_at"))
                for x, keyed in self._pred[c].items() if roles.get(x) == "t"
                for d in keyed.values() if d.get("type") == "COVERS"]

    def mirrors_of(self, c: str) -> list[str]:
        """Our team members' MIRRORS of one active contact, as ``local(c).mirrors``."""
        if c in self._locals or self._roles.get(c) != "a":
            return self.local(c).mirrors
        roles = self._roles
        return [x for x, keyed in self._pred[c].items() if roles.get(x) == "t"
                for d in keyed.values() if d.get("type") == "MIRRORS"]

    def bosses_of(self, c: str) -> list[str]:
        """The contacts c reports to (REPORTS_TO targets, whatever their status)."""
        if c in self._locals:
            return self._locals[c].bosses
        roles = self._roles
        bosses = []
        for x, keyed in self._succ[c].items():
            r = roles.get(x)
            if r == "a" or r == "l":
                for d in keyed.values():
                    if d.get("type") == "REPORTS_TO":
                        bosses.append(x)
                        break
        return bosses

    def favors(self) -> dict[str, dict[str, float]]:
        """FAVORS strengths of every active contact who favors someone, by contact then target: one pass
        over the in-edges of the nodes that are neither contacts nor team members (competitors)."""
        return self.cached("favors", self._favors)

    def _favors(self) -> dict[str, dict[str, float]]:
        roles, default = self._roles, self.o.default_strength
        result: dict[str, dict[str, float]] = {}
        for k, r in roles.items():
            if r:
                continue
            for x, keyed in self._pred[k].items():
                if roles.get(x) != "a":
                    continue
                for d in keyed.values():
                    if d.get("type") == "FAVORS":
                        row = result.setdefault(x, {})
                        row[k] = max(row.get(k, 0.0), unit(d.get("strength"), default))
        return result

    def favored_by(self) -> dict[str, dict[str, float]]:
        """The same FAVORS strengths by target (competitor), then contact."""
        def invert() -> dict[str, dict[str, float]]:
            result: dict[str, dict[str, float]] = {}
            for c, row in self.favors().items():
                for k, f in row.items():
                    result.setdefault(k, {})[c] = f
            return result
        return self.cached("favored_by", invert)

    def favors_of(self, c: str) -> dict[str, float]:
        """FAVORS strengths of one active contact, by competitor (its outgoing edges only)."""
        return dict(self.favors().get(c) or {})

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
            roles, local = self._roles, self.local

            def inward(v: str) -> list[tuple[str, float]] | None:
                if roles.get(v) != "a":
                    return None
                loc = local(v)
                people, weights = [], []
                for u, e in loc.inn.items():
                    if roles.get(u) == "a":
                        people.append(u)
                        weights.append(e[0])
                if loc.rivals:
                    for u, w in loc.rivals.items():
                        people.append(u)
                        weights.append(-w)
                total = sum(map(abs, weights))        # as ``normalised``: the same sum, in order
                if total <= 0.0:
                    return None
                return [(u, w / total) for u, w in zip(people, weights)]

            def outward(u: str) -> list[str]:
                # Everyone whose ``inward`` lists u: the active contacts u sways, and u's rivals.
                if roles.get(u) != "a":
                    return []
                loc = local(u)
                return [*loc.out, *loc.rivals] if loc.rivals else list(loc.out)

            self._propagation = Propagation(inward, outward)
        return self._propagation

    def path_costs(self) -> Callable[[str], list[tuple[str, float]]]:
        """Out-links with −log(weight) costs, for strongest-path searches, read per node on demand.

        The same links as ``links`` (parallel edges combined as 1 − Π(1 − wᵢ)), cached per node: a
        search may visit much of a large account, so this is the hot loop of the recommendations.
        """
        cache, roles, local, log = self._costs, self._roles, self.local, math.log

        def costs(u: str) -> list[tuple[str, float]]:
            row = cache.get(u)
            if row is None:
                r = roles.get(u, "")
                row = [(v, -log(e[0])) for v, e in local(u).out.items()] if r == "a" or r == "t" else []
                cache[u] = row
            return row

        return costs

    def in_costs(self) -> Callable[[str], list[tuple[str, float]]]:
        """In-links with −log(weight) costs (from active contacts and our team members), per node on
        demand: the backward half of a two-ended strongest-path search."""
        cache, roles, local, log = self._in_costs, self._roles, self.local, math.log

        def costs(v: str) -> list[tuple[str, float]]:
            row = cache.get(v)
            if row is None:
                row = [(u, -log(e[0])) for u, e in local(v).inn.items()] if roles.get(v) == "a" else []
                cache[v] = row
            return row

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
    ``outward(u)``, when given, names everyone u influences (those whose ``inward`` lists u): with it
    ``forward_at`` also follows the stances downstream from the people who hold one, and reads the
    influencers only of those people the stances can reach in time.
    """

    def __init__(self, inward: Callable[[str], list[tuple[str, float]] | None],
                 outward: Callable[[str], Iterable[str]] | None = None) -> None:
        self._inward_fn = inward
        self._outward_fn = outward
        self._cache: dict[str, list[tuple[str, float]] | None] = {}
        self._out_cache: dict[str, list[str]] = {}

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

    def outward(self, u: str) -> list[str]:
        try:
            return self._out_cache[u]
        except KeyError:
            assert self._outward_fn is not None
            row = self._out_cache[u] = list(self._outward_fn(u))
            return row

    def forward_at(self, targets: Iterable[str], stances: Mapping[str, float], alpha: float,
                   rounds: int) -> dict[str, float]:
        """Propagated stances of ``targets`` (people not in ``stances`` start at 0)."""
        if self._outward_fn is not None:
            return self.forward_from(targets, stances, alpha, rounds)[0]
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

    def forward_from(self, targets: Iterable[str], stances: Mapping[str, float], alpha: float, rounds: int,
                     sources: Iterable[str] | None = None) -> tuple[dict[str, float], set[str]]:
        """Propagated stances of ``targets``, following the stances from where they are (needs
        ``outward``), and which of the ``sources`` (default: the people with a non-zero stance) are
        within ``rounds`` steps upstream of a target.

        After j rounds the stances can only have reached people within j steps downstream of a source
        (``spread[j]``); everyone else is still at exactly 0. So the value after j rounds is computed only
        for people who are both needed by a target (within ``rounds − j`` steps upstream of one) and
        reached; the others count 0. The arithmetic is that of the dense pass term by term (a term
        left out is a product with 0), so the answers are the same.
        """
        spread = [set(sources) if sources is not None else {u for u, x in stances.items() if x}]
        frontier = spread[0]
        for _ in range(rounds - 1):
            new: set[str] = set()
            for u in frontier:
                new.update(self.outward(u))
            new -= spread[-1]
            spread.append(spread[-1] | new)
            frontier = new
        levels = [set(targets)]                 # levels[i]: needed after rounds − i rounds
        for j in range(rounds, 0, -1):
            wider = set(levels[-1])
            for x in levels[-1]:
                row = self.inward(x)
                if row:
                    wider.update(u for u, _ in row)
            levels.append(wider & spread[j - 1])
        levels.reverse()                        # levels[j]: needed after j rounds
        values = {u: stances.get(u, 0.0) for u in levels[0]}
        for j in range(1, rounds + 1):
            nxt = {}
            for x in levels[j]:
                row = self.inward(x)
                own = values.get(x, 0.0)
                if row is None:
                    nxt[x] = own
                else:
                    nxt[x] = (1.0 - alpha) * own + alpha * sum(wn * values.get(u, 0.0) for u, wn in row)
            values = nxt
        return values, levels[0] & spread[0]

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
    cold-outreach reach are not worth following). ``expand(node)`` False means a path may end at the node
    but never run through it (someone who would not help us as a go-between: ``scoring.people``).
    """

    costs: Callable[[str], list[tuple[str, float]]]
    # Paths weaker than exp(−max_cost) are not followed (e.g. below the cold-outreach reach).
    max_cost: float = math.inf
    expand: Callable[[str], bool] | None = None
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
        expand = self.expand
        seq = self._seq
        while heap:
            if stop is not None and stop(heap[0][0]):
                break
            d, _, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            if on_settle is not None:
                on_settle(u, d)
            for v, c in costs(u) if expand is None or expand(u) else ():
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
