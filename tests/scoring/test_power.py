from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scoring.power import informal_power

if TYPE_CHECKING:
    from tests.scoring.conftest import MapBuilder, RandomMap


def test_power_broker_outranks_the_org_chart(mapb: type[MapBuilder]) -> None:
    # The chairman's niece: staff on paper, outside the reporting lines, yet the GM and both VPs listen
    # to her. (PageRank semantics: her boss, if she had one swaying her, would inherit her weight.)
    g = (mapb().contact("gm", level="executive").contact("vp1", level="vp").contact("vp2", level="vp")
         .contact("aide", level="staff").contact("gone", level="executive", status="left")
         .edge("REPORTS_TO", "vp1", "gm").edge("REPORTS_TO", "vp2", "gm")
         .edge("INFLUENCES", "aide", "gm", strength=0.9).edge("INFLUENCES", "aide", "vp1", strength=0.9)
         .edge("INFLUENCES", "aide", "vp2", strength=0.9).edge("INFLUENCES", "gone", "aide", strength=1.0)
         .build())
    rows = informal_power(g)["contacts"]
    assert rows[0]["contact_id"] == "aide"
    assert "gone" not in [r["contact_id"] for r in rows]
    by_id = {r["contact_id"]: r for r in rows}
    assert by_id["gm"]["formal_rank"] == 1 and by_id["aide"]["formal_rank"] == 4
    assert by_id["vp1"]["formal_rank"] == by_id["vp2"]["formal_rank"] == 2
    assert by_id["aide"]["informal_rank"] == 1 and by_id["aide"]["informal_power"] == pytest.approx(1.0)
    assert by_id["aide"]["power_gap"] == 3
    powers = [r["informal_power"] for r in rows]
    assert powers == sorted(powers, reverse=True)
    for r in rows:
        assert set(r) >= {"contact_id", "name", "level", "informal_power", "formal_rank", "informal_rank"}


def test_org_chart_alone_puts_the_boss_on_top(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("gm", "a", "b", "c").edge("REPORTS_TO", "a", "gm").edge("REPORTS_TO", "b", "gm")
         .edge("REPORTS_TO", "c", "a").build())
    rows = informal_power(g)["contacts"]
    assert rows[0]["contact_id"] == "gm"
    assert {r["contact_id"]: r["formal_rank"] for r in rows} == {"gm": 1, "a": 2, "b": 2, "c": 4}  # competition ranks


def test_formal_rank_without_levels_follows_the_org_chart(mapb: type[MapBuilder]) -> None:
    g = (mapb().contacts("top", "mid", "low").edge("REPORTS_TO", "low", "mid").edge("REPORTS_TO", "mid", "top")
         .build())
    ranks = {r["contact_id"]: r["formal_rank"] for r in informal_power(g)["contacts"]}
    assert ranks == {"top": 1, "mid": 2, "low": 3}


def test_reporting_cycle_does_not_hang(mapb: type[MapBuilder]) -> None:
    g = mapb().contacts("a", "b").edge("REPORTS_TO", "a", "b").edge("REPORTS_TO", "b", "a").build()
    assert len(informal_power(g)["contacts"]) == 2


def test_no_contacts(mapb: type[MapBuilder]) -> None:
    assert informal_power(mapb().team("t").build()) == {"contacts": []}


def test_isolated_contacts_tie(mapb: type[MapBuilder]) -> None:
    rows = informal_power(mapb().contacts("a", "b").build())["contacts"]
    assert [r["informal_rank"] for r in rows] == [1, 1]
    assert [r["informal_power"] for r in rows] == pytest.approx([1.0, 1.0])


def test_pure_python_pagerank_matches_numpy(random_graph: RandomMap) -> None:
    from scoring.model import AccountMap
    from scoring.options import DEFAULT_OPTIONS
    from scoring.power import _pagerank, _pagerank_python, power_ties

    g = random_graph(3, n=30)
    amap = AccountMap.build(g, DEFAULT_OPTIONS)
    contacts = list(amap.active)
    fast = _pagerank(amap, contacts, DEFAULT_OPTIONS)
    index = {c: i for i, c in enumerate(contacts)}
    ties = power_ties(amap, DEFAULT_OPTIONS)
    edges = [(index[v], index[u], w) for u, row in ties.items() for v, w in row.items()]
    slow = _pagerank_python(contacts, [s for s, _, _ in edges], [t for _, t, _ in edges],
                            [w for _, _, w in edges], 0.85, 40)
    assert slow == pytest.approx(fast)
    assert sum(fast.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(6))
def test_power_order_is_the_answers_order(random_graph: RandomMap, seed: int) -> None:
    # What the maps rank people by: the answer's order, without computing its signals.
    from scoring.power import power_order

    g = random_graph(seed, n=40)
    assert power_order(g) == [r["contact_id"] for r in informal_power(g)["contacts"]]
    assert power_order(g)  # the random maps have active contacts
