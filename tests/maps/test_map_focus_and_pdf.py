"""Maps of any size: an image draws at most what a person can read and says what it left out; focus
options; the multi-page PDF of a whole large account; the registry of formats behind the API, the CLI
and the README."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rendering import FORMATS
from rendering.focus import IMAGE_BUDGET, LINE_BUDGET, Focus, view_of
from rendering.model import build_map
from rendering.pdf import PAGE_BUDGET, sections
from tests.maps.conftest import fetch, pdf_pages, read_cytoscape, svg_texts
from tests.maps.generator import large_account

ROOT = Path(__file__).resolve().parents[2]
BIG = large_account(300, seed=7)
NAMES = {c["id"]: c["name"] for c in BIG["contacts"]}


@pytest.fixture
def big(client: TestClient) -> TestClient:
    client.post("/v1/import", json=BIG).raise_for_status()
    return client


def drawn(svg: bytes) -> set[str]:
    texts = set(svg_texts(svg))
    return {c for c, name in NAMES.items() if name in texts}


@pytest.mark.parametrize("opportunity", [None, "big-opp"])
def test_a_large_image_draws_its_budget_and_says_what_it_left_out(big: TestClient, opportunity: str | None) -> None:
    params = {"opportunity_id": opportunity} if opportunity else {}
    svg = fetch(big, "big", "svg", **params)
    shown = drawn(svg)
    assert len(shown) == IMAGE_BUDGET
    joined = "\n".join(svg_texts(svg))
    assert f"显示 {IMAGE_BUDGET} / 300 人" in joined and "format=pdf" in joined
    assert "scope=department&department=" in joined
    if opportunity:                          # the decision chain is all there
        chain = {m["contact_id"] for m in BIG["decision_chain"]}
        assert chain <= shown
    else:                                    # the top of the org chart is there
        assert "big-c000" in shown
    english = big.get("/v1/accounts/big/map", params={"format": "svg", **params},
                      headers={"Accept-Language": "en"}).content
    assert f"{IMAGE_BUDGET} of 300 people shown" in "\n".join(svg_texts(english))


def test_a_map_that_fits_says_nothing_is_missing(furniture: TestClient) -> None:
    joined = "\n".join(svg_texts(fetch(furniture, "gzf", "svg")))
    assert "显示" not in joined and "format=pdf" not in joined


def test_every_prefix_of_a_view_keeps_managers_above_their_reports(big: TestClient) -> None:
    graph = big.app.state.store.account_graph("big")  # type: ignore[attr-defined]
    for opportunity in (None, "big-opp"):
        model = build_map(graph, opportunity_id=opportunity)
        order = view_of(model, Focus(), budget=IMAGE_BUDGET).order
        position = {c: i for i, c in enumerate(order)}
        assert len(order) == len(set(order))
        for c in order[:IMAGE_BUDGET]:
            boss = model.manager.get(c)
            if boss is not None and boss in position and position[boss] < IMAGE_BUDGET:
                assert position[boss] < position[c]


def test_scope_department_shows_that_department(big: TestClient) -> None:
    shown = drawn(fetch(big, "big", "svg", scope="department", department="finance"))
    departments = Counter(c["department"] for c in BIG["contacts"] if c["id"] in shown)
    assert set(departments) == {"finance"}
    assert departments["finance"] == min(IMAGE_BUDGET, sum(c["department"] == "finance" for c in BIG["contacts"]))
    # department= alone implies the scope; graph files carry the department, team and competitors.
    document = read_cytoscape(fetch(big, "big", "cytoscape", department="finance"))
    kinds = Counter(n["data"]["kind"] for n in document["elements"]["nodes"])
    assert kinds["contact"] == sum(c["department"] == "finance" for c in BIG["contacts"])
    assert kinds["team_member"] == len(BIG["team"])             # even those with no tie in the department


def test_scope_around_shows_the_people_near_one_contact(big: TestClient) -> None:
    centre = "big-c010"
    near = {centre}
    for r in BIG["relationships"]:
        if r["type"] in ("REPORTS_TO", "INFLUENCES", "ALLY", "RIVAL", "PROMOTED_BY") and centre in (r["source"],
                                                                                                  r["target"]):
            near.add(r["target"] if r["source"] == centre else r["source"])
    shown = drawn(fetch(big, "big", "svg", scope="around", around=centre, depth=1))
    assert shown == near


@pytest.mark.parametrize(("params", "field"), [
    ({"scope": "department"}, "department"),
    ({"department": "no-such-department"}, "department"),
    ({"scope": "around"}, "around"),
    ({"around": "no-such-contact"}, "around"),
    ({"scope": "chain", "department": "finance"}, "department"),
    ({"scope": "around", "around": "big-c010", "depth": 9}, "depth"),
    ({"scope": "everything"}, "scope"),
])
def test_a_focus_that_cannot_be_served_is_422_naming_the_field(big: TestClient, params: dict[str, object],
                                                             field: str) -> None:
    response = big.get("/v1/accounts/big/map", params={"format": "png", **params})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", field]


@pytest.mark.parametrize("params", [{}, {"opportunity_id": "big-opp"}, {"scope": "department", "department": "finance"},
                                    {"scope": "around", "around": "big-c010", "depth": 2}])
def test_the_map_view_names_whom_the_image_draws_and_what_it_left_out(big: TestClient,
                                                                     params: dict[str, object]) -> None:
    headers = {"Accept-Language": "en"}
    view = big.get("/v1/accounts/big/map-view", params=params, headers=headers).json()
    svg = big.get("/v1/accounts/big/map", params={"format": "svg", **params}, headers=headers).content
    assert set(view["people"]) == drawn(svg)                 # the same people, whichever focus
    assert len(view["people"]) == len(set(view["people"])) == min(view["in_view"], IMAGE_BUDGET)
    assert view["contacts"] == 300 and view["budget"] == IMAGE_BUDGET
    assert 0 < len(view["lines"]) <= LINE_BUDGET                # the lines it draws, between people it draws
    ends = set(view["people"]) | {t["id"] for t in BIG["team"]} | {c["id"] for c in BIG["competitors"]}
    assert all({line["source"], line["target"]} <= ends for line in view["lines"])
    texts = svg_texts(svg)
    assert view["notices"] and all(notice in texts for notice in view["notices"])
    assert view["view"] == {(): "overview", ("opportunity_id",): "chain", ("department", "scope"): "department",
                            ("around", "depth", "scope"): "around"}[tuple(sorted(params))]
    assert any(view["title"] in text for text in texts)     # as the image titles it
    if view["view"] != "around":                             # (around: nearest first)
        position = {c: i for i, c in enumerate(view["people"])}  # most important first, managers before reports
        model = build_map(big.app.state.store.account_graph("big"))  # type: ignore[attr-defined]
        assert all(position[model.manager[c]] < position[c] for c in view["people"]
                   if model.manager.get(c) in position)


def test_the_map_view_of_an_account_that_fits_is_everyone_and_says_nothing(furniture: TestClient) -> None:
    view = furniture.get("/v1/accounts/gzf/map-view").json()
    contacts = furniture.get("/v1/contacts", params={"account_id": "gzf"}).json()["items"]
    assert view["view"] == "all" and view["notices"] == [] and view["title"] == ""
    assert sorted(view["people"]) == sorted(c["id"] for c in contacts) and view["in_view"] == len(contacts)
    assert furniture.get("/v1/accounts/gzf/map-view", headers={"Accept-Language": "zh-CN"},
                         params={"scope": "around", "around": "gzf-gm", "depth": 1}).json()["title"] == "陈志强 周边 1 层"


@pytest.mark.parametrize(("params", "field"), [
    ({"scope": "department"}, "department"),
    ({"around": "no-such-contact"}, "around"),
    ({"opportunity_id": "gzf-upgrade"}, "opportunity_id"),
    ({"depth": 0}, "depth"),
])
def test_a_map_view_that_cannot_be_served_is_422_naming_the_field(big: TestClient, furniture: TestClient,
                                                                 params: dict[str, object], field: str) -> None:
    response = big.get("/v1/accounts/big/map-view", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", field]
    assert big.get("/v1/accounts/nobody/map-view").status_code == 404


def test_team_members_always_appear_in_the_image(big: TestClient) -> None:
    texts = set(svg_texts(fetch(big, "big", "svg", scope="department", department="rnd")))
    assert {t["name"] for t in BIG["team"]} <= texts


# ---------------------------------------------------------------------------------------- PDF


def test_the_pdf_of_a_large_account_has_contents_overview_and_one_page_per_subtree(big: TestClient) -> None:
    graph = big.app.state.store.account_graph("big")  # type: ignore[attr-defined]
    model = build_map(graph)
    parts = sections(model, list(model.contacts))
    everyone = [c for s in parts for c in s.people]
    assert sorted(everyone) == sorted(model.contacts)           # everyone, once
    for section in parts:
        if section.root is not None:
            leaves = sum(1 for c in section.people if c != section.root)
            assert len(section.people) <= PAGE_BUDGET or leaves == len(section.people) - 1
            kept = set(section.people)                          # subtrees: everyone's manager is there
            assert all(model.manager.get(c) in kept for c in section.people if c not in section.roots)
            bosses = {model.manager.get(r) for r in section.roots}
            assert len(bosses) == 1                             # siblings share a page, nobody else
    data = fetch(big, "big", "pdf")
    assert pdf_pages(data) == len(parts) + 2                    # contents, overview, sections


def test_pdf_pages_name_their_cross_page_links(big: TestClient) -> None:
    from rendering.pdf import _section_page

    graph = big.app.state.store.account_graph("big")  # type: ignore[attr-defined]
    model = build_map(graph)
    parts = sections(model, list(model.contacts))
    for i, s in enumerate(parts):
        s.page = 3 + i
    page_of = {c: s.page for s in parts for c in s.people}
    child = next(s for s in parts[1:] if s.root is not None and model.manager.get(s.root))
    texts = _section_page(model, child, page_of, len(parts) + 2).texts()
    boss = model.manager[str(child.root)]
    assert f"汇报给 {model.contacts[boss].name} — 第 {page_of[boss]} 页" in texts


def test_a_small_account_pdf_is_one_page(furniture: TestClient) -> None:
    assert pdf_pages(fetch(furniture, "gzf", "pdf", opportunity_id="gzf-upgrade")) == 1


# ---------------------------------------------------------------------------------------- registry


def test_the_api_enum_the_cli_and_the_readme_come_from_the_registry(client: TestClient) -> None:
    from app.cli import parser

    schema = client.get("/openapi.json").json()
    parameters = schema["paths"]["/v1/accounts/{id}/map"]["get"]["parameters"]
    fmt = next(p for p in parameters if p["name"] == "format")["schema"]
    enum = fmt.get("enum") or schema["components"]["schemas"][fmt["$ref"].split("/")[-1]]["enum"]
    assert enum == list(FORMATS)
    content = schema["paths"]["/v1/accounts/{id}/map"]["get"]["responses"]["200"]["content"]
    assert set(content) == {f.media_type for f in FORMATS.values()}
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    export = next(a for a in commands.choices["export"]._actions if a.dest == "format")
    choices = list(export.choices or [])
    assert choices[:len(FORMATS) + 1] == ["bundle", *FORMATS]     # (the review deck's formats may follow)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Relationship maps", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \| `\.(\w+)` \| (.+) \|$", section, flags=re.MULTILINE)
    assert [(n, m, e) for n, m, e, _ in rows] == [(f.name, f.media_type, f.extension) for f in FORMATS.values()]
    assert "--format bundle|" + "|".join(FORMATS) in readme.replace("\\|", "|")


# Cytoscape.js style properties (js.cytoscape.org, "Style"): the stylesheet must use their names.
CYTOSCAPE_PROPERTIES = {
    "shape", "width", "height", "background-color", "border-color", "border-width", "border-style", "label",
    "text-wrap", "text-max-width", "text-valign", "text-halign", "font-size", "font-family", "color", "opacity",
    "outline-color", "outline-width", "outline-offset", "display", "curve-style", "arrow-scale", "line-color",
    "line-style", "line-dash-pattern", "target-arrow-shape", "target-arrow-color", "source-arrow-shape",
    "source-arrow-color", "taxi-direction",
}


def test_the_cytoscape_export_carries_a_stylesheet_drawn_like_the_image(furniture: TestClient) -> None:
    from rendering.labels import LINE_STYLES, STANCE_COLOURS

    document = read_cytoscape(fetch(furniture, "gzf", "cytoscape", opportunity_id="gzf-upgrade"))
    assert document["layout"] == {"name": "preset"}
    used = {name for rule in document["style"] for name in rule["style"]}
    assert used <= CYTOSCAPE_PROPERTIES, used - CYTOSCAPE_PROPERTIES
    selectors = {rule["selector"] for rule in document["style"]}
    assert {f"edge.{kind}" for kind in LINE_STYLES} <= selectors
    nodes = {n["data"]["id"]: n for n in document["elements"]["nodes"]}
    gm = nodes["gzf-gm"]
    assert gm["data"]["map_label"] == "陈志强\n总经理"
    assert gm["data"]["map_fill"] == STANCE_COLOURS[gm["data"]["map_stance"]][0]   # node colours: data()
    assert "in-chain" in gm["classes"].split() and "gap" in gm["classes"].split()
    classes = {c for e in document["elements"]["edges"] for c in e["classes"].split()}
    assert "not-drawn" in classes and "INFLUENCES" in classes
