"""Reviews and what changed since them, on both backends: a review names deals of its account (a deal
deleted or moved away leaves the reviews that named it, so that the account's export imports again); a
review imported again without held_at keeps its moment; since as a date is the start of the day, as a
review id (even one that looks like a date) the review; a deal filter naming another kind of record is a
422."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN, auth


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _review(client: TestClient, id: str) -> dict[str, Any]:
    return next(r for r in _ok(client.get("/v1/accounts/gzf/reviews"))["items"] if r["id"] == id)


def _two_deals_reviewed(client: TestClient) -> dict[str, Any]:
    _ok(client.post("/v1/accounts", json={"id": "other", "name": "Other Co."}))
    for deal in ("d1", "d2"):
        _ok(client.post("/v1/opportunities", json={"id": deal, "account_id": "gzf", "name": deal}))
    return dict(_ok(client.post("/v1/accounts/gzf/reviews", json={
        "id": "q4", "title": "Q4", "opportunity_ids": ["gzf-upgrade", "d1", "d2"]})))


def _reimports(client: TestClient, settings: Settings) -> None:
    exported = _ok(client.get("/v1/accounts/gzf/export"))
    client.app.state.store.backend.reset()  # type: ignore[attr-defined]  # the same store, emptied
    with TestClient(create_app(settings), headers=auth(ADMIN)) as empty:
        _ok(empty.post("/v1/import", json=exported))
        assert _ok(empty.get("/v1/accounts/gzf/export")) == exported


def test_a_deal_named_by_a_review_is_deleted_with_cascade_and_leaves_the_review(furniture: TestClient,
                                                                                settings: Settings) -> None:
    _two_deals_reviewed(furniture)
    refused = furniture.delete("/v1/opportunities/d1")
    assert refused.status_code == 409 and "still has 1 review;" in refused.json()["detail"], refused.text
    assert _ok(furniture.get("/v1/opportunities/d1"))["id"] == "d1"  # nothing written
    _ok(furniture.delete("/v1/opportunities/d1", params={"cascade": "true"}))
    review = _review(furniture, "q4")
    assert review["opportunity_ids"] == ["gzf-upgrade", "d2"] and review["version"] == 2
    trail = _ok(furniture.get("/v1/audit", params={"entity_id": "q4"}))["items"]
    assert trail[0]["action"] == "update" and trail[0]["after"]["opportunity_ids"] == ["gzf-upgrade", "d2"]
    _reimports(furniture, settings)


def test_a_deal_moved_to_another_account_leaves_the_reviews_of_the_old_one(furniture: TestClient,
                                                                           settings: Settings) -> None:
    _two_deals_reviewed(furniture)
    _ok(furniture.patch("/v1/opportunities/d2", json={"account_id": "other"}))
    assert _review(furniture, "q4")["opportunity_ids"] == ["gzf-upgrade", "d1"]
    _reimports(furniture, settings)


def test_a_review_imported_again_without_held_at_keeps_its_moment(furniture: TestClient) -> None:
    bundle = {"reviews": [{"id": "r-undated", "account_id": "gzf", "title": "Q4"}]}
    first = _ok(furniture.post("/v1/import", json=bundle))["counts"]["reviews"]
    held = _review(furniture, "r-undated")
    again = _ok(furniture.post("/v1/import", json=bundle))["counts"]["reviews"]
    assert (first["created"], again["unchanged"], again["updated"]) == (1, 1, 0), again
    assert _review(furniture, "r-undated") == held


def test_changes_since_today_include_todays(furniture: TestClient) -> None:
    """A date as since is the start of that day (as until and as_of, a date is its end): "since today"
    lists today's changes instead of answering that since is later than until."""
    today = _ok(furniture.get("/v1/contacts/gzf-design"))["updated_at"][:10]  # imported today
    changes = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": today}))
    assert changes["since"] == f"{today}T00:00:00.000000Z"
    assert {"joined", "chain_joined"} <= {c["kind"] for c in changes["changes"]}


def test_a_review_whose_id_looks_like_a_date_is_the_review(furniture: TestClient) -> None:
    _ok(furniture.post("/v1/accounts/gzf/reviews", json={"id": "2026-01-10", "title": "Q1"}))
    held = _review(furniture, "2026-01-10")["held_at"]
    changes = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": "2026-01-10"}))
    assert changes["since_review_id"] == "2026-01-10" and changes["since"] == held


def test_a_deal_filter_naming_another_kind_of_record_is_a_422_naming_it(furniture: TestClient) -> None:
    """/changes, the change map and the review deck with opportunity_id naming a contact: 422 as the map
    answers it (was 500)."""
    review = _ok(furniture.post("/v1/accounts/gzf/reviews", json={"title": "Q4"}))
    for path, params in (("/v1/accounts/gzf/changes", {}), ("/v1/accounts/gzf/review-deck", {"format": "pdf"}),
                         ("/v1/accounts/gzf/map", {"format": "png", "since": review["id"]})):
        answer = furniture.get(path, params={**params, "opportunity_id": "gzf-gm"})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["loc"] == ["query", "opportunity_id"], answer.text


def test_a_deal_moved_by_an_import_leaves_the_reviews_of_the_old_account(furniture: TestClient,
                                                                         settings: Settings) -> None:
    _two_deals_reviewed(furniture)
    _ok(furniture.post("/v1/import", json={"opportunities": [{"id": "d2", "account_id": "other", "name": "d2"}]}))
    assert _review(furniture, "q4")["opportunity_ids"] == ["gzf-upgrade", "d1"]
    _reimports(furniture, settings)


def test_an_import_cannot_change_an_interests_kind_either(furniture: TestClient) -> None:
    """As a PATCH cannot: the id carries the kind (a CRM import naming the interest by its ends and new
    kind would add a second interest)."""
    id = "HAS_INTEREST:gzf-it:gzf-upgrade:job_threat"
    before = _ok(furniture.get(f"/v1/relationships/{id}"))
    answer = furniture.post("/v1/import", json={"relationships": [
        {"id": id, "type": "HAS_INTEREST", "source": "gzf-it", "target": "gzf-upgrade", "kind": "influence_loss",
         "threat": 0.5}]})
    assert answer.status_code == 422 and answer.json()["errors"][0]["loc"][-1] == "kind", answer.text
    assert _ok(furniture.get(f"/v1/relationships/{id}")) == before
