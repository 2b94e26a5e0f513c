"""Drawings kept per projected map object: by identity, within a byte budget, least recently asked out."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from rendering.drawings import Drawings


def _drawer(data: bytes, calls: list[bytes]) -> Callable[[], bytes]:
    def draw() -> bytes:
        calls.append(data)
        return data
    return draw


def test_the_same_request_about_the_same_map_object_is_drawn_once() -> None:
    drawings, calls = Drawings(), list[bytes]()
    graph = nx.freeze(nx.MultiDiGraph())
    assert drawings.drawn(graph, ("png", None), _drawer(b"a", calls)) == b"a"
    assert drawings.drawn(graph, ("png", None), _drawer(b"b", calls)) == b"a"
    assert drawings.drawn(graph, ("svg", None), _drawer(b"c", calls)) == b"c"        # another request
    assert drawings.drawn(nx.freeze(nx.MultiDiGraph()), ("png", None), _drawer(b"d", calls)) == b"d"  # equal, not it
    assert calls == [b"a", b"c", b"d"] and drawings.counts == {"kept": 1, "drawn": 3}


def test_at_most_max_bytes_are_kept_least_recently_asked_out_first() -> None:
    drawings, calls = Drawings(max_bytes=100), list[bytes]()
    graph = nx.MultiDiGraph()
    for name in ("a", "b", "c", "d"):
        drawings.drawn(graph, name, _drawer(name.encode() * 25, calls))
    assert drawings.size == 100
    drawings.drawn(graph, "a", _drawer(b"?", calls))                   # asked again: now the latest
    drawings.drawn(graph, "e", _drawer(b"e" * 25, calls))              # pushes out b, the least recent
    assert drawings.size == 100 and len(calls) == 5
    drawings.drawn(graph, "a", _drawer(b"?", calls))
    drawings.drawn(graph, "b", _drawer(b"B" * 25, calls))
    assert calls[-1] == b"B" * 25 and len(calls) == 6 and drawings.size == 100


def test_a_drawing_larger_than_a_quarter_of_the_budget_is_sent_not_kept() -> None:
    drawings, calls = Drawings(max_bytes=100), list[bytes]()
    graph = nx.MultiDiGraph()
    assert drawings.drawn(graph, "big", _drawer(b"x" * 26, calls)) == b"x" * 26
    assert drawings.drawn(graph, "big", _drawer(b"x" * 26, calls)) == b"x" * 26
    assert len(calls) == 2 and drawings.size == 0
