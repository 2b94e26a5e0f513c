"""CSV imports of CRM exports update what their columns carry and nothing else: a narrower export keeps
the fields it has no column for, a blank cell leaves the stored value, ``ReportsToId`` replaces the line an
earlier import gave the contact (a line entered by hand stays), a word that is not a boolean is refused —
all or nothing, idempotent, audited, and merged with the stored records in the import's own transaction."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from graph import csv_bundle
from graph.models import NodeKind
from tests.hardening.conftest import assert_problem, audit_count, snapshot

ISSUE_CSV = "Id,Name,AccountId,ReportsToId\ngzf-qa,吴芳,gzf,gzf-cfo"


def post_csv(client: TestClient, kind: str, text: str, **params: Any) -> httpx.Response:
    response: httpx.Response = client.post("/v1/import/csv", params={"kind": kind, **params}, content=text.encode(),
                                           headers={"Content-Type": "text/csv"})
    return response


def bosses(client: TestClient, contact: str) -> set[str]:
    lines = client.get("/v1/relationships", params={"type": "REPORTS_TO", "limit": 500}).json()["items"]
    return {line["target"] for line in lines if line["source"] == contact}


def fields(client: TestClient, path: str) -> dict[str, Any]:
    record = client.get(path).json()
    return {k: v for k, v in record.items() if k not in ("created_at", "updated_at", "version")}


def member(client: TestClient, opportunity: str, contact: str) -> dict[str, Any]:
    members = client.get(f"/v1/opportunities/{opportunity}/decision-chain/members").json()["items"]
    found: dict[str, Any] = next(m for m in members if m["contact_id"] == contact)
    return found


# ---- 1. a column the CSV does not have keeps its field -------------------------------------------------


def test_a_narrower_csv_keeps_the_fields_it_has_no_column_for(furniture: TestClient) -> None:
    """The finding: this import wiped gzf-qa's title, department, level and closeness."""
    assert furniture.patch("/v1/contacts/gzf-qa", json={"closeness": {"relationship": 0.4}, "knows_us": True,
                                                         "notes": "质量口"}).status_code == 200
    before = fields(furniture, "/v1/contacts/gzf-qa")
    response = post_csv(furniture, "contacts", ISSUE_CSV)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["contacts"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert fields(furniture, "/v1/contacts/gzf-qa") == before
    assert before["title"] == "品质主管" and before["closeness"] == {"relationship": 0.4}
    # a column the CSV has changes its field, and that field only
    response = post_csv(furniture, "contacts", "Id,Title\ngzf-qa,品质经理\n")
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["contacts"]["updated"] == 1
    assert fields(furniture, "/v1/contacts/gzf-qa") == {**before, "title": "品质经理"}
    # idempotent: the same CSV again changes nothing and audits nothing
    trail = audit_count(furniture)
    again = post_csv(furniture, "contacts", "Id,Title\ngzf-qa,品质经理\n")
    assert again.json()["counts"]["contacts"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert audit_count(furniture) == trail


def test_a_blank_cell_leaves_the_stored_value_and_a_new_record_gets_the_defaults(furniture: TestClient) -> None:
    before = fields(furniture, "/v1/contacts/gzf-qa")
    csv = ("Id,Name,AccountId,Title,Level,KnowsUs,Status,ReportsToId\n"
           "gzf-qa,吴芳,gzf,,,,,\n"
           "new-1,新人,gzf,,,,,\n")
    response = post_csv(furniture, "contacts", csv)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["contacts"] == {"created": 1, "updated": 0, "unchanged": 1}
    assert fields(furniture, "/v1/contacts/gzf-qa") == before
    assert bosses(furniture, "gzf-qa") == {"gzf-coo"}   # a blank ReportsToId leaves the line too
    assert fields(furniture, "/v1/contacts/new-1") == {"id": "new-1", "account_id": "gzf", "name": "新人",
                                                       "status": "active", "knows_us": False}


def test_a_new_record_still_needs_its_required_columns(furniture: TestClient) -> None:
    before = snapshot(furniture)
    response = post_csv(furniture, "contacts", "Id,Title\ngzf-qa,品质经理\nnobody,经理\n")
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", 3]
    assert "account_id" in problem["detail"]
    assert snapshot(furniture) == before


def test_an_id_of_another_kind_is_named_by_row_and_column(furniture: TestClient) -> None:
    before = snapshot(furniture)
    problem = assert_problem(post_csv(furniture, "contacts", "Id,Title\ngzf,经理\n"), 422, "Id")
    assert problem["errors"][0]["loc"] == ["body", 2, "Id"] and "already a account" in problem["detail"]
    assert snapshot(furniture) == before


def test_relationship_and_chain_csvs_keep_the_properties_they_have_no_column_for(furniture: TestClient) -> None:
    line = "/v1/relationships/INFLUENCES:gzf-design:gzf-gm"
    before = fields(furniture, line)
    response = post_csv(furniture, "relationships", "Type,Source,Target,Strength\nINFLUENCES,gzf-design,gzf-gm,0.9\n")
    assert response.status_code == 200, response.text
    assert fields(furniture, line) == {**before, "strength": 0.9}
    assert before["note"] == "总经理转型中高端靠设计"
    was = member(furniture, "gzf-upgrade", "gzf-cfo")
    response = post_csv(furniture, "decision_chain", "OpportunityId,ContactId,Stance\ngzf-upgrade,gzf-cfo,supporter\n")
    assert response.status_code == 200, response.text
    now = member(furniture, "gzf-upgrade", "gzf-cfo")
    assert (now["role"], now["influence"], now["stance"]) == (was["role"], was["influence"], "supporter")


def test_a_new_stage_infers_the_status_again_and_the_same_stage_keeps_a_set_one(furniture: TestClient) -> None:
    before = fields(furniture, "/v1/opportunities/gzf-upgrade")
    assert post_csv(furniture, "opportunities", "Id,Stage\ngzf-upgrade,赢单\n").status_code == 200
    assert fields(furniture, "/v1/opportunities/gzf-upgrade") == {**before, "stage": "赢单", "status": "won"}
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"status": "open"}).status_code == 200
    again = post_csv(furniture, "opportunities", "Id,Stage\ngzf-upgrade,赢单\n")
    assert again.json()["counts"]["opportunities"]["unchanged"] == 1
    assert furniture.get("/v1/opportunities/gzf-upgrade").json()["status"] == "open"


def test_a_contact_back_from_leaving_loses_the_leaving_date(furniture: TestClient) -> None:
    assert furniture.patch("/v1/contacts/gzf-qa", json={"status": "left", "left_at": "2026-10-01"}).status_code == 200
    response = post_csv(furniture, "contacts", "Id,Status\ngzf-qa,active\n")
    assert response.status_code == 200, response.text
    assert "left_at" not in furniture.get("/v1/contacts/gzf-qa").json()


def test_the_merge_happens_in_the_imports_transaction(furniture: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of the same contact made after the CSV import read it is neither lost nor overwritten: it
    waits for the import's transaction and applies to what the import wrote (a read, then a separate
    write, would have written the stale notes back)."""
    store = furniture.app.state.store  # type: ignore[attr-defined]
    merged = csv_bundle.CsvBundle.merged
    edits: list[threading.Thread] = []

    def merged_then_edited(self: csv_bundle.CsvBundle, tx: Any) -> Any:
        result = merged(self, tx)
        edit = threading.Thread(target=lambda: store.update_node(NodeKind.contact, "gzf-qa", {"notes": "并发修改"},
                                                                  actor="concurrent"))
        edit.start()
        edits.append(edit)
        time.sleep(0.5)   # time enough for the edit to commit, were the import not holding gzf-qa
        return result

    monkeypatch.setattr(csv_bundle.CsvBundle, "merged", merged_then_edited)
    response = post_csv(furniture, "contacts", "Id,Title\ngzf-qa,品质经理\n")
    assert response.status_code == 200, response.text
    edits[0].join(timeout=60)
    after = furniture.get("/v1/contacts/gzf-qa").json()
    assert (after["title"], after["notes"]) == ("品质经理", "并发修改")


# ---- 2. ReportsToId replaces the line an import gave ---------------------------------------------------


def test_reports_to_replaces_the_imported_line_and_keeps_one_entered_by_hand(furniture: TestClient) -> None:
    """The finding: gzf-qa then reported to both gzf-cfo and gzf-coo. A matrix boss entered by hand (one
    the CRM does not know) stays."""
    assert bosses(furniture, "gzf-qa") == {"gzf-coo"}
    matrix = furniture.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "gzf-qa", "target": "gzf-gm"})
    assert matrix.status_code == 201, matrix.text
    response = post_csv(furniture, "contacts", ISSUE_CSV)
    assert response.status_code == 200, response.text
    assert bosses(furniture, "gzf-qa") == {"gzf-cfo", "gzf-gm"}
    assert furniture.get("/v1/relationships/REPORTS_TO:gzf-qa:gzf-coo").status_code == 404
    removed = furniture.get("/v1/audit", params={"entity_id": "REPORTS_TO:gzf-qa:gzf-coo"}).json()["items"][0]
    assert removed["action"] == "delete" and removed["before"]["target"] == "gzf-coo"
    # the CRM's next word replaces the line it gave before; the hand-entered one still stays
    assert post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-qa,gzf-coo\n").status_code == 200
    assert bosses(furniture, "gzf-qa") == {"gzf-coo", "gzf-gm"}
    trail = audit_count(furniture)
    again = post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-qa,gzf-coo\n")
    assert again.json()["counts"]["relationships"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert audit_count(furniture) == trail


def test_an_imported_line_removed_and_entered_again_by_hand_is_the_hands(furniture: TestClient) -> None:
    assert furniture.delete("/v1/relationships/REPORTS_TO:gzf-qa:gzf-coo").status_code == 204
    again = {"type": "REPORTS_TO", "source": "gzf-qa", "target": "gzf-coo"}
    assert furniture.post("/v1/relationships", json=again).status_code == 201
    assert post_csv(furniture, "contacts", ISSUE_CSV).status_code == 200
    assert bosses(furniture, "gzf-qa") == {"gzf-coo", "gzf-cfo"}


def test_a_boss_named_again_keeps_the_line_the_contact_has(furniture: TestClient) -> None:
    """A line to the same boss under another id (entered with an id of its own) is that line, not a second."""
    assert furniture.delete("/v1/relationships/REPORTS_TO:gzf-qa:gzf-coo").status_code == 204
    own = {"id": "qa-line", "type": "REPORTS_TO", "source": "gzf-qa", "target": "gzf-coo"}
    assert furniture.post("/v1/relationships", json=own).status_code == 201
    response = post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-qa,gzf-coo\n")
    assert response.json()["counts"]["relationships"]["unchanged"] == 1
    lines = furniture.get("/v1/relationships", params={"type": "REPORTS_TO", "limit": 500}).json()["items"]
    assert [line["id"] for line in lines if line["source"] == "gzf-qa"] == ["qa-line"]


def test_a_boss_named_again_keeps_the_lines_note(furniture: TestClient) -> None:
    line = "/v1/relationships/REPORTS_TO:gzf-qa:gzf-coo"
    assert furniture.patch(line, json={"note": "虚线汇报，经工厂"}).status_code == 200
    response = post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-qa,gzf-coo\n")
    assert response.json()["counts"]["relationships"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert furniture.get(line).json()["note"] == "虚线汇报，经工厂"


def test_a_line_entered_by_hand_under_an_imported_nodes_id_stays(furniture: TestClient) -> None:
    """Whether an import made a line is read from the line's own trail, not from that of a node which
    happens to bear the same id (the furniture import made the node gzf-cfo)."""
    hand = {"id": "gzf-cfo", "type": "REPORTS_TO", "source": "gzf-qa", "target": "gzf-gm"}
    assert furniture.post("/v1/relationships", json=hand).status_code == 201
    assert post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-qa,gzf-salesvp\n").status_code == 200
    assert bosses(furniture, "gzf-qa") == {"gzf-gm", "gzf-salesvp"}


def test_a_reorganisation_swaps_a_boss_and_a_report(furniture: TestClient) -> None:
    """gzf-proc reported to gzf-coo, who reported to gzf-gm; the CRM now has gzf-coo under gzf-proc. The
    old lines go in the same transaction, before the cycle check sees them."""
    csv = "Id,ReportsToId\ngzf-proc,gzf-gm\ngzf-coo,gzf-proc\n"
    response = post_csv(furniture, "contacts", csv)
    assert response.status_code == 200, response.text
    assert bosses(furniture, "gzf-proc") == {"gzf-gm"} and bosses(furniture, "gzf-coo") == {"gzf-proc"}


def test_a_refused_csv_replaces_no_line(furniture: TestClient) -> None:
    before = snapshot(furniture)
    csv = "Id,ReportsToId,Level\ngzf-qa,gzf-cfo,staff\ngzf-it,gzf-cfo,boss\n"
    problem = assert_problem(post_csv(furniture, "contacts", csv), 422, "Level")
    assert problem["errors"][0]["loc"] == ["body", 3, "Level"]
    cycle = assert_problem(post_csv(furniture, "contacts", "Id,ReportsToId\ngzf-gm,gzf-qa\n"), 422, "ReportsToId")
    assert "cycle" in cycle["detail"]
    assert snapshot(furniture) == before
    assert bosses(furniture, "gzf-qa") == {"gzf-coo"}


def test_a_dry_run_answers_as_the_import_would_and_writes_nothing(furniture: TestClient) -> None:
    before = snapshot(furniture)
    csv = "Id,Title,ReportsToId\ngzf-proc,采购总监,gzf-gm\ngzf-coo,,gzf-proc\n"
    dry = post_csv(furniture, "contacts", csv, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert snapshot(furniture) == before
    real = post_csv(furniture, "contacts", csv)
    assert {k: v for k, v in real.json().items() if k != "dry_run"} == \
        {k: v for k, v in dry.json().items() if k != "dry_run"}
    assert furniture.get("/v1/contacts/gzf-proc").json()["title"] == "采购总监"


# ---- 3. booleans ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "value"), [
    ("true", True), ("TRUE", True), ("Yes", True), ("y", True), ("1", True), ("是", True), ("T", True),
    ("false", False), ("FALSE", False), ("no", False), ("N", False), ("0", False), ("否", False), ("f", False)])
def test_boolean_spellings(word: str, value: bool) -> None:
    parsed = csv_bundle.read(f"Id,Name,AccountId,KnowsUs\nc1,甲,gzf,{word}\n".encode(), "contacts")
    assert parsed.raw["contacts"][0]["knows_us"] is value


def test_an_unknown_boolean_is_refused_by_row_and_column(furniture: TestClient) -> None:
    """The finding: KnowsUs=maybe was read as false."""
    assert furniture.patch("/v1/contacts/gzf-qa", json={"knows_us": True}).status_code == 200
    before = snapshot(furniture)
    csv = "Id,Name,AccountId,认识我们\ngzf-qa,吴芳,gzf,maybe\ngzf-it,X,gzf,是\nnew-2,Y,gzf,对吧\n"
    problem = assert_problem(post_csv(furniture, "contacts", csv), 422, "认识我们")
    assert [e["loc"] for e in problem["errors"]] == [["body", 2, "认识我们"], ["body", 4, "认识我们"]]
    assert problem["errors"][0]["msg"].startswith("row 2, column '认识我们': 'maybe' is not true or false")
    assert snapshot(furniture) == before
    assert furniture.get("/v1/contacts/gzf-qa").json()["knows_us"] is True


def test_a_header_of_a_million_columns_is_refused_not_echoed(client: TestClient) -> None:
    # (the answer listed every ignored column back: 9.9 MB for an 8 MB request)
    header = ",".join(["Id", "Name", "AccountId", *(f"c{i}" for i in range(csv_bundle.MAX_COLUMNS))])
    refused = post_csv(client, "contacts", header + "\nx1,某人,acme\n")
    assert refused.status_code == 422, refused.text[:300]
    assert "1,003 columns" in refused.json()["errors"][0]["msg"] and len(refused.content) < 2_000
