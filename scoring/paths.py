"""Strongest paths: one multi-source Dijkstra on −log(strength) over links read on demand.

Path strength is the product of the edge weights, so the strongest path is a shortest path on
−log(w) (DESIGN.md). The links and their costs come from the account's view (``scoring.view``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Reach"]


@dataclass
class Reach:
    """Multi-source strongest paths: cost = −log(strength), one Dijkstra from all sources at once.

    Lazy deletion and a heap that survives between calls: a search stopped early (once its targets are
    settled) can be resumed and stays exact. ``max_cost`` bounds the search (paths weaker than the
    cold-outreach reach are not worth following). ``expand(node)`` False means a path may end at the node
    but never run through it (someone who would not help us as a go-between: ``scoring.people``).
    """

    costs: Callable[[str], list[tuple[str, float]]]
    # Paths weaker than exp(−max_cost) are not followed (e.g. below the cold-outreach reach).
    max_cost: float = math.inf
    expand: Callable[[str], bool] | None = None
    dist: dict[str, float] = field(default_factory=dict)
    pred: dict[str, str | None] = field(default_factory=dict)
    prefix: dict[str, list[str]] = field(default_factory=dict)   # source → ids shown before it
    heap: list[tuple[float, int, str]] = field(default_factory=list)
    _seq: int = 0

    def add_sources(self, sources: Mapping[str, list[str]]) -> None:
        """Add sources (reach 1, i.e. cost 0) with the ids to show before each (e.g. our team member)."""
        for source, before in sources.items():
            if source in self.prefix:
                continue
            self.dist[source] = 0.0
            self.pred[source] = None
            self.prefix[source] = list(before)
            heapq.heappush(self.heap, (0.0, self._seq, source))
            self._seq += 1

    def run(self, targets: Iterable[str] | None = None, on_settle: Callable[[str, float], None] | None = None,
            stop: Callable[[float], bool] | None = None) -> None:
        """Relax until every target is settled (all nodes within the bound when ``targets`` is None).

        ``on_settle(node, cost)`` hears of each node as its strongest path becomes final; ``stop(cost)``
        is asked before each step with the smallest cost still open (a lower bound on every unsettled
        node's cost) and ends the search when it answers True.
        """
        remaining: set[str] | None = None
        if targets is not None:
            # Targets settled in an earlier run keep their labels.
            remaining = {t for t in targets if not self._settled(t)}
            if not remaining:
                return
        dist, pred, costs, heap, bound = self.dist, self.pred, self.costs, self.heap, self.max_cost
        expand = self.expand
        seq = self._seq
        while heap:
            if stop is not None and stop(heap[0][0]):
                break
            d, _, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            if on_settle is not None:
                on_settle(u, d)
            for v, c in costs(u) if expand is None or expand(u) else ():
                nd = d + c
                if nd <= bound and nd < dist.get(v, math.inf) - 1e-15:
                    dist[v] = nd
                    pred[v] = u
                    heapq.heappush(heap, (nd, seq, v))
                    seq += 1
            if remaining is not None:
                remaining.discard(u)
                if not remaining:
                    break
        self._seq = seq

    def _settled(self, node: str) -> bool:
        d = self.dist.get(node)
        return d is not None and (not self.heap or self.heap[0][0] > d)

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
