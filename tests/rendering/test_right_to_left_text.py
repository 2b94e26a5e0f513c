"""Right-to-left names (Uyghur, Arabic) in the PNG and PDF maps and the deck's PDF: drawn in reading order
with their letters joined, the isolates the API keeps honoured and never drawn as a box; the SVG keeps
the text as it is (its reader orders and joins it)."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient

from rendering.safe import REPLACEMENT, display_text, visual_text
from tests.maps.conftest import fetch, svg_texts

NAME = "ئابدۇللا ئەھمەت"
TITLE = "\u2067مدير\u2069 (Urumqi)"              # an isolate round the right-to-left part, as the README allows
# مدير with its letters joined (م initial, د final, ي initial, ر final), in reading order.
JOINED_TITLE = "\ufee3\ufeaa\ufef3\ufeae"


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it: right-to-left glyph runs put back into reading order, so a run
    drawn in the wrong order comes out reversed."""
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_visual_text_reverses_and_joins_right_to_left_runs_and_drops_the_isolates() -> None:
    assert visual_text("مدير") == JOINED_TITLE[::-1]
    shown = visual_text(TITLE)
    assert shown == JOINED_TITLE[::-1] + " (Urumqi)" and not set(shown) & set("\u2066\u2067\u2068\u2069")
    assert visual_text("David Ng · 王总\u200e") == "David Ng · 王总"
    assert visual_text("مُدير")[-1] == "\ufee3" and "\u064f" in visual_text("مُدير")    # the vowel mark kept


def test_images_keep_isolates_and_marks_and_replace_overrides() -> None:
    assert display_text(TITLE) == TITLE
    assert display_text("a\u202eb\u200fc") == f"a{REPLACEMENT}b\u200fc"


@pytest.fixture
def uyghur(furniture: TestClient) -> TestClient:
    furniture.post("/v1/contacts", json={"id": "ug1", "account_id": "gzf", "name": NAME, "title": TITLE,
                                         "level": "manager"}).raise_for_status()
    furniture.post("/v1/opportunities/gzf-upgrade/decision-chain/members",
                   json={"contact_id": "ug1", "role": "coach", "stance": "supporter", "influence": 3}).raise_for_status()
    return furniture


def test_the_pdf_map_draws_a_uyghur_name_in_reading_order_and_joined(uyghur: TestClient) -> None:
    text = _pdf_text(fetch(uyghur, "gzf", "pdf", opportunity_id="gzf-upgrade"))
    assert JOINED_TITLE in text and REPLACEMENT not in text
    for word in NAME.split():
        assert visual_text(word)[::-1] in text, word        # each word's joined letters, in reading order


def test_the_svg_map_keeps_the_text_as_it_is(uyghur: TestClient) -> None:
    texts = svg_texts(fetch(uyghur, "gzf", "svg", opportunity_id="gzf-upgrade"))
    assert NAME in texts and TITLE in texts


def test_the_deck_pdf_draws_right_to_left_text_in_reading_order_and_joined() -> None:
    from rendering.deck import Deck, Slide, write_pdf

    pdf = write_pdf(Deck("复盘", "zh-CN", (Slide(title=f"决策链 {TITLE}", bullets=(f"{NAME}：支持者",)),)))
    text = _pdf_text(pdf)
    assert JOINED_TITLE in text and REPLACEMENT not in text
    assert visual_text(NAME.split()[0])[::-1] in text
