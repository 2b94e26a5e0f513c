"""The map as a graph file: GraphML, GEXF or Cytoscape.js elements JSON.

Every node and edge of the account's map is written, with its stored fields flattened to scalars
(``closeness`` → ``closeness_relationship``, ``closeness_solution``...; lists joined with commas), the
layout's position (``x``, ``y`` in pixels at 100 per inch, y down, as drawn in the image) and the map's
styling decisions under ``map_*`` (stance, buying role, fill and border colours, gap numbers, faded), so
another tool draws the same picture. Numbers are written as floats, so that every attribute keeps one
type across elements. A graph file holds the map's people (everyone, or the view asked for), our team,
the competitors, the account and its opportunities — a team member with no ties included.

User text stays well-formed in every file (see ``rendering.safe``): XML files replace what XML 1.0
cannot hold with U+FFFD and write bidirectional controls as character references, with or without
``lxml``; the JSON escapes them. The Cytoscape.js document carries a stylesheet in Cytoscape.js's own
property names (``STYLESHEET``) that draws the graph as the image does.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import networkx as nx

from rendering.draw import colours
from rendering.labels import COMPETITOR_COLOURS, GAP_COLOUR, LEFT_COLOURS, LINE_STYLES, TEAM_COLOURS
from rendering.layout import MapLayout
from rendering.model import WEIGHED, MapModel, line_weight
from rendering.safe import json_safe, xml_escape_bidi, xml_text

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
    people = model.contacts.keys() | model.team.keys() | model.competitors.keys()
    kept = {n for n, d in model.graph.nodes(data=True)
            if n in people or d.get("kind") not in ("contact", "team_member", "competitor")}
    nodes = [(n, d) for n, d in model.graph.nodes(data=True) if n in kept]
    nodes += [(t, d) for t, d in model.roster.items() if t in model.team]   # our team with no tie here
    for node, data in nodes:
        attrs = flatten(data)
        attrs["label"] = str(data.get("name") or node)
        attrs["x"], attrs["y"] = _position(layout, node)
        person = model.person(node)
        if person is not None:
            attrs["map_label"] = "\n".join(t for t in (person.name, person.title) if t)
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
        if u not in kept or v not in kept:
            continue
        attrs = flatten(data)
        kind = str(data.get("type"))
        attrs["type"] = kind
        if kind in WEIGHED:                      # as thick as the image draws it
            attrs["weight"] = line_weight(model.rules, kind, data)
        if kind in LINE_STYLES:
            attrs["map_color"], attrs["map_line_style"] = LINE_STYLES[kind]
        g.add_edge(u, v, key=str(key), **attrs)
    return g


def _xml_safe(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose ids and string values XML can hold (see ``rendering.safe.xml_text``)."""

    def clean(attrs: Mapping[str, Any]) -> dict[str, Any]:
        return {xml_text(str(k)): xml_text(v) if isinstance(v, str) else v for k, v in attrs.items()}

    out = nx.MultiDiGraph()
    out.graph.update(clean(g.graph))
    for node, data in g.nodes(data=True):
        out.add_node(xml_text(str(node)), **clean(data))
    for u, v, key, data in g.edges(keys=True, data=True):
        out.add_edge(xml_text(str(u)), xml_text(str(v)), key=xml_text(str(key)), **clean(data))
    return out


def graphml(g: nx.MultiDiGraph) -> bytes:
    """GraphML (written with ``lxml`` when it is installed, else with the standard library)."""
    buffer = io.BytesIO()
    nx.write_graphml(_xml_safe(g), buffer, encoding="utf-8", named_key_ids=True)
    return xml_escape_bidi(buffer.getvalue())


def gexf(g: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 with ``viz`` positions and colours (y up, as Gephi draws). GEXF reserves an edge's
    ``type`` for directed/undirected, so the relationship type is ``rel_type`` (and the edge label)."""
    g = _xml_safe(g)
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
    return xml_escape_bidi(buffer.getvalue())


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
        if data.get("map_gaps"):
            classes.append("gap")
        nodes.append({"data": {"id": str(node), **fields},
                      "position": {"x": data["x"], "y": data["y"]},
                      "classes": " ".join(c for c in classes if c)})
    taken = {str(n) for n in g.nodes}
    edges = []
    for u, v, key, data in g.edges(keys=True, data=True):
        edge_id = str(key) if str(key) not in taken else f"edge:{key}"
        taken.add(edge_id)
        faded = g.nodes[u].get("map_faded") and g.nodes[v].get("map_faded")
        edges.append({"data": {"id": edge_id, "edge_id": str(key), "source": str(u), "target": str(v),
                               **data}, "classes": " ".join(c for c in (
                                   str(data.get("type") or ""), "faded" if faded else "",
                                   "" if data.get("type") in LINE_STYLES else "not-drawn") if c)})
    document = {"data": dict(g.graph), "elements": {"nodes": nodes, "edges": edges},
                "style": STYLESHEET, "layout": {"name": "preset"}}
    return json_safe(json.dumps(document, ensure_ascii=False, indent=1)).encode("utf-8")


def _dash(style: str) -> dict[str, Any]:
    if style == "-":
        return {"line-style": "solid"}
    if style == ":":
        return {"line-style": "dotted"}
    return {"line-style": "dashed", "line-dash-pattern": [6, 3] if style == "--" else [8, 3, 2, 3]}


def _edge_styles() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, (colour, style) in LINE_STYLES.items():
        rule: dict[str, Any] = {"line-color": colour, "target-arrow-color": colour, **_dash(style)}
        if kind in ("INFLUENCES", "FAVORS", "REPORTS_TO_SECONDARY"):
            rule["target-arrow-shape"] = "triangle"
        elif kind == "PROMOTED_BY":                    # drawn patron → protégé, as in the image
            rule["source-arrow-shape"] = "triangle"
            rule["source-arrow-color"] = colour
        if kind in ("INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL", "COVERS", "FAVORS"):
            rule["width"] = "mapData(weight, 0, 1, 1, 4)"
        if kind in ("COVERS", "FAVORS"):
            rule["opacity"] = 0.6
        if kind == "REPORTS_TO":                       # the org chart's right-angled connectors
            rule.update({"curve-style": "taxi", "taxi-direction": "upward", "width": 1.3})
        out.append({"selector": f"edge.{kind}", "style": rule})
    return out


# The stylesheet of the Cytoscape.js document: Cytoscape.js property names, the image's colours, sizes
# (pixels at 100 per inch, as the positions), line styles and arrowheads.
STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "shape": "round-rectangle", "width": 195, "height": 74, "background-color": "data(map_fill)",
        "border-color": "data(map_border)", "border-width": 1.3, "label": "data(map_label)",
        "text-wrap": "wrap", "text-max-width": 180, "text-valign": "center", "text-halign": "center",
        "font-size": 13, "color": "#15191d",
        "font-family": "Noto Sans SC, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, "
                       "sans-serif"}},
    {"selector": "node.account, node.opportunity", "style": {
        "shape": "rectangle", "background-color": "#ffffff", "border-color": "#b0bec5", "border-style": "dashed",
        "label": "data(label)"}},
    {"selector": "node.team_member", "style": {"background-color": TEAM_COLOURS[0],
                                               "border-color": TEAM_COLOURS[1]}},
    {"selector": "node.competitor", "style": {"background-color": COMPETITOR_COLOURS[0],
                                              "border-color": COMPETITOR_COLOURS[1]}},
    {"selector": "node.in-chain", "style": {"border-width": 2.2}},
    {"selector": "node.gap", "style": {"outline-color": GAP_COLOUR, "outline-width": 3, "outline-offset": 3}},
    {"selector": "node.left", "style": {"border-style": "dashed", "background-color": LEFT_COLOURS[0],
                                        "border-color": LEFT_COLOURS[1], "color": "#7d858c"}},
    {"selector": "node.faded", "style": {"color": "#8b9399", "opacity": 0.85}},
    {"selector": "edge", "style": {"curve-style": "bezier", "width": 1.5, "arrow-scale": 1.1}},
    {"selector": "edge.not-drawn", "style": {"display": "none"}},       # what the image shows otherwise
    *_edge_styles(),
    {"selector": "edge.faded", "style": {"opacity": 0.25}},
]
