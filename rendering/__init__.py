"""Relationship-map export: one account's map as an image (PNG, SVG) or a graph file (GraphML, GEXF,
Cytoscape.js JSON), with an opportunity's decision chain emphasised and personal notes optionally left out.

``render_account_map`` is the one entry point (the HTTP route and ``guanxi export`` both call it): it
loads the account's subgraph in one store call, projects it with ``graph.projection.account_graph``,
decides what the map shows (``rendering.model``), lays it out (``rendering.layout``) and writes the format.
"""

from __future__ import annotations

import datetime as dt

from rendering.model import MapError, build_map, check_opportunity
from graph.models import NodeKind
from graph.projection import account_graph
from graph.store import Store
from scoring.options import ScoringOptions

__all__ = ["FORMATS", "MEDIA_TYPES", "MapError", "render_account_map"]

MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "cytoscape": "application/json",
}
FORMATS = tuple(MEDIA_TYPES)
EXTENSIONS = {"png": "png", "svg": "svg", "graphml": "graphml", "gexf": "gexf", "cytoscape": "json"}


def render_account_map(store: Store, account_id: str, fmt: str, *, opportunity_id: str | None = None,
                       redact: bool = False, lang: str | None = None, today: dt.date | None = None,
                       options: ScoringOptions | None = None) -> tuple[bytes, str]:
    """The account's relationship map in ``fmt`` (one of ``FORMATS``): the bytes and their media type.

    ``opportunity_id`` colours stances and badges roles from that opportunity's decision chain and fades
    everyone else; ``redact`` leaves personal notes and entrenched interests out of every format;
    ``lang`` (``en`` or ``zh-CN``) is the language of the legend and gap texts, by default that of the
    account's names. Raises ``graph.errors.NotFound`` for an unknown account or opportunity and
    ``MapError`` for an opportunity of another account or an unknown format.
    """
    if fmt not in MEDIA_TYPES:
        raise MapError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", ["query", "format"])
    graph = account_graph(store.account_subgraph(account_id))
    if opportunity_id is not None and not check_opportunity(graph, opportunity_id):
        # Not in this account's map: tell apart a missing opportunity from another account's.
        other = store.get_node(NodeKind.opportunity, opportunity_id)
        raise MapError(f"opportunity {opportunity_id!r} belongs to account {other.account_id!r}, "
                       f"not to {account_id!r}", ["query", "opportunity_id"])
    model = build_map(graph, opportunity_id=opportunity_id, redacted=redact, lang=lang, today=today,
                      options=options)
    from rendering.layout import layout_map

    layout = layout_map(model)
    if fmt in ("png", "svg"):
        from rendering.draw import render_image

        return render_image(model, layout, fmt), MEDIA_TYPES[fmt]
    from rendering import files

    graph_file = files.export_graph(model, layout)
    writer = {"graphml": files.graphml, "gexf": files.gexf, "cytoscape": files.cytoscape}[fmt]
    return writer(graph_file), MEDIA_TYPES[fmt]
