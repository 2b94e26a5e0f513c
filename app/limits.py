"""Bounded work: heavy requests (analytics, maps, imports, exports) take a place in a small gate before
they run, each under a time budget, and stop when their client goes away.

Python runs one thread at a time; an event loop that has to win the interpreter back from forty busy
worker threads answers ``/health`` in seconds. So at most ``heavy_concurrency`` heavy requests run at once
(a semaphore on the event loop: waiting costs no thread), at most ``heavy_queue`` wait — beyond that, or
after ``heavy_wait_seconds``, the answer is 503 with ``Retry-After`` — and the light routes (``/health``,
reads by id, lists) never queue behind them. While a heavy request waits or runs, its connection is
watched: when the client goes away it leaves the queue, and running work stops at its next
:func:`scoring.budget.checkpoint`.
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors
from scoring.budget import Budget, spending

# Paths whose work grows with the size of an account (or of the body): every single-word answer under an
# account or opportunity (analytics, maps, exports, history, review decks: not the decision-chain
# members, which are records), and the imports. Ids never hold a "/".
HEAVY_PATH = re.compile(r"^/v1/(accounts|opportunities)/[^/]+/[a-z-]+$|^/v1/import(/csv)?$|^/v1/portfolio$")


@dataclass
class GateSettings:
    concurrency: int
    queue: int
    wait_seconds: float
    work_seconds: float


class Gate:
    """At most ``concurrency`` holders; at most ``queue`` waiting."""

    def __init__(self, settings: GateSettings) -> None:
        self.settings = settings
        self.running = 0
        self.waiting = 0
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        # Made on first use, inside the running loop (the app may be built outside one).
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        return self._semaphore


class _Client:
    """The request's body, read in full before the work is queued, and the news of the client leaving."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.gone = asyncio.Event()
        self.body = b""

    async def read_body(self) -> bool:
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.gone.set()
                return False
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.body = b"".join(chunks)
                return True

    async def watch(self, abandoned: threading.Event) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.gone.set()
                abandoned.set()
                return

    def replay(self) -> Callable[[], Awaitable[Message]]:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        return receive


class GateHeavy:
    """ASGI middleware: requests to heavy paths wait for the gate, run under a budget, and stop when their
    client goes away; every other request passes straight through."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app, self.gate = app, gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not HEAVY_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        gate = self.gate
        # before it waits (app.answers); set earlier by a question whose map check began on arrival
        scope.setdefault("state", {}).setdefault("arrived", time.monotonic())
        client = _Client(receive)
        if not await client.read_body():
            return
        if gate.semaphore.locked() and gate.waiting >= gate.settings.queue:
            await _busy(gate, "too many heavy requests are waiting")(scope, receive, send)
            return
        abandoned = threading.Event()
        watcher = asyncio.create_task(client.watch(abandoned))
        try:
            gate.waiting += 1
            try:
                entered = await _enter(gate, client)
            finally:
                gate.waiting -= 1
            if entered is None:
                return  # the client left while waiting: nobody to answer
            if not entered:
                await _busy(gate, f"no heavy request finished within {gate.settings.wait_seconds:g} s"
                            )(scope, receive, send)
                return
            gate.running += 1
            try:
                # The budget's clock starts when the work does, not while it waited.
                with spending(Budget(gate.settings.work_seconds, abandoned=abandoned)):
                    await self.app(scope, client.replay(), send)
            finally:
                gate.running -= 1
                gate.semaphore.release()
        finally:
            watcher.cancel()


async def _enter(gate: Gate, client: _Client) -> bool | None:
    """True once a place is free; False after the wait limit; None when the client went away first."""
    if not gate.semaphore.locked():
        await gate.semaphore.acquire()  # a place is free: taken at once (no task or timer to set up)
        return True
    acquire = asyncio.ensure_future(gate.semaphore.acquire())
    gone = asyncio.ensure_future(client.gone.wait())
    try:
        done, _ = await asyncio.wait({acquire, gone}, timeout=gate.settings.wait_seconds,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if acquire in done:
        if client.gone.is_set():
            gate.semaphore.release()
            return None
        return True
    acquire.cancel()
    try:
        await acquire  # it may have won the place just as it was cancelled
    except asyncio.CancelledError:
        pass
    else:
        gate.semaphore.release()
    return None if client.gone.is_set() else False


def _busy(gate: Gate, why: str) -> Any:
    retry = max(1, math.ceil(gate.settings.work_seconds / 2))
    return errors.problem(503, "Busy", f"{why}: the service runs at most {gate.settings.concurrency} heavy requests "
                          f"at once; retry in {retry} s", headers={"Retry-After": str(retry)})
