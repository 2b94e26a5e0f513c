"""History on every backend: audit entries name their account, the map as of a moment is replayed from
them (and equals the current map at the present), reviews are stored records, erasure reaches history."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph import history
from graph.backend import SHARED_SCOPE, Backend, Tx
from graph.errors import Conflict, NotFound
from graph.models import Bundle, ChainMemberIn, NodeKind, RelationshipIn, ReviewIn
from graph.records import AccountSubgraph, AuditEntry, now_iso
from graph.store import Store
from tests.conftest import bundle, run_neo4j_data_migration


def _snapshot(subgraph: AccountSubgraph | None) -> dict[str, Any]:
    """What a map holds (a map has no server stamps) as comparable plain values."""
    assert subgraph is not None
    return {"account": subgraph.account.data,
            "nodes": {n.id: (n.kind, n.data) for n in subgraph.nodes},
            "edges": {e.id: (e.type, e.source, e.target, e.data) for e in subgraph.edges}}


def _furniture(store: Store) -> None:
    store.import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")


def test_audit_entries_name_the_account_they_concern(store: Store) -> None:
    _furniture(store)
    store.create_review(ReviewIn(account_id="gzf", title="Q4"), actor="test")
    entries = store.backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=1000))
    by_entity = {e.entity_id: e.account_id for e in entries}
    assert by_entity["gzf"] == "gzf"
    assert by_entity["gzf-gm"] == "gzf"
    assert by_entity["gzf-upgrade"] == "gzf"
    assert by_entity["us-vp"] == SHARED_SCOPE and by_entity["incumbent"] == SHARED_SCOPE
    assert by_entity["REPORTS_TO:gzf-cfo:gzf-gm"] == "gzf"
    assert by_entity["MEMBER_OF:gzf-gm:gzf-upgrade"] == "gzf"
    assert all(account == "gzf" for entity, account in by_entity.items() if entity.startswith("rev_"))


def test_the_map_as_of_now_is_the_current_map(store: Store) -> None:
    _furniture(store)
    store.update_node(NodeKind.contact, "gzf-qa", {"title": "品质经理", "knows_us": True}, actor="test")
    store.delete_edge("RIVAL:gzf-proc:gzf-design", actor="test")
    current = store.account_subgraph("gzf")
    replayed = store.backend.read(lambda tx: history.subgraph_as_of(tx, "gzf", now_iso()))
    assert _snapshot(replayed) == _snapshot(current)
    assert history.account_graph_as_of(store, "gzf", now_iso()).nodes["gzf-qa"]["title"] == "品质经理"


def test_a_past_moment_shows_the_map_as_it_stood(store: Store) -> None:
    before_anything = now_iso()
    _furniture(store)
    imported = now_iso()
    store.update_edge("MEMBER_OF:gzf-design:gzf-upgrade", {"stance": "supporter"}, actor="test",
                      types=("MEMBER_OF",))
    store.delete_node(NodeKind.contact, "gzf-qa", actor="test", cascade=True)
    store.create_edge(RelationshipIn(type="COVERS", source="us-vp", target="gzf-gm", closeness=0.5), actor="test")

    then = history.account_graph_as_of(store, "gzf", imported)
    assert then.edges["gzf-design", "gzf-upgrade", "MEMBER_OF:gzf-design:gzf-upgrade"]["stance"] == "neutral"
    assert "gzf-qa" in then and then.nodes["gzf-qa"]["name"] == "吴芳"
    assert not then.has_edge("us-vp", "gzf-gm")
    now = history.account_graph_as_of(store, "gzf", now_iso())
    assert "gzf-qa" not in now and now.has_edge("us-vp", "gzf-gm")
    with pytest.raises(NotFound):
        history.account_graph_as_of(store, "gzf", before_anything)
    assert history.opportunity_graph_as_of(store, "gzf-upgrade", imported).graph["account_id"] == "gzf"


def test_a_person_who_moved_leaves_the_old_accounts_history(store: Store) -> None:
    _furniture(store)
    store.import_bundle(Bundle.model_validate({"accounts": [{"id": "other", "name": "Other Co."}]}), actor="t")
    store.delete_node(NodeKind.contact, "gzf-qa", actor="test", cascade=True)
    store.import_bundle(Bundle.model_validate({"contacts": [{"id": "gzf-buyer", "account_id": "gzf", "name": "孙倩"}]}),
                        actor="test")
    moment = now_iso()
    store.delete_edge("REPORTS_TO:gzf-buyer:gzf-proc", actor="test")
    store.delete_edge("COVERS:us-rep:gzf-buyer", actor="test")
    store.update_node(NodeKind.contact, "gzf-buyer", {"account_id": "other"}, actor="test")
    old = history.account_graph_as_of(store, "gzf", now_iso())
    assert "gzf-buyer" not in old
    assert "gzf-buyer" in history.account_graph_as_of(store, "gzf", moment)
    assert "gzf-buyer" in history.account_graph_as_of(store, "other", now_iso())


def test_erasure_reaches_every_past_moment(store: Store) -> None:
    _furniture(store)
    store.create_edge(ChainMemberIn.model_validate({"opportunity_id": "gzf-upgrade", "contact_id": "gzf-qa",
                                                    "role": "influencer", "note": "吴芳私下支持我们"}),
                      actor="test")
    then = now_iso()
    store.update_node(NodeKind.contact, "gzf-qa", {"title": "品质经理"}, actor="test")
    assert history.account_graph_as_of(store, "gzf", then).nodes["gzf-qa"]["name"] == "吴芳"
    store.erase_contact("gzf-qa", actor="test")
    for moment in (then, now_iso()):
        def replayed(tx: Tx, m: str = moment) -> AccountSubgraph | None:
            return history.subgraph_as_of(tx, "gzf", m)

        subgraph = store.backend.read(replayed)
        text = json.dumps(_snapshot(subgraph), ensure_ascii=False)
        assert "吴芳" not in text and "品质" not in text and "私下" not in text
        person = next(n for n in subgraph.nodes if n.id == "gzf-qa") if subgraph else None
        assert person is not None and person.data["name"] == "[erased]"
    # the membership whose note was scrubbed is kept, as it stands now (without its note)
    member = history.account_graph_as_of(store, "gzf", then).edges["gzf-qa", "gzf-upgrade",
                                                                    "MEMBER_OF:gzf-qa:gzf-upgrade"]
    assert member["role"] == "influencer" and "note" not in member


def test_reviews_are_stored_listed_exported_and_go_with_their_account(store: Store, backend: Backend) -> None:
    _furniture(store)
    first = store.create_review(ReviewIn(account_id="gzf", title="Q3", held_at="2026-09-30",
                                         opportunity_ids=["gzf-upgrade"], notes="第一次"), actor="test")
    second = store.create_review(ReviewIn(account_id="gzf", title="Q4"), actor="test")
    assert first.data["held_at"] == "2026-09-30T23:59:59.999999Z"
    assert [r.id for r in store.list_reviews("gzf").items] == [second.id, first.id]
    assert backend.read(lambda tx: tx.get_reviews([first.id]))[first.id].data == first.data
    page = store.list_reviews("gzf", limit=1)
    assert [r.id for r in page.items] == [second.id] and page.next_cursor is not None
    assert [r.id for r in store.list_reviews("gzf", limit=1, cursor=page.next_cursor).items] == [first.id]
    exported = store.export_account("gzf")
    assert {r["id"] for r in exported["reviews"]} == {first.id, second.id}
    counts = store.import_bundle(Bundle.model_validate(exported), actor="test")
    assert counts["reviews"].as_json() == {"created": 0, "updated": 0, "unchanged": 2}

    with pytest.raises(Conflict):
        store.delete_node(NodeKind.account, "gzf", actor="test")
    store.delete_node(NodeKind.account, "gzf", actor="test", cascade=True)
    assert backend.read(lambda tx: tx.reviews_of_account("gzf")) == []
    store.import_bundle(Bundle.model_validate(exported), actor="test")
    again = store.export_account("gzf")
    assert again == exported


def test_a_review_names_its_accounts_opportunities_only(store: Store) -> None:
    _furniture(store)
    store.import_bundle(Bundle.model_validate({"accounts": [{"id": "other", "name": "Other"}],
                                               "opportunities": [{"id": "o2", "account_id": "other",
                                                                  "name": "Deal"}]}), actor="test")
    from graph.errors import InvalidGraph

    with pytest.raises(InvalidGraph) as raised:
        store.create_review(ReviewIn(account_id="gzf", title="x", opportunity_ids=["o2"]), actor="test")
    assert raised.value.errors[0]["loc"] == ["body", "opportunity_ids", 0]
    with pytest.raises(NotFound):
        store.create_review(ReviewIn(account_id="nope", title="x"), actor="test")


def test_entries_written_before_history_are_filed_under_their_account(backend_name: str, backend: Backend,
                                                                      store: Store) -> None:
    """The backfill of V0010 (SQLite) and V0011 (Neo4j), run again over entries written without an
    account as before them: from the snapshots, or (scrubbed by an erasure) from the stored record."""
    _furniture(store)
    stamp = now_iso()
    old = [AuditEntry(stamp, "old", "import", "contact", "gzf-gm", None, {"id": "gzf-gm", "account_id": "gzf"}),
           AuditEntry(stamp, "old", "import", "team_member", "us-vp", None, {"id": "us-vp"}),
           AuditEntry(stamp, "old", "update", "INFLUENCES", "INFLUENCES:gzf-design:gzf-gm", {"erased": True},
                      {"erased": True}),
           AuditEntry(stamp, "old", "create", "api_key", "key_old", None, {"id": "key_old"})]
    backend.write(lambda tx: tx.append_audit(old))
    if backend_name == "sqlite":
        import sqlite3
        from contextlib import closing

        from graph.sqlite.store import SqliteBackend
        from migrations import migrations

        assert isinstance(backend, SqliteBackend)
        backfill = next(s for m in migrations("sqlite") if m.name.startswith("V0010")
                        for s in m.statements() if s.startswith("UPDATE audit"))
        with closing(sqlite3.connect(backend.path)) as conn, conn:
            conn.execute(backfill)
    else:
        run_neo4j_data_migration("V0011__audit_accounts")
    trail = backend.read(lambda tx: tx.list_audit(entity_id=None, before=None, limit=10))
    filed = {e.entity_id: e.account_id for e in trail if e.actor == "old"}
    assert filed == {"gzf-gm": "gzf", "us-vp": SHARED_SCOPE, "INFLUENCES:gzf-design:gzf-gm": "gzf",
                     "key_old": None}
