"""What a sensible product says about the two worked accounts, asked over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import VIEWER, auth

ZH = {"Accept-Language": "zh-CN,zh;q=0.9", **auth(VIEWER)}


def gaps_by_code(client: TestClient, opportunity: str, **headers: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for gap in client.get(f"/v1/opportunities/{opportunity}/coverage-gaps", headers=headers).json()["gaps"]:
        found.setdefault(gap["code"], []).append(gap)
    return found


def test_furniture_next_move_is_the_gm_through_the_sales_vp_not_procurement(furniture: TestClient) -> None:
    moves = furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts", params={"k": 9}).json()
    ranked = [m["contact_id"] for m in moves["recommendations"]]
    assert ranked[0] in ("gzf-gm", "gzf-design")
    first = moves["recommendations"][0]
    assert set(first) >= {"contact_id", "name", "score", "gain", "reach", "risk", "path", "reasons", "tactics"}
    gm = next(m for m in moves["recommendations"] if m["contact_id"] == "gzf-gm")
    assert gm["path"][-2:] == ["gzf-salesvp", "gzf-gm"] and gm["path"][0].startswith("us-")
    assert "gzf-proc" not in ranked[:2] and "gzf-buyer" not in ranked[:2]
    if "gzf-proc" in ranked:
        proc = next(m for m in moves["recommendations"] if m["contact_id"] == "gzf-proc")
        assert proc["score"] < gm["score"] and proc["risk"] >= 0.9
    assert "gzf-salesvp" not in ranked  # already a supporter


def test_furniture_plan_is_a_sequence_of_distinct_people(furniture: TestClient) -> None:
    plan = furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts",
                         params={"k": 3, "plan": "true"}).json()["recommendations"]
    assert len(plan) == 3 and len({m["contact_id"] for m in plan}) == 3
    assert plan[0]["contact_id"] in ("gzf-gm", "gzf-design")


def test_furniture_gaps(furniture: TestClient) -> None:
    gaps = gaps_by_code(furniture, "gzf-upgrade")
    assert "single_threaded" in gaps
    assert any("gzf-cfo" in g["contact_ids"] for g in gaps["leader_unaware"])
    assert "no_executive_counterpart" in gaps
    departments = " ".join(g["message"] for g in gaps["uncovered_department"])
    assert "design" in departments and "finance" in departments
    assert any("coach" in g["message"] for g in gaps["missing_role"])
    for gap in (g for group in gaps.values() for g in group):
        assert gap["severity"] in ("high", "medium", "low") and gap["message"] and gap["action"]


def test_furniture_paths_run_through_the_sales_vp(furniture: TestClient) -> None:
    paths = furniture.get("/v1/accounts/gzf/paths", params={"from": "us-se", "to": "gzf-gm", "k": 3}).json()
    best = paths["paths"][0]
    assert [h["to"] for h in best["hops"]] == ["gzf-salesvp", "gzf-gm"]
    strengths = [p["strength"] for p in paths["paths"]]
    assert strengths == sorted(strengths, reverse=True) and len(strengths) == 3


def test_furniture_support_is_low_and_the_incumbent_holds_procurement(furniture: TestClient) -> None:
    chain = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    assert chain["support"]["us"] < 0.2
    assert chain["support"]["competitors"]["incumbent"] > 0
    members = {m["contact_id"]: m for m in chain["members"]}
    assert len(members) == 7
    assert members["gzf-cfo"]["stance_unknown"] is True
    assert members["gzf-proc"]["interests"][0]["kind"] == "kickback"
    assert members["gzf-gm"]["decision_weight"] == pytest.approx(1.0)
    assert set(members["gzf-gm"]["closeness"]) == {"relationship", "solution", "price", "composite"}
    assert members["gzf-salesvp"]["covered_by"][0]["team_member_id"] == "us-se"


def test_handset_is_a_benchmark_whose_purchasing_vp_is_next(handset: TestClient) -> None:
    assert handset.get("/v1/accounts/hs-tj/classification").json()["class"] == "benchmark"
    first = handset.get("/v1/opportunities/hs-platform/next-best-contacts").json()["recommendations"][0]
    assert first["contact_id"] == "hs-purch" and "hs-plant" in first["path"]
    gaps = gaps_by_code(handset, "hs-platform")
    assert any("hs-purch" in g["contact_ids"] for g in gaps["leader_unaware"])
    assert any("hs-purch" in g["contact_ids"] for g in gaps["no_executive_counterpart"])


def test_texts_follow_accept_language(handset: TestClient) -> None:
    english = handset.get("/v1/opportunities/hs-platform/next-best-contacts").json()["recommendations"][0]
    chinese = handset.get("/v1/opportunities/hs-platform/next-best-contacts", headers=ZH).json()
    chinese_first = chinese["recommendations"][0]
    assert [r["code"] for r in english["reasons"]] == [r["code"] for r in chinese_first["reasons"]]
    names = {c["name"] for c in handset.get("/v1/contacts").json()["items"]}
    for reason in english["reasons"]:
        text = reason["text"]
        for name in names:
            text = text.replace(name, "")
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), reason
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) for r in chinese_first["reasons"])
    playbook = handset.get("/v1/accounts/hs-tj/classification", headers=ZH).json()["playbook"]
    assert playbook and all(any("\u4e00" <= ch <= "\u9fff" for ch in p["text"]) for p in playbook)


def test_influence_ranks_informal_power_beside_the_org_chart(furniture: TestClient) -> None:
    contacts = furniture.get("/v1/accounts/gzf/influence").json()["contacts"]
    assert len(contacts) == 9
    powers = [c["informal_power"] for c in contacts]
    assert powers == sorted(powers, reverse=True)
    assert {"contact_id", "name", "level", "informal_power", "formal_rank", "informal_rank"} <= contacts[0].keys()


def test_a_contact_who_left_is_never_recommended_nor_a_path(furniture: TestClient) -> None:
    furniture.patch("/v1/contacts/gzf-salesvp", json={"status": "left", "left_at": "2026-11-01"})
    moves = furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts", params={"k": 9}).json()
    for move in moves["recommendations"]:
        assert "gzf-salesvp" not in move["path"] and move["contact_id"] != "gzf-salesvp"
    gaps = gaps_by_code(furniture, "gzf-upgrade")
    assert any("gzf-salesvp" in g["contact_ids"] for g in gaps["supporter_left"])


def test_an_empty_chain_gets_an_answer_not_an_error(furniture: TestClient) -> None:
    furniture.post("/v1/opportunities", json={"id": "gzf-new", "account_id": "gzf", "name": "新项目"})
    chain = furniture.get("/v1/opportunities/gzf-new/decision-chain")
    assert chain.status_code == 200 and chain.json()["members"] == []
    assert furniture.get("/v1/opportunities/gzf-new/coverage-gaps").status_code == 200
    assert furniture.get("/v1/opportunities/gzf-new/next-best-contacts").status_code == 200


@pytest.mark.parametrize("path", [
    "/v1/opportunities/ghost/decision-chain", "/v1/opportunities/ghost/coverage-gaps",
    "/v1/opportunities/ghost/next-best-contacts", "/v1/accounts/ghost/influence",
    "/v1/accounts/ghost/classification", "/v1/accounts/gzf/paths?from=us-se&to=ghost",
    # a path runs between people: not from the account, a deal or a competitor
    "/v1/accounts/gzf/paths?from=gzf&to=gzf-qa", "/v1/accounts/gzf/paths?from=gzf-upgrade&to=gzf-qa",
    "/v1/accounts/gzf/paths?from=us-se&to=incumbent",
])
def test_unknown_ids_are_404(furniture: TestClient, path: str) -> None:
    response = furniture.get(path)
    assert response.status_code == 404 and response.json()["status"] == 404


@pytest.mark.parametrize("k", [0, -1, 51, 10**9, "many"])
def test_absurd_k_is_422(furniture: TestClient, k: object) -> None:
    response = furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts", params={"k": k})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "k"]


def test_answers_follow_every_write(furniture: TestClient) -> None:
    url = "/v1/opportunities/gzf-upgrade/decision-chain"
    before = furniture.get(url).json()
    assert furniture.get(url).json() == before
    furniture.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm", json={"stance": "champion"})
    after = furniture.get(url).json()
    assert after["support"]["us"] > before["support"]["us"]
    moves = furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts", params={"k": 9}).json()
    assert "gzf-gm" not in [m["contact_id"] for m in moves["recommendations"]]


def test_answers_follow_a_new_team_member_with_no_tie_to_the_account(furniture: TestClient,
                                                                    settings: Any) -> None:
    """A team member with no tie to the account is not in its map, yet the gaps and who-to-win-next name
    our people from the whole team (an executive counterpart): their answers, kept per map, must not
    outlive a change of the team (it once kept them: nothing in the map had changed)."""
    from app.main import create_app

    def answers(client: TestClient) -> list[Any]:
        return [client.get(f"/v1/opportunities/gzf-upgrade/{what}").json()
                for what in ("coverage-gaps", "next-best-contacts", "decision-chain")]

    before = answers(furniture)
    created = furniture.post("/v1/team", json={"id": "us-ceo", "name": "刘总", "title": "CEO", "level": "executive",
                                               "role": "executive"})
    assert created.status_code == 201, created.text
    after = answers(furniture)
    with TestClient(create_app(settings), headers=dict(furniture.headers)) as fresh:
        assert after == answers(fresh)
    assert after[0] != before[0]       # the gaps now name the new executive as a counterpart


@pytest.mark.parametrize("url", [
    "/v1/opportunities/gzf-upgrade/decision-chain", "/v1/opportunities/gzf-upgrade/coverage-gaps",
    "/v1/opportunities/gzf-upgrade/next-best-contacts?k=3", "/v1/accounts/gzf/influence",
    "/v1/accounts/gzf/classification", "/v1/accounts/gzf/paths?from=us-se&to=gzf-gm"])
def test_a_kept_answer_is_sent_without_a_worker_thread(
        furniture: TestClient, settings: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """A repeated question about an unchanged map is answered on the event loop, on either backend: the
    check that the map is current is awaited there (a read in the process on SQLite, a round trip through
    Neo4j's async driver). Either way another process's write is seen by the very next request."""
    from fastapi.concurrency import run_in_threadpool as to_thread

    from app.main import create_app
    from app.routers import analytics

    handed_over: list[object] = []

    async def counting(work: Any) -> Any:
        handed_over.append(work)
        return await to_thread(work)

    monkeypatch.setattr(analytics, "run_in_threadpool", counting)
    first = furniture.get(url)
    assert first.status_code == 200 and len(handed_over) == 1
    assert furniture.get(url).content == first.content
    assert len(handed_over) == 1
    with TestClient(create_app(settings), headers=dict(furniture.headers)) as other:
        changed = other.patch("/v1/contacts/gzf-salesvp", json={"status": "left", "left_at": "2026-11-01"})
        assert changed.status_code == 200, changed.text
        fresh = other.get(url).content
    after = furniture.get(url)
    assert after.content == fresh and after.content != first.content
