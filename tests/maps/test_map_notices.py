"""What a map says about itself: hints whose values are percent-encoded so they work as written, the
language of its text in Content-Language, and a group account with no people of its own pointing to
its subsidiaries' maps."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bundle
from tests.maps.conftest import fetch, svg_texts
from tests.maps.generator import large_account


def _large(client: TestClient, people: int = 180) -> str:
    data = large_account(people, seed=5)
    for contact in data["contacts"]:
        if contact.get("department") == "operations":       # the largest department left out
            contact["department"] = "R&D #1"
    assert client.post("/v1/import", json=data).status_code == 200
    return str(data["accounts"][0]["id"])


def test_a_hint_works_as_written(client: TestClient) -> None:
    account = _large(client)
    notices = client.get(f"/v1/accounts/{account}/map-view", params={"scope": "chain"},
                         headers={"Accept-Language": "en"}).json()["notices"]
    hints = [h for n in notices for h in re.findall(r"scope=department&department=\S+", n)]
    assert hints == ["scope=department&department=R%26D%20%231"], notices
    answer = client.get(f"/v1/accounts/{account}/map-view?{hints[0]}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["view"] == "department" and answer.json()["title"].endswith("R&D #1")


@pytest.mark.parametrize("asked, expected", [(None, "zh-CN"), ("en", "en"), ("zh-CN", "zh-CN")])
def test_map_view_says_the_language_of_its_notices(client: TestClient, asked: str | None, expected: str) -> None:
    data = large_account(160, seed=7)
    assert client.post("/v1/import", json=data).status_code == 200
    account = data["accounts"][0]["id"]
    response = client.get(f"/v1/accounts/{account}/map-view",
                          headers={"Accept-Language": asked} if asked else {})
    assert response.status_code == 200
    notice = response.json()["notices"][0]
    assert ("显示" in notice) == (expected == "zh-CN"), notice
    assert response.headers["content-language"] == expected
    image = client.get(f"/v1/accounts/{account}/map", params={"format": "svg"},
                       headers={"Accept-Language": asked} if asked else {})
    assert image.headers["content-language"] == expected


def test_an_english_account_says_english(handset: TestClient) -> None:
    response = handset.get("/v1/accounts/hs-global/map-view")
    assert response.headers["content-language"] == "en"


@pytest.mark.parametrize("wrong", ["gzf-gm", "incumbent", "gzf"])
def test_map_view_names_a_wrong_opportunity_id(furniture: TestClient, wrong: str) -> None:
    response = furniture.get("/v1/accounts/gzf/map-view", params={"opportunity_id": wrong})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "opportunity_id"]


def test_a_group_with_no_people_points_to_its_subsidiaries(handset: TestClient) -> None:
    texts = svg_texts(fetch(handset, "hs-global", "svg"))
    notice = next(t for t in texts if "no people of its own" in t)
    assert "Global Handset 天津工厂" in notice and "GET /v1/accounts/hs-tj/map" in notice
    zh = handset.get("/v1/accounts/hs-global/map-view", headers={"Accept-Language": "zh-CN"}).json()
    assert zh["notices"] == ["此客户没有自己的人员。其人员在下属公司的关系图中：Global Handset 天津工厂（GET /v1/accounts/hs-tj/map）"]
    # the subsidiary's own map says nothing of the kind
    assert not any("no people" in t for t in svg_texts(fetch(handset, "hs-tj", "svg")))


def test_an_account_nobody_was_added_to_says_so(client: TestClient) -> None:
    data = bundle("furniture")
    data["accounts"].append({"id": "empty", "name": "Empty Co."})
    assert client.post("/v1/import", json=data).status_code == 200
    texts = svg_texts(fetch(client, "empty", "svg"))
    assert any("No people on this account's map yet" in t for t in texts)


def test_a_group_map_names_a_subsidiary_added_since_it_was_drawn(handset: TestClient) -> None:
    """A subsidiary's writes are not news of the group's map: the list is read for each request and is
    part of a kept drawing's key, so a second subsidiary shows at once, on the image and in the view."""
    assert "Global Handset 天津工厂" in next(t for t in svg_texts(fetch(handset, "hs-global", "svg"))
                                         if "no people of its own" in t)
    handset.get("/v1/accounts/hs-global/map-view").raise_for_status()
    handset.post("/v1/accounts", json={"id": "hs-sz", "name": "Shenzhen Plant", "parent_id": "hs-global"}
                 ).raise_for_status()
    notice = next(t for t in svg_texts(fetch(handset, "hs-global", "svg")) if "no people of its own" in t)
    assert "Shenzhen Plant" in notice and "Global Handset 天津工厂" in notice
    view = handset.get("/v1/accounts/hs-global/map-view").json()
    assert any("Shenzhen Plant" in n for n in view["notices"]), view["notices"]


def test_a_map_as_it_stood_draws_the_team_as_it_stood(furniture: TestClient) -> None:
    """Every team member is drawn, so a past map draws our team as it stood then: not someone hired since."""
    from graph.records import now_iso

    then = now_iso()
    furniture.post("/v1/team", json={"id": "us-later", "name": "Hired Later", "level": "executive"}
                   ).raise_for_status()
    past = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "as_of": then})
    assert past.status_code == 200 and "Hired Later" not in svg_texts(past.content)
    assert "Hired Later" in svg_texts(fetch(furniture, "gzf", "svg"))
    gaps = furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps", params={"as_of": then}).json()
    assert "Hired Later" not in str(gaps)
