"""The review deck as a manager shows it in the meeting: a map slide whose names are readable at the
slide's size, titles that stay on the page, review names shortened with an ellipsis, the whole summary of
what changed (in the deck's language), Chinese that breaks between characters and not inside a Latin
name, and the plan's what-to-do (the furniture and handset accounts)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
LONG_TITLE = "2026年第四季度客户复盘：中高端升级项目与管理层沟通进展"
MIN_NAME_PT = 9.0


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _furniture_moves(client: TestClient, title: str = "Q4 复盘") -> dict[str, Any]:
    review = _ok(client.post("/v1/accounts/gzf/reviews", json={"title": title, "opportunity_ids": ["gzf-upgrade"]}))
    _ok(client.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design", json={"stance": "supporter"}))
    _ok(client.post("/v1/relationships", json={"type": "COVERS", "source": "us-vp", "target": "gzf-gm",
                                               "closeness": 0.5}))
    return review


def _handset_moves(client: TestClient) -> dict[str, Any]:
    """The handset account after its joint review, as the reviewer found it: David Ng now knows us and
    turned neutral, Karen Wu joined under him, Ms. Lim left, the plant manager's sway over David Ng grew and
    Mark Tan started influencing him."""
    review = _ok(client.post("/v1/accounts/hs-tj/reviews", json={"title": "Q4 joint review",
                                                                  "opportunity_ids": ["hs-platform"]}))
    _ok(client.patch("/v1/opportunities/hs-platform/decision-chain/members/hs-purch", json={"stance": "neutral"}))
    _ok(client.patch("/v1/contacts/hs-purch", json={"knows_us": True}))
    _ok(client.patch("/v1/contacts/hs-hr", json={"status": "left", "left_at": "2026-12-06"}))
    _ok(client.patch("/v1/relationships/INFLUENCES:hs-plant:hs-purch", json={"strength": 0.7}))
    _ok(client.post("/v1/contacts", json={"id": "hs-purch-dir", "account_id": "hs-tj", "name": "Karen Wu",
                                          "title": "Director, Strategic Sourcing", "department": "procurement",
                                          "level": "director"}))
    _ok(client.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "hs-purch-dir",
                                               "target": "hs-purch"}))
    _ok(client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "hs-vp-ops", "target": "hs-purch",
                                               "strength": 0.6}))
    return review


def _deck(client: TestClient, account: str, fmt: str, headers: dict[str, str], **params: str) -> bytes:
    response = client.get(f"/v1/accounts/{account}/review-deck", params={"format": fmt, **params}, headers=headers)
    assert response.status_code == 200, response.text
    data: bytes = response.content
    return data


def _pptx_slides(data: bytes) -> list[str]:
    """Each slide's text: its text boxes, then its table's cells."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(data)).slides:
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        out.append("\n".join(texts))
    return out


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed: apt-get install poppler-utils")
    return found


def _pdf_words(data: bytes, tmp_path: Path) -> list[tuple[int, float, float, float, float, float, str]]:
    """Every word of the PDF as poppler places it: page, page width, xMin, yMin, xMax, yMax, text."""
    path = tmp_path / "deck.pdf"
    path.write_bytes(data)
    done = subprocess.run([_poppler("pdftotext"), "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=120)
    words = []
    for n, (width, body) in enumerate(re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>',
                                                 done.stdout.decode("utf-8"), re.DOTALL), 1):
        for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body):
            words.append((n, float(width), float(x0), float(y0), float(x1), float(y1), text))
    return words


@pytest.mark.parametrize("headers", [ZH, EN])
def test_a_long_review_title_stays_on_the_page(furniture: TestClient, tmp_path: Path,
                                               headers: dict[str, str]) -> None:
    """Slide titles naming a long review wrap or shrink: no word of any page reaches into its right margin
    (a quarter inch), in the PDF as poppler reads it."""
    _furniture_moves(furniture, LONG_TITLE)
    words = _pdf_words(_deck(furniture, "gzf", "pdf", headers), tmp_path)
    assert any("中高端升级项目" in w[6] for w in words)            # the review is named on the slides
    outside = [(page, text, x1) for page, width, _, _, x1, _, text in words if x1 > width - 18]
    assert outside == []
    # The PowerPoint titles are broken the same way: no line of a title is wider than its box.
    from pptx import Presentation

    from rendering import fonts

    for slide in Presentation(io.BytesIO(_deck(furniture, "gzf", "pptx", headers))).slides:
        box = slide.shapes[0]
        title = box.text_frame.paragraphs[0]
        size = title.runs[0].font.size.pt
        for line in _lines(title):
            assert fonts.text_width(line, size) <= box.width / 914400 - 0.2, (line, size)


def _lines(paragraph: Any) -> list[str]:
    """A PowerPoint paragraph's lines: its runs between line breaks."""
    lines = [""]
    for child in paragraph._p:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "br":
            lines.append("")
        elif tag == "r":
            lines[-1] += "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
    return lines


def _map_picture(pptx: bytes) -> tuple[float, int, int]:
    """The map slide's picture: its width on the slide (points) and the PNG's size in pixels."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    slide = Presentation(io.BytesIO(pptx)).slides[1]
    picture = next(s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    width, height = struct.unpack(">II", picture.image.blob[16:24])
    return picture.width / 12700, int(width), int(height)


@pytest.mark.parametrize("reviewed", [True, False])
def test_the_names_on_the_furniture_map_slide_are_readable(furniture: TestClient, reviewed: bool) -> None:
    if reviewed:
        _furniture_moves(furniture)
    _names_readable(furniture, "gzf", "gzf-upgrade", ("陈志强", "林晓", "黄伟"))


@pytest.mark.parametrize("reviewed", [True, False])
def test_the_names_on_the_handset_map_slide_are_readable(handset: TestClient, reviewed: bool) -> None:
    if reviewed:
        _handset_moves(handset)
    _names_readable(handset, "hs-tj", "hs-platform", ("David Ng", "Mark Tan", "杨经理"))


def _names_readable(client: TestClient, account: str, opportunity: str, names: tuple[str, ...]) -> None:
    """A name on the map slide is at least 9 points as the slide shows it: its size on the map's page ×
    the picture's width on the slide / the page's width (the picture is the page, every pixel of it)."""
    pptx = _deck(client, account, "pptx", ZH, opportunity_id=opportunity)
    shown_w, png_w, png_h = _map_picture(pptx)

    # The same page as SVG: its width and its texts' sizes in points.
    from app.reviews import compare
    from graph.store import Store
    from rendering.deck import deck_map
    from scoring.options import ScoringOptions

    store: Store = client.app.state.store  # type: ignore[attr-defined]
    graph = store.account_graph(account)
    compared = compare(store, ScoringOptions(), account, None, None, opportunity, "zh-CN")
    svg = deck_map(graph, compared.changes if compared else None, compared.label if compared else None, "svg",
                   opportunity_id=opportunity, redact=False, lang="zh-CN",
                   today=dt.datetime.now(dt.UTC).date(), options=ScoringOptions(),
                   team=store.team_roster(graph)).decode()
    page_w = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))  # type: ignore[union-attr]
    page_h = float(re.search(r'<svg[^>]* height="([\d.]+)pt"', svg).group(1))  # type: ignore[union-attr]
    assert abs(png_w / png_h - page_w / page_h) < 0.01                 # the picture is that page
    for name in names:
        size = float(re.search(r'font-size="([\d.]+)"[^>]*>' + re.escape(name) + "<", svg).group(1))  # type: ignore[union-attr]
        assert size * shown_w / page_w >= MIN_NAME_PT, (name, size * shown_w / page_w)
    # The picture takes the slide's body: nearly its whole width (13.33 in less the margins).
    assert shown_w >= 12 * 72
    # No gap list on the deck's map (the gap slide lists them); the map's legend is there.
    assert "Coverage gaps" not in svg and "覆盖缺口 (" not in svg and "坚定支持者" in svg


def test_the_support_chart_shortens_review_names_with_an_ellipsis(furniture: TestClient) -> None:
    from rendering.deck import short_title

    assert short_title("Q4 joint review") == "Q4 joint review"
    assert short_title("Q4 joint review with the plant and purchasing") == "Q4 joint review with…"
    cut = short_title(LONG_TITLE)
    assert cut.endswith("…") and not cut[:-1].endswith(("：", ":", "，")) and LONG_TITLE.startswith(cut[:-1])
    _furniture_moves(furniture, LONG_TITLE)
    slides = _pptx_slides(_deck(furniture, "gzf", "pptx", ZH))
    support = next(s for s in slides if s.startswith("支持度变化"))
    assert f"{LONG_TITLE}（" in support                         # the footnote names the review in full
    assert "：我方 " in support and "；" in support and ": " not in support and "; " not in support


def test_the_change_slides_carry_the_whole_summary_in_the_decks_language(handset: TestClient) -> None:
    _handset_moves(handset)
    english = "\n".join(_pptx_slides(_deck(handset, "hs-tj", "pptx", EN)))
    for said in ("Support for us: +", "Support for Rival Instruments: +", "Gap closed: David Ng",
                 "Whom to win next: 1. David Ng", "Karen Wu (new)", "Ms. Lim (left; was"):
        assert said in english, said
    chinese = _pptx_slides(_deck(handset, "hs-tj", "pptx", ZH))
    changes = "\n".join(s for s in chinese if s.startswith("自"))
    for said in ("我方支持度：+", "Rival Instruments的支持度：+", "已消除的缺口：David Ng", "争取对象排名：1. David Ng",
                 "Karen Wu（新上榜）", "Ms. Lim（已离开，原第"):
        assert said in changes, said
    # No English word of ours in the Chinese slides: only the data's (names, titles, the review's title).
    data = {"Karen", "Wu", "Director", "Strategic", "Sourcing", "Ms", "Lim", "HR", "David", "Ng", "VP", "Global",
            "Purchasing", "Mark", "Tan", "Rival", "Instruments", "Q", "joint", "review", "Anna", "Li", "Zhou", "Hai",
            "Chen", "Bo", "Handset", "Vice", "President", "Key", "Accounts", "Manager", "Asia", "Operations",
            "Resident", "application", "engineer", "Tianjin", "Account", "negotiation", "EB", "DM", "PR", "TE", "BU"}
    words = set(re.findall(r"[A-Za-z]+", "\n".join(chinese)))
    assert words <= data, words - data


def test_chinese_cells_break_between_characters_never_inside_a_latin_name(handset: TestClient,
                                                                          tmp_path: Path) -> None:
    _handset_moves(handset)
    path = tmp_path / "deck.pdf"
    path.write_bytes(_deck(handset, "hs-tj", "pdf", ZH))
    done = subprocess.run([_poppler("pdftotext"), "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=120)
    lines = [line.strip() for line in done.stdout.decode("utf-8").splitlines()]
    assert any("David Ng" in line for line in lines)
    assert not [line for line in lines if re.search(r"David\s*$", line) or re.search(r"^\s*Ng\b", line)]
    # A line never starts with closing punctuation.
    from rendering.draw import wrap

    for width in (1.0, 1.6, 2.2, 3.0, 3.7):
        text = "在决策链中担任采购。David Ng（第1步已争取）已站在我们一边，且听取其意见：争取其支持能巩固David Ng的支持。"
        broken = wrap(text, 11.5, width, 12)
        assert "".join(broken) == text
        assert not [line for line in broken if line[0] in "，。；：）、"]
        assert not [line for line in broken if line.endswith("David") or line.startswith("Ng")]


def test_the_plan_shows_the_path_as_given_and_what_to_do(handset: TestClient) -> None:
    """Each next move with the path the advice gives (our team member first) and its first tactic, in a
    column of its own."""
    from pptx import Presentation

    for headers, lang, do in ((EN, "en", "What to do"), (ZH, "zh-CN", "怎么做")):
        deck = Presentation(io.BytesIO(_deck(handset, "hs-tj", "pptx", headers)))
        table = next([[c.text for c in row.cells] for row in shape.table.rows]
                     for slide in deck.slides for shape in slide.shapes
                     if shape.has_table and shape.table.cell(0, len(shape.table.columns) - 1).text == do)
        advice = handset.get("/v1/opportunities/hs-platform/next-best-contacts", params={"plan": "true", "k": 5},
                             headers={"Accept-Language": lang}).json()["recommendations"]
        assert len(table) == len(advice) + 1 and advice
        for rec, row in zip(advice, table[1:], strict=True):
            assert len(row[2].split(" → ")) == len(rec["path"]), (row, rec["path"])
            assert row[-1] == (rec["tactics"][0]["text"] if rec["tactics"] else "")
