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

from collections import defaultdict
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
    contacts = list(amap.active)
    if not contacts:
        return {"contacts": []}
    power = _pagerank(amap, contacts, o)
    top = max(power.values()) or 1.0
    power = {c: p / top for c, p in power.items()}
    formal_key = _formal_keys(amap, contacts, o)
    formal_rank = _competition_rank(contacts, lambda c: formal_key[c])
    informal_rank = _competition_rank(contacts, lambda c: -round(power[c], 9))
    rows = [{"contact_id": c, "name": amap.contacts[c].get("name"), "level": amap.contacts[c].get("level"),
             "title": amap.contacts[c].get("title"), "department": amap.contacts[c].get("department"),
             "informal_power": power[c], "formal_rank": formal_rank[c], "informal_rank": informal_rank[c],
             "power_gap": formal_rank[c] - informal_rank[c]} for c in contacts]
    rows.sort(key=lambda r: (r["informal_rank"], r["formal_rank"], str(r["contact_id"])))
    return {"contacts": rows}


def _pagerank(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, float]:
    n = len(contacts)
    active = amap.active
    # Reversed edges: for each influence u→v (u sways v), rank flows v → u. The out-weight of v in the
    # reversed graph is the total weight of the people who sway v.
    flows: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for u, row in amap.links.items():
        if u not in active:
            continue
        for v, entry in row.items():
            if v in active:
                flows[v].append((u, entry[0]))
    shares: dict[str, list[tuple[str, float]]] = {}
    for v, pairs in flows.items():
        total = sum(w for _, w in pairs)
        shares[v] = [(u, w / total) for u, w in pairs]
    dangling = [c for c in contacts if c not in shares]
    d = o.power_damping
    rank = dict.fromkeys(contacts, 1.0 / n)
    for _ in range(o.power_iterations):
        leak = d * sum(rank[c] for c in dangling) / n
        nxt = dict.fromkeys(contacts, (1.0 - d) / n + leak)
        for v, pairs in shares.items():
            mass = d * rank[v]
            for u, share in pairs:
                nxt[u] += mass * share
        rank = nxt
    return rank


def _formal_keys(amap: AccountMap, contacts: list[str], o: ScoringOptions) -> dict[str, tuple[int, int]]:
    """(level index, org-chart depth) per contact; depth by memoised walk up REPORTS_TO (cycle-safe)."""
    order = {lvl: i for i, lvl in enumerate(o.level_order)}
    depth: dict[str, int] = {}
    for start in contacts:
        trail: list[str] = []
        on_trail: set[str] = set()
        node: str | None = start
        while node is not None and node not in depth and node not in on_trail:
            trail.append(node)
            on_trail.add(node)
            bosses = [b for b in amap.bosses.get(node, []) if b in amap.contacts]
            node = min(bosses) if bosses else None
        base = depth.get(node, -1) if node is not None and node in depth else -1
        for i, item in enumerate(reversed(trail)):
            depth[item] = base + 1 + i
    keys = {}
    for c in contacts:
        level = amap.contacts[c].get("level")
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
