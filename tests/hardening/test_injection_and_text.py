"""Injection and exotic text: names with SQL/Cypher metacharacters, bidi controls, emoji and the like
are stored and returned verbatim, and touch nothing else."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.hardening.conftest import ADMIN, KEYS_ENV, auth, db_digest, loaded, snapshot

NASTY_TEXTS: dict[str, str] = {
    "sql-drop": "'); DROP TABLE nodes;--",
    "sql-delete-audit": "Robert'); DELETE FROM audit WHERE ('1'='1",
    "sql-tautology": "x' OR '1'='1",
    "cypher-detach-delete": '"}) MATCH (n) DETACH DELETE n //',
    "cypher-backtick": "`}) CALL db.clearQueryCaches() //",
    "cypher-params": "$name {id: 1} :Contact",
    # Isolates and marks, as right-to-left names need them (the overrides U+202A..U+202E and the controls
    # are refused: tests/hardening/test_text_refused.py).
    "bidi-isolates-marks": "\u2067مرحبا\u2069 \u200fשלום\u200e",
    "emoji-zwj-flags": "👩‍💼 王总 🚀🇨🇳",
    "combining-marks": "e\u0301\u0301\u0301 Z̷̢͓a̸l̴g̵o",
    "zero-width": "\u200b\u2060\ufeffzero width",
    "html": "<script>alert(1)</script>&amp;",
    "format-strings": "%s %d {0} ${jndi:ldap://x}",
    "backslashes": "\\x00\\n\\\\ back\\slashes",
    "astral-cjk": "𠀀𪚥 astral CJK",
}
NASTY = [pytest.param(text, id=ident) for ident, text in NASTY_TEXTS.items()]


@pytest.mark.parametrize("text", NASTY)
def test_names_and_notes_round_trip_verbatim(furniture: TestClient, settings_data_dir: Path, text: str) -> None:
    before = snapshot(furniture)
    created = furniture.post("/v1/contacts", json={"account_id": "gzf", "name": text, "title": text,
                                                   "notes": text})
    assert created.status_code == 201, created.text
    contact = created.json()
    assert (contact["name"], contact["title"], contact["notes"]) == (text, text, text)
    fetched = furniture.get(f"/v1/contacts/{contact['id']}").json()
    assert (fetched["name"], fetched["title"], fetched["notes"]) == (text, text, text)

    edge = furniture.post("/v1/relationships", json={"type": "INFLUENCES", "source": contact["id"],
                                                     "target": "gzf-gm", "note": text, "strength": 0.5})
    assert edge.status_code == 201, edge.text
    assert furniture.get(f"/v1/relationships/{edge.json()['id']}").json()["note"] == text
    patched = furniture.patch("/v1/accounts/gzf", json={"notes": text})
    assert patched.status_code == 200 and patched.json()["notes"] == text

    # nothing else moved: the export is the old one plus exactly what we wrote
    after = snapshot(furniture)
    exported = after["gzf"]
    assert [c for c in exported["contacts"] if c["id"] != contact["id"]] == before["gzf"]["contacts"]
    assert [r for r in exported["relationships"] if r["id"] != edge.json()["id"]] == before["gzf"]["relationships"]
    assert exported["decision_chain"] == before["gzf"]["decision_chain"]
    assert exported["team"] == before["gzf"]["team"]
    assert {k: v for k, v in exported["accounts"][0].items() if k != "notes"} == \
        {k: v for k, v in before["gzf"]["accounts"][0].items() if k != "notes"}
    assert after["audit"] == before["audit"] + 3
    listed = furniture.get("/v1/contacts", params={"account_id": "gzf", "limit": 500}).json()["items"]
    assert len(listed) == len(before["gzf"]["contacts"]) + 1
    # the audit trail holds the text verbatim too
    entry = furniture.get("/v1/audit", params={"entity_id": contact["id"]}).json()["items"][0]
    assert entry["after"]["name"] == text
    # and the database still has all its tables
    assert db_digest(settings_data_dir)


@pytest.mark.parametrize("text", NASTY[:6])
def test_metacharacters_in_lookups_match_nothing(furniture: TestClient, text: str) -> None:
    """Filters and ids are parameters, never query text: a tautology finds nothing."""
    assert furniture.get("/v1/audit", params={"entity_id": text}).json()["items"] == []
    assert furniture.get("/v1/contacts/" + text.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
                         ).status_code == 404
    assert furniture.get("/v1/contacts", params={"account_id": text}).status_code == 422


def test_nasty_names_survive_csv_import_and_export_round_trip(furniture: TestClient) -> None:
    texts = [text for text in NASTY_TEXTS.values() if "\u0000" not in text]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Id", "Name", "Title", "AccountId"])
    for i, text in enumerate(texts):
        writer.writerow([f"csv-{i}", text, text, "gzf"])
    response = furniture.post("/v1/import/csv?kind=contacts", content=buffer.getvalue().encode(),
                              headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    for i, text in enumerate(texts):
        got = furniture.get(f"/v1/contacts/csv-{i}").json()
        assert (got["name"], got["title"]) == (text.strip(), text), i

    exported = furniture.get("/v1/accounts/gzf/export").json()
    again = furniture.post("/v1/import", json=exported)
    assert again.status_code == 200
    counts = again.json()["counts"]
    assert all(c["created"] == 0 and c["updated"] == 0 for c in counts.values()), counts


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """One app for the module (each test compares before and after itself)."""
    data_dir = tmp_path_factory.mktemp("text")
    with TestClient(create_app(Settings(data_dir=data_dir, api_keys=KEYS_ENV)), headers=auth(ADMIN)) as client:
        loaded(client, "furniture")
        yield client, data_dir


@pytest.fixture
def furniture(shared: tuple[TestClient, Path]) -> TestClient:
    return shared[0]


@pytest.fixture
def settings_data_dir(shared: tuple[TestClient, Path]) -> Path:
    return shared[1]
