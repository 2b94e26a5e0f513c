"""Informal power: who really carries weight at the account, beside the org chart.

Informal power is a PageRank on the *reversed* influence graph among active contacts: a person is
powerful when powerful people listen to them. Rank flows from v to u along every influence edge
u→v, in proportion to its weight; a fixed number of power iterations keeps it linear in the graph's
size and deterministic. The result is scaled so the most powerful contact has 1.0.

Formal rank comes from the org chart: level (executive first, staff last) and, for people without a
level or at the same level, the depth in the REPORTS_TO tree (fewer bosses above = more senior).
Both ranks are competition ranks (1 = top; ties share a rank). ``power_gap`` = formal rank −
informal rank: positive means more weight than the title suggests.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from scoring.model import AccountMap
from scoring.options import ScoringOptions, resolve

__all__ = ["informal_power"]


def informal_power(g: nx.MultiDiGraph, options: ScoringOptions | None = None) -> dict[str, Any]:
    """Active contacts sorted by informal power, highest first, with their formal and informal ranks.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(account_id="a", account={})
    >>> for c, lvl in [("gm", "executive"), ("aide", "staff"), ("x", "manager")]:
    ...     g.add_node(c, kind="contact", name=c, level=lvl)
    >>> _ = g.add_edge("aide", "gm", key="i", type="INFLUENCES", strength=0.9)
    >>> _ = g.add_edge("aide", "x", key="j", type="INFLUENCES", strength=0.9)
    >>> [(r["contact_id"], r["formal_rank"], r["informal_rank"]) for r in informal_power(g)["contacts"]]
    [('aide', 3, 1), ('gm', 1, 2), ('x', 2, 2)]
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    ranked = amap.cached(("informal_power", o), lambda: _ranking(amap, o))
    node = amap._node
    rows = []
    for c, power, formal, informal in ranked:
        data = node[c]
        rows.append({"contact_id": c, "name": data.get("name"), "level": data.get("level"),
                     "title": data.get("title"), "department": data.get("department"),
                     "informal_power": power, "formal_rank": formal, "informal_rank": informal,
                     "power_gap": formal - informal})
    return {"contacts": rows}


def _ranking(amap: AccountMap, o: ScoringOptions) -> list[tuple[str, float, int, int]]:
    """(contact, informal power, formal rank, informal rank) in the answer's order; once per map."""
    contacts = list(amap.active)
    if not contacts:
        return []
    power = _pagerank(amap, contacts, o)
    top = max(power.values()) or 1.0
    power = {c: p / top for c, p in power.items()}
    formal_key = _formal_keys(amap, contacts, o)
    formal_rank = _competition_rank(contacts, formal_key.__getitem__)
    informal_key = {c: -round(p, 9) for c, p in power.items()}
    informal_rank = _competition_rank(contacts, informal_key.__getitem__)
    ranked = [(c, power[c], formal_rank[c], informal_rank[c]) for c in contacts]
    ranked.sort(key=lambda r: (r[3], r[2], str(r[0])))
    return ranked


def _pagerank(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, float]:
    """Weighted PageRank on the reversed influence graph, ``power_iterations`` power steps."""
    index = {c: i for i, c in enumerate(contacts)}
    links, _ = amap.all_links()
    # For each influence u→v (u sways v), rank flows v → u, in proportion to w_uv among everyone who
    # sways v. Dangling people (nobody sways them) spread their rank evenly.
    source, target, weight = [], [], []
    for u, row in links.items():
        iu = index.get(u)
        if iu is None:
            continue
        for v, entry in row.items():
            iv = index.get(v)
            if iv is not None:
                source.append(iv)
                target.append(iu)
                weight.append(entry[0])
    n, d = len(contacts), o.power_damping
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with matplotlib, a dependency
        return _pagerank_python(contacts, source, target, weight, d, o.power_iterations)
    src, dst, w = np.array(source, dtype=np.int64), np.array(target, dtype=np.int64), np.array(weight)
    total_in = np.bincount(src, weights=w, minlength=n)
    share = w / total_in[src] if len(w) else w
    dangling = total_in == 0
    rank = np.full(n, 1.0 / n)
    for _ in range(o.power_iterations):
        leak = d * rank[dangling].sum() / n
        rank = (1.0 - d) / n + leak + d * np.bincount(dst, weights=rank[src] * share, minlength=n)
    return {c: float(rank[i]) for c, i in index.items()}


def _pagerank_python(contacts: list[str], source: list[int], target: list[int], weight: list[float],
                     d: float, iterations: int) -> dict[str, float]:
    n = len(contacts)
    total_in = [0.0] * n
    for s, w in zip(source, weight, strict=True):
        total_in[s] += w
    share = [w / total_in[s] for s, w in zip(source, weight, strict=True)]
    dangling = [i for i in range(n) if total_in[i] == 0]
    rank = [1.0 / n] * n
    for _ in range(iterations):
        leak = d * sum(rank[i] for i in dangling) / n
        nxt = [(1.0 - d) / n + leak] * n
        for s, t, sh in zip(source, target, share, strict=True):
            nxt[t] += d * rank[s] * sh
        rank = nxt
    return {c: rank[i] for i, c in enumerate(contacts)}


def _formal_keys(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, tuple[int, int]]:
    """(level index, org-chart depth) per contact; depth by memoised walk up REPORTS_TO (cycle-safe)."""
    order = {lvl: i for i, lvl in enumerate(o.level_order)}
    depth: dict[str, int] = {}
    bosses_of = amap.bosses_of
    for start in contacts:
        trail: list[str] = []
        on_trail: set[str] = set()
        node: str | None = start
        while node is not None and node not in depth and node not in on_trail:
            trail.append(node)
            on_trail.add(node)
            bosses = bosses_of(node)
            node = min(bosses) if bosses else None
        base = depth.get(node, -1) if node is not None and node in depth else -1
        for i, item in enumerate(reversed(trail)):
            depth[item] = base + 1 + i
    keys = {}
    data = amap._node
    for c in contacts:
        level = data[c].get("level")
        index = order.get(level, min(depth[c], len(order) - 1)) if level else min(depth[c], len(order) - 1)
        keys[c] = (index, depth[c])
    return keys


def _competition_rank(items: list[str], key: Any) -> dict[str, int]:
    ordered = sorted(items, key=key)
    ranks: dict[str, int] = {}
    previous = object()
    rank = 0
    for position, node in enumerate(ordered, start=1):
        k = key(node)
        if k != previous:
            rank, previous = position, k
        ranks[node] = rank
    return ranks
