"""Writes the README's sample maps: ``docs/map-furniture.png`` (the furniture fixture with the
``gzf-upgrade`` decision chain), ``docs/map-300.png`` (the seeded 300-person account),
``docs/map-10000.png`` (a 10,000-person account of the benchmarks' generator, with its opportunity) and
``docs/map-10000-page.pdf`` (the contents and a department page of that account's PDF).

    python -m tests.maps.make_samples [OUT_DIR]

Each is rendered by ``rendering.render_account_map`` on a temporary embedded store, as the API would;
one above ``LIMIT`` bytes is re-quantised to 64 colours, so that the repository stays small.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from PIL import Image

from app.settings import Settings, make_backend
from benchmarks.generator import generate_account
from graph.models import Bundle
from graph.store import Store
from rendering import render_account_map
from tests.conftest import bundle
from tests.maps.generator import large_account

TODAY = dt.date(2026, 11, 22)
LIMIT = 400 * 1024


def _store(directory: str, data: Mapping[str, object]) -> Store:
    store = Store(make_backend(Settings(data_dir=Path(directory))))
    store.backend.migrate()
    store.import_bundle(Bundle.model_validate(data), actor="samples")
    return store


def _small(png: bytes) -> bytes:
    if len(png) <= LIMIT:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True)
    return out.getvalue()


def main(out_dir: str = "docs") -> None:
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    large = generate_account(10_000, 7, account_id="xa")
    samples = [("map-furniture.png", bundle("furniture"), "gzf", "gzf-upgrade"),
               ("map-300.png", large_account(300, seed=7), "big", "big-opp"),
               ("map-10000.png", large, "xa", large["opportunities"][0]["id"])]
    for name, data, account, opportunity in samples:
        with tempfile.TemporaryDirectory() as directory:
            store = _store(directory, data)
            started = time.perf_counter()
            png, _ = render_account_map(store, account, "png", opportunity_id=opportunity, today=TODAY)
            elapsed = time.perf_counter() - started
            store.backend.close()
        small = _small(png)
        (target / name).write_bytes(small)
        width, height = Image.open(io.BytesIO(small)).size
        print(f"{target / name}: {width}x{height} px, {len(small) // 1024} KB, rendered in {elapsed:.2f} s")
    with tempfile.TemporaryDirectory() as directory:
        store = _store(directory, large)
        (target / "map-10000-page.pdf").write_bytes(pdf_sample(store, "xa"))
        store.backend.close()
    print(f"{target / 'map-10000-page.pdf'}: the contents and one department page")


def pdf_sample(store: Store, account: str) -> bytes:
    """The first contents page and the first department page of the account's PDF, as their own PDF
    (the whole PDF of 10,000 people is 200 pages)."""
    from rendering import scene
    from rendering.model import build_map
    from rendering.pdf import _contents, _section_page, sections

    model = build_map(store.account_graph(account), today=TODAY)
    parts = sections(model, list(model.contacts))
    pages = max(1, -(-len(parts) // 78))
    for i, section in enumerate(parts):
        section.page = pages + 2 + i
    page_of = {c: s.page for s in parts for c in s.people}
    total = pages + 1 + len(parts)
    chosen = next(s for s in parts if s.root is not None and s.root in model.manager and len(s.people) > 40)
    from rendering.pdf import _section_title

    for section in parts:
        section.title = _section_title(model, section)
    return scene.pdf([_contents(model, parts, 0, pages, len(model.contacts), total),
                      _section_page(model, chosen, page_of, total)], model.account_name)


if __name__ == "__main__":
    main(*sys.argv[1:2])
