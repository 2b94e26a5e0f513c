"""A key-account director's review, on both backends.

* People of another account reached through a line carry influence but are not this account's: its
  influence ranking lists its own people only (the steel company's GM, not the furniture maker's, is its
  formal rank 1), who-to-win-next never proposes them, and a text that names them says their account.
* A contact moved to another account moved: ``moved_out`` "moved to <account>" on the old account,
  ``moved_in`` "moved here from <account>" on the new one, counted apart from those who joined or left,
  and the lines that went or came with them are ``line_moved_out`` / ``line_moved_in``.
* The account's own changes — its class, its name, its metrics — are in the changes, first.

(Before: the furniture GM ranked 1 on the steel chart and was recommended for the steel deal; a move
read "离开 8", "谭娜已从地图上移除"; a rename and a fall from standard to danger were "0 changes".)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bundle

ZH = {"Accept-Language": "zh-CN"}

STEEL: dict[str, Any] = {
    "accounts": [{"id": "steel", "name": "武汉长江钢铁", "metrics": {
        "satisfaction": 6.5, "loyalty": 0.5, "revenue_growth_pct": 5, "influence": 0.5, "cooperation": 0.5}}],
    "team": [{"id": "t-rep", "name": "Rep", "level": "manager"}],
    "contacts": [
        {"id": "s-gm", "account_id": "steel", "name": "周总", "title": "总经理", "level": "executive",
         "department": "总经办"},
        {"id": "s-cto", "account_id": "steel", "name": "钱工", "title": "总工程师", "level": "vp",
         "department": "技术部"},
        {"id": "s-eq1", "account_id": "steel", "name": "谭娜", "title": "设备部部长", "level": "director",
         "department": "设备部"},
        {"id": "s-eq2", "account_id": "steel", "name": "于浩", "title": "设备工程师", "level": "staff",
         "department": "设备部"},
    ],
    "opportunities": [{"id": "steel-o1", "account_id": "steel", "name": "轧线改造", "stage": "proposal",
                       "amount": 3000000}],
    "relationships": [
        {"type": "REPORTS_TO", "source": "s-cto", "target": "s-gm"},
        {"type": "REPORTS_TO", "source": "s-eq1", "target": "s-cto"},
        {"type": "REPORTS_TO", "source": "s-eq2", "target": "s-eq1"},
        {"type": "INFLUENCES", "source": "s-eq2", "target": "s-eq1", "strength": 0.7},
        {"type": "INFLUENCES", "source": "s-eq1", "target": "s-cto", "strength": 0.5},
        {"type": "COVERS", "source": "t-rep", "target": "s-cto", "closeness": 0.6},
    ],
    "decision_chain": [
        {"opportunity_id": "steel-o1", "contact_id": "s-gm", "role": "decision_maker", "stance": "neutral"},
        {"opportunity_id": "steel-o1", "contact_id": "s-cto", "role": "technical_evaluator", "stance": "neutral"},
    ],
}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _steel(client: TestClient) -> None:
    _ok(client.post("/v1/import", json=bundle("furniture")))
    _ok(client.post("/v1/import", json=STEEL))


def test_people_of_another_account_are_neither_ranked_nor_recommended_and_are_named_with_it(
        client: TestClient) -> None:
    _steel(client)
    # The furniture maker's GM sways the steel company's GM (a line from another account's contact), and
    # the steel company's chief engineer, whom we cover, sways him.
    _ok(client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "gzf-gm", "target": "s-gm",
                                               "strength": 0.9}), 201)
    _ok(client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "s-cto", "target": "gzf-gm",
                                               "strength": 0.9}), 201)
    rows = _ok(client.get("/v1/accounts/steel/influence"))["contacts"]
    assert {r["contact_id"] for r in rows} == {"s-gm", "s-cto", "s-eq1", "s-eq2"}
    assert next(r["formal_rank"] for r in rows if r["contact_id"] == "s-gm") == 1
    assert sorted(r["formal_rank"] for r in rows) == [1, 2, 3, 4]
    assert min(r["informal_rank"] for r in rows) == 1
    picks = _ok(client.get("/v1/opportunities/steel-o1/next-best-contacts", params={"k": 10},
                           headers=ZH))["recommendations"]
    assert picks and all(p["contact_id"].startswith("s-") for p in picks), picks
    # He still carries influence: the way to the steel GM runs through him, and the texts say whose he is.
    gm = next(p for p in picks if p["contact_id"] == "s-gm")
    assert "gzf-gm" in gm["path"], gm
    said = " ".join(t["text"] for p in picks for t in (*p["reasons"], *p["tactics"]))
    assert "陈志强" in said and said.count("陈志强") == said.count("陈志强（gzf）"), said
    # The furniture maker's own chart is unchanged: its GM is its formal rank 1.
    furniture = _ok(client.get("/v1/accounts/gzf/influence"))["contacts"]
    assert next(r["formal_rank"] for r in furniture if r["contact_id"] == "gzf-gm") == 1


def _spin_off(client: TestClient) -> str:
    """A review, then 设备部 moves to a new subsidiary account; the review's moment."""
    held = _ok(client.post("/v1/accounts/steel/reviews", json={"title": "Q4"}), 201)["held_at"]
    _ok(client.post("/v1/accounts", json={"id": "steel-eq", "name": "长江钢铁设备服务", "parent_id": "steel"}), 201)
    for contact in ("s-eq1", "s-eq2"):
        _ok(client.patch(f"/v1/contacts/{contact}", json={"account_id": "steel-eq"}))
    return str(held)


def test_people_moved_to_another_account_moved_there_on_both_sides(client: TestClient) -> None:
    _steel(client)
    held = _spin_off(client)
    old = _ok(client.get("/v1/accounts/steel/changes", params={"since": held}, headers=ZH))
    moved = [c for c in old["changes"] if c["kind"] == "moved_out"]
    assert [(c["contact_id"], c["before"], c["after"]) for c in moved] == [("s-eq1", "steel", "steel-eq"),
                                                                            ("s-eq2", "steel", "steel-eq")]
    assert moved[0]["text"] == "谭娜（设备部部长）已调往长江钢铁设备服务", moved[0]["text"]
    assert not [c for c in old["changes"] if c["kind"] in ("removed", "left", "joined")], old["changes"]
    summary = old["summary"]
    assert (summary["left"], summary["joined"], summary["moved_out"], summary["moved_in"]) == (0, 0, 2, 0)
    # The influence between the two went with them (their lines to those who stay stay on the map).
    went = [c for c in old["changes"] if c["kind"] == "line_moved_out"]
    assert [(c["source"], c["target"]) for c in went] == [("s-eq2", "s-eq1")], went
    assert went[0]["text"].startswith("关系随"), went[0]["text"]
    assert "长江钢铁设备服务" in went[0]["text"] and summary["lines_moved"] == 1
    assert summary["lines_removed"] == 0
    # Out of who-to-win-next for the steel deal: they are of another account now, named as they were.
    ranking = {m["contact_id"]: m for m in summary["ranking"]}
    assert (ranking["s-eq1"]["name"], ranking["s-eq1"]["after"], ranking["s-eq1"]["out_because"]) == \
        ("谭娜", None, "left"), summary["ranking"]

    new = _ok(client.get("/v1/accounts/steel-eq/changes", params={"since": held}))
    arrived = [c for c in new["changes"] if c["kind"] == "moved_in"]
    assert [(c["contact_id"], c["before"], c["after"]) for c in arrived] == [("s-eq1", "steel", "steel-eq"),
                                                                              ("s-eq2", "steel", "steel-eq")]
    assert arrived[0]["text"] == "谭娜 (设备部部长) moved here from 武汉长江钢铁", arrived[0]["text"]
    assert (new["summary"]["joined"], new["summary"]["moved_in"]) == (0, 2)
    came = [c for c in new["changes"] if c["kind"] == "line_moved_in"]
    assert ("s-eq2", "s-eq1") in {(c["source"], c["target"]) for c in came}, new["changes"]
    assert not [c for c in new["changes"] if c["kind"] == "line_added"], new["changes"]


def test_account_class_name_and_metrics_changes_come_first(client: TestClient) -> None:
    _steel(client)
    held = _ok(client.post("/v1/accounts/steel/reviews", json={"title": "月度复盘"}), 201)["id"]
    assert _ok(client.get("/v1/accounts/steel/classification"))["class"] == "standard"
    _ok(client.patch("/v1/accounts/steel", json={
        "name": "武汉长江钢铁集团", "metrics": {"satisfaction": 2, "loyalty": 0.1, "revenue_growth_pct": -30}}))
    assert _ok(client.get("/v1/accounts/steel/classification"))["class"] == "danger"

    zh = _ok(client.get("/v1/accounts/steel/changes", params={"since": held}, headers=ZH))["changes"]
    assert [c["text"] for c in zh[:5]] == [
        "客户分类：普通客户 → 危险客户", "客户更名：武汉长江钢铁 → 武汉长江钢铁集团",
        "收入增长率（%）：5 → -30", "满意度：6.5 → 2", "忠诚度：0.5 → 0.1"], zh
    en = _ok(client.get("/v1/accounts/steel/changes", params={"since": held}))["changes"]
    first = en[0]
    assert (first["kind"], first["entity_type"], first["entity_id"], first["field"], first["before"],
            first["after"]) == ("account_class_changed", "account", "steel", "class", "standard", "danger")
    assert first["text"] == "account class: standard → danger" and first["at"] is not None
    assert [(c["kind"], c["field"], c["before"], c["after"]) for c in en[1:5]] == [
        ("account_renamed", "name", "武汉长江钢铁", "武汉长江钢铁集团"),
        ("account_metric_changed", "metrics.revenue_growth_pct", 5, -30),
        ("account_metric_changed", "metrics.satisfaction", 6.5, 2),
        ("account_metric_changed", "metrics.loyalty", 0.5, 0.1)]


def test_the_command_lines_summary_counts_the_moves() -> None:
    from app.cli import _summary_lines
    from scoring.changes import Summary, SupportMove

    summary = Summary("o1", 0, 0, 0, 0, 0, 0, 0, {"us": SupportMove(None, None), "competitors": {}}, (), (), (),
                      moved_in=0, moved_out=2, lines_moved=1)
    assert "客户间调动：调入 0，调出 2，随之变动的关系 1" in _summary_lines(summary, None, "zh-CN")
    assert not any("moves between" in line for line in _summary_lines(replace(summary, moved_out=0), None, "en"))
