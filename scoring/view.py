"""The account graph as the analytics see it: a lazy, read-only view with the model's edge rules applied.

``AccountMap.build(g, options)`` wraps the projection's ``MultiDiGraph`` and never writes to it. Each
node's edges are read from its own adjacency the first time they are needed and kept, so the decision
chain, the gains and the reach only touch the neighbourhood they need, and the global analytics touch
each edge a bounded number of times: everything is linear (or E log V) in the size of the map.

Conventions (DESIGN.md, "the default model"; the edge rules are ``scoring.rules``):

* Only **active** contacts and team members take part in the influence graph; a contact whose status is
  ``left`` carries no path and no influence.
* Parallel edges combine as 1 − Π(1 − wᵢ) (``scoring.formulas.combine_link``); each combined edge
  remembers its strongest underlying kind.
* RIVAL ties (both ways) never carry a path; in propagation they push the other way.
* Propagation runs over contacts only: our team members have no stance of their own.

**Reuse.** The package keeps no cache of its own. A graph that carries a memo of what readers derive
from it (``graph.derived``, as the store's projected maps do: one per revision of an account's map) and
is frozen (``nx.freeze``: a promise that it will not change) gets one view per options, shared by every
later call from any thread. When the store edits a cached map (a write), it asks each view to
``advance`` to the edited graph: what the edit cannot have changed — the links of the people whose
edges and neighbours are as they were, the propagation rows, the path costs, the informal-power
ranking when no tie, level or role changed — is carried over, the rest recomputed on first use.
Any other graph gets a fresh view per call; the answers are the same either way.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import networkx as nx

from scoring.formulas import combine, combine_link, decision_weight, merged_closeness, neg_id, rating
from scoring.options import ScoringOptions
from scoring.propagation import Propagation
from scoring.rules import FACT, REACH, RIVAL, TIE, EdgeRule, edge_rules

__all__ = ["ERASED_NAME", "INERT_FIELDS", "AccountMap", "Cover", "Edit", "Facts", "Interest", "Local", "Member", "Memo", "NotFound",
           "tie_facts"]

T = TypeVar("T")

# The name an erased person's tombstone bears (the store's ``graph.store.ERASED_NAME``, whose tombstones
# keep only what the structure needs): such a person may still carry a path or sway someone, but is never
# someone to approach, visit or win over.
ERASED_NAME = "[erased]"


class NotFound(LookupError):
    """An id the analytics were asked about is not in the account's graph (the HTTP layer: 404)."""


class Memo(Protocol):
    """What readers derive from one graph, kept with it by its owner (the store's cached maps)."""

    def get(self, key: Hashable, make: Callable[[], T]) -> T: ...


class Edit(Protocol):
    """An edit of a map, as its owner describes it to ``AccountMap.advance``."""

    nodes: Collection[str]                 # nodes added, changed or removed
    pairs: Collection[tuple[str, str]]     # (source, target) of every edge added, changed or removed


# What an edit changed, as the carried-over structures ask it (``AccountMap.advance``): "roles" (a node
# came, went, or changed kind or status), "type:<EDGE TYPE>" for each type of edge edited, and
# "field:<name>" for each node field edited.
Facts = frozenset[str]
# Node fields no analysis reads (a contact's free-text notes): a map edited only in these gives every
# answer of the map it was edited from (``app.answers`` keeps those answers across such an edit).
INERT_FIELDS: frozenset[str] = frozenset({"notes"})
_INERT_FACTS: frozenset[str] = frozenset(f"field:{name}" for name in INERT_FIELDS)
# The facts after which the informal-power ranking (and every signal read from it) must be recomputed.
RANKING_FACTS: frozenset[str] = frozenset({"roles", "field:level", "field:account_id"})


def ranking_changed(facts: Facts, rules: Mapping[str, EdgeRule]) -> bool:
    """Whether an edit with ``facts`` can have moved the informal-power ranking: a role or a level
    changed, or a tie with a power factor, or a reporting line (the formal rank)."""
    return bool(facts & RANKING_FACTS) or any(
        f"type:{rule.type}" in facts for rule in rules.values() if rule.power > 0.0 or rule.formal)


def tie_facts(amap: AccountMap) -> Facts:
    """The facts of an edit that only added, re-weighted or removed ties (``scoring.rules.TIE``)."""
    return frozenset(f"type:{rule.type}" for rule in amap.rules.values() if rule.view == TIE)


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
    """What one node's own edges say (both directions), computed on first use and kept.

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


class _Lazy(Mapping[str, Any]):
    """A read-only mapping over a fixed list of ids (``keys``, in graph order) whose values are computed
    per key on first use and kept (``None`` means absent). Membership never computes a value: a key
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


def _role_of(data: Mapping[str, Any] | None) -> str:
    """"a" active contact, "l" contact who left, "t" team member, "" anything else, "-" no node."""
    if data is None:
        return "-"
    kind = data.get("kind")
    if kind == "contact":
        return "l" if data.get("status", "active") == "left" else "a"
    return "t" if kind == "team_member" else ""


@dataclass(frozen=True)
class _Family:
    """Values kept per node (``AccountMap.per_node``). After an edit they are dropped for the nodes the
    edit touched and, with ``radius`` r, for everyone within r steps of them; all of them when
    ``clear(facts)`` says so."""

    radius: int = 0
    clear: Callable[[Facts], bool] | None = None


# Memo entries that an edited map may keep: key → carry(value, edited map, facts) → value or None.
Carry = Callable[[Any, "AccountMap", Facts], Any]


class AccountMap:
    """A lazy, read-only view of the projection graph with the model's rules applied.

    Every question is answered from the nodes' own adjacency, on first use, and kept: the decision
    chain, the gains and the reach only touch the neighbourhood they need, and the global analytics
    (informal power, the whole influence graph) read each edge a bounded number of times. The input
    graph is never written to, and the view keeps no reference to the graph object itself (only to its
    node and adjacency dicts).

    Mappings by id: ``contacts`` (left ones included), ``active``, ``team``, ``competitors``,
    ``opportunities`` (node data); ``links`` (combined out-links of an active contact or team member),
    ``covers``, ``mirrors`` (of an active contact), ``interests``, ``bosses`` (of any contact),
    ``members`` (decision chain of an opportunity).

    A view may be shared by concurrent requests: every value kept below is stored finished under its
    key, and nothing stored is changed afterwards.
    """

    def __init__(self, g: nx.MultiDiGraph, options: ScoringOptions) -> None:
        self.o = options
        self.rules = edge_rules(options)
        self._formal_types = frozenset(rule.type for rule in self.rules.values() if rule.formal)
        self._bind(g)
        self._scan()
        self._families: dict[Hashable, dict[str, Any]] = {}
        self._family_specs: dict[Hashable, _Family] = {}
        self._propagation: Propagation | None = None
        self._memo: dict[Any, Any] = {}
        self._carry: dict[Any, Carry] = {}
        self._lock = threading.Lock()
        # The nodes the edit that made this map touched (``advance``); none for a map built afresh.
        self.edited: frozenset[str] = frozenset()
        self._lazies()

    def _bind(self, g: nx.MultiDiGraph) -> None:
        self.account_id = g.graph.get("account_id")
        self.account: dict[str, Any] = dict(g.graph.get("account") or {})
        # The names of the accounts of people from elsewhere on the map, where the graph carries them.
        self.account_names: Mapping[str, Any] = g.graph.get("account_names") or {}
        # The graph's own adjacency dicts, read only: NetworkX's views cost a call per access.
        self._node: dict[str, dict[str, Any]] = g._node
        self._succ: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._succ
        self._pred: dict[str, dict[str, dict[Any, dict[str, Any]]]] = g._pred

    def _scan(self) -> None:
        """One scan of the nodes: every node's role and the ids of each kind, in graph order."""
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
        self._active_ids = active
        self._roles = roles

    def _lazies(self, link_ids: list[str] | None = None) -> None:
        roles, contact_ids, team_ids = self._roles, self._kinds["contact"], self._kinds["team_member"]
        competitor_ids, opportunity_ids = self.kind_ids("competitor"), self.kind_ids("opportunity")
        kind_of = {n: "competitor" for n in competitor_ids}
        kind_of.update((n, "opportunity") for n in opportunity_ids)
        data = self._node.__getitem__
        a, al, at = frozenset("a"), frozenset("al"), frozenset("at")
        active = self._active_ids
        self.contacts = _Lazy(data, contact_ids, roles, al)
        self.active = _Lazy(data, active, roles, a)
        self.team = _Lazy(data, team_ids, roles, frozenset("t"))
        self.competitors = _Lazy(data, competitor_ids, kind_of, frozenset({"competitor"}))
        self.opportunities = _Lazy(data, opportunity_ids, kind_of, frozenset({"opportunity"}))
        if link_ids is None:
            link_ids = [n for n in contact_ids + team_ids if roles[n] != "l"]
        self.links = _Lazy(lambda n: self.local(n).out, link_ids, roles, at)
        self.covers = _Lazy(self.covers_of, active, roles, a)
        self.mirrors = _Lazy(self.mirrors_of, active, roles, a)
        self.interests = _Lazy(self.interests_of, contact_ids, roles, al)
        self.bosses = _Lazy(self.bosses_of, contact_ids, roles, al)
        self.members = _Lazy(self._members, opportunity_ids, kind_of, frozenset({"opportunity"}))

    @classmethod
    def build(cls, g: nx.MultiDiGraph, options: ScoringOptions) -> AccountMap:
        """The view of ``g`` under ``options``: the one kept in the graph's memo when ``g`` is frozen
        and carries one (``g.derived``, see the module's docstring), else a fresh one."""
        memo: Memo | None = getattr(g, "derived", None) if getattr(g, "frozen", False) else None
        if memo is None:
            return cls(g, options)
        return memo.get(("scoring.view", options), lambda: cls(g, options))

    # ------------------------------------------------------------------ kept values
    def cached(self, key: Any, compute: Callable[[], T], carry: Carry | None = None) -> T:
        """A value derived from this map, computed once per key. ``carry(value, edited map, facts)``,
        when given, says what of it an edited map keeps (``advance``): the value itself, a version of
        it bound to the edited map, or None (recompute)."""
        try:
            value: T = self._memo[key]
            return value
        except KeyError:
            pass
        except TypeError:            # an unhashable key (e.g. a bad id): nothing to share
            return compute()
        value = compute()
        if carry is not None:
            self._carry[key] = carry
        self._memo[key] = value
        return value

    def per_node(self, family: Hashable, radius: int = 0, clear: Callable[[Facts], bool] | None = None
                 ) -> dict[str, Any]:
        """A dict of values kept per node id (see ``_Family`` for what an edit drops)."""
        try:
            return self._families[family]
        except KeyError:
            with self._lock:
                self._family_specs.setdefault(family, _Family(radius, clear))
                return self._families.setdefault(family, {})

    # ------------------------------------------------------------------ edits
    def advance(self, g: nx.MultiDiGraph, edit: Edit) -> AccountMap:
        """The view of ``g``, an edited copy of this view's graph (``edit`` names what changed), keeping
        what the edit cannot have changed. The answers are those of a fresh view of ``g``."""
        old_node, new_node = self._node, g._node
        changed_roles: set[str] = set()
        fields: set[str] = set()
        for n in edit.nodes:
            before, after = old_node.get(n), new_node.get(n)
            if _role_of(before) != _role_of(after) or (before or {}).get("kind") != (after or {}).get("kind"):
                changed_roles.add(n)
            if before is not None and after is not None:
                fields.update(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        types: set[str] = set()          # of the edges added, changed or removed
        for u, v in edit.pairs:
            before_edges, after_edges = self._succ.get(u, {}).get(v, {}), g._succ.get(u, {}).get(v, {})
            for key in before_edges.keys() | after_edges.keys():
                was, now = before_edges.get(key), after_edges.get(key)
                if was != now:
                    types.update(str(d.get("type")) for d in (was, now) if d is not None)
        facts: Facts = frozenset({*(f"type:{t}" for t in types), *(f"field:{f}" for f in fields),
                                  *(("roles",) if changed_roles else ())})

        new = object.__new__(AccountMap)
        new.o, new.rules, new._formal_types = self.o, self.rules, self._formal_types
        new._bind(g)
        new._lock = threading.Lock()
        new.edited = frozenset()
        if changed_roles:
            new._scan()
            new._lazies()
        else:
            new._kinds, new._active_ids, new._roles = self._kinds, self._active_ids, self._roles
            new._lazies(self.links._keys)
        if facts <= _INERT_FACTS:
            # Only fields no analysis reads changed: everything derived so far holds for the edited map
            # as it is, so the two views share it (no copy of the per-person values of a large account).
            new._family_specs, new._families = self._family_specs, self._families
            new._propagation, new._memo, new._carry = self._propagation, self._memo, self._carry
            return new

        # Who the edit touched: the ends of every edited edge, every edited node, and the neighbours of
        # anyone who came, went or changed role (whose links read that role).
        touched = {end for pair in edit.pairs for end in pair} | set(edit.nodes)
        for n in changed_roles:
            for adjacency in (self._succ, self._pred, g._succ, g._pred):
                touched.update(adjacency.get(n, ()))
        rings = [touched]
        new.edited = frozenset(touched)

        def within(radius: int) -> set[str]:
            while len(rings) <= radius:
                wider = set(rings[-1])
                for n in rings[-1]:
                    for adjacency in (self._succ, self._pred, g._succ, g._pred):
                        wider.update(adjacency.get(n, ()))
                rings.append(wider)
            return rings[radius]

        new._family_specs = dict(self._family_specs)
        new._families = {}
        for name, values in list(self._families.items()):
            spec = self._family_specs[name]
            if spec.clear is not None and spec.clear(facts):
                new._families[name] = {}
                continue
            kept = values.copy()
            for n in within(spec.radius):
                kept.pop(n, None)
            new._families[name] = kept
        new._propagation = None
        if self._propagation is not None:
            new._propagation = self._propagation.carried(*new._propagation_functions(), stale=touched)
        new._memo, new._carry = {}, {}
        for key, carry in list(self._carry.items()):
            try:
                value = self._memo[key]
            except KeyError:
                continue
            kept_value = carry(value, new, facts)
            if kept_value is not None:
                new._memo[key] = kept_value
                new._carry[key] = carry
        return new

    # ------------------------------------------------------------------ node scans (global questions)
    def kind_ids(self, kind: str) -> list[str]:
        """Ids of every node of a kind, in graph order (from the one scan of the nodes)."""
        return self._kinds.get(kind, [])

    def role(self, n: Any) -> str:
        """"a" active contact, "l" contact who left, "t" team member, "" anything else."""
        try:
            return self._roles.get(n, "")
        except TypeError:            # not even hashable: not a node
            return ""

    def node_data(self, n: str) -> dict[str, Any]:
        """The stored fields of a node (read only)."""
        return self._node[n]

    # ------------------------------------------------------------------ one node's edges
    def local(self, n: str) -> Local:
        """What node n's own edges say (``Local``), from one pass over its out- and in-edges, by the
        rules of ``scoring.rules``; kept per node. The hot loop of every first call."""
        locals_ = self.per_node("local")
        cached: Local | None = locals_.get(n)
        if cached is not None:
            return cached
        roles, rules = self._roles, self.rules
        succ = self._succ[n]                  # a KeyError for an unknown node, as before
        loc = Local()
        out, inn = loc.out, loc.inn
        role_n = roles.get(n, "")
        if role_n == "t":
            for x, keyed in succ.items():
                if roles.get(x) != "a":
                    continue
                for d in keyed.values():
                    rule = rules.get(d.get("type"))   # type: ignore[arg-type]
                    if rule is not None and rule.view == REACH:
                        combine_link(out, x, rule.weight(d), rule.type)
            locals_[n] = loc
            return loc
        me_active = role_n == "a"
        rivals = loc.rivals
        # Out-edges n→x: ties carry forward into ``out`` and (the reverse weight) into ``inn``; rivals
        # both ways; the facts say something about n itself.
        for x, keyed in succ.items():
            rx = roles.get(x, "")
            linked = me_active and rx == "a" and x != n
            for d in keyed.values():
                rule = rules.get(d.get("type"))       # type: ignore[arg-type]
                if rule is None:
                    continue
                view = rule.view
                if view == TIE:
                    if rule.formal and (rx == "a" or rx == "l"):
                        loc.bosses.append(x)
                    if linked:
                        fw, bw = rule.fixed or rule.weights(d)
                        combine_link(out, x, fw, rule.type)
                        combine_link(inn, x, bw, rule.type)
                elif view == RIVAL:
                    if linked:
                        w = rule.weight(d)
                        if w > 0.0:
                            rivals[x] = combine(rivals.get(x, 0.0), w)
                elif view == FACT:
                    if rule.type == "HAS_INTEREST":
                        loc.interests.append(Interest(x, str(d.get("kind") or "other"), rule.weight(d),
                                                      d.get("note")))
                    elif rule.type == "FAVORS" and me_active:
                        loc.favors[x] = max(loc.favors.get(x, 0.0), rule.weight(d))
        if me_active:
            # In-edges x→n: from active contacts as above (forward into ``inn``, reverse into ``out``);
            # from our team members their reach.
            for x, keyed in self._pred[n].items():
                rx = roles.get(x, "")
                if rx == "t":
                    for d in keyed.values():
                        rule = rules.get(d.get("type"))   # type: ignore[arg-type]
                        if rule is None or rule.view != REACH:
                            continue
                        w = rule.weight(d)
                        if rule.type == "COVERS":
                            loc.covers.append(Cover(x, w, d.get("last_contact_at")))
                        else:
                            loc.mirrors.append(x)
                        combine_link(inn, x, w, rule.type)
                    continue
                if rx != "a" or x == n:
                    continue
                for d in keyed.values():
                    rule = rules.get(d.get("type"))       # type: ignore[arg-type]
                    if rule is None:
                        continue
                    if rule.view == TIE:
                        fw, bw = rule.fixed or rule.weights(d)
                        combine_link(inn, x, fw, rule.type)     # x→n carries forward into n
                        combine_link(out, x, bw, rule.type)
                    elif rule.view == RIVAL:
                        w = rule.weight(d)
                        if w > 0.0:
                            rivals[x] = combine(rivals.get(x, 0.0), w)
        locals_[n] = loc
        return loc

    def all_links(self) -> tuple[dict[str, dict[str, list[Any]]], dict[str, dict[str, float]]]:
        """Every combined influence link (``links`` of every active contact and team member) and every
        rival tie: the whole influence graph, for the analytics that need it. The rows are the nodes'
        own (``local``), so every view of a link agrees to the last bit. Once per map, read only."""
        return self.cached("all_links", self._all_links)

    def _all_links(self) -> tuple[dict[str, dict[str, list[Any]]], dict[str, dict[str, float]]]:
        links: dict[str, dict[str, list[Any]]] = {}
        rivals: dict[str, dict[str, float]] = {}
        roles = self._roles
        for u in self._node:
            r = roles.get(u)
            if r != "a" and r != "t":
                continue
            loc = self.local(u)
            if loc.out:
                links[u] = loc.out
            if loc.rivals:
                rivals[u] = loc.rivals
        return links, rivals

    def influence_link(self, u: str, v: str) -> list[Any] | None:
        """The influence graph's edge u→v: [weight, strongest wᵢ, its kind], or None."""
        if self.role(u) not in ("a", "t"):
            return None
        entry: list[Any] | None = self.local(u).out.get(v)
        return entry

    def covers_of(self, c: str) -> list[Cover]:
        """Our team members' COVERS of one active contact, as ``local(c).covers`` (read from its
        in-edges from team members only, when its links are not needed)."""
        if c in self.per_node("local") or self._roles.get(c) != "a":
            return self.local(c).covers
        roles, rule = self._roles, self.rules["COVERS"]
        return [Cover(x, rule.weight(d), d.get("last_contact_at"))
                for x, keyed in self._pred[c].items() if roles.get(x) == "t"
                for d in keyed.values() if d.get("type") == "COVERS"]

    def mirrors_of(self, c: str) -> list[str]:
        """Our team members' MIRRORS of one active contact, as ``local(c).mirrors``."""
        if c in self.per_node("local") or self._roles.get(c) != "a":
            return self.local(c).mirrors
        roles = self._roles
        return [x for x, keyed in self._pred[c].items() if roles.get(x) == "t"
                for d in keyed.values() if d.get("type") == "MIRRORS"]

    def bosses_of(self, c: str) -> list[str]:
        """The contacts c reports to (targets of the org chart's lines, whatever their status)."""
        known = self.per_node("local").get(c)
        if known is not None:
            return list(known.bosses)
        roles, formal = self._roles, self._formal_types
        bosses = []
        for x, keyed in self._succ[c].items():
            r = roles.get(x)
            if r == "a" or r == "l":
                for d in keyed.values():
                    if d.get("type") in formal:
                        bosses.append(x)
                        break
        return bosses

    def favors(self) -> dict[str, dict[str, float]]:
        """FAVORS strengths of every active contact who favors someone, by contact then target: one pass
        over the in-edges of the nodes that are neither contacts nor team members (competitors)."""
        try:                         # the hot path (a go-between's verdict reads it per person)
            found: dict[str, dict[str, float]] = self._memo["favors"]
            return found
        except KeyError:
            return self.cached("favors", self._favors, carry=_FAVORS_CARRY)

    def _favors(self) -> dict[str, dict[str, float]]:
        roles, rule = self._roles, self.rules["FAVORS"]
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
                        row[k] = max(row.get(k, 0.0), rule.weight(d))
        return result

    def favored_by(self) -> dict[str, dict[str, float]]:
        """The same FAVORS strengths by target (competitor), then contact."""
        def invert() -> dict[str, dict[str, float]]:
            result: dict[str, dict[str, float]] = {}
            for c, row in self.favors().items():
                for k, f in row.items():
                    result.setdefault(k, {})[c] = f
            return result
        return self.cached("favored_by", invert, carry=_FAVORS_CARRY)

    def favors_of(self, c: str) -> dict[str, float]:
        """FAVORS strengths of one active contact, by competitor (its outgoing edges only)."""
        return dict(self.favors().get(c) or {})

    def interests_of(self, c: str) -> list[Interest]:
        """HAS_INTEREST edges of one contact (its outgoing edges only)."""
        known = self.per_node("local").get(c)
        if known is not None:
            return list(known.interests)
        rule = self.rules["HAS_INTEREST"]
        return [Interest(x, str(d.get("kind") or "other"), rule.weight(d), d.get("note"))
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
                    influence=rating(d.get("influence"), o.default_influence),
                    closeness=merged_closeness(contact.get("closeness"), d.get("closeness")),
                    note=d.get("note")))
                break
        return chain

    # ------------------------------------------------------------------ derived structures
    def weight(self, u: str, v: str) -> float:
        """The combined influence weight u→v (0 when there is none)."""
        entry = self.links.get(u, {}).get(v)
        return 0.0 if entry is None else float(entry[0])

    def _propagation_functions(self) -> tuple[Callable[[str], list[tuple[str, float]] | None],
                                              Callable[[str], list[str]]]:
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
            return [(u, w / total) for u, w in zip(people, weights, strict=True)]

        def outward(u: str) -> list[str]:
            # Everyone whose ``inward`` lists u: the active contacts u sways, and u's rivals.
            if roles.get(u) != "a":
                return []
            loc = local(u)
            return [*loc.out, *loc.rivals] if loc.rivals else list(loc.out)

        return inward, outward

    def propagation(self) -> Propagation:
        """The propagation operator over active contacts, built lazily around the nodes it is asked about."""
        if self._propagation is None:
            self._propagation = Propagation(*self._propagation_functions())
        return self._propagation

    def path_costs(self) -> Callable[[str], list[tuple[str, float]]]:
        """Out-links with −log(weight) costs, for strongest-path searches, read per node on demand.

        The same links as ``links`` (parallel edges combined as 1 − Π(1 − wᵢ)), kept per node: a
        search may visit much of a large account, so this is the hot loop of the recommendations.
        """
        cache, roles, local, log = self.per_node("costs"), self._roles, self.local, math.log

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
        cache, roles, local, log = self.per_node("in_costs"), self._roles, self.local, math.log

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
        return max(covers, key=lambda c: (c.closeness, neg_id(c.team_member_id)))

    def own(self, node: str) -> bool:
        """Whether ``node`` is of this account: not a person of another account whom a line reaches (a
        boss at the parent account, an outside influencer, someone who moved to a subsidiary). Such a
        person may carry influence and a path, but is not ranked on this account's chart nor someone to
        win over for it. A node that names no account is of this one."""
        account = self._node.get(node, {}).get("account_id")
        return account is None or account == self.account_id

    def home(self, node: str) -> str | None:
        """The account a person of another account is of, as the texts name it (the name the graph carries
        in ``account_names``, else its id); None for this account's people and anyone else."""
        data = self.contacts.get(node)
        account = data.get("account_id") if data is not None else None
        if account is None or account == self.account_id:
            return None
        return str(self.account_names.get(account) or account)

    def name(self, node: str, beside: str | None = None) -> str:
        """The name to show in a text: a person's own name, with their account when they are of another
        ("陈志强（广州家具）"), else told apart from anyone else on the map who bears the same one by their
        title, else department, else id ("王伟（信息科科长）"). ``beside``: what the text already shows next
        to the name (their title), which then needs no repeating."""
        data = self.contacts.get(node) or self.team.get(node) or self.competitors.get(node) \
            or self.opportunities.get(node) or {}
        shown = str(data.get("name") or node)
        qualifier = self.home(node) or self._namesakes().get(node)
        if qualifier is None or qualifier == beside:
            return shown
        return qualified(shown, qualifier)

    def _namesakes(self) -> dict[str, str]:
        """What tells each person apart from the others on the map who bear the same name (once per map)."""
        return self.cached("namesakes", self._find_namesakes,
                           carry=_unless("roles", "field:name", "field:title", "field:department"))

    def _find_namesakes(self) -> dict[str, str]:
        by_name: dict[str, list[str]] = {}
        for n in (*self.kind_ids("contact"), *self.kind_ids("team_member")):
            name = self._node[n].get("name")
            if isinstance(name, str) and name and name != ERASED_NAME:
                by_name.setdefault(name, []).append(n)
        found: dict[str, str] = {}
        for people in by_name.values():
            if len(people) < 2:
                continue
            for field_name in ("title", "department", None):
                shown = [str(self._node[n].get(field_name) or "") if field_name else str(n) for n in people]
                if all(shown) and len(set(shown)) == len(shown):
                    found.update(zip(people, shown, strict=True))
                    break
        return found

    def is_erased(self, node: str) -> bool:
        """Whether the contact asked to be erased (their tombstone): never a person to approach."""
        data = self.contacts.get(node)
        return data is not None and data.get("name") == ERASED_NAME

    def require_opportunity(self, opportunity_id: str) -> dict[str, Any]:
        if opportunity_id not in self.opportunities:
            raise NotFound(f"unknown opportunity {opportunity_id!r}")
        data: dict[str, Any] = self.opportunities[opportunity_id]
        return data


def qualified(name: str, qualifier: str) -> str:
    """A name told apart by a qualifier, bracketed full-width in Chinese: "王伟（信息科科长）", "Wang Wei (CIO)"."""
    return f"{name}（{qualifier}）" if _cjk(name + qualifier) else f"{name} ({qualifier})"


def _cjk(s: str) -> bool:
    """Whether a text holds Chinese (or other full-width) characters: it is then bracketed full-width."""
    return any(ord(ch) >= 0x3000 for ch in s)


def _unless(*facts: str) -> Carry:
    """Carry a value that no longer depends on the map as it is, unless the edit has one of ``facts``."""
    watched = frozenset(facts)

    def carry(value: Any, _: AccountMap, found: Facts) -> Any:
        return None if found & watched else value

    return carry


_FAVORS_CARRY = _unless("roles", "type:FAVORS")


def unless(*facts: str) -> Carry:
    """``carry`` for ``AccountMap.cached``: keep the value unless the edit has one of ``facts``
    ("roles", "type:<EDGE TYPE>", "field:<node field>")."""
    return _unless(*facts)
