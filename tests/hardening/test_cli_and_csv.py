"""The CLI and CSV imports as a Chinese team meets them (issue 14, items 7 and 8): ``--data-dir`` wherever
it stands, one-line errors instead of tracebacks, GB18030 CSVs (what Chinese Excel saves), errors by CSV
row and column, ``--demo`` reusing its key, dry runs that say so, oversized cells refused with a 4xx, and
the company's own pipeline stages ("Renewal", "Closed Won", "赢单") with a status the analytics use."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import backend_env
from tests.hardening.conftest import (
    assert_one_line_error,
    assert_problem,
    auth,
    cli,
    free_port,
    guanxi_command,
    snapshot,
)

NAMES_CSV = "Id,Name,Title,Department,AccountId,ReportsToId\ncn1,王建国,总经理,管理层,gzf,\ncn2,李晓燕,采购经理,采购部,gzf,cn1\n"


# ---- --data-dir wherever it stands --------------------------------------------------------------------


@pytest.mark.parametrize("where", ["after-keys", "after-create", "before-keys"])
def test_data_dir_is_honoured_wherever_it_is_placed(tmp_path: Path, where: str) -> None:
    """The finding: `guanxi keys --data-dir D create` (the form --help shows) wrote to ./guanxi-data."""
    store = tmp_path / "D"
    args = {"after-keys": ["keys", "--data-dir", str(store), "create", "--role", "viewer"],
            "after-create": ["keys", "create", "--role", "viewer", "--data-dir", str(store)],
            "before-keys": ["--data-dir", str(store), "keys", "create", "--role", "viewer"]}[where]
    cli(*args, cwd=tmp_path)
    assert not (tmp_path / "guanxi-data").exists()
    listed = cli("keys", "list", "--data-dir", str(store), cwd=tmp_path).stdout
    assert "\tviewer\t" in listed


# ---- one-line errors ------------------------------------------------------------------------------------


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = cli("import", str(tmp_path / "nope.json"), "--data-dir", str(tmp_path / "D"), cwd=tmp_path, check=False)
    assert_one_line_error(result, "guanxi import", "No such file", "nope.json")


def test_a_csv_in_no_known_encoding_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"Id,Name,AccountId\nx1,\xff\xff\xff,gzf\n")  # neither UTF-8 nor GB18030
    result = cli("import", str(tmp_path / "bad.csv"), "--kind", "contacts", "--data-dir", str(tmp_path / "D"),
                 cwd=tmp_path, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "row 2 is not utf-8" in result.stderr and "GB18030" in result.stderr


@pytest.mark.parametrize("command", [["keys", "list"], ["serve", "--port", "1"], ["import", "x.json"]])
def test_a_store_that_cannot_be_opened_is_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "x.json").write_text('{"accounts": []}', encoding="utf-8")
    (tmp_path / "not-a-dir").write_text("a file where the data directory should be", encoding="utf-8")
    result = cli(*command, "--data-dir", str(tmp_path / "not-a-dir"), cwd=tmp_path, check=False, timeout=30)
    assert_one_line_error(result, f"guanxi {command[0]}", "cannot open the database")


def test_a_corrupt_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "D").mkdir()
    (tmp_path / "D" / "guanxi.sqlite3").write_bytes(b"this is not a database" * 100)
    result = cli("keys", "list", "--data-dir", str(tmp_path / "D"), cwd=tmp_path, check=False)
    assert_one_line_error(result, "guanxi keys")


# ---- GB18030, rows and columns, dry runs, big cells ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_a_chinese_excel_csv_imports_over_http(furniture: TestClient, encoding: str) -> None:
    body = NAMES_CSV.encode(encoding)
    detected = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=body,
                              headers={"Content-Type": "text/csv"})
    assert detected.status_code == 200, detected.text
    assert detected.json()["encoding"] == "gb18030"
    assert furniture.get("/v1/contacts/cn2").json()["name"] == "李晓燕"
    named = furniture.post("/v1/import/csv", params={"kind": "contacts", "encoding": encoding}, content=body,
                           headers={"Content-Type": "text/csv"})
    assert named.status_code == 200 and named.json()["counts"]["contacts"]["unchanged"] == 2


def test_chinese_headers_are_understood(furniture: TestClient) -> None:
    csv = "编号,姓名,职位,部门,客户ID,上级ID\ncn3,赵敏,财务经理,财务部,gzf,gzf-cfo\n"
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode("gb18030"),
                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json()["ignored_columns"] == []
    assert furniture.get("/v1/contacts/cn3").json()["department"] == "财务部"


def test_a_gb18030_csv_imports_with_the_cli(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_bytes("Id,Name\ngzf,广州某家具制造有限公司\n".encode("gb18030"))
    (tmp_path / "contacts.csv").write_bytes(NAMES_CSV.encode("gb18030"))
    data = str(tmp_path / "D")
    cli("import", str(tmp_path / "accounts.csv"), "--kind", "accounts", "--data-dir", data, cwd=tmp_path)
    result = cli("import", str(tmp_path / "contacts.csv"), "--kind", "contacts", "--encoding", "gb18030",
                 "--data-dir", data, cwd=tmp_path)
    assert '"created": 2' in result.stdout
    exported = cli("export", "gzf", "--data-dir", data, cwd=tmp_path).stdout
    assert "李晓燕" in exported and "王建国" in exported
    # A narrower export later updates the fields it has and leaves the others (as over HTTP).
    (tmp_path / "names.csv").write_text("Id,Name,AccountId\ncn2,李晓艳,gzf\n", encoding="utf-8")
    cli("import", str(tmp_path / "names.csv"), "--kind", "contacts", "--data-dir", data, cwd=tmp_path)
    after = json.loads(cli("export", "gzf", "--data-dir", data, cwd=tmp_path).stdout)
    renamed = next(c for c in after["contacts"] if c["id"] == "cn2")
    assert (renamed["name"], renamed["title"], renamed["department"]) == ("李晓艳", "采购经理", "采购部")


def test_big5_and_excels_unicode_text_import_with_the_cli(tmp_path: Path) -> None:
    """A Taiwan colleague's Big5 export (恒 is Windows' Big5) named with --encoding, and Excel's "Unicode
    text" (UTF-16, tab-separated) with Chinese headers, values and dates, read as over HTTP."""
    data = str(tmp_path / "D")
    (tmp_path / "accounts.csv").write_text("Id,Name\ngzf,廣州某家具\n", encoding="utf-8")
    cli("import", str(tmp_path / "accounts.csv"), "--kind", "accounts", "--data-dir", data, cwd=tmp_path)
    (tmp_path / "big5.csv").write_bytes("Id,Name,Title,AccountId\ntw1,陳恒,總經理,gzf\n".encode("cp950"))
    cli("import", str(tmp_path / "big5.csv"), "--kind", "contacts", "--encoding", "big5", "--data-dir", data,
        cwd=tmp_path)
    text = "编号\t客户ID\t姓名\t级别\t状态\t离职日期\r\ntw2\tgzf\t张喆\t总监\t已离职\t2026年4月30日\r\n"
    (tmp_path / "unicode.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))   # as Excel names it
    cli("import", str(tmp_path / "unicode.txt"), "--kind", "contacts", "--data-dir", data, cwd=tmp_path)
    (tmp_path / "gbk.csv").write_bytes("Id,Name,AccountId\ntw3,李?,gzf\n".encode("gbk"))   # 李䶮 saved as GBK
    warned = cli("import", str(tmp_path / "gbk.csv"), "--kind", "contacts", "--encoding", "gbk", "--data-dir", data,
                 cwd=tmp_path)
    assert "warning: " in warned.stderr and "CSV UTF-8" in warned.stderr, warned.stderr
    contacts = {c["id"]: c for c in json.loads(cli("export", "gzf", "--data-dir", data, cwd=tmp_path).stdout)[
        "contacts"]}
    assert (contacts["tw1"]["name"], contacts["tw1"]["title"]) == ("陳恒", "總經理")
    assert {k: contacts["tw2"][k] for k in ("name", "level", "status", "left_at")} == \
        {"name": "张喆", "level": "director", "status": "left", "left_at": "2026-04-30"}


def test_csv_errors_name_the_csv_row_and_column_not_the_bundle_index(furniture: TestClient, tmp_path: Path) -> None:
    csv = "Id,Name,AccountId,Level\n\nok1,甲,gzf,staff\nbad1,乙,gzf,boss\nbad2,丙,nowhere,staff\n"
    before = snapshot(furniture)
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    problem = assert_problem(response, 422, "Level")
    assert problem["errors"][0]["loc"] == ["body", 4, "Level"]   # the blank line 2 counts, as in a spreadsheet
    assert problem["errors"][0]["msg"].startswith("row 4, column 'Level': ")
    assert snapshot(furniture) == before
    # a reference the store refuses is named by row and column too
    fixed = csv.replace("boss", "staff")
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=fixed.encode(),
                              headers={"Content-Type": "text/csv"})
    problem = assert_problem(response, 422, "AccountId")
    assert ["body", 5, "AccountId"] in [e["loc"] for e in problem["errors"]]
    # and the CLI says the same, one line per problem, no traceback
    (tmp_path / "c.csv").write_text(csv, encoding="utf-8")
    result = cli("import", str(tmp_path / "c.csv"), "--kind", "contacts", "--data-dir", str(tmp_path / "D"),
                 cwd=tmp_path, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "row 4, column 'Level'" in result.stderr


def test_a_dry_run_says_it_was_one(furniture: TestClient, tmp_path: Path) -> None:
    response = furniture.post("/v1/import/csv", params={"kind": "contacts", "dry_run": "true"},
                              content=NAMES_CSV.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert furniture.get("/v1/contacts/cn1").status_code == 404
    (tmp_path / "b.json").write_text('{"accounts": [{"id": "dry", "name": "Dry"}]}', encoding="utf-8")
    result = cli("import", str(tmp_path / "b.json"), "--dry-run", "--data-dir", str(tmp_path / "D"), cwd=tmp_path)
    assert "dry run" in result.stderr and "nothing was written" in result.stderr
    assert "dry" not in cli("export", "dry", "--data-dir", str(tmp_path / "D"), cwd=tmp_path, check=False).stdout


def test_a_cell_over_the_csv_limit_is_a_4xx_not_a_500(furniture: TestClient, tmp_path: Path) -> None:
    """The finding: a cell over 131,072 characters answered 500 (and a traceback in the CLI)."""
    csv = "Id,Name,AccountId,Notes\nbig1,甲,gzf," + "x" * 140_000 + "\n"
    response = furniture.post("/v1/import/csv", params={"kind": "contacts"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    problem = assert_problem(response, 422)
    assert "row 2" in problem["detail"] and "131,072" in problem["detail"]
    (tmp_path / "big.csv").write_text(csv, encoding="utf-8")
    result = cli("import", str(tmp_path / "big.csv"), "--kind", "contacts", "--data-dir", str(tmp_path / "D"),
                 cwd=tmp_path, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr and "131,072" in result.stderr


def test_an_unknown_boolean_is_refused_by_the_cli_by_row_and_column(tmp_path: Path) -> None:
    """The finding: KnowsUs=maybe was imported as false."""
    (tmp_path / "c.csv").write_text("Id,Name,AccountId,KnowsUs\nok1,甲,gzf,是\nbad1,乙,gzf,maybe\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "c.csv"), "--kind", "contacts", "--data-dir", str(tmp_path / "D"),
                 cwd=tmp_path, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "row 3, column 'KnowsUs': 'maybe' is not true or false" in result.stderr


# ---- --demo reuses its key ----------------------------------------------------------------------------------


def _demo_key(data_dir: Path, cwd: Path, env: dict[str, str]) -> str:
    port = free_port()
    proc = subprocess.Popen([*guanxi_command(), "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                            env={**os.environ, "GUANXI_API_KEYS": "", **env}, start_new_session=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            found = re.search(r"Bearer (\S+?)'", line)
            if found:
                key = found.group(1)
                while time.monotonic() < deadline:  # the key works once the server is up
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/v1/me", headers=auth(key), timeout=2).status_code == 200:
                            return key
                    except httpx.HTTPError:
                        time.sleep(0.1)
            assert line or proc.poll() is None, "the demo server stopped"
        raise AssertionError("no demo key printed")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_demo_reuses_its_key(tmp_path: Path, backend_name: str) -> None:
    """The findings: every `--demo` start minted another admin key; on Neo4j, where the store makes no data
    directory, `serve --demo` stopped at once ("No such file or directory: guanxi-data/demo-key")."""
    data_dir, env = tmp_path / "D", backend_env(backend_name)
    first, second = _demo_key(data_dir, tmp_path, env), _demo_key(data_dir, tmp_path, env)
    assert first == second
    keys = cli("keys", "list", "--data-dir", str(data_dir), cwd=tmp_path, env=env).stdout.splitlines()
    assert len([k for k in keys if k.endswith("\tdemo\t" + k.split("\t")[-1])]) == 1, keys
    assert oct((data_dir / "demo-key").stat().st_mode & 0o777) == "0o600"


# ---- the company's own pipeline -------------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "status"), [
    ("Renewal", "open"), ("Closed Won", "won"), ("closed-won", "won"), ("赢单", "won"), ("Closed Lost", "lost"),
    ("输单", "lost"), ("Proposal/Price Quote", "open"), ("方案报价", "open"), ("x" * 100, "open")])
def test_crm_stages_import_with_their_status(furniture: TestClient, stage: str, status: str) -> None:
    """The finding: stages were a closed list of six, so "Renewal" or "Closed Won" failed a whole import."""
    csv = f"Id,AccountId,Name,Stage\ncrm-1,gzf,Deal,{stage}\n"
    response = furniture.post("/v1/import/csv", params={"kind": "opportunities"}, content=csv.encode(),
                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert {k: furniture.get("/v1/opportunities/crm-1").json()[k] for k in ("stage", "status")} == \
        {"stage": stage, "status": status}
    bundle = {"opportunities": [{"id": "crm-2", "account_id": "gzf", "name": "Deal", "stage": stage}]}
    assert furniture.post("/v1/import", json=bundle).status_code == 200
    assert furniture.get("/v1/opportunities/crm-2").json()["status"] == status


def test_a_stage_over_100_characters_is_refused(furniture: TestClient) -> None:
    response = furniture.post("/v1/opportunities", json={"account_id": "gzf", "name": "D", "stage": "x" * 101})
    assert_problem(response, 422, "stage")


def test_a_given_status_wins_and_a_new_stage_infers_it_again(furniture: TestClient) -> None:
    created = furniture.post("/v1/opportunities", json={"account_id": "gzf", "name": "D", "stage": "Closed Won",
                                                        "status": "open"}).json()
    assert created["status"] == "open"
    assert furniture.patch(f"/v1/opportunities/{created['id']}", json={"stage": "输单"}).json()["status"] == "lost"
    assert furniture.patch(f"/v1/opportunities/{created['id']}", json={"status": "won"}).json() == \
        furniture.get(f"/v1/opportunities/{created['id']}").json()
    assert furniture.get(f"/v1/opportunities/{created['id']}").json()["stage"] == "输单"


def _opposed(client: TestClient) -> list[Any]:
    """Who the strongest way to gzf-coo avoids for opposing us in an open deal."""
    response = client.get("/v1/accounts/gzf/paths", params={"from": "us-rep", "to": "gzf-coo", "k": 1})
    assert response.status_code == 200, response.text
    return [a["contact_id"] for a in response.json()["avoided"] if a["code"] == "opposed"]


def test_the_analytics_use_the_status(furniture: TestClient) -> None:
    """Paths avoid people who oppose us in an open deal: once the deal is closed (by a stage that says so,
    or by its status), its opponent is no longer avoided for that; a closed-sounding stage with status
    open is open."""
    assert _opposed(furniture) == ["gzf-proc"]
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "Closed Lost"}).json()["status"] == "lost"
    assert _opposed(furniture) == []
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"status": "open"}).status_code == 200
    assert _opposed(furniture) == ["gzf-proc"]
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "Renewal", "status": "won"}).status_code == 200
    assert _opposed(furniture) == []


def test_a_crm_export_of_the_furniture_maker_round_trips(furniture: TestClient) -> None:
    before = furniture.get("/v1/accounts/gzf/export").json()
    assert all(o["status"] in ("open", "won", "lost") for o in before["opportunities"])
    assert furniture.post("/v1/import", json=before).json()["counts"]["opportunities"]["unchanged"] == 1

