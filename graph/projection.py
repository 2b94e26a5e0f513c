"""Projection of one account's stored map into the NetworkX graph that scoring works on.

Graph attributes: ``account_id`` and ``account`` (the account's stored fields).
Nodes: the id, with ``kind`` (account, contact, team_member, competitor, opportunity) and every stored
field (``name``, ``title``, ``level``, ``status``, ``knows_us``, ``closeness``...).
Edges: a ``MultiDiGraph`` keyed by edge id, with ``type`` (REPORTS_TO, INFLUENCES, ...) and the edge's
properties (``strength``, ``closeness``, ``role``, ``stance``, ``influence``, ``kind``, ``threat``, ``note``).

The order is canonical, whatever order the database returns the records in: the account first, then
the other nodes by id; edges added by id (so each node's neighbours come in the order of the smallest
id of their edges, and parallel edges by id). An edited map keeps that order (``graph.map_cache``), so
the analytics, whose sums run in graph order, give an edited map exactly the answers of a fresh one.

The graph is an :class:`AccountGraph`: a ``MultiDiGraph`` with ``derived``, the memo of what readers
derive from this one graph (the scoring package's views: ``scoring.view.AccountMap.build``). A copy
starts with an empty memo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import networkx as nx

from graph.records import AccountSubgraph

T = TypeVar("T")


class Derived:
    """What readers derive from one projected map, kept with it (per key, e.g. a scoring view per
    options). Values that know how to follow an edit (an ``advance(graph, edit)`` method) are carried
    to the edited map by :meth:`advanced`; the others are computed again when next asked for."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        try:
            found: T = self._values[key]
            return found
        except KeyError:
            pass
        value = make()
        with self._lock:
            kept: T = self._values.setdefault(key, value)
            return kept

    def advanced(self, graph: nx.MultiDiGraph, edit: Any) -> Derived:
        """The memo of ``graph``, an edited copy of this memo's graph (``edit`` says what changed)."""
        carried = Derived()
        for key, value in list(self._values.items()):
            advance = getattr(value, "advance", None)
            if advance is not None:
                kept = advance(graph, edit)
                if kept is not None:            # None: nothing of it holds for the edited map
                    carried._values[key] = kept
        return carried

    def __len__(self) -> int:
        return len(self._values)

    def __deepcopy__(self, memo: dict[int, Any]) -> Derived:
        return Derived()            # what was derived from one graph is not the copy's

    def __reduce__(self) -> tuple[type[Derived], tuple[()]]:
        return Derived, ()


class AccountGraph(nx.MultiDiGraph):  # type: ignore[misc]
    """An account's projected map: a ``MultiDiGraph`` carrying ``derived`` (see :class:`Derived`)."""

    def __init__(self, incoming_graph_data: Any = None, multigraph_input: bool | None = None,
                 **attr: Any) -> None:
        super().__init__(incoming_graph_data, multigraph_input, **attr)
        self.derived = Derived()
        # Nodes and edges, when its maker knows them (an edited map: see graph.map_cache).
        self.size_hint: int | None = None


def account_graph(subgraph: AccountSubgraph) -> AccountGraph:
    """The account's map: what ``add_node`` for the account and each node by id, then ``add_edge`` for each
    edge by id would build (an end no node names added bare, where its first edge names it), written into
    the graph's own dicts directly — NetworkX's per-call work is most of a large map's projection."""
    account = subgraph.account
    graph = AccountGraph(account_id=account.id, account={"id": account.id, **account.data})
    nodes: dict[str, dict[str, Any]] = graph._node
    succ: dict[str, dict[str, dict[str, Any]]] = graph._succ
    pred: dict[str, dict[str, dict[str, Any]]] = graph._pred

    def place(n: str, attrs: dict[str, Any]) -> None:
        known = nodes.get(n)
        if known is not None:
            known.update(attrs)
            return
        nodes[n], succ[n], pred[n] = attrs, {}, {}

    place(account.id, {"kind": "account", **account.data})
    for node in sorted(subgraph.nodes, key=_id):
        place(node.id, {"kind": node.kind, **node.data})
    edges = 0
    for edge in sorted(subgraph.edges, key=_id):
        u, v = edge.source, edge.target
        if u not in nodes:
            place(u, {})
        if v not in nodes:
            place(v, {})
        keyed = succ[u].get(v)
        if keyed is None:
            keyed = succ[u][v] = pred[v][u] = {}
        if edge.id not in keyed:
            edges += 1
        keyed.setdefault(edge.id, {}).update({"type": edge.type, **edge.data})
    graph.size_hint = len(nodes) + edges
    return graph


def _id(record: Any) -> str:
    value: str = record.id
    return value
