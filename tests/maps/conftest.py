"""Helpers for the map tests: fetching a map and reading it back in each format."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
from fastapi.testclient import TestClient
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"
FORMATS = ("png", "svg", "pdf", "graphml", "gexf", "cytoscape")


def fetch(client: TestClient, account: str, fmt: str, **params: Any) -> bytes:
    response = client.get(f"/v1/accounts/{account}/map", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    data: bytes = response.content
    return data


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        size: tuple[int, int] = image.size
    return size


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def read_graphml(data: bytes) -> nx.MultiDiGraph:
    graph: nx.MultiDiGraph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    return graph


def read_gexf(data: bytes) -> nx.Graph:
    graph: nx.Graph = nx.read_gexf(io.BytesIO(data))
    return graph


def read_cytoscape(data: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(data)
    return document


def pdf_pages(data: bytes) -> int:
    """The number of pages of a PDF that matplotlib wrote (its page objects are not compressed)."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type /Page\b(?!s)", data))
