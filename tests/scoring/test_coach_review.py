"""What a selling coach and a Chinese sales team found reading the advice, each on a small hand-built map:
plans that never route a move through its own target, owners level to level, loyalty to a rival as a
risk, new threads who would help, records that contradict themselves, deals that are over, numbers not
known enough to judge, namesakes told apart, erased people never approached, bypasses that keep the
bypassed person informed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import networkx as nx

from scoring import classify_account, coverage_gaps, decision_chain, next_best_contacts
from scoring.model import AccountMap
from scoring.options import DEFAULT_OPTIONS

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder

TODAY = dt.date(2026, 12, 7)
ROSTER = [{"id": "rep", "name": "Rep Wang", "title": "Account manager", "level": "manager", "role": "sales"},
          {"id": "se", "name": "SE Zhang", "title": "Presales engineer", "level": "staff", "role": "presales"},
          {"id": "vp", "name": "VP Zhou", "title": "Regional VP", "level": "vp", "role": "executive"}]


def _codes(items: list[dict[str, Any]]) -> list[str]:
    return [x["code"] for x in items]


def _texts(rec: dict[str, Any]) -> str:
    return " ".join(x["text"] for x in rec["reasons"] + rec["tactics"])


def _circular(mapb: type[MapBuilder]) -> nx.MultiDiGraph:
    """GM → CFO → CTO → GM sway each other; our supporter Dan sways the CTO (cases/f_circular)."""
    return (mapb().team("se", name="SE Zhang", level="staff")
            .contact("a", name="Amy", level="executive", knows_us=True)
            .contact("b", name="Bob", level="executive", knows_us=True)
            .contact("c", name="Cid", level="vp", knows_us=True).contact("d", name="Dan", level="staff", knows_us=True)
            .opportunity("o").member("a", "o", "decision_maker", "opponent", 5)
            .member("b", "o", "economic_buyer", "neutral", 5).member("c", "o", "technical_evaluator", "neutral", 4)
            .member("d", "o", "coach", "champion", 2)
            .edge("INFLUENCES", "a", "b", strength=0.9).edge("INFLUENCES", "b", "c", strength=0.9)
            .edge("INFLUENCES", "c", "a", strength=0.9).edge("PROMOTED_BY", "b", "a")
            .edge("ALLY", "c", "b", strength=0.8).edge("INFLUENCES", "d", "c", strength=0.5)
            .edge("COVERS", "se", "d", closeness=0.6).build())


# ---------------------------------------------------------------------- 1. plans: simple paths, go-betweens won
def test_a_plan_never_routes_a_move_through_its_own_target(mapb: type[MapBuilder]) -> None:
    plan = next_best_contacts(_circular(mapb), "o", k=4, plan=True)["recommendations"]
    assert plan[0]["contact_id"] == "a" and plan[0]["path"] == ["se", "d", "c", "a"]
    for r in plan:
        assert len(set(r["path"])) == len(r["path"]) and r["path"][-1] == r["contact_id"], r["path"]
    # Cid is met and won on the way in step 1: won by that step, never a later target.
    assert "c" not in [r["contact_id"] for r in plan]
    later = " ".join(_texts(r) for r in plan[1:])
    assert "Cid (ours since step 1)" in later or "c" not in later


def test_every_path_starts_at_our_side(mapb: type[MapBuilder]) -> None:
    # The supporter s is on our side but nobody covers them: a way through them starts at our team.
    g = (mapb().team("t").contacts("s", "x", "y", knows_us=True).opportunity("o")
         .member("s", "o", "technical_evaluator", "supporter", 3).member("x", "o", "decision_maker", "neutral", 5)
         .edge("COVERS", "t", "y", closeness=0.8).edge("INFLUENCES", "y", "s", strength=0.8)
         .edge("INFLUENCES", "s", "x", strength=0.6).build())
    for plan in (False, True):
        for r in next_best_contacts(g, "o", k=3, plan=plan)["recommendations"]:
            assert not r["path"] or r["path"][0] == "t", r


# ---------------------------------------------------------------------- 2. owners level to level
def test_a_recommendation_is_owned_level_to_level_as_in_the_gaps(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("se", name="SE Zhang", level="staff", role="presales")
         .contact("cfo", name="CFO Gao", level="executive", knows_us=False)
         .contact("eng", name="Eng Li", level="staff", knows_us=True).opportunity("o")
         .member("cfo", "o", "economic_buyer", "neutral", 5).member("eng", "o", "business_user", "supporter", 3)
         .edge("COVERS", "se", "eng", closeness=0.8).edge("INFLUENCES", "eng", "cfo", strength=0.6).build())
    (rec,) = [r for r in next_best_contacts(g, "o", k=3, team=ROSTER)["recommendations"] if r["contact_id"] == "cfo"]
    assert rec["path"][0] == "se" and rec["owner_id"] == "vp"
    gaps = coverage_gaps(g, "o", TODAY, team=ROSTER)["gaps"]
    (uncovered,) = [x for x in gaps if x["code"] == "uncovered_member"]
    assert uncovered["owner_id"] == rec["owner_id"]
    (lead,) = [t for t in rec["tactics"] if t["code"] == "owner_leads"]
    assert lead["text"] == "VP Zhou, of matching rank, leads the relationship; SE Zhang opens the way."
    zh = next_best_contacts(g, "o", k=3, team=ROSTER, lang="zh-CN")["recommendations"]
    assert any(t["text"] == "由职级对等的VP Zhou主导这段关系，SE Zhang负责牵线。" for r in zh for t in r["tactics"])


# ---------------------------------------------------------------------- 3. loyalty to a rival is a risk
def _two_competitors(mapb: type[MapBuilder]) -> nx.MultiDiGraph:
    return (mapb().team("rep", level="manager").team("vp", name="VP Zhou", level="vp", role="executive")
            .competitor("alpha", name="Alpha Systems")
            .contact("gm", name="GM Deng", level="executive", knows_us=True)
            .contact("cto", name="CTO Pan", level="vp", knows_us=True, department="it")
            .contact("usr", name="User Cao", level="director", knows_us=True, department="production")
            .opportunity("o", competitor_ids=["alpha"]).member("gm", "o", "decision_maker", "neutral", 5)
            .member("cto", "o", "technical_evaluator", "skeptic", 5).member("usr", "o", "business_user", "champion", 4)
            .edge("REPORTS_TO", "cto", "gm").edge("INFLUENCES", "cto", "gm", strength=0.8)
            .edge("COVERS", "rep", "usr", closeness=0.7).edge("COVERS", "vp", "gm", closeness=0.4)
            .edge("INFLUENCES", "usr", "cto", strength=0.5).edge("FAVORS", "cto", "alpha", strength=0.9).build())


def test_loyalty_to_a_rival_is_an_entrenched_interest(mapb: type[MapBuilder]) -> None:
    g = _two_competitors(mapb)
    (cto,) = [r for r in next_best_contacts(g, "o", k=5)["recommendations"] if r["contact_id"] == "cto"]
    assert cto["risk"] == 0.9
    assert "entrenched_interest" in _codes(cto["reasons"])
    assert "loyalty to a rival (threat 90%)" in _texts(cto)
    tactics = set(_codes(cto["tactics"]))
    assert "defuse_earn_trust" in tactics
    assert not tactics & {"solution_demo", "value_case", "mirror_counterpart", "executive_visit", "speak_to"}
    members = {m["contact_id"]: m for m in decision_chain(g, "o")["members"]}
    assert members["cto"]["interests"] == [{"kind": "rival_loyalty", "threat": 0.9, "target_id": "alpha",
                                            "note": None}]
    # A passing preference (below the loyalty bar, 0.5) is no entrenched interest.
    for d in g.get_edge_data("cto", "alpha").values():
        d["strength"] = 0.3
    members = {m["contact_id"]: m for m in decision_chain(g, "o")["members"]}
    assert members["cto"]["interests"] == []


# ---------------------------------------------------------------------- 4. new threads who would help
def test_new_threads_are_people_who_would_help(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").competitor("k", name="Incumbent")
         .contact("boss", name="Chairman Jiang", level="executive").contact("aide", name="Assistant Kong")
         .contact("cfo", name="CFO Gao").contact("eng", name="Engineer Bai", knows_us=True)
         .contact("ops", name="Ops Lin").opportunity("o")
         .member("boss", "o", "decision_maker", "unknown", 5).member("aide", "o", "gatekeeper", "neutral", 4)
         .member("cfo", "o", "economic_buyer", "opponent", 5).member("eng", "o", "technical_evaluator", "champion", 3)
         .member("ops", "o", "business_user", "neutral", 2)
         .edge("COVERS", "rep", "aide", closeness=0.7).edge("COVERS", "rep", "eng", closeness=0.8)
         .edge("COVERS", "rep", "ops", closeness=0.5).edge("INFLUENCES", "aide", "boss", strength=0.9)
         .edge("INFLUENCES", "eng", "cfo", strength=0.5).edge("INFLUENCES", "eng", "boss", strength=0.2)
         .edge("HAS_INTEREST", "aide", "k", kind="kickback", threat=0.8)
         .edge("FAVORS", "cfo", "k", strength=0.9).build())
    (gap,) = [x for x in coverage_gaps(g, "o", TODAY)["gaps"] if x["code"] == "single_threaded"]
    assert gap["suggested_ids"] and not {"aide", "cfo"} & set(gap["suggested_ids"])
    assert "Assistant Kong" not in gap["action"] and "CFO Gao" not in gap["action"]


def test_a_tiny_account_is_told_what_is_possible(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").contact("boss", name="老板 陆", knows_us=True).contact("wife", name="老板娘")
         .opportunity("o").member("boss", "o", "decision_maker", "champion", 5)
         .member("wife", "o", "economic_buyer", "neutral", 5)
         .edge("COVERS", "rep", "boss", closeness=0.7).edge("INFLUENCES", "boss", "wife", strength=0.9).build())
    (en,) = [x for x in coverage_gaps(g, "o", TODAY)["gaps"] if x["code"] == "single_threaded"]
    assert "3–5" not in en["action"] and en["action"].startswith("Only 2 people at this client are on the map")
    (zh,) = [x for x in coverage_gaps(g, "o", TODAY, lang="zh-CN")["gaps"] if x["code"] == "single_threaded"]
    assert zh["action"] == "客户这边目前只掌握2个人：先争取老板娘的支持，再找出参与决策的其他层级、部门的人。"


# ---------------------------------------------------------------------- 5. a contradictory record
def test_a_two_faced_record_is_not_ours_and_is_flagged(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").competitor("k", name="Gamma")
         .contact("gm", name="GM Yan", level="executive").contact("two", name="Director Two-Face", knows_us=True)
         .opportunity("o").member("gm", "o", "decision_maker", "neutral", 5)
         .member("two", "o", "technical_evaluator", "champion", 4)
         .edge("COVERS", "rep", "two", closeness=0.8).edge("INFLUENCES", "two", "gm", strength=0.8)
         .edge("FAVORS", "two", "k", strength=0.9).build())
    for plan in (False, True):
        (gm,) = next_best_contacts(g, "o", k=1, plan=plan)["recommendations"]
        codes = _codes(gm["reasons"])
        assert "only_through_unhelpful" in codes and "reinforces_ours" not in codes
        (verify,) = [x for x in gm["reasons"] if x["code"] == "verify_record"]
        assert verify["text"] == ("Director Two-Face is recorded as on our side, yet loyal to Gamma: verify where "
                                  "they really stand before relying on them.")
    (zh,) = next_best_contacts(g, "o", k=1, lang="zh-CN")["recommendations"]
    assert any(x["text"].startswith("Director Two-Face被记为支持我们") for x in zh["reasons"])


def test_a_person_won_with_an_interest_against_us_carries_nothing(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").competitor("k", name="Incumbent")
         .contact("boss", name="Chairman Jiang", level="executive").contact("aide", name="Assistant Kong", knows_us=True)
         .opportunity("o").member("boss", "o", "decision_maker", "unknown", 5)
         .member("aide", "o", "gatekeeper", "neutral", 4)
         .edge("COVERS", "rep", "aide", closeness=0.7).edge("INFLUENCES", "aide", "boss", strength=0.9)
         .edge("HAS_INTEREST", "aide", "k", kind="kickback", threat=0.8).build())
    plan = next_best_contacts(g, "o", k=2, plan=True)["recommendations"]
    assert [r["contact_id"] for r in plan] == ["aide", "boss"]
    text = _texts(plan[1])
    assert "only_through_unhelpful" in _codes(plan[1]["reasons"])
    assert "(ours since step 1)" not in text and "is on our side" not in text
    assert "speak_to" not in _codes(plan[0]["tactics"])     # no case carried by someone against us


# ---------------------------------------------------------------------- 6. a deal that is over
def test_a_closed_deal_has_no_gaps_and_nobody_to_win(mapb: type[MapBuilder]) -> None:
    for status in ("won", "lost"):
        g = (mapb().team("rep").contact("gm", level="executive").contact("u", knows_us=True)
             .opportunity("o", status=status).member("gm", "o", "decision_maker", "neutral", 5)
             .member("u", "o", "business_user", "supporter", 3)
             .edge("COVERS", "rep", "u", closeness=0.6).edge("INFLUENCES", "u", "gm", strength=0.5).build())
        gaps = coverage_gaps(g, "o", TODAY)
        assert gaps["gaps"] == [] and gaps["people"] == [] and gaps["deal_status"] == status
        assert gaps["message"].startswith(f"This deal is {status}: nobody is left to win over")
        recs = next_best_contacts(g, "o", k=3, plan=True, lang="zh-CN")
        assert recs["recommendations"] == [] and recs["deal_status"] == status
        assert recs["message"].startswith("该商机已赢单" if status == "won" else "该商机已输单")
        assert decision_chain(g, "o")["members"]                     # the chain itself stays readable
    open_deal = coverage_gaps(_two_competitors(mapb), "o", TODAY)
    assert open_deal["deal_status"] == "open" and open_deal["message"] is None


# ---------------------------------------------------------------------- 7. numbers not known enough
def test_qualification_with_too_few_numbers_is_not_a_verdict(mapb: type[MapBuilder]) -> None:
    result = classify_account(mapb().build(), TODAY)
    (driver,) = [d for d in result["drivers"] if d["code"] in ("not_qualified", "qualification_unknown")]
    assert driver["code"] == "qualification_unknown"
    assert "0 of 7 criteria" in driver["text"] and "revenue" in driver["text"]
    assert "gather_numbers" in _codes(result["playbook"]) and "not_qualified" not in _codes(result["playbook"])
    zh = classify_account(mapb(metrics={"annual_revenue": 1e9}).build(), TODAY, lang="zh-CN")
    (driver,) = [d for d in zh["drivers"] if d["code"] == "qualification_unknown"]
    assert "7项标准只知道1项" in driver["text"] and "明年再评估" not in " ".join(p["text"] for p in zh["playbook"])


def test_a_scored_account_that_does_not_qualify_says_what_held_it_back(mapb: type[MapBuilder]) -> None:
    metrics = {"annual_revenue": 1e5, "margin_pct": 30, "revenue_growth_pct": 20, "wallet_size": 1e5,
               "credit_rating": "A", "payment_days": 30, "cooperation": 0.9}
    result = classify_account(mapb(metrics=metrics).build(), TODAY)
    assert result["qualification"]["qualified"] is False
    (driver,) = [d for d in result["drivers"] if d["code"] == "not_qualified"]
    assert "held back by revenue 0%, wallet potential 0%" in driver["text"]
    (play,) = [p for p in result["playbook"] if p["code"] == "not_qualified"]
    assert "revenue 0%" in play["text"]


# ---------------------------------------------------------------------- 8. namesakes
def test_namesakes_are_told_apart_in_every_text(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("kam").contact("x1", name="王伟", title="信息科科长", knows_us=True)
         .contact("x2", name="王伟", title="设备科科长", knows_us=True).contact("vp", name="刘建国", level="vp")
         .contact("solo", name="Li Na", title="Nurse").opportunity("o")
         .member("vp", "o", "decision_maker", "neutral", 5).member("x2", "o", "technical_evaluator", "supporter", 3)
         .edge("COVERS", "kam", "x2", closeness=0.6).edge("INFLUENCES", "x2", "vp", strength=0.6).build())
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    assert (amap.name("x1"), amap.name("x2"), amap.name("solo")) == ("王伟（信息科科长）", "王伟（设备科科长）", "Li Na")
    (vp,) = [r for r in next_best_contacts(g, "o", k=3, lang="zh-CN")["recommendations"] if r["contact_id"] == "vp"]
    assert "王伟（设备科科长）" in _texts(vp)
    # Same name and title: the department, else the id.
    same = (mapb().contact("a", name="Wang Wei", title="Engineer", department="IT")
            .contact("b", name="Wang Wei", title="Engineer", department="Ward").contact("c", name="Wang Wei").build())
    names = AccountMap.build(same, DEFAULT_OPTIONS)
    assert [names.name(n) for n in "abc"] == ["Wang Wei (a)", "Wang Wei (b)", "Wang Wei (c)"]


# ---------------------------------------------------------------------- 9. erased people
def test_an_erased_person_is_never_approached(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").contact("gone", name="[erased]", level="executive")
         .contact("u", knows_us=True).contact("gm", name="GM", level="executive").opportunity("o")
         .member("gone", "o", "decision_maker", "neutral", 5).member("gm", "o", "economic_buyer", "neutral", 4)
         .member("u", "o", "business_user", "supporter", 3)
         .edge("COVERS", "rep", "u", closeness=0.6).edge("INFLUENCES", "u", "gone", strength=0.7)
         .edge("INFLUENCES", "gone", "gm", strength=0.7).build())
    for plan in (False, True):
        recs = next_best_contacts(g, "o", k=5, plan=plan)["recommendations"]
        assert recs and "gone" not in [r["contact_id"] for r in recs]
        assert "[erased]" not in " ".join(r["name"] or "" for r in recs)
    gaps = coverage_gaps(g, "o", TODAY)
    for gap in gaps["gaps"]:
        assert "gone" not in gap["contact_ids"] and "gone" not in (gap.get("suggested_ids") or [])
    assert "gone" not in [p["contact_id"] for p in gaps["people"]]


# ---------------------------------------------------------------------- 10. bypasses and wording
def test_a_bypass_keeps_the_bypassed_informed_and_names_real_departments(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").competitor("k", name="Incumbent")
         .contact("boss", name="Chairman Jiang", level="executive", department="board")
         .contact("aide", name="Assistant Kong", department="office", knows_us=True)
         .contact("eng", name="Engineer Bai", department="engineering", knows_us=True).opportunity("o")
         .member("boss", "o", "decision_maker", "unknown", 5).member("aide", "o", "gatekeeper", "neutral", 4)
         .member("eng", "o", "technical_evaluator", "champion", 3)
         .edge("REPORTS_TO", "eng", "aide").edge("REPORTS_TO", "aide", "boss")
         .edge("INFLUENCES", "aide", "boss", strength=0.9)
         .edge("COVERS", "rep", "aide", closeness=0.7).edge("COVERS", "rep", "eng", closeness=0.8)
         .edge("HAS_INTEREST", "aide", "k", kind="kickback", threat=0.8).build())
    recs = {r["contact_id"]: r for r in next_best_contacts(g, "o", k=3)["recommendations"]}
    boss = recs["boss"]
    # Engineering reaches the chairman only through Assistant Kong: no way around him.
    assert "alternative_department" not in _codes(boss["tactics"])
    assert "(nobody yet)" not in _texts(boss)
    (around,) = [t for t in boss["tactics"] if t["code"] == "alternative_find"]
    assert "keep Assistant Kong informed" in around["text"]
    (work_around,) = [t for t in recs["aide"]["tactics"] if t["code"] == "defuse_other_departments"]
    assert "keep them informed" in work_around["text"]
    zh = {r["contact_id"]: r for r in next_best_contacts(g, "o", k=3, lang="zh-CN")["recommendations"]}
    assert any("让Assistant Kong知情" in t["text"] for t in zh["boss"]["tactics"])
    # The department is named when someone there has a tie of their own to the chairman.
    g.add_edge("eng", "boss", key="direct", type="INFLUENCES", strength=0.3)
    boss = {r["contact_id"]: r for r in next_best_contacts(g, "o", k=3)["recommendations"]}["boss"]
    if not boss["path"]:
        (dept,) = [t for t in boss["tactics"] if t["code"] == "alternative_department"]
        assert "(engineering)" in dept["text"] and "going over their head" in dept["text"]


def test_chinese_sentences_run_on_without_a_space_and_nothing_is_said_twice(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep", level="manager").competitor("k", name="Gamma")
         .contact("gm", name="GM Yan", level="executive", department="management")
         .contact("two", name="Director Two-Face", level="director", department="engineering", knows_us=True)
         .opportunity("o").member("gm", "o", "decision_maker", "neutral", 5)
         .member("two", "o", "technical_evaluator", "champion", 4)
         .edge("COVERS", "rep", "two", closeness=0.8).edge("INFLUENCES", "two", "gm", strength=0.8)
         .edge("HAS_INTEREST", "two", "o", kind="personal", threat=0.5).build())
    zh = coverage_gaps(g, "o", TODAY, lang="zh-CN", team=ROSTER)["gaps"]
    assert zh and not any("。 " in x["action"] for x in zh)
    en = coverage_gaps(g, "o", TODAY, team=ROSTER)["gaps"]
    (uncovered,) = [x for x in en if x["code"] == "uncovered_member"]
    assert uncovered["action"].count("VP Zhou") == 1, uncovered["action"]


def test_a_supporter_who_left_is_followed_to_their_new_organisation(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep").contact("doc", name="Dr Sun", status="left").contact("gm", level="executive")
         .opportunity("o").member("doc", "o", "business_user", "supporter", 3)
         .member("gm", "o", "decision_maker", "neutral", 5).build())
    for lang, said, never in (("en", "in their new organisation", "company"), ("zh-CN", "在新单位", "公司")):
        (gap,) = [x for x in coverage_gaps(g, "o", TODAY, lang=lang)["gaps"] if x["code"] == "supporter_left"]
        assert said in gap["action"] and never not in gap["action"] + gap["message"]
