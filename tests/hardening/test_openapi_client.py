"""A front end can build on the contract (issue 14, item 1): TypeScript types generated from
``/openapi.json`` by openapi-typescript, and a small client type-checked against them with tsc
(``tools/openapi-client/check``). In CI (``CI`` set) the npm packages must be installed
(``tools/openapi-client/install``); on a developer's machine without them the test says what to run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "openapi-client"


def test_a_typescript_client_generated_from_the_contract_type_checks() -> None:
    if not (TOOL / "node_modules" / ".bin" / "openapi-typescript").exists():
        message = "tools/openapi-client/node_modules is missing: run tools/openapi-client/install (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run([str(TOOL / "check"), sys.executable], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "client.ts type-checks" in result.stdout
