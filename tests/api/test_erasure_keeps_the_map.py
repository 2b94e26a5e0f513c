"""Erasing a person keeps whether they know us, on both backends: the tombstone of 刘建国 (procurement
director, who knows us) does not turn into "a leader who does not know us" in the coverage gaps, now or as
of a moment before the erasure. (Before: the tombstone fell back to knows_us false, inventing a
leader_unaware gap and an executive visit to "[erased]" — review D, finding 1.)"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _unaware(client: TestClient, **params: str) -> list[str]:
    answer = client.get("/v1/opportunities/gzf-upgrade/coverage-gaps", params=params)
    assert answer.status_code == 200, answer.text
    gaps: list[dict[str, Any]] = answer.json()["gaps"]
    return sorted(p for g in gaps if g["code"] == "leader_unaware" for p in g["contact_ids"])


def test_the_tombstone_still_knows_us(furniture: TestClient) -> None:
    before = _unaware(furniture)
    assert "gzf-proc" not in before
    tombstone = furniture.post("/v1/contacts/gzf-proc/erase")
    assert tombstone.status_code == 200, tombstone.text
    assert tombstone.json()["knows_us"] is True and tombstone.json()["name"] == "[erased]"
    assert _unaware(furniture) == before
    assert _unaware(furniture, as_of="2200-01-01") == before
