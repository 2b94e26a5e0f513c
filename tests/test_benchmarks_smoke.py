"""The benchmark command keeps working: `python -m benchmarks --smoke` starts the service, measures it and
writes the Markdown table. It asserts no timings (performance is measured by the benchmarks, not tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import backend_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_smoke_run_writes_the_table(tmp_path: Path, backend_name: str) -> None:
    out = tmp_path / "benchmarks.md"
    env = {**os.environ, **backend_env(backend_name)}
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--backend", backend_name,
                           "--out", str(out), "--work-dir", str(tmp_path / "work")],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    assert "## Targets" in text
    assert "| target | figure | met? |" in text
    assert "100 contacts" in text and "import over HTTP" in text
    assert "Many accounts: 5 × 100 contacts" in text
    assert "rows/s" in text
    assert "Targets:" in done.stdout
    assert f"- **Backend:** {backend_name}" in text
    # the chain asked with a key from `guanxi keys create`: the server accepted it and it was timed
    stored_key = next(line for line in text.splitlines() if "asked with a stored key" in line)
    assert " ms / " in stored_key, stored_key
    # the line re-weighted through a second service process on the same store, and the first read after it timed
    peer = next(line for line in text.splitlines()
                if "decision chain, first read after another service process re-weights the line: median" in line)
    assert " ms / " in peer, peer
    # the other process's first read after the import (its map not cached), timed
    cold = next(line for line in text.splitlines() if "first read in the other service process" in line)
    assert re.search(r"\| [\d,.]+ ms \|", cold), cold


def test_throughput_warm_up_ends_when_the_rate_has_stopped_climbing() -> None:
    from benchmarks.runner import rate_settled

    assert not rate_settled([646, 746])                  # two windows cannot show a plateau
    assert not rate_settled([646, 746, 714, 883])        # a dip, then a climb past the best by > 5 %
    assert rate_settled([646, 746, 714, 883, 902, 910])  # two windows within 5 % of the best before them
    assert rate_settled([900, 890, 880])                 # no climb at all
    assert not rate_settled([900, 890, 950])             # one of the last two > 5 % above the best before


def test_the_write_targets_are_judged_after_a_notes_write_and_after_a_line_is_re_weighted() -> None:
    """Each "right after a write" target is judged after both writes the runner makes: a notes write that no
    analysis reads, and a re-weighted influence line that every analysis reads (the one a rep makes)."""
    from benchmarks.runner import Results, compare_backends, evaluate

    def timed(seconds: float) -> dict[str, object]:
        return {"status": "ok", "median": seconds, "p95": seconds}

    def size(notes: float, line: float) -> dict[str, object]:
        parts = {"after_write": notes, "after_line_write": line, "latency": 0.001}
        return {part: {key: timed(v) for key in ("decision_chain", "coverage_gaps", "next_best")}
                for part, v in parts.items()}

    # After a line write the reads at 100,000 contacts take 20× those at 10,000: a miss of "10× the contacts
    # ≤ 15× the time" there, while the notes write's 2× meets it.
    sqlite = Results(sizes={1000: size(0.002, 0.008), 10_000: size(0.003, 0.03), 100_000: size(0.006, 0.6)})
    judged = {t["key"]: t["met"] for t in evaluate(sqlite)}
    assert judged["coverage_gaps_growth"] is True and judged["coverage_gaps_line_growth"] is False
    assert judged["decision_chain_after_write"] is True and judged["decision_chain_after_line_write"] is True
    assert judged["decision_chain_100k_after_write"] is True
    assert judged["decision_chain_100k_after_line_write"] is False          # 600 ms > 500 ms
    # Neo4j within 2× of SQLite: a line write's read three times as slow is a miss, and the figure says which.
    neo4j = Results(sizes={1000: size(0.002, 0.024)})
    [within] = compare_backends({"sqlite": sqlite, "neo4j": neo4j})
    assert within["met"] is False
    assert "decision chain at 1,000, after a line re-weighted: ×3.00" in within["figure"]
    assert "decision chain at 1,000, after a notes write: ×1.00" in within["figure"]
    # and the side-by-side table shows both writes' reads, with Neo4j's ratio to SQLite
    from benchmarks.report import render_side_by_side

    table = render_side_by_side({"sqlite": (Path("s.md"), sqlite), "neo4j": (Path("n.md"), neo4j)}, Path("b.md"))
    assert "| decision chain, first read after an influence line is re-weighted, median ms | 8.0 | 24.0 | ×3.00 |" in table
    assert "| decision chain, first read after a write, median ms | 2.0 | 2.0 | ×1.00 |" in table


def test_warm_up_runs_for_its_rounds_and_its_seconds_and_times_the_first_read_after_each_write() -> None:
    import time

    import httpx

    from benchmarks.runner import COLD_KEYS, warm_up

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json={})

    client = httpx.Client(base_url="http://bench", transport=httpx.MockTransport(answer))
    queries = {key: [f"/{key}"] for key in COLD_KEYS}
    writes: list[int] = []

    done = warm_up(client, queries, writes.append, rounds=3, seconds=0.0, limit=0.0, timeout=5)
    assert done["rounds"] == 3 and writes == [10_000, 10_001, 10_002]
    assert asked == [f"/{key}" for key in COLD_KEYS] * 3
    assert len(done["chain_after_write_ms"]) == 3                  # fewer than ten rounds: one each

    writes.clear()
    started = time.perf_counter()
    done = warm_up(client, queries, writes.append, rounds=3, seconds=0.2, limit=0.0, timeout=5)
    assert time.perf_counter() - started >= 0.2 and done["seconds"] >= 0.2
    assert done["rounds"] == len(writes) > 3                       # more rounds than asked, to fill the time
    assert len(done["chain_after_write_ms"]) == 10
    assert all(v >= 0 for v in done["chain_after_write_ms"])


def test_warm_up_goes_on_while_the_first_read_after_a_write_gets_faster() -> None:
    import time

    import httpx

    from benchmarks.runner import COLD_KEYS, warm_up

    chain_reads = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal chain_reads
        if request.url.path == f"/{COLD_KEYS[0]}":  # a warming server: 8 ms, 5 % faster each read, to 1 ms
            chain_reads += 1
            time.sleep(max(0.001, 0.008 * 0.95 ** chain_reads))
        return httpx.Response(200, json={})

    client = httpx.Client(base_url="http://bench", transport=httpx.MockTransport(answer))
    queries = {key: [f"/{key}"] for key in COLD_KEYS}
    done = warm_up(client, queries, lambda _: None, rounds=3, seconds=0.02, limit=30.0, timeout=5, window=0.02)
    assert done["settled"] and done["rounds"] > 40 and done["seconds"] < 30  # past the fall, then stopped
    tenths = done["chain_after_write_ms"]
    assert tenths[0] > 3 * tenths[-1]

    chain_reads = 0                                                            # the limit ends it all the same
    done = warm_up(client, queries, lambda _: None, rounds=3, seconds=0.02, limit=0.05, timeout=5, window=0.02)
    assert not done["settled"] and 0.05 <= done["seconds"] < 1 and done["rounds"] < 40


def test_a_process_that_has_exited_is_not_running_even_unreaped() -> None:
    import time

    from benchmarks.server import running

    assert running(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while running(child.pid) and time.monotonic() < deadline:   # exits, and stays a zombie until waited
            time.sleep(0.05)
        assert not running(child.pid)
        assert Path(f"/proc/{child.pid}").exists()                   # not reaped yet: os.kill(pid, 0) succeeds
    finally:
        child.wait()
    assert not running(child.pid)


def test_generator_is_seeded_and_valid() -> None:
    from benchmarks.generator import ROLES, STANCES, generate_account, generate_accounts, row_count
    from graph.models import Bundle

    a = generate_account(300, seed=3, account_id="t1")
    assert a == generate_account(300, seed=3, account_id="t1")
    Bundle.model_validate(a)
    assert len(a["contacts"]) == 300
    assert {m["role"] for m in a["decision_chain"]} == set(ROLES)
    assert {m["stance"] for m in a["decision_chain"]} == set(STANCES)
    ids = [r.get("id") or (r["type"], r["source"], r["target"], r.get("kind")) for r in a["relationships"]]
    assert len(ids) == len(set(ids))
    boss = {r["source"]: r["target"] for r in a["relationships"] if r["type"] == "REPORTS_TO"}
    for start in boss:  # the reporting lines form a tree
        seen, node = set(), start
        while node in boss:
            assert node not in seen
            seen.add(node)
            node = boss[node]
    bundles = list(generate_accounts(3, 50, seed=1))
    assert [b["accounts"][0]["id"] for b in bundles] == ["m0", "m1", "m2"]
    assert all(row_count(b) > 50 for b in bundles)


def test_the_re_weighted_line_joins_two_people_still_in_the_account() -> None:
    """The line the benchmark re-weighs moves what the analyses read: an influence line into the decision
    chain between two active contacts (the first such line in the 10,000-contact account starts at
    someone who left, whose ties carry nothing)."""
    from benchmarks.generator import generate_account
    from benchmarks.runner import line_target

    bundle = generate_account(10_000, seed=7, account_id="s")
    line = line_target(bundle)
    assert line is not None
    _, source, target = line.split(":")
    status = {c["id"]: c.get("status", "active") for c in bundle["contacts"]}
    assert status[source] != "left" and status[target] != "left"
    assert target in {m["contact_id"] for m in bundle["decision_chain"]}
    assert any(r["type"] == "INFLUENCES" and r["target"] in {m["contact_id"] for m in bundle["decision_chain"]}
               and status[r["source"]] == "left" for r in bundle["relationships"])


def test_the_map_benchmark_renders_every_format_and_judges_the_targets() -> None:
    from benchmarks import maps

    (measured,) = maps.measure([100], repeat=1)
    assert measured["contacts"] == 100
    for fmt in maps.FORMATS:
        for view in ("opportunity", "account"):
            assert measured[f"{fmt}/{view}"] > 0 and measured[f"{fmt}/{view}/cpu"] >= 0
    assert maps.targets([measured]) == []            # no target is about 100 people
    big = {"contacts": 10_000, **{f"{f}/{v}": 1.0 for f in maps.FORMATS for v in ("opportunity", "account")},
           **{f"{f}/{v}/cpu": 1.0 for f in maps.FORMATS for v in ("opportunity", "account")}, "pdf/account": 12.0}
    one = {"contacts": 1_000, "pdf/side_by_side": (0.9, 0.8), "dot": {"pdf": (0.6, 0.5)}}
    judged = {t["key"]: t["met"] for t in maps.targets([one, big])}
    assert judged == {"map_dot": False, "map_png": True, "map_pdf": False}


def test_our_pdf_and_dot_run_in_turn() -> None:
    from benchmarks import maps

    order: list[str] = []
    ours, theirs = maps.side_by_side(lambda: order.append("ours"), lambda: order.append("dot"), repeat=3)
    assert order == ["ours", "dot"] * 4                   # a warm-up each, then three turns
    assert all(seconds >= 0 for seconds in (*ours, *theirs))
