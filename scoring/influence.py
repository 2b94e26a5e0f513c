"""The influence graph of an account and the strongest paths through it.

``influence_graph`` turns the stored map into a weighted ``nx.DiGraph`` over active contacts and our
team members (see ``scoring.model`` for the edge rules). Each edge carries ``weight`` in (0, 1],
``cost`` = −log(weight) and ``type``, its strongest underlying kind. Rival ties are not edges (they
never carry a path); they are kept in ``graph["rivals"]`` as ``{(u, v): strength}`` for propagation.

``strongest_paths`` never builds that graph: it runs Yen's algorithm (as ``nx.shortest_simple_paths``)
over the nodes' own links, read on demand, bounded first by the cold-outreach reach.

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

import heapq
import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import networkx as nx

from scoring.budget import checkpoint
from scoring.options import ScoringOptions, resolve
from scoring.people import GoBetweens
from scoring.texts import join, text
from scoring.view import AccountMap


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
                    options: ScoringOptions | None = None, lang: str = "en",
                    opportunity_id: str | None = None) -> dict[str, Any]:
    """The ``k`` strongest simple paths from ``source`` to ``target`` (strength = product of weights)
    that run only through people who would help (``scoring.people.GoBetweens``: for the deal
    ``opportunity_id``, else for any open deal of the account). The ends may be anyone.

    Left contacts, unknown ids and ``source == target`` give no paths. Paths are found as shortest
    simple paths on −log(weight) (Yen's algorithm, each spur a two-ended Dijkstra over the nodes' own
    links read on demand, never the whole influence graph). The search first ignores every path weaker
    than the cold-outreach reach (no better than no path at all); only when fewer than ``k`` paths are
    that strong is it run again without that bound, so the answer is always the exact k strongest.

    ``avoided`` names the people left out whom the strongest way would otherwise have run through, and
    why; when every way runs through such people, ``message`` says so and what to do instead.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    if k <= 0 or source == target or amap.role(source) not in ("a", "t") or amap.role(target) not in ("a", "t"):
        return {"paths": [], "avoided": [], "message": None}
    go = GoBetweens.of(amap, o, opportunity_id)
    ends = {source, target}

    def unhelpful(n: str) -> bool:
        return n not in ends and not go.helps(n)

    found = _search(amap, o, source, target, k, unhelpful)
    paths = [_path(amap, nodes) for nodes in found]
    paths.sort(key=lambda p: -p["strength"])
    # The strongest way with nobody left out: does it run through someone we avoid?
    free = _search(amap, o, source, target, 1, None)
    avoided: list[dict[str, Any]] = []
    message = None
    if free and (not paths or _path(amap, free[0])["strength"] > paths[0]["strength"]):
        for n in free[0][1:-1]:
            why = go.why_not(n)
            if why is not None:
                avoided.append({"contact_id": n, "name": amap.name(n), "code": why.code,
                                "text": text("paths.avoided", lang, name=amap.name(n), why=why.why(amap, lang))})
        if not paths and avoided:
            message = text("paths.only_through_unhelpful", lang, source=amap.name(source), target=amap.name(target),
                           names=join([a["name"] for a in avoided], lang))
    return {"paths": paths, "avoided": avoided, "message": message}


def _search(amap: AccountMap, o: ScoringOptions, source: str, target: str, k: int,
            avoid: Callable[[str], bool] | None) -> list[list[str]]:
    out, inn = amap.path_costs(), amap.in_costs()
    bound = -math.log(o.cold_outreach) if 0.0 < o.cold_outreach < 1.0 else math.inf
    found = _k_shortest_paths(out, inn, source, target, k, bound, avoid)
    if len(found) < k and bound < math.inf:
        found = _k_shortest_paths(out, inn, source, target, k, math.inf, avoid)
    return found


def _path(amap: AccountMap, nodes: list[str]) -> dict[str, Any]:
    hops = []
    for u, v in pairwise(nodes):
        entry = amap.influence_link(u, v)
        assert entry is not None
        hops.append({"from": u, "to": v, "type": entry[2], "weight": entry[0]})
    return {"strength": math.prod(hop["weight"] for hop in hops), "hops": hops}


class _Ignored(set[str]):
    """Nodes a search must not enter: those added (Yen's spur roots) and those ``avoid`` rules out."""

    def __init__(self, avoid: Callable[[str], bool] | None) -> None:
        super().__init__()
        self._avoid = avoid

    def __contains__(self, node: object) -> bool:
        return super().__contains__(node) or (self._avoid is not None and isinstance(node, str)
                                              and self._avoid(node))


Costs = Callable[[str], list[tuple[str, float]]]
# Slack on the bound while searching, so that rounding never hides a path within the bound.
_SLACK = 1e-9


def _k_shortest_paths(out: Costs, inn: Costs, source: str, target: str, k: int, bound: float,
                      avoid: Callable[[str], bool] | None = None) -> list[list[str]]:
    """Up to ``k`` shortest simple paths of cost ≤ ``bound``, shortest first (Yen's algorithm, as
    ``nx.shortest_simple_paths``, on out-/in-link costs read on demand).

    Spur searches are bounded too: by ``bound`` less the root's cost and, once enough candidates are
    waiting, by the cost of the last candidate that could still be listed (a spur path costlier than
    that can never be among the first k; one of equal cost would be listed after it).
    """
    first = _bidirectional_dijkstra(out, inn, source, target, bound + _SLACK, _Ignored(avoid), set())
    if first is None or first[0] > bound:
        return []
    listed: list[list[str]] = []
    candidates: list[tuple[float, int, list[str]]] = [(first[0], 0, first[1])]
    queued = {tuple(first[1])}
    counter = 1
    while candidates:
        _, _, path = heapq.heappop(candidates)
        queued.discard(tuple(path))
        listed.append(path)
        if len(listed) == k:
            break
        ignore_nodes: set[str] = _Ignored(avoid)
        ignore_edges: set[tuple[str, str]] = set()
        root_length = 0.0
        for i in range(1, len(path)):
            checkpoint()  # within the request's work budget, and only while someone waits for the answer
            root = path[:i]
            if i > 1:
                root_length += _cost(out, path[i - 2], path[i - 1])
            for p in listed:
                if p[:i] == root:
                    ignore_edges.add((p[i - 1], p[i]))
            limit = bound
            wanted = k - len(listed)
            if len(candidates) >= wanted:
                limit = min(limit, heapq.nsmallest(wanted, candidates)[-1][0])
            spur = _bidirectional_dijkstra(out, inn, root[-1], target, limit - root_length + _SLACK,
                                           ignore_nodes, ignore_edges)
            if spur is not None:
                total = root_length + spur[0]
                candidate = root[:-1] + spur[1]
                if total <= limit and tuple(candidate) not in queued:
                    heapq.heappush(candidates, (total, counter, candidate))
                    queued.add(tuple(candidate))
                    counter += 1
            ignore_nodes.add(root[-1])
    return listed


def _cost(out: Costs, u: str, v: str) -> float:
    for x, c in out(u):
        if x == v:
            return c
    raise KeyError((u, v))          # pragma: no cover - paths only use existing links


def _bidirectional_dijkstra(out: Costs, inn: Costs, source: str, target: str, bound: float,
                            ignore_nodes: set[str], ignore_edges: set[tuple[str, str]]
                            ) -> tuple[float, list[str]] | None:
    """The shortest path source → target avoiding some nodes and edges, as (cost, nodes); None when
    there is none of cost ≤ ``bound``. Nodes farther than ``bound`` from either end are not expanded.

    NetworkX's ``_bidirectional_dijkstra`` step for step (the same alternation, order of relaxation and
    tie-breaking), with the bound, and with each side's paths kept as predecessor links rather than
    copied lists: a node's link changes only until it is settled, and a path is read off the links at
    the moment it becomes the best meeting, so it is the path NetworkX would have recorded. The bound
    also ends the search early: once the two fringes' smallest distances add up to more than it, no
    path within it is left to meet (and the best met so far, if within it, can no longer improve).
    """
    if source in ignore_nodes or target in ignore_nodes:
        return None
    if source == target:
        return 0.0, [source]
    dists: tuple[dict[str, float], dict[str, float]] = ({}, {})
    links: tuple[dict[str, str | None], dict[str, str | None]] = ({source: None}, {target: None})
    seen: tuple[dict[str, float], dict[str, float]] = ({source: 0.0}, {target: 0.0})
    fringe: tuple[list[tuple[float, int, str]], list[tuple[float, int, str]]] = (
        [(0.0, 0, source)], [(0.0, 1, target)])
    neighbours = (out, inn)
    counter = 2
    final_dist = math.inf
    final_path: list[str] = []
    direction = 1
    push, pop = heapq.heappush, heapq.heappop
    while fringe[0] and fringe[1]:
        if fringe[0][0][0] + fringe[1][0][0] > bound:
            # Every path not met yet costs at least this much: none within the bound is left, and
            # the best one met (if within the bound) is the shortest, as NetworkX would return it.
            return (final_dist, final_path) if final_dist <= bound else None
        direction = 1 - direction
        dist, _, v = pop(fringe[direction])
        here = dists[direction]
        if v in here:
            continue
        here[v] = dist
        if v in dists[1 - direction]:
            return final_dist, final_path
        seen_here, seen_there, link = seen[direction], seen[1 - direction], links[direction]
        heap = fringe[direction]
        forward = direction == 0
        for w, cost in neighbours[direction](v):
            if w in ignore_nodes:
                continue
            if ignore_edges and ((v, w) if forward else (w, v)) in ignore_edges:
                continue
            length = dist + cost
            if length > bound or w in here:
                continue
            if w not in seen_here or length < seen_here[w]:
                seen_here[w] = length
                push(heap, (length, counter, w))
                counter += 1
                link[w] = v
                if w in seen_there:
                    total = length + seen_there[w]
                    if not final_path or final_dist > total:
                        final_dist = total
                        final_path = _walk(links[0], w)[::-1] + _walk(links[1], w)[1:]
    # One side has nothing left within the bound: every node of a path within it was settled on that
    # side, so that path was met (at its end) and the best met is the shortest.
    return (final_dist, final_path) if final_path and final_dist <= bound else None


def _walk(link: dict[str, str | None], node: str) -> list[str]:
    """The nodes from ``node`` back to its side's end, following the predecessor links."""
    nodes = [node]
    while (p := link[nodes[-1]]) is not None:
        nodes.append(p)
    return nodes
