"""The map as a graph file: GraphML, GEXF or Cytoscape.js elements JSON.

Every node and edge of the account's map is written, with its stored fields flattened to scalars
(``closeness`` → ``closeness_relationship``, ``closeness_solution``...; lists joined with commas), the
layout's position (``x``, ``y`` in pixels at 100 per inch, y down, as drawn in the image) and the map's
styling decisions under ``map_*`` (stance, buying role, fill and border colours, gap numbers, faded), so
another tool draws the same picture. Numbers are written as floats, so that every attribute keeps one
type across elements.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import networkx as nx

from rendering.draw import colours
from rendering.labels import LINE_STYLES
from rendering.layout import MapLayout
from rendering.model import MapModel

PIXELS_PER_INCH = 100.0
Scalar = str | float | bool


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Scalar]:
    """Nested fields as scalars: dicts by ``parent_child`` keys, lists joined, numbers as floats.

    >>> flatten({"closeness": {"relationship": 0.3, "price": None}, "ids": ["a", "b"], "n": 4, "ok": True})
    {'closeness_relationship': 0.3, 'ids': 'a,b', 'n': 4.0, 'ok': True}
    """
    out: dict[str, Scalar] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if value is None:
            continue
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}_"))
        elif isinstance(value, list | tuple | set):
            out[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[name] = value
        elif isinstance(value, int | float):
            out[name] = float(value)
        else:
            out[name] = str(value)
    return out


def _position(layout: MapLayout, node: str) -> tuple[float, float]:
    x, y = layout.pos.get(node) or layout.extra.get(node) or (0.0, 0.0)
    return round(x * PIXELS_PER_INCH, 1), round(y * PIXELS_PER_INCH, 1)


def export_graph(model: MapModel, layout: MapLayout) -> nx.MultiDiGraph:
    """The map's graph with flat attributes, positions and styling: the base of every graph file."""
    g = nx.MultiDiGraph()
    g.graph.update({"account_id": model.account_id, "account_name": model.account_name,
                    "generated_on": model.today.isoformat(), "redacted": model.redacted})
    if model.opportunity is not None:
        g.graph["opportunity_id"] = str(model.opportunity["id"])
    for node, data in model.graph.nodes(data=True):
        attrs = flatten(data)
        attrs["label"] = str(data.get("name") or node)
        attrs["x"], attrs["y"] = _position(layout, node)
        person = model.person(node)
        if person is not None:
            fill, edge, _, _ = colours(person)
            attrs.update({"map_fill": fill, "map_border": edge, "map_faded": person.faded})
            if person.kind == "contact":
                attrs.update({"map_stance": person.stance, "map_in_chain": person.in_chain,
                              "map_left": person.left,
                              "map_gaps": ",".join(str(n) for n in person.gaps)})
                if person.role:
                    attrs["map_role"] = person.role
                if node in model.manager:
                    attrs["map_manager"] = model.manager[node]
        attrs["map_drawn"] = node in layout.pos
        g.add_node(node, **attrs)
    for u, v, key, data in model.graph.edges(keys=True, data=True):
        attrs = flatten(data)
        kind = str(data.get("type"))
        attrs["type"] = kind
        for weight in ("strength", "closeness", "threat"):
            if isinstance(data.get(weight), int | float):
                attrs["weight"] = float(data[weight])
                break
        if kind in LINE_STYLES:
            attrs["map_color"], attrs["map_line_style"] = LINE_STYLES[kind]
        g.add_edge(u, v, key=str(key), **attrs)
    return g


def graphml(g: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer, encoding="utf-8", named_key_ids=True)
    return buffer.getvalue()


def gexf(g: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 with ``viz`` positions and colours (y up, as Gephi draws). GEXF reserves an edge's
    ``type`` for directed/undirected, so the relationship type is ``rel_type`` (and the edge label)."""
    out = nx.MultiDiGraph()
    out.graph.update(g.graph)
    for node, data in g.nodes(data=True):
        attrs = dict(data)
        colour = str(data.get("map_fill") or "#cccccc").lstrip("#")
        attrs["viz"] = {"position": {"x": float(data["x"]), "y": -float(data["y"]), "z": 0.0},
                        "color": {"r": int(colour[0:2], 16), "g": int(colour[2:4], 16),
                                  "b": int(colour[4:6], 16), "a": 1.0},
                        "size": 10.0}
        out.add_node(node, **attrs)
    for u, v, key, data in g.edges(keys=True, data=True):
        attrs = {k: val for k, val in data.items() if k != "type"}
        attrs["rel_type"] = data["type"]
        attrs["label"] = data["type"]
        out.add_edge(u, v, key=key, **attrs)
    buffer = io.BytesIO()
    nx.write_gexf(out, buffer, encoding="utf-8", version="1.2draft")
    return buffer.getvalue()


def cytoscape(g: nx.MultiDiGraph) -> bytes:
    """Cytoscape.js elements JSON: ``{"elements": {"nodes": [{"data", "position"}], "edges": [{"data"}]}}``.
    Element ids are unique across nodes and edges (an edge id equal to a node id gets an ``edge:``
    prefix; ``edge_id`` keeps the stored one)."""
    nodes = []
    for node, data in g.nodes(data=True):
        fields = {k: v for k, v in data.items() if k not in ("x", "y")}
        classes = [str(data.get("kind") or "")]
        for flag, name in (("map_left", "left"), ("map_faded", "faded"), ("map_in_chain", "in-chain")):
            if data.get(flag):
                classes.append(name)
        if data.get("map_stance"):
            classes.append(str(data["map_stance"]))
        nodes.append({"data": {"id": str(node), **fields},
                      "position": {"x": data["x"], "y": data["y"]},
                      "classes": " ".join(c for c in classes if c)})
    taken = {str(n) for n in g.nodes}
    edges = []
    for u, v, key, data in g.edges(keys=True, data=True):
        edge_id = str(key) if str(key) not in taken else f"edge:{key}"
        taken.add(edge_id)
        edges.append({"data": {"id": edge_id, "edge_id": str(key), "source": str(u), "target": str(v),
                               **data}, "classes": str(data.get("type") or "")})
    document = {"data": dict(g.graph), "elements": {"nodes": nodes, "edges": edges}}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
