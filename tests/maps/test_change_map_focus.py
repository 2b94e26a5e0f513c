"""The change map (``/map?since=<review>``) is the map with the changes marked: the same focus options and
checks as the map (scope, department, around, depth; a 422 naming the parameter), the same 422 for an
``opportunity_id`` that names another kind of record, its marks' lines routed around the boxes, and a
notice that says what works for a change map."""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from rendering.routing import segment_hits_rect
from tests.maps.conftest import SVG, fetch, svg_texts
from tests.maps.generator import large_account


def _changed(client: TestClient) -> str:
    """A review of the furniture account, then a FAVORS line lost (黄伟 → the incumbent) and a COVERS
    line gained (张敏 → 林晓): the review's id."""
    response = client.post("/v1/accounts/gzf/reviews", json={"title": "Q4", "opportunity_ids": ["gzf-upgrade"]})
    assert response.status_code == 201, response.text
    assert client.delete("/v1/relationships/FAVORS:gzf-coo:incumbent").status_code == 204
    response = client.post("/v1/relationships", json={"type": "COVERS", "source": "us-se", "target": "gzf-design",
                                                       "closeness": 0.5})
    assert response.status_code == 201, response.text
    return str(client.get("/v1/accounts/gzf/reviews").json()["items"][0]["id"])


@pytest.mark.parametrize("params, loc", [
    ({"department": "nope"}, "department"), ({"around": "nope"}, "around"), ({"scope": "around"}, "around"),
    ({"scope": "department"}, "department"), ({"department": "design", "scope": "chain"}, "department"),
    ({"opportunity_id": "gzf-gm"}, "opportunity_id"), ({"opportunity_id": "incumbent"}, "opportunity_id"),
    ({"opportunity_id": "gzf"}, "opportunity_id")])
def test_a_change_map_checks_its_query_as_the_map_does(furniture: TestClient, params: dict[str, str],
                                                      loc: str) -> None:
    review = _changed(furniture)
    plain = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", **params})
    changed = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "since": review, **params})
    assert plain.status_code == changed.status_code == 422, changed.text
    assert changed.json()["errors"][0]["loc"] == ["query", loc]


def test_a_change_map_shows_the_focus_asked_for(furniture: TestClient) -> None:
    review = _changed(furniture)
    everyone = set(svg_texts(fetch(furniture, "gzf", "svg", since=review)))
    design = set(svg_texts(fetch(furniture, "gzf", "svg", since=review, scope="department", department="design")))
    around = set(svg_texts(fetch(furniture, "gzf", "svg", since=review, scope="around", around="gzf-it", depth="1")))
    assert {"林晓", "陈志强", "刘建国"} <= everyone
    assert "林晓" in design and "刘建国" not in design                   # design is 林晓 alone
    assert "赵明" in around and around != everyone
    assert len({frozenset(everyone), frozenset(design), frozenset(around)}) == 3


def _rects_and_marks(svg: bytes) -> tuple[list[tuple[float, float, float, float]], list[list[tuple[float, float]]]]:
    root = ET.fromstring(svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    boxes = [(float(r.get("x", 0)), float(r.get("y", 0)), float(r.get("x", 0)) + float(r.get("width", 0)),
              float(r.get("y", 0)) + float(r.get("height", 0)))
             for name in ("boxes",) if name in groups for r in groups[name].iter(f"{SVG}rect")]
    marks = []
    for path in groups["changed-lines"].iter(f"{SVG}path"):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
        # M x y (L x y | Q bx by x y)...: the corners' control points lie on the route too
        marks.append(list(zip(numbers[0::2], numbers[1::2], strict=False)))
    return boxes, marks


def test_the_marks_lines_go_around_the_boxes(furniture: TestClient) -> None:
    review = _changed(furniture)
    svg = fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade", since=review)
    boxes, marks = _rects_and_marks(svg)
    assert len(boxes) >= 12 and len(marks) == 2
    for points in marks:
        assert len(points) > 2                                          # not one straight stroke
        for a, b in itertools.pairwise(points):
            for x0, y0, x1, y1 in boxes:
                assert not segment_hits_rect(a, b, (x0 + 2, y0 + 2, x1 - 2, y1 - 2)), (a, b, (x0, y0, x1, y1))


def test_a_large_change_map_says_what_works_for_a_change_map(client: TestClient) -> None:
    data = large_account(220, seed=3)
    assert client.post("/v1/import", json=data).status_code == 200
    account = data["accounts"][0]["id"]
    review = client.post(f"/v1/accounts/{account}/reviews", json={"title": "Q4"}).json()["id"]
    for lang, wrong, right in (("en", "or format=pdf (everyone", "format=pdf without since"),
                               ("zh-CN", "或 format=pdf（全部人员", "不带 since 的 format=pdf")):
        svg = client.get(f"/v1/accounts/{account}/map", params={"format": "svg", "since": review},
                         headers={"Accept-Language": lang})
        assert svg.status_code == 200
        notice = next(t for t in svg_texts(svg.content) if "150" in t and "220" in t)
        assert right in notice and wrong not in notice, notice
        # and the hint it gives works on a change map
        hint = re.search(r"scope=department&department=([^ （(]+)", notice)
        assert hint is not None
        focused = client.get(f"/v1/accounts/{account}/map", params={
            "format": "png", "since": review, "scope": "department", "department": hint.group(1)})
        assert focused.status_code == 200


def test_a_change_map_says_its_language(furniture: TestClient) -> None:
    review = _changed(furniture)
    response = furniture.get("/v1/accounts/gzf/map", params={"format": "png", "since": review})
    assert response.status_code == 200 and response.headers["content-language"] == "zh-CN"
    assert io.BytesIO(response.content).read(4) == b"\x89PNG"
