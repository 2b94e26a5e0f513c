"""The web app as files and routes: what it serves is what npm pinned, it ships with ``pip install``,
it fetches nothing from elsewhere, and the service serves it (no key) beside ``/v1/me`` (a key)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routers.web import CSP, WEB
from app.schemas.analytics import AccountClassCode, Severity
from app.schemas.resources import RelationshipType
from app.settings import Settings
from graph.models import BuyingRole, InterestKind, Stance
from rendering.labels import word
from scoring.texts import LANGS, TEXTS, label, text

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "web"
VENDORED = {  # file the app serves → the file of the pinned npm package it must equal
    "vendor/cytoscape.esm.min.js": "cytoscape/dist/cytoscape.esm.min.mjs",
    "vendor/cytoscape.LICENSE.txt": "cytoscape/LICENSE",
}
KEYS = "admin:web-admin-key-000000,editor:web-editor-key-00000,viewer:web-viewer-key-00000"
OWN_FILES = [p for p in WEB.rglob("*") if p.is_file() and "vendor" not in p.parts]


@pytest.mark.parametrize("served, built", VENDORED.items())
def test_the_vendored_files_are_the_pinned_packages(served: str, built: str) -> None:
    """CI installs tools/web (``tools/web/install``); then the vendored copy must be byte for byte the
    package's. To update: bump the version in tools/web/package.json, ``npm install --prefix tools/web``,
    copy the files named in VENDORED."""
    source = TOOLS / "node_modules" / built
    if not source.is_file():
        message = f"{source} is missing: run tools/web/install"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert (WEB / served).read_bytes() == source.read_bytes(), f"app/web/{served} is not {built}: re-copy it"


def test_the_lockfile_pins_the_version_that_is_vendored() -> None:
    package = json.loads((TOOLS / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly, not {version!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    bundle = (WEB / "vendor" / "cytoscape.esm.min.js").read_text(encoding="utf-8")
    assert f'.version="{package["dependencies"]["cytoscape"]}"' in bundle


def test_every_file_of_the_app_ships_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    suffixes = {p.suffix for p in WEB.rglob("*") if p.is_file()}
    assert suffixes and all(f"*{suffix}" in patterns for suffix in suffixes), (suffixes, patterns)
    assert any(pattern.startswith("app") for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"])


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: str(p.relative_to(WEB)))
def test_the_app_fetches_nothing_from_elsewhere(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    urls = [u for u in re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s'\")]*", text)
            if u != "http://www.w3.org/2000/svg"]  # the SVG namespace, never fetched
    assert urls == [], urls
    if path.suffix == ".html":
        assert "<script>" not in text and "<style" not in text   # no inline script or style
        assert not re.search(r"\son[a-z]+=|style=", text)       # no inline handlers or style attributes


def test_every_module_import_resolves_to_a_file_of_the_app() -> None:
    for path in WEB.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for spec in re.findall(r"^import .*? from '([^']+)';", text, flags=re.MULTILINE):
            assert spec.startswith("."), f"{path.name} imports {spec!r}: only relative modules, no bare names"
            assert (path.parent / spec).resolve().is_file(), f"{path.name} imports a missing {spec}"


@pytest.mark.parametrize("path", [p for p in OWN_FILES if p.suffix == ".js"], ids=lambda p: p.name)
def test_every_module_parses(path: Path) -> None:
    """A module that does not parse (a name declared twice, say) is a page that never loads: said here,
    by the module's name and line, rather than by the browser test timing out."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("no node on PATH: run tools/web/install")
        pytest.skip("no node on PATH")
    checked = subprocess.run([node, "--input-type=module", "--check"], input=path.read_text(encoding="utf-8"),
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, f"{path.name} does not parse:\n{checked.stderr}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-files"), api_keys=KEYS)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_page_is_served_without_a_key_under_a_strict_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP and "connect-src 'self'" in CSP
    for asset in re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text):
        response = client.get(asset)
        assert response.status_code == 200, asset
    assert client.get("/assets/js/main.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/assets/vendor/cytoscape.esm.min.js").status_code == 200


@pytest.mark.parametrize("path", ["/assets/../routers/web.py", "/assets/%2e%2e/routers/web.py",
                                  "/assets/..%2Fmain.py", "/assets/js", "/assets/nothing.js", "/assets/index.htm"])
def test_nothing_but_the_app_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_chinese_font_comes_from_the_service(client: TestClient) -> None:
    font = client.get("/assets/fonts/noto-sans-sc.otf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/otf"
    assert len(font.content) > 1_000_000


@pytest.mark.parametrize("key, role, can_edit", [("web-viewer-key-00000", "viewer", False),
                                                 ("web-editor-key-00000", "editor", True),
                                                 ("web-admin-key-000000", "admin", True)])
def test_me_tells_the_app_what_the_key_may_do(client: TestClient, key: str, role: str, can_edit: bool) -> None:
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200
    assert me.json() == {"name": f"env-{role}", "role": role, "can_edit": can_edit}


def test_me_needs_a_key(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/problem+json")


# ---- the app's words for what the server also names -----------------------------------------------

def web_texts() -> dict[str, dict[str, str]]:
    """``TEXT`` of app/web/js/i18n.js: language → key → text, read from the file (no browser needed)."""
    source = (WEB / "js" / "i18n.js").read_text(encoding="utf-8")
    table = source[source.index("const TEXT = {"):source.index("\n};\n")]
    table = "\n".join(line for line in table.splitlines() if not line.lstrip().startswith("//"))
    parts = re.split(r"^  (en|'zh-CN'): \{$", table, flags=re.MULTILINE)
    texts: dict[str, dict[str, str]] = {}
    for name, block in zip(parts[1::2], parts[2::2], strict=True):
        pairs = re.findall(r"(?<![\w'])(\w+): '((?:[^'\\]|\\.)*)'", block)
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"{name}: a key given twice (the last one wins in JS)"
        texts[name.strip("'")] = {key: re.sub(r"\\(.)", r"\1", value) for key, value in pairs}
    return texts


WEB_TEXTS = web_texts()
# The web legend's entries → the map legend's (rendering.labels).
LEGEND = {"legend_reports": "REPORTS_TO", "legend_influences": "INFLUENCES", "legend_promoted": "PROMOTED_BY",
          "legend_ally": "ALLY", "legend_rival": "RIVAL", "legend_covers": "COVERS"}


def server_labels(lang: str) -> dict[str, str]:
    """Web key → the server's word, for every value of each enum both name: a rep reading the map image or
    an answer beside the web app reads the same words."""
    labels: dict[str, str] = {}
    for enum, kind, web in ((Stance, "stance", "stance"), (BuyingRole, "role", "role"),
                            (InterestKind, "interest", "kind")):
        for value in enum:
            assert f"label.{kind}.{value}" in TEXTS, f"scoring/texts.py has no label for the {kind} {value}"
            labels[f"{web}_{value}"] = text(f"label.{kind}.{value}", lang)
    for value in get_args(AccountClassCode):
        labels[f"class_{value}"] = text(f"label.class.{value}", lang)
    for value in get_args(Severity):
        labels[f"severity_{value}"] = word(f"severity.{value}", lang)
    for kind in get_args(RelationshipType):
        if f"rel_{kind}" in WEB_TEXTS["en"]:
            labels[f"rel_{kind}"] = label("line", kind, lang)
    for key, kind in LEGEND.items():
        labels[key] = word(f"legend.{kind}", lang)
    return labels


def test_the_app_has_every_word_in_both_languages() -> None:
    assert set(WEB_TEXTS) == {"en", "zh-CN"} == set(LANGS)
    assert len(WEB_TEXTS["en"]) > 150 and set(WEB_TEXTS["en"]) == set(WEB_TEXTS["zh-CN"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_app_labels_what_the_server_labels_in_the_servers_words(lang: str) -> None:
    """Stances, buying roles, interests, account classes, severities, relationship types and the legend's
    lines, as scoring/texts.py and rendering/labels.py say them (the map's short badges aside)."""
    # every relationship type the app draws has a label
    assert {f"rel_{kind}" for kind in ("REPORTS_TO", "INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL", "COVERS",
                                       "MIRRORS")} <= set(WEB_TEXTS[lang])
    server = server_labels(lang)
    web = {key: WEB_TEXTS[lang].get(key) for key in server}
    assert web == server


def test_the_redaction_option_says_it_leaves_interests_out_too() -> None:
    """``redact=true`` leaves personal notes and entrenched interests out, as the map image says."""
    assert WEB_TEXTS["en"]["redact"] == "Leave personal notes and interests out"
    assert WEB_TEXTS["zh-CN"]["redact"] in word("redacted", "zh-CN")     # 不含个人备注与利益信息


@pytest.mark.parametrize("lang", LANGS)
def test_the_unreached_opponent_gap_names_the_skeptics_it_lists_too(lang: str) -> None:
    """The gap lists skeptics as well as opponents (scoring/gaps.py), so its heading names both, in the
    server's words for the stances; in Chinese not as "反对者无人可及", which reads like 无人能及
    (unrivalled)."""
    heading = WEB_TEXTS[lang]["gap_unreached_opponent"]
    for stance in ("skeptic", "opponent"):
        assert text(f"label.stance.{stance}", lang).lower() in heading.lower(), (stance, heading)
    assert "无人可及" not in heading
    assert WEB_TEXTS["zh-CN"]["stance"] == "态度"
