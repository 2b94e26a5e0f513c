"""A rerunnable speed check of the scoring functions on large accounts (not a timed test).

    python tests/scoring/bench_scoring.py [--contacts 1000,10000] [--repeats 7] [--seed 1]
                                          [--synthetic] [--local] [--profile NAME]

By default each account is ``benchmarks.generator.generate_account(n, seed)`` (the realistic accounts of
the HTTP benchmarks), turned into the projection's ``MultiDiGraph`` by the same bundle → graph
conversion the scoring tests use (``conftest.bundle_graph``). ``--synthetic`` uses ``make_account``
below instead: random informal ties anywhere in the company (``--local``: mostly between neighbours).

Two timings per function, each the median of ``repeats`` runs, wall (``time.perf_counter``) and CPU
(``time.process_time``, less disturbed by a busy machine), in ms:

* **first** — the first call on a graph object (a fresh frozen copy of the graph each run), as after an
  edit of the account: every per-graph structure is built from scratch;
* **after a note** / **after a tie** — the first call on a map edited as a write edits the store's cached
  map (``graph.map_cache``), after the same call on the map before the edit: a contact outside the
  decision chain gets new notes (nothing the analytics read), or an influence line a new strength (the
  informal-power ranking moves). What the edit cannot have changed is carried over. CPU ms; "–" for a
  package without edited maps;
* **repeat** — the same call again on the same graph object, as the HTTP layer does for an unchanged
  account (it keeps the projected graph): the structures derived from a frozen projected map are reused
  (kept in the map's own memo, ``graph.projection.AccountGraph``; see ``scoring.view.AccountMap.build``).

``--profile NAME`` runs pyinstrument on one function (first calls) instead. To measure another version
of the package (e.g. the one before a change), put its directory first:
``PYTHONPATH=/tmp/old python tests/scoring/bench_scoring.py`` (the script prints which it measures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TODAY = dt.date(2026, 11, 22)


def make_account(n: int = 10_000, seed: int = 7, chain_size: int = 40, local: bool = False) -> nx.MultiDiGraph:
    """A synthetic account. ``local=False``: informal ties between random people anywhere in the company
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


def _bundle_graph() -> Callable[[dict[str, Any], str], nx.MultiDiGraph]:
    """The scoring tests' bundle → graph converter (``conftest.bundle_graph``), loaded by path."""
    spec = importlib.util.spec_from_file_location("_scoring_conftest", HERE / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    convert: Callable[[dict[str, Any], str], nx.MultiDiGraph] = module.bundle_graph
    return convert


def generated_account(n: int, seed: int = 1) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """A ``benchmarks.generator`` account as a projection graph, with the ids the HTTP benchmark asks
    about: the opportunity, its decision maker and economic buyer, a covering rep, a deep staff member."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))        # after PYTHONPATH: another ``scoring`` can be measured
    from benchmarks.generator import generate_account

    bundle = generate_account(n, seed=seed)
    g = _bundle_graph()(bundle, bundle["accounts"][0]["id"])
    chain = bundle["decision_chain"]
    dm = next(m["contact_id"] for m in chain if m["role"] == "decision_maker")
    eb = next(m["contact_id"] for m in chain if m["role"] == "economic_buyer")
    rep = next((r["source"] for r in bundle["relationships"] if r["type"] == "COVERS"), bundle["team"][0]["id"])
    staff = next((c["id"] for c in reversed(bundle["contacts"]) if c["status"] == "active"), dm)
    return g, {"opportunity": bundle["opportunities"][0]["id"], "dm": dm, "eb": eb, "rep": rep, "staff": staff}


def synthetic_account(n: int, seed: int = 7, local: bool = False) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    g = make_account(n, seed=seed, local=local)
    return g, {"opportunity": "o1", "dm": "c0", "eb": "c1", "rep": "t0", "staff": f"c{n - 1}"}


def projected(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``g`` as the store hands it out: a projected map with its own memo (when the measured package
    has one; an older one kept its memo in the package)."""
    try:
        from graph.projection import AccountGraph
    except ImportError:
        return g
    return AccountGraph(g)


def checks(ids: dict[str, str]) -> dict[str, Callable[[nx.MultiDiGraph], Any]]:
    from scoring import (
        classify_account,
        coverage_gaps,
        decision_chain,
        informal_power,
        next_best_contacts,
        strongest_paths,
    )

    opp, dm, eb, rep, staff = ids["opportunity"], ids["dm"], ids["eb"], ids["rep"], ids["staff"]
    return {
        "decision_chain": lambda g: decision_chain(g, opp),
        "next_best_contacts k=5": lambda g: next_best_contacts(g, opp, k=5),
        "next_best_contacts k=5 plan": lambda g: next_best_contacts(g, opp, k=5, plan=True),
        "coverage_gaps": lambda g: coverage_gaps(g, opp, TODAY),
        "strongest_paths k=3 rep→dm": lambda g: strongest_paths(g, rep, dm, k=3),
        "strongest_paths k=3 rep→eb": lambda g: strongest_paths(g, rep, eb, k=3),
        "strongest_paths k=3 staff→dm": lambda g: strongest_paths(g, staff, dm, k=3),
        "informal_power": lambda g: informal_power(g),
        "classify_account": lambda g: classify_account(g, TODAY),
    }


def _time_ms(fn: Callable[[], Any]) -> tuple[float, float]:
    gc.collect()                      # no collection of earlier runs' garbage inside the timing
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000


def measure(g: nx.MultiDiGraph, fn: Callable[[nx.MultiDiGraph], Any], repeats: int
            ) -> tuple[float, float, float, float]:
    """(first wall, first CPU, repeat wall, repeat CPU): medians in ms."""
    first, repeat = [], []
    for _ in range(repeats):
        fresh = nx.freeze(g.copy())   # a new graph object, frozen as the HTTP layer's shared graph
        first.append(_time_ms(functools.partial(fn, fresh)))
        repeat.append(_time_ms(functools.partial(fn, fresh)))
    return (statistics.median(t[0] for t in first), statistics.median(t[1] for t in first),
            statistics.median(t[0] for t in repeat), statistics.median(t[1] for t in repeat))


class _NoStore:
    """The edits measured here need nothing from a store."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"an edit in the bench read the store ({name})")


def edits(g: nx.MultiDiGraph, ids: dict[str, str]) -> dict[str, Callable[[nx.MultiDiGraph], nx.MultiDiGraph]] | None:
    """Edits of a frozen projected map as the store makes them (None for a package without them)."""
    try:
        from graph.map_cache import _Editing
        from graph.records import EdgeRecord, NodeRecord
    except ImportError:
        return None
    account = str(g.graph["account_id"])
    chain = {u for u, v, d in g.edges(data=True) if d.get("type") == "MEMBER_OF"}
    outsider = next(n for n in reversed(list(g)) if g.nodes[n].get("kind") == "contact" and n not in chain)
    tie = next((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if d.get("type") == "INFLUENCES")

    def note(old: nx.MultiDiGraph) -> nx.MultiDiGraph:
        data = {k: v for k, v in old.nodes[outsider].items() if k != "kind"}
        record = NodeRecord("contact", outsider, {**data, "notes": f"edited {time.time()}"}, "", "", 2)
        editing = _Editing(old, account)
        editing.apply(_NoStore(), {outsider: record}, [outsider], {}, {})
        return editing.finish()

    def strength(old: nx.MultiDiGraph) -> nx.MultiDiGraph:
        u, v, key, _ = tie
        props = {k: x for k, x in old[u][v][key].items() if k != "type"}
        props["strength"] = 0.95 if props.get("strength") != 0.95 else 0.35
        record = EdgeRecord("INFLUENCES", str(key), u, v, props, account, "", "", 2)
        editing = _Editing(old, account)
        editing.apply(_NoStore(), {}, [], {str(key): record}, {str(key): (u, v)})
        return editing.finish()

    return {"note": note, "tie": strength}


def measure_edited(g: nx.MultiDiGraph, fn: Callable[[nx.MultiDiGraph], Any], edit: Callable[[nx.MultiDiGraph],
                   nx.MultiDiGraph], repeats: int) -> float:
    """CPU ms, median: the first call on an edited map, after the same call on the map before the edit."""
    times = []
    for _ in range(repeats):
        before = nx.freeze(g.copy())
        fn(before)
        after = edit(before)
        times.append(_time_ms(functools.partial(fn, after))[1])
    return statistics.median(times)


def _calibration_ms() -> float:
    """sum(range(10**6)): about 10–15 ms on an ordinary recent machine with CPython 3.11."""
    return min(_time_ms(lambda: sum(range(10**6)))[0] for _ in range(5))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contacts", default="1000,10000", help="comma-separated account sizes")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--synthetic", action="store_true", help="the synthetic account of make_account")
    p.add_argument("--local", action="store_true", help="synthetic account with local informal ties")
    p.add_argument("--profile", metavar="NAME", help="profile the first calls of one function (a prefix)")
    args = p.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))        # after PYTHONPATH: another ``scoring`` can be measured
    import scoring

    print(f"scoring from {Path(scoring.__file__).parent}; "
          f"calibration sum(range(10**6)) = {_calibration_ms():.1f} ms")
    for n in (int(x) for x in args.contacts.split(",")):
        g, ids = (synthetic_account(n, local=args.local) if args.synthetic else generated_account(n, args.seed))
        g = projected(g)
        table = checks(ids)
        print(f"\n{n} contacts: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
        if args.profile:
            from pyinstrument import Profiler

            name = next(k for k in table if k.startswith(args.profile))
            copies = [nx.freeze(g.copy()) for _ in range(args.repeats)]
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for fresh in copies:
                table[name](fresh)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
            continue
        edited = edits(g, ids)
        print(f"{'(ms, median of ' + str(args.repeats) + ')':32s} {'first':>8s} {'cpu':>8s} {'note cpu':>9s} "
              f"{'tie cpu':>8s} {'repeat':>8s} {'cpu':>8s}")
        for name, fn in table.items():
            first, first_cpu, again, again_cpu = measure(g, fn, args.repeats)
            after = [f"{measure_edited(g, fn, edit, args.repeats):9.1f}" for edit in edited.values()] \
                if edited else [f"{'–':>9s}", f"{'–':>9s}"]
            print(f"{name:32s} {first:8.1f} {first_cpu:8.1f} {after[0]} {after[1][1:]} {again:8.1f} {again_cpu:8.1f}")


if __name__ == "__main__":
    main()
