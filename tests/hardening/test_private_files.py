"""The embedded store's files are private (issue 14, item 6): the data directory 0700, the database and
its WAL 0600, whatever the umask allows more, and never more than a stricter umask allows. Before, the
directory was created 0755 and the database 0644: anyone on the host could read the maps."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.models import Bundle
from graph.sqlite.store import DB_FILE, SqliteBackend
from graph.store import Store
from tests.hardening.conftest import bundle


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    mask: int = request.param
    old = os.umask(mask)
    try:
        yield mask
    finally:
        os.umask(old)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000, 0o077, 0o027], indirect=True,
                         ids=["022", "002", "000", "077", "027"])
def test_a_new_store_is_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    data_dir = tmp_path / "nested" / "data"
    backend = SqliteBackend(data_dir)
    try:
        store = Store(backend)
        backend.migrate()
        store.import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")
        files = {p.name: _mode(p) for p in data_dir.iterdir()}
        assert _mode(data_dir) == 0o700 & ~umask == 0o700
        assert f"{DB_FILE}-wal" in files  # the log is there while the store is open
        for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"):
            assert files[name] == 0o600, (name, oct(files[name]))
    finally:
        backend.close()


def test_a_stricter_umask_is_respected(tmp_path: Path) -> None:
    old = os.umask(0o277)  # owner read-only: stricter than 0600 for the file, 0700 for the directory
    try:
        data_dir = tmp_path / "data"
        SqliteBackend(data_dir)._create_private()
        assert _mode(data_dir) == 0o500
        assert _mode(data_dir / DB_FILE) == 0o400
    finally:
        os.umask(old)
        for path in (tmp_path / "data" / DB_FILE, tmp_path / "data"):
            path.chmod(0o700)


def test_an_older_open_store_is_made_private(tmp_path: Path) -> None:
    """A store created by an earlier version (0755, 0644) is tightened when it is opened."""
    data_dir = tmp_path / "data"
    first = SqliteBackend(data_dir)
    first.migrate()
    first.close()
    data_dir.chmod(0o755)
    (data_dir / DB_FILE).chmod(0o644)
    again = SqliteBackend(data_dir)
    try:
        again.check_ready()
        assert _mode(data_dir) == 0o700 and _mode(data_dir / DB_FILE) == 0o600
    finally:
        again.close()
