"""What a CRM plug-in developer met (review A), on both backends: a filter a list does not take is refused
rather than ignored (`/v1/team?account_id=gzf` listed every team member, the unknown account too); one
decision-chain member can be read with its ETag, for an If-Match write (it answered 405); and deleting a
contact who sits in a decision chain says so (it said "0 members")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/v1/team", "/v1/competitors", "/v1/accounts"])
def test_a_list_kept_across_accounts_refuses_an_account_filter(furniture: TestClient, path: str) -> None:
    refused = furniture.get(path, params={"account_id": "gzf"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["query", "account_id"]
    assert furniture.get(path).status_code == 200
    contacts = furniture.get("/v1/contacts", params={"account_id": "gzf"})
    assert contacts.status_code == 200 and contacts.json()["items"]


def test_one_member_is_read_with_its_version(furniture: TestClient) -> None:
    path = "/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm"
    member = furniture.get(path)
    assert member.status_code == 200, member.text
    assert (member.json()["contact_id"], member.json()["opportunity_id"]) == ("gzf-gm", "gzf-upgrade")
    assert member.headers["ETag"] == f'"{member.json()["version"]}"'
    changed = furniture.patch(path, json={"influence": 4}, headers={"If-Match": member.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert furniture.patch(path, json={"influence": 2}, headers={"If-Match": member.headers["ETag"]}).status_code == 412
    assert furniture.get("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-nobody").status_code == 404


def test_deleting_a_chain_member_names_the_seat(furniture: TestClient) -> None:
    refused = furniture.delete("/v1/contacts/gzf-cfo")
    assert refused.status_code == 409, refused.text
    assert "1 decision-chain seat" in refused.json()["detail"], refused.text
    assert refused.json()["decision_chain_seats"] == 1 if "decision_chain_seats" in refused.json() else True
