"""Graph builders for the scoring tests: tiny hand-built maps and the scenario bundles.

Graphs are in the format of ``graph.projection.account_graph``: a ``MultiDiGraph`` with graph attributes
``account_id`` and ``account``, nodes with ``kind`` and their stored fields, edges keyed by id with
``type`` and their properties.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import networkx as nx
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SECTIONS = {"accounts": "account", "contacts": "contact", "team": "team_member", "competitors": "competitor",
            "opportunities": "opportunity"}


class MapBuilder:
    """A fluent builder of small account graphs.

    >>> g = MapBuilder().contact("a").contact("b").edge("REPORTS_TO", "a", "b").build()
    """

    def __init__(self, account_id: str = "acc", **account: Any) -> None:
        self.g = nx.MultiDiGraph(account_id=account_id, account={"id": account_id, "name": account_id,
                                                                 **account})
        self.g.add_node(account_id, kind="account", name=account_id, **account)
        self._n = 0

    def contact(self, cid: str, **data: Any) -> MapBuilder:
        data.setdefault("name", cid)
        data.setdefault("status", "active")
        data.setdefault("account_id", self.g.graph["account_id"])
        self.g.add_node(cid, kind="contact", **data)
        return self

    def contacts(self, *ids: str, **data: Any) -> MapBuilder:
        for cid in ids:
            self.contact(cid, **data)
        return self

    def team(self, tid: str, **data: Any) -> MapBuilder:
        data.setdefault("name", tid)
        self.g.add_node(tid, kind="team_member", **data)
        return self

    def competitor(self, kid: str, **data: Any) -> MapBuilder:
        data.setdefault("name", kid)
        self.g.add_node(kid, kind="competitor", **data)
        return self

    def opportunity(self, oid: str, **data: Any) -> MapBuilder:
        data.setdefault("name", oid)
        data.setdefault("account_id", self.g.graph["account_id"])
        self.g.add_node(oid, kind="opportunity", **data)
        return self

    def edge(self, etype: str, source: str, target: str, **props: Any) -> MapBuilder:
        self._n += 1
        self.g.add_edge(source, target, key=f"e{self._n}", type=etype, **props)
        return self

    def member(self, contact: str, opportunity: str, role: str, stance: str = "unknown", influence: int = 3,
               **props: Any) -> MapBuilder:
        return self.edge("MEMBER_OF", contact, opportunity, role=role, stance=stance, influence=influence,
                         **props)

    def build(self) -> nx.MultiDiGraph:
        return self.g


def bundle_graph(bundle: dict[str, Any], account_id: str) -> nx.MultiDiGraph:
    """A test-only converter: an import bundle → the projection's MultiDiGraph for one account."""
    account = next(a for a in bundle["accounts"] if a["id"] == account_id)
    g = nx.MultiDiGraph(account_id=account_id, account=dict(account))
    for section, kind in SECTIONS.items():
        for row in bundle.get(section, []):
            g.add_node(row["id"], kind=kind, **{k: v for k, v in row.items() if k != "id"})
    for i, rel in enumerate(bundle.get("relationships", [])):
        props = {k: v for k, v in rel.items() if k not in ("id", "type", "source", "target")}
        g.add_edge(rel["source"], rel["target"], key=rel.get("id", f"r{i}"), type=rel["type"], **props)
    for i, row in enumerate(bundle.get("decision_chain", [])):
        props = {k: v for k, v in row.items() if k not in ("opportunity_id", "contact_id")}
        g.add_edge(row["contact_id"], row["opportunity_id"], key=f"m{i}", type="MEMBER_OF", **props)
    return g


def load_bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def mapb() -> type[MapBuilder]:
    """The builder class: ``mapb().contact("a")...build()``."""
    return MapBuilder


@pytest.fixture
def furniture_graph() -> nx.MultiDiGraph:
    return bundle_graph(load_bundle("furniture"), "gzf")


@pytest.fixture
def handset_graph() -> nx.MultiDiGraph:
    return bundle_graph(load_bundle("handset"), "hs-tj")


# ---------------------------------------------------------------------- an independent oracle
STANCE = {"champion": 1.0, "supporter": 0.5, "neutral": 0.0, "skeptic": -0.5, "opponent": -1.0, "unknown": 0.0}
ROLE = {"decision_maker": 1.0, "economic_buyer": 1.0, "technical_evaluator": 0.6, "business_user": 0.5,
        "procurement": 0.5, "influencer": 0.4, "coach": 0.3, "gatekeeper": 0.3}


def oracle_support(g: nx.MultiDiGraph, opportunity: str, overrides: dict[str, float] | None = None,
                   competitor: str | None = None, alpha: float = 0.3, rounds: int = 2) -> float:
    """Chain support re-computed the slow, obvious way from DESIGN.md, with no code from ``scoring``:
    influence weights from the raw edges, stances propagated round by round over every contact,
    then Σ weight·s̃ / Σ weight. ``overrides`` sets some people's stance (e.g. to a champion's 1.0)."""
    active = {n for n, d in g.nodes(data=True) if d.get("kind") == "contact" and d.get("status") != "left"}
    survive: dict[tuple[str, str], float] = {}
    rival: dict[tuple[str, str], float] = {}

    def add(table: dict[tuple[str, str], float], a: str, b: str, w: float) -> None:
        table[(a, b)] = table.get((a, b), 1.0) * (1.0 - w)

    for u, v, d in g.edges(data=True):
        if u not in active or v not in active:
            continue
        t, s = d["type"], d.get("strength", 0.5)
        if t == "INFLUENCES":
            add(survive, u, v, s)
        elif t == "REPORTS_TO":
            add(survive, v, u, 0.7)
            add(survive, u, v, 0.3)
        elif t == "PROMOTED_BY":
            add(survive, v, u, 0.8)
            add(survive, u, v, 0.4)
        elif t == "ALLY":
            add(survive, u, v, s)
            add(survive, v, u, s)
        elif t == "RIVAL":
            add(rival, u, v, s)
            add(rival, v, u, s)
    incoming: dict[str, list[tuple[str, float]]] = {c: [] for c in active}
    for (a, b), q in survive.items():
        if q < 1.0:
            incoming[b].append((a, 1.0 - q))
    for (a, b), q in rival.items():
        if q < 1.0:
            incoming[b].append((a, -(1.0 - q)))

    opp = g.nodes[opportunity]
    criteria = opp.get("criteria") or {}
    weights: dict[str, float] = {}
    stance = dict.fromkeys(active, 0.0)
    for u, v, d in g.edges(data=True):
        if d["type"] == "MEMBER_OF" and v == opportunity and u in active:
            w = ROLE[d["role"]] * d.get("influence", 3) / 5
            if sum(criteria.values()) > 0:
                if d["role"] == "technical_evaluator":
                    w *= 2 * criteria.get("technical", 0)
                elif d["role"] == "procurement":
                    w *= 2 * criteria.get("price", 0)
            weights[u] = w
            if competitor is None:
                stance[u] = STANCE[d.get("stance", "unknown")]
    if competitor is not None:
        for u, v, d in g.edges(data=True):
            if d["type"] == "FAVORS" and v == competitor and u in active:
                stance[u] = max(stance[u], d.get("strength", 0.5))
    stance.update(overrides or {})
    for _ in range(rounds):
        nxt = {}
        for c in active:
            pairs = incoming[c]
            if not pairs:
                nxt[c] = stance[c]
                continue
            mean = sum(w * stance[u] for u, w in pairs) / sum(abs(w) for _, w in pairs)
            nxt[c] = (1 - alpha) * stance[c] + alpha * mean
        stance = nxt
    total = sum(weights.values())
    return sum(w * stance[c] for c, w in weights.items()) / total if total else 0.0


def random_map(seed: int, n: int = 14) -> nx.MultiDiGraph:
    """A small random account map with every edge kind, left contacts, a chain and a competitor."""
    import random

    rnd = random.Random(seed)
    b = MapBuilder()
    ids = [f"c{i}" for i in range(n)]
    levels = ["executive", "vp", "director", "manager", "staff"]
    for c in ids:
        left = rnd.random() < 0.12
        b.contact(c, status="left" if left else "active", level=rnd.choice(levels),
                  department=rnd.choice(["it", "finance", "ops", "design"]), knows_us=rnd.random() < 0.5)
    b.team("t1", role="sales", level="manager").team("t2", role="executive", level="vp").competitor("k1")
    b.opportunity("o1", criteria=rnd.choice([{}, {"technical": 0.5, "price": 0.3, "service": 0.2}]),
                  competitor_ids=["k1"])
    b.opportunity("o2")
    for _ in range(3 * n):
        u, v = rnd.sample(ids, 2)
        kind = rnd.choice(["INFLUENCES", "REPORTS_TO", "PROMOTED_BY", "ALLY", "RIVAL", "INFLUENCES"])
        props = {} if kind in ("REPORTS_TO", "PROMOTED_BY") or rnd.random() < 0.2 else \
            {"strength": round(rnd.uniform(0.05, 1.0), 2)}
        b.edge(kind, u, v, **props)
    for c in rnd.sample(ids, n // 2):
        b.member(c, "o1", rnd.choice(sorted(ROLE)), rnd.choice(sorted(STANCE)), rnd.randint(1, 5))
    for c in rnd.sample(ids, 3):
        b.member(c, "o2", "influencer", "champion", 3)
    for c in rnd.sample(ids, 4):
        b.edge("COVERS", rnd.choice(["t1", "t2"]), c, closeness=round(rnd.uniform(0.1, 1), 2))
    for c in rnd.sample(ids, 3):
        b.edge("FAVORS", c, "k1", strength=round(rnd.uniform(0.1, 1), 2))
    for c in rnd.sample(ids, 3):
        b.edge("HAS_INTEREST", c, rnd.choice(["o1", "k1", "o2"]), kind="kickback",
               threat=round(rnd.uniform(0, 1), 2))
    return b.build()


class Oracle(Protocol):
    """The type of the ``oracle`` fixture (``oracle_support``)."""

    def __call__(self, g: nx.MultiDiGraph, opportunity: str, overrides: dict[str, float] | None = None,
                 competitor: str | None = None, alpha: float = 0.3, rounds: int = 2) -> float: ...


class RandomMap(Protocol):
    """The type of the ``random_graph`` fixture (``random_map``)."""

    def __call__(self, seed: int, n: int = 14) -> nx.MultiDiGraph: ...


@pytest.fixture
def oracle() -> Oracle:
    return oracle_support


@pytest.fixture
def random_graph() -> RandomMap:
    return random_map
