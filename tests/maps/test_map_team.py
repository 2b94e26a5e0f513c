"""Our whole team is on the map: a team member with no tie to the account (the furniture fixture's
regional VP 周海, us-vp) is drawn in the team column and written to every graph file; a very large team
draws at most ``SIDE_BUDGET`` members, those with lines first, then those the gap list names, and says
how many it left out."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from rendering.focus import SIDE_BUDGET, Focus, focused
from rendering.model import build_map
from tests.conftest import bundle
from tests.maps.conftest import fetch, read_cytoscape, read_gexf, read_graphml, svg_texts

TODAY = dt.date(2026, 11, 22)


def test_a_team_member_with_no_tie_is_drawn(furniture: TestClient) -> None:
    texts = svg_texts(fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade"))
    for name in ("王磊", "张敏", "周海"):
        assert name in texts, name
    assert "华南区副总裁" in texts


def test_every_graph_file_holds_the_whole_team(furniture: TestClient) -> None:
    document = read_cytoscape(fetch(furniture, "gzf", "cytoscape", opportunity_id="gzf-upgrade"))
    team = {n["data"]["id"]: n for n in document["elements"]["nodes"] if n["data"].get("kind") == "team_member"}
    assert set(team) == {"us-rep", "us-se", "us-vp"}
    assert team["us-vp"]["data"]["label"] == "周海" and team["us-vp"]["data"]["map_drawn"] is True
    assert "team_member" in team["us-vp"]["classes"]
    assert "us-vp" in read_graphml(fetch(furniture, "gzf", "graphml"))
    assert "us-vp" in read_gexf(fetch(furniture, "gzf", "gexf"))
    # in a focused file too (the team is not one of the account's people)
    scoped = read_cytoscape(fetch(furniture, "gzf", "cytoscape", scope="department", department="operations"))
    assert "us-vp" in {n["data"]["id"] for n in scoped["elements"]["nodes"]}


def test_an_untied_member_does_not_push_the_others_away(furniture: TestClient) -> None:
    document = read_cytoscape(fetch(furniture, "gzf", "cytoscape", opportunity_id="gzf-upgrade"))
    y = {n["data"]["id"]: n["position"]["y"] for n in document["elements"]["nodes"]}
    assert y["us-vp"] > max(y["us-rep"], y["us-se"])


def test_a_large_team_draws_a_column_and_says_what_it_left_out(furniture: TestClient) -> None:
    graph = furniture.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]
    roster = [*bundle("furniture")["team"],
              *({"id": f"us-x{i:02}", "name": f"成员{i:02}", "level": "staff"} for i in range(40))]
    model = build_map(graph, opportunity_id="gzf-upgrade", today=TODAY, roster=roster)
    assert len(model.team) == 43
    shown = focused(model, Focus())
    assert len(shown.team) == SIDE_BUDGET
    # those with lines, and the counterpart the gaps name (周海, a VP with no tie), before the others
    assert {"us-rep", "us-se", "us-vp"} <= shown.team.keys()
    assert "另有 13 位我方成员未显示" in shown.notices, shown.notices
