"""Issue 12 over HTTP, on both backends: reviews, the map as of a moment, what changed since a review,
the change map, the review deck, and erasure reaching all of them (the furniture account)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ZH = {"Accept-Language": "zh-CN"}
IT_NAME, IT_NOTES = "赵明", "担心新系统削弱他的作用"


def _review(client: TestClient, title: str = "Q4 复盘", **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/accounts/gzf/reviews",
                           json={"title": title, "opportunity_ids": ["gzf-upgrade"], **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _moves(client: TestClient) -> None:
    """After the review: the design director turns supporter, the CFO leaves, QA starts influencing the
    GM, our VP starts covering the GM."""
    steps = [
        client.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design", json={"stance": "supporter"}),
        client.patch("/v1/contacts/gzf-cfo", json={"status": "left", "left_at": "2026-12-01"}),
        client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "gzf-qa", "target": "gzf-gm",
                                               "strength": 0.6}),
        client.post("/v1/relationships", json={"type": "COVERS", "source": "us-vp", "target": "gzf-gm",
                                               "closeness": 0.5}),
    ]
    assert all(r.status_code in (200, 201) for r in steps), [r.text for r in steps]


def _by_kind(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for change in body["changes"]:
        out.setdefault(change["kind"], []).append(change)
    return out


def test_changes_since_a_review_list_each_move_with_before_and_after(furniture: TestClient) -> None:
    review = _review(furniture)
    _moves(furniture)
    response = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["since"] == review["held_at"] and body["since_review_id"] == review["id"]
    kinds = _by_kind(body)
    stance = kinds["stance_changed"]
    assert [(c["contact_id"], c["before"], c["after"]) for c in stance] == [("gzf-design", "neutral", "supporter")]
    assert [(c["entity_id"], c["before"], c["after"]) for c in kinds["left"]] == [("gzf-cfo", "active", "left")]
    added = kinds["line_added"]
    assert [(c["entity_type"], c["source"], c["target"], c["before"], c["after"]) for c in added] == [
        ("INFLUENCES", "gzf-qa", "gzf-gm", None, 0.6)]
    covered = kinds["coverage_gained"]
    assert [(c["source"], c["target"], c["before"], c["after"]) for c in covered] == [("us-vp", "gzf-gm", None, 0.5)]
    assert set(kinds) == {"stance_changed", "left", "line_added", "coverage_gained"}
    assert all(c["at"] > review["held_at"] and c["by"] == "env-admin" for c in body["changes"])
    summary = body["summary"]
    assert (summary["left"], summary["stance_changes"], summary["lines_added"], summary["coverage_gained"]) == (
        1, 1, 1, 1)
    assert summary["opportunity_id"] == "gzf-upgrade"
    assert summary["support"]["us"]["after"] > summary["support"]["us"]["before"]
    assert set(summary["support"]["competitors"]) == {"incumbent"}
    assert any(g["code"] == "missing_role" for g in summary["gaps_opened"])  # no economic buyer since the CFO left
    assert "gzf-cfo" not in [r["contact_id"] for r in summary["ranking"] if r["after"] is not None]

    zh = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]}, headers=ZH).json()
    texts = {c["kind"]: c["text"] for c in zh["changes"]}
    assert texts["stance_changed"] == "林晓：态度 中立 → 支持者（中高端产品线板材与五金升级）"
    assert texts["left"] == "何丽（财务总监）已离职"
    assert texts["line_added"] == "新增关系：吴芳 → 陈志强（影响，0.6）"
    assert texts["coverage_gained"] == "周海开始覆盖陈志强（紧密度 0.5）"
    en = {c["kind"]: c["text"] for c in body["changes"]}
    assert en["stance_changed"] == "林晓: stance neutral → supporter (中高端产品线板材与五金升级)"

    # since as a date, and until as the review itself: nothing changed before it that day... but the import
    until_review = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"], "until": review["id"]})
    assert until_review.status_code == 200 and until_review.json()["changes"] == []
    only = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"], "opportunity_id": "gzf-upgrade"})
    assert {c["kind"] for c in only.json()["changes"]} == set(kinds)


def test_a_promotion_is_named_from_the_patron_to_the_protege_as_the_map_draws_it(furniture: TestClient) -> None:
    """``gzf-proc PROMOTED_BY gzf-coo``: 黄伟 (COO) promoted 刘建国. The change list names the line patron →
    protégé, the way the map draws its arrow and its legend reads ("提拔（恩主→门生）")."""
    review = _review(furniture)
    furniture.post("/v1/relationships", json={"type": "PROMOTED_BY", "source": "gzf-proc",
                                              "target": "gzf-coo"}).raise_for_status()
    zh = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]}, headers=ZH).json()
    assert [c["text"] for c in zh["changes"] if c["kind"] == "line_added"] == ["新增关系：黄伟 → 刘建国（提拔，—）"]
    en = furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]}).json()
    assert [c["text"] for c in en["changes"] if c["kind"] == "line_added"] == [
        "new line: 黄伟 → 刘建国 (promoted, —)"]


def test_a_review_answers_with_its_etag_and_names_each_deal_once(furniture: TestClient) -> None:
    created = furniture.post("/v1/accounts/gzf/reviews", json={"title": "Q4"})
    assert created.status_code == 201 and created.headers["ETag"] == f'"{created.json()["version"]}"'
    twice = furniture.post("/v1/accounts/gzf/reviews", json={"title": "Q4", "opportunity_ids": ["gzf-upgrade"] * 2})
    assert twice.status_code == 422 and twice.json()["errors"][0]["loc"][-1] == "opportunity_ids", twice.text


def test_a_review_planned_for_later_is_not_what_changes_are_counted_from(furniture: TestClient) -> None:
    held = _review(furniture)
    _moves(furniture)
    planned = furniture.post("/v1/accounts/gzf/reviews", json={"title": "下季度复盘", "held_at": "2030-01-01"})
    assert planned.status_code == 201, planned.text
    changes = furniture.get("/v1/accounts/gzf/changes")
    assert changes.status_code == 200, changes.text
    assert changes.json()["since_review_id"] == held["id"] and changes.json()["changes"]
    deck = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx"})
    assert deck.status_code == 200, deck.text
    assert "林晓：态度 中立 → 支持者" in _pptx_text(deck.content)[1]
    unknown = furniture.get("/v1/accounts/gzf/changes", params={"opportunity_id": "nope"})
    assert unknown.status_code == 404, unknown.text


def test_the_decision_chain_as_of_the_review_is_what_it_answered_then(furniture: TestClient) -> None:
    at_review = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    review = _review(furniture)
    _moves(furniture)
    now = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain").json()
    assert now != at_review
    then = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain", params={"as_of": review["held_at"]})
    assert then.status_code == 200, then.text
    assert then.json() == at_review
    for path, extra in (("/v1/opportunities/gzf-upgrade/coverage-gaps", {}),
                        ("/v1/opportunities/gzf-upgrade/next-best-contacts", {"plan": "true"}),
                        ("/v1/accounts/gzf/influence", {}), ("/v1/accounts/gzf/classification", {}),
                        ("/v1/accounts/gzf/export", {}), ("/v1/accounts/gzf/paths", {"from": "us-rep", "to": "gzf-gm"})):
        answer = furniture.get(path, params={"as_of": review["held_at"], **extra})
        assert answer.status_code == 200, (path, answer.text)
    exported = furniture.get("/v1/accounts/gzf/export", params={"as_of": review["held_at"]}).json()
    cfo = next(c for c in exported["contacts"] if c["id"] == "gzf-cfo")
    assert cfo["status"] == "active"
    image = furniture.get("/v1/accounts/gzf/map", params={"as_of": review["held_at"], "format": "svg"})
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg")
    qa_to_gm = {"type": "INFLUENCES", "source": "gzf-qa", "target": "gzf-gm"}
    assert qa_to_gm in furniture.get("/v1/accounts/gzf/map-view").json()["lines"]
    view = furniture.get("/v1/accounts/gzf/map-view", params={"as_of": review["held_at"]})
    assert view.status_code == 200, view.text
    assert qa_to_gm not in view.json()["lines"] and view.json()["view"] == "all"
    before_it = furniture.get("/v1/accounts/gzf/map-view", params={"as_of": "2001-01-01"})
    assert before_it.status_code == 404, before_it.text
    garbled = furniture.get("/v1/accounts/gzf/map-view", params={"as_of": "last tuesday"})
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["loc"] == ["query", "as_of"]
    bad = furniture.get("/v1/accounts/gzf/influence", params={"as_of": "last tuesday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "as_of"]
    assert furniture.get("/v1/accounts/gzf/influence", params={"as_of": "2001-01-01"}).status_code == 404


def test_a_moment_before_the_account_existed_is_a_404_that_says_when(furniture: TestClient) -> None:
    chain = furniture.get("/v1/opportunities/gzf-upgrade/decision-chain", params={"as_of": "1999-01-01"})
    assert chain.status_code == 404 and "'gzf-upgrade' did not exist on 1999-01-01" in chain.json()["detail"]
    moment = "1999-01-01T08:00:00+08:00"
    drawn = furniture.get("/v1/accounts/gzf/map", params={"as_of": moment})
    assert drawn.status_code == 404
    assert "'gzf' did not exist at 1999-01-01T00:00:00.000000Z" in drawn.json()["detail"], drawn.text


def test_reviews_are_listed_newest_first_and_travel_with_the_bundle(furniture: TestClient) -> None:
    older = _review(furniture, "Q3 复盘", held_at="2026-09-30", notes="和客户一起复盘")
    newer = _review(furniture, "Q4 复盘")
    listed = furniture.get("/v1/accounts/gzf/reviews").json()
    assert [r["id"] for r in listed["items"]] == [newer["id"], older["id"]] and listed["next_cursor"] is None
    assert listed["items"][1]["held_at"] == "2026-09-30T23:59:59.999999Z"
    assert listed["items"][1]["notes"] == "和客户一起复盘"
    assert furniture.get("/v1/accounts/nope/reviews").status_code == 404
    assert furniture.post("/v1/accounts/gzf/reviews", json={"title": "x", "held_at": "soon"}).status_code == 422
    audit = furniture.get("/v1/audit", params={"entity_id": older["id"]}).json()["items"]
    assert [e["action"] for e in audit] == ["create"]

    exported = furniture.get("/v1/accounts/gzf/export").json()
    assert {r["id"] for r in exported["reviews"]} == {older["id"], newer["id"]}
    assert furniture.delete("/v1/accounts/gzf", params={"cascade": "true"}).status_code == 204
    assert furniture.get("/v1/accounts/gzf/reviews").status_code == 404
    again = furniture.post("/v1/import", json=exported)
    assert again.status_code == 200, again.text
    assert again.json()["counts"]["reviews"]["created"] == 2
    assert furniture.get("/v1/accounts/gzf/export").json() == exported


def _pptx_text(data: bytes) -> tuple[int, str]:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    texts: list[str] = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return len(deck.slides), "\n".join(texts)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler reads it (``pdftotext``: Debian's poppler-utils, which ``.ci/run``
    installs); on a machine without it the test says what to install."""
    tool = shutil.which("pdftotext")
    if tool is None:
        message = "pdftotext is not installed: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "deck.pdf"
    path.write_bytes(data)
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=120)
    return done.stdout.decode("utf-8")


def test_the_review_deck_is_a_pptx_in_chinese_and_a_pdf(furniture: TestClient, tmp_path: Path) -> None:
    _review(furniture)
    _moves(furniture)
    pptx = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx"})
    assert pptx.status_code == 200, pptx.text
    assert pptx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.presentationml")
    slides, text = _pptx_text(pptx.content)
    assert slides >= 6
    for name in ("陈志强", "林晓", "何丽", "吴芳", "周海", "决策链", "支持度变化", "覆盖缺口与行动", "下一步行动计划"):
        assert name in text, name
    assert "林晓：态度 中立 → 支持者" in text
    assert IT_NOTES not in text  # notes are never on a slide

    pdf = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.content)) == slides
    # The font's CFF outlines embedded as CFF (a FontFile2 labels them TrueType: strict readers refuse it).
    assert b"/FontFile3" in pdf.content and b"/FontFile2" not in pdf.content
    rendered = _pdf_text(pdf.content, tmp_path)
    assert "陈志强" in rendered and "决策链" in rendered and "林晓：态度 中立 → 支持者" in rendered

    redacted = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx", "redact": "true"})
    _, quiet = _pptx_text(redacted.content)
    assert "已脱敏" in quiet and "回扣" not in quiet
    english = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx"},
                            headers={"Accept-Language": "en"})
    assert "Decision chain" in _pptx_text(english.content)[1]


def _pptx_tables(data: bytes) -> list[list[list[str]]]:
    from pptx import Presentation

    return [[[cell.text for cell in row.cells] for row in shape.table.rows]
            for slide in Presentation(io.BytesIO(data)).slides for shape in slide.shapes if shape.has_table]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_redacted_deck_gives_the_same_advice_without_naming_interests(furniture: TestClient, lang: str) -> None:
    """Redaction leaves interests out of what the deck says, not out of what the advice knows: 赵明 stands
    to lose his role (job_threat), so the plan carries our case around him, redacted or not."""
    def deck(**params: str) -> bytes:
        response = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx", **params},
                                 headers={"Accept-Language": lang})
        assert response.status_code == 200, response.text
        data: bytes = response.content
        return data

    plain, redacted = _pptx_tables(deck()), _pptx_tables(deck(redact="true"))
    plan, quiet_plan = plain[-1], redacted[-1]                # step, who, path, why
    assert [row[:3] for row in quiet_plan] == [row[:3] for row in plan]
    gaps = next(t for t in plain if len(t[0]) == 3)           # severity, gap, action
    quiet_gaps = next(t for t in redacted if len(t[0]) == 3)
    assert [row[:2] for row in quiet_gaps] == [row[:2] for row in gaps]
    said = _pptx_text(deck(redact="true"))[1]
    for secret in ("回扣", "岗位或作用受到威胁", "我们赢单会触动其利益", "kickback", "their role is threatened",
                   "Stands to lose"):
        assert secret not in said, secret


def test_a_first_review_deck_says_there_is_nothing_earlier_to_compare_with(furniture: TestClient) -> None:
    _, text = _pptx_text(furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx"}).content)
    assert "自上次复盘以来的变化" in text and "首次复盘：暂无可对比的上次复盘" in text and "—以来" not in text
    english = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pptx"},
                            headers={"Accept-Language": "en"})
    assert "What changed since the last review" in _pptx_text(english.content)[1]


def test_the_deck_pdf_draws_what_its_font_lacks_with_dejavu_sans(furniture: TestClient, tmp_path: Path) -> None:
    renamed = furniture.patch("/v1/contacts/gzf-proc", json={"name": "Michał Nowak"})
    assert renamed.status_code == 200, renamed.text
    pdf = furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pdf", "opportunity_id": "gzf-upgrade"})
    assert pdf.status_code == 200, pdf.text
    assert set(re.findall(rb"/BaseFont /[A-Z]{6}\+([A-Za-z-]+)", pdf.content)) == {b"NotoSansSC-Regular",
                                                                                   b"DejaVuSans"}
    assert "Michał Nowak" in _pdf_text(pdf.content, tmp_path)


def test_the_change_map_marks_what_changed(furniture: TestClient) -> None:
    review = _review(furniture)
    _moves(furniture)
    svg = furniture.get("/v1/accounts/gzf/map", params={"since": review["id"], "format": "svg",
                                                        "opportunity_id": "gzf-upgrade"})
    assert svg.status_code == 200, svg.text
    text = svg.content.decode("utf-8")
    assert "自Q4 复盘（" in text and "以来的变化" in text and "中立 → 支持者" in text
    png = furniture.get("/v1/accounts/gzf/map", params={"since": review["id"]})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    refused = furniture.get("/v1/accounts/gzf/map", params={"since": review["id"], "format": "graphml"})
    assert refused.status_code == 422


def test_erasure_reaches_every_answer_about_the_past(furniture: TestClient, tmp_path: Path) -> None:
    review = _review(furniture)
    furniture.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-it", json={"stance": "neutral"})
    _moves(furniture)

    def answers() -> dict[str, str]:
        out = {
            "chain as of": furniture.get("/v1/opportunities/gzf-upgrade/decision-chain",
                                         params={"as_of": review["held_at"]}).text,
            "export as of": furniture.get("/v1/accounts/gzf/export", params={"as_of": review["held_at"]}).text,
            "changes": furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]}).text,
            "changes zh": furniture.get("/v1/accounts/gzf/changes", params={"since": review["id"]},
                                        headers=ZH).text,
            "change map": furniture.get("/v1/accounts/gzf/map", params={"since": review["id"],
                                                                        "format": "svg"}).content.decode(),
            "map as of": furniture.get("/v1/accounts/gzf/map", params={"as_of": review["held_at"],
                                                                       "format": "svg"}).content.decode(),
            "map view as of": furniture.get("/v1/accounts/gzf/map-view", params={
                "as_of": review["held_at"], "scope": "around", "around": "gzf-it", "depth": 1}).text,
            "deck": _pptx_text(furniture.get("/v1/accounts/gzf/review-deck").content)[1],
        }
        rendered = _pdf_text(furniture.get("/v1/accounts/gzf/review-deck", params={"format": "pdf"}).content,
                         tmp_path)
        if rendered is not None:
            out["deck pdf"] = rendered
        return out

    before = answers()
    assert IT_NAME in before["chain as of"] and IT_NOTES in before["export as of"]
    assert IT_NAME in before["changes"]      # his stance moved after the review
    assert IT_NAME in before["deck"] and IT_NAME in json.loads(before["map view as of"])["title"]

    erased = furniture.post("/v1/contacts/gzf-it/erase")
    assert erased.status_code == 200, erased.text
    after = answers()
    for what, text in after.items():
        assert IT_NAME not in text and IT_NOTES not in text, what
        assert "IT经理" not in text, what
    chain = json.loads(after["chain as of"])
    assert any(m["contact_id"] == "gzf-it" and m["name"] == "[erased]" for m in chain["members"])


def test_the_command_line_records_reviews_lists_changes_and_writes_the_deck(
        backend_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main
    from tests.conftest import FIXTURES, backend_env

    for key, value in backend_env(backend_name).items():
        monkeypatch.setenv(key, value)
    data = ["--data-dir", str(tmp_path / "data")]
    main(["import", str(FIXTURES / "furniture.json"), *data])
    capsys.readouterr()
    main(["review", "create", "gzf", "--title", "Q4 复盘", "--opportunity", "gzf-upgrade", *data])
    review_id = json.loads(capsys.readouterr().out)["id"]
    main(["review", "list", "gzf", *data])
    assert review_id in capsys.readouterr().out
    main(["changes", "gzf", "--since", review_id, "--lang", "zh-CN", *data])
    assert "Q4 复盘" in capsys.readouterr().out
    deck = tmp_path / "deck.pptx"
    main(["export", "gzf", "--format", "pptx", "-o", str(deck), *data])
    slides, text = _pptx_text(deck.read_bytes())
    assert slides >= 6 and "陈志强" in text
    pdf = tmp_path / "deck.pdf"
    main(["export", "gzf", "--format", "pdf", "--deck", "-o", str(pdf), *data])
    assert pdf.read_bytes().startswith(b"%PDF-")
