"""The map's Cytoscape.js document (``format=cytoscape``), documented in OpenAPI; and who the map's image
draws (``MapView``).

``rendering.files.cytoscape`` writes it; these models say what a front end may rely on: every element's
``data`` has the fields named here, and the record's own fields flattened to scalars beside them
(``closeness_relationship``, ``title``...: ``rendering.files.flatten``), which differ by record. The
stylesheet (``style``) is Cytoscape.js's own: selectors and property → value.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.models import BuyingRole, EdgeType, NodeKind, Stance

# A flattened field's value: text, a number, a flag.
Scalar = str | float | bool


class Document(BaseModel):
    """Every part of the document is named: a field the export adds must be documented here first."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Flattened(Document):
    """An element's fields: those named, and the record's own fields as scalars."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Scalar] = Field(init=False)


class CytoscapeNodeData(Flattened):
    id: str
    kind: NodeKind
    label: str = Field(description="the name (else the id)")
    map_drawn: bool = Field(description="whether the image draws it (PNG/SVG show at most 150 people)")
    map_label: str | None = Field(None, description="people: name and title, as drawn")
    map_fill: str | None = Field(None, description="people: the fill colour, #rrggbb")
    map_border: str | None = Field(None, description="people: the border colour, #rrggbb")
    map_faded: bool | None = Field(None, description="people: drawn faded (outside the emphasised chain)")
    map_stance: Stance | None = Field(None, description="contacts: the stance drawn (in the chain shown)")
    map_in_chain: bool | None = None
    map_left: bool | None = Field(None, description="contacts: has left the client")
    map_gaps: str | None = Field(None, description="contacts: the numbers of the gaps that concern them, "
                                                   "comma-separated")
    map_role: BuyingRole | None = Field(None, description="contacts: the buying role in the chain shown")
    map_manager: str | None = Field(None, description="contacts: the manager the org chart places them under")


class Position(Document):
    x: float = Field(description="pixels, 100 per inch, as in the image")
    y: float = Field(description="pixels, y down")


class CytoscapeNode(Document):
    data: CytoscapeNodeData
    position: Position
    classes: str = Field(description="space-separated: kind, left, faded, in-chain, the stance, gap")


class CytoscapeEdgeData(Flattened):
    id: str = Field(description="unique among nodes and edges (``edge:`` + the id when a node has it)")
    edge_id: str = Field(description="the relationship's stored id")
    source: str
    target: str
    type: EdgeType
    weight: float | None = Field(None, description="strength, closeness or threat, when it has one")
    map_color: str | None = Field(None, description="the line colour drawn, #rrggbb")
    map_line_style: str | None = Field(None, description="the line style drawn (matplotlib's: -, --, :, -.)")


class CytoscapeEdge(Document):
    data: CytoscapeEdgeData
    classes: str = Field(description="space-separated: the type, faded, not-drawn")


class Elements(Document):
    nodes: list[CytoscapeNode]
    edges: list[CytoscapeEdge]


class MapData(Document):
    account_id: str
    account_name: str | None
    generated_on: str = Field(description="ISO date")
    redacted: bool
    opportunity_id: str | None = Field(None, description="the opportunity whose decision chain is emphasised")


class StyleRule(Document):
    selector: str
    style: dict[str, str | float | list[float]] = Field(description="Cytoscape.js style properties")


class Layout(Document):
    name: Literal["preset"] = Field(description="positions as given (the image's)")


class CytoscapeDocument(Document):
    """Cytoscape.js JSON: ``cy.json(document)`` (or ``cytoscape({...document, container})``) draws it."""

    data: MapData
    elements: Elements
    style: list[StyleRule]
    layout: Layout


class MapViewLine(Document):
    """A line the image draws: a relationship of the map (``source`` → ``target`` as stored), or
    ``REPORTS_TO_SECONDARY``: a reporting line to a second manager (the first is the chart itself)."""

    type: str = Field(description="INFLUENCES, PROMOTED_BY, ALLY, RIVAL, COVERS, MIRRORS, FAVORS or "
                                  "REPORTS_TO_SECONDARY")
    source: str
    target: str


class MapView(Document):
    """Whom the map image (PNG, SVG) of a focus draws — at most ``budget`` people, most important first —
    the lines between them, and what it says it left out: ``GET /v1/accounts/{id}/map-view``, for a front
    end that draws the map itself (the web app does) and wants to draw what the image would."""

    view: Literal["all", "chain", "overview", "department", "around"] = Field(
        description="everyone (they fit), an opportunity's chain and the people around it, the top levels and "
                    "the most influential people, one department, or the people around one contact")
    title: str = Field(description="what the view is called, as the image titles it (empty for everyone)")
    contacts: int = Field(description="the account's contacts")
    in_view: int = Field(description="the people the view holds, drawn or not")
    budget: int = Field(description="the most people one image draws")
    people: list[str] = Field(description="the contacts drawn, most important first (managers before their "
                                          "reports; around one contact, the nearest first)")
    lines: list[MapViewLine] = Field(description="the lines the image draws between them, our team and the "
                                                 "competitors (reporting lines aside: the chart itself): at most "
                                                 "100, those of the decision chain first, then our coverage and the "
                                                 "competitors' support, influence, alliances and rivalries, "
                                                 "stronger first")
    notices: list[str] = Field(description="what the image says it left out and how to ask for it; empty when "
                                           "it draws the whole view")
