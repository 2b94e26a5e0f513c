"""Writes the README's sample maps: ``docs/map-furniture.png`` (the furniture fixture with the
``gzf-upgrade`` decision chain) and ``docs/map-300.png`` (the seeded 300-person account).

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
from pathlib import Path

from PIL import Image

from rendering import render_account_map
from app.settings import Settings, make_backend
from graph.models import Bundle
from graph.store import Store
from tests.conftest import bundle
from tests.maps.generator import large_account

TODAY = dt.date(2026, 11, 22)
LIMIT = 400 * 1024


def _store(directory: str, data: dict[str, object]) -> Store:
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
    samples = [("map-furniture.png", bundle("furniture"), "gzf", "gzf-upgrade"),
               ("map-300.png", large_account(300, seed=7), "big", "big-opp")]
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


if __name__ == "__main__":
    main(*sys.argv[1:2])
