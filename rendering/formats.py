"""The one registry of map export formats: name → media type, file extension, what it is, and the
function that renders it. The API's ``format`` enum, the CLI's ``--format`` choices, the media types of
the answers and the README's table of formats all come from ``FORMATS``.

>>> list(FORMATS)
['png', 'svg', 'pdf', 'graphml', 'gexf', 'cytoscape']
>>> FORMATS["cytoscape"].media_type, FORMATS["cytoscape"].extension
('application/json', 'json')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rendering.focus import Focus, focused, restrict, view_of
from rendering.model import MapModel

Renderer = Callable[[MapModel, Focus], bytes]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    description: str          # one line, for the API's docs, the CLI's help and the README
    render: Renderer


def _image(fmt: str) -> Renderer:
    def render(model: MapModel, focus: Focus) -> bytes:
        from rendering.draw import render_image
        from rendering.layout import layout_map

        shown = focused(model, focus)
        return render_image(shown, layout_map(shown), fmt)

    return render


def _pdf(model: MapModel, focus: Focus) -> bytes:
    from rendering.pdf import render_pdf

    return render_pdf(model, focus)


def graph_model(model: MapModel, focus: Focus) -> MapModel:
    """What a graph file holds: everyone, or the people of the view asked for (no budget: graph files
    are read by tools, not people)."""
    if focus.scope is None:
        return model
    view = view_of(model, focus, budget=len(model.contacts))
    return restrict(model, view.order)


def _graph(writer: str) -> Renderer:
    def render(model: MapModel, focus: Focus) -> bytes:
        from rendering import files
        from rendering.layout import layout_map

        scoped = graph_model(model, focus)
        graph = files.export_graph(scoped, layout_map(scoped, undrawn=True))
        write: Callable[..., bytes] = getattr(files, writer)
        return write(graph)

    return render


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("png", "image/png", "png", "image: the org chart with influence lines, stances, roles, "
                 "coverage and gaps (at most 150 people; says what it left out)", _image("png")),
    ExportFormat("svg", "image/svg+xml", "svg", "the same image as SVG, text kept as text", _image("svg")),
    ExportFormat("pdf", "application/pdf", "pdf", "the whole account (or the scope asked for): a contents "
                 "page, an overview, then one department or subtree per page, cross-page links named", _pdf),
    ExportFormat("graphml", "application/graphml+xml", "graphml", "GraphML for yEd, Gephi or NetworkX: every "
                 "node and edge with its fields, positions and map styling", _graph("graphml")),
    ExportFormat("gexf", "application/gexf+xml", "gexf", "GEXF 1.2 for Gephi, with positions and colours",
                 _graph("gexf")),
    ExportFormat("cytoscape", "application/json", "json", "Cytoscape.js elements with positions and a "
                 "stylesheet that draws it as the image does", _graph("cytoscape")),
)}
