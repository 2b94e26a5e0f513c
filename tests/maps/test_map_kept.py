"""A drawn map is kept for the projected map it shows: the same request again is sent from memory, any
write (also another process's) makes the next one draw afresh, and a redacted map is its own drawing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from tests.maps.conftest import fetch, svg_texts


def test_a_map_is_drawn_once_per_revision_and_afresh_after_any_write(furniture: TestClient, settings: Any) -> None:
    drawings = furniture.app.state.drawings  # type: ignore[attr-defined]
    first = fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade")
    assert fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade") == first
    assert drawings.counts == {"kept": 1, "drawn": 1}
    fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade", redact=True)
    fetch(furniture, "gzf", "png")
    assert drawings.counts == {"kept": 1, "drawn": 3}
    with TestClient(create_app(settings), headers=dict(furniture.headers)) as other:
        other.patch("/v1/contacts/gzf-design", json={"name": "王新"}).raise_for_status()
    after = fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade")
    assert after != first and any("王新" in text for text in svg_texts(after))
    assert drawings.counts == {"kept": 1, "drawn": 4}


def test_a_map_view_is_made_once_per_revision_and_afresh_after_any_write(furniture: TestClient,
                                                                         settings: Any) -> None:
    drawings = furniture.app.state.drawings  # type: ignore[attr-defined]
    around = {"scope": "around", "around": "gzf-gm", "depth": 1}
    first = furniture.get("/v1/accounts/gzf/map-view", params=around)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert furniture.get("/v1/accounts/gzf/map-view", params=around).json() == first.json()
    assert drawings.counts == {"kept": 1, "drawn": 1}
    furniture.get("/v1/accounts/gzf/map-view", params=around, headers={"Accept-Language": "zh-CN"})
    furniture.get("/v1/accounts/gzf/map-view")
    assert drawings.counts == {"kept": 1, "drawn": 3}
    with TestClient(create_app(settings), headers=dict(furniture.headers)) as other:
        other.patch("/v1/contacts/gzf-gm", json={"name": "陈志远"}).raise_for_status()
    after = furniture.get("/v1/accounts/gzf/map-view", params=around).json()
    assert after["title"] != first.json()["title"] and "陈志远" in after["title"]
    assert drawings.counts == {"kept": 1, "drawn": 4}
