"""Relationship-map rendering: one account's map as an image (PNG, SVG), a multi-page PDF or a graph
file (GraphML, GEXF, Cytoscape.js JSON), with an opportunity's decision chain emphasised, a focus for
large accounts and personal notes optionally left out.

It sits beside ``scoring`` and reads the same cached account map as the analytics
(``Store.account_graph``); ``app`` only speaks HTTP around it. ``render_account_map`` is the entry point
for the API and ``guanxi export``; ``render_map`` does the same from a projected graph;
``render_map_as_of`` draws the map as it stood at a past moment (the API's ``as_of`` and
``guanxi export --as-of``); ``map_view`` says who an image of a projected graph would draw, for front ends that draw the map
themselves (``account_graph``: an account's cached projection). The pipeline:
decide what the map shows (``rendering.model``), which part of it an image can draw
(``rendering.focus``), lay it out (``rendering.layout``), route the lines (``rendering.routing``) and
write the format (``rendering.formats``, the registry of formats); ``rendering.drawings`` keeps what was
drawn for the map it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from graph import history
from graph.collector import collection_paused
from graph.errors import NotFound
from graph.models import NodeKind
from graph.store import Store
from rendering.drawings import Drawings
from rendering.focus import SCOPES, Focus, Shown, shown, validate
from rendering.formats import FORMATS, ExportFormat
from rendering.model import MapError, build_map, check_opportunity, guess_lang
from scoring.options import ScoringOptions

__all__ = ["FORMATS", "SCOPES", "Drawings", "ExportFormat", "Focus", "MapError", "Shown", "account_graph",
           "map_view", "render_account_map", "render_map", "render_map_as_of", "subsidiaries_of"]


def render_map(graph: nx.MultiDiGraph, fmt: str, *, opportunity_id: str | None = None, redact: bool = False,
               lang: str | None = None, today: dt.date | None = None, options: ScoringOptions | None = None,
               focus: Focus | None = None, team: Iterable[Mapping[str, Any]] | None = None,
               subsidiaries: Sequence[tuple[str, str]] = ()) -> bytes:
    """The map of one account's projected graph in ``fmt`` (a name in ``FORMATS``).

    ``opportunity_id`` (one of the account's, see ``check_opportunity``) colours stances and badges roles
    from that opportunity's decision chain and fades everyone else; ``redact`` leaves personal notes and
    entrenched interests out of every format; ``lang`` (``en`` or ``zh-CN``) is the language of the
    legend and gap texts, by default that of the account's names; ``focus`` chooses the people shown;
    ``team`` is our roster (``Store.team_roster``): every member is drawn, and the gaps' actions name whom
    the analytics name; ``subsidiaries`` (``subsidiaries_of``): for an account with no people of its own,
    the subsidiaries whose maps hold them, named on the image.
    Raises ``MapError`` for an unknown format or a focus that cannot be served.
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        raise MapError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", ["query", "format"])
    # A map is tens of thousands of short-lived objects, none in a cycle (boxes, routes, shapes): the
    # cyclic collector is held off while it is drawn, as during an import, instead of running dozens of
    # young collections and now and then a full one over everything the process holds (the 1,000-person
    # PDF: 40 collections, 0.04 s a render on average). What became garbage is collected after.
    with collection_paused():
        model = build_map(graph, opportunity_id=opportunity_id, redacted=redact, lang=lang, today=today,
                          options=options, roster=team)
        model.subsidiaries = list(subsidiaries)
        return spec.render(model, validate(model, focus or Focus()))


def render_account_map(store: Store, account_id: str, fmt: str, *, opportunity_id: str | None = None,
                       redact: bool = False, lang: str | None = None, today: dt.date | None = None,
                       options: ScoringOptions | None = None, focus: Focus | None = None,
                       drawings: Drawings | None = None) -> tuple[bytes, str]:
    """The account's map in ``fmt``, from the store's cached projection: the bytes and their media type.
    With ``drawings``, the same request about an unchanged map is sent as it was last drawn.

    Raises ``graph.errors.NotFound`` for an unknown account or opportunity and ``MapError`` for an
    opportunity of another account, an unknown format or a focus that cannot be served.
    """
    if fmt not in FORMATS:
        raise MapError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", ["query", "format"])
    graph = account_graph(store, account_id, opportunity_id)

    subsidiaries = subsidiaries_of(store, graph)

    def draw() -> bytes:
        return render_map(graph, fmt, opportunity_id=opportunity_id, redact=redact, lang=lang, today=today,
                          options=options, focus=focus, team=store.team_roster(graph), subsidiaries=subsidiaries)

    request = (fmt, opportunity_id, redact, lang, today, options, focus, subsidiaries)
    data = draw() if drawings is None else drawings.drawn(graph, request, draw)
    return data, FORMATS[fmt].media_type


def render_map_as_of(store: Store, account_id: str, fmt: str, as_of: str, *, opportunity_id: str | None = None,
                     redact: bool = False, lang: str | None = None, options: ScoringOptions | None = None,
                     focus: Focus | None = None) -> tuple[bytes, str, str]:
    """The account's map as it stood at ``as_of`` (a store timestamp, ``graph.models.moment``) in ``fmt``,
    judged on that day (a contact not met for months then, a gap then): the bytes, their media type and
    the language of their text. Raises as ``account_graph`` does, and ``MapError`` for an unknown format or
    a focus that cannot be served."""
    if fmt not in FORMATS:
        raise MapError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", ["query", "format"])
    graph = account_graph(store, account_id, opportunity_id, as_of)
    data = render_map(graph, fmt, opportunity_id=opportunity_id, redact=redact, lang=lang,
                      today=dt.date.fromisoformat(as_of[:10]), options=options, focus=focus,
                      team=store.team_roster(graph), subsidiaries=subsidiaries_of(store, graph))
    return data, FORMATS[fmt].media_type, lang or guess_lang(graph)


def map_view(graph: nx.MultiDiGraph, *, opportunity_id: str | None = None, lang: str | None = None,
             today: dt.date | None = None, options: ScoringOptions | None = None,
             focus: Focus | None = None, team: Iterable[Mapping[str, Any]] | None = None,
             subsidiaries: Sequence[tuple[str, str]] = ()) -> Shown:
    """Who the map image (PNG, SVG) of a projected graph draws for ``focus``, most important first, and
    what it says it left out: for a front end that draws the map itself. Raises ``MapError`` for a focus
    that cannot be served."""
    with collection_paused():
        model = build_map(graph, opportunity_id=opportunity_id, lang=lang, today=today, options=options, roster=team)
        model.subsidiaries = list(subsidiaries)
        return shown(model, focus or Focus())


def subsidiaries_of(store: Store, graph: nx.MultiDiGraph) -> tuple[tuple[str, str], ...]:
    """The accounts whose parent is the account of ``graph`` (id, name; by name), read only when it has no
    people of its own (a group whose people are filed under its subsidiaries); else none. Read afresh for
    each request (a subsidiary's writes are not news of the group's map), and part of a kept drawing's key."""
    if any(kind == "contact" for _, kind in graph.nodes(data="kind")):
        return ()
    account_id = str(graph.graph.get("account_id"))
    children = store.backend.read(lambda tx: tx.nodes_of_accounts([account_id]))
    found = [(r.id, str(r.data.get("name") or r.id)) for r in children
             if r.kind == NodeKind.account and r.data.get("parent_id") == account_id]
    return tuple(sorted(found, key=lambda s: (s[1], s[0])))


def account_graph(store: Store, account_id: str, opportunity_id: str | None,
                  as_of: str | None = None) -> nx.MultiDiGraph:
    """The account's cached projection, or (``as_of``) its map as it stood then, replayed. The same
    answer about ``opportunity_id`` at every moment: ``MapError`` (a 422 naming it) when it is another
    account's deal, or another kind of record on this map; ``NotFound`` when there is no such deal (a
    record of another kind elsewhere included), or it was not on the account's map then."""
    graph = store.account_graph(account_id) if as_of is None else history.account_graph_as_of(store, account_id,
                                                                                             as_of)
    if opportunity_id is not None and not check_opportunity(graph, opportunity_id):
        # Not in this account's map: tell apart a missing opportunity from another account's.
        other = store.get_node(NodeKind.opportunity, opportunity_id)
        if other.account_id == account_id:
            raise NotFound("opportunity at this account", opportunity_id, then=f"at {as_of}")
        raise MapError(f"opportunity {opportunity_id!r} belongs to account {other.account_id!r}, "
                       f"not to {account_id!r}", ["query", "opportunity_id"])
    return graph
