"""A node, a relationship and a review may bear the same id (ids are unique within their own kind of
record, as a CRM's tables' ids are), and the past answers stay right when they do, on both backends: the
decision chain and the export as of a moment far ahead equal the live ones, and the changes since a review
name only what changed. (Before: the history replay kept one entry per id, so the newest record of any
kind with that id hid the others — the decision maker vanished from the past behind a relationship
named after him, a person was "removed" behind a review named after her.)"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from graph.records import now_iso
from tests.conftest import EDITOR, auth

FAR = "2200-01-01"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _live_and_far(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """(live, as of FAR) of the decision chain and the export."""
    live = {"chain": _ok(client.get("/v1/opportunities/gzf-upgrade/decision-chain")),
            "export": _ok(client.get("/v1/accounts/gzf/export"))}
    far = {"chain": _ok(client.get("/v1/opportunities/gzf-upgrade/decision-chain", params={"as_of": FAR})),
           "export": _ok(client.get("/v1/accounts/gzf/export", params={"as_of": FAR}))}
    return live, far


def _changes(client: TestClient, since: str) -> dict[str, Any]:
    return _ok(client.get("/v1/accounts/gzf/changes", params={"since": since}))  # type: ignore[no-any-return]


def test_a_relationship_named_like_a_person_hides_nobody(furniture: TestClient) -> None:
    review = _ok(furniture.post("/v1/accounts/gzf/reviews", json={"title": "before"}), 201)
    chain_before = _ok(furniture.get("/v1/opportunities/gzf-upgrade/decision-chain"))
    _ok(furniture.post("/v1/relationships", json={"id": "gzf-gm", "type": "ALLY", "source": "gzf-qa",
                                                  "target": "gzf-it", "strength": 0.5}), 201)
    live, far = _live_and_far(furniture)
    assert "gzf-gm" in {m["contact_id"] for m in far["chain"]["members"]}
    assert far == live
    assert "gzf-gm" in {c["id"] for c in far["export"]["contacts"]}
    assert "gzf-gm" in {r["id"] for r in far["export"]["relationships"]}
    # at the review, before the line: the chain as it was then
    assert _ok(furniture.get("/v1/opportunities/gzf-upgrade/decision-chain",
                             params={"as_of": review["held_at"]})) == chain_before
    changes = _changes(furniture, review["id"])
    assert [(c["kind"], c["entity_id"]) for c in changes["changes"]] == [("line_added", "gzf-gm")], changes
    assert changes["summary"]["left"] == 0 and changes["summary"]["lines_added"] == 1


def test_a_review_named_like_a_person_removes_nobody(furniture: TestClient) -> None:
    earlier = _ok(furniture.post("/v1/accounts/gzf/reviews", json={"title": "earlier"}), 201)
    _ok(furniture.post("/v1/accounts/gzf/reviews", json={"id": "gzf-cfo", "title": "x"}), 201)
    changes = _changes(furniture, earlier["id"])
    assert changes["changes"] == [], changes
    assert _changes(furniture, "gzf-cfo")["changes"] == []
    live, far = _live_and_far(furniture)
    assert far == live
    assert "gzf-cfo" in {c["id"] for c in far["export"]["contacts"]}
    assert {r["id"] for r in far["export"]["reviews"]} == {earlier["id"], "gzf-cfo"}
    # and the person's own changes are still stamped and told
    _ok(furniture.patch("/v1/contacts/gzf-cfo", json={"title": "财务副总裁"}))
    told = _changes(furniture, earlier["id"])["changes"]
    assert [(c["kind"], c["entity_id"]) for c in told] == [("title_changed", "gzf-cfo")], told


def test_a_competitor_and_a_relationship_with_one_id_both_stay(furniture: TestClient) -> None:
    review = _ok(furniture.post("/v1/accounts/gzf/reviews", json={"title": "before"}), 201)
    # a competitor named like a stored relationship, and a relationship named like a stored competitor
    line = "INFLUENCES:gzf-qa:gzf-design"
    _ok(furniture.post("/v1/competitors", json={"id": line, "name": "Newcomer Ltd."}), 201)
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"competitor_ids": ["incumbent", line]}))
    _ok(furniture.post("/v1/relationships", json={"id": "incumbent", "type": "INFLUENCES", "source": "gzf-it",
                                                  "target": "gzf-gm", "strength": 0.3}), 201)
    live, far = _live_and_far(furniture)
    assert far == live
    assert {c["id"] for c in far["export"]["competitors"]} == {"incumbent", line}
    assert {"incumbent", line} <= {r["id"] for r in far["export"]["relationships"]}
    assert set(far["chain"]["support"]["competitors"]) == {"incumbent", line}
    kinds = sorted((c["kind"], c["entity_id"]) for c in _changes(furniture, review["id"])["changes"])
    assert ("line_added", "incumbent") in kinds
    assert not any(kind in ("line_removed", "removed") for kind, _ in kinds), kinds


def test_a_node_id_used_again_by_another_kind_after_a_delete(furniture: TestClient) -> None:
    """A person deleted, then a competitor created under their id: each in its own time."""
    _ok(furniture.post("/v1/contacts", json={"id": "gzf-temp", "account_id": "gzf", "name": "临时工"}), 201)
    _ok(furniture.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "gzf-temp",
                                                  "target": "gzf-coo"}), 201)
    at_then = _ok(furniture.get("/v1/accounts/gzf/export"))
    then = now_iso()
    assert furniture.delete("/v1/contacts/gzf-temp", params={"cascade": "true"}).status_code == 204
    _ok(furniture.post("/v1/competitors", json={"id": "gzf-temp", "name": "Temp Rival"}), 201)
    _ok(furniture.post("/v1/relationships", json={"type": "FAVORS", "source": "gzf-coo", "target": "gzf-temp",
                                                  "strength": 0.4}), 201)
    live, far = _live_and_far(furniture)
    assert far == live
    assert "gzf-temp" not in {c["id"] for c in far["export"]["contacts"]}
    assert "gzf-temp" in {c["id"] for c in far["export"]["competitors"]}
    past = _ok(furniture.get("/v1/accounts/gzf/export", params={"as_of": then}))
    assert past == at_then


def test_erasing_a_person_leaves_the_history_of_a_line_named_like_them(furniture: TestClient) -> None:
    line = _ok(furniture.post("/v1/relationships", json={"id": "gzf-qa", "type": "ALLY", "source": "gzf-gm",
                                                        "target": "gzf-it", "strength": 0.4}), 201)
    _ok(furniture.patch("/v1/relationships/gzf-qa", json={"strength": 0.6}))
    _ok(furniture.post("/v1/contacts/gzf-qa/erase"))
    trail = _ok(furniture.get("/v1/audit", params={"entity_id": "gzf-qa", "limit": 500}))["items"]
    kept = [e for e in trail if e["entity_type"] == "ALLY"]
    assert [(e["action"], (e["before"] or {}).get("strength"), (e["after"] or {}).get("strength")) for e in kept] == [
        ("update", 0.4, 0.6), ("create", None, 0.4)]
    assert kept[-1]["after"]["source"] == line["source"]
    person = [e for e in trail if e["entity_type"] == "contact"]
    assert all(e["before"] in (None, {"erased": True}) and e["after"] in (None, {"erased": True})
               for e in person if e["action"] != "erase")        # the person's own past is scrubbed
    assert "吴芳" not in str(person)
    far = _ok(furniture.get("/v1/accounts/gzf/export", params={"as_of": FAR}))
    assert [r.get("strength") for r in far["relationships"] if r.get("id") == "gzf-qa"] == [0.6]


def test_the_changes_name_who_changed_a_person_not_who_made_a_line_named_like_them(furniture: TestClient) -> None:
    review = _ok(furniture.post("/v1/accounts/gzf/reviews", json={"title": "before", "held_at": now_iso()}), 201)
    _ok(furniture.patch("/v1/contacts/gzf-gm", json={"title": "董事长"}))                      # by the admin
    _ok(furniture.post("/v1/relationships", json={"id": "gzf-gm", "type": "ALLY", "source": "gzf-qa",
                                                  "target": "gzf-it"}, headers=auth(EDITOR)), 201)
    changes = _changes(furniture, review["id"])["changes"]
    retitled = next(c for c in changes if c["kind"] == "title_changed")
    added = next(c for c in changes if c["kind"] == "line_added" and c["entity_id"] == "gzf-gm")
    assert retitled["by"] == "env-admin" and added["by"] == "env-editor"
