"""The rules of advice a key-account manager would sign (issue 10), each on a small hand-built map:
go-betweens who would help, texts without circles, our own people named, plans that learn, formal and
informal power apart, a completeness that weighs who fills the seats."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import pytest

from scoring import coverage_gaps, decision_chain, informal_power, next_best_contacts, strongest_paths
from scoring.model import AccountMap
from scoring.options import DEFAULT_OPTIONS, ScoringOptions
from scoring.people import GoBetweens, OurSide
from scoring.power import _mutual, burt_constraint, power_ties

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder, RandomMap

TODAY = dt.date(2026, 11, 22)


def _recs(g: nx.MultiDiGraph, k: int = 10, plan: bool = False,
          team: Iterable[Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    recs = next_best_contacts(g, "o", k=k, plan=plan, team=team)["recommendations"]
    return {r["contact_id"]: r for r in recs}


def _codes(items: list[dict[str, Any]]) -> list[str]:
    return [x["code"] for x in items]


# ---------------------------------------------------------------------- 1. go-betweens
def _gatekept(mapb: type[MapBuilder], stance: str = "neutral", interest: float | None = None,
              favors: float | None = None) -> MapBuilder:
    """t covers g (the gatekeeper) strongly; g is the only way to dm; a weaker way runs through ally."""
    b = (mapb().team("t", role="sales", level="manager").competitor("k")
         .contact("dm", level="executive", knows_us=False, department="mgmt")
         .contact("g", level="director", knows_us=True, department="procurement")
         .opportunity("o", competitor_ids=["k"])
         .member("dm", "o", "decision_maker", "neutral", 5).member("g", "o", "procurement", stance, 3)
         .edge("COVERS", "t", "g", closeness=0.9).edge("INFLUENCES", "g", "dm", strength=0.9))
    if interest is not None:
        b.edge("HAS_INTEREST", "g", "k", kind="kickback", threat=interest)
    if favors is not None:
        b.edge("FAVORS", "g", "k", strength=favors)
    return b


@pytest.mark.parametrize("stance, interest, favors, helps", [
    ("neutral", None, None, True), ("supporter", None, None, True),
    ("opponent", None, None, False), ("skeptic", None, None, False),
    ("neutral", 0.9, None, False), ("neutral", 0.2, None, True),      # a passing worry is no veto
    ("neutral", None, 0.8, False), ("neutral", None, 0.3, True),
])
def test_who_may_be_a_go_between(mapb: type[MapBuilder], stance: str, interest: float | None,
                                 favors: float | None, helps: bool) -> None:
    g = _gatekept(mapb, stance, interest, favors).build()
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    assert GoBetweens(amap, DEFAULT_OPTIONS, "o").helps("g") is helps
    assert GoBetweens(amap, DEFAULT_OPTIONS, "o").helps("t")            # our team always may
    dm = _recs(g)["dm"]
    if helps:
        assert dm["path"] == ["t", "g", "dm"]
    else:
        assert "g" not in dm["path"][:-1]
        assert "only_through_unhelpful" in _codes(dm["reasons"])
        assert {"alternative_executive", "alternative_department", "alternative_find"} & set(_codes(dm["tactics"])) \
            or "alternative_peer" in _codes(dm["tactics"])
        assert "introduce_through" not in _codes(dm["tactics"])


def test_a_won_opponent_may_carry_a_path_but_an_interest_holder_never(mapb: type[MapBuilder]) -> None:
    opponent = _gatekept(mapb, "opponent").build()
    plan = next_best_contacts(opponent, "o", k=2, plan=True)["recommendations"]
    assert [r["contact_id"] for r in plan] == ["g", "dm"] or plan[0]["contact_id"] == "dm"
    if plan[0]["contact_id"] == "g":
        assert plan[1]["path"] == ["t", "g", "dm"]          # won in step 1: ours now
    holder = _gatekept(mapb, "opponent", interest=0.9).build()
    for r in next_best_contacts(holder, "o", k=2, plan=True)["recommendations"]:
        assert "g" not in r["path"][:-1]


def test_paths_avoid_unhelpful_people_and_say_so(mapb: type[MapBuilder]) -> None:
    g = _gatekept(mapb, "opponent").contact("peer", level="director", department="sales", knows_us=True) \
        .edge("COVERS", "t", "peer", closeness=0.5).edge("INFLUENCES", "peer", "dm", strength=0.3).build()
    answer = strongest_paths(g, "t", "dm", k=3)
    assert [[h["to"] for h in p["hops"]] for p in answer["paths"]] == [["peer", "dm"]]
    assert [a["contact_id"] for a in answer["avoided"]] == ["g"] and answer["avoided"][0]["code"] == "opposed"
    assert answer["message"] is None
    # The ends of a path may be anyone: from the opponent himself.
    assert strongest_paths(g, "g", "dm")["paths"][0]["hops"][0]["from"] == "g"
    # With no other way: say so, and what to do instead.
    only = strongest_paths(_gatekept(mapb, "opponent").build(), "t", "dm", lang="zh-CN")
    assert only["paths"] == [] and only["avoided"][0]["contact_id"] == "g"
    assert only["message"] and "g" in only["message"] and "我方高管" in only["message"]


def test_account_wide_paths_judge_by_every_open_deal(mapb: type[MapBuilder]) -> None:
    g = (_gatekept(mapb).opportunity("closed", status="lost").opportunity("other", status="open")
         .member("g", "closed", "procurement", "opponent", 3).build())
    assert strongest_paths(g, "t", "dm")["paths"]                     # opposed only in a lost deal
    g2 = _gatekept(mapb).opportunity("other", status="open").member("g", "other", "procurement", "skeptic", 3).build()
    assert strongest_paths(g2, "t", "dm")["paths"] == []
    assert strongest_paths(g2, "t", "dm", opportunity_id="o")["paths"]  # in this deal they are neutral


def test_gap_actions_never_ask_help_of_unhelpful_people(mapb: type[MapBuilder]) -> None:
    g = _gatekept(mapb, "opponent").team("vp", role="executive", level="executive").build()
    gaps = coverage_gaps(g, "o", TODAY)
    for gap in gaps["gaps"]:
        assert gap["via_id"] != "g"
    (uncovered,) = [x for x in gaps["gaps"] if x["code"] == "uncovered_member"]
    assert "Do not ask g for help" in uncovered["action"] and "vp" in uncovered["action"]
    (unaware,) = [x for x in gaps["gaps"] if x["code"] == "leader_unaware"]
    assert "introduced by" not in unaware["action"] and "Do not ask g" in unaware["action"]


def test_a_peer_on_our_side_is_the_alternative(mapb: type[MapBuilder]) -> None:
    # dm's only way runs through g (opponent); p2, at dm's level, supports us.
    g = (_gatekept(mapb, "opponent").contact("p2", level="executive", knows_us=True, department="sales")
         .member("p2", "o", "business_user", "supporter", 3).build())
    dm = _recs(g)["dm"]
    assert dm["path"] == [] and "only_through_unhelpful" in _codes(dm["reasons"])
    assert {"code": "alternative_peer", "text": "Go through p2, a peer of theirs who is on our side, instead."} \
        in dm["tactics"]


# ---------------------------------------------------------------------- 2. texts a manager would write
def test_nobody_is_asked_to_carry_our_case_to_someone_already_ours(mapb: type[MapBuilder]) -> None:
    # x sways dm (a supporter already) and eb (neutral): x's case goes to eb, never to dm.
    g = (mapb().team("t").contacts("x", "dm", "eb").opportunity("o")
         .member("dm", "o", "decision_maker", "supporter", 5).member("eb", "o", "economic_buyer", "neutral", 3)
         .member("x", "o", "influencer", "neutral", 3)
         .edge("COVERS", "t", "x", closeness=0.8).edge("INFLUENCES", "x", "dm", strength=0.9)
         .edge("INFLUENCES", "x", "eb", strength=0.4).build())
    x = _recs(g)["x"]
    assert [t["text"] for t in x["tactics"] if t["code"] == "speak_to"] == \
        ["Once won, ask them to carry our case to eb."]
    # Nor to the person who introduces us to them (no circle).
    g2 = (mapb().team("t").contacts("a", "b").opportunity("o")
          .member("a", "o", "decision_maker", "neutral", 5).member("b", "o", "economic_buyer", "neutral", 5)
          .edge("COVERS", "t", "a", closeness=0.9).edge("INFLUENCES", "a", "b", strength=0.9)
          .edge("INFLUENCES", "b", "a", strength=0.9).build())
    b = _recs(g2)["b"]
    assert b["path"] == ["t", "a", "b"] and "speak_to" not in _codes(b["tactics"])


def test_counterpart_gaps_are_one_line_per_executive_of_ours_and_people_group_their_gaps(
        mapb: type[MapBuilder]) -> None:
    b = mapb().team("ours", role="executive", level="vp", name="周海").opportunity("o")
    for c in ("ceo", "cfo", "cto"):
        b.contact(c, level="executive", knows_us=False, department="mgmt").member(c, "o", "influencer", "neutral", 3)
    gaps = coverage_gaps(b.build(), "o", TODAY)
    (counterpart,) = [g for g in gaps["gaps"] if g["code"] == "no_executive_counterpart"]
    assert counterpart["contact_ids"] == ["ceo", "cfo", "cto"] and counterpart["owner_id"] == "ours"
    assert "周海" in counterpart["action"]
    people = {p["contact_id"]: p for p in gaps["people"]}
    assert set(people) == {"ceo", "cfo", "cto"}
    assert {"no_executive_counterpart", "leader_unaware", "uncovered_member"} <= set(people["ceo"]["codes"])
    assert len(people["ceo"]["actions"]) == len(set(people["ceo"]["actions"]))


def test_departments_are_shown_as_the_data_gives_them(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("t").contact("d", department="设计部", level="manager").contact("s", department="Sales Ops")
         .opportunity("o").member("d", "o", "technical_evaluator", "neutral", 3)
         .member("s", "o", "decision_maker", "supporter", 3).edge("COVERS", "t", "s").build())
    for lang in ("en", "zh-CN"):
        (dept,) = [x for x in coverage_gaps(g, "o", TODAY, lang=lang)["gaps"] if x["code"] == "uncovered_department"]
        assert "设计部" in dept["message"] and "设计部部门" not in dept["message"]


# ---------------------------------------------------------------------- 3. our own people named
def test_the_counterpart_matches_level_role_and_ties(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("ceo-ours", role="executive", level="executive").team("vp-ours", role="executive", level="vp")
         .team("vp-tied", role="sales", level="vp")
         .contact("gm", level="executive").contact("vp", level="vp").contact("vp2", level="vp")
         .edge("COVERS", "vp-tied", "vp2").build())
    us = OurSide(AccountMap.build(g, DEFAULT_OPTIONS), DEFAULT_OPTIONS)
    assert us.counterparts("gm") == ("ceo-ours",)
    assert us.counterparts("vp") == ("vp-ours",)          # an executive by role before a tied sales VP
    assert us.counterparts("vp2") == ("vp-ours",)
    # A roster member with no tie to the account yet is named when the caller passes the roster.
    lone = mapb().contact("gm", level="executive").build()
    assert OurSide(AccountMap.build(lone, DEFAULT_OPTIONS), DEFAULT_OPTIONS).counterparts("gm") == ()
    roster = [{"id": "z", "name": "周海", "level": "vp", "role": "executive"}]
    assert OurSide(AccountMap.build(lone, DEFAULT_OPTIONS), DEFAULT_OPTIONS, roster).counterparts("gm") == ("z",)


def test_gaps_and_recommendations_name_our_people_from_the_roster(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("rep", role="sales", level="manager").contact("gm", level="executive", knows_us=False)
         .contact("x", knows_us=True).opportunity("o").member("gm", "o", "decision_maker", "neutral", 5)
         .member("x", "o", "business_user", "neutral", 3)
         .edge("COVERS", "rep", "x", closeness=0.8).edge("INFLUENCES", "x", "gm", strength=0.5).build())
    roster = [{"id": "rep", "name": "rep", "role": "sales"},
              {"id": "zh", "name": "周海", "title": "华南区副总裁", "level": "vp", "role": "executive"}]
    gaps = coverage_gaps(g, "o", TODAY, team=roster)["gaps"]
    (counterpart,) = [x for x in gaps if x["code"] == "no_executive_counterpart"]
    assert counterpart["owner_id"] == "zh" and "周海 (华南区副总裁)" in counterpart["action"]
    (uncovered,) = [x for x in gaps if x["code"] == "uncovered_member"]
    # A client executive is owned level to level: our VP, not the closer sales manager (x still introduces).
    assert uncovered["owner_id"] == "zh" and uncovered["via_id"] == "x"
    gm = _recs(g, team=roster)["gm"]
    assert {"executive_visit", "mirror_counterpart"} <= set(_codes(gm["tactics"]))
    assert all("周海" in t["text"] for t in gm["tactics"] if t["code"] in ("executive_visit", "mirror_counterpart"))
    # Owned level to level, as in the gaps: our VP leads, the sales manager closest to them opens the way.
    assert gm["owner_id"] == "zh" == uncovered["owner_id"]
    assert any(t["code"] == "owner_leads" and "周海" in t["text"] for t in gm["tactics"])


# ---------------------------------------------------------------------- 4. plans that learn
def test_plans_route_through_people_won_earlier_and_call_them_ours(mapb: type[MapBuilder]) -> None:
    # a is the strongest pick; c's ally is a (won in step 1); b, a stranger, has a slightly stronger tie.
    g = (mapb().team("t").contacts("a", "c").contact("b", knows_us=True).opportunity("o")
         .member("a", "o", "decision_maker", "neutral", 5).member("c", "o", "economic_buyer", "neutral", 4)
         .edge("COVERS", "t", "a", closeness=0.9).edge("COVERS", "t", "b", closeness=0.3)
         .edge("ALLY", "a", "c", strength=0.6).edge("INFLUENCES", "b", "c", strength=0.7)
         .edge("INFLUENCES", "c", "a", strength=0.5).build())
    plan = next_best_contacts(g, "o", k=2, plan=True)["recommendations"]
    assert [r["contact_id"] for r in plan] == ["a", "c"]
    assert plan[1]["path"] == ["t", "a", "c"]
    texts = " ".join(x["text"] for x in plan[1]["reasons"] + plan[1]["tactics"])
    assert "a (ours since step 1)" in texts
    assert "speak_to" not in _codes(plan[1]["tactics"])               # a is ours: no case to carry to a
    zh = next_best_contacts(g, "o", k=2, plan=True, lang="zh-CN")["recommendations"][1]
    assert any("a（第1步已争取）" in x["text"] for x in zh["tactics"])


@pytest.mark.parametrize("seed", range(6))
def test_no_plan_step_carries_our_case_to_someone_won_earlier(random_graph: RandomMap, seed: int) -> None:
    g = random_graph(seed)
    names = {n: d.get("name") for n, d in g.nodes(data=True)}
    won: list[str] = []
    for r in next_best_contacts(g, "o1", k=6, plan=True)["recommendations"]:
        for t in r["tactics"]:
            if t["code"] == "speak_to":
                assert not any(t["text"].endswith(f" {names[w]}.") for w in won), (t, won)
        won.append(r["contact_id"])


# ---------------------------------------------------------------------- 5. formal and informal power apart
def test_informal_ties_outweigh_reporting_lines(mapb: type[MapBuilder]) -> None:
    # The COO has four direct reports; the designer sways the GM. Informal power: the designer first.
    b = (mapb().contact("gm", level="executive").contact("coo", level="vp").contact("design", level="director")
         .edge("REPORTS_TO", "coo", "gm").edge("REPORTS_TO", "design", "gm")
         .edge("INFLUENCES", "design", "gm", strength=0.8))
    for i in range(4):
        b.contact(f"r{i}", level="staff").edge("REPORTS_TO", f"r{i}", "coo")
    rows = informal_power(b.build())["contacts"]
    assert rows[0]["contact_id"] == "design"
    signals = {r["contact_id"]: {s["code"] for s in r["signals"]} for r in rows}
    assert "hidden_influencer" in signals["design"]
    assert "broker" in signals["coo"] and "hidden_influencer" not in signals["coo"]
    assert not signals["gm"] & {"title_without_power"}                # the head decides by office
    design = next(r for r in rows if r["contact_id"] == "design")
    (hidden,) = [s for s in design["signals"] if s["code"] == "hidden_influencer"]
    assert hidden["text"] == "Carries more weight than the title says: informal rank 1 of 7, formal rank 3."
    # Counted in full, reporting lines would crown the boss with most reports: the options say so.
    formal = ScoringOptions(power_tie_factors={"INFLUENCES": 1.0, "REPORTS_TO": 1.0})
    assert informal_power(b.build(), formal)["contacts"][0]["contact_id"] != "design"


def test_a_broker_bridges_people_who_do_not_talk(mapb: type[MapBuilder]) -> None:
    b = mapb().contact("hub", level="manager")
    for leaf in ("a", "b", "c"):
        b.contact(leaf, level="manager").edge("ALLY", "hub", leaf, strength=0.6)
    closed = b.build()
    signals = {r["contact_id"]: r["signals"] for r in informal_power(closed, lang="zh-CN")["contacts"]}
    (broker,) = [s for s in signals["hub"] if s["code"] == "broker"]
    assert broker["label"] == "桥梁人物" and all(n in broker["text"] for n in "abc")
    # Once its contacts talk to each other, nobody is a broker.
    tied = b.edge("ALLY", "a", "b").edge("ALLY", "b", "c").edge("ALLY", "a", "c").build()
    assert not any(s["code"] == "broker" for r in informal_power(tied)["contacts"] for s in r["signals"])


@pytest.mark.parametrize("seed", range(5))
def test_burt_constraint_is_networkx_constraint(random_graph: RandomMap, seed: int) -> None:
    amap = AccountMap.build(random_graph(seed, n=25), DEFAULT_OPTIONS)
    ties = power_ties(amap, DEFAULT_OPTIONS)
    h = nx.DiGraph()
    h.add_weighted_edges_from((u, v, w) for u, row in ties.items() for v, w in row.items())
    ours = burt_constraint(_mutual(ties))
    theirs = {n: c for n, c in nx.constraint(h, weight="weight").items() if not math.isnan(c)}
    # NetworkX answers NaN for a node that sways nobody (no successors); ours counts its ties in too.
    assert {n: ours[n] for n in theirs} == pytest.approx(theirs)
    assert set(ours) == {n for n in h if h.degree(n)}


def test_chain_and_who_next_use_the_signals(mapb: type[MapBuilder]) -> None:
    g = (mapb().team("t").contact("gm", level="executive").contact("aide", level="staff", knows_us=True)
         .contact("x", level="vp").opportunity("o")
         .member("gm", "o", "decision_maker", "neutral", 5).member("aide", "o", "influencer", "neutral", 2)
         .edge("INFLUENCES", "aide", "gm", strength=0.9).edge("INFLUENCES", "aide", "x", strength=0.9)
         .edge("REPORTS_TO", "aide", "x").edge("COVERS", "t", "aide", closeness=0.7).build())
    members = {m["contact_id"]: m for m in decision_chain(g, "o")["members"]}
    assert "hidden_influencer" in [s["code"] for s in members["aide"]["signals"]]
    aide = _recs(g)["aide"]
    assert "hidden_influencer" in _codes(aide["reasons"]) and aide["signals"]


# ---------------------------------------------------------------------- 6. completeness
def _committee(mapb: type[MapBuilder], coach_stance: str | None = "supporter",
               cover: float | None = 0.9) -> MapBuilder:
    b = (mapb().team("t").contacts("dm", "eb", "te", "co").opportunity("o")
         .member("dm", "o", "decision_maker", "champion", 5).member("eb", "o", "economic_buyer", "supporter", 4)
         .member("te", "o", "technical_evaluator", "opponent", 3)
         .edge("COVERS", "t", "dm", closeness=0.9).edge("COVERS", "t", "eb", closeness=0.2))
    if coach_stance is not None:
        b.member("co", "o", "coach", coach_stance, 3)
        if cover is not None:
            b.edge("COVERS", "t", "co", closeness=cover)
    return b


def test_completeness_weighs_who_fills_each_seat(mapb: type[MapBuilder]) -> None:
    chain = decision_chain(_committee(mapb).build(), "o")
    seats = {s["role"]: s for s in chain["completeness"]["seats"]}
    assert seats["decision_maker"]["status"] == "won" and seats["decision_maker"]["value"] == pytest.approx(0.95)
    assert seats["economic_buyer"]["status"] == "thin"                 # a supporter, thinly covered
    assert seats["economic_buyer"]["value"] == pytest.approx(0.8 * (0.5 + 0.5 * 0.2))
    assert seats["technical_evaluator"]["status"] == "against" and seats["technical_evaluator"]["value"] == 0.0
    weights = DEFAULT_OPTIONS.seat_weights
    expected = sum(weights[r] * seats[r]["value"] for r in seats) / sum(weights.values())
    assert chain["completeness"]["score"] == pytest.approx(expected)
    assert [s["role"] for s in chain["completeness"]["missing"]] == ["economic_buyer", "technical_evaluator"]
    assert "te" in seats["technical_evaluator"]["text"] and "opponent" in seats["technical_evaluator"]["text"]
    # Counting seats is not enough: the same seats held by opponents are worth nothing.
    all_against = decision_chain(_committee(mapb, "opponent").build(), "o")["completeness"]["score"]
    assert all_against < chain["completeness"]["score"]


def test_missing_coach_is_named_and_the_gaps_use_the_seats(mapb: type[MapBuilder]) -> None:
    g = _committee(mapb, None).build()
    missing = decision_chain(g, "o", lang="zh-CN")["completeness"]["missing"]
    coach = next(s for s in missing if s["role"] == "coach")
    assert coach["status"] == "missing" and coach["contact_id"] is None and "内线（教练）" in coach["text"]
    gaps = coverage_gaps(g, "o", TODAY)
    assert [x["role"] for x in gaps["gaps"] if x["code"] == "missing_role"] == ["coach"]
    assert gaps["completeness"]["score"] == pytest.approx(decision_chain(g, "o")["completeness"]["score"])
    # The required seats are configurable.
    options = ScoringOptions(seat_weights={"decision_maker": 1.0, "gatekeeper": 0.5})
    roles = [x["role"] for x in coverage_gaps(g, "o", TODAY, options)["gaps"] if x["code"] == "missing_role"]
    assert roles == ["gatekeeper"]


def test_seed_maps_are_scored_without_errors(random_graph: RandomMap) -> None:
    rnd = random.Random(0)
    for seed in range(8):
        g = random_graph(seed)
        roster = [{"id": "r-extra", "name": "Extra", "level": rnd.choice(["vp", "executive"]), "role": "executive"}]
        for lang in ("en", "zh-CN"):
            assert coverage_gaps(g, "o1", TODAY, lang=lang, team=roster)["completeness"]["seats"]
            next_best_contacts(g, "o1", k=5, plan=True, lang=lang, team=roster)
            strongest_paths(g, "t1", "c0", lang=lang)
