"""Analytics: decision chain, coverage gaps, who to win over next, influence paths, informal power,
account class. Each route loads one account's map, projects it, and hands it to a pure scoring function."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Header, Query, Request

from app.answers import Answers
from app.deps import StoreDep, Viewer
from graph.errors import NotFound
from graph.models import ID_PATTERN
from scoring.chain import decision_chain
from scoring.classify import classify_account
from scoring.gaps import coverage_gaps
from scoring.influence import strongest_paths
from scoring.model import NotFound as NotInGraph
from scoring.options import ScoringOptions
from scoring.power import informal_power
from scoring.recommend import next_best_contacts

router = APIRouter(prefix="/v1", tags=["analytics"])
AcceptLanguage = Annotated[str | None, Header(description="en or zh-CN")]


def language(accept_language: str | None) -> str:
    """``zh-CN`` when the client prefers Chinese (``zh``, ``zh-CN``, ``zh-Hans``...), else ``en``.

    >>> language("zh-CN,zh;q=0.9,en;q=0.8"), language("en-US,zh;q=0.5"), language(None)
    ('zh-CN', 'en', 'en')
    """
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and q > best_q:
            best, best_q = ("zh-CN" if primary == "zh" else "en"), q
    return best


def _options(request: Request) -> ScoringOptions:
    options: ScoringOptions = request.app.state.scoring_options
    return options


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _scored(request: Request, call: Any, graph: nx.MultiDiGraph, *args: Any) -> dict[str, Any]:
    """Score a map (or recall the answer to the same question about the same map); an id missing
    from the account's map is a 404."""

    def compute() -> dict[str, Any]:
        try:
            result: dict[str, Any] = call(graph, *args)
        except NotInGraph as e:
            raise NotFound("node", str(e)) from e
        return result

    answers: Answers = request.app.state.answers
    result: dict[str, Any] = answers.answer(graph, (call.__name__, *args), compute)
    return result


@router.get("/opportunities/{id}/decision-chain")
def get_decision_chain(id: str, store: StoreDep, _: Viewer, request: Request,
                       accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """Who decides: members with role, stance, weight and closeness; support for us and each rival."""
    return _scored(request, decision_chain, store.opportunity_graph(id), id, _options(request),
                   language(accept_language))


@router.get("/opportunities/{id}/coverage-gaps")
def get_coverage_gaps(id: str, store: StoreDep, _: Viewer, request: Request,
                      accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """Where we are blind: missing roles, uncovered members, single-threading, unaware leaders..."""
    return _scored(request, coverage_gaps, store.opportunity_graph(id), id, _today(), _options(request),
                   language(accept_language))


@router.get("/opportunities/{id}/next-best-contacts")
def get_next_best_contacts(id: str, store: StoreDep, _: Viewer, request: Request,
                           k: Annotated[int, Query(ge=1, le=50)] = 5,
                           plan: Annotated[bool, Query(description="a sequence, each assuming the "
                                                                   "earlier ones were won")] = False,
                           accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """Who to win over next, and through whom."""
    return _scored(request, next_best_contacts, store.opportunity_graph(id), id, k, plan, _options(request),
                   language(accept_language))


@router.get("/accounts/{id}/paths")
def get_paths(id: str, store: StoreDep, _: Viewer, request: Request,
              source: Annotated[str, Query(alias="from", pattern=ID_PATTERN)],
              target: Annotated[str, Query(alias="to", pattern=ID_PATTERN)],
              k: Annotated[int, Query(ge=1, le=20)] = 3) -> dict[str, Any]:
    """The k strongest influence paths from one person to another, strongest first."""
    graph = store.account_graph(id)
    for end in (source, target):
        if end not in graph:
            raise NotFound("contact or team member at this account", end)
    return _scored(request, strongest_paths, graph, source, target, k, _options(request))


@router.get("/accounts/{id}/influence")
def get_influence(id: str, store: StoreDep, _: Viewer, request: Request) -> dict[str, Any]:
    """Informal power beside formal rank, highest first: who really carries weight."""
    return _scored(request, informal_power, store.account_graph(id), _options(request))


@router.get("/accounts/{id}/classification")
def get_classification(id: str, store: StoreDep, _: Viewer, request: Request,
                       accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """Benchmark, nail, danger or standard, with drivers, qualification and a playbook."""
    return _scored(request, classify_account, store.account_graph(id), _today(),
                   _options(request), language(accept_language))
