"""The command line (session 35): `serve --demo` leaves an existing demo account alone, a CSV's problems
all at once, bad settings and an unreachable or unmigrated store in one complete line, `changes` in the
language asked with its summary, `export --deck` only for a deck, and a closed pipe ending quietly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, backend_env
from tests.hardening import conftest
from tests.hardening.conftest import MULTI_CSV, assert_one_line_error, auth, free_port, guanxi_command


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command's result, whatever its exit status (these tests look at the failures)."""
    return conftest.cli(*args, cwd=cwd, env=env, timeout=timeout, check=False)

# ---- 1. serve --demo leaves an existing demo account alone --------------------------------------------------


@contextlib.contextmanager
def demo_server(data_dir: Path, cwd: Path, env: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """`guanxi serve --demo` running: its URL, the admin key it printed, and what it printed first."""
    port = free_port()
    proc = subprocess.Popen([*guanxi_command(), "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                            env={**os.environ, "GUANXI_API_KEYS": "", **env}, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        deadline, printed = time.monotonic() + 90, ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "the demo server stopped:\n" + printed
            printed += line
            found = re.search(r"Bearer (\S+?)'", line)
            if found:
                break
        else:
            raise AssertionError("no demo key printed:\n" + printed)
        key = found.group(1)
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/v1/me", headers=auth(key), timeout=2).status_code == 200:
                    yield url, key, printed
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the demo server did not come up")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_serve_demo_keeps_the_edits_made_to_the_demo(tmp_path: Path, backend_name: str) -> None:
    """The finding: every `serve --demo` start imported the demo again, over the user's edits (the notes
    written were gone, and the audit trail had another "import" by demo)."""
    data_dir, env = tmp_path / "D", backend_env(backend_name)
    with demo_server(data_dir, tmp_path, env) as (url, key, printed):
        assert "Demo account 'gzf' loaded" in printed
        with httpx.Client(base_url=url, headers=auth(key), timeout=30) as client:
            assert client.patch("/v1/contacts/gzf-qa", json={"notes": "my note"}).status_code == 200
            imports = [e for e in client.get("/v1/audit", params={"limit": 500}).json()["items"]
                       if e["action"] == "import"]
    with demo_server(data_dir, tmp_path, env) as (url, key, printed):
        assert "already in the store, left as it is" in printed
        with httpx.Client(base_url=url, headers=auth(key), timeout=30) as client:
            assert client.get("/v1/contacts/gzf-qa").json()["notes"] == "my note"
            again = [e for e in client.get("/v1/audit", params={"limit": 500}).json()["items"]
                     if e["action"] == "import"]
            assert again == imports


# ---- 2. a CSV's problems all at once --------------------------------------------------------------------------


def test_import_names_every_bad_row_of_a_csv(tmp_path: Path) -> None:
    """The finding: a dry run reported row 2 only; fixed, row 3 only; then row 4."""
    data = ["--data-dir", str(tmp_path / "D")]
    assert cli("import", str(FIXTURES / "furniture.json"), *data, cwd=tmp_path).returncode == 0
    (tmp_path / "multi.csv").write_text(MULTI_CSV, encoding="utf-8")
    result = cli("import", "multi.csv", "--kind", "contacts", "--dry-run", *data, cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "guanxi import: 4 problem(s):", result.stderr
    assert [line.split(",")[0].strip() for line in lines[1:]] == ["row 2", "row 3", "row 4", "row 6"], lines
    assert "row 3, column 'Name'" in result.stderr and "no account with id 'nope'" in result.stderr


# ---- 6, 10. bad settings: one line naming the variable -------------------------------------------------------


def test_a_secret_given_twice_in_api_keys_is_refused(tmp_path: Path) -> None:
    """The finding: GUANXI_API_KEYS="admin:S,viewer:S" started, and S was a viewer."""
    secret = "the-same-secret-twice-0001"
    result = cli("keys", "list", "--data-dir", str(tmp_path / "D"), cwd=tmp_path,
                 env={"GUANXI_BACKEND": "sqlite", "GUANXI_API_KEYS": f"admin:{secret},viewer:{secret}"})
    line = assert_one_line_error(result, "guanxi keys", "GUANXI_API_KEYS", "twice")
    assert secret not in line


def test_a_body_limit_below_its_minimum_names_the_variable_and_the_minimum(tmp_path: Path) -> None:
    result = cli("serve", "--data-dir", str(tmp_path / "D"), cwd=tmp_path,
                 env={"GUANXI_BACKEND": "sqlite", "GUANXI_MAX_BODY_BYTES": "100"})
    assert_one_line_error(result, "guanxi serve", "GUANXI_MAX_BODY_BYTES", "at least 1024", "100")


@pytest.mark.parametrize("variable", ["GUANXI_NEO4J_CONNECTION_TIMEOUT", "NEO4J_CONNECTION_TIMEOUT"])
def test_a_bad_setting_names_the_variable_the_user_set(tmp_path: Path, variable: str) -> None:
    """A setting read from either of two variables is named as the user spelled it."""
    result = cli("keys", "list", "--data-dir", str(tmp_path / "D"), cwd=tmp_path,
                 env={"GUANXI_BACKEND": "sqlite", variable: "0"})
    line = assert_one_line_error(result, "guanxi keys", f"{variable} must be greater than 0")
    assert f" {variable} " in f" {line.split(': ', 1)[1]}"


# ---- 7. an unreachable Neo4j: one complete line ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["migrate"], ["keys", "list"]])
def test_an_unreachable_neo4j_is_one_complete_line(tmp_path: Path, command: list[str]) -> None:
    """The finding: four lines of the driver's "Transaction failed and will be retried", and a last line cut
    after "Couldn't connect to 127.0.0.1:7698 (resolved to ('127.0.0.1:7698',)):"."""
    result = cli(*command, cwd=tmp_path, env={"GUANXI_BACKEND": "neo4j", "NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",
                                              "NEO4J_PASSWORD": "x"})
    line = assert_one_line_error(result, f"guanxi {command[0]}", "Neo4j cannot be reached", "127.0.0.1")
    assert not line.endswith(":") and "refused" in line.lower(), line
    assert "retried" not in result.stderr


# ---- 8. a store not migrated ---------------------------------------------------------------------------------


def test_a_store_not_migrated_says_to_run_migrate(tmp_path: Path) -> None:
    """The finding: "unexpected error: OperationalError: no such table: api_keys"."""
    env = {"GUANXI_BACKEND": "sqlite", "GUANXI_AUTO_MIGRATE": "false"}
    data = ["--data-dir", str(tmp_path / "x")]
    result = cli("keys", "create", "--role", "admin", *data, cwd=tmp_path, env=env)
    assert_one_line_error(result, "guanxi keys", "not migrated", "guanxi migrate")
    assert cli("migrate", *data, cwd=tmp_path).returncode == 0
    created = cli("keys", "create", "--role", "admin", *data, cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr


# ---- 9, 10. changes: the summary in the language asked; a closed pipe ---------------------------------------


@pytest.fixture
def reviewed(tmp_path: Path) -> list[str]:
    """A store with the furniture maker, a review, and then a change: a contact leaving."""
    from app.settings import Settings, make_backend
    from graph.models import NodeKind
    from graph.store import Store

    data = ["--data-dir", str(tmp_path / "D")]
    assert cli("import", str(FIXTURES / "furniture.json"), *data, cwd=tmp_path).returncode == 0
    assert cli("review", "create", "gzf", "--title", "Q4 复盘", "--opportunity", "gzf-upgrade", *data,
               cwd=tmp_path).returncode == 0
    time.sleep(0.01)
    store = Store(make_backend(Settings(data_dir=tmp_path / "D", backend="sqlite")))
    try:
        store.update_node(NodeKind.contact, "gzf-qa", {"status": "left", "left_at": "2026-12-01"}, actor="test")
    finally:
        store.backend.close()
    return data


def test_changes_in_chinese_has_a_chinese_summary_with_its_main_items(tmp_path: Path, reviewed: list[str]) -> None:
    """The finding: with --lang zh-CN the summary line stayed English ("support for us: ..."), and only
    support for us was shown: competitors, gaps and the ranking only with --json."""
    result = cli("changes", "gzf", "--lang", "zh-CN", *reviewed, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "support for" not in out and "summary" not in out, out
    assert "我方支持度：" in out and "汇总（gzf-upgrade）：" in out and "离开 1" in out, out
    competitor = "的支持度：" in out
    assert competitor, out
    assert "争取对象排名变化：" in out, out
    english = cli("changes", "gzf", *reviewed, cwd=tmp_path).stdout
    assert "support for us:" in english and "1 left" in english and "who to win next:" in english, english


def test_changes_into_a_closed_pipe_ends_quietly(tmp_path: Path, reviewed: list[str]) -> None:
    """The finding: `guanxi changes ... | head` printed "guanxi changes: Broken pipe"."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before anything is written: every write fails
    try:
        result = subprocess.run([*guanxi_command(), "changes", "gzf", "--json", *reviewed], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, timeout=120, cwd=tmp_path, check=False,
                                env={**os.environ, "GUANXI_API_KEYS": "", "GUANXI_BACKEND": "sqlite"})
    finally:
        os.close(write_end)
    assert result.returncode != 0
    assert result.stderr == "", result.stderr


# ---- 10. export --deck only for a deck --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "svg", "bundle"])
def test_export_deck_with_a_map_format_is_refused(tmp_path: Path, fmt: str) -> None:
    """The finding: `--format png --deck` wrote the map, --deck ignored without a word."""
    data = ["--data-dir", str(tmp_path / "D")]
    assert cli("import", str(FIXTURES / "furniture.json"), *data, cwd=tmp_path).returncode == 0
    result = cli("export", "gzf", "--format", fmt, "--deck", "-o", str(tmp_path / "out"), *data, cwd=tmp_path)
    assert_one_line_error(result, "guanxi export", "--deck", "--format pdf")
    assert not (tmp_path / "out").exists()
