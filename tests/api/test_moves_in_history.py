"""A contact who moves to another account takes their lines along, in the present and in the past answers
alike, on both backends: the new account's map as of a moment after the move is its map now (the lines
are filed under it, and the audit trail says so), the old account's no longer shows them, and the move
is in the changes. (Before: the lines were re-filed without an audit entry, so the new account's export
as of today had none of the mover's lines — by a PATCH and by an import alike.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

FAR = "2200-01-01"

BUNDLE: dict[str, Any] = {
    "accounts": [{"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta 集团"}],
    "competitors": [{"id": "k1", "name": "Incumbent"}],
    "team": [{"id": "t1", "name": "Rep One"}],
    "contacts": [{"id": "boss", "account_id": "beta", "name": "王总", "level": "executive"},
                 {"id": "mover", "account_id": "acme", "name": "Mover", "level": "manager"},
                 {"id": "peer", "account_id": "acme", "name": "Peer", "level": "manager"}],
    "relationships": [{"type": "REPORTS_TO", "source": "mover", "target": "boss"},
                      {"type": "FAVORS", "source": "mover", "target": "k1", "strength": 0.9},
                      {"type": "INFLUENCES", "source": "mover", "target": "peer", "strength": 0.6},
                      {"type": "COVERS", "source": "t1", "target": "mover", "closeness": 0.5}],
}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _lines(client: TestClient, account: str, **params: str) -> list[str]:
    export = _ok(client.get(f"/v1/accounts/{account}/export", params=params))
    return sorted(f"{r['type']} {r['source']}→{r['target']}" for r in export["relationships"])


@pytest.mark.parametrize("how", ["patch", "import"])
def test_a_contacts_lines_move_with_them_in_the_past_too(client: TestClient, how: str) -> None:
    _ok(client.post("/v1/import", json=BUNDLE))
    before = {account: _lines(client, account) for account in ("acme", "beta")}
    assert "FAVORS mover→k1" in before["acme"] and "FAVORS mover→k1" not in before["beta"]
    if how == "patch":
        _ok(client.patch("/v1/contacts/mover", json={"account_id": "beta"}))
    else:
        _ok(client.post("/v1/import", json={"contacts": [{**BUNDLE["contacts"][1], "account_id": "beta"}]}))
    for account in ("acme", "beta"):
        now = _lines(client, account)
        assert _lines(client, account, as_of=FAR) == now, account
    moved = _lines(client, "beta")
    assert {"FAVORS mover→k1", "REPORTS_TO mover→boss", "COVERS t1→mover"} <= set(moved)
    assert "FAVORS mover→k1" not in _lines(client, "acme", as_of=FAR)
    imported = min(e["at"] for e in _ok(client.get("/v1/audit", params={"limit": 500}))["items"])
    changes = _ok(client.get("/v1/accounts/beta/changes", params={"since": imported}))
    assert changes["summary"]["moved_in"] == 1 and changes["summary"]["joined"] == 0
    assert changes["summary"]["lines_moved"] >= 1
    favors = next(r["id"] for r in _ok(client.get("/v1/accounts/beta/export"))["relationships"]
                  if r["type"] == "FAVORS")
    latest = _ok(client.get("/v1/audit", params={"entity_id": favors}))["items"][0]
    assert (latest["before"]["account_id"], latest["after"]["account_id"]) == ("acme", "beta")
