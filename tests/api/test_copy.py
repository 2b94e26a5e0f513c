"""Moving to another backend (a company that outgrows the embedded store moves to Neo4j): ``guanxi copy
--from A --to B`` carries everything a store holds into an empty one — the maps with their ids, versions
and timestamps, the reviews, the API keys, and the audit trail in its order, so that the past answers
(``as_of``, changes since a review) and erasures come along — in one transaction, or in parts (``--batch``)
that say how far a failed copy got — and refuses a store that holds anything. Each backend is copied into the other, and the embedded store into another directory
(a backup taken while the service runs)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from app.settings import Settings
from graph import contents
from graph.backends import BackendConfig, make_backend
from graph.contents import StoreContents, in_parts, read_pages
from graph.errors import Conflict, StoreError, StoreUnavailable
from graph.models import AccountIn, Bundle, NodeKind
from graph.store import Store
from tests.conftest import ADMIN, auth, backend_env, bundle, neo4j_config

OTHER = {"sqlite": "neo4j", "neo4j": "sqlite"}


def _embedded(data_dir: Path, *, furniture: bool = False) -> Store:
    """An embedded store in ``data_dir``, migrated; holding the furniture maker's account if asked."""
    store = Store(make_backend("sqlite", BackendConfig(data_dir=data_dir)))
    store.backend.migrate()
    if furniture:
        store.import_bundle(Bundle.model_validate(bundle("furniture")), actor="test")
    return store


def _history(client: TestClient) -> dict[str, Any]:
    """A review, then moves after it — a stance, a contact who left, a new influence line — and an erasure."""
    review = client.post("/v1/accounts/gzf/reviews", json={"title": "Q4 复盘", "opportunity_ids": ["gzf-upgrade"]})
    assert review.status_code == 201, review.text
    steps = [
        client.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design", json={"stance": "supporter"}),
        client.patch("/v1/contacts/gzf-cfo", json={"status": "left", "left_at": "2026-12-01"}),
        client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "gzf-qa", "target": "gzf-gm",
                                               "strength": 0.6}),
        client.post("/v1/contacts/gzf-it/erase"),
    ]
    assert all(r.status_code in (200, 201) for r in steps), [r.text for r in steps]
    body: dict[str, Any] = review.json()
    return body


def _answers(client: TestClient, review: dict[str, Any]) -> dict[str, Any]:
    then = {"as_of": review["held_at"]}
    asked = {
        "bundle": ("/v1/accounts/gzf/export", {}),
        "bundle then": ("/v1/accounts/gzf/export", then),
        "chain": ("/v1/opportunities/gzf-upgrade/decision-chain", {}),
        "chain then": ("/v1/opportunities/gzf-upgrade/decision-chain", then),
        "who next": ("/v1/opportunities/gzf-upgrade/next-best-contacts", {}),
        "changes": ("/v1/accounts/gzf/changes", {"since": review["id"]}),
        "reviews": ("/v1/accounts/gzf/reviews", {}),
        "audit": ("/v1/audit", {"limit": 500}),
        "the general manager": ("/v1/contacts/gzf-gm", {}),
    }
    answers = {}
    for name, (path, params) in asked.items():
        response = client.get(path, params=params)
        assert response.status_code == 200, (name, response.text)
        answers[name] = response.json()
    del answers["changes"]["until"]          # (now: the moment it was asked)
    answers["the general manager's ETag"] = client.get("/v1/contacts/gzf-gm").headers["ETag"]
    return answers


def _settings_of(name: str, data_dir: Path, keys: str) -> Settings:
    if name == "sqlite":
        return Settings(data_dir=data_dir, api_keys=keys, backend="sqlite")
    config = neo4j_config(data_dir)
    return Settings(data_dir=data_dir, api_keys=keys, backend="neo4j", neo4j_uri=config.neo4j_uri,
                    neo4j_user=config.neo4j_user, neo4j_password=config.neo4j_password,
                    neo4j_database=config.neo4j_database)


def test_copy_carries_everything_into_the_other_backend_or_another_directory(
        furniture: TestClient, settings: Settings, backend_name: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Into the other backend; the embedded store also into another directory (a backup)."""
    review = _history(furniture)
    _, secret = furniture.app.state.store.create_key("viewer", name="CRM plug-in")  # type: ignore[attr-defined]
    before = _answers(furniture, review)
    assert before["the general manager"]["version"] == 1 and len(before["audit"]["items"]) > 40
    for key, value in backend_env("neo4j").items():
        if key.startswith("NEO4J_"):
            monkeypatch.setenv(key, value)
    for target in (OTHER[backend_name], *(("sqlite",) if backend_name == "sqlite" else ())):
        if target == "neo4j":                        # (the test database: emptied, as before a Neo4j test)
            emptied = make_backend("neo4j", neo4j_config(tmp_path))
            emptied.reset()
            emptied.close()
        into = tmp_path / f"copy-{target}"
        source_dir = settings.data_dir if backend_name == "sqlite" else into
        # into the other backend in transactions of 7 items; into another directory in one
        main(["copy", "--from", backend_name, "--to", target, "--data-dir", str(source_dir),
              *(["--to-data-dir", str(into)] if target == backend_name else ["--batch", "7"])])
        printed = capsys.readouterr()
        counts = json.loads(printed.out)
        assert counts["contact"] == 9 and counts["reviews"] == 1 and counts["api_keys"] == 1
        assert counts["audit_entries"] == len(furniture.app.state.store.contents().audit)  # type: ignore[attr-defined]
        said = printed.err.splitlines()
        assert said[0].startswith(f"copying from {backend_name} to {target}"), said
        parts = -(-sum(counts.values()) // 7) if target != backend_name else 0
        assert [line for line in said if line.startswith("  part ")] == [
            f"  part {i} written" for i in range(1, parts + 1)]
        assert said[-2].startswith("written in ") and said[-1].startswith(f"copied from {backend_name} to {target}")
        assert "read back the same" in said[-1]

        with TestClient(create_app(_settings_of(target, into, settings.api_keys)), headers=auth(ADMIN)) as other:
            after = _answers(other, review)
            # the key stored before the copy opens the service
            me = other.get("/v1/me", headers=auth(secret))
            assert me.status_code == 200 and me.json()["role"] == "viewer", me.text
            # the erased person stays erased, in the past too
            assert "[erased]" in json.dumps(after["chain then"], ensure_ascii=False)
        for name in before:
            if name == "audit":     # the same entries in the same order; each store numbers its own
                assert [{k: v for k, v in e.items() if k != "seq"} for e in after[name]["items"]] == [
                    {k: v for k, v in e.items() if k != "seq"} for e in before[name]["items"]]
            else:
                assert after[name] == before[name], (target, name)


def test_copy_refuses_a_store_that_holds_anything_and_changes_nothing(
        furniture: TestClient, settings: Settings, backend_name: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = OTHER[backend_name]        # copying the other store (empty, then with one account) into this one
    for key, value in backend_env("neo4j").items():
        if key.startswith("NEO4J_"):
            monkeypatch.setenv(key, value)
    other_dir = tmp_path / "other"
    other = _settings_of(source, other_dir, settings.api_keys)
    if source == "neo4j":
        emptied = make_backend("neo4j", neo4j_config(tmp_path))
        emptied.reset()
        emptied.close()
    store = furniture.app.state.store  # type: ignore[attr-defined]
    held = store.contents()
    sqlite_dir = settings.data_dir if backend_name == "sqlite" else other_dir
    with pytest.raises(SystemExit) as empty:     # an empty store into an empty one: nothing to copy
        main(["copy", "--from", "sqlite", "--to", "sqlite", "--data-dir", str(tmp_path / "nothing"),
              "--to-data-dir", str(tmp_path / "into")])
    assert "holds nothing" in str(empty.value)
    # this store holds the furniture maker: refused before the other store is read (empty, then not)
    for holds in ((), ("acme",)):
        with TestClient(create_app(other), headers=auth(ADMIN)) as client:
            for id in holds:
                client.post("/v1/accounts", json={"id": id, "name": "Acme"}).raise_for_status()
        with pytest.raises(SystemExit) as refused:
            main(["copy", "--from", source, "--to", backend_name, "--data-dir", str(sqlite_dir)])
        assert "is not empty" in str(refused.value) and "account" in str(refused.value)
    assert store.contents() == held
    with pytest.raises(SystemExit) as same:
        main(["copy", "--from", backend_name, "--to", backend_name])
    assert "name the same store" in str(same.value)


def test_copy_to_neo4j_without_its_settings_says_what_is_missing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("GUANXI_BACKEND", raising=False)
    with pytest.raises(SystemExit) as missing:
        main(["copy", "--from", "sqlite", "--to", "neo4j", "--data-dir", str(tmp_path / "data")])
    assert str(missing.value) == "guanxi copy: the neo4j backend needs NEO4J_URI"


def test_a_copy_in_parts_that_fails_says_what_it_left(tmp_path: Path) -> None:
    """With ``batch``, a failure after the first part keeps the parts before it and says so; in the first
    part (or in one transaction) it leaves nothing."""
    source = _embedded(tmp_path / "source", furniture=True)
    everything = source.contents()
    for failing, batch in ((3, 10), (1, 10), (1, None)):
        target = _embedded(tmp_path / f"target-{failing}-{batch}")
        write, calls = target.backend.write, list[int]()

        def flaky(work: Any, write: Any = write, calls: list[int] = calls, failing: int = failing) -> Any:
            calls.append(1)
            if len(calls) == failing:
                raise StoreUnavailable("the disk went away")
            return write(work)

        target.backend.write = flaky  # type: ignore[method-assign]
        with pytest.raises(StoreError) as stopped:
            target.copy_from(source, batch=batch)
        kept = target.contents()
        if failing == 1:
            assert "the disk went away" == str(stopped.value) and not kept.nodes and not kept.audit
        else:
            parts = list(in_parts([everything], 10))
            assert str(stopped.value).startswith("the copy stopped at part 3 (the disk went away): the store copied "
                                                 "into holds the 2 part(s) before it (20 items)")
            assert kept == StoreContents.joined(parts[:2]) and len(kept.nodes) + len(kept.edges) == 20


def test_a_store_read_page_by_page_and_cut_into_parts(furniture: TestClient) -> None:
    """A copy reads the store page by page (here 3 items a page: every section spans pages, the audit trail
    oldest first) and writes it in parts across sections; joined, both are the store's contents."""
    review = _history(furniture)
    store = furniture.app.state.store  # type: ignore[attr-defined]
    everything = store.contents()
    assert everything.reviews[0].id == review["id"]
    assert [e.seq for e in everything.audit] == sorted(e.seq for e in everything.audit)
    pages = store.backend.read(lambda tx: list(read_pages(tx, 3)))
    assert all(page.size() <= 3 for page in pages if not page.reviews)
    assert StoreContents.joined(pages) == everything
    parts = list(in_parts(pages, 7))
    assert [part.size() for part in parts[:-1]] == [7] * (len(parts) - 1) and 0 < parts[-1].size() <= 7
    assert any(part.nodes and part.edges for part in parts)          # a part that goes on into the next section
    assert StoreContents.joined(parts) == everything


def test_a_copy_that_does_not_read_back_the_same_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is read back and compared item by item: an audit entry lost on the way is not missed."""
    source = _embedded(tmp_path / "source", furniture=True)
    target = _embedded(tmp_path / "target")
    write_part = contents.write_part

    def losing_an_entry(tx: Any, part: contents.StoreContents) -> None:
        write_part(tx, replace(part, audit=part.audit[1:]))

    monkeypatch.setattr("graph.store.write_part", losing_an_entry)
    with pytest.raises(StoreError) as differs:
        target.copy_from(source)
    assert str(differs.value).startswith("the copy does not read back as the store copied from")


def test_a_backup_of_the_embedded_store_is_the_store_as_it_stood_when_the_copy_began(tmp_path: Path) -> None:
    """The embedded store is copied in one read transaction: another process's write during the copy (here
    after its first part) is not in the copy, and the copy still reads back as the store it copied."""
    source = _embedded(tmp_path / "source", furniture=True)
    before = source.contents()
    another_process = Store(make_backend("sqlite", BackendConfig(data_dir=tmp_path / "source")))
    target = _embedded(tmp_path / "backup")

    def meanwhile(step: str, number: int) -> None:
        if (step, number) == ("part", 1):
            another_process.create_node(NodeKind.account, AccountIn(id="acme", name="Acme"), actor="test")

    counts = target.copy_from(source, batch=10, progress=meanwhile)
    assert source.get_node(NodeKind.account, "acme").data["name"] == "Acme"
    copied = target.contents()
    assert counts["account"] == 1 and [n.id for n in copied.nodes if n.kind == NodeKind.account] == ["gzf"]
    assert replace(copied, audit=()) == replace(before, audit=())
    assert [replace(e, seq=0) for e in copied.audit] == [replace(e, seq=0) for e in before.audit]


def test_a_copy_in_parts_that_stopped_is_not_served_and_restarts(backend: Any, backend_name: str,
                                                                 tmp_path: Path) -> None:
    """A copy in parts killed half-way left a store that answered /ready and served a third of the map;
    copied into again, it said only "not empty". It now says it holds an unfinished copy — to /ready, to
    `guanxi serve` and to a second copy —, and ``restart`` empties it and copies again."""
    source = _embedded(tmp_path / "source", furniture=True)
    target = Store(backend)
    write, calls = target.backend.write, list[int]()

    def killed(work: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise StoreUnavailable("the process was killed")
        return write(work)

    target.backend.write = killed  # type: ignore[method-assign]
    with pytest.raises(StoreError):
        target.copy_from(source, batch=10)
    target.backend.write = write  # type: ignore[method-assign]
    assert target.unfinished_copy()
    settings = _settings_of(backend_name, tmp_path / "data", f"admin:{ADMIN}")
    with TestClient(create_app(settings, store=target)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and "--restart" in ready.json()["detail"]
        with pytest.raises(Conflict) as refused:
            target.copy_from(source, batch=10)
        assert "a copy that did not finish" in str(refused.value)
        target.copy_from(source, batch=10, restart=True)
        assert not target.unfinished_copy() and target.contents() == source.contents()
        assert client.get("/ready").status_code == 200
        assert client.get("/v1/accounts/gzf", headers=auth(ADMIN)).status_code == 200
        with pytest.raises(Conflict) as nothing_to_restart:
            target.copy_from(source, batch=10, restart=True)
        assert "holds none" in str(nothing_to_restart.value)
