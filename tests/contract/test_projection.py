"""The projection writes an account's map into the graph's dicts directly; the map is exactly what
NetworkX's ``add_node``/``add_edge`` would build — the same nodes, attributes, neighbours and parallel edges,
in the same order — whatever order the records come in, for an account stored on either backend."""

from __future__ import annotations

import gc
import random

import networkx as nx
import pytest

from benchmarks.generator import generate_account
from graph import history, map_cache
from graph.backend import Backend
from graph.models import Bundle
from graph.projection import account_graph
from graph.records import AccountSubgraph, MapEdge, MapNode, now_iso
from graph.store import Store


def built_by_networkx(subgraph: AccountSubgraph) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(account_id=subgraph.account.id, account={"id": subgraph.account.id,
                                                                     **subgraph.account.data})
    graph.add_node(subgraph.account.id, kind="account", **subgraph.account.data)
    for node in sorted(subgraph.nodes, key=lambda r: r.id):
        graph.add_node(node.id, kind=node.kind, **node.data)
    for edge in sorted(subgraph.edges, key=lambda r: r.id):
        graph.add_edge(edge.source, edge.target, key=edge.id, type=edge.type, **edge.data)
    return graph


def assert_same(built: nx.MultiDiGraph, expected: nx.MultiDiGraph) -> None:
    assert built.graph == expected.graph
    assert list(built.nodes(data=True)) == list(expected.nodes(data=True))
    for mine, theirs in ((built._succ, expected._succ), (built._pred, expected._pred)):
        assert list(mine) == list(theirs)
        for n in theirs:
            assert list(mine[n].items()) == list(theirs[n].items())
            for m in theirs[n]:
                assert list(mine[n][m].items()) == list(theirs[n][m].items())
    for u, row in built._succ.items():      # one dict per pair of ends, shared by both directions
        for v, keyed in row.items():
            assert built._pred[v][u] is keyed
    assert built.size_hint == expected.number_of_nodes() + expected.number_of_edges()


def test_a_stored_account_projects_as_networkx_builds_it(backend: Backend) -> None:
    store = Store(backend)
    bundle = generate_account(300, 5, account_id="proj")
    store.import_bundle(Bundle.model_validate(bundle), actor="test")
    subgraph = store.account_subgraph("proj")
    assert len(subgraph.edges) > 500
    assert_same(account_graph(subgraph), built_by_networkx(subgraph))


def test_records_in_any_order_with_loops_parallel_edges_and_ends_no_node_names() -> None:
    rnd = random.Random(7)
    account = MapNode("account", "acme", {"name": "ACME 家具"}, 1)
    nodes = [MapNode("contact", f"c{i}", {"name": f"人{i}", "level": "vp"}, 1) for i in range(12)]
    ends = [f"c{i}" for i in range(12)] + ["team1", "k9", "acme"]     # two ends are no node of the list
    edges = [MapEdge(rnd.choice(["REPORTS_TO", "INFLUENCES", "COVERS"]), f"e{i:03d}", rnd.choice(ends),
                     rnd.choice(ends), {"strength": rnd.random()}, 1) for i in range(120)]
    edges.append(MapEdge("ALLY", "loop", "c3", "c3", {}, 1))
    # the first edge by id names two ends no node names: source before target
    edges.append(MapEdge("COVERS", "a-first", "k9", "team1", {"closeness": 0.5}, 1))
    for _ in range(3):
        rnd.shuffle(nodes)
        rnd.shuffle(edges)
        subgraph = AccountSubgraph(account, list(nodes), list(edges))
        assert_same(account_graph(subgraph), built_by_networkx(subgraph))


def test_a_map_is_loaded_and_projected_with_the_cyclic_collector_held_off(
        backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a large map makes hundreds of thousands of objects and no garbage: the collector is off
    while the records are read and projected, and back on once the map is made (graph.collector)."""
    seen: list[tuple[str, bool]] = []
    def projecting(subgraph: AccountSubgraph) -> nx.MultiDiGraph:
        seen.append(("projection", gc.isenabled()))
        return account_graph(subgraph)

    monkeypatch.setattr(map_cache, "account_graph", projecting)
    store = Store(backend)
    store.import_bundle(Bundle.model_validate(generate_account(40, 3, account_id="gc")), actor="t")
    assert gc.isenabled()
    graph = store.account_graph("gc")
    assert seen == [("projection", False)] and gc.isenabled()
    assert store.account_graph("gc") is graph and len(seen) == 1      # kept: not loaded again


def test_maps_as_of_a_moment_are_replayed_with_the_collector_held_off(
        backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for a map replayed from the audit trail (a question ``as_of`` a moment, a period's two
    maps): the history read, replayed and projected with the collector off, and it back on after."""
    seen: list[bool] = []

    def projecting(subgraph: AccountSubgraph) -> nx.MultiDiGraph:
        seen.append(gc.isenabled())
        return account_graph(subgraph)

    monkeypatch.setattr(history, "account_graph", projecting)
    store = Store(backend)
    store.import_bundle(Bundle.model_validate(generate_account(40, 3, account_id="gc")), actor="t")
    history.account_graph_as_of(store, "gc", now_iso())
    history.period(store, "gc", "2000-01-01T00:00:00Z")     # no map then: one projected
    history.graphs_at(store, "gc", [now_iso()])
    assert seen == [False] * 3 and gc.isenabled()
