"""User data never breaks an output: names that look like math, markup, CDATA ends, bidirectional
overrides, control characters and noncharacters, in every format, with and without lxml."""

from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from rendering import FORMATS, render_map
from rendering.safe import REPLACEMENT
from tests.maps.conftest import fetch, pdf_pages, svg_texts

HOSTILE = {
    "math": "$\\frac{1}{2}$ 王$x^2$",
    "bad-math": "$\\notacommand{$ 李",
    "markup": "<script>alert(1)</script>",
    "cdata": "]]> <![CDATA[ x",
    "rtl": "\u202eRTL 覆盖 gpj.exe",
    "control": "a\x01b\x00c\x1fd",
    "noncharacter": "e\ufffef\uffff",
    "newline": "line\nbreak\u2028sep",
}


def hostile_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(account_id="acct", account={"id": "acct", "name": "Acme $\\alpha$ <b>"})
    g.add_node("acct", kind="account", name="Acme $\\alpha$ <b>")
    g.add_node("opp", kind="opportunity", account_id="acct", name="Deal ]]> $1$", stage="proposal")
    g.add_node("boss", kind="contact", account_id="acct", name="Boss $", title="CEO", level="executive")
    for key, name in HOSTILE.items():
        g.add_node(key, kind="contact", account_id="acct", name=name, title=name, department=name,
                   notes=name)
        g.add_edge(key, "boss", key=f"r-{key}", type="REPORTS_TO")
        g.add_edge(key, "opp", key=f"m-{key}", type="MEMBER_OF", role="influencer", stance="neutral")
    g.add_node("rep", kind="team_member", name="Rep \u202e$y$")
    g.add_edge("rep", "math", key="cov", type="COVERS", closeness=0.5, note="<note>\x02")
    return g


def _no_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if lxml were not installed: networkx falls back to the standard library's writer."""
    monkeypatch.setitem(sys.modules, "lxml", None)
    monkeypatch.setitem(sys.modules, "lxml.etree", None)


@pytest.mark.parametrize("with_lxml", [True, False], ids=["with-lxml", "without-lxml"])
@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("opportunity", [None, "opp"])
def test_every_format_stays_well_formed(fmt: str, with_lxml: bool, opportunity: str | None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if with_lxml:
        import lxml.etree  # noqa: F401  (the dev extras install it: this case must use it)
    else:
        _no_lxml(monkeypatch)
    data = render_map(hostile_graph(), fmt, opportunity_id=opportunity)
    if fmt == "png":
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    elif fmt == "pdf":
        assert pdf_pages(data) == 1
    elif fmt == "svg":
        root = ET.fromstring(data)                            # well-formed XML
        assert not [e for e in root.iter() if e.tag.endswith("script")]
        texts = "\n".join(svg_texts(data))
        for shown in ("$\\frac{1}{2}$ 王$x^2$", "<script>alert(1)</script>", "]]> <![CDATA[ x",
                      f"{REPLACEMENT}RTL 覆盖", f"a{REPLACEMENT}b{REPLACEMENT}c", "line break sep"):
            assert shown in texts, shown                      # drawn as written, never as math or markup
        assert "\u202e" not in data.decode("utf-8")
    elif fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
        assert graph.nodes["math"]["name"] == HOSTILE["math"]
        assert graph.nodes["rtl"]["name"] == HOSTILE["rtl"]  # kept, as a character reference in the file
        assert graph.nodes["control"]["name"] == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d"
        assert b"&#x202E;" in data and "\u202e".encode() not in data
    elif fmt == "gexf":
        graph = nx.read_gexf(io.BytesIO(data))
        assert graph.nodes["cdata"]["label"] == HOSTILE["cdata"]
        assert "\u202e".encode() not in data
    else:
        document = json.loads(data)
        names = {n["data"]["id"]: n["data"].get("name") for n in document["elements"]["nodes"]}
        assert {k: names[k] for k in HOSTILE} == HOSTILE     # JSON keeps the data exactly, escaped
        assert "\u202e".encode() not in data and "\ufffe".encode() not in data


def test_a_dollar_name_is_not_math_over_http(furniture: TestClient) -> None:
    """A name with ``$...$`` used to make the PNG answer 500 (matplotlib read it as math)."""
    for name in ("$\\frac{1}{2}$", "$\\notacommand{$", "a $ b $ c"):
        furniture.patch("/v1/contacts/gzf-gm", json={"name": name}).raise_for_status()
        for fmt in ("png", "svg", "pdf"):
            data = fetch(furniture, "gzf", fmt, opportunity_id="gzf-upgrade")
            if fmt == "svg":
                assert any(name in t for t in svg_texts(data))
