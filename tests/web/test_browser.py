"""The web app in real Chromium: a rep signs in, reads the furniture maker's map, opens the upgrade deal,
follows the plan, edits a stance; a viewer finds nothing to edit; a 300-person account's map draws what
its image would and finds anyone left out. No console error, no request leaves the service.

A real ``guanxi serve`` runs on a free loopback port with a fresh store; ``walkthrough.mjs`` drives
Debian's ``chromium`` with ``playwright-core`` (``tools/web/install`` installs both) and prints what each
step saw; the assertions are here. Screenshots of each step are kept in ``artifacts/web/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.maps.generator import large_account

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "web"
SCRIPT = Path(__file__).with_name("walkthrough.mjs")
ARTIFACTS = ROOT / "artifacts" / "web"
FURNITURE = ROOT / "tests" / "fixtures" / "furniture.json"
HANDSET = ROOT / "tests" / "fixtures" / "handset.json"   # its plant director was promoted by the VP operations
CHROMIUM = Path(os.environ.get("GUANXI_CHROMIUM", "/usr/bin/chromium"))
ADMIN = "admin-key-for-the-browser-test"
EDITOR = "editor-key-for-the-browser-test"
VIEWER = "viewer-key-for-the-browser-test"
def _large() -> dict[str, Any]:
    """Account "big": 300 people, more than a map draws, and among its top people more influence lines
    than a map draws (100)."""
    bundle = large_account(300, seed=7)
    bundle["relationships"] += [{"id": f"extra-{i}-{j}", "type": "INFLUENCES", "source": f"big-c{i:03d}",
                                 "target": f"big-c{j:03d}", "strength": 0.5}
                                for i in range(40) for j in range(i + 1, i + 4)]
    return bundle


LARGE = _large()
PEOPLE = {"gzf-gm", "gzf-cfo", "gzf-coo", "gzf-proc", "gzf-buyer", "gzf-design", "gzf-salesvp", "gzf-it", "gzf-qa"}


def missing_tools() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}"
    if shutil.which("node") is None:
        return "no node on PATH"
    if not (TOOLS / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed"
    return None


def require_tools() -> None:
    """In CI a missing browser fails loudly; on a developer's machine the test says what to install."""
    problem = missing_tools()
    if problem is None:
        return
    message = f"{problem}: run tools/web/install"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def guanxi() -> list[str]:
    """The ``guanxi`` command of this Python (``python -m app.cli`` where no script was installed)."""
    script = Path(sys.executable).with_name("guanxi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


@contextlib.contextmanager
def serving(env: dict[str, str], data: Path, bundles: list[bytes]) -> Iterator[str]:
    """``guanxi serve`` on a free loopback port with ``env``, once ready and with ``bundles`` imported:
    its base URL; stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data / "server.log", "wb")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen([*guanxi(), "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                               env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (data / "server.log").read_text(errors="replace")
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        for body in bundles:
            imported = httpx.post(f"{url}/v1/import", content=body, timeout=30,
                                  headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
            assert imported.status_code == 200, imported.text
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def service_env(data: Path) -> dict[str, str]:
    return {**os.environ, "GUANXI_API_KEYS": f"admin:{ADMIN},editor:{EDITOR},viewer:{VIEWER}",
            "GUANXI_DATA_DIR": str(data / "store")}


def run_walk(script: Path, config: dict[str, Any], artifacts: Path, *, timeout: int) -> dict[str, Any]:
    """Run a browser walk (``node script '<config JSON>'`` from tools/web) with its screenshots in
    ``artifacts`` (kept out of git), and keep its report there too; the report the walk printed."""
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts.parent / ".gitignore").write_text("*\n", encoding="utf-8")
    config = {**config, "screenshots": str(artifacts), "tools": str(TOOLS), "chromium": str(CHROMIUM)}
    done = subprocess.run(["node", str(script), json.dumps(config)], capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=TOOLS)
    assert done.returncode == 0 and done.stdout.strip(), f"{script.name} failed:\n{done.stderr}\n{done.stdout}"
    report: dict[str, Any] = json.loads(done.stdout)
    (artifacts / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``guanxi serve`` with the furniture maker, a 300-person account and the handset maker imported."""
    require_tools()
    data = tmp_path_factory.mktemp("web")
    with serving(service_env(data), data, [FURNITURE.read_bytes(), json.dumps(LARGE).encode(),
                                           HANDSET.read_bytes()]) as url:
        yield url


@pytest.fixture(scope="module")
def walk(server: str) -> dict[str, Any]:
    # Someone the large account's default map leaves out, for the walk to find by name.
    view = httpx.get(f"{server}/v1/accounts/big/map-view", headers={"Authorization": f"Bearer {EDITOR}"}).json()
    left_out = next(c for c in LARGE["contacts"] if c["id"] not in view["people"])
    report = run_walk(SCRIPT, {"baseUrl": server, "editorKey": EDITOR, "viewerKey": VIEWER, "find": left_out["name"]},
                      ARTIFACTS, timeout=180)
    report["left_out"] = left_out
    return report


def step(walk: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = walk["steps"].get(name) or {"ok": False, "error": "the step did not run"}
    assert found["ok"], f"step {name!r} failed:\n{found.get('error')}"
    return found


def test_sign_in_with_a_key_lists_the_accounts(walk: dict[str, Any]) -> None:
    seen = step(walk, "sign_in")
    assert seen["labelled"] == 1
    assert "editor" in seen["role"]
    assert seen["badge"] == "Nail"  # the furniture maker: a large untapped wallet, a stalemate
    assert (seen["hiddenBySearch"], seen["foundBySearch"]) == (0, 1)
    assert seen["keyStored"] == {"session": True, "local": False}


def test_the_account_map_shows_all_nine_people(walk: dict[str, Any]) -> None:
    seen = step(walk, "account_map")
    people = {p["id"]: p for p in seen["people"]}
    assert set(people) == PEOPLE
    assert all(p["inside"] for p in people.values()), [p for p in people.values() if not p["inside"]]
    assert people["gzf-gm"]["text"].startswith("陈志强 总经理")
    assert seen["canvases"] >= 1 and seen["opportunities"] == 1


def test_clicking_the_general_manager_opens_his_panel(walk: dict[str, Any]) -> None:
    seen = step(walk, "person_panel")
    assert seen["fields"] == {"title": "总经理", "department": "management", "level": "executive",
                              "status": "active", "knows_us": "yes", "manager": "—",
                              "closeness": "Relationship 0.30 · Solution 0.50 · Price 0.40"}
    text = seen["text"]
    assert text.startswith("陈志强")
    for shown in ("郑浩 · influences (0.60)",   # the sales VP sways him
                  "林晓 · influences (0.70)",   # and so does the design director
                  "王磊 · covers · Closeness 0.20",  # our rep, loosely
                  "想把公司从低价市场带向中高端品牌",  # his notes
                  "中高端产品线板材与五金升级", "decision maker", "neutral"):
        assert shown in text, shown


def test_the_map_focuses_on_a_department_and_around_someone(walk: dict[str, Any]) -> None:
    seen = step(walk, "focus")
    assert seen["department"] == "2"          # procurement: the manager and the buyer
    assert seen["around"] == "5"              # the general manager, his three reports, the design director
    assert seen["all"] == "9"


def test_the_upgrade_plan_starts_with_the_general_manager_through_the_sales_vp(walk: dict[str, Any]) -> None:
    seen = step(walk, "opportunity")
    assert seen["url"].endswith("#/opportunities/gzf-upgrade")
    assert seen["recommendations"][0] == "recommendation-gzf-gm"
    assert "recommendation-gzf-proc" not in seen["recommendations"]   # not procurement: a kickback
    assert seen["path"] == "us-se gzf-salesvp gzf-gm"
    assert set(seen["onPath"]) == {"gzf-salesvp", "gzf-gm", "team-us-se"}
    assert "张敏 → 郑浩 → 陈志强" in seen["first"]
    assert {"gap-single_threaded", "gap-leader_unaware", "gap-no_executive_counterpart",
            "gap-uncovered_department", "gap-missing_role"} <= set(seen["gaps"])
    assert seen["chainRows"] == 7
    assert all(p["inside"] for p in seen["people"] if p["id"] in PEOPLE - {"gzf-buyer", "gzf-qa"})


def test_choosing_a_gap_highlights_its_people(walk: dict[str, Any]) -> None:
    seen = step(walk, "gap_highlight")
    assert set(seen["highlight"].split()) == {"gzf-cfo", "gzf-design"}
    assert set(seen["marked"]) == {"gzf-cfo", "gzf-design"}


def test_an_editor_wins_the_design_director_and_our_support_rises(walk: dict[str, Any]) -> None:
    seen = step(walk, "edit_stance")
    assert seen["count"] == 1 and seen["selectLabel"] == "Stance"
    assert seen["after"] > seen["before"] + 0.05, seen
    assert "supporter" in seen["row"] and seen["stanceNow"] == "supporter"


def test_a_stale_edit_says_so_and_reloads(walk: dict[str, Any]) -> None:
    seen = step(walk, "stale_edit")
    assert seen["otherWrite"] == 200
    assert "changed this meanwhile" in seen["message"]
    assert seen["stanceNow"] == "supporter"    # our stale change was not written


def test_editors_draw_and_remove_lines_and_edit_people_and_the_analytics_follow(walk: dict[str, Any]) -> None:
    seen = step(walk, "edit_person_and_lines")
    assert "何丽 · influences (0.80)" in seen["added"]
    assert "何丽" in seen["gapBefore"] and "何丽" not in seen["gapAfter"] and "林晓" in seen["gapAfter"]
    assert seen["fields"]["knows_us"] == "yes"
    assert seen["fields"]["closeness"] == "Relationship 0.40 · Solution 0.00 · Price —"
    assert seen["leftStatus"] == "left on 2026-11-30"


def test_the_map_exports_as_the_server_offers(walk: dict[str, Any]) -> None:
    seen = step(walk, "export")
    assert seen["filename"] == "gzf-map-gzf-upgrade.png" and seen["size"] > 20_000
    assert {"png", "svg", "graphml", "gexf", "cytoscape", "bundle"} <= set(seen["formats"])


def test_chinese_is_a_switch_away_and_the_api_answers_in_it(walk: dict[str, Any]) -> None:
    seen = step(walk, "language")
    assert seen["heading"] == "决策链"
    assert "领导不认识我方" in seen["gapText"] and "不认识我们" in seen["gapText"]
    assert "进行中" in seen["facts"] and "open" not in seen["facts"]   # the deal's status, translated
    assert "技术 50%、价格 30%、服务 20%" in seen["facts"]              # and the client's weights
    assert "Saved" not in seen["status"]        # no message left over in the language just left
    assert seen["lastLanguage"] == "zh-CN" and seen["htmlLang"] == "zh-CN"
    assert set(walk["api_languages"]) <= {"en", "zh-CN"} and None not in walk["api_languages"]


def test_usable_on_a_1024_by_768_tablet(walk: dict[str, Any]) -> None:
    seen = step(walk, "tablet")
    assert seen["overflow"] <= 0
    shown = [p for p in seen["people"] if not p["hidden"]]
    assert len(shown) == 7 and all(p["inside"] for p in shown), seen["people"]   # the decision chain


def test_keyboard_reachable_and_labelled(walk: dict[str, Any]) -> None:
    seen = step(walk, "keyboard")
    assert seen["next"].startswith("person-")
    assert seen["panelName"] == "何丽"
    assert seen["unlabelled"] == []


def test_a_viewer_finds_no_edit_control(walk: dict[str, Any]) -> None:
    seen = step(walk, "viewer")
    assert seen["editControls"] == 0 and seen["editControlsOnAccount"] == 0
    assert "只读" in seen["role"] and seen["language"] == "zh-CN"   # the browser's language by default
    assert "设计总监" in seen["panel"]


def test_a_large_accounts_map_draws_what_its_image_would_and_finds_anyone(walk: dict[str, Any],
                                                                        server: str) -> None:
    seen = step(walk, "large_account")
    view = httpx.get(f"{server}/v1/accounts/big/map-view", headers={"Authorization": f"Bearer {EDITOR}"}).json()
    assert seen["shown"] == str(view["budget"]) == "150"
    assert set(seen["drawn"]) == set(view["people"])           # the people the PNG draws, and no one else
    # and of the lines it draws (at most 100), those between people and team members on the web map: fewer
    # than the lines between the people drawn
    drawn = set(view["people"]) | {member["id"] for member in LARGE["team"]}
    between = [line for line in LARGE["relationships"] if line["type"] in ("INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL",
               "COVERS", "MIRRORS") and {line["source"], line["target"]} <= drawn]
    assert 0 < int(seen["lines"]) <= len(view["lines"]) == 100 < len(between)
    # Fitted no smaller than readable (names of 14 px at least 9 px on screen, where fitting all 150 would
    # make them 2 px): the chart from its top, the rest a drag or scroll away.
    assert seen["namePx"] >= 9, seen["namePx"]
    tops = {p["id"] for p in LARGE["contacts"] if p.get("level") == "executive"} & set(seen["drawn"])
    assert tops and tops & set(seen["inside"]), (tops, seen["inside"])
    assert seen["notice"].startswith("Showing 150 of 300 people: the top levels and the most influential people.")
    # Someone it left out, found by name: selected, and the map shows the people around them, the notice gone.
    found = walk["left_out"]
    near = {found["id"]}
    for line in LARGE["relationships"]:
        if line["type"] in ("REPORTS_TO", "INFLUENCES", "PROMOTED_BY", "ALLY", "RIVAL") and found["id"] in (
                line["source"], line["target"]):
            near |= {line["source"], line["target"]}
    assert seen["mode"] == "around" and seen["panelName"] == found["name"]
    assert seen["around"] == str(len(near)) and seen["noticeHidden"]


def test_a_promotion_points_from_the_patron_to_the_protege(walk: dict[str, Any]) -> None:
    """``hs-plant PROMOTED_BY hs-vp-ops``: the plant director (刘厂长) was promoted by the VP operations
    (Mark Tan). Influence runs from patron to protégé, and the map image draws the arrow that way: so
    does the web app, on the map and in both people's panels (in Chinese here)."""
    seen = step(walk, "promotion")
    tips = []
    for arrow in seen["arrows"]:
        ends = {"source": arrow["source"], "target": arrow["target"]}
        heads = [end for end in ("source", "target") if arrow[f"{end}Arrow"] != "none"]
        assert len(heads) == 1, arrow               # one arrowhead, at one end
        tips.append((ends["source" if heads[0] == "target" else "target"], ends[heads[0]]))
    assert tips == [("hs-vp-ops", "hs-plant")]      # from the patron, its head at the protégé
    assert "Mark Tan · 提拔" in seen["protege"]["influencedBy"] and "Mark Tan" not in seen["protege"]["influences"]
    assert "刘厂长 · 提拔" in seen["patron"]["influences"] and "刘厂长" not in seen["patron"]["influencedBy"]
    assert "提拔（恩主→门生）" in seen["legend"]     # the map image's legend words
    # A promotion line drawn from the patron to Ms. Lim is stored as Ms. Lim PROMOTED_BY the patron.
    assert "Ms. Lim · 提拔" in seen["added"]
    assert sorted(seen["stored"], key=lambda e: e["source"]) == [
        {"source": "hs-hr", "target": "hs-vp-ops"}, {"source": "hs-plant", "target": "hs-vp-ops"}]
    assert seen["removeLabel"] == "删除关系 Mark Tan → Ms. Lim"


def test_a_duplicate_is_merged_into_the_record_kept_from_its_panel(walk: dict[str, Any]) -> None:
    seen = step(walk, "merge_duplicate")
    assert seen["made"] == [201, 201]
    assert (seen["duplicate"], seen["onMap"], seen["panel"]) == ("gone", 0, "林晓")
    assert "gzf-design" in seen["moved"] and seen["kept"]["knows_us"] is True


def test_a_won_deal_says_it_is_won_instead_of_planning_moves(walk: dict[str, Any]) -> None:
    seen = step(walk, "deal_won")
    assert seen["status"] == 200 and seen["recommendations"] == 0
    assert "赢单" in seen["moves"], seen["moves"]


def test_no_console_error_and_nothing_leaves_the_service(walk: dict[str, Any]) -> None:
    assert walk["steps"], "the walkthrough ran no step"
    # The one error the browser logs by itself: the 412 the stale edit asked for.
    expected = [e for e in walk["console_errors"] if e["step"] == "stale_edit" and "412" in e["text"]]
    assert len(expected) == 1
    assert [e for e in walk["console_errors"] if e not in expected] == []
    assert walk["page_errors"] == []
    assert walk["outside_requests"] == []


def test_screenshots_of_every_step(walk: dict[str, Any]) -> None:
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert shots == ["01-accounts.png", "02-account-map.png", "03-general-manager.png", "04-opportunity-plan.png",
                     "05-gap-highlight.png", "06-stance-edited.png", "07-tablet-zh.png", "08-viewer.png",
                     "09-large-account.png", "10-promotion-zh.png", "11-merge-duplicate-zh.png",
                     "12-deal-won-zh.png"]
    assert all((ARTIFACTS / name).stat().st_size > 10_000 for name in shots)
