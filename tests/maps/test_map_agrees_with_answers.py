"""A map says what the analytics say: its gap list is the coverage gaps' answer, actions included — which
name our people from the whole roster, a counterpart with no tie to the account yet too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.maps.conftest import svg_texts


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_maps_gap_actions_are_the_answers(furniture: TestClient, lang: str) -> None:
    answer = furniture.get("/v1/opportunities/gzf-upgrade/coverage-gaps", headers={"Accept-Language": lang}).json()
    # 周海 (us-vp), our vice-president, has no tie at the account: only the roster names him.
    assert any("周海" in g["action"] for g in answer["gaps"])
    svg = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "opportunity_id": "gzf-upgrade"},
                        headers={"Accept-Language": lang}).content
    drawn = squeezed(svg_texts(svg))                      # a long gap line is wrapped over several texts
    for gap in answer["gaps"]:
        assert squeezed([gap["action"]]) in drawn, gap["code"]
    # The map of the account as a whole lists the open deal's gaps the same way.
    whole = squeezed(svg_texts(furniture.get("/v1/accounts/gzf/map", params={"format": "svg"},
                                             headers={"Accept-Language": lang}).content))
    assert all(squeezed([g["action"]]) in whole for g in answer["gaps"])


def squeezed(texts: list[str]) -> str:
    return "".join("".join(texts).split())
