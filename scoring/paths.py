"""Strongest paths: one multi-source Dijkstra on −log(strength) over links read on demand.

Path strength is the product of the edge weights, so the strongest path is a shortest path on
−log(w) (DESIGN.md). The links and their costs come from the account's view (``scoring.view``).

**One answer, however it was reached.** Each label is the least solution of the path equations (every
step costs at least one float step more, so a link of strength 1 still lengthens a path), and among
equally strong ways in, a node's predecessor is the one settled first: the least (cost, id). A search
stopped early and resumed, or one repaired after an edit of the account (``Reach.repair``), gives the
labels and paths a fresh search would, bit for bit.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Reach"]

Costs = Callable[[str], list[tuple[str, float]]]


@dataclass
class Reach:
    """Multi-source strongest paths: cost = −log(strength), one Dijkstra from all sources at once.

    Lazy deletion and a heap that survives between calls: a search stopped early (once its targets are
    settled) can be resumed and stays exact. ``max_cost`` bounds the search (paths weaker than the
    cold-outreach reach are not worth following). ``expand(node)`` False means a path may end at the node
    but never run through it (someone who would not help us as a go-between: ``scoring.people``).
    """

    costs: Costs
    # Paths weaker than exp(−max_cost) are not followed (e.g. below the cold-outreach reach).
    max_cost: float = math.inf
    expand: Callable[[str], bool] | None = None
    dist: dict[str, float] = field(default_factory=dict)
    pred: dict[str, str | None] = field(default_factory=dict)
    prefix: dict[str, list[str]] = field(default_factory=dict)   # source → ids shown before it
    heap: list[tuple[float, str]] = field(default_factory=list)
    done: set[str] = field(default_factory=set)                  # expanded at their current label

    def add_sources(self, sources: Mapping[str, list[str]]) -> None:
        """Add sources (reach 1, i.e. cost 0) with the ids to show before each (e.g. our team member)."""
        for source, before in sources.items():
            if source in self.prefix:
                continue
            self.dist[source] = 0.0
            self.pred[source] = None
            self.prefix[source] = list(before)
            heapq.heappush(self.heap, (0.0, source))

    def run(self, targets: Iterable[str] | None = None, on_settle: Callable[[str, float], None] | None = None,
            stop: Callable[[float], bool] | None = None) -> None:
        """Relax until every target is settled (all nodes within the bound when ``targets`` is None).

        ``on_settle(node, cost)`` hears of each node as its strongest path becomes final; ``stop(cost)``
        is asked before each step with the smallest cost still open (a lower bound on every unsettled
        node's cost) and ends the search when it answers True.
        """
        waiting: set[str] | None = None
        dist, pred, done, costs, heap, bound = self.dist, self.pred, self.done, self.costs, self.heap, self.max_cost
        if targets is not None:
            waiting = {t for t in targets if not self._settled(t)}
            if not waiting:
                return
            for t in waiting & done:
                # Expanded, but a stronger way in may still be open (after an edit): settled again in turn.
                done.discard(t)
                heapq.heappush(heap, (dist[t], t))
        expand = self.expand
        push, pop, step = heapq.heappush, heapq.heappop, math.nextafter
        inf = math.inf
        while heap:
            if stop is not None and stop(heap[0][0]):
                break
            d, u = pop(heap)
            if u in done or d != dist.get(u):
                continue
            done.add(u)
            if on_settle is not None:
                on_settle(u, d)
            for v, c in costs(u) if expand is None or expand(u) else ():
                nd = d + c
                if nd <= d:
                    nd = step(d, inf)
                if nd > bound:
                    continue
                old = dist.get(v)
                if old is None or nd < old:
                    dist[v] = nd
                    pred[v] = u
                    done.discard(v)
                    push(heap, (nd, v))
                elif nd == old:
                    _prefer(dist, pred, u, v)
            if waiting is not None:
                waiting.discard(u)
                if not waiting:
                    break

    def _settled(self, node: str) -> bool:
        """Whether ``node``'s label is final: expanded, and nothing weaker-or-equal still open before it."""
        heap, dist, done = self.heap, self.dist, self.done
        while heap and (heap[0][1] in done or heap[0][0] != dist.get(heap[0][1])):
            heapq.heappop(heap)           # stale entries at the top say nothing
        return node in done and (not heap or heap[0][0] >= dist[node])

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

    def repair(self, costs: Costs, in_costs: Costs, expand: Callable[[str], bool] | None,
               changed: Collection[tuple[str, str]]) -> None:
        """Make this search one over an edited account whose links ``changed`` (pairs u→v whose cost
        changed, came or went; nothing else did), read through ``costs`` and ``in_costs`` from now on:
        it then answers as a fresh search would, having redone only the part of the work the edit reached.

        Whoever's strongest path ran over a changed link (and everyone downstream of them on the path
        tree) loses their label; everyone settled who links to one of them, and the settled start of every
        changed link, is expanded again over the links as they are now. The search then goes on as
        Dijkstra: anyone it improves is expanded again, and a target is settled once nothing weaker
        remains open before it (``run``)."""
        self.costs, self.expand = costs, expand
        dist, pred, done, heap = self.dist, self.pred, self.done, self.heap
        lost: set[str] = set()
        stack = [v for u, v in changed if pred.get(v) == u]
        while stack:
            x = stack.pop()
            if x in lost:
                continue
            lost.add(x)
            stack.extend(y for y, _ in costs(x) if pred.get(y) == x and y not in lost)
        for x in lost:
            del dist[x], pred[x]
            done.discard(x)
        again = {u for x in lost for u, _ in in_costs(x)} | {u for u, _ in changed}
        for u in again & done:
            done.discard(u)
            heapq.heappush(heap, (dist[u], u))


def _prefer(dist: dict[str, float], pred: dict[str, str | None], u: str, v: str) -> None:
    """u reaches v exactly as strongly as v's predecessor does: the one settled first (least cost, then
    id) stays v's way in, as in a single uninterrupted search."""
    p = pred[v]
    if p is not None and p != u and (dist[u], u) < (dist[p], p):
        pred[v] = u
