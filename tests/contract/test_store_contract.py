"""What every backend must do, errors included: one suite, run against each backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.errors import Conflict, InvalidGraph, NotFound, PreconditionFailed
from graph.models import (
    AccountIn,
    Bundle,
    BuyingRole,
    ChainMemberIn,
    ContactIn,
    EdgeType,
    NodeKind,
    RelationshipIn,
    Stance,
    TeamMemberIn,
)
from graph.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load(name: str) -> Bundle:
    return Bundle.model_validate(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


def seed(store: Store) -> None:
    store.create_node(NodeKind.account, AccountIn(id="acme", name="ACME 家具"), actor="t")
    for id, name in [("c1", "王总"), ("c2", "李经理"), ("c3", "张工")]:
        store.create_node(NodeKind.contact, ContactIn(id=id, account_id="acme", name=name), actor="t")


def counts(result: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {kind: c.as_json() for kind, c in result.items()}


def test_create_get_and_versions(store: Store) -> None:
    seed(store)
    contact = store.get_node(NodeKind.contact, "c1")
    assert (contact.data["name"], contact.version) == ("王总", 1)
    updated = store.update_node(NodeKind.contact, "c1", {"title": "总经理"}, actor="t", if_version=1)
    assert (updated.version, updated.data["title"], updated.created_at) == (2, "总经理", contact.created_at)
    with pytest.raises(PreconditionFailed):
        store.update_node(NodeKind.contact, "c1", {"title": "x"}, actor="t", if_version=1)
    assert store.update_node(NodeKind.contact, "c1", {"title": "总经理"}, actor="t").version == 2


def test_ids_are_unique_across_kinds_and_unknown_ids_are_not_found(store: Store) -> None:
    seed(store)
    with pytest.raises(Conflict):
        store.create_node(NodeKind.team_member, TeamMemberIn(id="c1", name="x"), actor="t")
    with pytest.raises(NotFound):
        store.get_node(NodeKind.team_member, "c1")
    with pytest.raises(NotFound):
        store.update_node(NodeKind.contact, "nobody", {"name": "x"}, actor="t")


def test_invalid_update_names_the_field_and_changes_nothing(store: Store) -> None:
    seed(store)
    with pytest.raises(InvalidGraph) as info:
        store.update_node(NodeKind.contact, "c1", {"level": "boss"}, actor="t")
    assert info.value.errors[0]["loc"] == ["body", "level"]
    with pytest.raises(InvalidGraph) as info:
        store.update_node(NodeKind.contact, "c1", {"account_id": "nowhere"}, actor="t")
    assert info.value.errors[0]["loc"] == ["body", "account_id"]
    assert store.get_node(NodeKind.contact, "c1").version == 1


def test_list_pages_by_cursor_and_filters_by_account(store: Store) -> None:
    seed(store)
    store.create_node(NodeKind.account, AccountIn(id="other", name="Other"), actor="t")
    store.create_node(NodeKind.contact, ContactIn(id="z9", account_id="other", name="x"), actor="t")
    first = store.list_nodes(NodeKind.contact, account_id="acme", limit=2)
    assert [c.id for c in first.items] == ["c1", "c2"] and first.next_cursor
    rest = store.list_nodes(NodeKind.contact, account_id="acme", limit=2, cursor=first.next_cursor)
    assert [c.id for c in rest.items] == ["c3"] and rest.next_cursor is None
    assert len(store.list_nodes(NodeKind.contact, limit=10).items) == 4
    with pytest.raises(InvalidGraph):
        store.list_nodes(NodeKind.contact, cursor="!!not-a-cursor!!")


def test_edges_check_endpoints_and_kinds(store: Store) -> None:
    seed(store)
    store.create_node(NodeKind.team_member, TeamMemberIn(id="t1", name="Li Na"), actor="t")
    edge = store.create_edge(RelationshipIn(type="INFLUENCES", source="c2", target="c1", strength=0.8), actor="t")
    assert (edge.id, edge.account_id, edge.data) == ("INFLUENCES:c2:c1", "acme", {"strength": 0.8})
    covers = store.create_edge(RelationshipIn(type="COVERS", source="t1", target="c1", closeness=0.5), actor="t")
    assert covers.account_id == "acme"
    with pytest.raises(InvalidGraph) as info:
        store.create_edge(RelationshipIn(type="COVERS", source="c1", target="t1"), actor="t")
    assert {tuple(e["loc"]) for e in info.value.errors} == {("body", "source"), ("body", "target")}
    with pytest.raises(InvalidGraph):
        store.create_edge(RelationshipIn(type="INFLUENCES", source="c1", target="ghost"), actor="t")
    with pytest.raises(Conflict):
        store.create_edge(RelationshipIn(type="INFLUENCES", source="c2", target="c1"), actor="t")
    assert store.update_edge(edge.id, {"strength": 0.3}, actor="t", if_version=1).version == 2
    with pytest.raises(InvalidGraph):
        store.update_edge(edge.id, {"target": "c3"}, actor="t")
    page = store.list_edges(account_id="acme", types=[EdgeType.INFLUENCES])
    assert [e.id for e in page.items] == [edge.id]


def test_reporting_lines_stay_acyclic_naming_the_people(store: Store) -> None:
    seed(store)
    store.create_edge(RelationshipIn(type="REPORTS_TO", source="c2", target="c1"), actor="t")
    store.create_edge(RelationshipIn(type="REPORTS_TO", source="c3", target="c2"), actor="t")
    with pytest.raises(InvalidGraph) as info:
        store.create_edge(RelationshipIn(type="REPORTS_TO", source="c1", target="c3"), actor="t")
    message = info.value.errors[0]["msg"]
    assert "cycle" in message and all(p in message for p in ("c1", "c2", "c3"))
    assert len(store.list_edges(types=[EdgeType.REPORTS_TO]).items) == 2


def test_chain_members_must_belong_to_the_opportunitys_account(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    store.import_bundle(load("handset"), actor="t")
    with pytest.raises(InvalidGraph) as info:
        store.create_edge(ChainMemberIn(opportunity_id="gzf-upgrade", contact_id="hs-plant",
                                        role=BuyingRole.influencer), actor="t")
    assert info.value.errors[0]["loc"] == ["body", "contact_id"]
    member = store.create_edge(ChainMemberIn(opportunity_id="gzf-upgrade", contact_id="gzf-qa",
                                             role=BuyingRole.influencer, stance=Stance.supporter), actor="t")
    assert member.id == "MEMBER_OF:gzf-qa:gzf-upgrade"


def test_delete_refuses_attached_nodes_unless_cascading(store: Store) -> None:
    seed(store)
    store.create_edge(RelationshipIn(type="REPORTS_TO", source="c2", target="c1"), actor="t")
    with pytest.raises(Conflict):
        store.delete_node(NodeKind.contact, "c1", actor="t")
    with pytest.raises(Conflict):
        store.delete_node(NodeKind.account, "acme", actor="t")
    store.delete_node(NodeKind.contact, "c1", actor="t", cascade=True)
    assert store.list_edges().items == []
    with pytest.raises(NotFound):
        store.get_node(NodeKind.contact, "c1")
    store.delete_node(NodeKind.account, "acme", actor="t", cascade=True)
    assert store.list_nodes(NodeKind.contact).items == []


def test_import_is_idempotent_and_counts(store: Store) -> None:
    first = counts(store.import_bundle(load("furniture"), actor="t"))
    assert first["contacts"] == {"created": 9, "updated": 0, "unchanged": 0}
    assert first["relationships"]["created"] == 24 and first["decision_chain"]["created"] == 7
    audit_size = len(store.list_audit(limit=500).items)
    again = counts(store.import_bundle(load("furniture"), actor="t"))
    assert all(c["created"] == c["updated"] == 0 for c in again.values())
    assert again["contacts"]["unchanged"] == 9
    assert len(store.list_audit(limit=500).items) == audit_size


def test_import_updates_changed_rows_only(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    changed = load("furniture").model_copy(deep=True)
    changed.contacts[0].title = "董事长"
    result = counts(store.import_bundle(changed, actor="t"))
    assert result["contacts"] == {"created": 0, "updated": 1, "unchanged": 8}
    assert store.get_node(NodeKind.contact, changed.contacts[0].id or "").version == 2
    changed.relationships[8].strength = 0.9
    result = counts(store.import_bundle(changed, actor="t"))
    assert result["relationships"] == {"created": 0, "updated": 1, "unchanged": 23}
    assert store.get_edge("INFLUENCES:gzf-salesvp:gzf-gm").data["strength"] == 0.9


def test_failed_import_writes_nothing(store: Store) -> None:
    bad = load("furniture").model_copy(deep=True)
    bad.relationships.append(RelationshipIn(type="INFLUENCES", source="gzf-gm", target="nobody"))
    with pytest.raises(InvalidGraph) as info:
        store.import_bundle(bad, actor="t")
    assert info.value.errors[0]["loc"] == ["body", "relationships", 24, "target"]
    assert store.list_nodes(NodeKind.contact).items == []
    assert store.list_audit().items == []


def test_dry_run_validates_without_writing(store: Store) -> None:
    result = counts(store.import_bundle(load("handset"), actor="t", dry_run=True))
    assert result["contacts"]["created"] == 6
    assert store.list_nodes(NodeKind.contact).items == []


def test_conflicting_duplicates_in_a_bundle_are_refused(store: Store) -> None:
    bad = load("handset").model_copy(deep=True)
    twin = bad.contacts[0].model_copy(update={"name": "someone else"})
    bad.contacts.append(twin)
    with pytest.raises(InvalidGraph) as info:
        store.import_bundle(bad, actor="t")
    assert info.value.errors[0]["loc"] == ["body", "contacts", 6, "id"]


def test_export_reimports_as_the_same_graph(store: Store, tmp_path: Path) -> None:
    store.import_bundle(load("handset"), actor="t")
    exported = store.export_account("hs-tj")
    assert [a["id"] for a in exported["accounts"]] == ["hs-global", "hs-tj"]
    from graph.sqlite.store import SqliteBackend

    empty = Store(SqliteBackend(tmp_path / "other"))
    empty.backend.migrate()
    empty.import_bundle(Bundle.model_validate(exported), actor="t")
    assert empty.export_account("hs-tj") == exported
    with pytest.raises(NotFound):
        store.export_account("nowhere")


def test_account_subgraph_holds_the_whole_map(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    store.import_bundle(load("handset"), actor="t")
    sub = store.account_subgraph("gzf")
    kinds = sorted(n.kind for n in sub.nodes)
    # Team members join an account's map through what they cover: us-vp covers nobody at gzf yet.
    assert kinds.count("contact") == 9 and kinds.count("team_member") == 2
    assert kinds.count("competitor") == 1 and kinds.count("opportunity") == 1
    assert len(sub.edges) == 31 and all(e.source.startswith("gzf-") or e.target.startswith("gzf-") for e in sub.edges)
    assert not any(n.id.startswith("hs-") for n in sub.nodes)
    assert not any(end.startswith("hs-") for e in sub.edges for end in (e.source, e.target))


def test_audit_records_every_write_newest_first(store: Store) -> None:
    seed(store)
    store.update_node(NodeKind.contact, "c1", {"title": "总经理"}, actor="alice")
    page = store.list_audit(limit=2)
    latest = page.items[0]
    assert (latest.action, latest.entity_id, latest.actor) == ("update", "c1", "alice")
    assert page.items[0].before is not None and "title" not in page.items[0].before
    assert page.items[0].after and page.items[0].after["title"] == "总经理"
    older = store.list_audit(limit=10, cursor=page.next_cursor)
    assert len(page.items) + len(older.items) == 5
    assert [e.action for e in store.list_audit(entity_id="c1").items] == ["update", "create"]


def test_keys_are_hashed_found_and_revoked(store: Store) -> None:
    key, secret = store.create_key("viewer", name="crm plug-in")
    assert key.key_hash != secret and secret not in key.key_hash
    found = store.find_key(secret)
    assert found is not None and found.role == "viewer"
    assert store.find_key(secret + "x") is None
    store.revoke_key(key.id)
    assert store.find_key(secret) is None
    with pytest.raises(NotFound):
        store.revoke_key(key.id)


def test_erasure_leaves_a_tombstone_and_scrubs_the_audit(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    tombstone = store.erase_contact("gzf-proc", actor="admin")
    assert tombstone.data["name"] == "[erased]" and "notes" not in tombstone.data
    trail = json.dumps([e.as_json() for e in store.list_audit(limit=500).items], ensure_ascii=False)
    assert "刘建国" not in trail and "现供应商回扣" not in trail
    assert store.list_audit(entity_id="gzf-proc").items[0].action == "erase"
    bundle = store.export_account("gzf")
    assert len(bundle["relationships"]) == 23  # their kickback interest went with them
    assert "现供应商回扣" not in json.dumps(bundle, ensure_ascii=False)


def test_projected_maps_are_kept_until_a_write_changes_them(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    store.import_bundle(load("handset"), actor="t")
    first = store.account_graph("gzf")
    assert store.opportunity_graph("gzf-upgrade") is first
    store.update_node(NodeKind.contact, "hs-plant", {"title": "厂长"}, actor="t")  # another account
    assert store.account_graph("gzf") is first
    store.update_edge("INFLUENCES:gzf-salesvp:gzf-gm", {"strength": 0.9}, actor="t")
    changed = store.account_graph("gzf")
    assert changed is not first
    assert changed.edges["gzf-salesvp", "gzf-gm", "INFLUENCES:gzf-salesvp:gzf-gm"]["strength"] == 0.9
    store.update_node(NodeKind.team_member, "us-se", {"name": "张敏敏"}, actor="t")  # shared by accounts
    renamed = store.account_graph("gzf")
    assert renamed is not changed and renamed.nodes["us-se"]["name"] == "张敏敏"
    store.create_node(NodeKind.contact, ContactIn(id="gzf-new", account_id="gzf", name="新人"), actor="t")
    store.update_node(NodeKind.contact, "gzf-new", {"account_id": "hs-tj"}, actor="t")  # moves away
    assert "gzf-new" not in store.account_graph("gzf") and "gzf-new" in store.account_graph("hs-tj")
    with pytest.raises(NotFound):
        store.opportunity_graph("gzf")


def test_a_second_store_on_the_same_database_sees_every_write(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    other = Store(store.backend)
    before = other.account_graph("gzf")
    store.erase_contact("gzf-proc", actor="admin")
    assert other.account_graph("gzf") is not before
    assert other.account_graph("gzf").nodes["gzf-proc"]["name"] == "[erased]"


def test_the_map_cache_keeps_within_its_size(store: Store) -> None:
    store.import_bundle(load("furniture"), actor="t")
    store.import_bundle(load("handset"), actor="t")
    small = Store(store.backend, graph_cache_elements=60)  # furniture ~44 elements, handset ~31
    furniture = small.account_graph("gzf")
    assert small.account_graph("gzf") is furniture
    small.account_graph("hs-tj")  # over the budget together: the least recently used goes
    assert small.account_graph("gzf") is not furniture
