"""How the web app compares what is typed into "Find a person" with names, titles and departments
(app/web/js/search.js, run in Node): the way a name is written aside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SEARCH = Path(__file__).resolve().parents[2] / "app" / "web" / "js" / "search.js"


def contains(pairs: list[tuple[str, str]]) -> list[bool]:
    """``contains(value, query)`` of search.js for each (value, query)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("no node on PATH: run tools/web/install")
        pytest.skip("no node on PATH")
    script = (f"import {{ contains }} from {json.dumps(SEARCH.as_uri())};\n"
              f"console.log(JSON.stringify({json.dumps(pairs, ensure_ascii=False)}.map(([v, q]) => contains(v, q))));")
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    found: list[bool] = json.loads(done.stdout)
    return found


NAME = "阿依古丽·买买提"      # with U+00B7, as Uyghur names are usually stored


@pytest.mark.parametrize("typed", ["阿依古丽·买买提", "阿依古丽•买买提", "阿依古丽・买买提", "阿依古丽･买买提",
                                   "阿依古丽‧买买提", "阿依古丽买买提", "阿依古丽 买买提", "阿依古丽　买买提", "买买提"])
def test_a_name_is_found_with_any_middle_dot_or_none(typed: str) -> None:
    assert contains([(NAME, typed)]) == [True]


def test_case_width_and_spaces_do_not_matter_but_other_letters_do() -> None:
    pairs = [("Wang Lei", "wang lei"), ("Wang Lei", "ＷＡＮＧ　ＬＥＩ"), ("Wang Lei", "wanglei"),
             ("IT部", "ｉｔ部"), ("信息中心", "信息"),
             ("Wang Lei", "Wang Li"), (NAME, "阿依古丽·买提买"), (NAME, "·"), (NAME, " ")]
    assert contains(pairs) == [True, True, True, True, True, False, False, False, False]
