"""Text that would break an output is refused at the edge (issue 14, item 4): control characters (but tab,
newline and carriage return in multi-line text), noncharacters, lone surrogates, and — in one-line text
such as names — line breaks and the bidi overrides. Each refusal is a 422 naming the field (the row and
field of an import, the row and column of a CSV) and changes nothing. Before, U+0001, U+0000 and U+FFFE
were stored, and the SVG map was then not well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.hardening.conftest import assert_problem, snapshot

REFUSED_EVERYWHERE = {
    "nul": "\u0000", "soh": "\u0001", "unit-separator": "\u001f", "del": "\u007f", "c1-nel": "\u0085",
    "fffe": "\ufffe", "ffff": "\uffff", "fdd0": "\ufdd0", "plane1-nonchar": "\U0001fffe",
    "lone-high-surrogate": "\ud800", "lone-low-surrogate": "\udfff",
}
REFUSED_IN_ONE_LINE = {"newline": "\n", "tab": "\t", "cr": "\r", "rlo": "\u202e", "lre": "\u202a"}

# (method, path, body, the field the text goes into)
WRITES: list[tuple[str, str, dict[str, Any], str, bool]] = [
    ("POST", "/v1/contacts", {"account_id": "gzf", "name": "{}"}, "name", False),
    ("POST", "/v1/contacts", {"account_id": "gzf", "name": "x", "title": "{}"}, "title", False),
    ("POST", "/v1/contacts", {"account_id": "gzf", "name": "x", "notes": "{}"}, "notes", True),
    ("POST", "/v1/accounts", {"name": "x", "industry": "{}"}, "industry", False),
    ("POST", "/v1/accounts", {"name": "x", "metrics": {"credit_rating": "{}"}}, "credit_rating", False),
    ("POST", "/v1/team", {"name": "{}"}, "name", False),
    ("POST", "/v1/competitors", {"name": "x", "notes": "{}"}, "notes", True),
    ("POST", "/v1/opportunities", {"account_id": "gzf", "name": "x", "stage": "{}"}, "stage", False),
    ("POST", "/v1/relationships", {"type": "INFLUENCES", "source": "gzf-it", "target": "gzf-gm", "note": "{}"},
     "note", True),
    ("PATCH", "/v1/contacts/gzf-gm", {"department": "{}"}, "department", False),
    ("PATCH", "/v1/accounts/gzf", {"notes": "{}"}, "notes", True),
    ("PATCH", "/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm", {"note": "{}"}, "note", True),
]


def _fill(body: Any, text: str) -> Any:
    if isinstance(body, dict):
        return {k: _fill(v, text) for k, v in body.items()}
    return f"a{text}b" if body == "{}" else body


def _cases() -> list[Any]:
    cases = []
    for method, path, body, field, multi_line in WRITES:
        refused = dict(REFUSED_EVERYWHERE) if multi_line else {**REFUSED_EVERYWHERE, **REFUSED_IN_ONE_LINE}
        for name, char in refused.items():
            cases.append(pytest.param(method, path, _fill(body, char), field, id=f"{method}-{path}-{field}-{name}"))
    return cases


@pytest.mark.parametrize(("method", "path", "body", "field"), _cases())
def test_refused_text_is_a_422_naming_the_field_and_changes_nothing(
        furniture: TestClient, method: str, path: str, body: dict[str, Any], field: str) -> None:
    before = snapshot(furniture)
    # As JSON escapes (\\ud800): the only way a lone surrogate can travel in UTF-8 JSON.
    response = furniture.request(method, path, content=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422, field)
    # pydantic itself refuses a lone surrogate ("not a valid unicode string"); the rest is ours
    assert any("must not contain U+" in e["msg"] or "unicode" in e["msg"] for e in problem["errors"]), problem
    assert snapshot(furniture) == before


@pytest.mark.parametrize("text", ["第一行\n第二行\tend\r\n", "\u202eنص عربي\u202c", "\u2067مرحبا\u2069"],
                         ids=["line-breaks-and-tab", "bidi-override", "bidi-isolate"])
def test_notes_keep_line_breaks_tabs_and_bidi_controls(furniture: TestClient, text: str) -> None:
    response = furniture.patch("/v1/contacts/gzf-gm", json={"notes": text})
    assert response.status_code == 200, response.text
    assert furniture.get("/v1/contacts/gzf-gm").json()["notes"] == text


def test_an_import_names_the_row_and_field(furniture: TestClient) -> None:
    before = snapshot(furniture)
    bundle = {"contacts": [{"id": "t-ok", "account_id": "gzf", "name": "好人"},
                           {"id": "t-bad", "account_id": "gzf", "name": "坏\u0001人"}]}
    problem = assert_problem(furniture.post("/v1/import", json=bundle), 422, "name")
    assert ["body", "contacts", 1, "name"] in [e["loc"] for e in problem["errors"]]
    assert snapshot(furniture) == before


def test_a_csv_import_names_the_row_and_column(furniture: TestClient) -> None:
    before = snapshot(furniture)
    csv = "Id,Name,AccountId,Title\nt1,甲,gzf,经理\nt2,乙,gzf,\u0001总监\n"
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    problem = assert_problem(response, 422, "Title")
    assert problem["errors"][0]["loc"] == ["body", 3, "Title"]
    assert problem["errors"][0]["msg"].startswith("row 3, column 'Title': ")
    assert snapshot(furniture) == before


@pytest.mark.parametrize("fmt", ["svg", "graphml", "gexf"])
def test_maps_of_the_text_that_is_accepted_stay_well_formed_xml(furniture: TestClient, fmt: str) -> None:
    """The finding: a name with U+0001 made the SVG map unparseable (and GraphML a 500 with lxml). Such
    names are refused now; what is accepted — markup, CDATA ends, isolates, astral CJK — stays well-formed."""
    name = "<script>]]>&amp; \u2067王\u2069 𠀀"
    assert furniture.patch("/v1/contacts/gzf-gm", json={"name": name, "notes": "x\ny"}).status_code == 200
    response = furniture.get("/v1/accounts/gzf/map", params={"format": fmt})
    assert response.status_code == 200, response.text[:300]
    ET.fromstring(response.content)  # raises if not well-formed
