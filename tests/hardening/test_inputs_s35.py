"""Input handling over HTTP (session 35): a CSV's problems all in one answer, a JSON number too long to
convert, bodies without a JSON content type, line and paragraph separators in one-line text, the 403's
wording and the unreachable Neo4j's reason on /ready. Each refusal is a 4xx naming the problem and changes
nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import EDITOR, VIEWER
from tests.hardening.conftest import MULTI_CSV, assert_problem, auth, free_port, snapshot


def post_csv(client: TestClient, text: str, **params: Any) -> httpx.Response:
    response: httpx.Response = client.post("/v1/import/csv", params={"kind": "contacts", **params},
                                           content=text.encode(), headers={"Content-Type": "text/csv"})
    return response


# ---- 2. a CSV's problems, every row's, in one answer -----------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_csv_names_every_bad_row_in_one_answer(furniture: TestClient, dry_run: bool) -> None:
    """The finding: row 2's bad boolean was reported alone; fixing it showed row 3's blank name, and only
    then row 4's unknown account."""
    before = snapshot(furniture)
    problem = assert_problem(post_csv(furniture, MULTI_CSV, dry_run=dry_run), 422)
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", 2, "KnowsUs"], ["body", 3, "Name"], ["body", 4, "AccountId"], ["body", 6, "ReportsToId"]]
    messages = [e["msg"] for e in problem["errors"]]
    assert messages[0].startswith("row 2, column 'KnowsUs': 'maybe' is not true or false")
    assert messages[2] == "row 4, column 'AccountId': no account with id 'nope'"
    assert messages[3] == "row 6, column 'ReportsToId': no contact with id 'zz'"
    assert problem["detail"].endswith("(and 3 more)"), problem["detail"]
    assert snapshot(furniture) == before


def test_a_csv_with_only_reference_problems_still_names_them_all(furniture: TestClient) -> None:
    csv = "Id,Name,AccountId\nr1,甲,nope\nr2,乙,gzf\nr3,丙,nada\n"
    problem = assert_problem(post_csv(furniture, csv), 422)
    assert [e["loc"] for e in problem["errors"]] == [["body", 2, "AccountId"], ["body", 4, "AccountId"]]


def test_the_good_rows_import_once_the_bad_ones_are_fixed(furniture: TestClient) -> None:
    fixed = MULTI_CSV.replace("maybe", "no").replace("m2,,gzf", "m2,乙,gzf").replace("nope", "gzf").replace(
        "zz", "m1")
    response = post_csv(furniture, fixed)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["contacts"]["created"] == 5


def test_the_boolean_message_lists_every_spelling_taken(furniture: TestClient) -> None:
    problem = assert_problem(post_csv(furniture, "Id,Name,AccountId,KnowsUs\ngzf-qa,吴芳,gzf,maybe\n"), 422)
    assert "true/false, yes/no, y/n, t/f, 1/0 or 是/否" in problem["errors"][0]["msg"]


# ---- 3. a JSON number of more than 4,300 digits -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/import", "/v1/contacts"])
def test_a_number_too_long_to_convert_is_a_400_naming_it(furniture: TestClient, path: str) -> None:
    """The finding: POST /v1/import answered 500 (json.loads' ValueError); the other routes 400."""
    before = snapshot(furniture)
    body = b'{"accounts": [{"id": "big", "name": "x", "metrics": {"wallet_size": ' + b"9" * 5000 + b"}}]}"
    response = furniture.post(path, content=body, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 400, "body")
    assert "number of more than 4300 digits" in problem["detail"], problem
    assert snapshot(furniture) == before


# ---- 4. a body without a JSON content type: 415 ---------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/accounts/gzf/reviews", {"title": "Q4"}),
    ("POST", "/v1/contacts", {"id": "new-1", "name": "新人", "account_id": "gzf"}),
    ("PATCH", "/v1/contacts/gzf-qa", {"notes": "my note"}),
    ("POST", "/v1/import", {"accounts": []}),
])
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_without_a_json_content_type_is_a_415(furniture: TestClient, method: str, path: str,
                                                    body: dict[str, Any], content_type: str | None) -> None:
    """The finding: without Content-Type these answered 422 "Input should be a valid dictionary"; /import 415."""
    before = snapshot(furniture)
    headers = {"Content-Type": content_type} if content_type else {}
    response = furniture.request(method, path, content=json.dumps(body).encode(), headers=headers)
    assert_problem(response, 415, "content-type")
    assert snapshot(furniture) == before


def test_requests_without_a_body_are_not_asked_for_a_content_type(furniture: TestClient) -> None:
    assert furniture.get("/v1/contacts/gzf-qa").status_code == 200
    created = furniture.post("/v1/competitors", json={"id": "gone-soon", "name": "X"})
    assert created.status_code in (200, 201), created.text
    assert furniture.delete("/v1/competitors/gone-soon").status_code in (200, 204)
    # a write with no body at all is still the 422 "the body is required"
    assert_problem(furniture.post("/v1/contacts"), 422, "body")
    # and the CSV import takes its text/csv
    assert post_csv(furniture, "Id,Title\ngzf-qa,品质经理\n").status_code == 200


# ---- 5. one-line text refuses every line and paragraph separator ---------------------------------------


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\n"])
@pytest.mark.parametrize("field", ["name", "title"])
def test_one_line_text_refuses_line_and_paragraph_separators(furniture: TestClient, char: str, field: str) -> None:
    """The finding: U+2028 and U+2029 were stored in names while \\n and U+0085 were refused."""
    before = snapshot(furniture)
    response = furniture.patch("/v1/contacts/gzf-qa", json={field: f"吴{char}芳"})
    problem = assert_problem(response, 422, field)
    assert any(f"U+{ord(char):04X} (a line break or tab)" in e["msg"] for e in problem["errors"]), problem
    assert snapshot(furniture) == before


def test_notes_keep_a_line_separator(furniture: TestClient) -> None:
    assert furniture.patch("/v1/contacts/gzf-qa", json={"notes": "第一行\u2028第二行"}).status_code == 200
    assert furniture.get("/v1/contacts/gzf-qa").json()["notes"] == "第一行\u2028第二行"


def test_a_csv_name_with_a_paragraph_separator_is_named_by_row_and_column(furniture: TestClient) -> None:
    problem = assert_problem(post_csv(furniture, "Id,Name,AccountId\ngzf-qa,吴\u2029芳,gzf\n"), 422)
    assert problem["errors"][0]["loc"] == ["body", 2, "Name"]


# ---- 10. the 403's wording ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "article"), [(EDITOR, "an editor"), (VIEWER, "a viewer")])
def test_the_403_says_an_editor(furniture: TestClient, key: str, article: str) -> None:
    response = furniture.get("/v1/audit", headers=auth(key))
    problem = assert_problem(response, 403)
    assert problem["detail"] == f"this needs the admin role; the key is {article}"


# ---- 7. /ready says why Neo4j cannot be reached ---------------------------------------------------------


def test_ready_says_why_an_unreachable_neo4j_cannot_be_reached(tmp_path: Path) -> None:
    """The finding: "/ready" ended "Couldn't connect to 127.0.0.1:7698 (resolved to ('127.0.0.1:7698',)):"."""
    settings = Settings(data_dir=tmp_path / "d", backend="neo4j", neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
                        neo4j_password="x", neo4j_connection_timeout=2, neo4j_retry_time=0)
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "\n" not in detail and not detail.rstrip().endswith(":"), detail
    assert "refused" in detail.lower(), detail
