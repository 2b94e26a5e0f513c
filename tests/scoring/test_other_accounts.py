"""People of another account on an account's map (a line reaches them), and moves between accounts, in
the pure analytics: ranked and recommended only as the account's own are, named with their account
(the name the graph carries in ``account_names``, else the account's id), and the account's own changes
in the change list."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from scoring.changes import what_changed
from scoring.options import resolve
from scoring.power import informal_power
from scoring.recommend import who_next
from scoring.view import AccountMap


def _steel(names: dict[str, str] | None = None) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(account_id="steel", account={"id": "steel", "name": "长江钢铁"},
                        **({"account_names": names} if names is not None else {}))
    g.add_node("steel", kind="account", name="长江钢铁")
    g.add_node("t", kind="team_member", name="Rep", level="manager")
    for c, name, level in [("gm", "周总", "executive"), ("cto", "钱工", "vp"), ("eng", "于浩", "staff")]:
        g.add_node(c, kind="contact", account_id="steel", name=name, level=level, status="active")
    g.add_node("other-gm", kind="contact", account_id="gzf", name="陈志强", level="executive", status="active")
    g.add_node("o", kind="opportunity", account_id="steel", name="轧线改造", stage="proposal")
    g.add_edge("cto", "gm", key="r1", type="REPORTS_TO")
    g.add_edge("eng", "cto", key="r2", type="REPORTS_TO")
    g.add_edge("cto", "other-gm", key="i1", type="INFLUENCES", strength=0.9)
    g.add_edge("other-gm", "gm", key="i2", type="INFLUENCES", strength=0.9)
    g.add_edge("t", "cto", key="c1", type="COVERS", closeness=0.8)
    g.add_edge("gm", "o", key="m1", type="MEMBER_OF", role="decision_maker", stance="neutral")
    g.add_edge("other-gm", "o", key="m2", type="MEMBER_OF", role="influencer", stance="neutral")
    return g


def test_the_ranking_lists_the_accounts_own_people_with_their_own_formal_ranks() -> None:
    rows = informal_power(_steel())["contacts"]
    assert {r["contact_id"]: r["formal_rank"] for r in rows} == {"gm": 1, "cto": 2, "eng": 3}


def test_who_to_win_next_proposes_only_the_accounts_own_people_but_goes_through_others() -> None:
    picks = who_next(_steel({"gzf": "广州家具"}), "o", 5, lang="zh-CN").recommendations
    assert picks and {p.contact_id for p in picks} <= {"gm", "cto", "eng"}, picks
    gm = next(p for p in picks if p.contact_id == "gm")
    assert "other-gm" in gm.path, gm.path
    said = " ".join(t.text for p in picks for t in (*p.reasons, *p.tactics))
    assert "陈志强" in said and said.count("陈志强") == said.count("陈志强（广州家具）"), said


def test_a_person_of_another_account_is_named_with_it() -> None:
    amap = AccountMap.build(_steel({"gzf": "广州家具"}), resolve(None))
    assert (amap.name("other-gm"), amap.name("gm")) == ("陈志强（广州家具）", "周总")
    assert AccountMap.build(_steel(), resolve(None)).name("other-gm") == "陈志强（gzf）"
    assert not amap.own("other-gm") and amap.own("gm")


def test_moves_and_the_accounts_own_changes_in_the_change_list() -> None:
    before = _steel()
    after = before.copy()
    after.graph["account"] = {"id": "steel", "name": "长江钢铁集团", "metrics": {"satisfaction": 2}}
    after.nodes["eng"]["account_id"] = "steel-eq"          # still on the map: a line reaches him
    changes = what_changed(before, after, lang="zh-CN", elsewhere={"eng": "steel-eq"},
                           account_names={"steel-eq": "设备服务公司"}, today_before=dt.date(2026, 1, 1),
                           today_after=dt.date(2026, 2, 1))
    assert [c.text for c in changes.changes] == ["客户分类：普通客户 → 危险客户", "客户更名：长江钢铁 → 长江钢铁集团",
                                                 "满意度：— → 2", "于浩（—）已调往设备服务公司"]
    assert (changes.summary.moved_out, changes.summary.left) == (1, 0)
