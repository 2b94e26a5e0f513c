"""Analytics answers kept per projected map: the same question about an unchanged map gets the same
answer without scoring it again. The store hands out one graph object per account revision, so an
answer lives exactly as long as the map it was computed from (weak keys), and a write — which makes
the store project a new graph — retires every answer about the old one, unless the store edited the
old map only in node fields no analysis reads (``scoring.view.INERT_FIELDS``, e.g. a contact's notes):
then the edited map keeps the old one's answers (they live in the map's memo, ``graph.derived``, which
carries them across such an edit)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
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


class SharedChecks:
    """Checks of whether a kept map is current (``Store.current_account_graph``: on Neo4j a round trip),
    shared by the concurrent requests about one account; and lookups of a stored API key, shared alike by
    the concurrent requests that send it (``app.deps.authenticated``). A request is answered from a check
    that started after it arrived — the one under way if it started since, else the next — so it sees every
    write committed before it came, by any process. Requests that come while a check runs share the one after
    it, and requests that waited for a place in the gate (``app.limits``) may share the one under way;
    sequential requests each take a check of their own. Checks run on the event loop."""

    def __init__(self) -> None:
        self._running: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        self._next: dict[Hashable, tuple[asyncio.Future[Any], Callable[[], Awaitable[Any]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def shared(self, key: Hashable, check: Callable[[], Awaitable[Any]], arrived: float) -> Any:
        """The result of a run of ``check`` (or of another's for ``key``) that started after ``arrived``
        (``time.monotonic()``: when the request came)."""
        # A request that goes away leaves the check running for the others.
        return await asyncio.shield(self._after(key, check, arrived))

    def begin(self, key: Hashable, check: Callable[[], Awaitable[Any]], arrived: float) -> asyncio.Future[Any] | None:
        """Start the check a request that came at ``arrived`` will want, before it asks, when no check of
        ``key`` is under way or queued: the request then awaits the future returned (:meth:`joined`), which
        may be done by then; a failure stays for it to raise, if it ever asks. None when checks of ``key``
        are under way: the request shares one when it asks (:meth:`shared`), as requests under load do, so
        that those waiting for their turn (``app.limits``) do not each add a check."""
        if key in self._running or key in self._next:
            return None
        future = self._after(key, check, arrived)
        future.add_done_callback(_retrieved)
        return future

    @staticmethod
    async def joined(future: asyncio.Future[Any]) -> Any:
        """The result of a check begun for this request (:meth:`begin`)."""
        return await asyncio.shield(future)

    def _after(self, key: Hashable, check: Callable[[], Awaitable[Any]], arrived: float) -> asyncio.Future[Any]:
        """The check under way for ``key`` if it started after ``arrived``, else the next one."""
        running = self._running.get(key)
        if running is not None and running[0] > arrived:
            return running[1]
        waiting = self._next.get(key)
        if waiting is None:
            waiting = (asyncio.get_running_loop().create_future(), check)
            self._next[key] = waiting
            if running is None:
                self._start(key)
        return waiting[0]

    def _start(self, key: Hashable) -> None:
        future, check = self._next.pop(key)
        self._running[key] = (time.monotonic(), future)

        async def run() -> None:
            try:
                future.set_result(await check())
            except asyncio.CancelledError:
                future.cancel()
                raise
            except Exception as e:  # noqa: BLE001 - every waiter gets the check's failure
                future.set_exception(e)
            finally:
                del self._running[key]
                if key in self._next:
                    self._start(key)

        # Run in a context of its own: not in the budget of the request that happened to start it.
        task = asyncio.get_running_loop().create_task(run(), context=contextvars.Context())
        self._tasks.add(task)           # the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a check's failure as seen (else asyncio logs it when no request asked for that check)."""
    if not future.cancelled():
        future.exception()
