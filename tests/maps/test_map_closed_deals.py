"""A deal that is over (won or lost, by its status: the stage as the CRM names it, "赢单", "Closed Won", or a
status set by hand) is over on the map and in a review's summary as it is in the analytics
(``scoring.people.is_open``): its coverage gaps are not listed, its members are not the chain a large map
centres on, and a review does not speak of it when an open deal is there."""

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
