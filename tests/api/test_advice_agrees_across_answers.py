"""The gaps, the plan and the path a rep is shown say the same way in, over HTTP against the worked
scenario accounts (found by a manager reading the review deck: the gap slide asked a neutral general
manager to introduce us while the plan said to win him first; the plan's path ran through two people
while its tactic said to deepen our own direct line)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

OPP = "/v1/opportunities/gzf-upgrade"


def _get(client: TestClient, url: str, lang: str = "en") -> Any:
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200, response.text
    return response.json()


def _gap(gaps: list[dict[str, Any]], code: str, contact_id: str) -> dict[str, Any]:
    (found,) = [g for g in gaps if g["code"] == code and contact_id in g["contact_ids"]]
    return found


def test_a_gap_asks_only_someone_on_our_side_to_introduce_us(furniture: TestClient) -> None:
    # The CFO is reached through the sales VP (a supporter) and then the general manager (neutral).
    en = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    cfo = _gap(en, "uncovered_member", "gzf-cfo")
    assert cfo["via_id"] == "gzf-gm"
    assert cfo["action"] == ("Give 何丽 an owner of matching rank: 周海; ask 郑浩 to introduce us to 陈志强, and win "
                             "陈志强 over first.")
    visit = _gap(en, "leader_unaware", "gzf-cfo")
    assert visit["action"].endswith("周海 meets 何丽; ask 郑浩 to introduce us to 陈志强, and win 陈志强 over first.")
    # The design director is introduced by the sales VP, who is ours: asked directly.
    assert _gap(en, "uncovered_member", "gzf-design")["action"].endswith("; ask 郑浩 to introduce us.")
    zh = _get(furniture, f"{OPP}/coverage-gaps", "zh-CN")["gaps"]
    assert _gap(zh, "uncovered_member", "gzf-cfo")["action"] == (
        "为何丽指定职级对等的我方负责人：周海；请郑浩引荐陈志强，先争取陈志强的支持。")
    finance = [g for g in zh if g["code"] == "uncovered_department" and g["department"] == "finance"]
    assert finance and finance[0]["action"].endswith("请郑浩引荐陈志强，先争取陈志强的支持。")
    # Never "ask 陈志强 to introduce us" while he is neutral, in any gap.
    assert not any("ask 陈志强 to introduce us" in g["action"] for g in en)
    # Once he supports us, he is asked directly.
    response = furniture.patch(f"{OPP}/decision-chain/members/gzf-gm", json={"stance": "supporter"})
    assert response.status_code == 200, response.text
    after = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    assert _gap(after, "uncovered_member", "gzf-cfo")["action"].endswith("; ask 陈志强 to introduce us.")


def test_a_gap_with_nobody_of_ours_on_the_way_meets_the_go_between_first(furniture: TestClient) -> None:
    # The sales VP turns neutral: nobody on the way to the CFO is ours any more.
    response = furniture.patch(f"{OPP}/decision-chain/members/gzf-salesvp", json={"stance": "neutral"})
    assert response.status_code == 200, response.text
    gaps = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    cfo = _gap(gaps, "uncovered_member", "gzf-cfo")
    assert "meet 郑浩 first, and win 郑浩, 陈志强 over." in cfo["action"], cfo


def test_the_plan_shows_our_own_line_when_its_tactic_deepens_it(handset: TestClient) -> None:
    # Anna Li covers the buyer 杨经理 at 0.6; the strongest path runs through the plant director and the
    # VP won at step 1, but the advice is to deepen her own line: the path shown is that line.
    plan = _get(handset, "/v1/opportunities/hs-platform/next-best-contacts?plan=true&k=5")["recommendations"]
    (buyer,) = [r for r in plan if r["contact_id"] == "hs-buyer"]
    assert buyer["tactics"][0]["code"] == "deepen_direct"
    assert buyer["path"] == ["hs-gam", "hs-buyer"] and buyer["owner_id"] == "hs-gam"
    # A way that needs go-betweens keeps them.
    (purch,) = [r for r in plan if r["contact_id"] == "hs-purch"]
    assert purch["path"] == ["hs-gam", "hs-plant", "hs-purch"]


def test_the_plan_and_the_gaps_name_the_same_owner_level_to_level(furniture: TestClient) -> None:
    # The way to the CFO, COO and GM starts at our presales engineer, but our VP matches their level:
    # the plan, the gaps and the tactics all have 周海 lead (README: "our VP for their CFO").
    plan = {r["contact_id"]: r for r in _get(furniture, f"{OPP}/next-best-contacts?plan=true&k=5")["recommendations"]}
    gaps = _get(furniture, f"{OPP}/coverage-gaps")["gaps"]
    for contact in ("gzf-cfo", "gzf-gm"):
        rec = plan[contact]
        assert rec["path"][0] == "us-se" and rec["owner_id"] == "us-vp", rec
        owners = {g["owner_id"] for g in gaps if contact in g["contact_ids"]
                  and g["code"] in ("uncovered_member", "leader_unaware", "no_executive_counterpart")}
        assert owners <= {"us-vp"}
        (lead,) = [t for t in rec["tactics"] if t["code"] == "owner_leads"]
        assert lead["text"] == "周海, of matching rank, leads the relationship; 张敏 opens the way."
    zh = _get(furniture, f"{OPP}/next-best-contacts?plan=true&k=5", "zh-CN")["recommendations"]
    assert any(t["text"] == "由职级对等的周海主导这段关系，张敏负责牵线。" for r in zh for t in r["tactics"])
