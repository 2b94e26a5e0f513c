"""Map rendering times, and our full map of a 1,000-person account side by side with Graphviz ``dot``.

    python -m benchmarks.maps [--sizes 100,1000,10000] [--repeat 3]

For each size, a seeded account (``benchmarks.generator``) is imported into a temporary embedded store
and every image and document format is rendered through ``rendering.render_account_map`` (what the API
and ``guanxi export`` call), with the store's projected map already cached, as on a running service:
with the account's opportunity (its chain and the people around it) and without (the top levels and
the most influential people). The PDF draws everyone in the account, page by page.

At 1,000 people the same org chart — every person as a box with name and title, every reporting
line — goes to ``dot -Tpdf`` and ``dot -Tsvg``, timed the same way (CPU seconds, each writing its file),
so the two can be compared: the target is that our full map (the PDF) is no slower than ``dot``'s. For that
comparison the two run in turn (ours, ``dot``, ours, ``dot``...): on a shared machine whose speed drifts
from one minute to the next, both are measured in the same minutes.
``dot`` draws with the same font as our maps (the bundled Noto Sans SC, handed to its fontconfig through
a configuration that adds the font's folder to the system's): without it, fontconfig substitutes a font
with no Chinese glyphs, and ``dot`` spends twice the time drawing every name as empty boxes. Without ``dot`` on the PATH the comparison is
skipped with a note. Timings are medians of ``--repeat`` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from app.settings import Settings, make_backend
from benchmarks.generator import generate_account
from graph.models import Bundle
from graph.store import Store
from rendering import fonts, render_account_map

FORMATS = ("png", "svg", "pdf")
TARGET_SECONDS = 10.0          # any map of a 10,000-contact account
TODAY = dt.date(2026, 11, 22)


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (``dot``)."""
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


def time_call(work: Any, repeat: int, warm_up: bool = True) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``work`` after one warm-up run (imports, fonts, the
    projected map). CPU time is the fairer comparison on a machine shared with other work."""
    if warm_up:
        work()
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def side_by_side(ours: Callable[[], object], theirs: Callable[[], object], repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median wall-clock and CPU seconds of ``ours`` and of ``theirs``, run in turn after one warm-up each,
    so that a machine slowed for a while (other work, a busy host) slows both alike."""
    ours()
    theirs()
    runs: dict[str, tuple[list[float], list[float]]] = {"ours": ([], []), "theirs": ([], [])}
    for _ in range(repeat):
        for name, work in (("ours", ours), ("theirs", theirs)):
            started, cpu = time.perf_counter(), _cpu()
            work()
            runs[name][0].append(time.perf_counter() - started)
            runs[name][1].append(_cpu() - cpu)
    ((our_walls, our_cpus), (their_walls, their_cpus)) = runs["ours"], runs["theirs"]
    return ((statistics.median(our_walls), statistics.median(our_cpus)),
            (statistics.median(their_walls), statistics.median(their_cpus)))


def org_chart_dot(bundle: dict[str, list[dict[str, Any]]]) -> str:
    """The account's org chart as Graphviz input: a box per person (name, title), reporting lines."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph org {", "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eceff1", fontname="Noto Sans SC"];']
    for c in bundle["contacts"]:
        lines.append(f"  {quote(c['id'])} [label={quote(c['name'] + chr(10) + (c.get('title') or ''))}];")
    for r in bundle["relationships"]:
        if r["type"] == "REPORTS_TO":
            lines.append(f"  {quote(r['target'])} -> {quote(r['source'])};")
    lines.append("}")
    return "\n".join(lines)


def dot_environment(work: Path) -> dict[str, str]:
    """The environment ``dot`` runs in: fontconfig's system configuration plus the folder of the map font,
    so ``dot`` draws with the font our maps embed (the chart's names are Chinese)."""
    env = dict(os.environ)
    font = fonts.map_font().path
    if font is None:
        return env
    config = work / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                      f"  <dir>{escape(str(font.parent))}</dir>\n"
                      f"  <cachedir>{escape(str(work / 'fontconfig'))}</cachedir>\n</fontconfig>\n",
                      encoding="utf-8")
    env["FONTCONFIG_FILE"] = str(config)
    return env


def dot_font(pdf: Path) -> str | None:
    """The first font embedded in ``dot``'s PDF, by ``pdffonts`` (None without poppler-utils)."""
    if shutil.which("pdffonts") is None:
        return None
    rows = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()
    return rows[2].split()[0].split("+")[-1] if len(rows) > 2 else ""


def dot_run(source: str, fmt: str, work: Path) -> Callable[[], object]:
    """A call that has ``dot`` draw ``source`` as ``fmt`` into a file, as our maps are written."""
    path = work / "org.dot"
    path.write_text(source, encoding="utf-8")
    out = work / f"org.{fmt}"
    env = dot_environment(work)
    return lambda: subprocess.run(["dot", f"-T{fmt}", str(path), "-o", str(out)], check=True, capture_output=True,
                                  env=env)


def bench_size(n: int, repeat: int, work: Path) -> dict[str, Any]:
    bundle = generate_account(n, 7, account_id=f"m{n}")
    store = Store(make_backend(Settings(data_dir=work / f"data{n}")))
    store.backend.migrate()
    store.import_bundle(Bundle.model_validate(bundle), actor="bench")
    account = f"m{n}"
    opportunity = bundle["opportunities"][0]["id"]
    store.account_graph(account)
    out: dict[str, Any] = {"contacts": n}
    renders: dict[str, Callable[[], None]] = {}
    for fmt in FORMATS:
        for label, opp in (("opportunity", opportunity), ("account", None)):
            runs = 1 if n >= 10_000 and fmt == "pdf" else repeat

            def render(fmt: str = fmt, opp: str | None = opp) -> None:       # written to a file, as dot's
                data, _ = render_account_map(store, account, fmt, opportunity_id=opp, today=TODAY)
                (work / f"map{n}.{fmt}").write_bytes(data)

            renders[f"{fmt}/{label}"] = render
            wall, cpu = time_call(render, runs, warm_up=runs > 1)   # the smaller runs warmed up already
            out[f"{fmt}/{label}"] = wall
            out[f"{fmt}/{label}/cpu"] = cpu
            print(f"  {n:>6,} people  {fmt:<4} {label:<11} {wall:6.2f} s  (CPU {cpu:6.2f} s)", flush=True)
    if n == 1_000:
        out["dot"] = {}
        if shutil.which("dot") is None:
            print("  dot is not on the PATH: the side-by-side comparison with Graphviz is skipped "
                  "(apt-get install graphviz)")
        else:
            source = org_chart_dot(bundle)
            out["pdf/side_by_side"], out["dot"]["pdf"] = side_by_side(renders["pdf/account"],
                                                                      dot_run(source, "pdf", work), repeat)
            out["dot"]["svg"] = time_call(dot_run(source, "svg", work), repeat)
            for fmt in ("pdf", "svg"):
                wall, cpu = out["dot"][fmt]
                print(f"  {n:>6,} people  dot -T{fmt} (the org chart, every person) {wall:6.2f} s  (CPU {cpu:6.2f} s)",
                      flush=True)
            wall, cpu = out["pdf/side_by_side"]
            print(f"  {n:>6,} people  pdf of everyone, run in turn with dot -Tpdf {wall:6.2f} s  (CPU {cpu:6.2f} s)",
                  flush=True)
            drawn_with = dot_font(work / "org.pdf")
            if drawn_with is not None:
                out["dot"]["font"] = drawn_with
                print(f"  {n:>6,} people  dot's PDF is drawn with {drawn_with or 'no font'}", flush=True)
    store.backend.close()
    return out


def measure(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    """Render times at each size (printed as they come), in a temporary embedded store."""
    results = []
    with tempfile.TemporaryDirectory() as directory:
        for n in sizes:
            print(f"[maps] {n:,} contacts", flush=True)
            results.append(bench_size(n, repeat, Path(directory)))
    return results


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 11's map targets, judged on these results (key, target, met, figure: as ``benchmarks.runner``)."""
    out: list[dict[str, Any]] = []
    for r in results:
        if r["contacts"] >= 10_000:
            for label, formats in (("PNG or SVG", ("png", "svg")), ("PDF of everyone", ("pdf",))):
                worst = max(v for k, v in r.items() if k.count("/") == 1 and k.split("/")[0] in formats)
                cpu = max(v for k, v in r.items() if k.endswith("/cpu") and k.split("/")[0] in formats)
                out.append({"key": f"map_{formats[0]}", "met": worst <= TARGET_SECONDS,
                            "target": f"any {label} of a {r['contacts']:,}-contact account ≤ {TARGET_SECONDS:.0f} s",
                            "figure": f"slowest {worst:.2f} s (CPU {cpu:.2f} s)"})
        if r.get("dot"):
            (our_wall, ours), (their_wall, theirs) = r["pdf/side_by_side"], r["dot"]["pdf"]
            out.append({"key": "map_dot", "met": ours <= theirs,
                        "target": "full map of 1,000 people (PDF, everyone drawn) ≤ Graphviz dot -Tpdf, CPU seconds, "
                                  "run in turn",
                        "figure": f"ours {ours:.2f} s, dot {theirs:.2f} s (wall {our_wall:.2f} s vs {their_wall:.2f} s"
                                  + (f"; dot drawn with {r['dot']['font'] or 'no font'})" if "font" in r["dot"] else ")")})
        elif r["contacts"] == 1_000:
            out.append({"key": "map_dot", "met": None, "figure": "not measured (no dot on the PATH)",
                        "target": "full map of 1,000 people (PDF, everyone drawn) ≤ Graphviz dot -Tpdf"})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.maps", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100,1000,10000", help="account sizes (contacts), comma-separated")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per figure (after one warm-up)")
    args = p.parse_args(argv)
    results = measure([int(s) for s in args.sizes.split(",") if s], args.repeat)
    print("\nTargets:")
    for t in targets(results):
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        print(f"  {t['target']}: {t['figure']} — {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
