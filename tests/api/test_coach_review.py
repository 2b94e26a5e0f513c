"""What a selling coach and a Chinese sales team found reading the advice, over HTTP against the worked
furniture account: a deal that is over has nothing left to win, an erased person is never approached,
namesakes are told apart, and the response models stay tied to the codes the analytics give."""

from __future__ import annotations

from typing import Any, get_args

from fastapi.testclient import TestClient

from app.schemas.analytics import CoverageGaps, GapCode, NextBestContacts
from graph.store import ERASED_NAME
from scoring.gaps import GAP_CODES
from scoring.view import ERASED_NAME as SCORING_ERASED_NAME

OPP = "/v1/opportunities/gzf-upgrade"


def _get(client: TestClient, url: str, lang: str = "en") -> Any:
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_won_or_lost_deal_has_no_gaps_and_nobody_to_win(furniture: TestClient) -> None:
    assert _get(furniture, f"{OPP}/coverage-gaps")["deal_status"] == "open"
    assert _get(furniture, f"{OPP}/next-best-contacts")["message"] is None
    for status, en, zh in (("won", "This deal is won", "该商机已赢单"), ("lost", "This deal is lost", "该商机已输单")):
        response = furniture.patch(OPP, json={"status": status})
        assert response.status_code == 200, response.text
        gaps = _get(furniture, f"{OPP}/coverage-gaps")
        assert gaps["gaps"] == [] and gaps["people"] == [] and gaps["deal_status"] == status
        assert gaps["message"].startswith(en)
        plan = _get(furniture, f"{OPP}/next-best-contacts?plan=true&k=3", "zh-CN")
        assert plan["recommendations"] == [] and plan["deal_status"] == status and plan["message"].startswith(zh)
        assert _get(furniture, f"{OPP}/decision-chain")["members"]      # the chain stays readable


def test_an_erased_person_is_never_recommended_nor_visited(furniture: TestClient) -> None:
    assert SCORING_ERASED_NAME == ERASED_NAME                         # scoring knows the store's tombstones
    before = _get(furniture, f"{OPP}/next-best-contacts?k=5")["recommendations"]
    assert "gzf-cfo" in [r["contact_id"] for r in before]
    assert furniture.post("/v1/contacts/gzf-cfo/erase").status_code == 200
    for plan in ("false", "true"):
        recs = _get(furniture, f"{OPP}/next-best-contacts?k=5&plan={plan}")["recommendations"]
        assert recs and "gzf-cfo" not in [r["contact_id"] for r in recs]
        assert ERASED_NAME not in [r["name"] for r in recs]
    gaps = _get(furniture, f"{OPP}/coverage-gaps")
    assert not [g for g in gaps["gaps"] if "gzf-cfo" in g["contact_ids"] or "gzf-cfo" in (g["suggested_ids"] or [])]
    assert not any(ERASED_NAME in g["action"] for g in gaps["gaps"])


def test_namesakes_are_told_apart_in_the_advice(furniture: TestClient) -> None:
    # A second 黄伟 joins (the COO is 黄伟, 运营副总): every text names each with their title.
    response = furniture.post("/v1/contacts", json={"id": "gzf-huang2", "account_id": "gzf", "name": "黄伟",
                                                    "title": "仓库主管", "department": "logistics"})
    assert response.status_code in (200, 201), response.text
    texts = [g["message"] + g["action"] for g in _get(furniture, f"{OPP}/coverage-gaps", "zh-CN")["gaps"]]
    recs = _get(furniture, f"{OPP}/next-best-contacts?k=5", "zh-CN")["recommendations"]
    texts += [x["text"] for r in recs for x in r["reasons"] + r["tactics"]]
    named = [t for t in texts if "黄伟" in t]
    assert named and all("黄伟（运营副总）" in t for t in named), named
    assert not any("（运营副总）（运营副总）" in t for t in named)        # where the title is shown, once


def test_the_response_models_carry_the_codes_and_the_deal_status() -> None:
    assert get_args(GapCode) == GAP_CODES
    assert {"deal_status", "message"} <= set(CoverageGaps.model_fields) & set(NextBestContacts.model_fields)
