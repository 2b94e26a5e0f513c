"""The fast paths give the slow paths' answers: views reused across calls on frozen projected maps (kept in
the map's own memo, never in the package), stances pulled forward from where they are, strongest paths
searched within the cold-outreach bound first."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import math
import random
import weakref
from collections.abc import Callable
from itertools import islice, pairwise
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from graph.projection import AccountGraph
from scoring import (
    classify_account,
    coverage_gaps,
    decision_chain,
    informal_power,
    next_best_contacts,
    strongest_paths,
    support_gains,
)
from scoring.chain import analyse_chain
from scoring.influence import influence_graph
from scoring.model import AccountMap, Propagation
from scoring.options import DEFAULT_OPTIONS, ScoringOptions

if TYPE_CHECKING:
    from tests.scoring.conftest import Oracle, RandomMap

TODAY = dt.date(2026, 11, 22)


def _everything(g: nx.MultiDiGraph, pairs: list[tuple[str, str]]) -> dict[str, object]:
    answers: dict[str, object] = {}
    calls: list[tuple[str, Callable[[], object]]] = [
        ("paths", lambda: [strongest_paths(g, a, b, k=4) for a, b in pairs]),
        ("plan", lambda: next_best_contacts(g, "o1", k=4, plan=True)),
        ("chain", lambda: decision_chain(g, "o1")),
        ("gaps", lambda: coverage_gaps(g, "o1", TODAY)),
        ("next", lambda: next_best_contacts(g, "o1", k=6)),
        ("gains", lambda: support_gains(g, "o1")),
        ("chain2", lambda: decision_chain(g, "o2")),
        ("power", lambda: informal_power(g)),
        ("class", lambda: classify_account(g, TODAY)),
    ]
    for name, call in calls:
        answers[name] = call()
    return answers


# ---------------------------------------------------------------------- maps reused on frozen graphs
def test_a_frozen_projected_map_keeps_its_view(random_graph: RandomMap) -> None:
    g = AccountGraph(random_graph(3))
    assert AccountMap.build(g, DEFAULT_OPTIONS) is not AccountMap.build(g, DEFAULT_OPTIONS)
    nx.freeze(g)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    assert AccountMap.build(g, DEFAULT_OPTIONS) is amap
    assert AccountMap.build(g, ScoringOptions()) is amap                 # equal options, same map
    assert AccountMap.build(g, ScoringOptions(alpha=0.4)) is not amap
    assert AccountMap.build(copy.deepcopy(g), DEFAULT_OPTIONS) is not amap   # a copy starts afresh
    assert AccountMap.build(nx.freeze(g.copy()), DEFAULT_OPTIONS) is not amap
    # A chain analysis is computed once per map.
    assert analyse_chain(amap, "o1", DEFAULT_OPTIONS) is analyse_chain(amap, "o1", DEFAULT_OPTIONS)


def test_the_package_keeps_nothing(random_graph: RandomMap) -> None:
    """A frozen graph without a memo of its own gets a fresh view per call, which goes with the call."""
    g = nx.freeze(random_graph(4))
    first = AccountMap.build(g, DEFAULT_OPTIONS)
    assert AccountMap.build(g, DEFAULT_OPTIONS) is not first
    decision_chain(g, "o1")
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("seed", range(8))
def test_reused_maps_give_the_same_answers(random_graph: RandomMap, seed: int) -> None:
    """Every answer on a frozen graph (one map shared by all the calls, in any order, twice) equals the
    answer on a fresh copy (a new map per call)."""
    g = random_graph(seed, n=18)
    contacts = sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "contact")
    rnd = random.Random(seed)
    pairs = [("t1", rnd.choice(contacts))] + [tuple(rnd.sample(contacts, 2)) for _ in range(3)]
    g = AccountGraph(g)
    fresh = _everything(copy.deepcopy(g), pairs)
    frozen = nx.freeze(g)
    assert _everything(frozen, pairs) == fresh
    assert _everything(frozen, pairs) == fresh                       # again, everything now cached


# ---------------------------------------------------------------------- propagation pulled forward
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("rounds", [0, 1, 2, 3])
def test_forward_from_the_stances_equals_the_dense_pass(random_graph: RandomMap, seed: int,
                                                        rounds: int) -> None:
    g = random_graph(seed, n=25)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    sparse = amap.propagation()
    dense = Propagation(sparse.inward)                     # no ``outward``: the dense pass
    rnd = random.Random(seed)
    contacts = list(amap.active)
    targets = rnd.sample(contacts, 6)
    stances = {c: rnd.choice([-1.0, -0.5, 0.0, 0.5, 1.0]) for c in rnd.sample(contacts, 7)}
    assert sparse.forward_at(targets, stances, 0.3, rounds) == dense.forward_at(targets, stances, 0.3, rounds)
    # The friends reached are exactly those the backward pass from the targets meets.
    _, reached = sparse.forward_from(targets, stances, 0.3, rounds, sources=stances)
    met = dense.backward(dict.fromkeys(targets, 1.0), 0.3, rounds)
    assert reached == set(stances) & set(met)


def _with_unlisted_competitors(random_map: RandomMap, seed: int) -> nx.MultiDiGraph:
    """A random map whose chain members' friends favor competitors the opportunity does not list."""
    g = random_map(seed, n=16)
    rnd = random.Random(seed)
    contacts = [n for n, d in g.nodes(data=True) if d.get("kind") == "contact"]
    for k in ("k2", "k3", "k4"):
        g.add_node(k, kind="competitor", name=k)
    for i in range(rnd.randint(1, 9)):
        g.add_edge(rnd.choice(contacts), rnd.choice(["k2", "k3", "k4"]), key=f"fx{i}", type="FAVORS",
                   **({} if rnd.random() < 0.2 else {"strength": rnd.choice([0.0, 0.3, 0.9])}))
    return g


@pytest.mark.parametrize("seed", range(25))
def test_competitor_support_with_unlisted_competitors(random_graph: RandomMap, oracle: Oracle,
                                                      seed: int) -> None:
    """Support per competitor is the slow oracle's; a competitor the opportunity does not list appears
    when someone who favors it moves the chain at all, in the order the backward pass meets them."""
    g = _with_unlisted_competitors(random_graph, seed)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    chain = analyse_chain(amap, "o1", DEFAULT_OPTIONS)
    support = decision_chain(g, "o1")["support"]["competitors"]
    expected = {"k1": 0.0}                 # o1 lists k1; the others in the order r·f meets them
    favors = amap.favors()
    for c in chain.sensitivity:
        for k in sorted(favors.get(c, {})):
            expected.setdefault(k, 0.0)
    assert list(support) == list(expected)
    for k, value in support.items():
        assert value == pytest.approx(oracle(g, "o1", competitor=k), abs=1e-12)


# ---------------------------------------------------------------------- strongest paths
def _networkx_paths(g: nx.MultiDiGraph, source: str, target: str, k: int) -> list[float]:
    """NetworkX's Yen on the whole influence graph less the people who would not help us (who may only
    be an end of a path)."""
    from scoring.people import GoBetweens

    h = influence_graph(g)
    if source == target or source not in h or target not in h:
        return []
    go = GoBetweens(AccountMap.build(g, DEFAULT_OPTIONS), DEFAULT_OPTIONS, None)
    h = h.subgraph([n for n in h if n in (source, target) or go.helps(n)])
    try:
        found = list(islice(nx.shortest_simple_paths(h, source, target, weight="cost"), k))
    except nx.NetworkXNoPath:
        return []
    return sorted((math.prod(h[u][v]["weight"] for u, v in pairwise(p)) for p in found), reverse=True)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("cold", [0.1, 0.6, 0.0])
def test_strongest_paths_are_networkx_yen(random_graph: RandomMap, seed: int, cold: float) -> None:
    """The bounded search finds the k strongest simple paths NetworkX finds on the whole influence graph,
    also when fewer than k are stronger than the cold outreach (the search is run again unbounded)."""
    g = random_graph(seed, n=20)
    options = ScoringOptions(cold_outreach=cold)
    nodes = sorted(n for n, d in g.nodes(data=True) if d.get("kind") in ("contact", "team_member"))
    rnd = random.Random(seed)
    for source, target in [tuple(rnd.sample(nodes, 2)) for _ in range(6)]:
        for k in (1, 3, 7):
            paths = strongest_paths(g, source, target, k=k, options=options)["paths"]
            expected = _networkx_paths(g, source, target, k)
            assert [p["strength"] for p in paths] == pytest.approx(expected, rel=1e-12)
            for p in paths:
                hops = p["hops"]
                assert hops[0]["from"] == source and hops[-1]["to"] == target
                assert len({h["from"] for h in hops} | {target}) == len(hops) + 1      # simple
                assert math.prod(h["weight"] for h in hops) == p["strength"]
