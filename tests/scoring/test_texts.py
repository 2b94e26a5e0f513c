from __future__ import annotations

import string
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from scoring.texts import LANGS, TEXTS, join, label, norm_lang, text

if TYPE_CHECKING:
    from tests.scoring.conftest import RandomMap


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_code_has_english_and_chinese(code: str) -> None:
    for lang in LANGS:
        assert TEXTS[code].get(lang, "").strip(), f"{code} has no {lang} text"


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_both_languages_use_the_same_placeholders(code: str) -> None:
    assert _fields(TEXTS[code]["en"]) == _fields(TEXTS[code]["zh-CN"])


@pytest.mark.parametrize("lang, expected", [("en", "en"), ("zh-CN", "zh-CN"), ("zh-cn", "zh-CN"),
                                            ("fr", "en"), ("", "en"), (None, "en")])
def test_language_falls_back_to_english(lang: str | None, expected: str) -> None:
    assert norm_lang(lang) == expected


def test_text_fills_placeholders_and_keeps_unknown_ones() -> None:
    assert text("reason.sways_decision_maker", "en", name="Chen") == "Sways Chen, who makes the decision."
    assert "{name}" in text("reason.sways_decision_maker", "en")


def test_labels_and_lists() -> None:
    assert label("role", "decision_maker", "zh-CN") == "决策者"
    assert label("stance", "unheard-of", "en") == "unheard-of"
    assert join(["A", "B"], "zh-CN") == "A、B"


def _texts(answer: object) -> list[str]:
    found: list[str] = []
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key in ("text", "message", "action", "label") and isinstance(value, str):
                found.append(value)
            else:
                found += _texts(value)
    elif isinstance(answer, list):
        for value in answer:
            found += _texts(value)
    return found


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_answer_text_is_filled_in(furniture_graph: nx.MultiDiGraph, handset_graph: nx.MultiDiGraph,
                                        random_graph: RandomMap, lang: str) -> None:
    import datetime as dt

    from scoring import classify_account, coverage_gaps, decision_chain, next_best_contacts

    today = dt.date(2026, 11, 22)
    cases = [(furniture_graph, "gzf-upgrade"), (handset_graph, "hs-platform")]
    cases += [(random_graph(seed), "o1") for seed in range(6)]
    texts: list[str] = []
    for g, opp in cases:
        texts += _texts(decision_chain(g, opp, lang=lang))
        texts += _texts(coverage_gaps(g, opp, today, lang=lang))
        texts += _texts(next_best_contacts(g, opp, k=10, plan=True, lang=lang))
        texts += _texts(next_best_contacts(g, opp, k=10, lang=lang))
        texts += _texts(classify_account(g, today, lang=lang))
    assert len(texts) > 100
    for value in texts:
        assert value.strip() and "{" not in value and "}" not in value, value
