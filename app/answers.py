"""Analytics answers kept per projected map: the same question about an unchanged map gets the same
answer without scoring it again. The store hands out one graph object per account revision, so an
answer lives exactly as long as the map it was computed from (weak keys), and a write — which makes
the store project a new graph — retires every answer about the old one."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import networkx as nx


class Answers:
    """At most ``per_map`` answers per map, least recently asked out first."""

    def __init__(self, per_map: int = 256) -> None:
        self.per_map = per_map
        self._maps: weakref.WeakKeyDictionary[nx.MultiDiGraph, OrderedDict[Hashable, Any]] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()

    def answer(self, graph: nx.MultiDiGraph, question: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            known = self._maps.get(graph)
            if known is not None and question in known:
                known.move_to_end(question)
                return known[question]
        value = compute()
        with self._lock:
            known = self._maps.setdefault(graph, OrderedDict())
            known[question] = value
            while len(known) > self.per_map:
                known.popitem(last=False)
        return value
