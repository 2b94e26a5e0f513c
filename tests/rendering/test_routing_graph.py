"""The tables the router builds once per page, checked against plain reference computations: which grid
nodes a set of index ranges covers, and each kept node's neighbour along each direction in the search's
graph (the next kept node on its grid line, when the run to it passes no box)."""

from __future__ import annotations

import random

import numpy as np

from rendering.routing import CLEARANCE, Router, _covers, segment_hits_rect
from tests.maps.test_map_routing import _scene


def test_covers_mark_the_nodes_inside_any_range_of_each_layer() -> None:
    rng = np.random.default_rng(4)
    shape = (9, 7)
    layers = []
    for count in (5, 1, 3):                       # ranges may be empty (i1 <= i0) and reach the far edges
        i0, j0 = rng.integers(0, 9, count), rng.integers(0, 7, count)
        i1, j1 = np.minimum(i0 + rng.integers(-1, 5, count), 9), np.minimum(j0 + rng.integers(-1, 5, count), 7)
        layers.append((i0, i1, j0, j1))
    got = _covers(shape, layers)
    assert got.shape == (3, 9, 7)
    for layer, (i0, i1, j0, j1) in zip(got, layers, strict=True):
        want = np.zeros(shape, dtype=bool)
        for a, b, c, d in zip(i0, i1, j0, j1, strict=True):
            want[a:b, c:d] = True
        assert (layer == want).all()
    assert got.any() and not got.all()


def test_each_kept_node_steps_to_the_next_kept_node_on_its_line_when_no_box_is_in_the_way() -> None:
    # Fails if a neighbour skips a kept node, joins two lines, or runs under a box (or a free one is lost).
    rng = random.Random(11)
    steps = blocked = 0
    for lanes, ports in ((1, (0.5,)), (3, (0.5, 0.25, 0.75))):
        for _ in range(5):
            boxes = _scene(rng, rng.randint(2, 4), rng.randint(3, 6))
            router = Router(boxes, lanes=lanes, ports=ports)
            rects = [(round(x0 - CLEARANCE, 4), round(y0 - CLEARANCE, 4), round(x1 + CLEARANCE, 4),
                      round(y1 + CLEARANCE, 4)) for x0, y0, x1, y1 in boxes.values()]     # as the grid's lines
            ny = router._ny
            kept = {n: k for k, n in enumerate(router._grid)}
            for k, n in enumerate(router._grid):
                i, j = divmod(n, ny)
                for table, di, dj in ((router._right, 1, 0), (router._left, -1, 0),
                                      (router._down, 0, 1), (router._up, 0, -1)):
                    a, b = i + di, j + dj
                    while 0 <= a < len(router.xs) and 0 <= b < ny and a * ny + b not in kept:
                        a, b = a + di, b + dj
                    if not (0 <= a < len(router.xs) and 0 <= b < ny):
                        assert table[k] == -1
                        continue
                    p, q = (router.xs[i], router.ys[j]), (router.xs[a], router.ys[b])
                    free = not any(segment_hits_rect(p, q, r) for r in rects)
                    assert table[k] == (kept[a * ny + b] if free else -1), (p, q, free)
                    steps += free
                    blocked += not free
    assert steps > 2000 and blocked > 100
