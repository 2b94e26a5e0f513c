"""Analytics answers kept per projected map: the same question about an unchanged map gets the same
answer without scoring it again. The store hands out one graph object per account revision, so an
answer lives exactly as long as the map it was computed from (weak keys), and a write — which makes
the store project a new graph — retires every answer about the old one, unless the store edited the
old map only in node fields no analysis reads (``scoring.view.INERT_FIELDS``, e.g. a contact's notes):
then the edited map keeps the old one's answers (they live in the map's memo, ``graph.derived``, which
carries them across such an edit)."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import networkx as nx

from scoring.view import INERT_FIELDS


class Answers:
    """At most ``per_map`` answers per map, least recently asked out first."""

    def __init__(self, per_map: int = 256) -> None:
        self.per_map = per_map
        self._maps: weakref.WeakKeyDictionary[nx.MultiDiGraph, OrderedDict[Hashable, Any]] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()

    def answer(self, graph: nx.MultiDiGraph, question: Hashable, compute: Callable[[], Any]) -> Any:
        """The kept answer to ``question`` about ``graph``, else ``compute()``'s, kept."""
        found = self.kept(graph, question, _MISSING)
        if found is not _MISSING:
            return found
        value = compute()
        kept = self._memo(graph)
        with self._lock:
            known = kept.answers if kept is not None else self._maps.setdefault(graph, OrderedDict())
            known[question] = value
            while len(known) > self.per_map:
                known.popitem(last=False)
        return value

    def kept(self, graph: nx.MultiDiGraph, question: Hashable, default: Any = None) -> Any:
        """The answer kept for ``question`` about ``graph``, else ``default``; computes nothing."""
        kept = self._memo(graph)
        with self._lock:
            known = kept.answers if kept is not None else self._maps.get(graph)
            if known is None or question not in known:
                return default
            known.move_to_end(question)
            return known[question]

    def _memo(self, graph: nx.MultiDiGraph) -> _Kept | None:
        memo = getattr(graph, "derived", None) if getattr(graph, "frozen", False) else None
        return memo.get(("app.answers", id(self)), _Kept) if memo is not None else None


_MISSING = object()


class _Kept:
    """One map's answers, in its memo; an edited map keeps them when the edit changed only node fields
    no analysis reads (``graph.map_cache.MapEdit.fields``)."""

    def __init__(self, answers: OrderedDict[Hashable, Any] | None = None) -> None:
        self.answers: OrderedDict[Hashable, Any] = OrderedDict(answers or ())

    def advance(self, graph: nx.MultiDiGraph, edit: Any) -> _Kept | None:
        fields = getattr(edit, "fields", None)
        return _Kept(self.answers) if fields is not None and fields <= INERT_FIELDS else None
