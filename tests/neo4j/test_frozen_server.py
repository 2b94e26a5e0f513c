"""A Neo4j that hangs — accepts and holds the connection, answers nothing (a paused VM or process, a
collector that never ends) — is given up within seconds, not Bolt's default two minutes: the service
answers 503 and recovers when the server does. Between the service and the test's Neo4j runs a TCP relay
that the test freezes: bytes stop flowing both ways while every socket stays open, as with a paused
server. The drivers apply the server's hint `connection.recv_timeout_seconds`: the launcher's Neo4j
(tools/neo4j) sends 10 s (keep-alive 5 s × 2 probes), as docker-compose.yml configures its Neo4j."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN, auth
from tests.neo4j.conftest import NEO4J_ONLY


class Relay:
    """Forwards TCP connections from a local port to ``target``; ``frozen`` holds every byte."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.frozen.is_set():
                    time.sleep(0.05)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        for s in self.sockets:
            s.close()


@pytest.fixture
def relay(settings: Settings) -> Iterator[Relay]:
    assert settings.neo4j_uri
    url = urlsplit(settings.neo4j_uri)
    made = Relay((url.hostname or "127.0.0.1", url.port or 7687))
    yield made
    made.close()


def _timed_status(client: TestClient, path: str) -> tuple[int | None, float]:
    """The status of GET ``path`` and how long it took, or None when it had not answered within 60 s."""
    found: list[int] = []
    start = time.monotonic()
    worker = threading.Thread(target=lambda: found.append(client.get(path).status_code), daemon=True)
    worker.start()
    worker.join(60)
    return (found[0] if found else None), time.monotonic() - start


@NEO4J_ONLY
def test_a_frozen_neo4j_answers_503_within_seconds_and_recovers(settings: Settings, relay: Relay,
                                                                tmp_path: Path) -> None:
    relayed = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{relay.port}",
                                          "neo4j_connection_timeout": 3.0, "neo4j_retry_time": 2.0})
    with TestClient(create_app(relayed), headers=auth(ADMIN)) as client:
        assert client.get("/ready").status_code == 200     # pooled connections through the relay
        relay.frozen.set()
        status, took = _timed_status(client, "/ready")
        assert status == 503, (status, took)               # Bolt's default would have held it 120 s
        status, took = _timed_status(client, "/v1/accounts")
        assert status == 503, (status, took)
        relay.frozen.clear()
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.5)
        assert client.get("/v1/accounts").status_code == 200
