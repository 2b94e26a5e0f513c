"""Neo4j holds a property graph an analyst can query: typed properties on nodes and relationships, the
analyst queries of docs/neo4j.md with their answers on the worked furniture account, and the data
migration from the first layout (one JSON string per record). Runs on a real Neo4j server."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from neo4j.time import Date, DateTime

from app.settings import Settings
from graph.backends import make_backend
from graph.records import AuditEntry, now_iso
from tests.conftest import neo4j_config
from tests.neo4j.conftest import NEO4J_ONLY, run

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "neo4j.md"
TODAY = "2026-12-02"






def doc_queries() -> dict[str, str]:
    """name → query of every ```cypher block in docs/neo4j.md (its first line names it)."""
    blocks = re.findall(r"```cypher\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    named = {}
    for block in blocks:
        first, _, body = block.partition("\n")
        match = re.fullmatch(r"// name: (\w+)", first.strip())
        assert match, first
        named[str(match.group(1))] = body
    return named


@NEO4J_ONLY
def test_contacts_and_lines_are_typed_properties(furniture: TestClient, cypher: neo4j.Driver) -> None:
    gm = run(cypher, "MATCH (c:Contact {id: 'gzf-gm'}) RETURN c.name AS name, c.level AS level, "
                     "c.knows_us AS knows_us, c.closeness_relationship AS closeness, c.created_at AS created, "
                     "c.data AS blob")[0]
    assert gm == {"name": "陈志强", "level": "executive", "knows_us": True, "closeness": 0.3,
                  "created": gm["created"], "blob": None}
    assert isinstance(gm["created"], DateTime) and gm["created"].tzinfo is not None
    line = run(cypher, "MATCH (:Contact {id: 'gzf-design'})-[r:INFLUENCES]->(:Contact {id: 'gzf-gm'}) "
                       "RETURN r.strength AS strength, r.note AS note")[0]
    assert isinstance(line["strength"], float) and line == {"strength": 0.7, "note": "总经理转型中高端靠设计"}
    member = run(cypher, "MATCH (:Contact {id: 'gzf-proc'})-[m:MEMBER_OF]->(:Opportunity {id: 'gzf-upgrade'}) "
                         "RETURN m.stance AS stance, m.role AS role, m.influence AS influence")[0]
    assert member == {"stance": "opponent", "role": "procurement", "influence": 3}
    cover = run(cypher, "MATCH (:TeamMember {id: 'us-rep'})-[r:COVERS]->(:Contact {id: 'gzf-gm'}) "
                        "RETURN r.last_contact_at AS last, r.closeness AS closeness")[0]
    assert cover["last"] == Date(2026, 6, 2) and cover["closeness"] == 0.2
    deal = run(cypher, "MATCH (o:Opportunity {id: 'gzf-upgrade'}) RETURN o.close_date AS close, "
                       "o.amount AS amount, o.criteria_technical AS technical, o.competitor_ids AS competitors")[0]
    assert deal == {"close": Date(2027, 6, 30), "amount": 6_000_000.0, "technical": 0.5,
                    "competitors": ["incumbent"]}
    nothing_opaque = run(cypher, "MATCH (n) WHERE n.data IS NOT NULL RETURN count(n) AS n")[0]["n"]
    assert nothing_opaque == 0


@NEO4J_ONLY
def test_every_analyst_query_in_the_docs_answers_as_documented(furniture: TestClient,
                                                              cypher: neo4j.Driver) -> None:
    named = doc_queries()
    assert len(named) >= 8
    params = {"opportunity_id": "gzf-upgrade", "today": TODAY, "account_id": "gzf", "since": "2000-01-01"}
    answers = {name: run(cypher, query, **{k: v for k, v in params.items() if f"${k}" in query})
               for name, query in named.items()}
    assert [(r["person"], r["beneficiary"], r["threat"]) for r in answers["opponents_with_kickbacks"]] == \
        [("刘建国", "现有低端板材供应商", 0.9)]
    path = answers["strongest_path_to_economic_buyer"]
    assert [(r["ours"], r["buyer"], r["path"]) for r in path] == [("张敏", "何丽", ["张敏", "郑浩", "陈志强", "何丽"])]
    assert path[0]["strength"] == pytest.approx(0.5 * 0.6 * 0.7)
    assert [r["person"] for r in answers["leaders_unaware"]] == ["何丽"]
    assert [(r["person"], r["days_since"]) for r in answers["stale_coverage"]] == [("陈志强", 183), ("赵明", 123)]
    assert isinstance(answers["stale_coverage"][0]["last_contact"], Date)
    chain = answers["decision_chain"]
    assert len(chain) == 7 and (chain[0]["person"], chain[0]["role"], chain[0]["influence"]) == \
        ("陈志强", "decision_maker", 5)
    assert {r["person"] for r in answers["uncovered_members"]} == {"何丽", "黄伟", "林晓"}
    assert [(r["person"], r["strength"]) for r in answers["competitor_friends"]] == [("刘建国", 0.8), ("黄伟", 0.3)]
    assert [(r["who"], r["sways"]) for r in answers["influence_beyond_org_chart"]] == [("林晓", "陈志强")]
    assert [(r["person"], r["relationship"]) for r in answers["close_relationships"]] == \
        [("孙倩", 0.8), ("刘建国", 0.6)]
    assert [(r["opportunity"], r["close_date"], r["technical_weight"]) for r in answers["deals_closing"]] == \
        [("中高端产品线板材与五金升级", Date(2027, 6, 30), 0.5)]
    writes = answers["changes_by_whom"]
    filed = run(cypher, "MATCH (e:AuditEntry {account_id: 'gzf'}) RETURN count(e) AS n")[0]["n"]
    assert sum(r["writes"] for r in writes) == filed > 0 and {r["actor"] for r in writes} == {"env-admin"}
    assert {r["kind"] for r in writes} >= {"contact", "COVERS", "MEMBER_OF"} and isinstance(writes[0]["last"], DateTime)
    # An executive counterpart to the buyer is a path of one step, as the service weighs it (0.6).
    assert furniture.post("/v1/relationships", json={"type": "MIRRORS", "source": "us-vp",
                                                     "target": "gzf-cfo"}).status_code == 201
    (best,) = run(cypher, named["strongest_path_to_economic_buyer"], opportunity_id="gzf-upgrade")
    assert (best["ours"], best["path"], best["strength"]) == ("周海", ["周海", "何丽"], pytest.approx(0.6))
    # Someone who has left is no coverage to renew, and a deal won is no longer open.
    assert furniture.patch("/v1/contacts/gzf-it", json={"status": "left", "left_at": "2026-12-01"}).status_code == 200
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "赢单"}).status_code == 200
    again = {name: run(cypher, named[name], today=TODAY) for name in ("stale_coverage", "deals_closing")}
    assert [r["person"] for r in again["stale_coverage"]] == ["陈志强"] and again["deals_closing"] == []


@NEO4J_ONLY
def test_a_database_in_the_first_layout_is_converted(settings: Settings, cypher: neo4j.Driver,
                                                    tmp_path: Path) -> None:
    old = (Path(__file__).parent / "old_layout.cypher").read_text(encoding="utf-8")
    run(cypher, "\n".join(line for line in old.splitlines() if not line.startswith("//")))
    conversion = importlib.import_module("migrations.neo4j.V0005__native_properties")
    for _ in range(2):  # idempotent: the second run finds nothing left to convert
        with cypher.session(database="neo4j") as session:
            conversion.migrate(session)

    backend = make_backend("neo4j", neo4j_config(tmp_path))
    try:
        gm = backend.read(lambda tx: tx.get_nodes(["old-gm"]))["old-gm"]
        assert gm.data == {"account_id": "old-acct", "name": "陈总", "title": "总经理", "level": "executive",
                           "status": "active", "knows_us": True, "notes": "喜欢打高尔夫",
                           "closeness": {"relationship": 0.3, "solution": 0.5}, "last_contact_at": "2026-06-02"}
        assert (gm.created_at, gm.updated_at, gm.version) == \
            ("2026-01-05T08:00:01.000000Z", "2026-02-01T09:30:00.500000Z", 2)
        edges = backend.read(lambda tx: tx.edges_touching(["old-gm"]))
        assert {e.id: e.data for e in edges} == {
            "INFLUENCES:old-vp:old-gm": {"strength": 0.6, "note": "老部下"},
            "MEMBER_OF:old-opp:old-gm": {"role": "decision_maker", "stance": "neutral", "influence": 5,
                                         "closeness": {"relationship": 0.4}},
            "COVERS:old-us:old-gm": {"closeness": 0.2, "last_contact_at": "2026-06-02"}}
        subgraph = backend.read(lambda tx: tx.account_subgraph("old-acct"))
        assert subgraph is not None and subgraph.account.data["metrics"] == {"annual_revenue": 4_200_000.0,
                                                                             "payment_days": 90}
        assert [n.id for n in subgraph.nodes] == ["old-gm", "old-k", "old-opp", "old-us", "old-vp"]
        trail = backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=10))
        assert [(e.seq, e.entity_id, e.action) for e in trail] == \
            [(3, "old-gm", "update"), (2, "old-gm", "import"), (1, "old-acct", "import")]
        assert trail[0].at == "2026-02-01T09:30:00.500000Z"
        assert [k.created_at for k in backend.read(lambda tx: tx.list_keys())] == ["2026-01-01T00:00:00.000000Z"]
        # new entries continue the sequence
        backend.write(lambda tx: tx.append_audit([AuditEntry(now_iso(), "t", "update", "contact", "old-vp",
                                                              None, None)]))
        assert backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=1))[0].seq == 4
    finally:
        backend.close()
    vp = run(cypher, "MATCH (c:Contact {id: 'old-vp'}) RETURN c.left_at AS left_at, c.data AS blob")[0]
    assert vp == {"left_at": Date(2026, 3, 31), "blob": None}
    assert isinstance(run(cypher, "MATCH (e:AuditEntry {seq: 1}) RETURN e.at AS at")[0]["at"], DateTime)
