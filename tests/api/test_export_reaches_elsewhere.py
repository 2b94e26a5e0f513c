"""An account's export re-imports into an empty store as the same graph when its lines reach people of
other accounts (supported on purpose: a subsidiary's manager reporting to the group's general manager, an
outsider who sways someone), on both backends: the export holds the accounts those people belong to (and
their parents), and the competitors of another account's deal that one of ours has a stake in — now and
as of a moment."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.records import now_iso
from tests.conftest import ADMIN, auth

FAR = "2200-01-01"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _reach_elsewhere(client: TestClient) -> None:
    posts: list[tuple[str, dict[str, Any]]] = [
        # a subsidiary of the account, whose manager reports to the account's general manager
        ("/v1/accounts", {"id": "sub", "name": "Sub", "parent_id": "gzf"}),
        ("/v1/contacts", {"id": "s1", "account_id": "sub", "name": "S1"}),
        ("/v1/relationships", {"type": "REPORTS_TO", "source": "s1", "target": "gzf-gm"}),
        # an unrelated account (in a group of its own), one of whose people sways the CFO
        ("/v1/accounts", {"id": "other-group", "name": "Other Group"}),
        ("/v1/accounts", {"id": "other", "name": "Other Co.", "parent_id": "other-group"}),
        ("/v1/contacts", {"id": "o1", "account_id": "other", "name": "O1"}),
        ("/v1/relationships", {"type": "INFLUENCES", "source": "o1", "target": "gzf-cfo", "strength": 0.6}),
        # and a deal there, with a rival of its own, in which one of ours has a stake
        ("/v1/competitors", {"id": "rival-2", "name": "Rival Two"}),
        ("/v1/opportunities", {"id": "o-deal", "account_id": "other", "name": "Other deal",
                               "stage": "Proposal", "competitor_ids": ["rival-2"]}),
        ("/v1/relationships", {"type": "HAS_INTEREST", "source": "gzf-it", "target": "o-deal",
                               "kind": "personal", "threat": 0.2}),
    ]
    for path, body in posts:
        _ok(client.post(path, json=body), 201)


def test_an_export_reaching_other_accounts_reimports_as_the_same_graph(furniture: TestClient,
                                                                        settings: Settings) -> None:
    _reach_elsewhere(furniture)
    exported = _ok(furniture.get("/v1/accounts/gzf/export"))
    assert _ok(furniture.get("/v1/accounts/gzf/export", params={"as_of": FAR})) == exported
    assert [a["id"] for a in exported["accounts"]] == ["gzf", "other", "other-group", "sub"]
    assert {"s1", "o1"} <= {c["id"] for c in exported["contacts"]}
    assert "o-deal" in {o["id"] for o in exported["opportunities"]}
    assert {c["id"] for c in exported["competitors"]} == {"incumbent", "rival-2"}
    # the subsidiary's own export names its parent, as before
    assert [a["id"] for a in _ok(furniture.get("/v1/accounts/sub/export"))["accounts"]] == ["gzf", "sub"]

    furniture.app.state.store.backend.reset()  # type: ignore[attr-defined]  # the same store, emptied
    with TestClient(create_app(settings), headers=auth(ADMIN)) as empty:
        assert _ok(empty.get("/v1/accounts", params={"limit": 10}))["items"] == []
        _ok(empty.post("/v1/import", json=exported))
        assert _ok(empty.get("/v1/accounts/gzf/export")) == exported
        assert _ok(empty.get("/v1/accounts/gzf/export", params={"as_of": FAR})) == exported
        again = _ok(empty.post("/v1/import", json=exported))["counts"]
        assert all(c["created"] == c["updated"] == 0 for c in again.values()), again


def test_an_export_as_of_a_moment_names_the_accounts_as_they_stood(furniture: TestClient,
                                                                    settings: Settings) -> None:
    _reach_elsewhere(furniture)
    then = _ok(furniture.get("/v1/accounts/gzf/export"))
    moment = now_iso()
    _ok(furniture.patch("/v1/accounts/other", json={"name": "Other Co. (renamed)"}))
    _ok(furniture.patch("/v1/accounts/sub", json={"industry": "furniture"}))
    past = _ok(furniture.get("/v1/accounts/gzf/export", params={"as_of": moment}))
    assert past == then
    assert [a["name"] for a in past["accounts"] if a["id"] == "other"] == ["Other Co."]

    furniture.app.state.store.backend.reset()  # type: ignore[attr-defined]
    with TestClient(create_app(settings), headers=auth(ADMIN)) as empty:
        _ok(empty.post("/v1/import", json=past))
        assert _ok(empty.get("/v1/accounts/gzf/export")) == past
