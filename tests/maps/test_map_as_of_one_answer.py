"""The map as it stood at a past moment is one answer wherever it is asked: `guanxi export --as-of D` writes
what `GET /v1/accounts/{id}/map?as_of=D` answers (judged on D: a contact last met 120 days before D has
a gap; not 60 days before the day it runs), and a deal of another account is a 422 naming `opportunity_id` with or
without `as_of`, on the map and on its view."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient

from app.cli import main as cli
from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN, auth

DAY = dt.datetime.now(dt.UTC).date()


def _acme(client: TestClient, touched: dt.date) -> None:
    response = client.post("/v1/import", json={
        "accounts": [{"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"}],
        "team": [{"id": "t1", "name": "Rep"}],
        "contacts": [{"id": "c1", "account_id": "acme", "name": "Wang", "level": "manager", "knows_us": True},
                     {"id": "b1", "account_id": "beta", "name": "Li"}],
        "opportunities": [{"id": "o1", "account_id": "acme", "name": "Deal"},
                          {"id": "ob", "account_id": "beta", "name": "Beta deal"}],
        "relationships": [{"type": "COVERS", "source": "t1", "target": "c1", "closeness": 0.8,
                           "last_contact_at": touched.isoformat()}],
        "decision_chain": [{"opportunity_id": "o1", "contact_id": "c1", "role": "decision_maker",
                            "stance": "supporter", "influence": 5}]})
    assert response.status_code == 200, response.text


def test_the_cli_writes_the_map_of_then_as_the_api_answers_it(tmp_path: Path) -> None:
    as_of = (DAY + dt.timedelta(days=60)).isoformat()
    settings = Settings(data_dir=tmp_path / "data", api_keys=f"admin:{ADMIN}", backend="sqlite")
    with TestClient(create_app(settings), headers=auth(ADMIN)) as client:
        _acme(client, DAY - dt.timedelta(days=60))
        response = client.get("/v1/accounts/acme/map", params={"format": "cytoscape", "opportunity_id": "o1",
                                                               "as_of": as_of})
        assert response.status_code == 200, response.text
        api = response.json()
    out = tmp_path / "map.json"
    cli(["export", "acme", "--format", "cytoscape", "--opportunity", "o1", "--as-of", as_of,
         "--data-dir", str(tmp_path / "data"), "-o", str(out)])
    written = json.loads(out.read_text())
    assert written == api
    wang = next(n["data"] for n in written["elements"]["nodes"] if n["data"]["id"] == "c1")
    assert wang["map_gaps"], wang                    # 120 days without contact, as of then
    assert written["data"]["generated_on"] == as_of


def test_a_deal_of_another_account_is_the_same_422_with_or_without_as_of(client: TestClient) -> None:
    _acme(client, DAY)
    for path in ("/v1/accounts/acme/map", "/v1/accounts/acme/map-view"):
        for extra in ({}, {"as_of": DAY.isoformat()}):
            response = client.get(path, params={"format": "svg", "opportunity_id": "ob", **extra} if path.endswith(
                "map") else {"opportunity_id": "ob", **extra})
            assert response.status_code == 422, (path, extra, response.text)
            assert response.json()["errors"][0]["loc"] == ["query", "opportunity_id"]
            assert "belongs to account 'beta'" in response.json()["detail"]
        # A deal there is none of: 404 at every moment.
        for extra in ({}, {"as_of": DAY.isoformat()}):
            assert client.get(path, params={"opportunity_id": "nope", **extra}).status_code == 404
