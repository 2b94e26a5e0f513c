"""A rerunnable speed check of the scoring functions on a generated large account (not a timed test).

    python tests/scoring/bench_scoring.py [contacts] [repeats] [local 0|1]

Builds one account with ``contacts`` contacts (default 10,000): an org tree, informal influence,
alliances, rivalries, patronage, our team's coverage, a 40-person decision chain, a competitor's fans
and entrenched interests; then prints the median wall time of each public function.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import networkx as nx


def make_account(n: int = 10_000, seed: int = 7, chain_size: int = 40, local: bool = False) -> nx.MultiDiGraph:
    """A generated account. ``local=False``: informal ties between random people anywhere in the company
    (an expander, the worst case for path searches); ``local=True``: ties mostly between people close in
    the company (within ±50 positions), as real influence maps tend to be."""
    rnd = random.Random(seed)

    def pair() -> tuple[str, str]:
        if not local:
            u, v = rnd.sample(ids, 2)
            return u, v
        i = rnd.randrange(n)
        j = min(n - 1, max(0, i + rnd.choice((-1, 1)) * rnd.randint(1, 50)))
        return ids[i], ids[j if j != i else (i + 1) % n]

    g = nx.MultiDiGraph(account_id="big", account={"id": "big", "name": "Big Co", "metrics": {
        "annual_revenue": 2e7, "margin_pct": 15, "revenue_growth_pct": 4, "wallet_size": 9e7,
        "share_of_wallet_pct": 20, "payment_days": 60, "credit_rating": "A", "satisfaction": 7,
        "loyalty": 0.5, "influence": 0.6, "cooperation": 0.6}})
    g.add_node("big", kind="account", name="Big Co")
    levels = ["executive", "vp", "director", "manager", "staff"]
    departments = [f"dept{i}" for i in range(30)]
    ids = [f"c{i}" for i in range(n)]
    edge = 0

    def add(u: str, v: str, etype: str, **props: Any) -> None:
        nonlocal edge
        edge += 1
        g.add_edge(u, v, key=f"e{edge}", type=etype, **props)

    for i, c in enumerate(ids):
        level = levels[min(4, int(i ** 0.25))] if i else "executive"
        data: dict[str, Any] = {"name": f"Person {i}", "title": level, "department": rnd.choice(departments),
                                "level": level, "status": "left" if rnd.random() < 0.02 else "active",
                                "knows_us": rnd.random() < 0.3, "account_id": "big"}
        if rnd.random() < 0.5:
            data["closeness"] = {"relationship": rnd.random(), "solution": rnd.random(), "price": rnd.random()}
            data["last_contact_at"] = f"2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}"
        g.add_node(c, kind="contact", **data)
        if i:
            add(c, ids[rnd.randrange(max(1, i // 4), i) if i > 4 else 0], "REPORTS_TO")
    for _ in range(int(1.5 * n)):
        u, v = pair()
        add(u, v, "INFLUENCES", strength=round(rnd.uniform(0.1, 1.0), 2))
    for kind, share in (("ALLY", 0.2), ("RIVAL", 0.1), ("PROMOTED_BY", 0.1)):
        for _ in range(int(share * n)):
            u, v = pair()
            add(u, v, kind, **({} if kind == "PROMOTED_BY" else {"strength": round(rnd.random(), 2)}))
    team = [f"t{i}" for i in range(50)]
    for i, t in enumerate(team):
        g.add_node(t, kind="team_member", name=f"Rep {i}", level=rnd.choice(levels),
                   role="executive" if i < 3 else "sales")
    for c in rnd.sample(ids, n // 10):
        add(rnd.choice(team), c, "COVERS", closeness=round(rnd.random(), 2), last_contact_at="2026-10-01")
    for c in rnd.sample(ids[:200], 20):
        add(rnd.choice(team[:3]), c, "MIRRORS")
    g.add_node("k1", kind="competitor", name="Rival")
    g.add_node("o1", kind="opportunity", name="Deal", account_id="big", stage="proposal",
               criteria={"technical": 0.5, "price": 0.3, "service": 0.2}, competitor_ids=["k1"])
    roles = ["decision_maker", "economic_buyer", "technical_evaluator", "business_user", "procurement",
             "influencer", "coach", "gatekeeper"]
    stances = ["champion", "supporter", "neutral", "skeptic", "opponent", "unknown"]
    for c in rnd.sample(ids[:2000], chain_size):
        add(c, "o1", "MEMBER_OF", role=rnd.choice(roles), stance=rnd.choice(stances),
            influence=rnd.randint(1, 5))
    for c in rnd.sample(ids, n // 50):
        add(c, "k1", "FAVORS", strength=round(rnd.random(), 2))
    for c in rnd.sample(ids, n // 30):
        add(c, rnd.choice(["o1", "k1"]), "HAS_INTEREST", kind="kickback", threat=round(rnd.random(), 2))
    return g


def _times_ms(fn: Callable[[], Any], repeats: int) -> tuple[float, float, float]:
    """(median wall, best wall, median CPU) in ms: CPU time is less disturbed by a busy machine."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def _calibration_ms() -> float:
    """sum(range(10**6)): about 10–15 ms on an ordinary recent machine with CPython 3.11."""
    return min(_times_ms(lambda: sum(range(10**6)), 5)[1:2])


def main(n: int = 10_000, repeats: int = 7, local: int = 0) -> None:
    from scoring import (
        classify_account,
        coverage_gaps,
        decision_chain,
        informal_power,
        next_best_contacts,
        strongest_paths,
    )

    g = make_account(n, local=bool(local))
    today = dt.date(2026, 11, 22)
    print(f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges; "
          f"calibration sum(range(10**6)) = {_calibration_ms():.1f} ms")
    print(f"{'':32s} {'median':>8s} {'best':>8s} {'cpu':>8s}  (ms)")
    checks: dict[str, Callable[[], Any]] = {
        "decision_chain": lambda: decision_chain(g, "o1"),
        "next_best_contacts k=5": lambda: next_best_contacts(g, "o1", k=5),
        "next_best_contacts k=5 plan": lambda: next_best_contacts(g, "o1", k=5, plan=True),
        "coverage_gaps": lambda: coverage_gaps(g, "o1", today),
        "informal_power": lambda: informal_power(g),
        "classify_account": lambda: classify_account(g, today),
        "strongest_paths k=3": lambda: strongest_paths(g, "t0", "c0", k=3),
    }
    for name, fn in checks.items():
        median, best, cpu = _times_ms(fn, repeats)
        print(f"{name:32s} {median:8.1f} {best:8.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
