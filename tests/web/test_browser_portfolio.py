"""The accounts page as a key-account director's portfolio, in real Chromium: one ``/v1/portfolio`` call
instead of a classification call per account; the furniture maker's and the handset maker's open deals
with support for us, the leading competitor's and the coverage gaps by severity, each linking to its deal;
the Tianjin plant under its group; ordering by risk from the keyboard; the search; Chinese labels; a
phone's width; contrast; an older server without the portfolio still lists the accounts.

A real ``guanxi serve`` runs with the furniture and handset fixtures; ``portfolio.mjs`` drives Chromium
with ``playwright-core``; the figures shown are checked against what the API answers. Screenshots
(English and Chinese, 1280×800 and 390 px wide) are kept in ``artifacts/web-portfolio/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.test_browser import (
    FURNITURE,
    HANDSET,
    VIEWER,
    require_tools,
    run_walk,
    service_env,
    serving,
    step,
)

SCRIPT = Path(__file__).with_name("portfolio.mjs")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web-portfolio"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_tools()
    data = tmp_path_factory.mktemp("web-portfolio")
    with serving(service_env(data), data, [FURNITURE.read_bytes(), HANDSET.read_bytes()]) as url:
        yield url


@pytest.fixture(scope="module")
def walk(server: str) -> dict[str, Any]:
    report = run_walk(SCRIPT, {"baseUrl": server, "viewerKey": VIEWER}, ARTIFACTS, timeout=120)
    for key, language in (("portfolio", "en"), ("portfolio_zh", "zh-CN")):
        answer = httpx.get(f"{server}/v1/portfolio?limit=100", timeout=30,
                           headers={"Authorization": f"Bearer {VIEWER}", "Accept-Language": language}).json()
        report[key] = {row["account_id"]: row for row in answer["items"]}
    return report


def test_the_page_asks_one_portfolio_call_and_no_classification(walk: dict[str, Any]) -> None:
    calls = step(walk, "accounts")["calls"]
    assert [c for c in calls if c.startswith("/v1/portfolio")] == ["/v1/portfolio?limit=100"], calls
    assert [c for c in calls if "/classification" in c] == [], calls
    assert len(calls) <= 3, calls          # the accounts, the portfolio, the competitors' names


def test_each_account_shows_its_class_and_open_deals_with_support_and_gaps(walk: dict[str, Any]) -> None:
    shown = {a["id"]: a for a in step(walk, "accounts")["accounts"]}
    assert set(shown) == {"gzf", "hs-global", "hs-tj"}
    assert (shown["gzf"]["badge"], shown["hs-tj"]["badge"]) == ("Nail", "Benchmark")
    assert shown["hs-global"]["deals"] == []                       # the group's deal is its plant's
    for account in ("gzf", "hs-tj"):
        expected = walk["portfolio"][account]["deals"]
        deals = shown[account]["deals"]
        assert [d["id"] for d in deals] == [d["opportunity_id"] for d in expected] != []
        for deal, answer in zip(deals, expected, strict=True):
            assert deal["href"] == f"#/opportunities/{answer['opportunity_id']}" and deal["name"] == answer["name"]
            assert deal["us"] == pytest.approx(answer["support_us"])
            us = f"{answer['support_us']:+.2f}"
            assert deal["meter"] == us and deal["usText"] == f"Us {us}"
            assert deal["rivalValue"] == pytest.approx(answer["leading_competitor_support"])
            assert deal["gaps"] == answer["gaps"]
            assert f"{answer['gaps']['high']} high" in deal["gapText"]            # in words, not colour only
            assert deal["firstGap"] == answer["first_gap"]["message"]
    gzf = shown["gzf"]["deals"][0]
    assert gzf["rival"] == "Leading competitor 现有低端板材供应商 +0.05"        # its name, not its id
    assert gzf["gapText"] == "Gaps: 7 high 6 medium"
    assert shown["hs-tj"]["deals"][0]["rival"].startswith("Leading competitor Rival Instruments +")


def test_the_handset_plant_is_listed_under_its_group(walk: dict[str, Any]) -> None:
    shown = step(walk, "accounts")["accounts"]
    ids = [a["id"] for a in shown]
    tianjin = next(a for a in shown if a["id"] == "hs-tj")
    assert (tianjin["depth"], tianjin["under"]) == (1, "hs-global")
    assert ids.index("hs-global") + 1 == ids.index("hs-tj")                   # the group first
    group = next(a for a in shown if a["id"] == "hs-global")
    assert tianjin["indent"] > group["indent"]                                 # indented


def test_ordering_by_risk_from_the_keyboard(walk: dict[str, Any]) -> None:
    assert step(walk, "accounts")["orderLabel"] == "account-order"            # labelled
    seen = step(walk, "order_by_risk")
    assert seen["before"] == ["hs-global", "gzf"]                              # by name (Latin, then Chinese)
    assert seen["value"] == "risk" and seen["focus"] == "account-order"
    assert seen["after"] == ["gzf", "hs-global"]                               # 7 high gaps before 3
    assert ["hs-tj", "hs-global"] in seen["nested"]                            # still under its group


def test_the_search_filters_rows(walk: dict[str, Any]) -> None:
    seen = step(walk, "search")
    assert seen["tianjin"] == [["hs-tj", 0]]           # the plant alone: its group is filtered out
    assert seen["nothing"] == 0 and seen["empty"] == "No account matches."
    assert seen["all"] == 3


def test_the_portfolio_reads_in_chinese(walk: dict[str, Any]) -> None:
    seen = step(walk, "chinese")
    assert seen["heading"] == "客户" and seen["orderLabel"] == "排序"
    assert seen["options"][0] == "按名称" and seen["options"][1].startswith("按风险")
    assert seen["value"] == "risk"                                             # the order chosen stays
    shown = {a["id"]: a for a in seen["accounts"]}
    gzf = shown["gzf"]["deals"][0]
    assert shown["gzf"]["badge"] == "钉子客户"
    assert gzf["usText"].startswith("我方 ") and gzf["rival"].startswith("领先竞争对手 现有低端板材供应商 ")
    assert gzf["gapText"].replace(" ", "") == "缺口：高7中6"
    chinese = walk["portfolio_zh"]["gzf"]["deals"][0]["first_gap"]["message"]
    assert gzf["firstGap"] == chinese and chinese.startswith("我方无人覆盖")      # the server's Chinese text


def test_a_phone_scrolls_down_only(walk: dict[str, Any]) -> None:
    seen = step(walk, "narrow")
    assert seen["en"]["width"] <= 390 and seen["zh"]["width"] <= 390, seen


def test_the_portfolio_is_readable(walk: dict[str, Any]) -> None:
    texts = step(walk, "contrast")["texts"]
    assert {t["what"] for t in texts} >= {".deal-gaps .severity", ".first-gap", ".deal-rival", "a.deal-name"}
    assert [t for t in texts if t["ratio"] < 4.5] == [], texts


def test_a_deal_links_to_its_page(walk: dict[str, Any]) -> None:
    assert step(walk, "deal_link")["hash"] == "#/opportunities/hs-platform"


def test_an_older_server_without_the_portfolio_still_lists_the_accounts(walk: dict[str, Any]) -> None:
    seen = step(walk, "older_server")
    assert [(a["id"], a["under"], a["deals"]) for a in seen["accounts"]] == [
        ("hs-global", None, []), ("hs-tj", "hs-global", []), ("gzf", None, [])]
    assert seen["order"] == 0 and seen["error"] == 0


def test_no_script_error(walk: dict[str, Any]) -> None:
    assert walk["page_errors"] == []
