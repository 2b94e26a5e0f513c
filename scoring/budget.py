"""How much work one question may take: a deadline, and whether whoever asked is still waiting.

The service sets a budget around each heavy request (``app/limits.py``); long loops call
:func:`checkpoint`, which stops the work by raising :class:`OverBudget` (past the deadline) or
:class:`Abandoned` (the client went away). Outside a request (tests, the CLI, benchmarks) there is no
budget and ``checkpoint`` costs a context-variable read.

>>> checkpoint()  # no budget: nothing happens
>>> with spending(Budget(seconds=0.0)):
...     checkpoint()
Traceback (most recent call last):
scoring.budget.OverBudget: this needs more than 0 s of work
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


class OverBudget(Exception):
    """The work took longer than its budget allows."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"this needs more than {seconds:g} s of work")
        self.seconds = seconds


class Abandoned(Exception):
    """Whoever asked has gone away: the answer would be thrown away."""


@dataclass
class Budget:
    seconds: float
    started: float = field(default_factory=time.monotonic)
    abandoned: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        if self.abandoned.is_set():
            raise Abandoned("the client went away")
        if time.monotonic() - self.started > self.seconds:
            raise OverBudget(self.seconds)


_current: ContextVar[Budget | None] = ContextVar("guanxi_budget", default=None)


def checkpoint() -> None:
    """Raise OverBudget or Abandoned when the current budget (if any) says stop."""
    budget = _current.get()
    if budget is not None:
        budget.check()


@contextmanager
def spending(budget: Budget) -> Iterator[Budget]:
    """Run the block (and the threads it starts with a copy of its context) under ``budget``."""
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
