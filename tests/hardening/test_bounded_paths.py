"""Bounded influence paths (issue 14, item 5): ``GET .../paths`` follows no path of more than ``max_hops``
hops (default 6, at most 10) and extends at most ``PATHS_MAX_EXPLORED`` partial paths, so its work is
bounded by construction, not only by the time budget; when a cap cuts the search the answer says it is
``partial`` and why, rather than silently holding fewer paths.

The finding: ``paths?k=20`` between far-apart people on a 2,000-person account ran 66–117 s of CPU (only
k ≤ 20 and the 30 s budget bounded it)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from itertools import islice, pairwise
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from scoring.influence import influence_graph, strongest_paths
from scoring.options import DEFAULT_OPTIONS
from scoring.people import GoBetweens
from scoring.view import AccountMap
from tests.hardening.conftest import ADMIN, KEYS_ENV, assert_problem, auth
from tests.maps.generator import large_account
from tests.scoring.conftest import bundle_graph, random_map


def _yen_within(g: nx.MultiDiGraph, source: str, target: str, k: int, max_hops: int | None) -> list[float]:
    """The k strongest simple paths of at most ``max_hops`` hops through helpers, by NetworkX (every
    simple path in cost order, the longer ones dropped)."""
    h = influence_graph(g)
    go = GoBetweens(AccountMap.build(g, DEFAULT_OPTIONS), DEFAULT_OPTIONS, None)
    h = h.subgraph([n for n in h if n in (source, target) or go.helps(n)])
    if source not in h or target not in h:
        return []
    try:
        every = nx.shortest_simple_paths(h, source, target, weight="cost")
        found = list(islice((p for p in every if max_hops is None or len(p) - 1 <= max_hops), k))
    except nx.NetworkXNoPath:
        return []
    return sorted((math.prod(h[u][v]["weight"] for u, v in pairwise(p)) for p in found), reverse=True)


@pytest.mark.parametrize("seed", range(10))
def test_capped_paths_are_the_strongest_within_the_cap_and_partial_says_when_longer_ones_count(seed: int) -> None:
    g = random_map(seed, n=12)
    nodes = sorted(n for n, d in g.nodes(data=True) if d.get("kind") in ("contact", "team_member"))
    rnd = random.Random(seed)
    partial_seen = complete_seen = 0
    for source, target in [tuple(rnd.sample(nodes, 2)) for _ in range(6)]:
        for k in (1, 3, 6):
            whole = strongest_paths(g, source, target, k=k)
            assert whole["partial"] is False and whole["reason"] is None and whole["max_hops"] is None
            unbounded = [p["strength"] for p in whole["paths"]]
            for max_hops in (1, 2, 3, 4):
                answer = strongest_paths(g, source, target, k=k, max_hops=max_hops)
                strengths = [p["strength"] for p in answer["paths"]]
                assert strengths == pytest.approx(_yen_within(g, source, target, k, max_hops), rel=1e-12)
                assert all(len(p["hops"]) <= max_hops for p in answer["paths"])
                assert answer["max_hops"] == max_hops
                if answer["partial"]:
                    partial_seen += 1
                    assert answer["reason"]["code"] == "max_hops" and str(max_hops) in answer["reason"]["text"]
                else:
                    complete_seen += 1
                    assert answer["reason"] is None
                    assert strengths == pytest.approx(unbounded, rel=1e-12)  # not partial: nothing longer counts
                if strengths != pytest.approx(unbounded, rel=1e-12):
                    assert answer["partial"], (source, target, k, max_hops)  # never silently fewer or weaker
    assert partial_seen and complete_seen


@pytest.fixture(scope="module")
def big_graph() -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    account = large_account(2000, account_id="big")
    return bundle_graph(account, "big"), account


def test_the_explored_cap_stops_the_search_and_says_so(big_graph: tuple[nx.MultiDiGraph, dict[str, Any]]) -> None:
    g, account = big_graph
    source, target = account["team"][0]["id"], account["contacts"][-1]["id"]
    full = strongest_paths(g, source, target, k=20, max_hops=10)
    assert len(full["paths"]) == 20
    cut = strongest_paths(g, source, target, k=20, max_hops=10, max_explored=4400)
    assert cut["partial"] and cut["reason"]["code"] == "max_explored" and "4400" in cut["reason"]["text"]
    assert 0 < len(cut["paths"]) < 20
    # What was listed before the cap is exact: the strongest paths, in order.
    assert cut["paths"] == full["paths"][:len(cut["paths"])]
    zh = strongest_paths(g, source, target, k=20, max_hops=10, max_explored=4400, lang="zh-CN")
    assert "不完整" in zh["reason"]["text"]


def test_unbounded_by_hops_the_explored_cap_still_holds(big_graph: tuple[nx.MultiDiGraph, dict[str, Any]]) -> None:
    g, account = big_graph
    cut = strongest_paths(g, account["team"][0]["id"], account["contacts"][-1]["id"], k=20, max_explored=2000)
    assert cut["partial"] and cut["reason"]["code"] == "max_explored" and cut["max_hops"] is None


# ---- through the API, on a generated 2,000-person account -------------------------------------------------------


@pytest.fixture(scope="module")
def big_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("paths") / "data", api_keys=KEYS_ENV, backend="sqlite")
    account = large_account(2000, account_id="big")
    with TestClient(create_app(settings), headers=auth(ADMIN)) as client:
        assert client.post("/v1/import", json=account).status_code == 200
        yield client, account


def _far_apart(account: dict[str, Any]) -> dict[str, str]:
    return {"from": account["team"][0]["id"], "to": account["contacts"][-1]["id"]}


def test_far_apart_people_answer_within_the_caps_saying_partial(big_client: tuple[TestClient, dict[str, Any]]
                                                                ) -> None:
    client, account = big_client
    response = client.get("/v1/accounts/big/paths", params={**_far_apart(account), "k": 20})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["max_hops"] == 6 and body["partial"] is True and body["reason"]["code"] == "max_hops"
    assert len(body["paths"]) < 20 and all(len(p["hops"]) <= 6 for p in body["paths"])
    wider = client.get("/v1/accounts/big/paths", params={**_far_apart(account), "k": 20, "max_hops": 10}).json()
    assert len(wider["paths"]) == 20 and all(len(p["hops"]) <= 10 for p in wider["paths"])
    assert wider["paths"][0]["strength"] >= body["paths"][0]["strength"]


def test_the_explored_cap_of_the_service_makes_the_answer_partial(big_client: tuple[TestClient, dict[str, Any]],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from app.routers import analytics

    client, account = big_client
    monkeypatch.setattr(analytics, "PATHS_MAX_EXPLORED", 4400)
    body = client.get("/v1/accounts/big/paths", params={**_far_apart(account), "k": 19, "max_hops": 10}).json()
    assert body["partial"] is True and body["reason"]["code"] == "max_explored", body["reason"]
    assert "4400" in body["reason"]["text"] and 0 < len(body["paths"]) < 19


@pytest.mark.parametrize(("params", "field"), [({"max_hops": 11}, "max_hops"), ({"max_hops": 0}, "max_hops"),
                                               ({"max_hops": "many"}, "max_hops"), ({"k": 21}, "k"),
                                               ({"k": 0}, "k")])
def test_over_the_limits_is_a_422_naming_the_parameter(big_client: tuple[TestClient, dict[str, Any]],
                                                       params: dict[str, Any], field: str) -> None:
    client, account = big_client
    response = client.get("/v1/accounts/big/paths", params={**_far_apart(account), **params})
    assert_problem(response, 422, field=field)
