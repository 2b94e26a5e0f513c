"""The influence graph of an account and the strongest paths through it.

``influence_graph`` turns the stored map into a weighted ``nx.DiGraph`` over active contacts and our
team members (see ``scoring.model`` for the edge rules). Each edge carries ``weight`` in (0, 1],
``cost`` = −log(weight) and ``type``, its strongest underlying kind. Rival ties are not edges (they
never carry a path); they are kept in ``graph["rivals"]`` as ``{(u, v): strength}`` for propagation.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(account_id="a", account={})
>>> g.add_node("boss", kind="contact", status="active")
>>> g.add_node("rep", kind="contact", status="active")
>>> _ = g.add_edge("rep", "boss", key="e1", type="REPORTS_TO")
>>> h = influence_graph(g)
>>> h["boss"]["rep"]["weight"], h["rep"]["boss"]["weight"]
(0.7, 0.3)
>>> strongest_paths(g, "rep", "boss")["paths"][0]["hops"][0]["type"]
'REPORTS_TO'
"""

from __future__ import annotations

import math
from itertools import islice, pairwise
from typing import Any

import networkx as nx

from scoring.model import AccountMap
from scoring.options import ScoringOptions, resolve


def _to_digraph(amap: AccountMap) -> nx.DiGraph:
    links, rivals = amap.all_links()
    h = nx.DiGraph(account_id=amap.account_id)
    h.add_nodes_from((c, {"kind": "contact", "name": d.get("name")}) for c, d in amap.active.items())
    h.add_nodes_from((t, {"kind": "team_member", "name": d.get("name")}) for t, d in amap.team.items())
    h.add_edges_from(
        (u, v, {"weight": e[0], "cost": -math.log(e[0]), "type": e[2]})
        for u, row in links.items() for v, e in row.items())
    h.graph["rivals"] = {(u, v): w for u, row in rivals.items() for v, w in row.items()}
    return h


def influence_graph(g: nx.MultiDiGraph, options: ScoringOptions | None = None) -> nx.DiGraph:
    """The account's influence graph: active contacts and team members, combined weights in (0, 1]."""
    return _to_digraph(AccountMap.build(g, resolve(options)))


def strongest_paths(g: nx.MultiDiGraph, source: str, target: str, k: int = 3,
                    options: ScoringOptions | None = None) -> dict[str, Any]:
    """The ``k`` strongest simple paths from ``source`` to ``target`` (strength = product of weights).

    Left contacts, unknown ids and ``source == target`` give no paths. Paths are found lazily as
    shortest simple paths on −log(weight), so only the first ``k`` are ever computed.
    """
    h = influence_graph(g, options)
    if k <= 0 or source == target or source not in h or target not in h:
        return {"paths": []}
    try:
        found = list(islice(nx.shortest_simple_paths(h, source, target, weight="cost"), k))
    except nx.NetworkXNoPath:
        return {"paths": []}
    paths = []
    for nodes in found:
        hops = [{"from": u, "to": v, "type": h[u][v]["type"], "weight": h[u][v]["weight"]}
                for u, v in pairwise(nodes)]
        strength = math.prod(hop["weight"] for hop in hops)
        paths.append({"strength": strength, "hops": hops})
    paths.sort(key=lambda p: -p["strength"])
    return {"paths": paths}
