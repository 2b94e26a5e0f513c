"""Profile one request with pyinstrument, in-process, against a stored data directory.

    python -m benchmarks.profile --data-dir DIR /v1/opportunities/ID/next-best-contacts?k=5

The service's own application (``app.main.create_app``) answers the request through an in-process ASGI
transport. Route functions that FastAPI would run in its thread pool run inline instead, so that the
profiler, which follows one thread, sees the whole request: routing, auth, the store's query, the
projection, scoring and the response's serialisation.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from pathlib import Path
from typing import Any


def profile_request(data_dir: Path, path: str, *, repeat: int = 1, interval: float = 0.001,
                    cold: bool = True) -> dict[str, Any]:
    """Answer ``GET path`` ``repeat`` times under pyinstrument; return the status, the seconds per request
    and the profile as text (pyinstrument's call tree). ``cold``: keep no projected maps between requests
    (each is a first read after a write); otherwise the warm-up request fills the service's caches."""
    import anyio.to_thread
    import httpx
    from pyinstrument import Profiler

    from app.main import create_app
    from app.settings import Settings, make_backend
    from graph.store import Store

    key = "prof_" + secrets.token_urlsafe(24)
    settings = Settings(data_dir=data_dir, api_keys=f"admin:{key}")
    try:
        store = Store(make_backend(settings), graph_cache_elements=0 if cold else 300_000)
    except TypeError:  # a store that keeps no maps
        store = Store(make_backend(settings))
    if settings.auto_migrate and store.backend.migrates_on_start:
        store.backend.migrate()  # as `guanxi serve` does on start
    app = create_app(settings, store=store)

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("abandon_on_cancel", None)
        kwargs.pop("cancellable", None)
        kwargs.pop("limiter", None)
        return func(*args)

    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]

    async def go() -> tuple[int, float, Profiler]:
        import time

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     headers={"Authorization": f"Bearer {key}"}, timeout=None) as client:
            await client.get(path)  # warm-up: imports, caches
            profiler = Profiler(interval=interval, async_mode="disabled")
            started = time.perf_counter()
            profiler.start()
            status = 0
            for _ in range(repeat):
                status = (await client.get(path)).status_code
            profiler.stop()
            return status, (time.perf_counter() - started) / repeat, profiler

    try:
        status, seconds, profiler = asyncio.run(go())
    finally:
        anyio.to_thread.run_sync = original
        store.backend.close()
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    return {"path": path, "status": status, "seconds": seconds, "repeat": repeat, "text": text}


def top_frames(text: str, lines: int = 45) -> str:
    """The head of pyinstrument's tree: the frames that carry the time."""
    body = text.splitlines()
    start = next((i for i, line in enumerate(body) if line.startswith("Profile at")), 0)
    return "\n".join(body[start:start + lines]).rstrip()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True, type=Path)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--lines", type=int, default=60)
    p.add_argument("--warm", action="store_true", help="let the service keep maps and answers between requests")
    p.add_argument("path")
    args = p.parse_args(argv)
    result = profile_request(args.data_dir, args.path, repeat=args.repeat, cold=not args.warm)
    print(f"GET {args.path} → {result['status']}, {result['seconds'] * 1000:.1f} ms per request "
          f"(profiled, {args.repeat}×, {'warm' if args.warm else 'cold'})", file=sys.stderr)
    print(top_frames(result["text"], args.lines))


if __name__ == "__main__":
    main()
