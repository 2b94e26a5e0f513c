"""The change map says what it could not draw: after a review, our rep 王磊 deleted (his coverage of three
people lost), the contact 吴芳 deleted (removed, with her lines), the competitor taken off the deal and
deleted (its favours lines lost, the competitor dropped) — none of them is on the map any more, so each of
those changes is listed, in the reader's language, under the legend's marks; the lost line between two
people still on the map is drawn (dotted), not listed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.maps.conftest import svg_texts


def _ok(response: Any) -> None:
    assert response.status_code in (200, 201, 204), response.text


@pytest.fixture
def review(furniture: TestClient) -> str:
    made = furniture.post("/v1/accounts/gzf/reviews", json={"title": "Q2"})
    _ok(made)
    _ok(furniture.delete("/v1/team/us-rep", params={"cascade": "true"}))
    _ok(furniture.delete("/v1/contacts/gzf-qa", params={"cascade": "true"}))
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"competitor_ids": []}))
    _ok(furniture.delete("/v1/competitors/incumbent", params={"cascade": "true"}))
    _ok(furniture.delete("/v1/relationships/INFLUENCES:gzf-salesvp:gzf-gm"))
    return str(made.json()["id"])


def _left_out(texts: list[str], heading: str) -> list[str]:
    assert heading in texts, texts[-20:]
    return texts[texts.index(heading) + 1:]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_changes_of_deleted_records_are_listed_on_the_change_map(furniture: TestClient, review: str,
                                                                 lang: str) -> None:
    changes = furniture.get("/v1/accounts/gzf/changes", params={"since": review, "opportunity_id": "gzf-upgrade"},
                            headers={"Accept-Language": lang}).json()["changes"]
    by_kind: dict[str, list[str]] = {}
    for c in changes:
        by_kind.setdefault(c["kind"], []).append(c["text"])
    assert by_kind["removed"] and by_kind["coverage_lost"] and by_kind["competitor_dropped"]
    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "since": review,
                                                        "opportunity_id": "gzf-upgrade"},
                        headers={"Accept-Language": lang})
    assert svg.status_code == 200, svg.text
    texts = svg_texts(svg.content)
    heading = "未画出（已不在地图上）：" if lang == "zh-CN" else "Not drawn — no longer on the map:"
    listed = _left_out(texts, heading)
    control = next(t for t in by_kind["line_removed"] if ("郑浩" in t and "陈志强" in t))
    gone = [c["text"] for c in changes if c["kind"] in ("removed", "coverage_lost", "competitor_dropped",
                                                         "line_removed") and c["text"] != control]
    assert len(gone) == 9
    # Each of them listed (whole, or cut with an ellipsis where it is long), in the order of the change
    # list, or counted among the ones left for the change list.
    bullets = [line for line in listed if line.startswith("• ")]
    for line, text in zip(bullets, gone, strict=False):
        assert line == f"• {text}" or (line.endswith("…") and f"• {text}".startswith(line[:-1])), (line, text)
    more = [line for line in listed if not line.startswith("• ")][-1]
    assert bullets and str(len(gone) - len(bullets)) in more, listed
    assert ("另有" in more) if lang == "zh-CN" else ("more" in more)
    # The lost line between two people still on the map is drawn, not listed.
    assert not any(control[:12] in line for line in listed)



def test_a_stance_moved_on_two_deals_is_said_so_under_the_name(furniture: TestClient) -> None:
    """Without a deal chosen, a person whose stance moved on two deals is marked with how many (the change
    list says which), not with one of the two moves as if it were the only one."""
    _ok(furniture.post("/v1/opportunities", json={"id": "gzf-service", "account_id": "gzf", "name": "服务合同"}))
    _ok(furniture.post("/v1/opportunities/gzf-service/decision-chain/members",
                       json={"contact_id": "gzf-cfo", "role": "economic_buyer", "stance": "neutral"}))
    made = furniture.post("/v1/accounts/gzf/reviews", json={"title": "Q3"})
    _ok(made)
    for deal, stance in (("gzf-upgrade", "supporter"), ("gzf-service", "skeptic")):
        _ok(furniture.patch(f"/v1/opportunities/{deal}/decision-chain/members/gzf-cfo", json={"stance": stance}))
    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "since": made.json()["id"]},
                        headers={"Accept-Language": "zh-CN"})
    assert svg.status_code == 200, svg.text
    texts = svg_texts(svg.content)
    assert "2个商机上态度有变" in texts, texts
    one = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "since": made.json()["id"],
                                                        "opportunity_id": "gzf-service"},
                        headers={"Accept-Language": "zh-CN"})
    assert "中立 → 怀疑者" in svg_texts(one.content)
