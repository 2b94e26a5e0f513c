"""Which deal a map speaks of. A deal that is over (won or lost, by its status: the stage as the CRM
names it, "赢单", "Closed Won", or a status set by hand) is over on the map and in a review's summary as
it is in the analytics (``scoring.people.is_open``): its coverage gaps are not listed, its members are not
the chain a large map centres on, and a review does not speak of it when an open deal is there. Among open
deals, a person is coloured by the one closing first, the one a review speaks of."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from rendering.focus import _chain
from rendering.model import build_map
from scoring.changes import chosen_opportunity

# A second deal at the furniture maker, closing before the open one, whose decision maker (吴芳, in no
# other chain) nobody of ours covers: a gap of its own while it is open.
OLD_DEAL = {"id": "gzf-old", "account_id": "gzf", "name": "旧款板材采购", "close_date": "2025-12-01"}
ITS_CHAIN = [{"opportunity_id": "gzf-old", "contact_id": "gzf-qa", "role": "decision_maker", "stance": "neutral",
              "influence": 4}]


def with_old_deal(client: TestClient, **fields: Any) -> Any:
    client.post("/v1/import", json={"opportunities": [{**OLD_DEAL, **fields}],
                                    "decision_chain": ITS_CHAIN}).raise_for_status()
    return client.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]


def gap_people(graph: Any) -> set[str]:
    return {c for gap in build_map(graph).gaps for c in gap.contact_ids}


@pytest.mark.parametrize("fields", [{"stage": "赢单"}, {"stage": "Closed Won"}, {"stage": "已丢单"},
                                    {"stage": "negotiation", "status": "lost"}])
def test_a_deal_that_is_over_is_over_on_the_map_and_in_a_review(furniture: TestClient,
                                                                 fields: dict[str, str]) -> None:
    graph = with_old_deal(furniture, **fields)
    assert graph.nodes["gzf-old"]["status"] in ("won", "lost")
    assert "gzf-qa" not in gap_people(graph)
    assert "gzf-qa" not in _chain(build_map(graph))
    assert chosen_opportunity(graph) == "gzf-upgrade"


def test_an_open_second_deal_shows_on_the_map_and_closes_first_in_a_review(furniture: TestClient) -> None:
    graph = with_old_deal(furniture, stage="negotiation")
    assert graph.nodes["gzf-old"]["status"] == "open"
    assert "gzf-qa" in gap_people(graph)
    assert "gzf-qa" in _chain(build_map(graph))
    assert chosen_opportunity(graph) == "gzf-old"


def test_the_account_map_colours_a_person_by_the_deal_a_review_speaks_of(furniture: TestClient) -> None:
    # 刘建国 opposes the upgrade (closing 2027-06-30) and champions a later deal: the map of the whole
    # account shows him as the deal closing first sees him, the deal a review's summary speaks of.
    furniture.post("/v1/import", json={
        "opportunities": [{"id": "gzf-b", "account_id": "gzf", "name": "展厅改造", "stage": "proposal",
                           "close_date": "2027-12-31"}],
        "decision_chain": [{"opportunity_id": "gzf-b", "contact_id": "gzf-proc", "role": "decision_maker",
                            "stance": "champion"}]}).raise_for_status()
    graph = furniture.app.state.store.account_graph("gzf")  # type: ignore[attr-defined]
    assert chosen_opportunity(graph) == "gzf-upgrade"
    assert build_map(graph).contacts["gzf-proc"].stance == "opponent"
