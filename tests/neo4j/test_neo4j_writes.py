"""What the Neo4j adapter's write statements leave in the graph: timestamps sent as ISO text and stored as
``datetime`` values (nodes, relationships, audit entries), text that is no timestamp kept as it is, and
BELONGS_TO following a node's account through creation, update and move. Runs on a real Neo4j server;
the test of records read back as written also on SQLite."""

from __future__ import annotations

from typing import Any

import neo4j
from fastapi.testclient import TestClient
from neo4j.time import DateTime

from graph.backend import Backend, Tx
from graph.records import EdgeRecord, MapEdge, MapNode, NodeRecord
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


def test_records_read_back_with_the_timestamps_written(backend: Backend) -> None:
    """Statements hand timestamps back as text (a datetime as Cypher's ISO text, text that was no timestamp
    marked as such): every read gives back the record as written, on both backends. Cypher writes a
    whole second without its fraction ('...T08:00:00Z'): it still reads back as the store's text."""
    whole = "2024-05-01T08:00:00.000000Z"
    exact = "2024-05-02T09:30:15.250000Z"
    odd = "2024-05-01T08:00:00+08:00"         # text, not the store's form of a timestamp: kept as it is
    account = NodeRecord("account", "acme", {"name": "ACME"}, whole, exact, 1)
    boss = NodeRecord("contact", "c1", {"account_id": "acme", "name": "王总"}, odd, whole, 2)
    report = NodeRecord("contact", "c2", {"account_id": "acme", "name": "李经理"}, exact, exact, 1)
    line = EdgeRecord("REPORTS_TO", "c2-c1", "c2", "c1", {}, "acme", odd, exact, 3)
    influence = EdgeRecord("INFLUENCES", "c1-c2", "c1", "c2", {"strength": 0.5}, "acme", whole, whole, 1)

    def write(tx: Tx) -> None:
        tx.get_nodes(["acme", "c1", "c2"])
        tx.get_edges(["c2-c1", "c1-c2"])
        tx.put_nodes([account, boss, report])
        tx.put_edges([line, influence])

    backend.write(write)
    nodes = {n.id: n for n in (account, boss, report)}
    edges = {e.id: e for e in (line, influence)}
    for reader in (backend.read, backend.write):
        assert reader(lambda tx: tx.get_nodes(list(nodes))) == nodes
        assert reader(lambda tx: tx.get_edges(list(edges))) == edges
        assert sorted(reader(lambda tx: tx.edges_touching(["c1"])), key=lambda e: e.id) == [influence, line]
        assert sorted(reader(lambda tx: tx.nodes_of_accounts(["acme"])), key=lambda n: n.id) == [boss, report]
    assert backend.read(lambda tx: tx.list_nodes("contact", account_id="acme", after=None, limit=10)) == [
        boss, report]
    assert backend.read(lambda tx: tx.list_edges(types=["REPORTS_TO", "INFLUENCES"], account_id="acme",
                                                 target=None, after=None, limit=10)) == [influence, line]
    # A map shows the records without their timestamps (graph.records.MapNode, MapEdge).
    subgraph = backend.read(lambda tx: tx.account_subgraph("acme"))
    assert subgraph is not None
    assert (subgraph.account, subgraph.nodes, subgraph.edges) == (
        MapNode.of(account), [MapNode.of(boss), MapNode.of(report)], [MapEdge.of(influence), MapEdge.of(line)])
