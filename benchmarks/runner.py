"""The benchmark suite: generate maps, start ``guanxi serve``, measure over HTTP, write a Markdown report.

See ``python -m benchmarks --help`` and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from benchmarks import generator as gen
from benchmarks.measure import (
    Latency,
    Throughput,
    contact_writer,
    line_writer,
    measure_after_write,
    measure_interleaved,
    measure_latency,
    measure_throughput,
)
from benchmarks.server import BENCH_MAX_BODY_BYTES, Server, free_port, neo4j_uri, run_cli, running

# (key, label, route template, path builder) — the per-size latency endpoints, map last.
ENDPOINTS = (
    ("decision_chain", "decision chain", "/v1/opportunities/{id}/decision-chain"),
    ("coverage_gaps", "coverage gaps", "/v1/opportunities/{id}/coverage-gaps"),
    ("next_best", "who to win next (k=5)", "/v1/opportunities/{id}/next-best-contacts"),
    ("paths", "influence paths (k=3)", "/v1/accounts/{id}/paths"),
    ("map_png", "map (PNG)", "/v1/accounts/{id}/map"),
)
ROOT = Path(__file__).resolve().parent.parent
TARGET_SIZE = 10_000
BULK_ROWS = 10_000
# Issue 11's targets: (endpoint, label, after-write limit at 10,000 contacts in seconds).
ENDPOINT_TARGETS = (("decision_chain", "decision chain", 0.1), ("coverage_gaps", "coverage gaps", 0.3),
                    ("next_best", "who-to-win-next (k=5)", 0.3))
# The writes whose next read the "right after a write" targets judge: (results part, how the target says it,
# key tag, the write in short). The notes write changes nothing an analysis reads (the kept answer is sent once
# the map is brought up to date); the re-weighted influence line into the chain moves support, gains and the
# power ranking, so the analyses run again.
# The line is also re-weighted through a second service process on the same store (a deployment of several):
# the process answering learns of that write from the store's log of changes, where it applies its own write
# to its kept map as it commits.
AFTER_WRITES = (("after_write", "first read after a write", "", "a notes write"),
                ("after_line_write", "first read after an influence line is re-weighted", "_line", "a line re-weighted"),
                ("after_peer_line_write", "first read after another service process re-weights the line", "_peer_line",
                 "a line re-weighted by another process"))
# Rows per second an import of a 10,000-contact bundle over HTTP must reach, per backend.
IMPORT_TARGETS = {"sqlite": 20_000, "neo4j": 10_000}
# Neo4j's latencies within this factor of SQLite's (judged when both backends are measured).
NEO4J_FACTOR = 2.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Config:
    sizes: list[int]
    accounts: tuple[int, int] | None
    repeat: int
    out: Path
    seed: int = 7
    budget: float = 20.0
    timeout: float = 300.0
    threads: int = 4
    tput_seconds: float = 5.0
    tput_requests: int = 3000
    tput_warm_up: float = 90.0      # at most this many seconds of the same load, untimed, before each measure
    tput_pairs: int = 3             # windows of /health and of the chain in turn; the median pair's ratio counts
    work_dir: Path | None = None
    keep: bool = False
    store_cache: Path | None = None
    build_budget: float | None = None
    profile: bool = True
    cli_import: bool = True
    smoke: bool = False
    json_out: Path | None = None
    merge: bool = False
    command: str = ""
    backend: str = "sqlite"
    map_sizes: list[int] = field(default_factory=lambda: [1000, 10000])   # benchmarks.maps, in-process
    warm_up: int = 200              # untimed rounds of a write and the analytics reads before timing...
    warm_up_seconds: float = 30.0   # ...and for at least this long (a fresh Neo4j's JIT takes 20-30 s of them)
    warm_up_limit: float = 120.0    # ...then on while the first read after a write gets faster, up to this long
    import_repeat: int = 3          # imports over HTTP per size (while one takes ≤ budget); the median counts


@dataclass
class Results:
    meta: dict[str, Any] = field(default_factory=dict)
    sizes: dict[int, dict[str, Any]] = field(default_factory=dict)
    multi: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"meta": self.meta, "sizes": {str(k): v for k, v in self.sizes.items()}, "multi": self.multi,
                "targets": self.targets, "profiles": self.profiles, "notes": self.notes}


# ---- the machine -------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_bytes": ram, "python": platform.python_version(),
            "platform": platform.platform(), "load_at_start": [round(x, 2) for x in load]}


def git_commit() -> str:
    try:
        root = Path(__file__).resolve().parent.parent
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=root, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], check=False, cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + (" (with uncommitted changes)" if dirty else "") if sha else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---- helpers -----------------------------------------------------------------------------------------

def routes_of(client: httpx.Client) -> set[str]:
    try:
        return set(client.get("/openapi.json").json().get("paths", {}))
    except (httpx.HTTPError, ValueError):
        return set()


def post_bundle(client: httpx.Client, body: bytes, timeout: float) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    r = client.post("/v1/import", content=body, headers={"Content-Type": "application/json"}, timeout=timeout)
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"POST /v1/import answered {r.status_code}: {r.text[:2000]}")
    return elapsed, r.json()


def encode(bundle: gen.Bundle) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def account_queries(bundle: gen.Bundle) -> dict[str, list[str]]:
    """The request paths for each endpoint, for the account of ``bundle``."""
    account = bundle["accounts"][0]["id"]
    opp = bundle["opportunities"][0]["id"]
    chain = bundle["decision_chain"]
    dm = next(m["contact_id"] for m in chain if m["role"] == "decision_maker")
    eb = next(m["contact_id"] for m in chain if m["role"] == "economic_buyer")
    covers = [r for r in bundle["relationships"] if r["type"] == "COVERS"]
    rep = covers[0]["source"] if covers else bundle["team"][0]["id"]
    staff = next((c["id"] for c in reversed(bundle["contacts"]) if c["status"] == "active"), dm)
    pairs = [(rep, dm), (rep, eb), (staff, dm)]
    return {
        "decision_chain": [f"/v1/opportunities/{opp}/decision-chain"],
        "coverage_gaps": [f"/v1/opportunities/{opp}/coverage-gaps"],
        "next_best": [f"/v1/opportunities/{opp}/next-best-contacts?k=5"],
        "paths": [f"/v1/accounts/{account}/paths?from={a}&to={b}&k=3" for a, b in pairs if a != b],
        "map_png": [f"/v1/accounts/{account}/map?format=png&opportunity_id={opp}"],
    }


def line_target(bundle: gen.Bundle) -> str | None:
    """An influence line into the decision chain between two people still there (re-weighting it moves
    the chain's support and the strongest ways in; a line from someone who left carries nothing)."""
    from graph.models import default_edge_id

    chain = {m["contact_id"] for m in bundle["decision_chain"]}
    active = {c["id"] for c in bundle["contacts"] if c.get("status", "active") != "left"}
    return next((r.get("id") or default_edge_id(r["type"], r["source"], r["target"], r.get("kind"))
                 for r in bundle["relationships"]
                 if r["type"] == "INFLUENCES" and r["target"] in chain and r["target"] in active
                 and r["source"] in active), None)


def write_target(bundle: gen.Bundle) -> str:
    """A contact outside the decision chain whose notes the after-write measurement changes."""
    chain = {m["contact_id"] for m in bundle["decision_chain"]}
    return str(next(c["id"] for c in reversed(bundle["contacts"]) if c["id"] not in chain))


COLD_KEYS = ("decision_chain", "coverage_gaps", "next_best", "paths")
# Measured after a write as well: the map, whose repeated reads are sent as last drawn (drawn afresh after
# any write to the account, which the notes write is).
AFTER_WRITE_KEYS = (*COLD_KEYS, "map_png")


def _mb(n: int | None) -> float | None:
    return None if n is None else n / 2**20


# ---- one size ----------------------------------------------------------------------------------------

def bench_size(cfg: Config, n: int, work: Path, tag: str, out: dict[str, Any]) -> dict[str, Any]:
    """Measure one account of ``n`` contacts; results go into ``out`` as they come (kept on failure)."""
    out["contacts"] = n
    here = work / f"s{n}"
    here.mkdir(parents=True, exist_ok=True)
    log(f"[{n:,}] generating the account")
    started = time.perf_counter()
    bundle = gen.generate_account(n, cfg.seed, account_id=f"{tag}s{n}")
    out["generate_seconds"] = time.perf_counter() - started
    body = encode(bundle)
    out["rows"], out["body_bytes"] = gen.row_count(bundle), len(body)
    out["chain_members"] = len(bundle["decision_chain"])
    out["relationships"] = len(bundle["relationships"])

    if cfg.cli_import:
        # The CLI imports the same map (under other ids when the store is a shared Neo4j database) into a
        # data directory of its own, with no server running.
        cli_bundle = bundle if not neo4j_uri() else gen.generate_account(n, cfg.seed, account_id=f"{tag}cli{n}")
        path = here / "bundle.json"
        path.write_bytes(body if cli_bundle is bundle else encode(cli_bundle))
        log(f"[{n:,}] guanxi import ({out['rows']:,} rows, {len(body) / 2**20:.1f} MiB)")
        try:
            seconds, _ = run_cli(["import", str(path), "--data-dir", str(here / "cli-data")], timeout=3600)
            out["cli_import"] = {"seconds": seconds, "rows": gen.row_count(cli_bundle),
                                 "rows_per_s": gen.row_count(cli_bundle) / seconds}
            log(f"[{n:,}] guanxi import: {seconds:.1f} s, {gen.row_count(cli_bundle) / seconds:,.0f} rows/s")
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            out["cli_import"] = {"error": str(e)[-500:]}
            log(f"[{n:,}] guanxi import failed: {e}")
        path.unlink(missing_ok=True)
        shutil.rmtree(here / "cli-data", ignore_errors=True)

    data_dir = here / "data"
    out["data_dir"] = str(data_dir)
    # A second service process on the same store (a deployment of several), idle but for its writes: the
    # warm-up writes through both, and the line is also re-weighted through it (see AFTER_WRITES).
    with Server(data_dir, here / "server.log") as srv, srv.client(cfg.timeout) as client, \
            Server(data_dir, here / "peer-server.log") as peer, peer.client(cfg.timeout) as peer_client:
        out["rss_idle"] = srv.memory()
        log(f"[{n:,}] POST /v1/import")
        seconds, answer = post_bundle(client, body, cfg.timeout * 4)
        out["http_import"] = {"seconds": seconds, "rows": out["rows"], "rows_per_s": out["rows"] / seconds,
                              "counts": answer.get("counts"), "runs": [{"seconds": seconds, "rows": out["rows"]}]}
        log(f"[{n:,}] POST /v1/import: {seconds:.1f} s, {out['rows'] / seconds:,.0f} rows/s")
        del body
        out["rss_after_import"] = srv.memory()
        routes = routes_of(client)
        queries = account_queries(bundle)
        out["queries"] = queries
        out["latency"] = {}
        out["first_read"] = {}
        for key, label, route in ENDPOINTS:
            if key == "map_png":
                continue
            # The first read of the account (its map not yet cached: loaded whole), timed apart, so that
            # the latency below is of repeated reads.
            first_read(client, queries[key][0], out["first_read"], key, f"[{n:,}] {label}, first read "
                       "(the map loaded whole)", cfg.timeout * 4)
        # The other process's first read after the import: its map not yet cached either, and the import
        # written by another process (on Neo4j an import names no records, so a load that may have
        # overlapped its commit is checked by a second load unless the import is marked applied).
        out["peer_first_read"] = {}
        first_read(peer_client, queries["decision_chain"][0], out["peer_first_read"], "decision_chain",
                   f"[{n:,}] decision chain, first read in the other service process", cfg.timeout * 4)
        writer = contact_writer(client, write_target(bundle), cfg.timeout)
        peer_writer = contact_writer(peer_client, write_target(bundle), cfg.timeout)
        # Every other warm-up write comes from the other process: the path a read takes after another
        # process's write (the news read from the store's log) is warmed as well as the one after its own.
        out["warm_up"] = warm_up(client, queries, lambda i: (writer, peer_writer)[i % 2](i), rounds=cfg.warm_up,
                                 seconds=cfg.warm_up_seconds, limit=cfg.warm_up_limit, timeout=cfg.timeout)
        log(f"[{n:,}] warmed up: {out['warm_up']['rounds']:,} untimed rounds of a write and a read of each "
            f"endpoint in {out['warm_up']['seconds']:.1f} s"
            f"{'' if out['warm_up']['settled'] else ' (still getting faster at the limit)'}; the decision "
            "chain's first read after the write, median per tenth: "
            + ", ".join(f"{v:.1f}" for v in out["warm_up"]["chain_after_write_ms"]) + " ms")
        for key, label, route in ENDPOINTS:
            if key != "map_png":
                out["latency"][key] = _latency(cfg, client, routes, key, label, route, queries[key], n)
        out["stored_key"] = _stored_key_latency(cfg, srv, routes, queries["decision_chain"], n)
        # The first read after a write: the service must bring the map up to date and answer again.
        out["after_write"] = {}

        def after_write(key: str, label: str, route: str) -> None:
            if key not in AFTER_WRITE_KEYS or out["latency"].get(key, {}).get("status") != "ok":
                return
            cold = measure_after_write(client, queries[key], route, writer, samples=cfg.repeat,
                                       budget=cfg.budget, timeout=cfg.timeout)
            out["after_write"][key] = cold.as_json()
            log(f"[{n:,}] {label}, first read after a write: median {ms(cold.median)}, p95 {ms(cold.p95)} "
                f"(n={len(cold.samples)}){'' if cold.status == 'ok' else ' ' + cold.status + ': ' + cold.detail}")

        for key, label, route in ENDPOINTS[:-1]:
            after_write(key, label, route)
        # The same after a write the analytics read: an influence line into the chain re-weighted, through
        # this process and through the other one.
        line = line_target(bundle)
        for part, through, how in (("after_line_write", client, "an influence line is re-weighted"),
                                   ("after_peer_line_write", peer_client,
                                    "another service process re-weights the line")):
            out[part] = {}
            for key, label, route in ENDPOINTS:
                if line is None or key not in COLD_KEYS or key == "paths" or out["latency"][key]["status"] != "ok":
                    continue
                cold = measure_after_write(client, queries[key], route, line_writer(through, line, cfg.timeout),
                                           samples=min(cfg.repeat, 5), budget=cfg.budget, timeout=cfg.timeout)
                out[part][key] = cold.as_json()
                log(f"[{n:,}] {label}, first read after {how}: median {ms(cold.median)} (n={len(cold.samples)})"
                    f"{'' if cold.status == 'ok' else ' ' + cold.status + ': ' + cold.detail}")
        if out["latency"]["decision_chain"]["status"] == "ok":
            out["throughput"] = _throughput(cfg, srv, routes, queries["decision_chain"][0], n)
        else:
            out["throughput"] = {"status": "decision chain " + out["latency"]["decision_chain"]["status"]}
        out["rss_after_queries"] = srv.memory()
        key, label, route = ENDPOINTS[-1]
        out["latency"][key] = _latency(cfg, client, routes, key, label, route, queries[key], n)
        after_write(key, label, route)
        out["rss_after_map"] = srv.memory()
    repeat_import(cfg, n, here, tag, out["http_import"])
    return out


def first_read(client: httpx.Client, path: str, into: dict[str, float], key: str, label: str,
               timeout: float) -> None:
    """Time one GET of ``path`` into ``into[key]`` (seconds) when it answers 200, and log it."""
    started = time.perf_counter()
    try:
        answer = client.get(path, timeout=timeout)
    except httpx.HTTPError as e:
        log(f"{label} failed: {e}")
        return
    if answer.status_code == 200:
        into[key] = time.perf_counter() - started
        log(f"{label}: {ms(into[key])}")


def import_runs(http_import: dict[str, Any]) -> str:
    """``; the median of 3 imports: 31,000, 29,000, 27,000 rows/s`` (empty for one import)."""
    runs = http_import.get("runs", [])
    return (f"; the median of {len(runs)} imports: " + ", ".join(f"{r['rows'] / r['seconds']:,.0f}" for r in runs)
            + " rows/s") if len(runs) > 1 else ""


def repeat_import(cfg: Config, n: int, here: Path, tag: str, http_import: dict[str, Any]) -> None:
    """The import over HTTP again, each time an account of the same size (other ids) into a server started
    for it, while one took at most --budget seconds, up to --import-repeat imports in all; the median rate
    is the figure. (On Neo4j the accounts go into the same database, beside the measured one.)"""
    runs = http_import["runs"]
    while len(runs) < cfg.import_repeat and runs[-1]["seconds"] <= cfg.budget:
        bundle = gen.generate_account(n, cfg.seed, account_id=f"{tag}s{n}i{len(runs)}")
        where = here / f"import-{len(runs)}"
        with Server(where / "data", where / "server.log") as srv, srv.client(cfg.timeout) as client:
            seconds, _ = post_bundle(client, encode(bundle), cfg.timeout * 4)
        shutil.rmtree(where, ignore_errors=True)
        runs.append({"seconds": seconds, "rows": gen.row_count(bundle)})
        log(f"[{n:,}] POST /v1/import again, into a fresh server: {seconds:.1f} s, "
            f"{runs[-1]['rows'] / seconds:,.0f} rows/s")
    rate = statistics.median(run["rows"] / run["seconds"] for run in runs)
    http_import.update(rows_per_s=rate, seconds=http_import["rows"] / rate)


def warm_up(client: httpx.Client, queries: dict[str, list[str]], write: Any, *, rounds: int, seconds: float,
            limit: float, timeout: float, window: float = 5.0) -> dict[str, Any]:
    """Untimed rounds of a write and a read of each analytics endpoint, as a service in use has had — at
    least ``rounds`` of them and for at least ``seconds``, then on until the decision chain's first read
    after a write has stopped getting faster (its median per ``window`` seconds: two windows in a row no
    more than 5 % faster than the best before them, :func:`rate_settled`) or ``limit`` seconds are spent:
    the timed requests then measure the service and its database warm (the JVM's compiler and Neo4j's
    query plans, SQLite's page cache, Python's imports), both backends alike. A Neo4j started for the run
    answers that read in 7 ms at 1,000 contacts in its first 3 s of rounds, 4 ms after 20 s and 3.4 ms
    after 30 s, still falling; SQLite's is flat from the start. The cold first reads are timed before
    this. The median per tenth of the rounds is kept, to show the warm-up's course."""
    started = time.perf_counter()
    after_write: list[float] = []
    windows: list[float] = []  # the chain's first read after a write, median per window
    window_from, window_started = 0, started
    i = 0
    settled = False
    while True:
        spent = time.perf_counter() - started
        if i >= rounds and spent >= seconds:
            settled = rate_settled([1 / median for median in windows])
            if settled or spent >= limit:
                break
        write(10_000 + i)
        for key in COLD_KEYS:
            sent = time.perf_counter()
            client.get(queries[key][0], timeout=timeout)
            if key == COLD_KEYS[0]:
                after_write.append(time.perf_counter() - sent)
        i += 1
        if time.perf_counter() - window_started >= window:
            windows.append(statistics.median(after_write[window_from:]))
            window_from, window_started = i, time.perf_counter()
    parts = min(10, i)
    tenths = [after_write[k * i // parts:(k + 1) * i // parts] for k in range(parts)]
    return {"rounds": i, "seconds": time.perf_counter() - started, "settled": settled,
            "chain_after_write_ms": [round(statistics.median(tenth) * 1000, 2) for tenth in tenths]}


def _latency(cfg: Config, client: httpx.Client, routes: set[str], key: str, label: str, route: str,
             paths: list[str], n: int) -> dict[str, Any]:
    if routes and route not in routes:
        log(f"[{n:,}] {label}: not available (the server has no route {route})")
        return Latency(paths[0], status="not available", detail="no such route").as_json()
    result = measure_latency(client, paths, route, repeat=cfg.repeat, budget=cfg.budget, timeout=cfg.timeout)
    if result.status == "ok":
        log(f"[{n:,}] {label}: median {ms(result.median)}, p95 {ms(result.p95)} "
            f"(n={len(result.samples)}, server mean {ms(result.server_mean)})")
    else:
        log(f"[{n:,}] {label}: {result.status} ({result.detail[:200]})")
    return result.as_json()


def _stored_key_latency(cfg: Config, srv: Server, routes: set[str], paths: list[str], n: int) -> dict[str, Any]:
    """The decision chain's repeated reads asked with a stored key (``guanxi keys create``), as a deployed
    service's clients ask (the runner's own key comes from the environment): the key is looked up on
    every request, and revoking it takes effect on the next."""
    try:
        _, printed = run_cli(["keys", "create", "--role", "viewer", "--name", "benchmark",
                              "--data-dir", str(srv.data_dir)], timeout=cfg.timeout)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        log(f"[{n:,}] guanxi keys create failed: {e}")
        return Latency(paths[0], status="error", detail=str(e)[-300:]).as_json()
    secret = printed.strip().splitlines()[-1]
    with httpx.Client(base_url=srv.url, timeout=cfg.timeout, headers={"Authorization": f"Bearer {secret}"}) as client:
        # Untimed first, as the runner's own key was in the warm-up: the lookup is a statement the warm-up
        # never sent, and a fresh Neo4j runs it slower for its first thousand or so (at 1,000 contacts,
        # medians per 150 requests: 4.2, 4.0, 3.5, 3.5, 3.3, 3.5, 3.3, 2.5 ms; then 2.2-2.5 ms).
        # --warm-up requests, and on for a third of --warm-up-seconds.
        deadline = time.perf_counter() + cfg.warm_up_seconds / 3
        done = 0
        while done < cfg.warm_up or time.perf_counter() < deadline:
            client.get(paths[0])
            done += 1
        return _latency(cfg, client, routes, "decision_chain", "decision chain with a stored key", ENDPOINTS[0][2],
                        paths, n)


def rate_settled(rates: Sequence[float], *, margin: float = 0.05) -> bool:
    """Whether a warming server's rate (requests per second, or the reciprocal of a latency) has stopped
    climbing: the last two windows no more than ``margin`` above the best window before them."""
    return len(rates) >= 3 and max(rates[-2:]) <= max(rates[:-2]) * (1 + margin)


def _throughput(cfg: Config, srv: Server, routes: set[str], chain_path: str, n: int) -> dict[str, Any]:
    if routes and ENDPOINTS[0][2] not in routes:
        return {"status": "not available"}
    def make() -> httpx.Client:
        return srv.client(cfg.timeout)

    with make() as warm:        # repeated reads: the first (after the last write) is not one of them
        warm.get(chain_path)
    warm_ups: dict[str, list[float]] = {}

    def steady(path: str) -> None:
        # Throughput is of a server in its steady state: the same load runs untimed first, window after
        # window, until the rate has stopped climbing — two windows in a row no more than 5 % above the best
        # before them — or the warm-up time is spent: a Neo4j started for the run answers its first tens of
        # thousands of requests slower while its JIT compiles them (its CPU per decision-chain request falls
        # from ~2 ms to ~0.4 ms over the first minute, in steps: one window below the one before it did not
        # mean the end; 646, 746, 714 req/s, then 883-1,081 in the timed pairs). Both endpoints, both
        # backends alike.
        rates = warm_ups[path] = []
        window = min(cfg.tput_seconds, cfg.tput_warm_up)
        deadline = time.perf_counter() + cfg.tput_warm_up
        while window > 0 and time.perf_counter() + window <= deadline + 0.01:
            rates.append(measure_throughput(make, path, threads=cfg.threads, max_requests=1_000_000,
                                            max_seconds=window, timeout=cfg.timeout).rps)
            if rate_settled(rates):
                break

    steady("/health")
    steady(chain_path)
    # Then /health and the chain in turn, a window each, pair after pair: the ratio of each pair is of two
    # rates measured a moment apart, and the pair with the median ratio is the figure (the machine's other
    # load, which varies from one window to the next, weighs on both of a pair alike).
    def timed(path: str) -> Throughput:
        return measure_throughput(make, path, threads=cfg.threads, max_requests=cfg.tput_requests,
                                  max_seconds=cfg.tput_seconds, timeout=cfg.timeout)

    pairs = []
    for _ in range(max(1, cfg.tput_pairs)):
        health, chain = timed("/health"), timed(chain_path)
        pairs.append((health, chain, chain.rps / health.rps if health.rps else 0.0))
    health, chain, ratio = sorted(pairs, key=lambda pair: pair[2])[len(pairs) // 2]
    log(f"[{n:,}] throughput: /health {health.rps:,.0f} req/s, decision chain {chain.rps:,.1f} req/s, "
        f"ratio {round(ratio, 3)}, the median of "
        + ", ".join(f"{c.rps:,.0f}/{h.rps:,.0f} = {r:.3f}" for h, c, r in pairs) + " (after warm-up windows of "
        + "; ".join(f"{p.rsplit('/', 1)[-1]} " + ", ".join(f"{r:,.0f}" for r in rs) for p, rs in warm_ups.items())
        + " req/s)")
    return {"status": "ok", "threads": cfg.threads, "warm_up": {"max_seconds": cfg.tput_warm_up,
                                                                "health_rps": warm_ups["/health"],
                                                                "decision_chain_rps": warm_ups[chain_path]},
            "health": health.as_json(), "decision_chain": chain.as_json(), "ratio": ratio or None,
            "pairs": [{"health_rps": h.rps, "decision_chain_rps": c.rps, "ratio": r} for h, c, r in pairs]}


# ---- many accounts -----------------------------------------------------------------------------------

def bench_accounts(cfg: Config, n_accounts: int, n_contacts: int, work: Path, tag: str) -> dict[str, Any]:
    out: dict[str, Any] = {"accounts": n_accounts, "contacts_per_account": n_contacts,
                           "contacts": n_accounts * n_contacts}
    prefix = f"{tag}m"
    k = min(n_accounts - 1, n_accounts // 2 + 7)
    if k % 50 == 0 and k > 0:
        k -= 1
    out["measured_account"] = f"{prefix}{k}"
    team = gen.make_team(f"{prefix}.", max(6, n_accounts // 10), cfg.seed)
    competitors = gen.make_competitors(f"{prefix}.", 20)

    # 1. The store of many accounts: built account by account over HTTP (resumable with --store-cache).
    data_dir = (cfg.store_cache or work / "multi") / "data"
    state_path = (cfg.store_cache or work / "multi") / "build.json"
    want = {"accounts": n_accounts, "contacts": n_contacts, "seed": cfg.seed, "prefix": prefix,
            "generator": _generator_fingerprint()}
    state: dict[str, Any] = {"params": want, "done": 0, "seconds": 0.0, "rows": 0, "requests": 0,
                             "peak_rss": 0, "sessions": 0}
    if state_path.exists():
        old = json.loads(state_path.read_text())
        if old.get("params") == want:
            state = old
        else:
            log(f"[{n_accounts}×{n_contacts}] the cached store was built with other parameters; rebuilding")
            shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    if state["done"] < n_accounts:
        state["sessions"] += 1
        log(f"[{n_accounts}×{n_contacts}] building the store: accounts {state['done']}..{n_accounts - 1}")
        session_started = time.perf_counter()
        with Server(data_dir, work / "multi-build.log") as srv, srv.client(cfg.timeout) as client:
            for i in range(state["done"], n_accounts):
                bundle = gen.account_of_many(i, n_contacts, cfg.seed, prefix, team=team, competitors=competitors)
                body = encode(bundle)
                seconds, _ = post_bundle(client, body, cfg.timeout)
                state["seconds"] += seconds
                state["rows"] += gen.row_count(bundle)
                state["requests"] += 1
                state["done"] = i + 1
                if state["done"] % 100 == 0 or state["done"] == n_accounts:
                    state["peak_rss"] = max(state["peak_rss"], srv.memory().get("VmHWM", 0))
                    state_path.write_text(json.dumps(state, indent=1))
                    log(f"[{n_accounts}×{n_contacts}] {state['done']} accounts, {state['rows']:,} rows, "
                        f"{state['rows'] / state['seconds']:,.0f} rows/s")
                if cfg.build_budget and time.perf_counter() - session_started > cfg.build_budget:
                    log(f"[{n_accounts}×{n_contacts}] build budget spent; {state['done']} accounts stored")
                    break
            state["peak_rss"] = max(state["peak_rss"], srv.memory().get("VmHWM", 0))
            state["last_rss"] = srv.memory().get("VmRSS", 0)
        state_path.write_text(json.dumps(state, indent=1))
    out["build"] = dict(state)
    out["build"]["rows_per_s"] = state["rows"] / state["seconds"] if state["seconds"] else None
    out["build"]["complete"] = state["done"] >= n_accounts
    out["stored_contacts"] = state["done"] * n_contacts
    out["db_bytes"] = sum(p.stat().st_size for p in data_dir.glob("*") if p.is_file())
    if state["done"] <= k:
        out["status"] = f"store incomplete: {state['done']} of {n_accounts} accounts"
        return out

    # 2. A fresh server on the stored accounts, and the measured account alone in a store of its own
    #    (the same bundle, without its group parent), side by side: requests alternate between the two.
    # (With Neo4j both servers share one database, so the lone copy gets ids of its own.)
    solo = prefix + "solo" if neo4j_uri() else prefix
    single = gen.account_of_many(k, n_contacts, cfg.seed, solo, team=gen.make_team(f"{solo}.", len(team), cfg.seed),
                                 competitors=gen.make_competitors(f"{solo}.", 20), standalone=True)
    if not neo4j_uri():
        assert single == gen.account_of_many(k, n_contacts, cfg.seed, prefix, team=team, competitors=competitors,
                                             standalone=True)
    queries = {"single": account_queries(single),
               "many": account_queries(gen.account_of_many(k, n_contacts, cfg.seed, prefix, team=team,
                                                           competitors=competitors))}
    with Server(data_dir, work / "multi.log") as srv, srv.client(cfg.timeout) as client, \
            Server(work / "single" / "data", work / "single.log") as alone, alone.client(cfg.timeout) as one:
        out["rss_started"] = srv.memory()
        post_bundle(one, encode(single), cfg.timeout)
        routes = routes_of(client)
        writes = {"single": contact_writer(one, write_target(single), cfg.timeout),
                  "many": contact_writer(client, write_target(single).replace(solo, prefix, 1), cfg.timeout)}
        for part in ("single", "many", "single_after_write", "many_after_write"):
            out[part] = {}
        for key, label, route in ENDPOINTS[:3]:
            if routes and route not in routes:
                for part in ("single", "many", "single_after_write", "many_after_write"):
                    out[part][key] = {"status": "not available"}
                continue
            paths = {"single": queries["single"][key], "many": queries["many"][key]}
            for suffix, with_writes in (("", None), ("_after_write", writes)):
                both = measure_interleaved({"single": one, "many": client}, paths, route, repeat=cfg.repeat,
                                           budget=cfg.budget, timeout=cfg.timeout, writes=with_writes)
                out["single" + suffix][key] = both["single"].as_json()
                out["many" + suffix][key] = both["many"].as_json()
                log(f"[{n_accounts}×{n_contacts}] {label} on {out['measured_account']}"
                    f"{', after a write' if suffix else ''}: median {ms(both['single'].median)} alone, "
                    f"{ms(both['many'].median)} among {n_accounts:,}")
        # Touch other accounts as users would, then read the memory again.
        rng = random.Random(cfg.seed)
        others = rng.sample(range(state["done"]), k=min(state["done"], 10 if cfg.smoke else 200))
        touched = []
        if ENDPOINTS[0][2] in routes:
            for i in others:
                started = time.perf_counter()
                r = client.get(f"/v1/opportunities/{prefix}{i}.o1/decision-chain")
                if r.status_code == 200:
                    touched.append(time.perf_counter() - started)
        if touched:
            touched.sort()
            out["other_accounts"] = {"n": len(touched), "median": touched[len(touched) // 2],
                                     "p95": touched[int(len(touched) * 0.95) - 1 if len(touched) > 1 else 0]}
        out["rss_after_queries"] = srv.memory()
    shutil.rmtree(work / "single", ignore_errors=True)
    out["data_dir"] = str(data_dir)
    return out


def _generator_fingerprint() -> str:
    import hashlib

    return hashlib.sha256(Path(gen.__file__).read_bytes()).hexdigest()[:12]


# ---- targets -----------------------------------------------------------------------------------------

def _lat(res: Results, n: int, key: str, stat: str = "median", part: str = "latency") -> float | None:
    entry = res.sizes.get(n, {}).get(part, {}).get(key)
    if not entry or entry.get("status") != "ok":
        return None
    value = entry.get(stat)
    return float(value) if value is not None else None


def _status(res: Results, n: int, key: str, part: str = "latency") -> str:
    entry = res.sizes.get(n, {}).get(part, {}).get(key)
    if n not in res.sizes:
        return f"not measured ({n:,} contacts not in --sizes)"
    return "not measured" if not entry else f"{entry['status']}" + (f": {entry['detail']}" if entry.get("detail")
                                                                       else "")


def ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x * 1000:,.1f} ms" if x < 10 else f"{x:,.1f} s"


def evaluate(res: Results) -> list[dict[str, Any]]:
    t: list[dict[str, Any]] = []

    def add(name: str, met: bool | None, figure: str, key: str) -> None:
        t.append({"key": key, "target": name, "met": met, "figure": figure})

    n = TARGET_SIZE
    # Issue 11: right after a write — judged after each write the runner makes: a contact's notes (no
    # analysis reads them) and an influence line into the chain re-weighted (every analysis reads it).
    for part, after, tag, _ in AFTER_WRITES:
        for key, what, limit in ENDPOINT_TARGETS:
            v = _lat(res, n, key, part=part)
            add(f"{what} ≤ {limit * 1000:,.0f} ms at 10,000 contacts, {after}",
                None if v is None else v <= limit,
                _status(res, n, key, part) if v is None
                else f"median {ms(v)}, p95 {ms(_lat(res, n, key, 'p95', part))}", f"{key}_{part}")
        # 10× the contacts ≤ 15× the time, from each measured size to the one 10× larger.
        for key, what, _limit in ENDPOINT_TARGETS:
            steps = [(m, 10 * m) for m in sorted(res.sizes) if 10 * m in res.sizes and m >= 1000]
            figures, met = [], True
            for small, large in steps:
                a, b = _lat(res, small, key, part=part), _lat(res, large, key, part=part)
                if a is None or b is None:
                    continue
                figures.append(f"{small:,} → {large:,}: {b / a:.1f}× ({ms(a)} → {ms(b)})")
                met = met and b / a <= 15
            add(f"{what}, {after}: 10× the contacts ≤ 15× the time", met if figures else None,
                "; ".join(figures) or "not measured (needs two sizes 10× apart, from 1,000)", f"{key}{tag}_growth")
        big = 100_000
        v = _lat(res, big, "decision_chain", part=part)
        add(f"decision chain ≤ 500 ms at 100,000 contacts, {after}", None if v is None else v <= 0.5,
            _status(res, big, "decision_chain", part) if v is None
            else f"median {ms(v)}, p95 {ms(_lat(res, big, 'decision_chain', 'p95', part))}",
            f"decision_chain_100k_{part}")
    # Repeated reads ≤ 50 ms, at every size measured.
    repeated = [(m, key, what, _lat(res, m, key)) for m in sorted(res.sizes) for key, what, _ in ENDPOINT_TARGETS]
    measured = [(m, what, v) for m, _, what, v in repeated if v is not None]
    add("repeated reads ≤ 50 ms (decision chain, coverage gaps, who-to-win-next; every size)",
        all(v <= 0.05 for _, _, v in measured) if measured else None,
        "; ".join(f"{what} at {m:,}: {ms(v)}" for m, what, v in measured if v > 0.05)
        or (f"slowest: {max(measured, key=lambda x: x[2])[1]} at {max(measured, key=lambda x: x[2])[0]:,}: "
            f"{ms(max(v for _, _, v in measured))}" if measured else "not measured"), "repeated")
    # Issue 11: throughput of the decision chain at least half of /health's, at 1,000 and 10,000 contacts.
    ratios = [(m, res.sizes[m].get("throughput", {})) for m in (1000, n) if m in res.sizes]
    ratios = [(m, tp) for m, tp in ratios if tp.get("ratio") is not None]
    add("decision-chain throughput ≥ ½ of /health's (1,000 and 10,000 contacts)",
        all(tp["ratio"] >= 0.5 for _, tp in ratios) if len(ratios) == 2 else (False if any(
            tp["ratio"] < 0.5 for _, tp in ratios) else None),
        "; ".join(f"{m:,}: {tp['decision_chain']['rps']:,.1f} vs {tp['health']['rps']:,.0f} req/s = {tp['ratio']:.3f}"
                  for m, tp in ratios) or "not measured", "throughput")
    # Imports: a 10,000-contact bundle over HTTP, at the backend's rate (smaller ones mostly time fixed
    # costs); the CLI and the account-by-account build of the many-account store are shown beside it.
    backend = str(res.meta.get("backend", "sqlite"))
    floor = IMPORT_TARGETS.get(backend, IMPORT_TARGETS["sqlite"])
    http = res.sizes.get(n, {}).get("http_import")
    others = [(f"HTTP, {m:,} contacts", s["http_import"]["rows_per_s"]) for m, s in sorted(res.sizes.items())
              if s.get("http_import") and s["rows"] >= BULK_ROWS and m != n]
    others += [(f"CLI, {m:,} contacts", s["cli_import"]["rows_per_s"]) for m, s in sorted(res.sizes.items())
               if s.get("cli_import", {}).get("rows_per_s") and s["rows"] >= BULK_ROWS]
    if res.multi.get("build", {}).get("rows_per_s") and res.multi["build"]["rows"] >= BULK_ROWS:
        others.append((f"HTTP, {res.multi['build']['requests']:,} account-sized bundles",
                       res.multi["build"]["rows_per_s"]))
    beside = "; ".join(f"{v:,.0f} rows/s ({where})" for where, v in others)
    name = f"import ≥ {floor:,} rows/s over HTTP on {backend} (a 10,000-contact bundle)"
    if http:
        add(name, http["rows_per_s"] >= floor, f"{http['rows_per_s']:,.0f} rows/s ({http['rows']:,} rows in "
            f"{http['seconds']:.2f} s{import_runs(http)})" + (f"; beside it: {beside}" if beside else ""), "import")
    else:
        add(name, None, "not measured" + (f"; {beside}" if beside else ""), "import")
    for suffix, how in (("", "repeated reads"), ("_after_write", "first read after a write")):
        one = (res.multi.get("single" + suffix) or {}).get("decision_chain", {})
        many = (res.multi.get("many" + suffix) or {}).get("decision_chain", {})
        name = f"per-account latency the same with 1 or {res.multi.get('accounts', 2000):,} accounts ({how})"
        if one.get("status") == "ok" and many.get("status") == "ok":
            ratio = many["median"] / one["median"]
            same = ratio <= 1.25 or many["median"] - one["median"] <= 0.002
            add(name, same, f"decision chain on a {res.multi['contacts_per_account']}-contact account: median "
                f"{ms(one['median'])} (1 account) vs {ms(many['median'])} ({res.multi['accounts']:,} accounts), "
                f"×{ratio:.2f}", "per_account" + suffix)
        else:
            add(name, None, res.multi.get("status") or ("not measured" if not res.multi else
                                                        f"decision chain {one.get('status')}/{many.get('status')}"),
                "per_account" + suffix)
    rss = (res.multi.get("rss_after_queries") or {}).get("VmRSS")
    stored = res.multi.get("stored_contacts", 0)
    if rss and stored:
        add(f"server RSS ≤ 1 GiB with {stored:,} contacts stored", rss <= 2**30 if stored >= 1_000_000 else None,
            f"{rss / 2**20:,.0f} MiB" + ("" if stored >= 1_000_000 else " (fewer than 1,000,000 contacts stored)"),
            "rss")
    else:
        add("server RSS ≤ 1 GiB with 1,000,000 contacts stored", None, res.multi.get("status", "not measured"), "rss")
    return t


# ---- profiles of misses ------------------------------------------------------------------------------

def profile_misses(cfg: Config, res: Results, measured: set[int], accounts: bool) -> None:
    """Profile the requests behind missed targets that this run measured (their data is still on disk)."""
    from benchmarks.profile import profile_request, top_frames

    wanted: list[tuple[str, Path, str, bool]] = []  # (label, data dir, path, cold)
    missed = {t["key"] for t in res.targets if t["met"] is False}
    size = res.sizes.get(TARGET_SIZE) if TARGET_SIZE in measured else None
    if size and size.get("data_dir") and size.get("queries"):
        q = size["queries"]
        # The profile is of a first read (the service keeps nothing between the profiler's requests but
        # its own caches, which profile_request bypasses by opening the store afresh for each request).
        for key, path_key in (("next_best", "next_best"), ("decision_chain", "decision_chain"),
                              ("coverage_gaps", "coverage_gaps")):
            hit = any(k.startswith(key) for k in missed)
            if hit and all(w[2] != q[path_key][0] for w in wanted):
                # (A fresh store per request: the profile is of a map not yet cached — loaded whole — which
                # is what a write cost before maps were edited in place; an edit's own cost is in the
                # scoring bench, tests/scoring/bench_scoring.py.)
                wanted.append((f"{path_key} at {TARGET_SIZE:,} contacts, a map not yet cached (a fresh store)",
                               Path(size["data_dir"]), q[path_key][0], True))
        if "throughput" in missed:  # the throughput is of repeated reads: profile those
            wanted.append((f"decision_chain at {TARGET_SIZE:,} contacts, repeated reads (throughput)",
                           Path(size["data_dir"]), q["decision_chain"][0], False))
    if any(k.startswith("per_account") for k in missed) and accounts and res.multi.get("data_dir"):
        acc = res.multi["measured_account"]
        wanted.append((f"decision chain, {res.multi['accounts']:,} accounts stored", Path(res.multi["data_dir"]),
                       f"/v1/opportunities/{acc}.o1/decision-chain", True))
    for label, data_dir, path, cold in wanted:
        if neo4j_uri():
            break
        log(f"profiling {label}: {path}")
        res.profiles = [p for p in res.profiles if p["label"] != label]
        try:
            p = profile_request(data_dir, path, repeat=3 if cold else 300, cold=cold)
            res.profiles.append({"label": label, "path": path, "seconds": p["seconds"], "status": p["status"],
                                 "repeat": p["repeat"], "top": top_frames(p["text"], 60)})
        except Exception as e:  # noqa: BLE001 - a failed profile must not lose the results
            res.profiles.append({"label": label, "path": path, "error": repr(e)})


# ---- main --------------------------------------------------------------------------------------------

def merge_previous(res: Results, cfg: Config) -> None:
    """Fill in what this run did not measure from the raw results embedded in ``cfg.out``."""
    from benchmarks.report import read_raw

    prev = read_raw(cfg.out)
    if not prev:
        return
    for key, value in prev.get("sizes", {}).items():
        res.sizes.setdefault(int(key), value)
    res.sizes = dict(sorted(res.sizes.items()))
    if not cfg.accounts and prev.get("multi"):
        res.multi = prev["multi"]
    measured_labels = {p["label"] for p in res.profiles}
    res.profiles = [p for p in prev.get("profiles", []) if p["label"] not in measured_labels] + res.profiles
    # The runs that still contribute results, oldest first.
    contributing = [v.get("run") for _, v in sorted(res.sizes.items())] + [res.multi.get("run")]
    runs: list[dict[str, Any]] = []
    for run in filter(None, contributing):
        if run not in runs:
            runs.append(run)
    res.meta["runs"] = sorted(runs, key=lambda r: r.get("started", ""))


def parse_args(argv: list[str] | None) -> Config:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description="Benchmark the Guanxi service over HTTP.")
    p.add_argument("--sizes", default="100,1000,10000,100000", help="contacts per single-account run")
    p.add_argument("--accounts", default="2000x500",
                   help="multi-account store as ACCOUNTSxCONTACTS, or 'none' (default 2000x500)")
    p.add_argument("--repeat", type=int, default=20, help="timed requests per endpoint and size (default 20)")
    p.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"), help="Markdown report to write")
    p.add_argument("--smoke", action="store_true",
                   help="tiny and fast: 100 contacts, 1 repeat, 5×100 accounts, no profiles (for CI)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--budget", type=float, default=20.0, help="seconds per endpoint and size, at most (default 20)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per request (default 300)")
    p.add_argument("--threads", type=int, default=4, help="client threads for throughput (default 4)")
    p.add_argument("--throughput-seconds", type=float, default=5.0)
    p.add_argument("--throughput-requests", type=int, default=3000)
    p.add_argument("--throughput-warm-up", type=float, default=90.0,
                   help="at most this many seconds of the same load, untimed, before each throughput measure, "
                        "in windows of --throughput-seconds until the rate stops climbing: two windows in a row "
                        "no more than 5%% above the best before them (default 90)")
    p.add_argument("--throughput-pairs", type=int, default=3,
                   help="then windows of /health and of the decision chain in turn, this many pairs; the pair "
                        "with the median ratio is the figure (default 3)")
    p.add_argument("--import-repeat", type=int, default=3,
                   help="imports over HTTP per size, each of an account of that size into a fresh server, "
                        "while one takes at most --budget seconds; the median rate is the figure (default 3)")
    p.add_argument("--work-dir", type=Path, help="where data directories go (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--store-cache", type=Path,
                   help="keep the multi-account store here and reuse it in later runs (the build resumes "
                        "where it stopped; its time is added up)")
    p.add_argument("--build-budget", type=float,
                   help="stop building the multi-account store after this many seconds (resume later "
                        "with --store-cache)")
    p.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    p.add_argument("--no-cli-import", action="store_true", help="skip the `guanxi import` measurement")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON")
    p.add_argument("--backend", choices=("sqlite", "neo4j", "both"),
                   default="neo4j" if neo4j_uri() else "sqlite",
                   help="the store to measure (default: neo4j when NEO4J_URI is set, else sqlite). neo4j "
                        "without NEO4J_URI starts a Neo4j of its own with tools/neo4j/start-background; both "
                        "measures each in turn and writes them side by side in --out, each backend's full "
                        "report beside it (benchmarks-sqlite.md, benchmarks-neo4j.md)")
    p.add_argument("--maps", default="1000,10000",
                   help="account sizes whose maps are rendered in-process (python -m benchmarks.maps: every "
                        "format, and the 1,000-person PDF beside Graphviz dot), or 'none' (default 1000,10000; "
                        "rendering does not depend on the backend, so a --backend both run renders once)")
    p.add_argument("--warm-up", type=int, default=200,
                   help="untimed rounds of a write and the analytics reads before the timed requests (default 200)")
    p.add_argument("--warm-up-seconds", type=float, default=30.0,
                   help="...and for at least this many seconds (default 30: a Neo4j started for the run answers "
                        "a first read after a write twice as slowly in its first seconds of them, and is still "
                        "getting faster after 20-30 s)")
    p.add_argument("--warm-up-limit", type=float, default=120.0,
                   help="...then on until the decision chain's first read after a write has stopped getting "
                        "faster (its median per 5 s: two in a row no more than 5 %% faster than the best before "
                        "them), for at most this many seconds in all (default 120)")
    p.add_argument("--merge", action="store_true",
                   help="keep the results of --out for the sizes (and many-account store) this run does not "
                        "measure, so a long suite can run in parts")
    a = p.parse_args(argv)
    cfg = Config(sizes=[int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()],
                 accounts=_accounts(a.accounts), repeat=a.repeat, out=a.out, seed=a.seed, budget=a.budget,
                 timeout=a.timeout, threads=a.threads, tput_seconds=a.throughput_seconds,
                 tput_requests=a.throughput_requests,
                 tput_warm_up=a.throughput_warm_up, tput_pairs=a.throughput_pairs,
                 import_repeat=a.import_repeat, work_dir=a.work_dir, keep=a.keep,
                 store_cache=a.store_cache, build_budget=a.build_budget, profile=not a.no_profile,
                 cli_import=not a.no_cli_import, smoke=a.smoke, json_out=a.json, merge=a.merge,
                 backend=a.backend, warm_up=a.warm_up, warm_up_seconds=a.warm_up_seconds,
                 warm_up_limit=a.warm_up_limit,
                 map_sizes=[] if a.maps.strip().lower() in ("", "none", "no", "0")
                 else [int(m.replace("_", "")) for m in a.maps.split(",") if m.strip()],
                 command=" ".join(["python -m benchmarks", *map(shlex.quote, argv if argv is not None
                                                                  else sys.argv[1:])]))
    if a.smoke:
        cfg.sizes, cfg.repeat, cfg.accounts = [100], 1, (5, 100)
        cfg.budget, cfg.tput_seconds, cfg.tput_requests, cfg.threads = 5.0, 0.5, 100, 2
        cfg.tput_warm_up, cfg.import_repeat = 0.2, 2
        cfg.timeout, cfg.profile, cfg.warm_up, cfg.warm_up_seconds, cfg.warm_up_limit = 60.0, False, 2, 0.0, 0.0
        cfg.map_sizes = [n for n in cfg.map_sizes if n <= 100] if a.maps != "1000,10000" else []
    return cfg


def _accounts(text: str) -> tuple[int, int] | None:
    if text.strip().lower() in ("", "none", "0", "no"):
        return None
    a, _, c = text.lower().partition("x")
    return int(a.replace("_", "")), int(c.replace("_", ""))


BENCH_NEO4J_HEAP = "12g"


def stop_neo4j(pid: int, timeout: float = 120.0) -> None:
    """Stop the Neo4j this run started and wait until it has exited: its shutdown (a checkpoint that writes
    the store's changed pages, the heap given back) takes seconds of the machine's CPU and disk, and would
    otherwise run during what is measured next (the maps rendered after a --backend both run)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(pid):
            return
        time.sleep(0.1)
    log(f"Neo4j (PID {pid}) has not stopped {timeout:.0f} s after SIGTERM; going on")


@contextlib.contextmanager
def backend_environment(backend: str, work: Path) -> Iterator[None]:
    """The environment in which `guanxi serve` and the CLI use ``backend``: the embedded store, or Neo4j
    at NEO4J_URI — started here with tools/neo4j/start-background (and stopped afterwards) when unset."""
    saved = dict(os.environ)
    started: Path | None = None
    try:
        os.environ["GUANXI_BACKEND"] = backend
        if backend == "sqlite":
            os.environ.pop("NEO4J_URI", None)
            os.environ.pop("GUANXI_NEO4J_URI", None)
        elif not neo4j_uri():
            started = work / "neo4j.pid"
            os.environ["NEO4J_PASSWORD"] = "bench-" + secrets.token_hex(8)
            port = free_port()
            # A 100,000-contact import is one transaction, whose state outgrows the transaction memory of
            # a 1 GiB heap (0.7 GiB) and of a 4 GiB one (2.8 GiB): Neo4j refuses it, the service answers
            # 413. The benchmark's own server gets a 12 GiB heap (NEO4J_HEAP: tools/neo4j/serve's heap,
            # reserved and touched at start, ~14 s on this host) unless one is set.
            os.environ.setdefault("NEO4J_HEAP", BENCH_NEO4J_HEAP)
            log(f"starting Neo4j on port {port} with a {os.environ['NEO4J_HEAP']} heap "
                "(tools/neo4j/start-background; the first run builds it)")
            subprocess.run([str(ROOT / "tools" / "neo4j" / "start-background"), "--port", str(port),
                            "--data-dir", str(work / "neo4j"), "--log", str(work / "neo4j.log"),
                            "--pid-file", str(started), "--timeout", "900"], check=True, stdout=subprocess.DEVNULL)
            os.environ["NEO4J_URI"] = f"bolt://127.0.0.1:{port}"
        yield
    finally:
        if started is not None and started.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                stop_neo4j(int(started.read_text().strip()))
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import render_side_by_side

    cfg = parse_args(argv)
    # Stopped with SIGTERM: unwind, so that the servers this run started are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = ["sqlite", "neo4j"] if cfg.backend == "both" else [cfg.backend]
    if len(backends) == 1:
        return measure_backend(replace(cfg, backend=backends[0]))[0]
    status, reports = 0, {}
    for backend in backends:
        out = cfg.out.with_name(f"{cfg.out.stem}-{backend}{cfg.out.suffix}")
        code, res = measure_backend(replace(cfg, backend=backend, out=out, json_out=None, map_sizes=[]))
        status, reports[backend] = max(status, code), (out, res)
    cross = compare_backends({backend: res for backend, (_, res) in reports.items()}) + map_targets(cfg)
    cfg.out.write_text(render_side_by_side(reports, cfg.out, cross), encoding="utf-8")
    log(f"wrote {cfg.out}")
    print("\nboth:" + summary(Results(targets=cross)))
    return status


def map_targets(cfg: Config) -> list[dict[str, Any]]:
    """The map targets of issue 11 (``benchmarks.maps``), rendered in-process at ``cfg.map_sizes``."""
    if not cfg.map_sizes:
        return []
    from benchmarks import maps

    log(f"[maps] rendering at {', '.join(f'{n:,}' for n in cfg.map_sizes)} contacts")
    return maps.targets(maps.measure(cfg.map_sizes, repeat=1 if cfg.smoke else 3))


def compare_backends(results: dict[str, Results]) -> list[dict[str, Any]]:
    """Issue 11: Neo4j within 2× of SQLite — the first reads after a write of the decision chain, the gaps
    and who-to-win-next, at every size both backends measured (repeated reads shown beside them)."""
    sqlite, neo4j = results.get("sqlite"), results.get("neo4j")
    name = (f"Neo4j within {NEO4J_FACTOR:g}× of SQLite (first read after a write — a contact's notes, or an influence "
            "line re-weighted — every size measured on both)")
    if sqlite is None or neo4j is None:
        return [{"key": "neo4j_factor", "target": name, "met": None, "figure": "needs --backend both"}]
    judged: list[tuple[float, str]] = []
    shown: list[tuple[float, str]] = []
    for m in sorted(set(sqlite.sizes) & set(neo4j.sizes)):
        for key, what, _ in ENDPOINT_TARGETS:
            for part, group, write in (*((part, judged, f", after {write}") for part, _, _, write in AFTER_WRITES),
                                       ("latency", shown, "")):
                a, b = _lat(sqlite, m, key, part=part), _lat(neo4j, m, key, part=part)
                if a and b:
                    group.append((b / a, f"{what} at {m:,}{write}: ×{b / a:.2f} ({ms(a)} → {ms(b)})"))
    if not judged:
        return [{"key": "neo4j_factor", "target": name, "met": None, "figure": "not measured on both"}]
    worst = sorted(judged, reverse=True)
    figure = "; ".join(text for _, text in worst)
    if shown:
        figure += "; repeated reads (not judged: a few ms either way): " + "; ".join(
            text for _, text in sorted(shown, reverse=True)[:3])
    return [{"key": "neo4j_factor", "target": name, "met": worst[0][0] <= NEO4J_FACTOR, "figure": figure}]


def measure_backend(cfg: Config) -> tuple[int, Results]:
    """Measure one backend, write its report to ``cfg.out``; the exit status and the results."""
    from benchmarks.report import render

    work = cfg.work_dir or Path(tempfile.mkdtemp(prefix="guanxi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with backend_environment(cfg.backend, work):
            return _measure(cfg, work, render)
    finally:
        if not cfg.keep and cfg.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
        elif cfg.keep:
            log(f"kept {work}")


def _measure(cfg: Config, work: Path, render: Callable[[Results, Path], str]) -> tuple[int, Results]:
    res = Results()
    res.meta = {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                "commit": git_commit(), "command": cfg.command, "backend": cfg.backend,
                "repeat": cfg.repeat, "budget": cfg.budget, "threads": cfg.threads, "seed": cfg.seed,
                "max_body_bytes": BENCH_MAX_BODY_BYTES, "smoke": cfg.smoke, "warm_up": cfg.warm_up,
                "warm_up_seconds": cfg.warm_up_seconds, "warm_up_limit": cfg.warm_up_limit,
                "tput_warm_up": cfg.tput_warm_up, "tput_pairs": cfg.tput_pairs,
                "import_repeat": cfg.import_repeat}
    run = {"command": cfg.command, "started": res.meta["started"], "commit": res.meta["commit"],
           "load": res.meta["machine"]["load_at_start"][0]}
    res.meta["runs"] = [run]
    tag = f"b{int(time.time())}-" if neo4j_uri() else ""
    wall = time.perf_counter()
    if neo4j_uri():
        log("NEO4J_URI is set: the server and the CLI use Neo4j; applying its migrations")
        try:
            run_cli(["migrate"], timeout=600)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            log(f"cannot migrate the Neo4j database at {neo4j_uri()}: {e}")
            return 2, res
    for n in cfg.sizes:
        res.sizes[n] = {"run": run}
        try:
            bench_size(cfg, n, work, tag, res.sizes[n])
        except Exception as e:  # noqa: BLE001 - keep what was measured and the other sizes
            log(f"[{n:,}] failed: {e}")
            res.sizes[n]["error"] = f"{type(e).__name__}: {e}"[-2000:]
    if cfg.accounts:
        try:
            res.multi = bench_accounts(cfg, *cfg.accounts, work, tag)
            res.multi["run"] = run
        except Exception as e:  # noqa: BLE001
            log(f"[accounts] failed: {e}")
            res.multi = {"accounts": cfg.accounts[0], "contacts_per_account": cfg.accounts[1],
                         "error": str(e)[-2000:], "status": "failed", "run": run}
    if cfg.merge:
        merge_previous(res, cfg)
    res.targets = evaluate(res) + map_targets(cfg)
    if cfg.profile:
        profile_misses(cfg, res, measured=set(cfg.sizes), accounts=bool(cfg.accounts))
    res.meta["wall_seconds"] = run["wall_seconds"] = time.perf_counter() - wall
    res.meta["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    run["load_end"] = res.meta["load_at_end"][0]
    text = render(res, cfg.out)
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    cfg.out.write_text(text, encoding="utf-8")
    if cfg.json_out:
        cfg.json_out.write_text(json.dumps(res.as_json(), indent=1, ensure_ascii=False))
    log(f"wrote {cfg.out} in {res.meta['wall_seconds']:.0f} s")
    print(f"\n{cfg.backend}:" + summary(res))
    failed = [str(n) for n, s in res.sizes.items() if "error" in s] + (["accounts"] if res.multi.get("error") else [])
    failed += [f"{n}:{k}" for n, s in res.sizes.items() for k, v in s.get("latency", {}).items()
               if v.get("status") == "error"]
    failed += [f"accounts:{k}" for part in ("single", "many") for k, v in (res.multi.get(part) or {}).items()
               if v.get("status") == "error"]
    if failed:
        log(f"failures (exit status 1): {', '.join(failed)}")
    return (1 if failed else 0), res


def summary(res: Results) -> str:
    lines = ["", "Targets:"]
    for t in res.targets:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        lines.append(f"  [{verdict:>12}] {t['target']}: {t['figure']}")
    return "\n".join(lines)
