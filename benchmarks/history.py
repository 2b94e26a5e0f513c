"""How long the map as of a past moment takes against a current read, per backend.

``python -m benchmarks.history [--contacts 1000] [--edits 200] [--backend sqlite|neo4j]`` imports one
generated account, records a review, makes ``--edits`` stance and closeness edits after it, and times
(in-process, median of ``--repeat`` runs): the current read (``Store.account_graph``, first read after a
write, then cached), the replayed map as of the review (``graph.history.account_graph_as_of``), and the
period (both ends from one read) behind ``/changes``. Neo4j needs ``NEO4J_URI``/``NEO4J_PASSWORD``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generator import generate_account
from graph import history
from graph.backends import BackendConfig, make_backend
from graph.models import Bundle, ReviewIn
from graph.store import Store


def _median_ms(work: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "neo4j"], default="sqlite")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp())
    config = BackendConfig(data_dir=work, neo4j_uri=os.environ.get("NEO4J_URI"),
                           neo4j_password=os.environ.get("NEO4J_PASSWORD", ""))
    backend = make_backend(args.backend, config)
    backend.migrate()
    backend.reset()
    store = Store(backend, graph_cache_elements=0)
    bundle = Bundle.model_validate(generate_account(args.contacts, seed=7, account_id="bench"))
    store.import_bundle(bundle, actor="bench")
    review = store.create_review(ReviewIn(account_id="bench", title="review"), actor="bench")
    members = [e for e in store.account_subgraph("bench").edges if e.type == "MEMBER_OF"]
    stances = ("supporter", "neutral", "skeptic")
    for i in range(args.edits):
        member = members[i % len(members)]
        store.update_edge(member.id, {"stance": stances[i % 3]}, actor="bench", types=("MEMBER_OF",))
    held = str(review.data["held_at"])
    current = _median_ms(lambda: store.account_graph("bench"), args.repeat)
    as_of = _median_ms(lambda: history.account_graph_as_of(store, "bench", held), args.repeat)
    period = _median_ms(lambda: history.period(store, "bench", held), args.repeat)
    entries = len(backend.read(lambda tx: tx.audit_of_accounts(["bench"], until=None)))
    print(f"{args.backend}: {args.contacts} contacts, {entries} audit entries of the account")
    print(f"  current read (uncached, load + project): {current:8.1f} ms")
    print(f"  as of the review (replayed):             {as_of:8.1f} ms")
    print(f"  period review → now (both maps):         {period:8.1f} ms")
    backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
