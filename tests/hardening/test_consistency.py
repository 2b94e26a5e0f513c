"""The map stays consistent when people move: a contact moved to another account, by PATCH or by
import, takes its relationships along (they are filed and filtered under the new account)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.hardening.conftest import loaded


def _accounts_of_edges(client: TestClient, contact: str) -> dict[str, str]:
    items = client.get("/v1/relationships", params={"limit": 500}).json()["items"]
    return {e["id"]: e["account_id"] for e in items if contact in (e["source"], e["target"])}


@pytest.mark.parametrize("how", ["patch", "import"])
def test_a_moved_contact_takes_its_relationships_along(client: TestClient, how: str) -> None:
    loaded(client, "furniture", "handset")
    assert set(_accounts_of_edges(client, "gzf-qa").values()) == {"gzf"}
    if how == "patch":
        response = client.patch("/v1/contacts/gzf-qa", json={"account_id": "hs-tj"})
    else:
        response = client.post("/v1/import", json={"contacts": [{"id": "gzf-qa", "account_id": "hs-tj",
                                                                  "name": "质量经理"}]})
    assert response.status_code == 200, response.text
    moved = _accounts_of_edges(client, "gzf-qa")
    assert moved and set(moved.values()) == {"hs-tj"}
    filtered = client.get("/v1/relationships", params={"account_id": "hs-tj", "limit": 500}).json()["items"]
    assert set(moved) <= {e["id"] for e in filtered}
    # and a reporting cycle through the moved person is still caught under the new account
    cycle = client.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "gzf-coo", "target": "gzf-qa"})
    assert cycle.status_code == 422 and "cycle" in cycle.json()["detail"]
