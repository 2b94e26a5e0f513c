"""What an operator meets when a setting or the disk is wrong: one line naming what to change, never a
traceback, a 500 or a store created by mistake.

- Neo4j refusing the login (a wrong password; no password; the user locked after too many wrong ones) is 503
  on the service and one line on the CLI, and stops `guanxi serve` before it starts.
- Concurrent `guanxi migrate` runs on a fresh Neo4j all succeed, and leave it migrated.
- NEO4J_URI with a scheme the driver does not speak (http://, none) is refused naming the variable.
- A copy reads its source read-only: a backup on read-only media restores, and is left as it was.
- Commands that only read refuse a data directory with no store, creating nothing; a failed copy leaves no
  new empty store behind.
- `--help` says which store a command opens, and what --host / --port mean.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from neo4j.exceptions import AuthError, Neo4jError
from pydantic import ValidationError

from app.cli import main, parser
from app.main import create_app
from app.settings import Settings
from migrations import migrations
from tests.conftest import NEO4J_DATABASE, NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER, backend_env
from tests.hardening.conftest import ADMIN, KEYS_ENV, assert_one_line_error, auth, cli, guanxi_command
from tests.neo4j.conftest import NEO4J_ONLY

FURNITURE = Path(__file__).parents[1] / "fixtures" / "furniture.json"
SQLITE = {"GUANXI_BACKEND": "sqlite"}
LOCKED = "Neo.ClientError.Security.AuthenticationRateLimit"


# ---- Neo4j: logins refused ----------------------------------------------------------------------------------


def _neo4j_env(password: str | None = None) -> dict[str, str]:
    env = backend_env("neo4j")
    return env if password is None else {**env, "NEO4J_PASSWORD": password}


def _neo4j_settings(password: str) -> Settings:
    assert NEO4J_URI
    return Settings(data_dir=Path("unused"), api_keys=KEYS_ENV, backend="neo4j", neo4j_uri=NEO4J_URI,
                    neo4j_user=NEO4J_USER, neo4j_password=password, neo4j_database=NEO4J_DATABASE,
                    neo4j_connection_timeout=5, neo4j_retry_time=0)


def _login(password: str) -> Neo4jError | None:
    """One login to the test server with ``password``: the error it was refused with, or None."""
    assert NEO4J_URI
    with neo4j.GraphDatabase.driver(NEO4J_URI, auth=(NEO4J_USER, password)) as driver:
        try:
            driver.verify_connectivity()
        except Neo4jError as e:
            return e
    return None


def _lock_the_user() -> None:
    """Wrong passwords until Neo4j locks the user (its dbms.security.auth_max_failed_attempts: 3 by default)."""
    for _ in range(20):
        refused = _login("a-wrong-password")
        if refused is not None and refused.code == LOCKED:
            return
        assert isinstance(refused, AuthError), refused
    raise AssertionError("Neo4j did not lock the user after 20 wrong passwords")


def _wait_out_the_lock(timeout: float = 60.0) -> None:
    """Until the right password logs in again (dbms.security.auth_lock_time: 5 s by default), so that the tests
    after find the test user unlocked (and its count of failed logins reset)."""
    deadline = time.monotonic() + timeout
    while _login(NEO4J_PASSWORD) is not None:
        assert time.monotonic() < deadline, "the test user stayed locked"
        time.sleep(0.5)


@pytest.fixture
def unlocked_after() -> Iterator[None]:
    try:
        yield
    finally:
        _wait_out_the_lock()


@NEO4J_ONLY
def test_a_user_locked_after_wrong_passwords_is_503_and_one_line(backend_name: str, tmp_path: Path,
                                                                  unlocked_after: None) -> None:
    """The finding: a 500 with a traceback, and "unexpected error: ClientError: {neo4j_code:
    Neo.ClientError.Security.AuthenticationRateLimit}" from `guanxi migrate` — with the right password."""
    locked = (f"Neo4j at {NEO4J_URI} refused the login too often and has locked user '{NEO4J_USER}' for a while: "
              "check NEO4J_USER / NEO4J_PASSWORD, then try again in a few seconds")
    with TestClient(create_app(_neo4j_settings(NEO4J_PASSWORD)), headers=auth(ADMIN),
                    raise_server_exceptions=False) as client:
        _lock_the_user()
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["detail"] == locked, ready.text
        _lock_the_user()
        listed = client.get("/v1/accounts")
        assert listed.status_code == 503 and listed.json()["detail"] == locked, listed.text
    _lock_the_user()
    result = cli("migrate", cwd=tmp_path, check=False, env=_neo4j_env())
    assert_one_line_error(result, "guanxi migrate: ", "has locked user", "NEO4J_PASSWORD")


@NEO4J_ONLY
def test_a_refused_login_is_named_and_stops_serve(backend_name: str, tmp_path: Path,
                                                  unlocked_after: None) -> None:
    """The findings: /ready said "Neo4j does not answer at ...: The client is unauthorized ..." (it answered);
    with no password, "Unsupported authentication token, missing key `credentials`"; and `guanxi serve` with
    a wrong password started as if all were well."""
    refused = (f"Neo4j at {NEO4J_URI} refused the login of user '{NEO4J_USER}': check NEO4J_USER and "
               "NEO4J_PASSWORD")
    with TestClient(create_app(_neo4j_settings("a-wrong-password")), headers=auth(ADMIN),
                    raise_server_exceptions=False) as client:
        ready = client.get("/ready")
    assert ready.status_code == 503 and ready.json()["detail"] == refused, ready.text
    _wait_out_the_lock()   # (a correct login resets the count of wrong ones)

    serve = cli("serve", "--port", "1", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, check=False, timeout=30,
                env=_neo4j_env("a-wrong-password"))
    assert assert_one_line_error(serve, "guanxi serve: ") == f"guanxi serve: {refused}"

    unset = cli("migrate", cwd=tmp_path, check=False, env=_neo4j_env(""))
    line = assert_one_line_error(unset, "guanxi migrate: Neo4j at ")
    assert line.endswith(": NEO4J_PASSWORD is not set"), line
    assert "credentials" not in line


# ---- Neo4j: migrate runs at once ----------------------------------------------------------------------------


def _empty_the_database() -> None:
    """The test database as new: no node, no constraint, no index (but Neo4j's own token lookups)."""
    assert NEO4J_URI
    with neo4j.GraphDatabase.driver(NEO4J_URI, auth=(NEO4J_USER, NEO4J_PASSWORD)) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=NEO4J_DATABASE)
        for record in driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=NEO4J_DATABASE)[0]:
            driver.execute_query(f"DROP CONSTRAINT `{record['name']}`", database_=NEO4J_DATABASE)
        for record in driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'",
                                           database_=NEO4J_DATABASE)[0]:
            driver.execute_query(f"DROP INDEX `{record['name']}`", database_=NEO4J_DATABASE)


@NEO4J_ONLY
def test_three_migrate_runs_at_once_on_a_fresh_neo4j_all_succeed(backend_name: str, tmp_path: Path) -> None:
    """The finding: one applied 9 migrations, the other two failed "unexpected error: ClientError: ...
    EquivalentSchemaRuleAlreadyExists ... 'entity_owner'"."""
    for _ in range(2):
        _empty_the_database()
        env = {**os.environ, "GUANXI_API_KEYS": "", **_neo4j_env()}
        runs = [subprocess.Popen([*guanxi_command(), "migrate"], cwd=tmp_path, env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
        with ThreadPoolExecutor(3) as pool:
            outputs = list(pool.map(lambda run: run.communicate(timeout=300), runs))
        assert [run.returncode for run in runs] == [0, 0, 0], outputs
        assert all(out.startswith("applied ") for out, _ in outputs), outputs
        # Every migration applied by one run or another (each recorded once: the Migration nodes are unique).
        applied = " ".join(out for out, _ in outputs)
        assert all(m.name in applied for m in migrations("neo4j")), outputs
    # left migrated for the tests after
    again = cli("migrate", cwd=tmp_path, env=_neo4j_env())
    assert again.stdout.strip() == "applied 0 migration(s): none pending"


# ---- NEO4J_URI's scheme ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("uri", "words"), [
    ("http://127.0.0.1:7692", ("NEO4J_URI", "Bolt port", "bolt://127.0.0.1:7687")),
    ("https://db.example.com:7473", ("NEO4J_URI", "bolt://db.example.com:7687")),
    ("127.0.0.1:7692", ("NEO4J_URI", "bolt://", "neo4j+s://", "bolt://127.0.0.1:7692")),
    ("ftp://127.0.0.1:7692", ("NEO4J_URI", "bolt+ssc://")),
])
def test_a_neo4j_uri_that_is_not_bolt_is_one_line_naming_it(tmp_path: Path, uri: str, words: tuple[str, ...]) -> None:
    """The findings: http:// gave a driver PreviewWarning then "unexpected error: ModuleNotFoundError: No module
    named 'aiohttp'"; no scheme, "ConfigurationError: URI scheme '' is not supported"."""
    result = cli("migrate", cwd=tmp_path, check=False, env={"NEO4J_URI": uri, "NEO4J_PASSWORD": "x"})
    line = assert_one_line_error(result, "guanxi migrate: ", *words)
    assert "unexpected" not in line and "Warning" not in result.stderr
    with pytest.raises(ValidationError):
        Settings(neo4j_uri=uri)
    for good in ("bolt://h:7687", "bolt+s://h:7687", "bolt+ssc://h", "neo4j://h:7687", "neo4j+s://h", "neo4j+ssc://h"):
        assert Settings(neo4j_uri=good).neo4j_uri == good


# ---- a backup on read-only media ---------------------------------------------------------------------------


def _files(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in sorted(directory.iterdir())}


@contextlib.contextmanager
def _read_only(directory: Path) -> Iterator[None]:
    """``directory`` read-only: a read-only bind mount as root (whom file modes do not stop), else modes."""
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "--bind", str(directory), str(directory)], capture_output=True, text=True,
                                 check=False)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount (needed as root to make a read-only directory): {mounted.stderr.strip()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(directory)], check=True, capture_output=True)
            yield
        finally:
            subprocess.run(["umount", str(directory)], check=False, capture_output=True)
    else:
        for path in directory.iterdir():
            path.chmod(0o400)
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)


def test_a_backup_on_read_only_media_restores_and_is_left_as_it_was(tmp_path: Path) -> None:
    """The finding: "cannot open the database at ro/guanxi.sqlite3: [Errno 30] Read-only file system"."""
    cli("import", str(FURNITURE), "--data-dir", "live", cwd=tmp_path)
    cli("copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", "live", "--to-data-dir", "backup", cwd=tmp_path)
    before = _files(tmp_path / "backup")
    assert list(before) == ["guanxi.sqlite3"]
    with _read_only(tmp_path / "backup"):
        restored = cli("copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", "backup", "--to-data-dir",
                       "restored", cwd=tmp_path, check=False)
        assert restored.returncode == 0, restored.stderr
        assert "read back the same" in restored.stderr
        assert _files(tmp_path / "backup") == before
        served = cli("serve", "--port", "1", "--data-dir", "backup", cwd=tmp_path, check=False, timeout=30)
        assert_one_line_error(served, "guanxi serve: ", "is read-only")
    exported = [cli("export", "gzf", "--data-dir", name, cwd=tmp_path).stdout for name in ("live", "restored")]
    assert exported[0] == exported[1] and '"gzf-gm"' in exported[0]


def test_a_copy_leaves_its_source_as_it_was(tmp_path: Path) -> None:
    """Opened read-only: its file modes are not tightened, nothing is migrated or written into it (SQLite may
    leave the empty write-ahead log and shared-memory files a reader of a WAL database needs)."""
    cli("import", str(FURNITURE), "--data-dir", "source", cwd=tmp_path)
    source = tmp_path / "source"
    source.chmod(0o755)
    (source / "guanxi.sqlite3").chmod(0o644)
    before = _files(source)
    cli("copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", "source", "--to-data-dir", "into", cwd=tmp_path)
    assert _files(source)["guanxi.sqlite3"] == before["guanxi.sqlite3"]
    assert stat.S_IMODE(source.stat().st_mode) == 0o755
    assert not (source / "guanxi.sqlite3-wal").exists() or not (source / "guanxi.sqlite3-wal").read_bytes()


# ---- a data directory with no store -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["export", "gzf"], ["review", "list", "gzf"], ["changes", "gzf"],
                                     ["keys", "list"], ["keys", "revoke", "k1"]])
def test_a_command_that_reads_refuses_a_directory_with_no_store(tmp_path: Path, command: list[str]) -> None:
    """The findings: `guanxi --data-dir ./typo2 export gzf` said "account 'gzf' does not exist" and made typo2/;
    `guanxi review list gzf` without GUANXI_DATA_DIR made ./guanxi-data/guanxi.sqlite3."""
    typo = cli("--data-dir", "typo2", *command, cwd=tmp_path, check=False)
    assert_one_line_error(typo, f"guanxi {command[0]}: no store at typo2 (set GUANXI_DATA_DIR or --data-dir)")
    unset = cli(*command, cwd=tmp_path, check=False)
    assert_one_line_error(unset, "no store at guanxi-data")
    assert list(tmp_path.iterdir()) == []
    # serve and migrate still make a new store: that is how one starts
    cli("migrate", "--data-dir", "new", cwd=tmp_path)
    assert (tmp_path / "new" / "guanxi.sqlite3").is_file()


def test_a_failed_copy_creates_nothing(tmp_path: Path) -> None:
    """The findings: a copy from a mistyped directory said "holds nothing" but left typo-dir/guanxi.sqlite3 and
    the target directory behind; one from an unreachable Neo4j left an empty x2/guanxi.sqlite3."""
    typo = cli("copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", "typo-dir", "--to-data-dir", "into",
               cwd=tmp_path, check=False)
    assert_one_line_error(typo, "guanxi copy: no store at typo-dir", "holds nothing")
    down = cli("copy", "--from", "neo4j", "--to", "sqlite", "--data-dir", "x2", cwd=tmp_path, check=False, timeout=60,
               env={"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x", "NEO4J_CONNECTION_TIMEOUT": "2",
                    "NEO4J_RETRY_TIME": "0"})
    assert_one_line_error(down, "guanxi copy: ", "127.0.0.1:1")
    assert list(tmp_path.iterdir()) == []
    # a store that holds nothing, copied into new directories: refused, and they are gone again
    cli("migrate", "--data-dir", "empty", cwd=tmp_path)
    nothing = cli("copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", "empty", "--to-data-dir", "a/b/c",
                  cwd=tmp_path, check=False)
    assert_one_line_error(nothing, "holds nothing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
    shutil.rmtree(tmp_path / "empty")


# ---- --help ------------------------------------------------------------------------------------------------


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit):
        parser().parse_args([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_says_which_store_and_what_host_and_port_are(capsys: pytest.CaptureFixture[str]) -> None:
    """The findings: `guanxi migrate --help` named only --data-dir; `guanxi serve --help` gave --host and --port
    with no description or default."""
    migrate = _help(capsys, "migrate")
    assert "NEO4J_URI" in migrate and "GUANXI_BACKEND" in migrate and "Neo4j" in migrate
    serve = _help(capsys, "serve")
    assert "address to listen on (default: 127.0.0.1" in serve and "port to listen on (default: 8000)" in serve
    assert "NEO4J_URI" in serve


def test_main_refuses_a_missing_store_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the CLI in its own process: SystemExit with the one line, nothing made."""
    monkeypatch.setenv("GUANXI_BACKEND", "sqlite")
    with pytest.raises(SystemExit) as refused:
        main(["keys", "list", "--data-dir", str(tmp_path / "nowhere")])
    assert str(refused.value) == f"guanxi keys: no store at {tmp_path / 'nowhere'} (set GUANXI_DATA_DIR or --data-dir)"
    assert not (tmp_path / "nowhere").exists()
