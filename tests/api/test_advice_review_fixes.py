"""Advice defects found in review, over HTTP against the worked scenario accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bundle

OPP = "/v1/opportunities/gzf-upgrade"


def _get(client: TestClient, url: str, lang: str = "en", params: dict[str, str] | None = None) -> Any:
    response = client.get(url, headers={"Accept-Language": lang}, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _texts(rec: dict[str, Any]) -> list[str]:
    return [t["text"] for t in rec["reasons"] + rec["tactics"]]


def test_counterpart_tie_across_accounts_names_both(furniture: TestClient) -> None:
    assert furniture.post("/v1/import", json=bundle("handset")).status_code == 200
    gaps = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    (gap,) = [g for g in gaps if g["code"] == "no_executive_counterpart"]
    assert "周海" in gap["action"] and "Zhou Hai" in gap["action"] and " or " in gap["action"]
    assert gap["owner_id"] is None
    # On the handset account, the VP with ties there is the one named.
    purch = _get(furniture, "/v1/opportunities/hs-platform/next-best-contacts?k=1")["recommendations"][0]
    visit = [t["text"] for t in purch["tactics"] if t["code"] == "executive_visit"]
    assert visit and "Zhou Hai" in visit[0] and "周海" not in visit[0]


def test_only_someone_on_our_side_speaks_for_us(furniture: TestClient) -> None:
    recs = {r["contact_id"]: r for r in _get(furniture, f"{OPP}/next-best-contacts?k=9")["recommendations"]}
    for rec in recs.values():
        for t in rec["tactics"]:
            if t["code"] == "introduce_through":
                assert "郑浩" in t["text"], t        # the supporter; never 林晓 or the neutral GM
    qa = [t for t in recs["gzf-qa"]["tactics"] if t["code"] == "introduce_then_win"]
    assert qa and "郑浩" in qa[0]["text"] and "林晓" in qa[0]["text"]


def test_plan_uses_an_existing_line(handset: TestClient) -> None:
    recs = _get(handset, "/v1/opportunities/hs-platform/next-best-contacts?plan=true")["recommendations"]
    (buyer,) = [r for r in recs if r["contact_id"] == "hs-buyer"]
    codes = [t["code"] for t in buyer["tactics"]]
    assert "introduce_through" not in codes and "deepen_direct" in codes and buyer["owner_id"] == "hs-gam"


def test_missing_informal_ties_are_not_missing_power(furniture: TestClient) -> None:
    rows = {r["contact_id"]: r for r in _get(furniture, "/v1/accounts/gzf/influence")["contacts"]}
    assert "title_without_power" not in [s["code"] for s in rows["gzf-cfo"]["signals"]]


def test_entrenched_interest_gets_no_relationship_building(furniture: TestClient) -> None:
    recs = {r["contact_id"]: r for r in _get(furniture, f"{OPP}/next-best-contacts?k=9")["recommendations"]}
    codes = [t["code"] for t in recs["gzf-proc"]["tactics"]]
    assert "deepen_direct" not in codes and "value_case" not in codes
    assert "defuse_other_departments" in codes
    assert any("an opponent" in t for t in _texts(recs["gzf-proc"]))


def test_broker_lists_only_people_not_tied_to_each_other(furniture: TestClient) -> None:
    rows = {r["contact_id"]: r for r in _get(furniture, "/v1/accounts/gzf/influence")["contacts"]}
    (broker,) = [s for s in rows["gzf-gm"]["signals"] if s["code"] == "broker"]
    assert not ("郑浩" in broker["text"] and "林晓" in broker["text"])


def test_leaders_are_owned_level_to_level(furniture: TestClient) -> None:
    gaps = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    (finance,) = [g for g in gaps if g["code"] == "uncovered_department" and g["department"] == "finance"]
    (cfo,) = [g for g in gaps if g["code"] == "uncovered_member" and g["contact_ids"] == ["gzf-cfo"]]
    assert finance["owner_id"] == cfo["owner_id"] == "us-vp" and "张敏" not in cfo["action"]


def test_reach_from_a_supporter_is_not_called_the_path_strength(furniture: TestClient) -> None:
    gm = _get(furniture, f"{OPP}/next-best-contacts?k=1")["recommendations"][0]
    assert gm["contact_id"] == "gzf-gm"
    assert not any("path strength 72%" in t for t in _texts(gm))
    assert any(r["code"] == "reachable_by_ours" for r in gm["reasons"])


def test_chinese_wording(furniture: TestClient) -> None:
    gaps = _get(furniture, f"{OPP}/coverage-gaps", "zh-CN")["gaps"]
    (single,) = [g for g in gaps if g["code"] == "single_threaded"]
    assert "1位支持者" in single["message"]
    since = dt.datetime.now(dt.UTC).isoformat()
    patch = furniture.patch("/v1/contacts/gzf-salesvp", json={"level": "executive"})
    assert patch.status_code == 200, patch.text
    changes = _get(furniture, "/v1/accounts/gzf/changes", "zh-CN", {"since": since})
    texts = [c["text"] for c in changes["changes"]]
    assert any("副总 → 高层" in t for t in texts), texts


def test_unknown_closeness_is_not_averaged_as_zero(furniture: TestClient) -> None:
    chain = _get(furniture, f"{OPP}/decision-chain")
    rel = [m["closeness"]["relationship"] for m in chain["members"] if m["status"] != "left"]
    known = [(m["decision_weight"], m["closeness"]["relationship"]) for m in chain["members"]
             if m["closeness"]["relationship"] is not None]
    assert None in rel
    mean = sum(w * v for w, v in known) / sum(w for w, _ in known)
    assert abs(chain["closeness"]["relationship"] - mean) < 1e-9


def test_a_member_with_no_closeness_recorded_has_no_composite(furniture: TestClient) -> None:
    """林晓 (gzf-design) has no closeness measure recorded: her composite is null, not 0.0 (the deck
    showed "0.00" for a supporter we cover at 0.4); the others keep theirs."""
    members = {m["contact_id"]: m["closeness"] for m in _get(furniture, f"{OPP}/decision-chain")["members"]}
    assert members["gzf-design"]["composite"] is None and members["gzf-design"]["relationship"] is None
    assert all(c["composite"] is not None for c in members.values() if c["relationship"] is not None)
