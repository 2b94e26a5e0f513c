"""A map render is bounded work (issue 14, item 5): it stops at the request's work budget with a clear 422,
and stops when whoever asked has gone away, between the PDF's pages and between the lines it routes.

The finding: a started map render had no checkpoint, so a 10,000-person PDF ran to its end (a minute)
after its client had left, holding one of the few places for heavy work."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import rendering.pdf
from app.main import create_app
from app.settings import Settings, make_backend
from graph.models import Bundle
from graph.store import Store
from rendering import render_account_map
from scoring.budget import Abandoned, Budget, spending
from tests.hardening.conftest import ADMIN, KEYS_ENV, assert_problem, auth
from tests.maps.generator import large_account

TODAY = dt.date(2026, 11, 22)


def test_a_map_over_the_work_budget_is_a_clear_422(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_keys=KEYS_ENV, backend="sqlite", work_seconds=1e-6)
    with TestClient(create_app(settings), headers=auth(ADMIN)) as client:
        assert client.post("/v1/import", json=large_account(300, seed=3, account_id="big")).status_code == 200
        for fmt in ("png", "svg", "pdf"):
            response = client.get("/v1/accounts/big/map", params={"format": fmt})
            problem = assert_problem(response, 422)
            assert problem["title"] == "Too much work", fmt


def test_a_pdf_whose_client_left_stops_between_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(make_backend(Settings(data_dir=tmp_path / "data", backend="sqlite")))
    store.backend.migrate()
    store.import_bundle(Bundle.model_validate(large_account(600, seed=4, account_id="big")), actor="test")
    gone = threading.Event()
    drawn: list[str] = []
    section_page = rendering.pdf._section_page

    def page_then_leave(*args: Any, **kwargs: Any) -> Any:
        drawn.append(args[1].title)
        gone.set()                        # the client leaves while the first section page is drawn
        return section_page(*args, **kwargs)

    monkeypatch.setattr(rendering.pdf, "_section_page", page_then_leave)
    with spending(Budget(600.0, abandoned=gone)), pytest.raises(Abandoned):
        render_account_map(store, "big", "pdf", today=TODAY)
    assert len(drawn) == 1, "pages were drawn after the client had gone"
    drawn.clear()
    render_account_map(store, "big", "pdf", today=TODAY)    # no budget: every page, many of them
    assert len(drawn) > 5
    store.backend.close()
