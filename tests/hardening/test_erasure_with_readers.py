"""Erasure on the embedded store with a reader holding an old snapshot open: the erasure answers and
other writes go on while the reader stays open (they used to wait half a minute for it), and once the
reader is done the write-ahead log holds no copy of the erased data."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.hardening.conftest import ADMIN, KEYS_ENV, auth, loaded

SECRET = "只在深夜回微信-秘密"


def _in_files(data_dir: Path) -> bool:
    return any(SECRET.encode() in f.read_bytes() for f in data_dir.iterdir() if f.is_file())


def test_erasure_with_a_reader_open_blocks_nothing_and_leaves_no_copy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(Settings(data_dir=data_dir, api_keys=KEYS_ENV, backend="sqlite")),
                    headers=auth(ADMIN)) as client:
        loaded(client, "furniture")
        assert client.patch("/v1/contacts/gzf-cfo", json={"notes": SECRET}).status_code == 200
        reader = sqlite3.connect(data_dir / "guanxi.sqlite3", isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM nodes").fetchone()[0] > 0  # holds its snapshot
        done: dict[str, int] = {}

        def erase_then_write() -> None:
            done["erase"] = client.post("/v1/contacts/gzf-cfo/erase").status_code
            done["write"] = client.patch("/v1/contacts/gzf-qa", json={"title": "品质经理"}).status_code

        worker = threading.Thread(target=erase_then_write)
        worker.start()
        worker.join(timeout=20)
        still_reading = reader.in_transaction
        assert done == {"erase": 200, "write": 200} and still_reading, done  # nobody waited for the reader
        reader.execute("COMMIT")
        reader.close()
        deadline = time.monotonic() + 20
        while _in_files(data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _in_files(data_dir)
        with contextlib.suppress(FileNotFoundError):
            assert (data_dir / "guanxi.sqlite3-wal").stat().st_size == 0
        assert client.get("/v1/contacts/gzf-cfo").json()["name"] == "[erased]"
