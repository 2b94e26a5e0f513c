"""A write larger than the database grants one transaction (Neo4j's transaction memory) is answered 413
naming the cause, not 503 "retry later": the same write would fail again. (graph/neo4j's error translation
turns Neo4j's memory errors into ``WriteTooLarge``: tests/neo4j/test_neo4j_unit.py.)"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from graph.errors import WriteTooLarge
from graph.store import Store

TOO_LARGE = ("the write needs more memory than the database grants a transaction "
             "(dbms.memory.transaction.total.max threshold reached)")


def test_a_write_too_large_for_the_database_is_413_naming_the_setting(client: TestClient,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: Store, *args: object, **kwargs: object) -> None:
        raise WriteTooLarge(TOO_LARGE)

    monkeypatch.setattr(Store, "import_bundle", refused)
    answer = client.post("/v1/import", json={"accounts": [{"id": "acme", "name": "ACME"}]})
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "dbms.memory.transaction.total.max" in answer.json()["detail"]
    assert "Retry-After" not in answer.headers
