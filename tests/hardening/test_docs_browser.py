"""``/docs`` and ``/redoc`` render in real Chromium with no network (issue 14, item 1): every request to
another origin is refused, and Swagger UI still lists the operations (with its Authorize button for the
bearer key) and ReDoc its reference, with no console error — so no CDN, and no script or style the
pages' Content-Security-Policy refuses. Before, /docs was a blank page offline (Swagger UI from a CDN).

Uses the web app's browser tools (``tools/web/install``: Debian's Chromium and playwright-core); without
them the test fails in CI and is skipped locally, saying what to install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.hardening.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "web"
CHROMIUM = Path(os.environ.get("GUANXI_CHROMIUM", "/usr/bin/chromium"))


def _require_browser() -> None:
    problem = (f"no Chromium at {CHROMIUM}" if not CHROMIUM.exists() else
               "no node on PATH" if shutil.which("node") is None else
               "playwright-core is not installed" if not (TOOLS / "node_modules" / "playwright-core").is_dir()
               else None)
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem}: run tools/web/install")
    pytest.skip(f"{problem}: run tools/web/install")


def test_docs_and_redoc_render_with_no_network(tmp_path: Path) -> None:
    _require_browser()
    server = LiveServer(tmp_path / "data", tmp_path / "server.log").start()
    try:
        config = {"baseUrl": server.url, "tools": str(TOOLS), "chromium": str(CHROMIUM),
                  "screenshots": str(tmp_path / "screenshots")}
        done = subprocess.run(["node", str(Path(__file__).with_name("docs_offline.mjs")), json.dumps(config)],
                              capture_output=True, text=True, timeout=180, check=False)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["outside_requests"] == [], report
    # ReDoc's sidebar credit tries to load its logo from cdn.redoc.ly (it hides itself when that fails):
    # the pages' policy refuses it before any request leaves, which is the one console line expected.
    errors = [e for e in report["console_errors"]
              if not ("https://cdn.redoc.ly/" in e and "Content Security Policy directive: \"img-src" in e)]
    assert errors == [] and report["page_errors"] == [], report
    assert report["swagger_operations"] >= 45 and report["swagger_authorize"], report
    assert report["redoc_operations"] >= 45, report
