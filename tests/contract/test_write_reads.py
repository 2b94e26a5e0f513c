"""A write reads what it changes: the rules are checked against what the write changes, not against
everything the record touches. A contact's notes edited → only that contact is read, not the references
it already made (its account) nor its relationships (a hub's thousands of ties, locked on Neo4j); a move
to another account or a new reference is still read and checked, by an edit and by an import alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from graph.backend import Tx
from graph.errors import InvalidGraph
from graph.models import (
    AccountIn,
    Bundle,
    BuyingRole,
    ChainMemberIn,
    ContactIn,
    NodeKind,
    OpportunityIn,
    RelationshipIn,
)
from graph.store import Store

ACTOR = "t"
TIES = 40


class _Recording:
    """A transaction that notes the ids each read primitive was asked for (an empty ask reads nothing)."""

    def __init__(self, tx: Tx, reads: list[tuple[str, set[str]]]) -> None:
        self._tx, self._reads = tx, reads

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._tx, name)
        if name not in ("get_nodes", "get_edges", "edges_touching"):
            return found

        def read(ids: Any, *args: Any, **kwargs: Any) -> Any:
            if ids:
                self._reads.append((name, set(ids)))
            return found(ids, *args, **kwargs)

        return read


@pytest.fixture
def reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, set[str]]]]:
    """What the store's writes read, from now on."""
    seen: list[tuple[str, set[str]]] = []
    write = store.backend.write

    def recorded(work: Callable[[Tx], Any]) -> Any:
        return write(lambda tx: work(_Recording(tx, seen)))

    monkeypatch.setattr(store.backend, "write", recorded)
    yield seen


@pytest.fixture
def hub(store: Store) -> str:
    """An account with a contact tied to many others and in an opportunity's decision chain; another account."""
    people = [{"id": f"p{i}", "account_id": "acme", "name": f"员工{i}"} for i in range(TIES)]
    store.import_bundle(Bundle.model_validate({
        "accounts": [{"id": "acme", "name": "ACME"}, {"id": "other", "name": "Other"}],
        "contacts": [{"id": "hub", "account_id": "acme", "name": "王总"}, *people],
        "opportunities": [{"id": "deal", "account_id": "acme", "name": "Deal"}],
        "relationships": [{"type": "REPORTS_TO", "source": p["id"], "target": "hub"} for p in people],
        "decision_chain": [{"opportunity_id": "deal", "contact_id": "hub", "role": "economic_buyer"}],
    }), actor=ACTOR)
    return "hub"


def test_editing_a_field_reads_the_record_alone(store: Store, hub: str, reads: list[tuple[str, set[str]]]) -> None:
    store.update_node(NodeKind.contact, hub, {"notes": "prefers WeChat"}, actor=ACTOR)
    assert [name for name, _ in reads] == ["get_nodes"]
    assert reads[0][1] == {hub}
    store.update_node(NodeKind.opportunity, "deal", {"name": "Deal 2027"}, actor=ACTOR)
    assert all(ids == {"deal"} for _, ids in reads[1:])
    assert store.get_node(NodeKind.contact, hub).data["notes"] == "prefers WeChat"


def test_a_move_is_still_checked(store: Store, hub: str, reads: list[tuple[str, set[str]]]) -> None:
    # the decision-chain member cannot leave the opportunity's account; its ties were read to know
    with pytest.raises(InvalidGraph) as refused:
        store.update_node(NodeKind.contact, hub, {"account_id": "other"}, actor=ACTOR)
    assert refused.value.errors[0]["loc"] == ["body", "account_id"]
    assert "decision chain" in refused.value.errors[0]["msg"]
    assert ("edges_touching", {hub}) in reads
    # nor move to an account that does not exist
    with pytest.raises(InvalidGraph) as unknown:
        store.update_node(NodeKind.contact, "p1", {"account_id": "nowhere"}, actor=ACTOR)
    assert unknown.value.errors[0]["loc"] == ["body", "account_id"]
    # a contact outside the chain moves, and its reporting line goes with it
    store.update_node(NodeKind.contact, "p1", {"account_id": "other"}, actor=ACTOR)
    assert store.get_node(NodeKind.contact, "p1").account_id == "other"
    assert store.get_node(NodeKind.contact, hub).account_id == "acme"


def test_new_references_are_still_checked(store: Store, hub: str) -> None:
    store.create_node(NodeKind.account, AccountIn(id="group", name="Group", parent_id="acme"), actor=ACTOR)
    with pytest.raises(InvalidGraph) as cycle:
        store.update_node(NodeKind.account, "acme", {"parent_id": "group"}, actor=ACTOR)
    assert cycle.value.errors[0]["loc"] == ["body", "parent_id"] and "cycle" in cycle.value.errors[0]["msg"]
    with pytest.raises(InvalidGraph) as rival:
        store.update_node(NodeKind.opportunity, "deal", {"competitor_ids": ["nobody"]}, actor=ACTOR)
    assert rival.value.errors[0]["loc"] == ["body", "competitor_ids"]
    # an account renamed keeps its (valid) parent without the chain of parents being walked again
    store.update_node(NodeKind.account, "group", {"name": "Group Holdings"}, actor=ACTOR)
    assert store.get_node(NodeKind.account, "group").data["parent_id"] == "acme"


def test_an_import_reads_the_ties_of_movers_only(store: Store, hub: str, reads: list[tuple[str, set[str]]]) -> None:
    renamed = Bundle.model_validate({"contacts": [
        {"id": "hub", "account_id": "acme", "name": "王总", "title": "总经理"},
        {"id": "p2", "account_id": "other", "name": "员工2"}]})
    counts = store.import_bundle(renamed, actor=ACTOR)
    assert counts["contacts"].as_json()["updated"] == 2
    assert {frozenset(ids) for name, ids in reads if name == "edges_touching"} == {frozenset({"p2"})}
    assert not any(name == "get_nodes" and "acme" in ids for name, ids in reads)   # a reference already made
    moved_member = Bundle.model_validate({"contacts": [{"id": "hub", "account_id": "other", "name": "王总"}]})
    with pytest.raises(InvalidGraph) as refused:
        store.import_bundle(moved_member, actor=ACTOR)
    assert refused.value.errors[0]["loc"][-1] == "account_id"
    assert store.get_node(NodeKind.contact, hub).account_id == "acme"


def test_a_new_record_has_no_ties_to_read(store: Store, hub: str, reads: list[tuple[str, set[str]]]) -> None:
    store.create_node(NodeKind.contact, ContactIn(id="new", account_id="acme", name="新人"), actor=ACTOR)
    store.create_node(NodeKind.opportunity, OpportunityIn(id="deal2", account_id="acme", name="Deal 2"), actor=ACTOR)
    assert not any(name == "edges_touching" for name, _ in reads)
    store.create_edge(RelationshipIn(type="REPORTS_TO", source="new", target=hub), actor=ACTOR)
    store.create_edge(ChainMemberIn(opportunity_id="deal2", contact_id="new", role=BuyingRole.business_user), actor=ACTOR)
    assert store.get_node(NodeKind.contact, "new").account_id == "acme"
