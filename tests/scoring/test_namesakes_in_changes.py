"""The change list tells two people of one name apart as every other answer does (review B: "新增关系：王伟 →
王伟（影响，0.4）" read like a line from a person to himself)."""

from __future__ import annotations

import networkx as nx

from scoring.changes import what_changed


def _account() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(account_id="h")
    g.add_node("h", kind="account", name="医院")
    g.add_node("w1", kind="contact", account_id="h", name="王伟", title="信息科科长", department="信息科",
               status="active")
    g.add_node("w2", kind="contact", account_id="h", name="王伟", title="设备科科长", department="设备科",
               status="active")
    return g


def test_a_line_between_namesakes_names_both_apart() -> None:
    before = _account()
    after = before.copy()
    after.add_edge("w1", "w2", key="INFLUENCES:w1:w2", type="INFLUENCES", strength=0.4)
    texts = [c.text for c in what_changed(before, after, lang="zh-CN").changes]
    assert any("王伟（信息科科长） → 王伟（设备科科长）" in t for t in texts), texts


def test_a_namesake_joining_is_named_once_with_the_title() -> None:
    before = _account()
    after = before.copy()
    after.add_node("w3", kind="contact", account_id="h", name="王伟", title="院办主任", status="active")
    texts = [c.text for c in what_changed(before, after, lang="zh-CN").changes]
    assert texts == ["王伟（院办主任）新出现在地图上"], texts
