"""A year at the furniture maker, as a review sees it: deals won, lost and opened, a deal's stage and amount,
competitors taken off a deal or deleted are changes of their own (in both languages, in /changes, the
CLI and the deck); the deck without an opportunity speaks of an open deal, and of a closed one asked for
as won or lost; the summary orders the gaps by severity, names a deleted competitor by its name, and says
someone left the ranking because they were won over."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}          # as coverage-gaps lists them
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else None


def _review(client: TestClient, *deals: str) -> str:
    return str(_ok(client.post("/v1/accounts/gzf/reviews",
                               json={"title": "二季度复盘", "opportunity_ids": list(deals)}))["id"])


def _year(client: TestClient) -> str:
    """A second deal (ERP) before the review, which names the upgrade; then the upgrade is won (its amount
    raised), the ERP deal lost with its competitor taken off, a service deal opened. The review's id."""
    _ok(client.post("/v1/opportunities", json={"id": "gzf-erp", "account_id": "gzf", "name": "ERP 集成项目",
                                               "stage": "proposal", "competitor_ids": ["incumbent"]}))
    review = _review(client, "gzf-upgrade")
    _ok(client.patch("/v1/opportunities/gzf-upgrade", json={"stage": "赢单", "amount": 6500000}))
    _ok(client.patch("/v1/opportunities/gzf-erp", json={"stage": "丢单", "competitor_ids": []}))
    _ok(client.post("/v1/opportunities", json={"id": "gzf-svc", "account_id": "gzf", "name": "年度维保服务",
                                               "stage": "需求确认", "amount": 800000, "close_date": "2027-03-01"}))
    return review


def _texts(client: TestClient, review: str, lang: dict[str, str], **params: str) -> dict[str, list[str]]:
    body = _ok(client.get("/v1/accounts/gzf/changes", params={"since": review, **params}, headers=lang))
    out: dict[str, list[str]] = {}
    for change in body["changes"]:
        out.setdefault(change["kind"], []).append(change["text"])
    return out


def _pptx_text(data: bytes) -> str:
    from pptx import Presentation

    texts: list[str] = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(texts)


def test_deals_won_lost_opened_and_their_competitors_are_changes(furniture: TestClient) -> None:
    review = _year(furniture)
    en, zh = _texts(furniture, review, EN), _texts(furniture, review, ZH)
    assert en["deal_won"] == ["deal won: 中高端产品线板材与五金升级"]
    assert zh["deal_won"] == ["商机赢单：中高端产品线板材与五金升级"]
    assert en["deal_lost"] == ["deal lost: ERP 集成项目"] and zh["deal_lost"] == ["商机输单：ERP 集成项目"]
    assert en["deal_opened"] == ["new deal: 年度维保服务 (需求确认, CNY 800,000)"]
    assert zh["deal_opened"] == ["新商机：年度维保服务（需求确认，约80万元）"]
    assert en["deal_amount_changed"] == ["中高端产品线板材与五金升级: amount CNY 6 million → CNY 6.5 million"]
    assert zh["deal_amount_changed"] == ["中高端产品线板材与五金升级：金额 约600万元 → 约650万元"]
    assert zh["deal_competitor_removed"] == ["现有低端板材供应商已不再参与竞争ERP 集成项目"]
    # A stage that only says won or lost is not said twice.
    assert "deal_stage_changed" not in en
    # Nobody is ranked for a won deal: each of the top at the review is out because the deal closed.
    ranking = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": review, "opportunity_id": "gzf-upgrade"})
                  )["summary"]["ranking"]
    assert ranking and all((m["after"], m["out_because"]) == (None, "deal_closed") for m in ranking), ranking
    # Filtered on one deal: only its own.
    assert set(_texts(furniture, review, EN, opportunity_id="gzf-erp")) == {"deal_lost", "deal_competitor_removed"}
    _ok(furniture.patch("/v1/opportunities/gzf-svc", json={"stage": "方案报价", "close_date": "2027-04-30"}))
    en = _texts(furniture, review, EN, opportunity_id="gzf-svc")
    assert en["deal_opened"] == ["new deal: 年度维保服务 (方案报价, CNY 800,000)"]
    _ok(furniture.patch("/v1/opportunities/gzf-erp", json={"stage": "proposal"}))
    later = _texts(furniture, review, ZH, opportunity_id="gzf-erp")
    assert "deal_reopened" not in later and "deal_lost" not in later          # open then, open now
    second = _review(furniture)
    _ok(furniture.patch("/v1/opportunities/gzf-svc", json={"stage": "商务谈判", "amount": 900000}))
    _ok(furniture.patch("/v1/opportunities/gzf-erp", json={"stage": "丢单"}))
    _ok(furniture.patch("/v1/opportunities/gzf-erp", json={"stage": "proposal"}))
    zh = _texts(furniture, second, ZH)
    assert zh["deal_stage_changed"] == ["年度维保服务：阶段 方案报价 → 商务谈判"]
    assert zh["deal_amount_changed"] == ["年度维保服务：金额 约80万元 → 约90万元"]
    assert "deal_reopened" not in zh                                           # open at both ends


def test_a_deal_reopened_and_a_competitor_dropped_and_new(furniture: TestClient) -> None:
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "丢单"}))
    review = _review(furniture)
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "proposal", "competitor_ids": []}))
    _ok(furniture.delete("/v1/competitors/incumbent", params={"cascade": "true"}))
    _ok(furniture.post("/v1/competitors", json={"id": "rival2", "name": "华美板材"}))
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"competitor_ids": ["rival2"]}))
    en, zh = _texts(furniture, review, EN), _texts(furniture, review, ZH)
    assert en["deal_reopened"] == ["deal reopened: 中高端产品线板材与五金升级 (was lost)"]
    assert zh["deal_reopened"] == ["商机重新打开：中高端产品线板材与五金升级（原为输单）"]
    assert zh["competitor_dropped"] == ["竞争对手已从地图上消失：现有低端板材供应商"]
    assert en["competitor_new"] == ["new competitor on the map: 华美板材"]
    assert en["deal_competitor_removed"] == ["现有低端板材供应商 no longer competes for 中高端产品线板材与五金升级"]
    assert en["deal_competitor_added"] == ["华美板材 now competes for 中高端产品线板材与五金升级"]


def test_the_deck_speaks_of_an_open_deal_and_of_a_won_one_as_won(furniture: TestClient) -> None:
    _year(furniture)
    default = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", headers=ZH)))
    assert "年度维保服务 · 需求确认" in default and "中高端产品线板材与五金升级 · 赢单" not in default
    assert "商机赢单：中高端产品线板材与五金升级" in default and "地图上没有变化" not in default
    won = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", params={"opportunity_id": "gzf-upgrade"},
                                             headers=ZH)))
    assert "中高端产品线板材与五金升级 · 赢单" in won
    assert "该商机已赢单：无需再为它争取任何人。" in won and "争取对象" not in won.split("下一步行动计划")[1][:60]
    lost = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", params={"opportunity_id": "gzf-erp"},
                                              headers=EN)))
    assert "This deal is lost: there is no one to win over for it any more." in lost
    # /changes speaks of the open deal too.
    summary = _ok(furniture.get("/v1/accounts/gzf/changes"))["summary"]
    assert summary["opportunity_id"] == "gzf-svc"


def _ok_bytes(response: Any) -> bytes:
    assert response.status_code == 200, response.text
    data: bytes = response.content
    return data


def test_the_summary_orders_gaps_by_severity_and_names_a_deleted_competitor(furniture: TestClient) -> None:
    review = _review(furniture, "gzf-upgrade")
    _ok(furniture.post("/v1/opportunities", json={"id": "gzf-svc", "account_id": "gzf", "name": "年度维保服务",
                                                  "stage": "需求确认", "competitor_ids": ["incumbent"]}))
    for contact, role, stance in (("gzf-gm", "decision_maker", "neutral"), ("gzf-proc", "procurement", "opponent"),
                                  ("gzf-design", "technical_evaluator", "supporter")):
        _ok(furniture.post("/v1/opportunities/gzf-svc/decision-chain/members",
                           json={"contact_id": contact, "role": role, "stance": stance, "influence": 4}))
    opened = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": review, "opportunity_id": "gzf-svc"})
                 )["summary"]["gaps_opened"]
    assert len({g["severity"] for g in opened}) >= 2, opened
    keys = [(SEVERITY_ORDER[g["severity"]], g["code"], g["contact_ids"], g["message"]) for g in opened]
    assert keys == sorted(keys)
    # The competitor deleted since is named by its name, from the map of then.
    _ok(furniture.patch("/v1/opportunities/gzf-upgrade", json={"competitor_ids": []}))
    _ok(furniture.patch("/v1/opportunities/gzf-svc", json={"competitor_ids": []}))
    _ok(furniture.delete("/v1/competitors/incumbent", params={"cascade": "true"}))
    body = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": review}))
    assert body["summary"]["opportunity_id"] == "gzf-upgrade"
    move = body["summary"]["support"]["competitors"]["incumbent"]
    assert move["name"] == "现有低端板材供应商" and move["after"] is None
    deck = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", params={"since": review},
                                              headers=ZH)))
    assert "现有低端板材供应商的支持度：" in deck and "incumbent的支持度" not in deck


def test_someone_won_over_leaves_the_ranking_as_won_not_dropped(furniture: TestClient) -> None:
    review = _review(furniture, "gzf-upgrade")
    before = _ok(furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts", params={"k": 5}))
    first = before["recommendations"][0]
    _ok(furniture.patch(f"/v1/opportunities/gzf-upgrade/decision-chain/members/{first['contact_id']}",
                        json={"stance": "champion"}))
    body = _ok(furniture.get("/v1/accounts/gzf/changes", params={"since": review}))
    move = next(m for m in body["summary"]["ranking"] if m["contact_id"] == first["contact_id"])
    assert (move["before"], move["after"], move["out_because"]) == (1, None, "won_over")
    zh = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", headers=ZH)))
    assert f"{first['name']}（已争取到，原第1）" in zh and "跌出" not in zh
    assert "态度" in zh and "立场" not in zh
    en = _pptx_text(_ok_bytes(furniture.get("/v1/accounts/gzf/review-deck", headers=EN)))
    assert f"{first['name']} (won over; was 1)" in en


def test_the_cli_summary_names_a_deleted_competitor_and_who_was_won_over() -> None:
    from app.cli import _summary_lines
    from scoring.changes import RankMove, Summary, SupportMove

    summary = Summary("o", 0, 0, 1, 0, 0, 0, 0,
                      {"us": SupportMove(0.1, 0.2), "competitors": {"rival2": SupportMove(0.3, None, "华美板材")}},
                      (), (), (RankMove("c", "张喆", 1, None, "won_over"),))
    lines = _summary_lines(summary, None, "zh-CN")
    assert "态度变化 1" in lines[0]
    assert "华美板材的支持度：+0.30 → —" in lines
    assert lines[-1] == "争取对象排名变化：张喆 1 → 已争取到"
    assert _summary_lines(summary, None, "en")[-1] == "who to win next: 张喆 1 → won over"
