"""GET /v1/accounts/{id}/map: every format parses, carries the whole map, and redaction holds in all."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from graph.projection import account_graph
from tests.conftest import VIEWER, auth, bundle
from tests.maps.conftest import (
    FORMATS,
    fetch,
    pdf_pages,
    png_size,
    read_cytoscape,
    read_gexf,
    read_graphml,
    svg_texts,
)

FURNITURE_NAMES = [c["name"] for c in bundle("furniture")["contacts"]]


def subgraph_counts(client: TestClient, account: str) -> tuple[int, int, Counter[str]]:
    graph = account_graph(client.app.state.store.account_subgraph(account))  # type: ignore[attr-defined]
    return graph.number_of_nodes(), graph.number_of_edges(), Counter(d["type"] for *_, d in graph.edges(data=True))


# ---------------------------------------------------------------------------------------- images


@pytest.mark.parametrize("opportunity", [None, "gzf-upgrade"])
def test_png_is_a_wide_image(furniture: TestClient, opportunity: str | None) -> None:
    params = {"opportunity_id": opportunity} if opportunity else {}
    response = furniture.get("/v1/accounts/gzf/map", params={"format": "png", **params})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    width, height = png_size(response.content)
    assert width >= 800 and height >= 400


def test_png_is_the_default_format(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/gzf/map")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert 'filename="gzf-map.png"' in response.headers["content-disposition"]


def test_svg_keeps_chinese_names_as_text(furniture: TestClient) -> None:
    data = fetch(furniture, "gzf", "svg")
    texts = svg_texts(data)
    for name in FURNITURE_NAMES + ["广州某家具制造有限公司", "王磊", "张敏", "现有低端板材供应商"]:
        assert any(name in t for t in texts), name
    svg = data.decode("utf-8")
    assert "glyph" not in svg                                   # text, not glyph outlines
    assert "font-family: 'Guanxi Map Sans', 'Noto Sans SC', 'Noto Sans CJK SC'" in svg and "sans-serif" in svg


def test_svg_with_an_opportunity_shows_roles_and_the_opportunity(furniture: TestClient) -> None:
    texts = svg_texts(fetch(furniture, "gzf", "svg", opportunity_id="gzf-upgrade"))
    joined = "\n".join(texts)
    assert "决策" in texts and "预算" in texts and "采购" in texts
    assert not any(t in texts for t in ("决策 DM", "预算 EB", "采购 PR", "DM", "EB"))
    assert "中高端产品线板材与五金升级" in joined
    assert "覆盖缺口" in joined                                  # the gap list, from scoring.gaps
    without = svg_texts(fetch(furniture, "gzf", "svg"))
    assert "决策" not in without


def test_language_follows_accept_language(furniture: TestClient) -> None:
    english = furniture.get("/v1/accounts/gzf/map", params={"format": "svg", "opportunity_id": "gzf-upgrade"},
                            headers={"Accept-Language": "en"})
    texts = svg_texts(english.content)
    assert "Relationship map" in "\n".join(texts) and "DM" in texts
    assert any(re.fullmatch(r"Coverage gaps \(\d+\)", t) for t in texts)


def test_departed_contacts_are_drawn_as_departed(furniture: TestClient) -> None:
    furniture.patch("/v1/contacts/gzf-qa", json={"status": "left", "left_at": "2026-10-01"}).raise_for_status()
    joined = "\n".join(svg_texts(fetch(furniture, "gzf", "svg")))
    assert "吴芳" in joined and "已离职 2026-10-01" in joined


def test_people_without_a_known_manager_are_drawn(furniture: TestClient) -> None:
    furniture.post("/v1/contacts", json={"id": "gzf-new", "account_id": "gzf", "name": "欧阳娜娜",
                                         "title": "法务"}).raise_for_status()
    assert any("欧阳娜娜" in t for t in svg_texts(fetch(furniture, "gzf", "svg")))
    nodes = {n["data"]["id"]: n for n in read_cytoscape(fetch(furniture, "gzf", "cytoscape"))["elements"]["nodes"]}
    assert nodes["gzf-new"]["data"]["map_drawn"] is True


# ---------------------------------------------------------------------------------------- graph files


def test_graphml_has_every_node_and_edge_with_attributes(furniture: TestClient) -> None:
    nodes, edges, types = subgraph_counts(furniture, "gzf")
    graph = read_graphml(fetch(furniture, "gzf", "graphml", opportunity_id="gzf-upgrade"))
    nodes += 1                                  # our regional VP 周海: on our team, no tie to the account
    assert graph.number_of_nodes() == nodes == 15 and "us-vp" in graph
    assert graph.number_of_edges() == edges == 31
    assert Counter(d["type"] for *_, d in graph.edges(data=True)) == types
    gm = graph.nodes["gzf-gm"]
    assert gm["name"] == "陈志强" and gm["kind"] == "contact" and gm["map_role"] == "decision_maker"
    assert gm["closeness_relationship"] == 0.3 and isinstance(gm["x"], float)
    assert graph.graph["opportunity_id"] == "gzf-upgrade"
    member = [d for *_, d in graph.edges(data=True) if d["type"] == "MEMBER_OF" and d.get("role") == "procurement"]
    assert member and member[0]["stance"] == "opponent"


def test_gexf_has_every_node_and_edge_with_positions(furniture: TestClient) -> None:
    nodes, edges, types = subgraph_counts(furniture, "gzf")
    graph = read_gexf(fetch(furniture, "gzf", "gexf"))
    assert graph.number_of_nodes() == nodes + 1          # and 周海 (us-vp)
    assert graph.number_of_edges() == edges
    assert Counter(d["rel_type"] for *_, d in graph.edges(data=True)) == types
    assert graph.nodes["gzf-cfo"]["label"] == "何丽"
    assert "position" in graph.nodes["gzf-cfo"]["viz"]


def test_cytoscape_elements_have_the_image_positions(furniture: TestClient) -> None:
    nodes, edges, types = subgraph_counts(furniture, "gzf")
    document = read_cytoscape(fetch(furniture, "gzf", "cytoscape"))
    elements = document["elements"]
    assert len(elements["nodes"]) == nodes + 1 and len(elements["edges"]) == edges     # and 周海 (us-vp)
    ids = [e["data"]["id"] for e in elements["nodes"] + elements["edges"]]
    assert len(ids) == len(set(ids))
    for node in elements["nodes"]:
        assert isinstance(node["position"]["x"], float) and isinstance(node["position"]["y"], float)
    for edge in elements["edges"]:
        assert {"id", "source", "target", "type"} <= set(edge["data"])
    assert Counter(e["data"]["type"] for e in elements["edges"]) == types
    graphml = read_graphml(fetch(furniture, "gzf", "graphml"))
    for node in elements["nodes"]:                       # one layout for every format
        data = graphml.nodes[node["data"]["id"]]
        assert (data["x"], data["y"]) == (node["position"]["x"], node["position"]["y"])
    # The org chart reads top-down: the general manager above the people who report to him.
    by_id = {n["data"]["id"]: n["position"] for n in elements["nodes"]}
    assert by_id["gzf-gm"]["y"] < by_id["gzf-coo"]["y"] < by_id["gzf-proc"]["y"] < by_id["gzf-buyer"]["y"]


def test_handset_maps_mirrors_and_promotions(handset: TestClient) -> None:
    graph = read_graphml(fetch(handset, "hs-tj", "graphml", opportunity_id="hs-platform"))
    types = Counter(d["type"] for *_, d in graph.edges(data=True))
    assert types["MIRRORS"] == 1 and types["PROMOTED_BY"] == 1
    assert png_size(fetch(handset, "hs-tj", "png", opportunity_id="hs-platform"))[0] >= 800


# ---------------------------------------------------------------------------------------- redaction

SECRETS = ("喜欢", "回扣", "只谈降价", "kickback", "job_threat", "HAS_INTEREST", "担心新系统削弱他的作用")


@pytest.fixture
def noted(furniture: TestClient) -> TestClient:
    """The furniture map with one more personal note and an edge note."""
    furniture.patch("/v1/contacts/gzf-gm", json={"notes": "喜欢打高尔夫，周末常去球场"}).raise_for_status()
    return furniture


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("opportunity", [None, "gzf-upgrade"])
def test_redaction_leaves_notes_and_interests_out(noted: TestClient, fmt: str, opportunity: str | None) -> None:
    params = {"opportunity_id": opportunity} if opportunity else {}
    data = fetch(noted, "gzf", fmt, redact="true", **params)
    text = data.decode("utf-8", errors="replace")
    for secret in SECRETS:
        assert secret not in text, secret
        assert secret.encode() not in data, secret


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape"])
def test_without_redaction_the_graph_files_keep_notes_and_interests(noted: TestClient, fmt: str) -> None:
    text = fetch(noted, "gzf", fmt).decode("utf-8")
    for secret in ("喜欢", "回扣", "只谈降价", "kickback", "HAS_INTEREST"):
        assert secret in text, secret


def test_without_redaction_the_image_marks_interests_and_redaction_says_so(noted: TestClient) -> None:
    plain = "\n".join(svg_texts(fetch(noted, "gzf", "svg")))
    assert "利益：回扣" in plain and "利益：岗位威胁" in plain
    redacted = "\n".join(svg_texts(fetch(noted, "gzf", "svg", redact="true")))
    assert "已脱敏" in redacted and "利益:" not in redacted and "根深蒂固的利益" not in redacted


def test_redacted_graph_files_drop_interest_edges_only(noted: TestClient) -> None:
    _, edges, types = subgraph_counts(noted, "gzf")
    graph = read_graphml(fetch(noted, "gzf", "graphml", redact="true"))
    assert graph.number_of_edges() == edges - types["HAS_INTEREST"]
    assert all("notes" not in d for _, d in graph.nodes(data=True))
    assert all("note" not in d for *_, d in graph.edges(data=True))
    assert graph.graph["redacted"] is True


# ---------------------------------------------------------------------------------------- errors


def test_unknown_account_is_404(client: TestClient) -> None:
    response = client.get("/v1/accounts/nope/map")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_format_is_422_naming_the_formats(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/gzf/map", params={"format": "jpeg"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["query", "format"]
    for fmt in FORMATS:
        assert fmt in problem["detail"]


def test_unknown_opportunity_is_404(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/gzf/map", params={"opportunity_id": "no-such-deal"})
    assert response.status_code == 404
    assert "no-such-deal" in response.json()["detail"]


def test_opportunity_of_another_account_is_422(furniture: TestClient) -> None:
    furniture.post("/v1/import", json=bundle("handset")).raise_for_status()
    response = furniture.get("/v1/accounts/gzf/map", params={"opportunity_id": "hs-platform"})
    assert response.status_code == 422
    problem = response.json()
    assert "belongs to account 'hs-tj'" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["query", "opportunity_id"]


def test_a_contact_id_is_not_an_opportunity(furniture: TestClient) -> None:
    response = furniture.get("/v1/accounts/gzf/map", params={"opportunity_id": "gzf-gm"})
    assert response.status_code == 422 and "not an opportunity" in response.json()["detail"]


def test_viewers_may_read_maps_and_strangers_may_not(furniture: TestClient) -> None:
    assert furniture.get("/v1/accounts/gzf/map", params={"format": "cytoscape"},
                         headers=auth(VIEWER)).status_code == 200
    assert furniture.get("/v1/accounts/gzf/map", headers={"Authorization": ""}).status_code == 401


# ---------------------------------------------------------------------------------------- library and CLI


def test_render_account_map_is_what_the_cli_calls(furniture: TestClient, tmp_path: object) -> None:
    from rendering import MapError, render_account_map

    store = furniture.app.state.store  # type: ignore[attr-defined]
    data, media_type = render_account_map(store, "gzf", "svg", opportunity_id="gzf-upgrade", redact=True,
                                          today=dt.date(2026, 11, 22))
    assert media_type == "image/svg+xml" and "制图日期 2026-11-22" in data.decode()
    with pytest.raises(MapError):
        render_account_map(store, "gzf", "jpeg")


def test_cli_exports_a_png(tmp_path: object) -> None:
    from pathlib import Path

    from app.cli import main

    base = Path(str(tmp_path))
    bundle_file = base / "furniture.json"
    bundle_file.write_text(__import__("json").dumps(bundle("furniture"), ensure_ascii=False), encoding="utf-8")
    main(["import", str(bundle_file), "--data-dir", str(base / "data")])
    out = base / "map.png"
    main(["export", "gzf", "--format", "png", "-o", str(out), "--opportunity", "gzf-upgrade", "--redact",
          "--data-dir", str(base / "data")])
    assert png_size(out.read_bytes())[0] >= 800


@pytest.mark.parametrize("module", ["rendering.labels", "rendering.model", "rendering.layout", "rendering.draw",
                                    "rendering.files", "rendering.safe", "rendering.routing", "rendering.formats",
                                    "rendering.fonts"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_account_with_nobody_on_it_still_has_a_map(handset: TestClient, fmt: str) -> None:
    data = fetch(handset, "hs-global", fmt)                    # the group: an account and nothing else
    if fmt == "png":
        assert png_size(data)[0] >= 800
    elif fmt == "svg":
        assert any("Global Handset Inc." in t for t in svg_texts(data))
    elif fmt == "cytoscape":
        # the account, and our whole team (each member with no tie to the group)
        nodes = read_cytoscape(data)["elements"]["nodes"]
        assert [n["data"]["id"] for n in nodes if n["data"]["kind"] != "team_member"] == ["hs-global"]
        assert {n["data"]["id"] for n in nodes if n["data"]["kind"] == "team_member"} == {
            t["id"] for t in bundle("handset")["team"]}
    elif fmt == "pdf":
        assert data.startswith(b"%PDF") and pdf_pages(data) == 1
