"""The strongest-path search from our side gives one answer however it got there: stopped and resumed,
with its links listed in any order, or repaired after links were re-weighted, added and removed
(``Reach.repair``) — always the labels and paths of a fresh search, to the last bit."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from scoring.paths import Reach

Links = dict[tuple[str, str], float]
# Strengths that tie often (two paths of 0.5 × 0.9 and 0.9 × 0.5) and a link of strength 1 (cost 0).
STRENGTHS = [0.3, 0.5, 0.5, 0.9, 1.0]


def _costs(links: Links, rnd: random.Random, forward: bool = True) -> Callable[[str], list[tuple[str, float]]]:
    """Rows of out-links (or in-links) with −log costs, each row in a random order."""
    rows: dict[str, list[tuple[str, float]]] = {}
    for (u, v), w in links.items():
        a, b = (u, v) if forward else (v, u)
        rows.setdefault(a, []).append((b, -math.log(w)))
    for row in rows.values():
        rnd.shuffle(row)
    return lambda n: rows.get(n, [])


def _fresh(links: Links, rnd: random.Random, sources: dict[str, list[str]], bound: float,
           expand: Callable[[str], bool], targets: list[str] | None) -> Reach:
    reach = Reach(_costs(links, rnd), bound, expand)
    reach.add_sources(sources)
    reach.run(targets)
    return reach


def _same(got: Reach, want: Reach, nodes: list[str], what: str) -> None:
    for n in nodes:
        assert (got.dist.get(n), got.path(n)) == (want.dist.get(n), want.path(n)), f"{what}: {n}"


@pytest.mark.parametrize("seed", range(40))
def test_a_repaired_search_answers_as_a_fresh_one(seed: int) -> None:
    rnd = random.Random(seed)
    nodes = [f"n{i:02d}" for i in range(rnd.randint(8, 40))]
    links: Links = {}
    for _ in range(len(nodes) * 3):
        u, v = rnd.sample(nodes, 2)
        links[(u, v)] = rnd.choice(STRENGTHS)
    unhelpful = set(rnd.sample(nodes[2:], 3))
    def expand(n: str) -> bool:               # a path may end at them, never run through them
        return n not in unhelpful

    sources = {nodes[0]: ["us"], nodes[1]: []}
    bound = -math.log(rnd.choice([0.05, 0.2]))
    reach = _fresh(links, rnd, sources, bound, expand, rnd.sample(nodes, 2))
    for step in range(25):
        changed = []
        for _ in range(rnd.randint(1, 3)):
            if rnd.random() < 0.6 and links:
                pair = rnd.choice(sorted(links))
                if rnd.random() < 0.3:
                    del links[pair]                          # a line removed
                else:
                    links[pair] = rnd.choice(STRENGTHS)      # re-weighted, stronger or weaker
            else:
                pair = tuple(rnd.sample(nodes, 2))           # type: ignore[assignment]
                links[pair] = rnd.choice(STRENGTHS)          # a line added
            changed.append(pair)
        reach.repair(_costs(links, rnd), _costs(links, rnd, forward=False), expand, changed)
        targets = rnd.sample(nodes, rnd.randint(1, 4)) if step % 6 != 5 else None
        reach.run(targets)
        want = _fresh(links, rnd, sources, bound, expand, targets)
        _same(reach, want, targets or nodes, f"step {step}, {changed}")


@pytest.mark.parametrize("seed", range(10))
def test_a_search_stopped_and_resumed_answers_as_one_run_through(seed: int) -> None:
    rnd = random.Random(100 + seed)
    nodes = [f"n{i:02d}" for i in range(30)]
    links: Links = {tuple(rnd.sample(nodes, 2)): rnd.choice(STRENGTHS) for _ in range(90)}  # type: ignore[misc]
    sources: dict[str, list[str]] = {nodes[0]: [], nodes[1]: []}
    whole = _fresh(links, rnd, sources, math.inf, lambda n: True, None)
    pieces = _fresh(links, rnd, sources, math.inf, lambda n: True, [])
    for n in rnd.sample(nodes, len(nodes)):
        pieces.run([n])
        _same(pieces, whole, [n], "resumed")


def test_a_link_of_strength_one_still_lengthens_a_path() -> None:
    """Two people joined both ways by links of strength 1: each is reached through the other's source,
    never in a loop, and the path equations keep one least answer."""
    links = {("s", "a"): 0.5, ("a", "b"): 1.0, ("b", "a"): 1.0}
    reach = _fresh(links, random.Random(1), {"s": []}, math.inf, lambda n: True, None)
    assert reach.path("b") == ["s", "a", "b"] and reach.path("a") == ["s", "a"]
    assert reach.dist["b"] > reach.dist["a"] and reach.strength("b") == pytest.approx(0.5)
