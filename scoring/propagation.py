"""Propagation of stances over the influence graph: the linear operator of DESIGN.md, pulled forward
from the people who hold a stance and pushed backward from the people whose support is asked about.

s̃ = (1 − α)·s + α·(weighted mean of the influencers' stances), ``rounds`` times, rivals counted
negatively; a person nobody influences keeps their stance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping

from scoring.formulas import normalised

__all__ = ["Propagation"]


class Propagation:
    """The linear propagation operator over contacts.

    One round maps a stance vector s to M·s with
    (M·s)_v = (1 − α)·s_v + α·Σ_u (±w_uv / Σ|w|)·s_u for a person with influencers, and s_v otherwise
    (rivals count with a minus sign). ``forward_at`` gives (M^rounds·s) at the people asked about,
    pulling only from their ``rounds``-step upstream neighbourhood; ``backward`` applies the transpose,
    so that cᵀ·M^r·s = (backward(c))·s for any weights c — one backward pass prices every person.
    ``inward(v)`` gives v's normalised influencers; it is called at most once per person.
    ``outward(u)``, when given, names everyone u influences (those whose ``inward`` lists u): with it
    ``forward_at`` also follows the stances downstream from the people who hold one, and reads the
    influencers only of those people the stances can reach in time.
    """

    def __init__(self, inward: Callable[[str], list[tuple[str, float]] | None],
                 outward: Callable[[str], Iterable[str]] | None = None) -> None:
        self._inward_fn = inward
        self._outward_fn = outward
        self._cache: dict[str, list[tuple[str, float]] | None] = {}
        self._out_cache: dict[str, list[str]] = {}

    @classmethod
    def from_edges(cls, positive: Iterable[tuple[str, str, float]],
                   negative: Iterable[tuple[str, str, float]]) -> Propagation:
        raw: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for u, v, w in positive:
            raw[v].append((u, w))
        for u, v, w in negative:
            raw[v].append((u, -w))
        table = {v: normalised(pairs) for v, pairs in raw.items()}
        return cls(table.get)

    def carried(self, inward: Callable[[str], list[tuple[str, float]] | None],
                outward: Callable[[str], Iterable[str]] | None, stale: Collection[str]) -> Propagation:
        """The operator of an edited map: the rows read so far, less those of the people in ``stale``
        (whose own ties or whose influencers changed), with the edited map's ``inward``/``outward``."""
        fresh = Propagation(inward, outward)
        fresh._cache = self._cache.copy()
        fresh._out_cache = self._out_cache.copy()
        for n in stale:
            fresh._cache.pop(n, None)
            fresh._out_cache.pop(n, None)
        return fresh

    def inward(self, v: str) -> list[tuple[str, float]] | None:
        try:
            return self._cache[v]
        except KeyError:
            row = self._cache[v] = self._inward_fn(v)
            return row

    def outward(self, u: str) -> list[str]:
        try:
            return self._out_cache[u]
        except KeyError:
            assert self._outward_fn is not None
            row = self._out_cache[u] = list(self._outward_fn(u))
            return row

    def forward_at(self, targets: Iterable[str], stances: Mapping[str, float], alpha: float,
                   rounds: int) -> dict[str, float]:
        """Propagated stances of ``targets`` (people not in ``stances`` start at 0)."""
        if self._outward_fn is not None:
            return self.forward_from(targets, stances, alpha, rounds)[0]
        need = [set(targets)]
        for _ in range(rounds):
            wider = set(need[-1])
            for v in need[-1]:
                wider.update(u for u, _ in self.inward(v) or ())
            need.append(wider)
        values = {v: stances.get(v, 0.0) for v in need[-1]}
        for r in range(rounds - 1, -1, -1):
            nxt = {}
            for v in need[r]:
                row = self.inward(v)
                if row is None:
                    nxt[v] = values[v]
                else:
                    nxt[v] = (1.0 - alpha) * values[v] + alpha * sum(wn * values[u] for u, wn in row)
            values = nxt
        return values

    def forward_from(self, targets: Iterable[str], stances: Mapping[str, float], alpha: float, rounds: int,
                     sources: Iterable[str] | None = None) -> tuple[dict[str, float], set[str]]:
        """Propagated stances of ``targets``, following the stances from where they are (needs
        ``outward``), and which of the ``sources`` (default: the people with a non-zero stance) are
        within ``rounds`` steps upstream of a target.

        After j rounds the stances can only have reached people within j steps downstream of a source
        (``spread[j]``); everyone else is still at exactly 0. So the value after j rounds is computed only
        for people who are both needed by a target (within ``rounds − j`` steps upstream of one) and
        reached; the others count 0. The arithmetic is that of the dense pass term by term (a term
        left out is a product with 0), so the answers are the same.
        """
        spread = [set(sources) if sources is not None else {u for u, x in stances.items() if x}]
        frontier = spread[0]
        for _ in range(rounds - 1):
            new: set[str] = set()
            for u in frontier:
                new.update(self.outward(u))
            new -= spread[-1]
            spread.append(spread[-1] | new)
            frontier = new
        levels = [set(targets)]                 # levels[i]: needed after rounds − i rounds
        for j in range(rounds, 1 if rounds else 0, -1):
            wider = set(levels[-1])
            for x in levels[-1]:
                row = self.inward(x)
                if row:
                    wider.update(u for u, _ in row)
            levels.append(wider & spread[j - 1])
        if rounds:
            # Needed at the start: the sources in or upstream of those needed after one round — found
            # from the sources' side (``outward`` lists exactly those whose ``inward`` lists them), not
            # by reading every influencer of everyone needed after one round (a hub's row holds thousands).
            first = levels[-1]
            levels.append({u for u in spread[0] if u in first or any(v in first for v in self.outward(u))})
        levels.reverse()                        # levels[j]: needed after j rounds
        values = {u: stances.get(u, 0.0) for u in levels[0]}
        for j in range(1, rounds + 1):
            nxt = {}
            for x in levels[j]:
                row = self.inward(x)
                own = values.get(x, 0.0)
                if row is None:
                    nxt[x] = own
                else:
                    nxt[x] = (1.0 - alpha) * own + alpha * sum(wn * values.get(u, 0.0) for u, wn in row)
            values = nxt
        return values, levels[0] & spread[0]

    def backward(self, weights: Mapping[str, float], alpha: float, rounds: int) -> dict[str, float]:
        """(Mᵀ)^rounds · weights: how much a unit of stance at each person moves Σ weights·s̃."""
        current = {k: v for k, v in weights.items() if v}
        for _ in range(rounds):
            nxt: dict[str, float] = defaultdict(float)
            for v, value in current.items():
                row = self.inward(v)
                if row is None:
                    nxt[v] += value
                    continue
                nxt[v] += (1.0 - alpha) * value
                for u, wn in row:
                    nxt[u] += alpha * wn * value
            current = nxt
        return dict(current)
