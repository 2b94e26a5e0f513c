"""The foundation through HTTP: import, read back, versions, errors, roles, restart, CLI keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main as cli
from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN, EDITOR, VIEWER, auth, bundle


def test_import_answers_counts_and_contacts_read_back(client: TestClient) -> None:
    response = client.post("/v1/import", json=bundle("furniture"))
    assert response.status_code == 200
    counts = response.json()["counts"]
    assert counts["contacts"] == {"created": 9, "updated": 0, "unchanged": 0}
    assert counts["relationships"]["created"] == 24
    listed = client.get("/v1/contacts", params={"account_id": "gzf"}, headers=auth(VIEWER)).json()
    assert len(listed["items"]) == 9 and listed["next_cursor"] is None
    assert {c["name"] for c in listed["items"]} >= {"陈志强", "何丽"}


def test_second_identical_import_changes_nothing(furniture: TestClient) -> None:
    before = furniture.get("/v1/contacts/gzf-gm").json()
    counts = furniture.post("/v1/import", json=bundle("furniture")).json()["counts"]
    assert all(c["created"] == 0 and c["updated"] == 0 for c in counts.values())
    assert furniture.get("/v1/contacts/gzf-gm").json() == before


def test_export_import_export_round_trip(furniture: TestClient, tmp_path: Path) -> None:
    exported = furniture.get("/v1/accounts/gzf/export").json()
    other = Settings(data_dir=tmp_path / "empty", api_keys=f"admin:{ADMIN}")
    with TestClient(create_app(other), headers=auth(ADMIN)) as empty:
        assert empty.post("/v1/import", json=exported).status_code == 200
        assert empty.get("/v1/accounts/gzf/export").json() == exported


def test_dry_run_writes_nothing(client: TestClient) -> None:
    response = client.post("/v1/import", params={"dry_run": "true"}, json=bundle("handset"))
    assert response.json()["counts"]["contacts"]["created"] == 6 and response.json()["dry_run"] is True
    assert client.get("/v1/contacts").json()["items"] == []


def test_stale_if_match_gets_412(furniture: TestClient) -> None:
    etag = furniture.get("/v1/contacts/gzf-cfo").headers["ETag"]
    first = furniture.patch("/v1/contacts/gzf-cfo", json={"knows_us": True}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = furniture.patch("/v1/contacts/gzf-cfo", json={"title": "CFO"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert furniture.get("/v1/contacts/gzf-cfo").json()["title"] == "财务总监"


def test_invalid_enum_gets_422_naming_the_field(furniture: TestClient) -> None:
    response = furniture.post("/v1/opportunities/gzf-upgrade/decision-chain/members",
                              json={"contact_id": "gzf-qa", "role": "influencer", "stance": "friendly"})
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
    assert problem["errors"][0]["loc"] == ["body", "stance"]


def test_bundle_with_a_dangling_edge_is_refused_and_writes_nothing(client: TestClient) -> None:
    bad = bundle("furniture")
    bad["relationships"].append({"type": "INFLUENCES", "source": "gzf-gm", "target": "ghost", "strength": 0.5})
    response = client.post("/v1/import", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "relationships", 24, "target"]
    assert client.get("/v1/accounts").json()["items"] == []
    assert client.get("/v1/audit").json()["items"] == []


def test_row_errors_name_the_row(client: TestClient) -> None:
    bad = bundle("furniture")
    bad["contacts"][3]["level"] = "boss"
    response = client.post("/v1/import", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "contacts", 3, "level"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/v1/contacts", {"account_id": "gzf", "name": "新人"}),
    ("patch", "/v1/contacts/gzf-gm", {"title": "x"}),
    ("delete", "/v1/relationships/REPORTS_TO:gzf-cfo:gzf-gm", None),
    ("post", "/v1/import", {"accounts": []}),
])
def test_a_viewer_cannot_write(furniture: TestClient, method: str, path: str, body: object) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = furniture.request(method.upper(), path, headers=auth(VIEWER), **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert furniture.request(method.upper(), path, headers={"Authorization": ""}, **kwargs).status_code == 401  # type: ignore[arg-type]


def test_an_editor_writes_but_cannot_read_the_audit(furniture: TestClient) -> None:
    assert furniture.post("/v1/contacts", json={"id": "gzf-new", "account_id": "gzf", "name": "新人"},
                          headers=auth(EDITOR)).status_code == 201
    assert furniture.get("/v1/audit", headers=auth(EDITOR)).status_code == 403
    latest = furniture.get("/v1/audit", params={"limit": 1}).json()["items"][0]
    assert (latest["action"], latest["entity_id"], latest["actor"]) == ("create", "gzf-new", "env-editor")


def test_data_survives_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings), headers=auth(ADMIN)) as first:
        first.post("/v1/import", json=bundle("handset"))
    with TestClient(create_app(settings), headers=auth(ADMIN)) as second:
        assert len(second.get("/v1/contacts", params={"account_id": "hs-tj"}).json()["items"]) == 6


def test_delete_with_edges_is_409_unless_cascading(furniture: TestClient) -> None:
    assert furniture.delete("/v1/contacts/gzf-qa").status_code == 409
    assert furniture.delete("/v1/contacts/gzf-qa", params={"cascade": "true"}).status_code == 204
    assert furniture.get("/v1/contacts/gzf-qa").status_code == 404


def test_leaving_is_a_status_not_a_delete(furniture: TestClient) -> None:
    response = furniture.patch("/v1/contacts/gzf-it", json={"status": "left", "left_at": "2026-11-01"})
    assert response.status_code == 200 and response.json()["status"] == "left"
    assert furniture.get("/v1/contacts/gzf-it").json()["left_at"] == "2026-11-01"


def test_lists_page_with_cursors(furniture: TestClient) -> None:
    seen, cursor = [], None
    while True:
        page = furniture.get("/v1/relationships", params={"account_id": "gzf", "limit": 5,
                                                           **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 24
    assert furniture.get("/v1/relationships", params={"limit": 501}).status_code == 422


@pytest.mark.parametrize(("path", "params"), [
    ("/v1/team", {}),                                       # another list
    ("/v1/contacts", {"account_id": "gzf"}),                # the same list, other filters
    ("/v1/contacts", {}),
])
def test_a_cursor_serves_only_the_list_it_came_from(furniture: TestClient, path: str, params: dict[str, str]) -> None:
    cursor = furniture.get("/v1/contacts", params={"limit": 2}).json()["next_cursor"]
    assert furniture.get("/v1/contacts", params={"limit": 2, "cursor": cursor}).status_code == 200
    if path == "/v1/contacts" and not params:              # text that decodes to an id is no cursor
        cursor = "MQ"
    refused = furniture.get(path, params={**params, "cursor": cursor})
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["query", "cursor"], refused.text
    only = furniture.get("/v1/relationships", params={"type": "RIVAL"}).json()["items"]
    assert [r["id"] for r in only] == ["RIVAL:gzf-proc:gzf-design"]


def test_csv_import_of_a_crm_export(furniture: TestClient) -> None:
    csv = ("Id,Name,Title,Department,ReportsToId,AccountId,Phone\n"
           "gzf-d2,周静,设计师,design,gzf-design,gzf,123\n"
           "gzf-d3,钱多,设计师,design,gzf-design,gzf,\n")
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"]["contacts"]["created"] == 2 and body["counts"]["relationships"]["created"] == 2
    assert body["ignored_columns"] == ["Phone"]
    assert furniture.get("/v1/relationships/REPORTS_TO:gzf-d2:gzf-design").status_code == 200


def test_csv_row_errors_name_the_row(furniture: TestClient) -> None:
    csv = "Id,Name,AccountId,Level\nok1,甲,gzf,staff\nbad1,乙,gzf,boss\n"
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    # the CSV's row as a spreadsheet shows it (header = row 1) and the column by its header
    assert response.json()["errors"][0]["loc"] == ["body", 3, "Level"]
    assert furniture.get("/v1/contacts/ok1").status_code == 404


def test_operations_need_no_key(client: TestClient) -> None:
    anonymous = {"Authorization": ""}
    assert client.get("/health", headers=anonymous).json() == {"status": "ok"}
    assert client.get("/ready", headers=anonymous).json()["status"] == "ready"
    metrics = client.get("/metrics", headers=anonymous).text
    assert "guanxi_requests_total" in metrics and "guanxi_request_seconds" in metrics
    assert client.get("/openapi.json", headers=anonymous).status_code == 200


def test_oversized_body_gets_413(tmp_path: Path) -> None:
    small = Settings(data_dir=tmp_path / "d", api_keys=f"admin:{ADMIN}", max_body_bytes=2048)
    with TestClient(create_app(small), headers=auth(ADMIN)) as client:
        response = client.post("/v1/import", json={"accounts": [{"name": "x" * 5000}]})
        assert response.status_code == 413
        assert response.json()["status"] == 413


def test_cli_keys_create_prints_the_key_last_and_it_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(["keys", "create", "--role", "viewer", "--data-dir", str(tmp_path / "d")])
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    with TestClient(create_app(Settings(data_dir=tmp_path / "d"))) as client:
        assert client.get("/v1/accounts", headers=auth(secret)).status_code == 200
        assert client.post("/v1/accounts", json={"name": "x"}, headers=auth(secret)).status_code == 403


def test_cli_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(__file__).parents[1] / "fixtures" / "handset.json"
    cli(["import", str(source), "--data-dir", str(tmp_path / "d")])
    assert '"created": 6' in capsys.readouterr().out
    out = tmp_path / "hs.json"
    cli(["export", "hs-tj", "--data-dir", str(tmp_path / "d"), "-o", str(out)])
    assert '"hs-purch"' in out.read_text(encoding="utf-8")


def test_the_demo_account_loads_and_its_printed_key_works(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import DEMO, _print_demo_key
    from graph.models import Bundle
    from graph.sqlite.store import SqliteBackend
    from graph.store import Store

    store = Store(SqliteBackend(tmp_path / "d"))
    store.backend.migrate()
    store.import_bundle(Bundle.model_validate_json(DEMO.read_text(encoding="utf-8")), actor="demo")
    _print_demo_key(store, tmp_path / "d", "http://127.0.0.1:8000")
    secret = capsys.readouterr().out.split("Bearer ")[1].split("'")[0]
    with TestClient(create_app(Settings(data_dir=tmp_path / "d"))) as client:
        chain = client.get("/v1/opportunities/gzf-upgrade/decision-chain", headers=auth(secret))
        assert chain.status_code == 200 and len(chain.json()["members"]) == 7
