"""Relationship lines routed around the boxes, never under one: orthogonal paths through the gaps
between boxes, found by an A* search on the visibility graph of a sparse grid.

The grid's lines are the boxes' edges pushed out by a clearance, their centre lines (where lines attach)
and a few evenly spaced lanes in every wide gap; a grid point or step strictly inside a box pushed out
by the clearance is blocked. Any path on this grid keeps the clearance from every box, its own two
boxes included, and attaches to a box's side at a right angle. The search visits only the grid points
where two lines seen from a box, a port, the margin or a channel between boxes meet (``Router._visible``),
stepping along a free run to the next such point: far fewer points than the grid has, and no shortest
path lost. The search prefers short paths with few bends, and steps already taken by earlier lines
cost more, so lines spread over the lanes of a gap instead of running on top of each other. A line
whose cheapest path is a direct one (straight, an L, a Z or a U) gets it without a search, when that
is provably the cheapest (``Router._direct``), or provably costs at most ``slack`` times the cheapest:
a map's search over-weights its estimate anyway, and a direct path has the fewest bends.

Lines into one box stay apart: each side of a box has ports (its middle first), and a line ends where no
earlier line ends or starts while its box has such a port, so every arrow has its own approach and
arrowhead. A router can also keep a second, wider clearance for lines drawn wide (a change map's
highlighter bands, which also keep it from the badges on boxes); both kinds share crowding and ports.

Coordinates are inches, y pointing down, as in ``rendering.layout``.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]
Rect = tuple[float, float, float, float]          # x0, y0, x1, y1 (y down: y0 is the top)

CLEARANCE = 0.09      # between a line and any box (less than half the narrowest gap the layout leaves)
LANE = 0.11           # spacing of the extra lanes in a wide gap
MAX_LANES = 3         # extra lanes per gap
BEND = 0.35           # the cost of a bend, in inches of line
CROWD = 0.3           # the cost of sharing a step with each earlier line, per inch
MARGIN = 0.45         # room around everything, so a path can always go round the outside
PORTS = (0.5, 0.25, 0.75)  # where lines attach along a box's top and bottom, the middle first
GREED = 1.5           # weight of the A* estimate (1 = always the cheapest path; more = faster search)
CORNER = 0.07         # the radius of a drawn line's rounded corners (within the clearance)
CHANNEL = 1.2         # a gap between boxes at most this wide keeps its lanes in the search's graph
SLACK = 1.25          # a map's direct path may cost this times what any other path costs at least
BAND = 10.0           # sharing a wide line's run (or running under its band) costs this times more


@dataclass(frozen=True)
class Route:
    """A routed line: its points from the border of the first box to the border of the second."""

    source: str
    target: str
    points: list[Point]


def _rounded(values: Iterable[float]) -> list[float]:
    return sorted({round(v, 4) for v in values})


def _lanes(edges: list[float], lanes: int) -> list[float]:
    """Extra coordinates inside each wide gap between consecutive edges (at most ``lanes`` per gap)."""
    out: list[float] = []
    for a, b in itertools.pairwise(edges):
        n = min(lanes, int((b - a) / LANE) - 1)
        out.extend(a + (b - a) * k / (n + 1) for k in range(1, n + 1))
    return out


def _next_blocked(blocked: np.ndarray, axis: int) -> np.ndarray:
    """For each node, the index along ``axis`` of the farthest node a run towards higher indices reaches:
    the first node whose step onwards is blocked (the last node's step always is)."""
    n = blocked.shape[axis]
    index = np.arange(n).reshape((n, 1) if axis == 0 else (1, n))
    marks = np.where(blocked, index, n - 1)
    return np.flip(np.minimum.accumulate(np.flip(marks, axis), axis), axis)


def _previous_blocked(blocked: np.ndarray, axis: int) -> np.ndarray:
    """For each node, the index along ``axis`` of the farthest node a run towards lower indices reaches:
    one past the last blocked step before it (0 when there is none)."""
    n = blocked.shape[axis]
    index = np.arange(n).reshape((n, 1) if axis == 0 else (1, n))
    marks = np.where(blocked, index + 1, 0)
    before = np.maximum.accumulate(marks, axis)                 # one past the last blocked step at or before
    out = np.zeros_like(before)
    if axis == 0:
        out[1:, :] = before[:-1, :]
    else:
        out[:, 1:] = before[:, :-1]
    return out


def _covers(shape: tuple[int, int], ranges: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
            ) -> np.ndarray:
    """For each of ``ranges`` (i0, i1, j0, j1: arrays, one item each), the nodes of a grid of ``shape`` inside
    any of its items' index ranges [i0, i1) × [j0, j1): one layer each, all marked and summed at once."""
    nx_, ny_ = shape[0] + 1, shape[1] + 1
    i0, i1, j0, j1 = (np.concatenate(part) for part in zip(*ranges, strict=True))
    i1, j1 = np.maximum(i0, i1), np.maximum(j0, j1)
    layer = np.repeat(np.arange(len(ranges)) * (nx_ * ny_), [len(r[0]) for r in ranges])
    corners = np.concatenate([layer + i0 * ny_ + j0, layer + i1 * ny_ + j1,          # +1 at these
                              layer + i0 * ny_ + j1, layer + i1 * ny_ + j0])         # -1 at these
    signs = np.repeat([1.0, -1.0], 2 * len(i0))
    marks = np.bincount(corners, signs, len(ranges) * nx_ * ny_).reshape(len(ranges), nx_, ny_)
    covered: np.ndarray = marks.cumsum(1).cumsum(2)[:, :-1, :-1] > 0.5
    return covered


def _integers(values: np.ndarray) -> array[int]:
    """The array's values, flattened, as a Python array of 64-bit integers."""
    return array("q", values.astype(np.int64, copy=False).tobytes())


def _seen(sources: np.ndarray, low: np.ndarray, high: np.ndarray, axis: int) -> np.ndarray:
    """Whether the free run through each node along ``axis`` (from index ``low`` to ``high``) holds a
    source node."""
    counts = np.cumsum(sources, axis)
    pad = np.zeros((1, sources.shape[1]) if axis == 0 else (sources.shape[0], 1), dtype=counts.dtype)
    counts = np.concatenate([pad, counts], axis)                 # counts[k]: sources before index k
    seen: np.ndarray = (np.take_along_axis(counts, high + 1, axis) - np.take_along_axis(counts, low, axis)) > 0
    return seen


class _Graph:
    """The search's graph for one clearance: what is blocked, how far straight runs reach, the kept
    nodes and their neighbours, what crowding costs on each kept step, and each box's ports."""

    def __init__(self, c: float) -> None:
        self.c = c
        self.reach_right = self.reach_left = self.reach_down = self.reach_up = array("q")
        self.number = array("q")
        self.right: list[int] = []
        self.left: list[int] = []
        self.down: list[int] = []
        self.up: list[int] = []
        self.right_state: list[int] = []
        self.left_state: list[int] = []
        self.down_state: list[int] = []
        self.up_state: list[int] = []
        self.grid: list[int] = []
        self.x: list[float] = []
        self.y: list[float] = []
        self.size = 0
        self.pay: list[float] = []
        self.ports: dict[str, list[tuple[int, int, Point]]] = {}


class Router:
    """Routes lines between named boxes, avoiding those boxes and any other ``obstacles``.

    Lines into one box stay apart: a box has ports along its four sides (``ports`` of each), and a line
    ends at a port of its target where no earlier line ends or starts, and starts at one where no earlier
    line arrives, while its box has such a port (else at one used least), so every arrow has its own
    approach and arrowhead.

    With ``wide``, the router keeps a second graph on the same grid, for lines drawn wide (a change
    map's highlighter bands): those keep ``wide`` from every box and every one of ``wide_obstacles`` (the
    badges on boxes) and are routed with ``route(..., wide=True)``. Both kinds of line share what
    crowding costs and which ports are taken, so neither runs on top of the other.
    """

    def __init__(self, boxes: dict[str, Rect], obstacles: Sequence[Rect] = (), clearance: float = CLEARANCE,
                 lanes: int = MAX_LANES, greed: float = GREED, ports: tuple[float, ...] = PORTS,
                 direct: bool = True, sparse: bool = True, slack: float = 1.0, wide: float | None = None,
                 wide_obstacles: Sequence[Rect] = ()):
        """``lanes``, ``greed`` and ``ports`` (where along each side of a box lines attach, as fractions
        of its width or height) trade the spread and directness of lines for speed (a page of a long PDF
        uses fewer lanes and ports and a greedier search). ``direct``: take a direct path without a
        search when it is the cheapest (``_direct``), or costs at most ``slack`` times what any other path
        costs at least; off, every line is searched. ``sparse``: search the
        visibility graph (``_visible``); off, every free grid node (what an exact search needs no more than:
        tests compare the two). ``wide``, ``wide_obstacles``: the clearance of wide lines, and what else
        they keep it from."""
        self.boxes = boxes
        self.use_direct = direct
        self.slack = slack
        self.c = clearance
        self.greed = greed
        layers = [(clearance, [*boxes.values(), *obstacles])]
        if wide is not None and wide > clearance:
            layers.append((wide, [*boxes.values(), *obstacles, *wide_obstacles]))
        inflated = [[(round(x0 - c, 4), round(y0 - c, 4), round(x1 + c, 4), round(y1 + c, 4))
                     for x0, y0, x1, y1 in rects] or [(0.0, 0.0, 0.0, 0.0)] for c, rects in layers]
        x_edges = sorted({v for rects in inflated for r in rects for v in (r[0], r[2])})
        y_edges = sorted({v for rects in inflated for r in rects for v in (r[1], r[3])})
        lo_x, hi_x = x_edges[0] - MARGIN, x_edges[-1] + MARGIN
        lo_y, hi_y = y_edges[0] - MARGIN, y_edges[-1] + MARGIN
        self.ports = ports
        ports_x = [x0 + (x1 - x0) * f for x0, _, x1, _ in boxes.values() for f in ports]
        ports_y = [y0 + (y1 - y0) * f for _, y0, _, y1 in boxes.values() for f in ports]
        xs_all = [lo_x, hi_x, *x_edges, *ports_x]
        ys_all = [lo_y, hi_y, *y_edges, *ports_y]
        xs_all, ys_all = _rounded(xs_all), _rounded(ys_all)
        self.xs = sorted({*xs_all, *(round(v, 4) for v in _lanes(xs_all, lanes))})
        self.ys = sorted({*ys_all, *(round(v, 4) for v in _lanes(ys_all, lanes))})
        self._xi = {x: i for i, x in enumerate(self.xs)}
        self._yi = {y: j for j, y in enumerate(self.ys)}
        nx_, ny_ = len(self.xs), len(self.ys)
        self._ny = ny_
        xs, ys = np.asarray(self.xs), np.asarray(self.ys)
        self._graphs = [self._graph(c, rects, xs, ys, sparse) for (c, _), rects in zip(layers, inflated, strict=True)]
        main = self._graphs[0]
        # The line graph's tables under the names tests read.
        self._number, self._grid, self._pay, self.size = main.number, main.grid, main.pay, main.size
        self._right, self._left, self._down, self._up = main.right, main.left, main.down, main.up
        # How much earlier lines weigh on the step from each grid node to the next along x (h) and along
        # y (v): the step's length once per line that took it (crowding adds CROWD times this).
        self._crowd_h = [0.0] * (nx_ * ny_)
        self._crowd_v = [0.0] * (nx_ * ny_)
        self._step_x = np.diff(xs).tolist()                      # each step's length along x and along y
        self._step_y = np.diff(ys).tolist()
        self.direct = 0                                          # lines routed without a search
        # Where earlier lines end (arrive) and start (leave): box → point on its border → how many.
        self._arrivals: dict[str, dict[Point, int]] = {}
        self._departures: dict[str, dict[Point, int]] = {}

    def _graph(self, c: float, rects: list[Rect], xs: np.ndarray, ys: np.ndarray, sparse: bool) -> _Graph:
        """The search's graph for lines that keep ``c`` from ``rects`` (already pushed out by ``c``)."""
        g = _Graph(c)
        nx_, ny_ = len(xs), len(ys)
        # Each rect's first and last grid line along x (il, ir) and along y (jt, jb): what is strictly
        # inside it is blocked (nodes, and the steps between two of its lines).
        bounds = np.asarray(rects)
        il, ir = xs.searchsorted(bounds[:, 0]), xs.searchsorted(bounds[:, 2])
        jt, jb = ys.searchsorted(bounds[:, 1]), ys.searchsorted(bounds[:, 3])
        # Also the sources of the grid lines the search's graph is built from (``_visible``): a rect's sides,
        # seen along y, its top and bottom along x.
        sides, tops = np.concatenate([il, ir]), np.concatenate([jt, jb])
        node, horizontal, vertical, source_x, source_y = _covers(
            (nx_, ny_), [(il + 1, ir, jt + 1, jb),
                         (il, ir, jt + 1, jb),                   # the step from (i, j) to (i + 1, j)
                         (il + 1, ir, jt, jb),                   # the step from (i, j) to (i, j + 1)
                         (sides, sides + 1, np.tile(jt, 2), np.tile(jb, 2) + 1),
                         (np.tile(il, 2), np.tile(ir, 2) + 1, tops, tops + 1)])
        horizontal[-1, :] = True
        vertical[:, -1] = True
        # A step is open when neither it nor the node it reaches is blocked.
        blocked_h = horizontal | node                            # no step from (i, j) to (i + 1, j)
        blocked_h[:-1, :] |= node[1:, :]
        blocked_v = vertical | node                              # no step from (i, j) to (i, j + 1)
        blocked_v[:, :-1] |= node[:, 1:]
        # How far a straight run from each node stays free: the first and last grid index it can reach
        # along x and along y (what direct paths and the search's runs read).
        reach_right, reach_left = _next_blocked(blocked_h, 0), _previous_blocked(blocked_h, 0)
        reach_down, reach_up = _next_blocked(blocked_v, 1), _previous_blocked(blocked_v, 1)
        # Per grid node tables read a few times a line are kept as arrays of machine integers (copied, not
        # made into a list of Python integers each).
        g.reach_right, g.reach_left = _integers(reach_right), _integers(reach_left)
        g.reach_down, g.reach_up = _integers(reach_down), _integers(reach_up)
        kept = self._visible(xs, ys, (source_x, source_y), node, (reach_left, reach_right, reach_up, reach_down), c) \
            if sparse else ~node
        # The search's graph: the kept nodes, numbered in grid order, each with its next kept node in each
        # direction when the straight run to it is free (-1: none), and its coordinates.
        flat = np.flatnonzero(kept.ravel())
        number = np.full(nx_ * ny_, -1)
        number[flat] = np.arange(len(flat))
        g.number = _integers(number)                             # each grid node's kept number (-1: none)
        column, row = np.divmod(flat, ny_)
        size = len(flat)
        ahead = np.arange(1, size)
        # Along y the next kept node is the next in grid order when it is in the same column; along x, the
        # next in the order of rows, then columns, when in the same row. A step is kept when its run is free.
        down, up = np.full(size, -1), np.full(size, -1)
        same = column[1:] == column[:-1]
        down[:-1] = np.where(same & (row[1:] <= reach_down.ravel()[flat[:-1]]), ahead, -1)
        up[1:] = np.where(same & (row[:-1] >= reach_up.ravel()[flat[1:]]), ahead - 1, -1)
        order = np.argsort(row * nx_ + column)
        across, before, after = column[order], order[:-1], order[1:]
        same = row[after] == row[before]
        right, left = np.full(size, -1), np.full(size, -1)
        right[before] = np.where(same & (across[1:] <= reach_right.ravel()[flat[before]]), after, -1)
        left[after] = np.where(same & (across[:-1] >= reach_left.ravel()[flat[after]]), before, -1)
        g.right, g.left, g.down, g.up = right.tolist(), left.tolist(), down.tolist(), up.tolist()
        # The same as the states the search steps to (node * 2, entered along x; node * 2 + 1, along y).
        g.right_state, g.left_state = (np.where(right >= 0, right * 2, -1).tolist(),
                                       np.where(left >= 0, left * 2, -1).tolist())
        g.down_state, g.up_state = (np.where(down >= 0, down * 2 + 1, -1).tolist(),
                                    np.where(up >= 0, up * 2 + 1, -1).tolist())
        g.grid = flat.tolist()                                   # each kept node's grid node
        g.x = xs[column].tolist()
        g.y = ys[row].tolist()
        g.size = size
        # What crowding costs on each kept node's step to its next kept node along x (at node * 2) and
        # along y (at node * 2 + 1): CROWD times the crowding summed over the grid steps it covers.
        g.pay = [0.0] * (2 * size)
        return g

    def _visible(self, xs: np.ndarray, ys: np.ndarray, sources: tuple[np.ndarray, np.ndarray], node: np.ndarray,
                 reach: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], c: float) -> np.ndarray:
        """The grid nodes the search visits: an orthogonal visibility graph on the grid.

        A grid line is seen from where it starts, its sources: a box's side (pushed out by the clearance),
        a port, the margin round everything, and a lane where it runs through a channel (a gap no wider
        than CHANNEL with boxes on both sides of it, across the lane). From a source it is seen along its
        free run, up to the first box either way. A node is kept where a line seen along x meets a line
        seen along y. Every path that turns only at box corners' and ports' lines has its turns at kept
        nodes, and an orthogonal path of least length and bends always can (a turn can slide along its
        runs until it meets such a line), so searching the kept nodes loses no path of least length and
        bends (tests/maps compares exact searches on both graphs); what earlier lines weigh is summed
        over the grid steps a kept step covers, and the lanes kept in channels still spread lines over a
        gap."""
        nx_, ny_ = node.shape
        reach_left, reach_right, reach_up, reach_down = reach
        source_x, source_y = sources                             # rects' sides along y, tops and bottoms along x
        source_x[[0, -1], :] = True
        source_y[:, [0, -1]] = True
        boxes = np.asarray(list(self.boxes.values()), dtype=float).reshape(-1, 4)
        x0, y0, x1, y1 = boxes.T
        fractions = np.asarray(self.ports, dtype=float).reshape(1, -1)
        columns = np.searchsorted(xs, np.round(x0[:, None] + (x1 - x0)[:, None] * fractions, 4))
        rows = np.searchsorted(ys, np.round(y0[:, None] + (y1 - y0)[:, None] * fractions, 4))
        top, bottom = np.searchsorted(ys, np.round(y0 - c, 4)), np.searchsorted(ys, np.round(y1 + c, 4))
        left, right = np.searchsorted(xs, np.round(x0 - c, 4)), np.searchsorted(xs, np.round(x1 + c, 4))
        count = fractions.shape[1]
        i = np.concatenate([columns.ravel(), columns.ravel(), np.repeat(left, count), np.repeat(right, count)])
        j = np.concatenate([np.repeat(top, count), np.repeat(bottom, count), rows.ravel(), rows.ravel()])
        inside = (i < nx_) & (j < ny_)
        source_x[i[inside], j[inside]] = True                    # ports: sources both ways
        source_y[i[inside], j[inside]] = True
        across = xs[reach_right] - xs[reach_left]               # the free run along x through each node
        source_x |= (reach_left > 0) & (reach_right < nx_ - 1) & (across <= CHANNEL)
        down = ys[reach_down] - ys[reach_up]
        source_y |= (reach_up > 0) & (reach_down < ny_ - 1) & (down <= CHANNEL)
        kept: np.ndarray = (_seen(source_x, reach_up, reach_down, 1) & _seen(source_y, reach_left, reach_right, 0)
                            & ~node)
        return kept

    # -------------------------------------------------------------------------------- ports

    def _ports(self, g: _Graph, name: str) -> list[tuple[int, int, Point]]:
        """(grid node, axis 0 horizontal / 1 vertical, the point on the box's border) per port (found once
        per box and graph: a box is the end of many lines)."""
        known = g.ports.get(name)
        if known is None:
            known = g.ports[name] = self._find_ports(g, name)
        return known

    def _find_ports(self, g: _Graph, name: str) -> list[tuple[int, int, Point]]:
        x0, y0, x1, y1 = self.boxes[name]
        c = g.c
        out: list[tuple[int, int, Point]] = []
        for fx in self.ports:
            x = x0 + (x1 - x0) * fx
            for y, border in ((y0 - c, y0), (y1 + c, y1)):
                out.append((self._index(x, y), 1, (x, border)))
        for fy in self.ports:
            y = y0 + (y1 - y0) * fy
            for x, border in ((x0 - c, x0), (x1 + c, x1)):
                out.append((self._index(x, y), 0, (border, y)))
        number = g.number
        return [p for p in out if p[0] >= 0 and number[p[0]] >= 0]

    def _least_used(self, name: str, ports: list[tuple[int, int, Point]], arriving: bool
                    ) -> list[tuple[int, int, Point]]:
        """Of a box's ``ports``, those where the fewest earlier lines end: an arriving line counts every
        line ending there (it needs an approach and an arrowhead of its own), a leaving one only arrivals
        (lines leaving a box may share a port, as a fan). A side's other ports are offered only once its
        first one (the middle) is taken: as many ports to try as before while nothing is shared."""
        arrivals = self._arrivals.get(name)
        departures = self._departures.get(name) if arriving else None
        _, y0, _, y1 = self.boxes[name]
        first = y0 + (y1 - y0) * self.ports[0]
        if arrivals is None and departures is None:
            used = [0] * len(ports)
        else:
            arrivals, departures = arrivals or {}, departures or {}
            used = [arrivals.get(p[2], 0) + departures.get(p[2], 0) for p in ports]
        taken = {p[2][0] for p, n in zip(ports, used, strict=True) if p[1] == 0 and p[2][1] == first and n}
        kept = [(p, n) for p, n in zip(ports, used, strict=True) if p[1] == 1 or p[2][1] == first or p[2][0] in taken]
        fewest = min((n for _, n in kept), default=0)
        return [p for p, n in kept if n == fewest]

    def _index(self, x: float, y: float) -> int:
        i, j = self._xi.get(round(x, 4)), self._yi.get(round(y, 4))
        return -1 if i is None or j is None else i * self._ny + j

    def _point(self, n: int) -> Point:
        return self.xs[n // self._ny], self.ys[n % self._ny]

    # -------------------------------------------------------------------------------- search

    def route(self, source: str, target: str, wide: bool = False) -> Route | None:
        """The cheapest path from a side of ``source`` to a side of ``target`` (at ports no earlier line
        takes, while there are such ports); None if there is none. ``wide``: keeping the wide clearance
        (when the router has one)."""
        g = self._graphs[-1] if wide else self._graphs[0]
        if source == target:
            return None
        starts = self._least_used(source, self._ports(g, source), False)
        ends = self._least_used(target, self._ports(g, target), True)
        goals = {n: (axis, border) for n, axis, border in ends}
        if not starts or not goals:
            return None
        corners = self._direct(g, starts, ends) if self.use_direct else None
        if corners is not None:
            self.direct += 1
            return self._finish(source, target, corners, starts, goals, g)
        node_x, node_y, grid = g.x, g.y, g.grid
        right, left, down, up = g.right_state, g.left_state, g.down_state, g.up_state
        pay = g.pay
        number = g.number
        c = g.c
        tx0, ty0, tx1, ty1 = self.boxes[target]
        tx0, ty0, tx1, ty1 = tx0 - c, ty0 - c, tx1 + c, ty1 + c
        greed = self.greed
        push, pop = heapq.heappush, heapq.heappop

        # A state is a kept node and the axis it was entered along (state = node * 2 + axis). The
        # estimate is the distance to the target's box, over-weighted: a slightly longer path found far
        # sooner. A step runs to the next kept node; what earlier lines weigh on the grid steps it covers
        # costs CROWD times more (``pay``, per state: a step onward from a node along x, or along y), turning
        # costs BEND. The neighbour tables hold states. The four directions are written out: this loop is
        # where maps spend their time.
        # The heap holds plain integers, the estimate's microinches above the state (no tuple per entry,
        # nothing for the garbage collector to track); a state is expanded once, at its cheapest cost
        # then known (its best is then marked -1).
        # Only a start costs nothing (every step has a length): a start moves along its own axis only.
        best = [math.inf] * (2 * g.size)
        parent = [-1] * (2 * g.size)
        shift = (2 * g.size).bit_length()
        mask = (1 << shift) - 1
        keep = ~mask
        scale = float(1 << shift) * 1e6
        heap: list[int] = []
        for n, axis, _ in starts:
            state = number[n] * 2 + axis
            best[state] = 0.0
            x, y = node_x[state >> 1], node_y[state >> 1]
            push(heap, int(greed * ((tx0 - x if x < tx0 else x - tx1 if x > tx1 else 0.0)
                                    + (ty0 - y if y < ty0 else y - ty1 if y > ty1 else 0.0)) * scale) & keep | state)
        finish = {number[n] * 2 + axis for n, (axis, _) in goals.items()}
        # A run along x ends without another bend only on the row of a port on the target's side, one
        # along y only on the column of a port on its top or bottom: elsewhere one more bend at least.
        level = {node_y[number[n]] for n, (axis, _) in goals.items() if axis == 0}
        plumb = {node_x[number[n]] for n, (axis, _) in goals.items() if axis == 1}
        bend = greed * BEND
        finish.difference_update(number[n] * 2 + axis for n, axis, _ in starts)
        found = -1
        while heap:
            state = pop(heap) & mask
            cost = best[state]
            if cost < 0.0:                                      # expanded already
                continue
            if state in finish:
                found = state
                break
            best[state] = -1.0
            k, axis = state >> 1, state & 1
            base = state - axis
            x, y = node_x[k], node_y[k]
            starting = cost == 0.0
            if not starting or axis == 0:                       # along x
                turn = BEND if axis else 0.0
                ey = greed * (ty0 - y if y < ty0 else y - ty1 if y > ty1 else 0.0) + (0.0 if y in level else bend)
                m = right[k]
                if m >= 0:
                    mx = node_x[m >> 1]
                    new = cost + mx - x + turn + pay[base]
                    if new < best[m]:
                        best[m] = new
                        parent[m] = state
                        push(heap, int((new + ey + greed * (tx0 - mx if mx < tx0 else mx - tx1 if mx > tx1 else 0.0))
                                       * scale) & keep | m)
                m = left[k]
                if m >= 0:
                    mx = node_x[m >> 1]
                    new = cost + x - mx + turn + pay[m]
                    if new < best[m]:
                        best[m] = new
                        parent[m] = state
                        push(heap, int((new + ey + greed * (tx0 - mx if mx < tx0 else mx - tx1 if mx > tx1 else 0.0))
                                       * scale) & keep | m)
            if not starting or axis == 1:                       # along y
                turn = 0.0 if axis else BEND
                ex = greed * (tx0 - x if x < tx0 else x - tx1 if x > tx1 else 0.0) + (0.0 if x in plumb else bend)
                m = down[k]
                if m >= 0:
                    my = node_y[m >> 1]
                    new = cost + my - y + turn + pay[base + 1]
                    if new < best[m]:
                        best[m] = new
                        parent[m] = state
                        push(heap, int((new + ex + greed * (ty0 - my if my < ty0 else my - ty1 if my > ty1 else 0.0))
                                       * scale) & keep | m)
                m = up[k]
                if m >= 0:
                    my = node_y[m >> 1]
                    new = cost + y - my + turn + pay[m]
                    if new < best[m]:
                        best[m] = new
                        parent[m] = state
                        push(heap, int((new + ex + greed * (ty0 - my if my < ty0 else my - ty1 if my > ty1 else 0.0))
                                       * scale) & keep | m)
        if found < 0:
            return None
        nodes: list[int] = []
        state = found
        while state >= 0:
            nodes.append(grid[state >> 1])
            state = parent[state]
        nodes.reverse()
        return self._finish(source, target, nodes, starts, goals, g)

    def _finish(self, source: str, target: str, nodes: list[int], starts: list[tuple[int, int, Point]],
                goals: dict[int, tuple[int, Point]], graph: _Graph) -> Route:
        """The route through grid ``nodes`` (each straight run's two ends at least), its steps counted as
        taken, so that later lines avoid crowding them: a wide line's (found on the wide graph) BAND
        times over, and on every parallel grid line under its band too (within the wide clearance less
        the lines' own), so that no later line runs under it."""
        ny = self._ny
        corners = [nodes[0]]
        for k in range(1, len(nodes) - 1):                        # the nodes where the route turns
            a, b, c = nodes[k - 1], nodes[k], nodes[k + 1]
            if (b - a) * (c - b) <= 0 or (abs(b - a) < ny) != (abs(c - b) < ny):
                corners.append(b)
        corners.append(nodes[-1])
        crowd_h, crowd_v, step_x, step_y = self._crowd_h, self._crowd_v, self._step_x, self._step_y
        wide = graph is not self._graphs[0]
        factor, spread = (BAND, graph.c - self.c) if wide else (1.0, 0.0)
        xs, ys = self.xs, self.ys
        for a, b in itertools.pairwise(corners):
            low, high = (a, b) if a < b else (b, a)
            i, j = divmod(low, ny)
            if i == high // ny:                                   # along y: consecutive nodes
                for shift in self._beside(i, xs, spread):
                    lo, hi = low + shift * ny, high + shift * ny
                    crowd_v[lo:hi] = [c + d * factor for c, d in zip(crowd_v[lo:hi], step_y[j:j + high - low])]
                    for k, g in enumerate(self._graphs):
                        self._weigh(g, lo, hi, 1, g.down, crowd_v, 1, k > 0 or shift != 0)
            else:                                                 # along x: every ny-th node
                for shift in self._beside(j, ys, spread):
                    lo, hi = low + shift, high + shift
                    crowd_h[lo:hi:ny] = [c + d * factor for c, d in zip(crowd_h[lo:hi:ny], step_x[i:high // ny])]
                    for k, g in enumerate(self._graphs):
                        self._weigh(g, lo, hi, ny, g.right, crowd_h, 0, k > 0 or shift != 0)
        first = corners[0]
        start_border = next(border for n, _, border in starts if n == first)
        end_border = goals[corners[-1]][1]
        leaving = self._departures.setdefault(source, {})
        leaving[start_border] = leaving.get(start_border, 0) + 1
        arriving = self._arrivals.setdefault(target, {})
        arriving[end_border] = arriving.get(end_border, 0) + 1
        points = [start_border, *[(xs[n // ny], ys[n % ny]) for n in corners], end_border]
        return Route(source, target, simplify(points))

    @staticmethod
    def _beside(index: int, values: list[float], spread: float) -> list[int]:
        """The offsets from grid line ``index`` of the parallel grid lines less than ``spread`` from it
        (itself, 0, first)."""
        out = [0]
        at = values[index]
        for step in (1, -1):
            k = index + step
            while 0 <= k < len(values) and abs(values[k] - at) < spread - 1e-9:
                out.append(k - index)
                k += step
        return out

    def _weigh(self, g: _Graph, low: int, high: int, stride: int, onward: list[int], crowd: list[float], axis: int,
               walk: bool = False) -> None:
        """After a route took the grid steps from node ``low`` to node ``high`` (every ``stride``-th node):
        what earlier lines weigh on each kept node's step onward (to ``onward``, along ``axis``) that covers
        any of them, as the search on graph ``g`` pays it.
        Those steps are the one from the kept node at or before ``low``, then each kept node's onward step in
        turn (the run is free, so the chain holds until past ``high``): the nodes between are not visited.
        ``walk``: the run may be blocked on this graph (a line of the other clearance took it): then every
        node of the run is visited."""
        if walk:                                                 # unless the run is free on this graph
            reach = g.reach_down[low] >= high % self._ny if stride == 1 else g.reach_right[low] >= high // self._ny
            if not reach:
                self._weigh_walk(g, low, high, stride, onward, crowd, axis)
                return
        number, grid, pay = g.number, g.grid, g.pay
        start = low - low % self._ny if stride == 1 else low % self._ny     # the first node of its grid line
        n = low
        while n > start and number[n] < 0:                       # the kept node the run goes on from
            n -= stride
        k = number[n]
        if k < 0 or (n < low and onward[k] < 0):                 # no kept step from before reaches the run
            n = low + stride
            while n < high and number[n] < 0:
                n += stride
            if n >= high:
                return
            k = number[n]
        while True:
            m = onward[k]
            if m < 0:
                return
            end = grid[m]
            pay[k * 2 + axis] = CROWD * sum(crowd[n:end:stride])
            if end >= high:
                return
            n, k = end, m

    def _weigh_walk(self, g: _Graph, low: int, high: int, stride: int, onward: list[int], crowd: list[float],
                    axis: int) -> None:
        """``_weigh`` visiting every grid node from the kept node at or before ``low`` to ``high``."""
        number, grid, pay = g.number, g.grid, g.pay
        start = low - low % self._ny if stride == 1 else low % self._ny
        n = low
        while n > start and number[n] < 0:
            n -= stride
        while n < high:
            k = number[n]
            if k >= 0 and onward[k] >= 0:
                pay[k * 2 + axis] = CROWD * sum(crowd[n:grid[onward[k]]:stride])
            n += stride

    # -------------------------------------------------------------------------------- direct paths

    def _direct(self, graph: _Graph, starts: list[tuple[int, int, Point]], ends: list[tuple[int, int, Point]]
                ) -> list[int] | None:
        """The cheapest path when it is a direct one (or one close enough: ``slack``), found without a
        search; else None.

        Direct paths are those with the fewest bends two ports allow: a straight run, one bend (an L) when
        one port is on a box's top or bottom and the other on a side, two (a Z, or a U round the same
        side) when both are on tops and bottoms or both on sides. Every grid line is tried for the
        middle run of a Z or U; whether a run is free (no box within the clearance) is read from each
        node's reach along x and y, and what crowding costs from running sums. Any other path between
        two ports has at least two more bends than the direct ones, so costs at least their distance
        plus that many bends: the cheapest direct path is taken only when it costs no more than that
        bound for every pair of ports — then it is the cheapest path of all, the one an exact search
        would find. With a ``slack`` above 1 it is taken when it costs at most that many times the bound,
        so at most that many times the cheapest path: what a search with an over-weighted estimate
        allows itself too. On the 1,000-person PDF, 1.25 halves the searches, and its lines have a
        fifth to a quarter fewer bends and less line run on line, for 1-3 % more length. Otherwise the
        search runs."""
        ny = self._ny
        xs, ys = self.xs, self.ys
        reach_right, reach_left, reach_down, reach_up = (graph.reach_right, graph.reach_left, graph.reach_down,
                                                         graph.reach_up)
        crowd_h, crowd_v = self._crowd_h, self._crowd_v
        best_cost, best = math.inf, None
        bound = math.inf
        for s, s_axis, _ in starts:
            si, sj = divmod(s, ny)
            sx, sy = xs[si], ys[sj]
            for g, g_axis, _ in ends:
                if g == s:
                    continue
                gi, gj = divmod(g, ny)
                gx, gy = xs[gi], ys[gj]
                distance = abs(sx - gx) + abs(sy - gy)
                same = s_axis == g_axis
                bound = min(bound, distance + BEND * (4 if same else 3))
                if not same:                                          # an L: one bend
                    if si == gi or sj == gj or distance + BEND >= best_cost:
                        continue
                    if s_axis == 1:                                   # along y to the goal's row, then x
                        c = si * ny + gj
                        if not reach_up[s] <= gj <= reach_down[s]:
                            continue
                        if not (reach_right[c] >= gi if gi > si else reach_left[c] <= gi):
                            continue
                        cost = distance + BEND + CROWD * (_run_y(crowd_v, si * ny, sj, gj)
                                                          + _run_x(crowd_h, ny, gj, si, gi))
                    else:                                             # along x to the goal's column, then y
                        c = gi * ny + sj
                        if not reach_left[s] <= gi <= reach_right[s]:
                            continue
                        if not (reach_down[c] >= gj if gj > sj else reach_up[c] <= gj):
                            continue
                        cost = distance + BEND + CROWD * (_run_x(crowd_h, ny, sj, si, gi)
                                                          + _run_y(crowd_v, gi * ny, sj, gj))
                    if cost < best_cost:
                        best_cost, best = cost, [s, c, g]
                    continue
                if s_axis == 1:                                       # both on tops or bottoms
                    if si == gi:                                      # straight up or down
                        if distance < best_cost and reach_up[s] <= gj <= reach_down[s]:
                            cost = distance + CROWD * _run_y(crowd_v, si * ny, sj, gj)
                            if cost < best_cost:
                                best_cost, best = cost, [s, g]
                        continue
                    width = abs(sx - gx)
                    lo, hi = max(reach_up[s], reach_up[g]), min(reach_down[s], reach_down[g])
                    for m in range(lo, hi + 1):
                        if m == sj or m == gj:
                            continue
                        ym = ys[m]
                        cost = width + abs(sy - ym) + abs(ym - gy) + 2 * BEND
                        if cost >= best_cost:
                            continue
                        c = si * ny + m
                        if not (reach_right[c] >= gi if gi > si else reach_left[c] <= gi):
                            continue
                        cost += CROWD * (_run_y(crowd_v, si * ny, sj, m) + _run_x(crowd_h, ny, m, si, gi)
                                         + _run_y(crowd_v, gi * ny, m, gj))
                        if cost < best_cost:
                            best_cost, best = cost, [s, c, gi * ny + m, g]
                else:                                                 # both on sides
                    if sj == gj:                                      # straight across
                        if distance < best_cost and reach_left[s] <= gi <= reach_right[s]:
                            cost = distance + CROWD * _run_x(crowd_h, ny, sj, si, gi)
                            if cost < best_cost:
                                best_cost, best = cost, [s, g]
                        continue
                    height = abs(sy - gy)
                    lo, hi = max(reach_left[s], reach_left[g]), min(reach_right[s], reach_right[g])
                    for m in range(lo, hi + 1):
                        if m == si or m == gi:
                            continue
                        xm = xs[m]
                        cost = height + abs(sx - xm) + abs(xm - gx) + 2 * BEND
                        if cost >= best_cost:
                            continue
                        c = m * ny + sj
                        if not (reach_down[c] >= gj if gj > sj else reach_up[c] <= gj):
                            continue
                        cost += CROWD * (_run_x(crowd_h, ny, sj, si, m) + _run_y(crowd_v, m * ny, sj, gj)
                                         + _run_x(crowd_h, ny, gj, m, gi))
                        if cost < best_cost:
                            best_cost, best = cost, [s, c, m * ny + gj, g]
        if best is None or best_cost > bound * self.slack + 1e-9:
            return None
        return best


def _run_y(crowd_v: list[float], column: int, a: int, b: int) -> float:
    """What earlier lines weigh on the run along y between rows ``a`` and ``b`` of a column (its first node)."""
    return sum(crowd_v[column + a:column + b]) if a < b else sum(crowd_v[column + b:column + a])


def _run_x(crowd_h: list[float], ny: int, row: int, a: int, b: int) -> float:
    """What earlier lines weigh on the run along x between columns ``a`` and ``b`` of a row."""
    low, high = (a, b) if a < b else (b, a)
    return sum(crowd_h[low * ny + row:high * ny + row:ny])


def simplify(points: list[Point]) -> list[Point]:
    """The polyline without repeated points and without points in the middle of a straight run.

    >>> simplify([(0, 0), (0, 1), (0, 2), (0, 2), (1, 2)])
    [(0, 0), (0, 2), (1, 2)]
    """
    out: list[Point] = []
    for p in points:
        if out and abs(p[0] - out[-1][0]) < 1e-9 and abs(p[1] - out[-1][1]) < 1e-9:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if abs((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)) < 1e-9:
                out[-1] = p
                continue
        out.append(p)
    return out


def rounded_corners(points: list[Point], radius: float = CORNER, steps: int = 4) -> list[Point]:
    """The polyline with each corner replaced by a quarter curve of at most ``radius`` (it stays within
    the corner, so within the clearance the router kept), as ``steps`` short segments: the curves the
    painters draw (``rendering.scene.corner_curves``), for checking what a drawn line passes over."""
    from rendering.scene import corner_curves

    if len(points) < 3:
        return list(points)
    out = [points[0]]
    for p, (bx, by), q in corner_curves(points, radius):
        for s in range(steps + 1):
            t = s / steps
            out.append(((1 - t) ** 2 * p[0] + 2 * (1 - t) * t * bx + t * t * q[0],
                        (1 - t) ** 2 * p[1] + 2 * (1 - t) * t * by + t * t * q[1]))
    out.append(points[-1])
    return out


def segment_hits_rect(a: Point, b: Point, rect: Rect, tolerance: float = 1e-6) -> bool:
    """Whether the segment a–b passes through the inside of ``rect`` (touching its border does not count).

    >>> segment_hits_rect((0, 0), (10, 0), (4, -1, 5, 1)), segment_hits_rect((0, 1), (10, 1), (4, -1, 5, 1))
    (True, False)
    """
    x0, y0, x1, y1 = rect[0] + tolerance, rect[1] + tolerance, rect[2] - tolerance, rect[3] - tolerance
    if x0 >= x1 or y0 >= y1:
        return False
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if abs(p) < 1e-12:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return True
