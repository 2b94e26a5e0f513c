"""The static checks pass on the whole repository: ``ruff check .`` and ``mypy --strict`` over every package
and the tests (both run with this interpreter, from the repository root)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MYPY_TARGETS = ["app", "graph", "scoring", "rendering", "migrations", "benchmarks", "tests"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", check=False)


@pytest.mark.slow
def test_ruff_check_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, f"ruff check . failed:\n{result.stdout}{result.stderr}"


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    result = _run("mypy", "--strict", "--explicit-package-bases", *MYPY_TARGETS)
    head = "\n".join((result.stdout + result.stderr).splitlines()[:60])
    assert result.returncode == 0, f"mypy --strict failed (first 60 lines):\n{head}"
