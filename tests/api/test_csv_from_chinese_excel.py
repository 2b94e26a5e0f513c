"""CSV imports as a Chinese sales team and a CRM plug-in send them: the charset a Content-Type declares
(Big5 from Taiwan and Hong Kong), media types in any case and ``application/vnd.ms-excel``, dates as
Chinese Excel writes them, Chinese headers and values for every kind, a missing key column said once,
Excel's "Unicode text" (UTF-16, tab-separated), and a warning for the characters a GBK save lost."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.hardening.conftest import assert_problem, snapshot

BIG5_CONTACTS = "Id,Name,Title,AccountId\nhk-1,陳志強,總經理,gzf\nhk-2,何麗恒,財務總監,gzf\n"


def post_csv(client: TestClient, kind: str, body: bytes | str, content_type: str = "text/csv",
             **params: Any) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    response: httpx.Response = client.post("/v1/import/csv", params={"kind": kind, **params}, content=data,
                                           headers={"Content-Type": content_type})
    return response


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# ---- 1. the charset a Content-Type declares ------------------------------------------------------------


@pytest.mark.parametrize(("content_type", "params"), [
    ("text/csv; charset=big5", {}), ("text/csv; charset=\"Big5\"", {}), ("text/csv; charset=cp950", {}),
    ("text/csv", {"encoding": "big5"}), ("text/csv; charset=BIG5", {"encoding": "big5"})])
def test_a_declared_big5_csv_is_read_as_big5(furniture: TestClient, content_type: str,
                                             params: dict[str, str]) -> None:
    """The finding: a Big5 CSV declared as such was read as GB18030 and stored as gibberish. 恒 is one of
    the characters Windows' Big5 (what Excel saves) adds to the standard's."""
    answer = ok(post_csv(furniture, "contacts", BIG5_CONTACTS.encode("cp950"), content_type, **params))
    assert answer["encoding"] == "big5"
    assert answer["counts"]["contacts"]["created"] == 2
    assert (furniture.get("/v1/contacts/hk-1").json()["title"], furniture.get("/v1/contacts/hk-2").json()["name"]) \
        == ("總經理", "何麗恒")


def test_a_hong_kong_csv_is_read_in_big5_hkscs(furniture: TestClient) -> None:
    body = "Id,Name,AccountId\nhk-3,陳啱,gzf\n".encode("big5hkscs")
    answer = ok(post_csv(furniture, "contacts", body, "text/csv; charset=Big5-HKSCS"))
    assert answer["encoding"] == "big5-hkscs" and furniture.get("/v1/contacts/hk-3").json()["name"] == "陳啱"


def test_a_body_not_in_its_declared_charset_is_refused_naming_the_byte(furniture: TestClient) -> None:
    before = snapshot(furniture)
    body = "Id,Name,AccountId\ngb-1,王建国,gzf\n".encode("gb18030")
    problem = assert_problem(post_csv(furniture, "contacts", body, "text/csv; charset=utf-8"), 400, "body")
    assert problem["errors"][0]["loc"] == ["body", 2]
    assert "row 2 is not utf-8 (byte 23: 0xCD)" in problem["detail"]
    assert snapshot(furniture) == before


def test_a_charset_and_an_encoding_that_disagree_are_refused_naming_both(furniture: TestClient) -> None:
    before = snapshot(furniture)
    body = BIG5_CONTACTS.encode("cp950")
    problem = assert_problem(post_csv(furniture, "contacts", body, "text/csv; charset=big5", encoding="gb18030"),
                             422, "encoding")
    assert "encoding=gb18030" in problem["detail"] and "charset=big5" in problem["detail"]
    assert snapshot(furniture) == before
    # the same encoding under two names agrees
    assert ok(post_csv(furniture, "contacts", "Id,Name,AccountId\nu-1,甲,gzf\n", "text/csv; charset=UTF8",
                       encoding="utf-8"))["encoding"] == "utf-8"


def test_a_charset_guanxi_does_not_read_is_a_415(furniture: TestClient) -> None:
    problem = assert_problem(post_csv(furniture, "contacts", "Id,Name,AccountId\nu-1,甲,gzf\n",
                                      "text/csv; charset=klingon"), 415, "content-type")
    assert "'klingon'" in problem["detail"] and "big5" in problem["detail"]


# ---- 2. media types --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["Text/CSV", "TEXT/CSV; charset=utf-8", "text/csv;charset=UTF-8",
                                          "application/vnd.ms-excel", "Application/VND.MS-Excel",
                                          "text/comma-separated-values", "text/tab-separated-values"])
def test_csv_media_types_are_matched_in_any_case_and_windows_excels_is_taken(furniture: TestClient,
                                                                             content_type: str) -> None:
    answer = ok(post_csv(furniture, "contacts", "Id,Name,AccountId\nct-1,甲,gzf\n", content_type, dry_run="true"))
    assert answer["counts"]["contacts"]["created"] == 1


def test_a_json_body_is_still_not_a_csv(furniture: TestClient) -> None:
    assert_problem(post_csv(furniture, "contacts", "{}", "application/json"), 415, "content-type")


# ---- 3. dates as Chinese Excel writes them ------------------------------------------------------------


def test_dates_as_chinese_excel_writes_them_are_taken(furniture: TestClient) -> None:
    """The finding: 2026/11/18 was refused with pydantic's "invalid date separator, expected `-`"."""
    csv = ("编号,客户ID,姓名,最近联系,状态,离职日期\n"
           "d-1,gzf,测试甲,2026/11/18,,\nd-2,gzf,测试乙,2026-4-30,,\nd-3,gzf,测试丙,2026年4月30日,,\n"
           "d-4,gzf,测试丁,2026.4.3,已离职,2026/5/1\nd-5,gzf,测试戊,2026-04-30,,\n")
    ok(post_csv(furniture, "contacts", csv))
    got = [furniture.get(f"/v1/contacts/d-{i}").json().get("last_contact_at") for i in range(1, 6)]
    assert got == ["2026-11-18", "2026-04-30", "2026-04-30", "2026-04-03", "2026-04-30"]
    assert furniture.get("/v1/contacts/d-4").json()["left_at"] == "2026-05-01"
    ok(post_csv(furniture, "opportunities", "商机ID,客户ID,商机名称,预计成交日期\no-1,gzf,扩容,2026/12/31\n"))
    assert furniture.get("/v1/opportunities/o-1").json()["close_date"] == "2026-12-31"
    ok(post_csv(furniture, "relationships", "关系类型,来源,目标,最近联系\nCOVERS,us-rep,gzf-qa,2026/3/9\n"))
    assert furniture.get("/v1/relationships/COVERS:us-rep:gzf-qa").json()["last_contact_at"] == "2026-03-09"


@pytest.mark.parametrize(("cell", "why"), [("18.11.2026", "is not a date"), ("11/18/2026", "is not a date"),
                                           ("2026/2/30", "is not a date (day is out of range for month)"),
                                           ("下周", "is not a date")])
def test_an_unreadable_date_names_the_forms_taken(furniture: TestClient, cell: str, why: str) -> None:
    before = snapshot(furniture)
    problem = assert_problem(post_csv(furniture, "contacts", f"Id,LastContactAt\ngzf-qa,{cell}\n"), 422,
                             "LastContactAt")
    (error,) = problem["errors"]
    assert error["loc"] == ["body", 2, "LastContactAt"]
    assert error["msg"] == (f"row 2, column 'LastContactAt': {cell!r} {why}: use YYYY-MM-DD (2026-04-30), "
                            "YYYY/M/D, YYYY-M-D, YYYY.M.D or YYYY年M月D日")
    assert snapshot(furniture) == before


# ---- 4. Chinese headers and values -----------------------------------------------------------------------


def test_relationship_and_chain_csvs_take_chinese_headers_and_values(furniture: TestClient) -> None:
    """The finding: 关系类型, 来源, 目标... were ignored (so every row lacked its type and ends), and 影响,
    决策者, 支持者 were refused under any header."""
    answer = ok(post_csv(furniture, "relationships",
                         "关系类型,来源,目标,强度,备注\n影响,gzf-it,gzf-cfo,0.5,IT 影响财务\n汇报关系,gzf-buyer,gzf-coo,,\n"))
    assert answer["ignored_columns"] == [] and answer["counts"]["relationships"]["created"] == 2
    assert furniture.get("/v1/relationships/INFLUENCES:gzf-it:gzf-cfo").json()["note"] == "IT 影响财务"
    interest = ("类型,源,目标,利益类型,威胁\n利益,gzf-proc,gzf-upgrade,亲现供应商,0.8\n"
                "has interest,gzf-cfo,gzf-upgrade,预算归属之争,\n")
    ok(post_csv(furniture, "relationships", interest))
    assert furniture.get("/v1/relationships/HAS_INTEREST:gzf-proc:gzf-upgrade:incumbent_loyalty").json()["threat"] \
        == 0.8
    chain = "商机ID,联系人ID,角色,态度,影响力\ngzf-upgrade,gzf-qa,技术评估者,支持者,4\ngzf-upgrade,gzf-gm,,坚定支持者,\n"
    answer = ok(post_csv(furniture, "decision_chain", chain))
    assert answer["ignored_columns"] == [] and answer["counts"]["decision_chain"] == \
        {"created": 1, "updated": 1, "unchanged": 0}
    members = {m["contact_id"]: m for m in
               furniture.get("/v1/opportunities/gzf-upgrade/decision-chain/members").json()["items"]}
    assert (members["gzf-qa"]["role"], members["gzf-qa"]["stance"], members["gzf-qa"]["influence"]) == \
        ("technical_evaluator", "supporter", 4)
    assert (members["gzf-gm"]["role"], members["gzf-gm"]["stance"]) == ("decision_maker", "champion")


@pytest.mark.parametrize(("kind", "csv", "path", "field", "value"), [
    ("contacts", "编号,级别,状态\ngzf-qa,高管,在职\n", "/v1/contacts/gzf-qa", "level", "executive"),
    ("contacts", "Id,Level\ngzf-qa, 副总 \n", "/v1/contacts/gzf-qa", "level", "vp"),
    ("contacts", "Id,Status,LeftAt\ngzf-qa,已离职,2026/10/1\n", "/v1/contacts/gzf-qa", "status", "left"),
    ("team", "编号,角色,级别\nus-se,售前,经理\n", "/v1/team/us-se", "role", "presales"),
    ("opportunities", "编号,状态\ngzf-upgrade,输单\n", "/v1/opportunities/gzf-upgrade", "status", "lost"),
    ("decision_chain", "OpportunityId,ContactId,Role\ngzf-upgrade,gzf-qa,Decision Maker\n",
     "/v1/opportunities/gzf-upgrade/decision-chain/members", "role", "decision_maker"),
    ("decision_chain", "OpportunityId,ContactId,Role\ngzf-upgrade,gzf-qa,内线(教练)\n",
     "/v1/opportunities/gzf-upgrade/decision-chain/members", "role", "coach"),
    ("relationships", "Type,Source,Target\nreports to,gzf-it,gzf-cfo\n",
     "/v1/relationships/REPORTS_TO:gzf-it:gzf-cfo", "type", "REPORTS_TO"),
])
def test_enum_cells_take_the_chinese_words_case_and_spaces_ignored(furniture: TestClient, kind: str, csv: str,
                                                                     path: str, field: str, value: str) -> None:
    ok(post_csv(furniture, kind, csv))
    record = furniture.get(path).json()
    if "items" in record:
        record = next(m for m in record["items"] if m["contact_id"] == "gzf-qa")
    assert record[field] == value


def test_an_unknown_enum_word_names_the_values_taken(furniture: TestClient) -> None:
    before = snapshot(furniture)
    problem = assert_problem(post_csv(furniture, "contacts", "编号,级别\ngzf-qa,老板\n"), 422, "级别")
    (error,) = problem["errors"]
    assert error["msg"] == ("row 2, column '级别': '老板' is not a level: use executive (高层, 高管), vp (副总), "
                            "director (总监), manager (经理) or staff (员工)")
    problem = assert_problem(post_csv(furniture, "decision_chain", "商机ID,联系人ID,态度\ngzf-upgrade,gzf-qa,铁杆\n"),
                             422, "态度")
    assert "'铁杆' is not a stance: use champion (坚定支持者), supporter (支持者)" in problem["detail"]
    assert snapshot(furniture) == before


@pytest.mark.parametrize(("kind", "header", "missing", "names"), [
    ("relationships", "Typ,来源,目标,强度,Remark", "'type'", "(Type, 关系类型, 类型)"),
    ("decision_chain", "Opportunity,联系人ID,角色,Remark", "'opportunity_id'", "(OpportunityId, 商机id, 商机编号)"),
    ("contacts", "Nr,姓名,客户ID,Remark", "id", "(Id, 编号, 联系人id)"),
])
def test_a_csv_without_a_key_column_is_told_once_with_its_ignored_columns(furniture: TestClient, kind: str,
                                                                          header: str, missing: str,
                                                                          names: str) -> None:
    """The finding: 40 rows without a Type column gave 120 errors, none saying that Typ was ignored."""
    row = {"relationships": "INFLUENCES,gzf-it,gzf-cfo,0.5,x", "decision_chain": "gzf-upgrade,gzf-qa,决策者,x",
           "contacts": "c-1,甲,gzf,x"}[kind]
    before = snapshot(furniture)
    problem = assert_problem(post_csv(furniture, kind, header + "\n" + (row + "\n") * 40), 422)
    (error,) = problem["errors"]
    assert error["loc"] == ["body", 1]
    ignored = [h for h in header.split(",") if h in ("Typ", "Opportunity", "Nr", "Remark")]
    assert missing in error["msg"] and names in error["msg"]
    assert error["msg"].endswith("these columns are not ones Guanxi knows and were ignored: "
                                 + ", ".join(map(repr, ignored)))
    assert snapshot(furniture) == before


# ---- 5. Excel's "Unicode text" and other delimiters ------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"encoding": "utf-16"}])
def test_excels_unicode_text_utf16_and_tab_separated_is_read(furniture: TestClient, params: dict[str, str]) -> None:
    """The finding: refused as having "no id column (Id, 编号, 联系人id)" though its header has 编号."""
    text = "编号\t客户ID\t姓名\t职位\t备注\r\nu16-1\tgzf\t张喆\t院长\t甲, 乙\r\n"
    answer = ok(post_csv(furniture, "contacts", b"\xff\xfe" + text.encode("utf-16-le"), **params))
    assert answer["encoding"] == "utf-16" and answer["ignored_columns"] == []
    contact = furniture.get("/v1/contacts/u16-1").json()
    assert (contact["name"], contact["title"], contact["notes"]) == ("张喆", "院长", "甲, 乙")


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8"), ("\t", "gb18030"), (",", "gb18030")])
def test_the_delimiter_is_the_one_the_header_row_has(furniture: TestClient, delimiter: str, encoding: str) -> None:
    text = delimiter.join(["Id", "Name", "AccountId", "Notes"]) + "\n" + \
        delimiter.join(["sep-1", "王建国", "gzf", '"a, b; c"']) + "\n"
    answer = ok(post_csv(furniture, "contacts", text.encode(encoding)))
    assert answer["encoding"] == encoding
    assert furniture.get("/v1/contacts/sep-1").json()["notes"] == "a, b; c"


def test_a_row_with_more_cells_than_a_tab_header_names_the_tab(furniture: TestClient) -> None:
    problem = assert_problem(post_csv(furniture, "contacts", "Id\tName\tAccountId\nx-1\t甲\tgzf\textra\n"), 422)
    assert problem["errors"][0]["msg"] == ("row 2 has 4 cells, the header 3: a tab inside a cell needs the cell "
                                           "in double quotes")


# ---- 6. characters a GBK save lost -------------------------------------------------------------------


def test_a_question_mark_inside_a_chinese_name_of_a_gbk_file_is_warned_about(furniture: TestClient) -> None:
    """Excel's GBK save turns 李䶮 into 李?: imported as it stands, with a warning naming the rows."""
    csv = "Id,AccountId,Name\nq-1,gzf,李䶮\nq-2,gzf,王伟\nq-3,gzf,?芳\nq-4,gzf,Who?\n"
    answer = ok(post_csv(furniture, "contacts", csv.encode("gbk", "replace")))
    assert answer["encoding"] == "gb18030"
    (warning,) = answer["warnings"]
    assert warning.startswith("rows 2, 4, column 'Name': a '?' inside a Chinese name")
    assert '"CSV UTF-8"' in warning
    assert furniture.get("/v1/contacts/q-1").json()["name"] == "李?"
    # a UTF-8 file holds every character: its "?" is meant
    assert "warnings" not in ok(post_csv(furniture, "contacts", csv.replace("䶮", "?")))


@pytest.mark.parametrize("charset", ["us-ascii", "utf-8-sig", "ASCII"])
def test_charsets_that_are_utf8s_subsets_or_variants_are_read(furniture: TestClient, charset: str) -> None:
    answer = ok(post_csv(furniture, "contacts", "Id,Name,AccountId\nascii1,Wang Wei,gzf\n",
                         f"text/csv; charset={charset}"))
    assert answer["encoding"] == "utf-8"


def test_every_missing_key_column_is_said_in_one_error(furniture: TestClient) -> None:
    rows = "Strength,关系备注\n" + "0.5,x\n" * 40
    problem = assert_problem(post_csv(furniture, "relationships", rows), 422)
    assert len(problem["errors"]) == 1
    assert all(f"'{key}'" in problem["errors"][0]["msg"] for key in ("type", "source", "target"))
