"""Lines are routed around boxes: no relationship line and no reporting connector passes under a box
(its own two boxes included: a line ends at a box's border), on the furniture map and a large one."""

from __future__ import annotations

import itertools
import random

import pytest
from fastapi.testclient import TestClient

from rendering.draw import box_rects, drawn_direction, route_lines
from rendering.focus import Focus, focused
from rendering.layout import layout_map
from rendering.model import build_map
from rendering.routing import BEND, CROWD, SLACK, Router, rounded_corners, segment_hits_rect
from tests.maps.generator import large_account

# A line may touch a box's border where it ends; "under a box" means through its inside.
TOLERANCE = 0.01


def _check(client: TestClient, account: str, opportunity: str | None) -> int:
    graph = client.app.state.store.account_graph(account)  # type: ignore[attr-defined]
    model = focused(build_map(graph, opportunity_id=opportunity), Focus())
    layout = layout_map(model)
    rects = box_rects(model, layout)
    routed = route_lines(model, layout)
    drawable = [ln for ln in model.lines if len(set(drawn_direction(ln)) & rects.keys()) == 2
                and ln.source != ln.target]
    assert len(routed) == len(drawable)                        # every line found its way
    for line, route in routed:
        points = rounded_corners(route.points)
        a, b = drawn_direction(line)
        assert route.points[0] != route.points[-1]
        for p, q in itertools.pairwise(points):
            for node, rect in rects.items():
                assert not segment_hits_rect(p, q, rect, TOLERANCE), (line.type, line.source, line.target,
                                                                       "under", node)
        # It starts on the border of its first box and ends on the border of the second.
        for end, node in ((route.points[0], a), (route.points[-1], b)):
            x0, y0, x1, y1 = rects[node]
            on_side = (abs(end[0] - x0) < 1e-6 or abs(end[0] - x1) < 1e-6) and y0 <= end[1] <= y1
            on_top = (abs(end[1] - y0) < 1e-6 or abs(end[1] - y1) < 1e-6) and x0 <= end[0] <= x1
            assert on_side or on_top
    for p, q in layout.segments:                               # reporting connectors too
        for node, rect in rects.items():
            assert not segment_hits_rect(p, q, rect, TOLERANCE), ("reporting line under", node)
    return len(routed)


@pytest.mark.parametrize("opportunity", [None, "gzf-upgrade"])
def test_no_line_passes_under_a_box_on_the_furniture_map(furniture: TestClient, opportunity: str | None) -> None:
    assert _check(furniture, "gzf", opportunity) >= 12


def test_no_line_passes_under_a_box_on_a_large_map(client: TestClient) -> None:
    client.post("/v1/import", json=large_account(300, seed=7)).raise_for_status()
    assert _check(client, "big", "big-opp") >= 40


def test_a_line_between_neighbours_goes_round_the_box_between_them() -> None:
    boxes = {"a": (0.0, 0.0, 2.0, 0.7), "b": (2.4, 0.0, 4.4, 0.7), "c": (4.8, 0.0, 6.8, 0.7)}
    route = Router(boxes).route("a", "c")
    assert route is not None
    points = rounded_corners(route.points)
    assert not any(segment_hits_rect(p, q, boxes["b"]) for p, q in itertools.pairwise(points))
    assert min(y for _, y in route.points) < 0 or max(y for _, y in route.points) > 0.7   # above or below


def _bends(points: list[tuple[float, float]]) -> int:
    """Where a route turns (its border points are exact, its grid points rounded: a run is along y when
    it moves more along y than along x)."""
    along_y = [abs(q[1] - p[1]) > abs(q[0] - p[0]) for p, q in itertools.pairwise(points)]
    return sum(a != b for a, b in itertools.pairwise(along_y))


def _cost(points: list[tuple[float, float]]) -> float:
    """A route's cost as the router counts it on an empty page: its length and its bends."""
    length = sum(abs(q[0] - p[0]) + abs(q[1] - p[1]) for p, q in itertools.pairwise(points))
    return length + BEND * _bends(points)


@pytest.mark.parametrize("slack", [1.0, SLACK])
def test_a_direct_path_is_taken_only_when_it_is_the_cheapest(slack: float) -> None:
    # Rows of boxes of uneven widths, with gaps: some pairs are joined by a straight run, an L, a Z or a
    # U; others only by a path round other boxes. An exact search (no over-weighted estimate, no direct
    # paths) finds the cheapest path; a direct path, when the router takes one, costs no more (with a
    # slack, no more than that many times as much, as the maps' direct paths).
    rng = random.Random(11)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for row in range(4):
        x = rng.uniform(0, 0.6)
        for col in range(6):
            w = rng.uniform(1.2, 2.0)
            if rng.random() < 0.8:
                y = row * 1.4 + rng.uniform(0, 0.2)
                boxes[f"r{row}c{col}"] = (x, y, x + w, y + 0.7)
            x += w + rng.uniform(0.3, 0.9)
    names = sorted(boxes)
    pairs = [(a, b) for a in names for b in names if a != b]
    direct = searched = 0
    for a, b in rng.sample(pairs, 120):
        router = Router(boxes, greed=1.0, slack=slack)
        route = router.route(a, b)
        exact = Router(boxes, greed=1.0, direct=False, sparse=False).route(a, b)    # every free grid node
        assert route is not None and exact is not None
        if router.direct:
            direct += 1
            assert _bends(route.points) <= 2
            assert _cost(route.points) <= slack * _cost(exact.points) + 1e-6, (a, b)
            for p, q in itertools.pairwise(rounded_corners(route.points)):
                for node, rect in boxes.items():
                    assert not segment_hits_rect(p, q, rect, TOLERANCE), (a, b, "under", node)
        else:
            searched += 1
    assert direct >= 20 and (searched >= 20 or slack > 1)          # both kinds were exercised (with a
    # slack, nearly every pair of these rows has a direct path close enough)


def _scene(rng: random.Random, rows: int, cols: int) -> dict[str, tuple[float, float, float, float]]:
    """Rows of boxes of uneven widths and heights, some missing, with gaps of uneven widths."""
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for row in range(rows):
        x = rng.uniform(0, 0.8)
        for col in range(cols):
            w = rng.uniform(0.6, 2.0)
            if rng.random() < 0.75:
                y = row * 1.3 + rng.uniform(0, 0.35)
                boxes[f"r{row}c{col}"] = (x, y, x + w, y + rng.uniform(0.4, 0.8))
            x += w + rng.uniform(0.25, 1.4)
    return boxes


def test_the_visibility_graph_keeps_every_cheapest_path() -> None:
    # The search runs on the kept nodes only (the lines seen from boxes' sides, ports, the margin and
    # channels). An exact search there finds a path as cheap as an exact search over every free grid node
    # (length and bends, on a fresh page), and none runs under a box. Fails if a needed line is dropped
    # (a port's, a box side's extension) or a step runs past a box.
    rng = random.Random(5)
    compared = fewer = 0
    for _ in range(12):
        boxes = _scene(rng, rng.randint(3, 4), rng.randint(4, 6))
        names = sorted(boxes)
        for a, b in rng.sample([(a, b) for a in names for b in names if a != b], 12):
            sparse = Router(boxes, greed=1.0, direct=False)
            full = Router(boxes, greed=1.0, direct=False, sparse=False)
            assert sparse.size < full.size
            route, exact = sparse.route(a, b), full.route(a, b)
            assert route is not None and exact is not None
            assert _cost(route.points) <= _cost(exact.points) + 1e-6, (a, b, route.points, exact.points)
            for p, q in itertools.pairwise(rounded_corners(route.points)):
                for node, rect in boxes.items():
                    assert not segment_hits_rect(p, q, rect, TOLERANCE), (a, b, "under", node)
            compared += 1
            fewer += sparse.size * 2 < full.size
    assert compared == 144 and fewer > 100                         # the graph searched is much smaller


def test_crowding_on_the_graph_follows_the_lines_routed() -> None:
    # What earlier lines weigh on each step of the visibility graph is the sum over the grid steps it
    # covers (direct paths turn at grid nodes the graph may not keep): fails if a route's run is not
    # counted on every kept step it overlaps, so later lines would not spread.
    rng = random.Random(3)
    checked = 0
    for _ in range(4):
        boxes = _scene(rng, 3, 5)
        names = sorted(boxes)
        router = Router(boxes, lanes=1, greed=3.0)
        for a, b in rng.sample([(a, b) for a in names for b in names if a != b], 25):
            router.route(a, b)
        ny = router._ny
        assert router.direct > 0 and any(router._crowd_h) and any(router._crowd_v)
        for k, n in enumerate(router._grid):
            if router._right[k] >= 0:
                assert router._pay[2 * k] / CROWD == pytest.approx(sum(router._crowd_h[n:router._grid[router._right[k]]:ny]))
                checked += 1
            if router._down[k] >= 0:
                assert router._pay[2 * k + 1] / CROWD == pytest.approx(sum(router._crowd_v[n:router._grid[router._down[k]]]))
    assert checked > 500
