"""Graph builders for the scoring tests: tiny hand-built maps and the scenario bundles.

Graphs are in the format of ``graph.projection.account_graph``: a ``MultiDiGraph`` with graph attributes
``account_id`` and ``account``, nodes with ``kind`` and their stored fields, edges keyed by id with
``type`` and their properties.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
