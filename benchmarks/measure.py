"""Client-side measurements over HTTP: latency samples, throughput, the server's own request timings."""

from __future__ import annotations

import math
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

_METRIC = re.compile(r'^guanxi_request_seconds_(sum|count)\{(?P<labels>.*)\} (?P<value>\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def server_timings(client: httpx.Client) -> dict[tuple[str, str], tuple[float, int]]:
    """(method, route) → (seconds summed, requests counted), from the service's /metrics histogram,
    which its middleware fills with the time spent inside the application per request."""
    out: dict[tuple[str, str], list[float]] = {}
    text = client.get("/metrics").text
    for line in text.splitlines():
        m = _METRIC.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group("labels")))
        slot = out.setdefault((labels.get("method", ""), labels.get("route", "")), [0.0, 0.0])
        slot[0 if m.group(1) == "sum" else 1] = float(m.group("value"))
    return {k: (v[0], int(v[1])) for k, v in out.items()}


@dataclass
class Latency:
    """Latency of one endpoint at one size, in seconds: as the client sees it, and inside the server."""

    path: str
    status: str = "ok"  # ok | not available | error | timed out
    samples: list[float] = field(default_factory=list)
    first: float | None = None  # the warm-up request, not counted in the samples
    server_mean: float | None = None
    detail: str = ""
    bytes: int = 0

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return percentile(self.samples, 95) if self.samples else None

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.samples) if self.samples else None

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "n": len(self.samples), "median": self.median,
                "p95": self.p95, "mean": self.mean, "server_mean": self.server_mean, "first": self.first,
                "detail": self.detail, "bytes": self.bytes, "samples": [round(s, 6) for s in self.samples]}


def measure_latency(client: httpx.Client, paths: list[str], route: str, *, repeat: int, budget: float,
                    timeout: float) -> Latency:
    """One warm-up request, then up to ``repeat`` sequential requests (cycling through ``paths``) or as many
    as fit in ``budget`` seconds, at least one. ``route`` is the route template, to read the server-side
    time of exactly these requests from /metrics."""
    result = Latency(paths[0])
    before = _timings(client, route)
    try:
        started = time.perf_counter()
        r = client.get(paths[0], timeout=timeout)
        result.first = time.perf_counter() - started
    except httpx.TimeoutException:
        result.status, result.detail = "timed out", f"no answer in {timeout:.0f} s"
        return result
    except httpx.HTTPError as e:
        result.status, result.detail = "error", f"{type(e).__name__}: {e}"
        return result
    if r.status_code == 404 and _route_missing(r):
        result.status, result.detail = "not available", "404 for the route"
        return result
    if r.status_code != 200:
        result.status, result.detail = "error", f"HTTP {r.status_code}: {r.text[:300]}"
        return result
    result.bytes = len(r.content)
    if result.first > budget:
        # Too slow to repeat within the budget: the warm-up is the one sample.
        result.samples.append(result.first)
        result.detail = "one request (slower than the budget)"
    else:
        before = _timings(client, route)
        _repeat(client, paths, result, repeat=repeat, budget=budget, timeout=timeout)
    after = _timings(client, route)
    counted = after[1] - before[1]
    if counted > 0 and result.status == "ok":
        result.server_mean = (after[0] - before[0]) / counted
    return result


def _repeat(client: httpx.Client, paths: list[str], result: Latency, *, repeat: int, budget: float,
            timeout: float) -> None:
    deadline = time.perf_counter() + budget
    for i in range(max(1, repeat)):
        path = paths[i % len(paths)]
        try:
            started = time.perf_counter()
            r = client.get(path, timeout=timeout)
            elapsed = time.perf_counter() - started
        except httpx.TimeoutException:
            result.status, result.detail = "timed out", f"no answer in {timeout:.0f} s"
            break
        except httpx.HTTPError as e:
            result.status, result.detail = "error", f"{type(e).__name__}: {e}"
            break
        if r.status_code != 200:
            result.status, result.detail = "error", f"HTTP {r.status_code} for {path}: {r.text[:300]}"
            break
        result.samples.append(elapsed)
        if time.perf_counter() > deadline:
            break


def _timings(client: httpx.Client, route: str) -> tuple[float, int]:
    try:
        return server_timings(client).get(("GET", route), (0.0, 0))
    except httpx.HTTPError:
        return (0.0, 0)


def _route_missing(response: httpx.Response) -> bool:
    """A 404 for a route the server does not have (not for an unknown id)."""
    try:
        detail = str(response.json().get("detail", ""))
    except ValueError:
        return True
    return detail.strip().lower() == "not found"


@dataclass
class Throughput:
    path: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "requests": self.requests, "errors": self.errors, "seconds": self.seconds,
                "rps": self.rps}


def measure_throughput(make_client: Any, path: str, *, threads: int, max_requests: int,
                       max_seconds: float, timeout: float) -> Throughput:
    """``threads`` client threads, each with its own keep-alive connection, send ``path`` back to back
    until ``max_requests`` are done in all or ``max_seconds`` have passed; completed requests per second."""
    lock = threading.Lock()
    result = Throughput(path)
    issued = 0
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        nonlocal issued
        with make_client() as client:
            try:
                client.get("/health", timeout=timeout)  # connect before the clock starts
            except httpx.HTTPError:
                pass
            barrier.wait()
            while True:
                with lock:
                    if issued >= max_requests or time.perf_counter() > deadline:
                        return
                    issued += 1
                try:
                    ok = client.get(path, timeout=timeout).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        result.requests += 1
                    else:
                        result.errors += 1

    barrier = threading.Barrier(threads + 1)
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + max_seconds
    for w in workers:
        w.join(timeout=max_seconds + timeout + 10)
    result.seconds = time.perf_counter() - started
    return result


def measure_interleaved(clients: dict[str, httpx.Client], paths: dict[str, list[str]], route: str, *,
                        repeat: int, budget: float, timeout: float,
                        writes: dict[str, Write] | None = None) -> dict[str, Latency]:
    """Requests to several servers (``paths`` per client), alternating which goes first in each round, so
    that whatever else the machine is doing weighs on all of them alike; with ``writes``, each timed request
    follows a write to its server (see :func:`measure_after_write`). One :class:`Latency` per client."""
    results = {name: Latency(paths[name][0]) for name in clients}
    before = {}
    for name, client in clients.items():
        before[name] = _timings(client, route)
        started = time.perf_counter()
        try:
            r = client.get(paths[name][0], timeout=timeout)
        except httpx.HTTPError as e:
            results[name].status, results[name].detail = "error", f"{type(e).__name__}: {e}"
            continue
        results[name].first = time.perf_counter() - started
        if r.status_code != 200:
            missing = r.status_code == 404 and _route_missing(r)
            results[name].status = "not available" if missing else "error"
            results[name].detail = "404 for the route" if missing else f"HTTP {r.status_code}: {r.text[:300]}"
        before[name] = _timings(client, route)
    live = [name for name in clients if results[name].status == "ok"]
    deadline = time.perf_counter() + budget
    for i in range(max(1, repeat)):
        order = live if i % 2 == 0 else list(reversed(live))
        for name in order:
            if results[name].status != "ok":
                continue
            if writes:
                try:
                    writes[name](i)
                except (httpx.HTTPError, RuntimeError) as e:
                    results[name].status, results[name].detail = "error", f"the write failed: {e}"
                    continue
            one = Latency(paths[name][0])
            path = paths[name][i % len(paths[name])]
            _repeat(clients[name], [path], one, repeat=1, budget=budget, timeout=timeout)
            results[name].samples += one.samples
            if one.status != "ok":
                results[name].status, results[name].detail = one.status, one.detail
        if time.perf_counter() > deadline:
            break
    for name in live:
        after = _timings(clients[name], route)
        counted = after[1] - before[name][1]
        if counted > 0 and results[name].status == "ok":
            results[name].server_mean = (after[0] - before[name][0]) / counted
    return results


Write = Callable[[int], None]


def measure_after_write(client: httpx.Client, paths: list[str], route: str, write: Write, *, samples: int,
                        budget: float, timeout: float) -> Latency:
    """Latency of the first read after a write: before each timed request, ``write(i)`` changes the account
    (untimed), so the service cannot answer from what it kept of the map; up to ``samples`` requests or as
    many as fit in ``budget`` seconds, at least one."""
    result = Latency(paths[0])
    before = _timings(client, route)
    deadline = time.perf_counter() + budget
    for i in range(max(1, samples)):
        try:
            write(i)
        except (httpx.HTTPError, RuntimeError) as e:
            result.status, result.detail = "error", f"the write failed: {e}"
            break
        one = Latency(paths[0])
        _repeat(client, [paths[i % len(paths)]], one, repeat=1, budget=budget, timeout=timeout)
        result.samples += one.samples
        if one.status != "ok":
            result.status, result.detail = one.status, one.detail
            break
        if time.perf_counter() > deadline:
            break
    after = _timings(client, route)
    if after[1] > before[1] and result.status == "ok":
        result.server_mean = (after[0] - before[0]) / (after[1] - before[1])
    return result


def contact_writer(client: httpx.Client, contact_id: str, timeout: float) -> Write:
    """A write that changes nothing the analytics use: a contact's notes (a new revision of the map)."""

    def write(i: int) -> None:
        r = client.patch(f"/v1/contacts/{contact_id}", json={"notes": f"benchmark write {i} {time.time()}"},
                         timeout=timeout)
        if r.status_code != 200:
            raise RuntimeError(f"PATCH /v1/contacts/{contact_id} answered {r.status_code}: {r.text[:300]}")

    return write


def line_writer(client: httpx.Client, relationship_id: str, timeout: float) -> Write:
    """A write that moves what the analytics read: an influence line's strength (the chain's support, the
    gains and the informal-power ranking all change)."""

    def write(i: int) -> None:
        r = client.patch(f"/v1/relationships/{relationship_id}", json={"strength": (0.35, 0.95)[i % 2]},
                         timeout=timeout)
        if r.status_code != 200:
            raise RuntimeError(f"PATCH /v1/relationships/{relationship_id} answered {r.status_code}: {r.text[:300]}")

    return write
