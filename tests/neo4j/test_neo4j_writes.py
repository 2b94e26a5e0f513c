"""What the Neo4j adapter's write statements leave in the graph: timestamps sent as ISO text and stored as
``datetime`` values (nodes, relationships, audit entries), text that is no timestamp kept as it is, and
BELONGS_TO following a node's account through creation, update and move. Runs on a real Neo4j server."""

from __future__ import annotations

from typing import Any

import neo4j
from fastapi.testclient import TestClient
from neo4j.time import DateTime

from tests.conftest import ADMIN, auth
from tests.neo4j.conftest import NEO4J_ONLY, run


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def owners(driver: neo4j.Driver) -> dict[str, list[str]]:
    rows = run(driver, "MATCH (n:Entity) OPTIONAL MATCH (n)-[:BELONGS_TO]->(a:Account) "
                       "RETURN n.id AS id, collect(a.id) AS accounts ORDER BY id")
    return {row["id"]: sorted(row["accounts"]) for row in rows}


@NEO4J_ONLY
def test_imported_and_updated_records_carry_datetimes_and_belong_to_their_account(
        client: TestClient, cypher: neo4j.Driver) -> None:
    bundle = {"accounts": [{"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"}],
              "contacts": [{"id": "c1", "account_id": "acme", "name": "王总"},
                           {"id": "c2", "account_id": "acme", "name": "李经理"}],
              "relationships": [{"type": "REPORTS_TO", "source": "c2", "target": "c1"}]}
    _ok(client.post("/v1/import", json=bundle, headers=auth(ADMIN)))
    assert owners(cypher) == {"acme": [], "beta": [], "c1": ["acme"], "c2": ["acme"]}
    # an update goes through the general write statement: the link stays; a move follows the account
    _ok(client.patch("/v1/contacts/c1", json={"title": "总经理"}, headers=auth(ADMIN)))
    _ok(client.patch("/v1/contacts/c2", json={"account_id": "beta"}, headers=auth(ADMIN)))
    assert owners(cypher) == {"acme": [], "beta": [], "c1": ["acme"], "c2": ["beta"]}

    stamps = run(cypher, "MATCH (n:Entity) RETURN n.created_at AS created, n.updated_at AS updated "
                         "UNION ALL MATCH ()-[r:REPORTS_TO]->() RETURN r.created_at AS created, r.updated_at AS updated")
    assert len(stamps) == 5
    assert all(isinstance(row["created"], DateTime) and isinstance(row["updated"], DateTime) for row in stamps)
    moments = run(cypher, "MATCH (e:AuditEntry) RETURN e.at AS at")
    assert len(moments) >= 7 and all(isinstance(row["at"], DateTime) for row in moments)
    # and they read back as the store's text, as the API shows them
    contact = _ok(client.get("/v1/contacts/c1", headers=auth(ADMIN)))
    assert contact["title"] == "总经理" and contact["version"] == 2
    assert contact["created_at"] < contact["updated_at"] and contact["updated_at"].endswith("Z")
    history = _ok(client.get("/v1/audit?entity_id=c1", headers=auth(ADMIN)))["items"]
    assert [e["action"] for e in history] == ["update", "import"]
    assert history[1]["at"] == history[1]["after"]["created_at"] == contact["created_at"]
    assert history[0]["at"] >= contact["updated_at"] and history[0]["at"].endswith("Z")
