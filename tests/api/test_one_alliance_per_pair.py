"""An alliance or a rivalry means both ways and is recorded once per pair (DESIGN.md: "ALLY … stored once,
means both ways"): a second one between the same two people — the other way round, or the same way under
another id — is refused naming it, by a POST and in an import alike, on both backends; nothing is written.
(Before: each was stored, and the path between them strengthened with every copy: 0.5 → 0.75 → 0.875 —
review E, finding 3; a CRM export listing the pair from both sides inflated influence silently.)"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

BASE: dict[str, Any] = {
    "accounts": [{"id": "acme", "name": "ACME"}],
    "contacts": [{"id": "a", "account_id": "acme", "name": "甲"}, {"id": "b", "account_id": "acme", "name": "乙"}],
    "relationships": [{"type": "ALLY", "source": "a", "target": "b", "strength": 0.5},
                      {"type": "RIVAL", "source": "a", "target": "b", "strength": 0.3}],
}


def _strength(client: TestClient) -> float:
    paths = client.get("/v1/accounts/acme/paths", params={"from": "a", "to": "b"})
    assert paths.status_code == 200, paths.text
    return float(paths.json()["paths"][0]["strength"])


@pytest.mark.parametrize("second", [
    {"type": "ALLY", "source": "b", "target": "a", "strength": 0.5},
    {"id": "ally-2", "type": "ALLY", "source": "a", "target": "b", "strength": 0.5},
    {"type": "RIVAL", "source": "b", "target": "a", "strength": 0.3},
])
def test_a_second_line_for_a_pair_is_refused(client: TestClient, second: dict[str, Any]) -> None:
    assert client.post("/v1/import", json=BASE).status_code == 200
    before = _strength(client)
    posted = client.post("/v1/relationships", json=second)
    assert posted.status_code == 422, posted.text
    assert "recorded once" in posted.text and posted.json()["errors"][0]["loc"] == ["body", "target"]
    imported = client.post("/v1/import", json={"relationships": [second]})
    assert imported.status_code == 422 and imported.json()["errors"][0]["loc"][:3] == ["body", "relationships", 0]
    assert _strength(client) == before == 0.5
    assert client.post("/v1/import", json=BASE).json()["counts"]["relationships"]["unchanged"] == 2


def test_both_ways_in_one_bundle_is_refused(client: TestClient) -> None:
    both = {**BASE, "relationships": [*BASE["relationships"],
                                      {"type": "ALLY", "source": "b", "target": "a", "strength": 0.5}]}
    refused = client.post("/v1/import", json=both)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"][:3] == ["body", "relationships", 2]
    assert client.get("/v1/contacts/a").status_code == 404


def test_a_pair_recorded_twice_before_the_rule_can_still_be_edited(client: TestClient, settings: Any) -> None:
    """Stores written before the rule may hold both ways of a pair: they stay editable and re-importable."""
    from app.settings import make_backend
    from graph.models import RelationshipIn
    from graph.store import Store, _edge_record

    assert client.post("/v1/import", json=BASE).status_code == 200
    store = Store(make_backend(settings))
    try:   # written as an older version would have (no rule then)
        store.backend.write(lambda tx: tx.put_edges([replace(_edge_record(RelationshipIn(
            type="ALLY", source="b", target="a", strength=0.2)), account_id="acme")]))
    finally:
        store.backend.close()
    edited = client.patch("/v1/relationships/ALLY:b:a", json={"strength": 0.3})
    assert edited.status_code == 200, edited.text
    exported = client.get("/v1/accounts/acme/export").json()
    assert client.post("/v1/import", json=exported).status_code == 200
