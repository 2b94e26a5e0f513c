"""Lines on the map and the change map stay readable: two lines into one box end at different points, each
with its arrowhead; a change map's marks (highlighter bands, lost-line dots) keep clear of every box and
badge they do not end at; a re-weighted line is marked, with its old and new weight, and the legend says
so in both languages; the change map's legend covers nothing the page draws (the competitor column's
header among them). Checked on the routed scene, after the edits of a review of the handset maker and of
the furniture maker."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rendering import change_map
from rendering.change_map import BAND, MARKS, NEW_LINE, REWEIGHTED, legend_place
from rendering.draw import BADGES, BOXES, HEADS, MapPage, drawn_direction, map_page, route_lines
from rendering.focus import Focus, focused
from rendering.layout import layout_map
from rendering.model import build_map
from rendering.routing import Rect, rounded_corners
from rendering.scene import Box, Line, Polygon, Scene, Text, footprint
from tests.conftest import bundle
from tests.maps.conftest import fetch

Point = tuple[float, float]
MARGIN = 0.05        # inches a mark keeps beyond its half-width from any box or badge it does not end at


def _ok(response: Any) -> None:
    assert response.status_code in (200, 201), response.text


def _handset(client: TestClient) -> str:
    """The handset account, a review, then: David Ng unknown → neutral (and knows us), Karen Wu added
    under him, a new line Mark Tan → David Ng (0.6), 刘厂长 → David Ng re-weighted 0.4 → 0.7, Ms. Lim
    left. The review's id."""
    _ok(client.post("/v1/import", json=bundle("handset")))
    review = client.post("/v1/accounts/hs-tj/reviews", json={"title": "Q4", "opportunity_ids": ["hs-platform"]})
    _ok(review)
    _ok(client.patch("/v1/opportunities/hs-platform/decision-chain/members/hs-purch", json={"stance": "neutral"}))
    _ok(client.patch("/v1/contacts/hs-purch", json={"knows_us": True}))
    _ok(client.post("/v1/contacts", json={"id": "hs-purch-dir", "account_id": "hs-tj", "name": "Karen Wu",
                                          "title": "Director, Strategic Sourcing", "department": "procurement",
                                          "level": "director"}))
    _ok(client.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "hs-purch-dir", "target": "hs-purch"}))
    _ok(client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "hs-vp-ops", "target": "hs-purch",
                                               "strength": 0.6}))
    _ok(client.patch("/v1/contacts/hs-hr", json={"status": "left", "left_at": "2026-12-06"}))
    _ok(client.patch("/v1/relationships/INFLUENCES:hs-plant:hs-purch", json={"strength": 0.7}))
    return str(review.json()["id"])


def _furniture(client: TestClient) -> str:
    """The furniture account, a review, then: 林晓 to supporter, 陈静 added reporting to her, 王磊 now
    covers her, 郑浩 influences 何丽 (0.5), 赵明 left, and the FAVORS line 黄伟 → the incumbent lost."""
    _ok(client.post("/v1/import", json=bundle("furniture")))
    review = client.post("/v1/accounts/gzf/reviews", json={"title": "Q4", "opportunity_ids": ["gzf-upgrade"]})
    _ok(review)
    _ok(client.patch("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-design", json={"stance": "supporter"}))
    _ok(client.post("/v1/contacts", json={"id": "gzf-designer", "account_id": "gzf", "name": "陈静",
                                          "title": "高级设计师", "department": "design", "level": "staff"}))
    _ok(client.post("/v1/relationships", json={"type": "REPORTS_TO", "source": "gzf-designer",
                                               "target": "gzf-design"}))
    _ok(client.post("/v1/relationships", json={"type": "COVERS", "source": "us-rep", "target": "gzf-design",
                                               "closeness": 0.6}))
    _ok(client.post("/v1/relationships", json={"type": "INFLUENCES", "source": "gzf-salesvp", "target": "gzf-cfo",
                                               "strength": 0.5}))
    _ok(client.patch("/v1/contacts/gzf-it", json={"status": "left", "left_at": "2026-12-06"}))
    assert client.delete("/v1/relationships/FAVORS:gzf-coo:incumbent").status_code == 204
    return str(review.json()["id"])


def _change_page(client: TestClient, monkeypatch: pytest.MonkeyPatch, account: str, fmt: str = "svg",
                 **params: str) -> MapPage:
    """The page of the change map the API draws for ``params`` (its scene, routes and frame)."""
    pages: list[MapPage] = []
    real = map_page

    def spy(*args: Any, **kwargs: Any) -> Any:
        page, dpi = real(*args, **kwargs)
        pages.append(page)
        return page, dpi

    monkeypatch.setattr(change_map, "map_page", spy)
    fetch(client, account, fmt, **params)
    monkeypatch.setattr(change_map, "map_page", real)
    assert len(pages) == 1
    return pages[0]


def _shapes(scene: Scene, *, group: str | None = None, layer: float | None = None) -> Iterator[Any]:
    for at, shapes in scene.ordered():
        if (group is None or scene.groups.get(at) == group) and (layer is None or at == layer):
            yield from shapes


def _distance(a: Point, b: Point, rect: Rect) -> float:
    """The distance from segment a–b to a rectangle (0 when they meet): the segments here run along x or
    y, or are short pieces of a corner's curve, so sampling them finely is exact enough."""
    x0, y0, x1, y1 = rect
    n = max(1, int(math.hypot(b[0] - a[0], b[1] - a[1]) / 0.005))
    best = math.inf
    for k in range(n + 1):
        x, y = a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n
        best = min(best, math.hypot(max(x0 - x, 0.0, x - x1), max(y0 - y, 0.0, y - y1)))
    return best


def _touches(point: Point, rect: Rect) -> bool:
    return rect[0] - 1e-6 <= point[0] <= rect[2] + 1e-6 and rect[1] - 1e-6 <= point[1] <= rect[3] + 1e-6


def _rect(box: Box) -> Rect:
    return box.x, box.y, box.x + box.w, box.y + box.h


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ------------------------------------------------------------------------------ lines into one box


def _arrivals(routed: list[Any]) -> dict[str, list[tuple[str, list[Point]]]]:
    into: dict[str, list[tuple[str, list[Point]]]] = {}
    for line, route in routed:
        into.setdefault(drawn_direction(line)[1], []).append((line.type, route.points))
    return into


def _apart(first: list[Point], second: list[Point]) -> float:
    """How far apart two routes' last runs (the approach to their box) are at the closest."""
    (a, b), (c, d) = first[-2:], second[-2:]
    rect = (min(c[0], d[0]), min(c[1], d[1]), max(c[0], d[0]), max(c[1], d[1]))
    return _distance(a, b, rect)


@pytest.mark.parametrize("account", ["hs-tj", "gzf"])
def test_lines_into_one_box_end_apart_on_the_map(client: TestClient, account: str) -> None:
    # Fails when two lines share a box's port: they end at one point and the later runs under the
    # earlier one (刘厂长 → David Ng joined Mark Tan → David Ng, one arrowhead for both).
    (_handset if account == "hs-tj" else _furniture)(client)
    graph = client.app.state.store.account_graph(account)  # type: ignore[attr-defined]
    for opportunity in ({"hs-tj": "hs-platform", "gzf": "gzf-upgrade"}[account], None):
        model = focused(build_map(graph, opportunity_id=opportunity), Focus())
        layout = layout_map(model)
        routed = route_lines(model, layout)
        into = _arrivals(routed)
        if account == "hs-tj":
            assert sorted(kind for kind, _ in into["hs-purch"]) == ["INFLUENCES", "INFLUENCES"]
        shared = 0
        for box, lines in into.items():
            for (_, first), (_, second) in itertools.combinations(lines, 2):
                assert first[-1] != second[-1], (box, "two lines end at one point")
                assert _apart(first, second) >= 0.15, (box, first[-2:], second[-2:])
                shared += 1
        assert shared >= 1


def test_each_line_into_a_box_keeps_its_arrowhead_on_the_change_map(client: TestClient,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    review = _handset(client)
    page = _change_page(client, monkeypatch, "hs-tj", since=review, opportunity_id="hs-platform")
    ends = [page.map.at(*route.points[-1]) for line, route in page.routes
            if line.type == "INFLUENCES" and route.target == "hs-purch"]
    assert len(ends) == 2 and math.dist(*ends) >= 0.15 * page.map.s
    tips = [shape.points[0] for shape in _shapes(page.scene, layer=HEADS) if isinstance(shape, Polygon)]
    for end in ends:
        assert any(math.dist(end, tip) < 1e-6 for tip in tips), ("no arrowhead at", end)
    # and the marks follow those two lines, apart: the new one green, the re-weighted one yellow
    marks = {shape.colour: shape.points for group in ("changed-lines", "reweighted-lines")
             for shape in _shapes(page.scene, group=group) if isinstance(shape, Line)}
    assert set(marks) == {NEW_LINE, REWEIGHTED}
    assert {marks[NEW_LINE][-1], marks[REWEIGHTED][-1]} == set(ends)


# ------------------------------------------------------------------------------ marks keep clear


@pytest.mark.parametrize("account, opportunity", [("gzf", "gzf-upgrade"), ("gzf", None), ("hs-tj", "hs-platform")])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_marks_keep_clear_of_boxes_and_badges(client: TestClient, monkeypatch: pytest.MonkeyPatch, account: str,
                                              opportunity: str | None, lang: str) -> None:
    # Every mark's polyline (corners rounded as drawn) keeps its half-width and a margin from every box it
    # does not end at and from every badge. Fails when a band follows a line at the map's clearance: 王磊 →
    # 林晓's band ran along the bottoms of 赵明's and 刘建国's boxes and over the "interest: job threat" badge.
    review = (_handset if account == "hs-tj" else _furniture)(client)
    client.headers["Accept-Language"] = lang
    params = {"since": review, **({"opportunity_id": opportunity} if opportunity else {})}
    page = _change_page(client, monkeypatch, account, **params)
    s = page.map.s
    boxes = [_rect(b) for b in _shapes(page.scene, layer=BOXES) if isinstance(b, Box)]
    badges = [_rect(b) for b in _shapes(page.scene, layer=BADGES) if isinstance(b, Box)]
    assert len(boxes) >= 9 and badges
    marks = [m for group in ("changed-lines", "reweighted-lines") for m in _shapes(page.scene, group=group)]
    assert len(marks) >= (3 if account == "gzf" else 2)
    closest = math.inf
    for mark in marks:
        assert isinstance(mark, Line)
        points = rounded_corners(list(mark.points), mark.radius)
        ends = [r for r in boxes if _touches(mark.points[0], r) or _touches(mark.points[-1], r)]
        assert len(ends) == 2, "a mark runs from one box's border to another's"
        need = mark.width / 144.0 + MARGIN * s
        for rect in [*(r for r in boxes if r not in ends), *badges]:
            for a, b in itertools.pairwise(points):
                gap = _distance(a, b, rect)
                closest = min(closest, gap / s)
                assert gap >= need - 1e-6, (mark.colour, a, b, rect, gap, need)
    assert closest >= BAND / 144.0 + MARGIN - 1e-6


# ------------------------------------------------------------------------------ re-weighted lines


@pytest.mark.parametrize("lang, entry", [("en", "line re-weighted (old → new)"), ("zh-CN", "关系强度变化（原 → 现）")])
def test_a_reweighted_line_is_marked_with_its_weights(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                      lang: str, entry: str) -> None:
    review = _handset(client)
    client.headers["Accept-Language"] = lang
    page = _change_page(client, monkeypatch, "hs-tj", since=review, opportunity_id="hs-platform")
    route = next(r for line, r in page.routes if line.type == "INFLUENCES" and r.source == "hs-plant")
    marked = [m for m in _shapes(page.scene, group="reweighted-lines") if isinstance(m, Line)]
    assert len(marked) == 1 and marked[0].colour == REWEIGHTED
    assert list(marked[0].points) == [page.map.at(*p) for p in route.points]     # along the line itself
    label = next(t for t in _shapes(page.scene) if isinstance(t, Text) and t.text == "0.4 → 0.7")
    assert min(_distance(a, b, (label.x, label.y, label.x, label.y))
               for a, b in itertools.pairwise(marked[0].points)) < 0.01          # on it
    legend = [t.text for t in _shapes(page.scene, group="change-legend-items") if isinstance(t, Text)]
    assert entry in legend
    # a re-weighted line is not counted as new
    new = [m for m in _shapes(page.scene, group="changed-lines") if isinstance(m, Line) and m.colour == NEW_LINE]
    assert len(new) == 1


# ------------------------------------------------------------------------------ the legend


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
@pytest.mark.parametrize("lang, header", [("en", "Competitors"), ("zh-CN", "竞争对手")])
def test_the_change_maps_legend_covers_nothing(client: TestClient, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                               lang: str, header: str) -> None:
    # Fails when the legend sits in the page's top right corner over the competitor column's header.
    review = _furniture(client)
    client.headers["Accept-Language"] = lang
    page = _change_page(client, monkeypatch, "gzf", fmt, since=review, opportunity_id="gzf-upgrade")
    legend = [b for b in _shapes(page.scene, layer=MARKS + 1) if isinstance(b, Box)]      # its frame
    assert len(legend) == 1
    area = _rect(legend[0])
    own = {MARKS + 1, MARKS + 2}                                                        # its layers
    assert any(isinstance(t, Text) and t.text == header for t in _shapes(page.scene))
    for at, shapes in page.scene.ordered():
        if at in own:
            continue
        for shape in shapes:
            parts = footprint(shape)
            for part in parts[1:] if isinstance(shape, Line) else parts:
                assert not _overlap(area, part), (shape, area)
    assert area[0] >= 0 and area[2] <= page.scene.width and area[3] <= page.scene.height


def test_a_legend_goes_where_the_page_is_free_else_in_a_band_of_its_own() -> None:
    page = Scene(10.0, 8.0)
    page.add(1.0, Box(0.0, 1.0, 10.0, 7.0, fill="#eeeeee"))                         # everything below 1in
    assert legend_place(page, 1.0, 2.0, 1.5, 1.0) is None
    page = Scene(10.0, 8.0)
    page.add(1.0, Box(0.0, 1.0, 6.0, 7.0, fill="#eeeeee"), Text(8.5, 1.5, "Competitors", 10, "#000000", "middle"))
    spot = legend_place(page, 1.0, 2.0, 1.5, 1.0)
    assert spot is not None
    x, y = spot
    assert not _overlap((x, y, x + 2.0, y + 1.5), (0.0, 1.0, 6.0, 8.0))
    assert not _overlap((x, y, x + 2.0, y + 1.5), footprint(Text(8.5, 1.5, "Competitors", 10, "#000000", "middle"))[0])
    assert x + 2.0 > 7.0                                                              # nearest the top right

