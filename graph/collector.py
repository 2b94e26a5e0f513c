"""Python's cyclic garbage collector, held off while many objects that are not garbage are made at once:
an import's records, a map drawn, an account's map loaded and projected or replayed as of a moment. With
Python's default thresholds each full collection on the way walks every object made so far again: a
quarter of a 10,000-contact import's time; at 100,000 contacts, 0.7 s of the map's load and 1.5 s of its
projection (load 2.5-2.8 s instead of 3.3 s, projection 0.8-0.9 s instead of 2.3-2.6 s), and
`guanxi export ACCOUNT --format svg` 14.4 s instead of 16.9-17.3 s. `guanxi serve` raises the thresholds
for the whole service instead (app/cli.py), so there a pause changes little. Nothing is lost: what became
garbage meanwhile is collected after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0             # pauses under way, in any thread
_resume = False         # whether the collector was on when the first of them began


@contextmanager
def collection_paused() -> Iterator[None]:
    """The collector off until this and every other pause under way (other threads' imports and loads)
    have ended; then back on, unless it was off before the first of them began."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
