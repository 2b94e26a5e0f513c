"""Informal power: who really carries weight at the account, beside the org chart, and what it signals.

Informal power is a PageRank on the *reversed* influence graph among active contacts: a person is
powerful when powerful people listen to them. Rank flows from v to u along every tie u→v, in
proportion to its weight; a fixed number of power iterations keeps it linear in the graph's size and
deterministic. The result is scaled so the most powerful contact has 1.0. The ties are the model's
influence edges (``scoring.rules``), each weighed by ``power_tie_factors``: informal ties
(influence, promoted-by, alliance) count in full, reporting lines much less — formal authority is what
the formal rank already shows, and read as informal power it would crown whoever has most reports.

Formal rank comes from the org chart: level (executive first, staff last) and, for people without a
level or at the same level, the depth in the REPORTS_TO tree (fewer bosses above = more senior).
Both ranks are competition ranks (1 = top; ties share a rank). ``power_gap`` = formal rank −
informal rank: positive means more weight than the title suggests.

Signals per person (``signals_of``), each explained:

* ``hidden_influencer`` — informal rank well above formal rank (Cross & Parker's hidden influencers);
* ``title_without_power`` — a leader whose informal rank is well below the formal one;
* ``broker`` — someone whose contacts do not talk to each other (Burt's structural holes): a low
  constraint, or a high betweenness on the same ties (distance −log w).

**After an edit** (``scoring.view.AccountMap.advance``) the ranking is kept unless a tie, a reporting
line, a level or a role changed. A write that only re-weights ties keeps the PageRank's tie arrays
(``tie_arrays``) and patches the weights of the people it touched in place, then runs the same 40 power
steps on them: the arrays are exactly those a fresh map would build, so the ranks are too. The ranks
are computed with numpy for everyone at once (``Ranks``); Burt's constraint reads each contact's row
once (``_constraint``), so a hub with thousands of ties costs thousands of steps, not millions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from scoring.formulas import combine
from scoring.options import ScoringOptions, resolve
from scoring.results import InfluenceAnswer, PowerRow, Signal, plain
from scoring.rules import RIVAL, TIE
from scoring.texts import join, label, text
from scoring.view import AccountMap, Facts, ranking_changed, unless

__all__ = ["Signals", "burt_constraint", "influence_answer", "informal_power", "power_ties", "signals_of"]


def informal_power(g: nx.MultiDiGraph, options: ScoringOptions | None = None, lang: str = "en"
                   ) -> dict[str, Any]:
    """Active contacts sorted by informal power, highest first, with their formal and informal ranks
    and their signals (the plain form of ``influence_answer``).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(account_id="a", account={})
    >>> for c, lvl in [("gm", "executive"), ("aide", "staff"), ("x", "manager")]:
    ...     g.add_node(c, kind="contact", name=c, level=lvl)
    >>> _ = g.add_edge("aide", "gm", key="i", type="INFLUENCES", strength=0.9)
    >>> _ = g.add_edge("aide", "x", key="j", type="INFLUENCES", strength=0.9)
    >>> [(r["contact_id"], r["formal_rank"], r["informal_rank"]) for r in informal_power(g)["contacts"]]
    [('aide', 3, 1), ('gm', 1, 2), ('x', 2, 2)]
    """
    result: dict[str, Any] = plain(influence_answer(g, options, lang))
    return result


def influence_answer(g: nx.MultiDiGraph, options: ScoringOptions | None = None, lang: str = "en"
                     ) -> InfluenceAnswer:
    """The typed answer of ``informal_power`` (kept with the map, per language)."""
    o = resolve(options)
    amap = AccountMap.build(g, o)
    return amap.cached(("influence_answer", o, lang), lambda: _influence_answer(amap, o, lang))


def power_order(g: nx.MultiDiGraph, options: ScoringOptions | None = None) -> list[str]:
    """The active contacts, most informal power first: the order of ``influence_answer`` without its
    signals, which cost most of it (each person's constraint: a 100,000-person account, ~80 % of ~30 s).
    Kept with the map as the ranking is."""
    o = resolve(options)
    return [c for c, *_ in ranking(AccountMap.build(g, o), o)]


def _influence_answer(amap: AccountMap, o: ScoringOptions, lang: str) -> InfluenceAnswer:
    ranked = ranking(amap, o)
    node = amap._node
    raw = signals_of(amap, o)
    rows = []
    for c, power, formal, informal in ranked:
        data = node[c]
        rows.append(PowerRow(contact_id=c, name=data.get("name"), level=data.get("level"),
                             title=data.get("title"), department=data.get("department"),
                             informal_power=power, formal_rank=formal, informal_rank=informal,
                             power_gap=formal - informal, signals=render_signals(amap, raw.get(c, ()), lang)))
    return InfluenceAnswer(tuple(rows))


@dataclass(frozen=True)
class RawSignal:
    """A signal before it is put in words: its code and what the text names."""

    code: str
    informal: int = 0
    formal: int = 0
    count: int = 0
    names: tuple[str, ...] = ()


def render_signals(amap: AccountMap, raw: tuple[RawSignal, ...], lang: str) -> tuple[Signal, ...]:
    return tuple(Signal(s.code, label("signal", s.code, lang),
                        text(f"signal.{s.code}", lang, informal=s.informal, formal=s.formal, count=s.count,
                             names=join([amap.name(n) for n in s.names], lang)))
                 for s in raw)


def ranking(amap: AccountMap, o: ScoringOptions) -> list[tuple[str, float, int, int]]:
    """(contact, informal power, formal rank, informal rank) in the answer's order; once per map, and
    kept by an edited map when no tie, reporting line, level or role changed."""
    return amap.cached(("informal_power", o), lambda: _ranking(amap, o), carry=_keep_ranking)


def _keep_ranking(value: Any, amap: AccountMap, facts: Facts) -> Any:
    return None if ranking_changed(facts, amap.rules) else value


def formal_types(amap: AccountMap) -> list[str]:
    """The edit facts of the org chart's lines (the formal rank reads them)."""
    return [f"type:{rule.type}" for rule in amap.rules.values() if rule.formal]


def _ranking(amap: AccountMap, o: ScoringOptions) -> list[tuple[str, float, int, int]]:
    state = ranks(amap, o)
    ranked = [(c, state.power[i], state.formal[i], state.informal[i]) for i, c in enumerate(state.contacts)]
    ranked.sort(key=lambda r: (r[3], r[2], str(r[0])))
    return ranked


@dataclass(frozen=True)
class Ranks:
    """Every active contact's of the account (``AccountMap.own``) informal power (of the top person's)
    and both competition ranks among them, by position in ``contacts`` (the map's order): what the
    signals read, person by person."""

    contacts: list[str]
    index: dict[str, int]
    power: list[float]
    formal: list[int]
    informal: list[int]

    def get(self, c: str) -> tuple[float, int, int] | None:
        """(informal power, formal rank, informal rank) of an active contact, else None."""
        i = self.index.get(c)
        return None if i is None else (self.power[i], self.formal[i], self.informal[i])


def ranks(amap: AccountMap, o: ScoringOptions) -> Ranks:
    """The ranks of every active contact; once per map, and kept by an edited map when no tie,
    reporting line, level or role changed (a re-weighted tie runs the PageRank again on the carried
    tie arrays: ``tie_arrays``)."""
    return amap.cached(("ranks", o), lambda: _ranks(amap, o), carry=_keep_ranking)


def _ranks(amap: AccountMap, o: ScoringOptions) -> Ranks:
    # The PageRank's arrays list every active contact in the map's order, with their index: kept across
    # edits that re-weight ties, so an edited map's ranks need not list and index 100,000 people again.
    # The PageRank runs over everyone active on the map, people of other accounts whom lines reach
    # included (they carry influence); the ranks are the account's own people's (``AccountMap.own``).
    arrays = tie_arrays(amap, o)
    contacts, index = arrays.contacts, arrays.index
    if not contacts:
        return Ranks(contacts, index, [], [], [])
    rank = _pagerank_array(amap, contacts, o)
    own = [c for c in contacts if amap.own(c)]
    if len(own) < len(contacts):
        rank = rank[np.array([index[c] for c in own], dtype=np.int64)]
        contacts, index = own, {c: i for i, c in enumerate(own)}
        if not contacts:
            return Ranks(contacts, index, [], [], [])
    top = float(rank.max()) or 1.0
    scaled = rank / top
    formal = _formal_ranks(amap, contacts, o)
    # Powers equal to nine decimals share an informal rank.
    informal = _competition_ranks(-np.round(scaled, 9))
    return Ranks(contacts, index, scaled.tolist(), formal, informal)


def _formal_ranks(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> list[int]:
    """Formal competition rank per contact (in ``contacts``' order), kept unless a role, a level or a
    reporting line changed."""
    def make() -> list[int]:
        keys = _formal_keys(amap, contacts, o)
        # (level index, depth) as one integer, in the same order (a depth is below 2³²)
        return _competition_ranks(np.array([level * 2**32 + depth for level, depth in map(keys.__getitem__, contacts)],
                                           dtype=np.int64))
    return amap.cached(("formal_ranks", o), make,
                       carry=unless("roles", "field:level", "field:account_id", *formal_types(amap)))


def _competition_ranks(keys: np.ndarray[Any, Any]) -> list[int]:
    """1 + how many keys are strictly smaller, per key (competition ranks: ties share a rank)."""
    ranks: list[int] = (np.searchsorted(np.sort(keys), keys, side="left") + 1).tolist()
    return ranks


def tie_row(amap: AccountMap, u: str) -> dict[str, float]:
    """How much active contact u sways each other active contact: every edge between them weighed by
    the model's rules (``scoring.rules``) times its kind's ``power_tie_factors`` (the rule's
    ``power``), parallel ties combined as 1 − Π(1 − wᵢ): u's own edges forward, then the edges to u
    backward. Kept per person (an edit recomputes the rows of the people it touched)."""
    rows = amap.per_node("power.tie")
    row: dict[str, float] | None = rows.get(u)
    if row is not None:
        return row
    row = {}
    roles, rules = amap._roles, amap.rules
    if roles.get(u) == "a":
        for adjacency, side in ((amap._succ[u], 0), (amap._pred[u], 1)):
            for x, keyed in adjacency.items():
                if x == u or roles.get(x) != "a":
                    continue
                for d in keyed.values():
                    rule = rules.get(d.get("type"))   # type: ignore[arg-type]
                    if rule is None or rule.power <= 0.0:
                        continue
                    w = (rule.fixed or rule.weights(d))[side] * rule.power
                    if w > 0.0:
                        row[x] = combine(row.get(x, 0.0), min(1.0, w))
    rows[u] = row
    return row


def power_ties(amap: AccountMap, o: ScoringOptions) -> dict[str, dict[str, float]]:
    """u → v → weight: how much u sways v among active contacts (``tie_row`` of every active contact
    with a tie). Once per map."""
    return amap.cached(("power_ties", o), lambda: _power_ties(amap, o))


def _power_ties(amap: AccountMap, o: ScoringOptions) -> dict[str, dict[str, float]]:
    ties = {}
    for u in amap.active:
        row = tie_row(amap, u)
        if row:
            ties[u] = row
    return ties


@dataclass(frozen=True)
class TieArrays:
    """The power ties in the PageRank's form: for each tie u→v (in the order of ``power_ties``: u in
    the map's order, then u's row), rank flows from v (``source``) to u (``target``) with weight
    ``weight``; ``rows`` gives each contact's offset and the keys of its row, so that an edit that
    only re-weights ties patches the weights in place (``_carry_ties``)."""

    contacts: list[str]
    index: dict[str, int]
    rows: dict[str, tuple[int, tuple[str, ...]]]
    source: np.ndarray[Any, Any]
    target: np.ndarray[Any, Any]
    weight: np.ndarray[Any, Any]


def tie_arrays(amap: AccountMap, o: ScoringOptions) -> TieArrays:
    """The power ties as arrays; kept by an edited map that changed no role, with the rows of the
    people the edit touched re-read (rebuilt when one of those rows gained or lost a tie)."""
    return amap.cached(("tie_arrays", o), lambda: _tie_arrays(amap), carry=_carry_ties)


def _tie_arrays(amap: AccountMap) -> TieArrays:
    contacts = list(amap.active)
    index = {c: i for i, c in enumerate(contacts)}
    rows: dict[str, tuple[int, tuple[str, ...]]] = {}
    source: list[int] = []
    target: list[int] = []
    weight: list[float] = []
    for u in contacts:
        row = tie_row(amap, u)
        if row:
            rows[u] = (len(source), tuple(row))
            source.extend(map(index.__getitem__, row))
            target.extend([index[u]] * len(row))
            weight.extend(row.values())
    return TieArrays(contacts, index, rows, np.array(source, dtype=np.int64), np.array(target, dtype=np.int64),
                     np.array(weight, dtype=np.float64))


def _carry_ties(value: Any, amap: AccountMap, facts: Facts) -> Any:
    if "roles" in facts:
        return None
    old: TieArrays = value
    known = amap.per_node("power.tie")
    weight: np.ndarray[Any, Any] | None = None
    for u in old.contacts:
        if u in known:
            continue
        row = tie_row(amap, u)
        start, keys = old.rows.get(u, (0, ()))
        if tuple(row) != keys:
            return None                 # a tie came or went: the arrays are built again
        if keys:
            if weight is None:
                weight = old.weight.copy()
            weight[start:start + len(keys)] = list(row.values())
    return old if weight is None else TieArrays(old.contacts, old.index, old.rows, old.source, old.target, weight)


def _pagerank(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, float]:
    """Weighted PageRank on the reversed power ties, ``power_iterations`` power steps, by contact."""
    return dict(zip(contacts, _pagerank_array(amap, contacts, o).tolist(), strict=True))


def _pagerank_array(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> np.ndarray[Any, Any]:
    """The PageRank of ``contacts`` (every active contact, in the map's order), in their order."""
    arrays = tie_arrays(amap, o)
    assert arrays.contacts == contacts
    n, d = len(contacts), o.power_damping
    src, dst, tie = arrays.source, arrays.target, arrays.weight
    total_in = np.bincount(src, weights=tie, minlength=n)
    # A person passes on rank in proportion to the ties' own weights once they add up to 1 or more;
    # below that the rest is spread evenly, as a dangling person's is: a lone weak tie (a reporting
    # line at its power factor) passes on only its weight, not everything.
    scale = np.maximum(total_in, 1.0)
    share = tie / scale[src] if len(tie) else tie
    kept = 1.0 - total_in / scale
    rank = np.full(n, 1.0 / n)
    for _ in range(o.power_iterations):
        leak = d * float((rank * kept).sum()) / n
        rank = (1.0 - d) / n + leak + d * np.bincount(dst, weights=rank[src] * share, minlength=n)
    return rank


# ---------------------------------------------------------------------- signals
def signals_of(amap: AccountMap, o: ScoringOptions) -> Signals:
    """The signals of the map's active contacts, computed per person on first use (kept with the map)."""
    return amap.cached(("signals", o), lambda: Signals(amap, o))


class Signals:
    """Each active contact's signals. The ranks (and, on small accounts, the betweenness) are the whole
    account's, computed once per map (and kept by an edited map when no tie, level or role changed);
    Burt's constraint is read per person from their own ties and their contacts', so a decision chain
    or a recommendation pays only for the people it shows, and an edit only for the people it touched."""

    def __init__(self, amap: AccountMap, o: ScoringOptions) -> None:
        self.amap, self.o = amap, o
        self.ranks = ranks(amap, o)
        self.count = len(self.ranks.contacts)
        self.places = max(o.signal_min_places, math.ceil(o.signal_rank_share * self.count))
        self._betweenness: dict[str, float] | None = None
        # A person's signals read the ranks (and the betweenness, of the ties): recomputed after an edit
        # that moved them, else only within one step of the people it touched (their constraint).
        self._found = amap.per_node(("power.signals", o), radius=1,
                                    clear=lambda facts: ranking_changed(facts, amap.rules))

    def get(self, c: str, default: tuple[RawSignal, ...] = ()) -> tuple[RawSignal, ...]:
        """The signals of ``c`` (``default`` for someone who is no active contact)."""
        if c not in self.ranks.index:
            return default
        try:
            found: tuple[RawSignal, ...] = self._found[c]
            return found
        except KeyError:
            found = self._found[c] = self._signals(c)
            return found

    def _signals(self, c: str) -> tuple[RawSignal, ...]:
        o, n = self.o, self.count
        power, formal, informal = self.ranks.get(c) or (0.0, 0, 0)
        found = []
        if formal - informal >= self.places and power >= o.hidden_min_power:
            found.append(RawSignal("hidden_influencer", informal, formal, n))
        elif (informal - formal >= self.places and power < o.title_max_power
              and self.amap.active[c].get("level") in o.leader_levels and formal > 1
              and informal_ties_known(self.amap, c)):
            found.append(RawSignal("title_without_power", informal, formal, n))
        contacts = mutual_row(self.amap, c)
        if len(contacts) >= o.broker_min_contacts and (self.constraint(c) <= o.broker_constraint
                                                       or self.betweenness().get(c, 0.0) >= o.broker_betweenness):
            apart = unlinked(self.amap, sorted(contacts, key=lambda x: (-contacts[x], x)))[:4]
            if len(apart) >= 2:
                found.append(RawSignal("broker", informal, formal, n, tuple(apart)))
        return tuple(found)

    def constraint(self, c: str) -> float:
        """Burt's constraint of c (1.0 for someone with no tie), as ``burt_constraint``."""
        values = self.amap.per_node("power.constraint", radius=1)
        try:
            value: float = values[c]
            return value
        except KeyError:
            value = values[c] = _constraint(c, lambda q: share_row(self.amap, q))
            return value

    def betweenness(self) -> dict[str, float]:
        if self._betweenness is None:
            o = self.o
            # Above ``broker_betweenness_max_contacts`` there is none: the ties are not even gathered.
            self._betweenness = (_betweenness(power_ties(self.amap, o), self.count, o)
                                 if 3 <= self.count <= o.broker_betweenness_max_contacts else {})
        return self._betweenness


def informal_ties_known(amap: AccountMap, c: str) -> bool:
    """Whether the map records any informal tie of ``c`` with another active contact (influence,
    patronage, alliance, rivalry: any line but the org chart's). Without one, a low informal rank says
    nothing about their power — only that we do not know whom they sway — so no ``title_without_power``."""
    roles, rules = amap._roles, amap.rules
    for adjacency in (amap._succ[c], amap._pred[c]):
        for x, keyed in adjacency.items():
            if x == c or roles.get(x) != "a":
                continue
            for d in keyed.values():
                rule = rules.get(d.get("type"))   # type: ignore[arg-type]
                if rule is not None and not rule.formal and rule.view in (TIE, RIVAL):
                    return True
    return False


def unlinked(amap: AccountMap, people: list[str]) -> list[str]:
    """The people of ``people`` (in that order) who have no tie to one another: each is kept unless a
    tie (``mutual_row``: any line either way) joins them to someone kept before. What a broker links."""
    kept: list[str] = []
    for p in people:
        row = mutual_row(amap, p)
        if not any(q in row or p in mutual_row(amap, q) for q in kept):
            kept.append(p)
    return kept


def mutual_row(amap: AccountMap, c: str) -> dict[str, float]:
    """Mutual tie weights a_cv = w_cv + w_vc of one active contact (``tie_row``): its own ties first,
    then those of the people who sway it only. Kept per person."""
    rows = amap.per_node("power.mutual")
    row: dict[str, float] | None = rows.get(c)
    if row is not None:
        return row
    own = tie_row(amap, c)
    row = {}
    for v, w in own.items():
        row[v] = w + tie_row(amap, v).get(c, 0.0)
    if amap.role(c) == "a":
        for adjacency in (amap._succ[c], amap._pred[c]):
            for v in adjacency:
                if v not in row and v != c and amap.role(v) == "a":
                    w = tie_row(amap, v).get(c, 0.0)
                    if w > 0.0:
                        row[v] = w
    rows[c] = row
    return row


def share_row(amap: AccountMap, c: str) -> dict[str, float]:
    """p_cj: the share of c's mutual tie weight spent on each contact j (``mutual_row``). Kept per person."""
    rows = amap.per_node("power.share")
    row: dict[str, float] | None = rows.get(c)
    if row is None:
        row = rows[c] = _shares(mutual_row(amap, c))
    return row


def _mutual(ties: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Mutual tie weights a_uv = w_uv + w_vu (both ways, no self ties)."""
    mutual: dict[str, dict[str, float]] = {}
    for u, row in ties.items():
        for v, w in row.items():
            mutual.setdefault(u, {})[v] = mutual.get(u, {}).get(v, 0.0) + w
            mutual.setdefault(v, {})[u] = mutual.get(v, {}).get(u, 0.0) + w
    return mutual


def burt_constraint(mutual: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Burt's constraint of every node with a tie: c_i = Σ_j (p_ij + Σ_q p_iq·p_qj)², p_ij the share of
    i's (mutual) tie weight spent on j. The same numbers as ``nx.constraint``, in O(Σ degree²) rather
    than the O(Σ degree³) of its general implementation (minutes on a 10,000-person account).

    >>> round(burt_constraint({"a": {"b": 1, "c": 1}, "b": {"a": 1}, "c": {"a": 1}})["a"], 3)
    0.5
    """
    shares = {u: _shares(row) for u, row in mutual.items()}
    return {i: _constraint(i, lambda u: shares.get(u, {})) for i, row in shares.items() if row}


def _shares(row: Mapping[str, float]) -> dict[str, float]:
    """p_ij: the share of i's mutual tie weight spent on each contact j."""
    total = sum(row.values())
    return {v: w / total for v, w in row.items()} if total > 0.0 else {}


def _constraint(i: str, share: Callable[[str], Mapping[str, float]]) -> float:
    """c_i, in O(Σ_q degree(q)) over i's contacts q rather than O(degree(i)²): the indirect shares
    Σ_q p_iq·p_qj are gathered from each q's own row, in the order of i's row, so each sum adds the
    same non-zero terms in the same order as the pairwise loop (the terms it leaves out are
    products with 0, which add nothing): the same bits. A hub with thousands of reports costs
    thousands of steps, not millions."""
    row = share(i)
    if not row:
        return 1.0
    indirect: dict[str, float] = {}
    for q, p_iq in row.items():
        for j, p_qj in share(q).items():
            if j != q and j in row:
                indirect[j] = indirect.get(j, 0.0) + p_iq * p_qj
    value = 0.0
    for j, p_ij in row.items():
        value += (p_ij + indirect.get(j, 0.0)) ** 2
    return value


def _betweenness(ties: Mapping[str, Mapping[str, float]], n: int, o: ScoringOptions) -> dict[str, float]:
    """Normalised betweenness on the ties (distance −log w), estimated from ``broker_samples`` seeded
    sources on larger accounts; nothing above ``broker_betweenness_max_contacts`` (see the options)."""
    if n > o.broker_betweenness_max_contacts or n < 3:
        return {}
    h = nx.DiGraph()
    h.add_weighted_edges_from(((u, v, -math.log(w)) for u, row in ties.items() for v, w in row.items()
                               if 0.0 < w < 1.0 or w == 1.0), weight="cost")
    if h.number_of_nodes() < 3:
        return {}
    sample = o.broker_samples if h.number_of_nodes() > o.broker_samples else None
    values: dict[str, float] = nx.betweenness_centrality(h, k=sample, weight="cost", seed=0)
    return values


def _pagerank_python(contacts: list[str], source: list[int], target: list[int], weight: list[float],
                     d: float, iterations: int) -> dict[str, float]:
    n = len(contacts)
    total_in = [0.0] * n
    for s, w in zip(source, weight, strict=True):
        total_in[s] += w
    scale = [max(t, 1.0) for t in total_in]
    share = [w / scale[s] for s, w in zip(source, weight, strict=True)]
    kept = [1.0 - total_in[i] / scale[i] for i in range(n)]
    rank = [1.0 / n] * n
    for _ in range(iterations):
        leak = d * sum(rank[i] * kept[i] for i in range(n)) / n
        nxt = [(1.0 - d) / n + leak] * n
        for s, t, sh in zip(source, target, share, strict=True):
            nxt[t] += d * rank[s] * sh
        rank = nxt
    return {c: rank[i] for i, c in enumerate(contacts)}


def _formal_keys(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, tuple[int, int]]:
    """(level index, org-chart depth) per contact; depth by memoised walk up REPORTS_TO (cycle-safe)."""
    order = {lvl: i for i, lvl in enumerate(o.level_order)}
    depth: dict[str, int] = {}
    bosses_of = amap.bosses_of
    for start in contacts:
        trail: list[str] = []
        on_trail: set[str] = set()
        node: str | None = start
        while node is not None and node not in depth and node not in on_trail:
            trail.append(node)
            on_trail.add(node)
            bosses = bosses_of(node)
            node = min(bosses) if bosses else None
        base = depth.get(node, -1) if node is not None and node in depth else -1
        for i, item in enumerate(reversed(trail)):
            depth[item] = base + 1 + i
    keys = {}
    data = amap._node
    for c in contacts:
        level = data[c].get("level")
        index = order.get(level, min(depth[c], len(order) - 1)) if level else min(depth[c], len(order) - 1)
        keys[c] = (index, depth[c])
    return keys
