from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from scoring.influence import influence_graph, strongest_paths
from scoring.options import ScoringOptions

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder, RandomMap


def _snapshot(g: nx.MultiDiGraph) -> tuple[object, ...]:
    return (copy.deepcopy(dict(g.graph)), copy.deepcopy(list(g.nodes(data=True))),
            copy.deepcopy(list(g.edges(keys=True, data=True))))


def test_reports_to_carries_influence_both_ways(mapb: type[MapBuilder]) -> None:
    h = influence_graph(mapb().contacts("boss", "rep").edge("REPORTS_TO", "rep", "boss").build())
    assert h["boss"]["rep"]["weight"] == pytest.approx(0.7)
    assert h["rep"]["boss"]["weight"] == pytest.approx(0.3)
    assert h["boss"]["rep"]["type"] == h["rep"]["boss"]["type"] == "REPORTS_TO"


def test_promoted_by_patron_sways_protege_more(mapb: type[MapBuilder]) -> None:
    h = influence_graph(mapb().contacts("patron", "protege").edge("PROMOTED_BY", "protege", "patron").build())
    assert h["patron"]["protege"]["weight"] == pytest.approx(0.8)
    assert h["protege"]["patron"]["weight"] == pytest.approx(0.4)


@pytest.mark.parametrize("props, expected", [({}, 0.5), ({"strength": 0.9}, 0.9)])
def test_ally_is_stored_once_and_means_both_ways(mapb: type[MapBuilder], props: dict[str, float],
                                                 expected: float) -> None:
    h = influence_graph(mapb().contacts("a", "b").edge("ALLY", "a", "b", **props).build())
    assert h["a"]["b"]["weight"] == pytest.approx(expected)
    assert h["b"]["a"]["weight"] == pytest.approx(expected)


def test_missing_strength_gets_the_default(mapb: type[MapBuilder]) -> None:
    h = influence_graph(mapb().contacts("a", "b").edge("INFLUENCES", "a", "b").build())
    assert h["a"]["b"]["weight"] == pytest.approx(0.5)
    h = influence_graph(mapb().contacts("a", "b").edge("INFLUENCES", "a", "b").build(),
                        ScoringOptions(default_strength=0.2))
    assert h["a"]["b"]["weight"] == pytest.approx(0.2)


def test_parallel_edges_combine_and_keep_the_strongest_kind(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("boss", "rep").edge("REPORTS_TO", "rep", "boss")
         .edge("INFLUENCES", "rep", "boss", strength=0.6).build())
    h = influence_graph(g)
    assert h["rep"]["boss"]["weight"] == pytest.approx(1 - 0.7 * 0.4)
    assert h["rep"]["boss"]["type"] == "INFLUENCES"
    assert h["rep"]["boss"]["cost"] == pytest.approx(-math.log(0.72))


def test_weights_are_in_unit_interval_and_zero_strength_is_no_edge(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("a", "b", "c").edge("INFLUENCES", "a", "b", strength=0.0)
         .edge("INFLUENCES", "b", "c", strength=1.0).build())
    h = influence_graph(g)
    assert not h.has_edge("a", "b")
    assert all(0 < w <= 1 for _, _, w in h.edges(data="weight"))


def test_team_members_join_through_covers_and_mirrors(mapb: type[MapBuilder]) -> None:
    g = (mapb().contact("c").team("t1").team("t2").edge("COVERS", "t1", "c", closeness=0.8)
         .edge("MIRRORS", "t2", "c").edge("COVERS", "t2", "c").build())
    h = influence_graph(g)
    assert h["t1"]["c"]["weight"] == pytest.approx(0.8)
    assert h["t1"]["c"]["type"] == "COVERS"
    assert h["t2"]["c"]["weight"] == pytest.approx(1 - 0.4 * 0.5)
    assert h["t2"]["c"]["type"] == "MIRRORS"
    assert not h.has_edge("c", "t1")


def test_left_contact_is_not_in_the_graph_and_carries_no_path(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("a", "c").contact("gone", status="left", left_at="2026-01-01")
         .edge("INFLUENCES", "a", "gone", strength=0.9).edge("INFLUENCES", "gone", "c", strength=0.9)
         .build())
    assert "gone" not in influence_graph(g)
    assert strongest_paths(g, "a", "c")["paths"] == []
    assert strongest_paths(g, "a", "gone")["paths"] == []


def test_rivals_never_carry_a_path_but_are_kept_for_propagation(mapb: type[MapBuilder]) -> None:
    g = mapb().contacts("a", "b").edge("RIVAL", "a", "b", strength=0.6).build()
    h = influence_graph(g)
    assert not h.has_edge("a", "b") and not h.has_edge("b", "a")
    assert h.graph["rivals"] == pytest.approx({("a", "b"): 0.6, ("b", "a"): 0.6})
    assert strongest_paths(g, "a", "b")["paths"] == []


def test_strongest_paths_are_ordered_with_hop_kinds(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("a", "b", "c", "d").team("t")
         .edge("COVERS", "t", "a", closeness=0.9)
         .edge("INFLUENCES", "a", "b", strength=0.9).edge("INFLUENCES", "b", "d", strength=0.9)
         .edge("REPORTS_TO", "c", "a").edge("INFLUENCES", "c", "d", strength=0.5)
         .edge("INFLUENCES", "a", "d", strength=0.3).build())
    paths = strongest_paths(g, "t", "d", k=3)["paths"]
    assert [p["strength"] for p in paths] == pytest.approx([0.9 * 0.81, 0.9 * 0.7 * 0.5, 0.9 * 0.3])
    assert [(h["from"], h["to"], h["type"]) for h in paths[0]["hops"]] == [
        ("t", "a", "COVERS"), ("a", "b", "INFLUENCES"), ("b", "d", "INFLUENCES")]
    assert paths[1]["hops"][1] == {"from": "a", "to": "c", "type": "REPORTS_TO", "weight": pytest.approx(0.7)}
    assert len(strongest_paths(g, "t", "d", k=1)["paths"]) == 1


@pytest.mark.parametrize("source, target", [("a", "a"), ("a", "nobody"), ("d", "a")])
def test_no_paths_is_an_empty_answer(mapb: type[MapBuilder], source: str, target: str) -> None:
    g = mapb().contacts("a", "d").edge("INFLUENCES", "a", "d").build()
    assert strongest_paths(g, source, target)["paths"] == []


def test_input_graph_is_not_mutated(furniture_graph: nx.MultiDiGraph) -> None:
    before = _snapshot(furniture_graph)
    influence_graph(furniture_graph)
    strongest_paths(furniture_graph, "us-se", "gzf-gm")
    assert _snapshot(furniture_graph) == before


@pytest.mark.parametrize("seed", range(8))
def test_every_view_of_the_links_agrees(random_graph: RandomMap, seed: int) -> None:
    """The per-node links, the lean path costs and the one-pass influence graph apply the same rules."""
    from scoring.model import AccountMap
    from scoring.options import DEFAULT_OPTIONS

    g = random_graph(seed)
    h = influence_graph(g)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    costs = amap.path_costs()
    for u in h:
        expected = {v: h[u][v]["weight"] for v in h[u]}
        assert {v: e[0] for v, e in amap.links[u].items()} == pytest.approx(expected)
        assert {v: math.exp(-c) for v, c in costs(u)} == pytest.approx(expected)
        for v in h[u]:
            assert amap.local(v).inn[u][0] == pytest.approx(h[u][v]["weight"])
            assert amap.links[u][v][2] == h[u][v]["type"]
    rivals = {(u, v): w for u in h if u in amap.active for v, w in amap.local(u).rivals.items()}
    assert rivals == pytest.approx(h.graph["rivals"])
