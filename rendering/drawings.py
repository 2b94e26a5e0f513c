"""Maps drawn lately, kept for the projected map each was drawn from.

The store hands out one frozen map object per account revision and a new one after any write that
changes the account (also another process's: the store checks the revisions on every read). A drawing
kept under its map object — held weakly, compared by identity — therefore never outlives the map it
shows: the same request about an unchanged map is sent from memory, and the first request after a
write draws afresh. The caller owns the instance (the service keeps one); nothing here is process-wide.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

import networkx as nx

MAX_BYTES = 64 << 20


class Drawings:
    """At most ``max_bytes`` of drawings in all, least recently asked out first; a drawing larger than a
    quarter of that is sent but not kept."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[tuple[int, Hashable], tuple[weakref.ref[nx.MultiDiGraph], bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # How each request was served, for the tests: "kept", "drawn".
        self.counts: dict[str, int] = {"kept": 0, "drawn": 0}

    @property
    def size(self) -> int:
        """The bytes kept."""
        return self._bytes

    def drawn(self, graph: nx.MultiDiGraph, request: Hashable, draw: Callable[[], bytes]) -> bytes:
        """The drawing kept for ``request`` about ``graph`` (this very object), else ``draw()``'s, kept."""
        key = (id(graph), request)
        with self._lock:
            found = self._kept.get(key)
            if found is not None and found[0]() is graph:
                self._kept.move_to_end(key)
                self.counts["kept"] += 1
                return found[1]
        data = draw()
        with self._lock:
            self.counts["drawn"] += 1
            old = self._kept.pop(key, None)
            self._bytes -= len(old[1]) if old is not None else 0
            if len(data) <= self.max_bytes // 4:
                self._kept[key] = (weakref.ref(graph), data)
                self._bytes += len(data)
            while self._bytes > self.max_bytes:
                self._bytes -= len(self._kept.popitem(last=False)[1][1])
        return data
