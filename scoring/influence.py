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

The search can be bounded by construction (``max_hops``: no path of more hops is followed;
``max_explored``: at most that many partial paths are extended in all). When a bound cuts it, the
answer says so (``partial``, and the ``reason``) rather than silently holding fewer paths.
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
from scoring.results import Avoided, Hop, InfluencePath, InfluencePaths, Text, plain
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
                    opportunity_id: str | None = None, max_hops: int | None = None,
                    max_explored: int | None = None) -> dict[str, Any]:
    """The plain form of ``influence_paths``."""
    result: dict[str, Any] = plain(influence_paths(g, source, target, k, options, lang, opportunity_id,
                                                   max_hops, max_explored))
    return result


def influence_paths(g: nx.MultiDiGraph, source: str, target: str, k: int = 3,
                    options: ScoringOptions | None = None, lang: str = "en",
                    opportunity_id: str | None = None, max_hops: int | None = None,
                    max_explored: int | None = None) -> InfluencePaths:
    """The ``k`` strongest simple paths from ``source`` to ``target`` (strength = product of weights)
    that run only through people who would help (``scoring.people.GoBetweens``: for the deal
    ``opportunity_id``, else for any open deal of the account). The ends may be anyone.

    Left contacts, unknown ids and ``source == target`` give no paths. Paths are found as shortest
    simple paths on −log(weight) (Yen's algorithm, each spur a two-ended Dijkstra over the nodes' own
    links read on demand, never the whole influence graph). The search first ignores every path weaker
    than the cold-outreach reach (no better than no path at all); only when fewer than ``k`` paths are
    that strong is it run again without that bound, so the answer is always the exact k strongest.

    With ``max_hops`` the answer is the k strongest of the paths of at most that many hops (each spur an
    A* search over (person, hops) bounded below by the cost and the hops left to ``target``); ``partial``
    says when a longer path might have been among them. With ``max_explored`` at most that many partial
    paths are extended in all; when that cap is reached the paths listed so far are returned (each is
    still one of the k strongest, in order) and ``partial`` says so.

    ``avoided`` names the people left out whom the strongest way would otherwise have run through, and
    why; when every way runs through such people, ``message`` says so and what to do instead.
    """
    o = resolve(options)
    amap = AccountMap.build(g, o)
    if k <= 0 or source == target or amap.role(source) not in ("a", "t") or amap.role(target) not in ("a", "t"):
        return InfluencePaths(paths=(), avoided=(), message=None, max_hops=max_hops)
    go = GoBetweens.of(amap, o, opportunity_id)
    ends = {source, target}

    def unhelpful(n: str) -> bool:
        return n not in ends and not go.helps(n)

    work = _Work(max_hops, max_explored)
    found = _search(amap, o, source, target, k, unhelpful, work)
    paths = sorted((_path(amap, nodes) for nodes in found), key=lambda p: -p.strength)
    # The strongest way with nobody left out: does it run through someone we avoid?
    cut = work.hops_cut
    free = _search(amap, o, source, target, 1, None, work) if not work.exhausted else []
    work.hops_cut = cut  # the way with nobody left out only explains; its cuts do not make the answer partial
    avoided: list[Avoided] = []
    message = None
    if free and (not paths or _path(amap, free[0]).strength > paths[0].strength):
        for n in free[0][1:-1]:
            why = go.why_not(n)
            if why is not None:
                avoided.append(Avoided(contact_id=n, name=amap.name(n), code=why.code,
                                       text=text("paths.avoided", lang, name=amap.name(n),
                                                 why=why.why(amap, lang))))
        if not paths and avoided:
            message = text("paths.only_through_unhelpful" if len(avoided) > 1 else "paths.only_through_unhelpful_one",
                           lang, source=amap.name(source), target=amap.name(target),
                           names=join([a.name for a in avoided], lang))
    return InfluencePaths(paths=tuple(paths), avoided=tuple(avoided), message=message, max_hops=max_hops,
                          partial=work.cut is not None, reason=work.reason(lang))


class _Exhausted(Exception):
    """The search has extended as many partial paths as it may."""


class _Work:
    """The bounds of one question's search: the hop cap, the partial paths it may still extend, and
    which bound (if any) cut it."""

    def __init__(self, max_hops: int | None, max_explored: int | None) -> None:
        self.max_hops, self.max_explored = max_hops, max_explored
        self.explored = 0
        self.exhausted = False
        self.hops_cut = False
        # The least cost a path cut by the hop cap could have (a lower bound), in the current run.
        self.cut_cost = math.inf

    def explore(self) -> None:
        """One more partial path extended: stop when the cap is reached."""
        self.explored += 1
        if self.max_explored is not None and self.explored > self.max_explored:
            self.exhausted = True
            raise _Exhausted
        if not self.explored & 1023:
            checkpoint()

    @property
    def cut(self) -> str | None:
        return "max_explored" if self.exhausted else "max_hops" if self.hops_cut else None

    def reason(self, lang: str) -> Text | None:
        code = self.cut
        if code is None:
            return None
        return Text(code=code, text=text(f"paths.partial.{code}", lang, max_hops=self.max_hops,
                                         max_explored=self.max_explored))


def _search(amap: AccountMap, o: ScoringOptions, source: str, target: str, k: int,
            avoid: Callable[[str], bool] | None, work: _Work | None = None) -> list[list[str]]:
    work = work or _Work(None, None)
    before = work.hops_cut
    out, inn = amap.path_costs(), amap.in_costs()
    bound = -math.log(o.cold_outreach) if 0.0 < o.cold_outreach < 1.0 else math.inf
    found = _k_shortest_paths(out, inn, source, target, k, bound, avoid, work)
    if len(found) < k and bound < math.inf and not work.exhausted:
        work.hops_cut = before  # what the bounded pass cut, the unbounded one judges again
        found = _k_shortest_paths(out, inn, source, target, k, math.inf, avoid, work)
    return found


def _path(amap: AccountMap, nodes: list[str]) -> InfluencePath:
    hops = []
    for u, v in pairwise(nodes):
        entry = amap.influence_link(u, v)
        assert entry is not None
        hops.append(Hop(from_=u, to=v, type=entry[2], weight=entry[0]))
    return InfluencePath(strength=math.prod(hop.weight for hop in hops), hops=tuple(hops))


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
                      avoid: Callable[[str], bool] | None = None, work: _Work | None = None) -> list[list[str]]:
    """Up to ``k`` shortest simple paths of cost ≤ ``bound``, shortest first (Yen's algorithm, as
    ``nx.shortest_simple_paths``, on out-/in-link costs read on demand).

    Spur searches are bounded too: by ``bound`` less the root's cost and, once enough candidates are
    waiting, by the cost of the last candidate that could still be listed (a spur path costlier than
    that can never be among the first k; one of equal cost would be listed after it). Within
    ``work``'s bounds: paths of at most ``work.max_hops`` hops; when ``work.max_explored`` is reached,
    the paths listed so far.
    """
    work = work or _Work(None, None)
    listed: list[list[str]] = []
    costs: list[float] = []
    work.cut_cost = math.inf
    try:
        spur_search = _spur_search(out, inn, target, bound, avoid, work)
        first = spur_search(source, bound + _SLACK, _Ignored(avoid), set(), 0, 0.0)
        candidates: list[tuple[float, int, list[str]]] = []
        if first is not None and first[0] <= bound:
            candidates.append((first[0], 0, first[1]))
        queued = {tuple(c[2]) for c in candidates}
        counter = 1
        while candidates:
            cost, _, path = heapq.heappop(candidates)
            queued.discard(tuple(path))
            listed.append(path)
            costs.append(cost)
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
                spur = spur_search(root[-1], limit - root_length + _SLACK, ignore_nodes, ignore_edges, i - 1,
                                   root_length)
                if spur is not None:
                    total = root_length + spur[0]
                    candidate = root[:-1] + spur[1]
                    if total <= limit and tuple(candidate) not in queued:
                        heapq.heappush(candidates, (total, counter, candidate))
                        queued.add(tuple(candidate))
                        counter += 1
                ignore_nodes.add(root[-1])
    except _Exhausted:
        pass
    # Cut by the hop cap: a longer path (within the bound) might be stronger than the weakest listed, or
    # might have been listed where fewer than k were found.
    cut = work.cut_cost < math.inf and work.cut_cost <= bound + _SLACK
    if cut and (len(listed) < k or work.cut_cost <= costs[-1] + _SLACK):
        work.hops_cut = True
    return listed


Spur = Callable[[str, float, set[str], set[tuple[str, str]], int, float], tuple[float, list[str]] | None]


def _spur_search(out: Costs, inn: Costs, target: str, bound: float, avoid: Callable[[str], bool] | None,
                 work: _Work) -> Spur:
    """The shortest-path search of one run of Yen's algorithm: ``(start, cost bound, nodes and edges to
    avoid, hops already taken) → (cost, nodes)`` or None. Without a hop cap, the two-ended Dijkstra
    (NetworkX's, step for step); with one, an A* search over (person, hops taken) whose lower bounds —
    the cost and the number of hops left to ``target`` — come from one backward search per run."""
    if work.max_hops is None:
        def unbounded(start: str, limit: float, ignore_nodes: set[str], ignore_edges: set[tuple[str, str]],
                      taken: int, spent: float) -> tuple[float, list[str]] | None:
            return _bidirectional_dijkstra(out, inn, start, target, limit, ignore_nodes, ignore_edges, work)

        return unbounded
    max_hops = work.max_hops
    costs, hops = _to_target(inn, target, bound + _SLACK, max_hops, _Ignored(avoid), work)

    def capped(start: str, limit: float, ignore_nodes: set[str], ignore_edges: set[tuple[str, str]],
               taken: int, spent: float) -> tuple[float, list[str]] | None:
        return _hop_capped_search(out, start, target, limit, max_hops - taken, ignore_nodes, ignore_edges,
                                  costs, hops, work, spent)

    return capped


def _to_target(inn: Costs, target: str, bound: float, max_hops: int, ignore_nodes: set[str], work: _Work
               ) -> tuple[dict[str, float], dict[str, int]]:
    """Lower bounds for the capped search: each node's least cost to ``target`` (within ``bound``) and its
    fewest hops to it (within ``max_hops``), over every link but those into avoided people. Avoiding more
    (a spur's root, a listed path's edges) only makes paths costlier and longer, so they stay bounds."""
    costs: dict[str, float] = {}
    heap: list[tuple[float, int, str]] = [(0.0, 0, target)]
    counter = 1
    while heap:
        dist, _, v = heapq.heappop(heap)
        if v in costs:
            continue
        costs[v] = dist
        work.explore()
        for w, cost in inn(v):
            length = dist + cost
            if w not in costs and w not in ignore_nodes and length <= bound:
                heapq.heappush(heap, (length, counter, w))
                counter += 1
    hops = {target: 0}
    frontier = [target]
    for depth in range(1, max_hops + 1):
        following = []
        for v in frontier:
            work.explore()
            for w, _ in inn(v):
                if w not in hops and w in costs:
                    hops[w] = depth
                    following.append(w)
        frontier = following
    return costs, hops


def _hop_capped_search(out: Costs, source: str, target: str, bound: float, max_hops: int, ignore_nodes: set[str],
                       ignore_edges: set[tuple[str, str]], to_target: dict[str, float], hops_to: dict[str, int],
                       work: _Work, spent: float = 0.0) -> tuple[float, list[str]] | None:
    """The shortest path source → target of at most ``max_hops`` hops avoiding some nodes and edges, as
    (cost, nodes); None when there is none of cost ≤ ``bound``.

    A* over labels (node, hops taken), ordered by cost so far + least cost left: the first label of a
    node settled has its least cost, and a later one is kept only when it took fewer hops (it may still
    reach ``target`` within the cap where the cheaper one cannot). A label pruned only because the hops
    left cannot reach ``target`` lowers ``work.cut_cost`` to its least possible total cost (``spent``: the
    cost of the root the search starts from).
    """
    if source in ignore_nodes or target in ignore_nodes or source not in to_target:
        return None
    if hops_to.get(source, max_hops + 1) > max_hops:
        work.cut_cost = min(work.cut_cost, spent + to_target[source])
        return None
    fewest: dict[str, int] = {}                       # node → fewest hops of a settled label
    best: dict[tuple[str, int], float] = {(source, 0): 0.0}
    link: dict[tuple[str, int], tuple[str, int] | None] = {(source, 0): None}
    heap: list[tuple[float, float, int, int, str]] = [(to_target[source], 0.0, 0, 0, source)]
    counter = 1
    while heap:
        estimate, dist, taken, _, v = heapq.heappop(heap)
        if estimate > bound:
            return None
        if fewest.get(v, max_hops + 1) <= taken:
            continue
        fewest[v] = taken
        work.explore()
        if v == target:
            nodes = [v]
            label = link[(v, taken)]
            while label is not None:
                nodes.append(label[0])
                label = link[label]
            return dist, nodes[::-1]
        for w, cost in out(v):
            if w in ignore_nodes or (ignore_edges and (v, w) in ignore_edges):
                continue
            left = to_target.get(w)
            length = dist + cost
            if left is None or length + left > bound:
                continue
            step = taken + 1
            if step + hops_to.get(w, max_hops + 1) > max_hops:
                work.cut_cost = min(work.cut_cost, spent + length + left)
                continue
            if fewest.get(w, max_hops + 1) <= step or best.get((w, step), math.inf) <= length:
                continue
            best[(w, step)] = length
            link[(w, step)] = (v, taken)
            heapq.heappush(heap, (length + left, length, step, counter, w))
            counter += 1
    return None


def _cost(out: Costs, u: str, v: str) -> float:
    for x, c in out(u):
        if x == v:
            return c
    raise KeyError((u, v))          # pragma: no cover - paths only use existing links


def _bidirectional_dijkstra(out: Costs, inn: Costs, source: str, target: str, bound: float,
                            ignore_nodes: set[str], ignore_edges: set[tuple[str, str]], work: _Work | None = None
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
        if work is not None:
            work.explore()
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
