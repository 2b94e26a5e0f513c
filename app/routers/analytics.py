"""Analytics: decision chain, coverage gaps, who to win over next, influence paths, informal power,
account class. Each route loads one account's map, projects it, and hands it to a pure scoring function."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, cast

import networkx as nx
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.answers import Answers, SharedChecks
from app.deps import StoreDep, Viewer, scoring_options, today_of
from app.schemas import analytics as schemas
from graph import history
from graph.errors import InvalidGraph, NotFound
from graph.models import ID_PATTERN, NodeKind, moment
from graph.store import Store, shows_opportunity
from scoring.chain import chain_report
from scoring.classify import account_class
from scoring.gaps import gap_report
from scoring.influence import influence_paths
from scoring.model import NotFound as NotInGraph
from scoring.portfolio import account_standing
from scoring.power import influence_answer
from scoring.recommend import who_next

router = APIRouter(prefix="/v1", tags=["analytics"])
AcceptLanguage = Annotated[str | None, Header(description="en or zh-CN")]


def language(accept_language: str | None) -> str:
    """``zh-CN`` when the client prefers Chinese (``zh``, ``zh-CN``, ``zh-Hans``...), else ``en``; a language
    with ``q=0`` is one the client does not accept.

    >>> language("zh-CN,zh;q=0.9,en;q=0.8"), language("en-US,zh;q=0.5"), language(None), language("zh;q=0")
    ('zh-CN', 'en', 'en', 'en')
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
        if primary in ("zh", "en") and q > max(best_q, 0.0):
            best, best_q = ("zh-CN" if primary == "zh" else "en"), q
    return best


AsOf = Annotated[str | None, Query(max_length=40, description=(
    "ISO date or datetime: the answer as the map stood then (a date means the end of that day, UTC)"))]


def as_of_moment(as_of: str | None) -> str | None:
    """The store's timestamp for ``?as_of=``; a 422 naming the parameter when it is not a date."""
    if as_of is None:
        return None
    try:
        return moment(as_of)
    except ValueError as e:
        raise InvalidGraph([{"loc": ["query", "as_of"], "msg": str(e)}]) from e


def account_map(store: Store, id: str, as_of: str | None) -> nx.MultiDiGraph:
    """The account's map now (the store's cached read), or as it stood at ``as_of`` (replayed)."""
    return store.account_graph(id) if as_of is None else history.account_graph_as_of(store, id, as_of)


def opportunity_map(store: Store, id: str, as_of: str | None) -> nx.MultiDiGraph:
    return store.opportunity_graph(id) if as_of is None else history.opportunity_graph_as_of(store, id, as_of)


# Influence paths: at most this many hops per path (the default a little less), and at most this many
# partial paths explored per question; either cap makes the answer partial, and says so, when it cuts.
MAX_HOPS_LIMIT = 10
DEFAULT_MAX_HOPS = 6
PATHS_MAX_EXPLORED = 100_000

class AnswerJSON(Response):
    """An answer already serialised to JSON (by its response model), sent as it is kept."""

    media_type = "application/json"


@dataclass(frozen=True)
class Asked:
    """A question of the analytics: the scoring function, its arguments after the map, and the response
    model its answer is sent as; ``team``: computing it needs our roster."""

    call: Callable[..., Any]
    args: tuple[Any, ...]
    model: type[BaseModel]
    team: bool = False

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.call.__name__, *self.args)


async def _answered(request: Request, store: Store, asked: Asked, id: str, *, opportunity: bool,
                    when: str | None, check: Callable[[nx.MultiDiGraph], None] | None = None) -> AnswerJSON:
    """The answer to ``asked`` about the map of the account ``id`` (with ``opportunity``: of the account
    the opportunity ``id`` belongs to), as it stands or stood ``when``. A map kept and current (see
    :func:`_current_map`) with the answer kept for it is answered on the event loop; everything else
    (loading or editing a map, scoring it, our roster, a past moment) runs in a worker thread. ``check``
    raises for a question the map cannot answer (a 404), before it is scored."""
    answers: Answers = request.app.state.answers
    current = await _current_map(request, store, id, opportunity=opportunity) if when is None else None
    if current is not None:
        kept = answers.kept(current, asked.key)
        if kept is not None:
            return AnswerJSON(kept)

    def now() -> AnswerJSON:
        graph = current
        if graph is None:
            graph = opportunity_map(store, id, when) if opportunity else account_map(store, id, when)
        if check is not None:
            check(graph)
        return _scored(answers, asked, graph, team=partial(store.team_roster, graph) if asked.team else None)

    return await run_in_threadpool(now)


async def _current_map(request: Request, store: Store, id: str, *, opportunity: bool) -> nx.MultiDiGraph | None:
    """The kept map that answers about ``id`` now, when one is kept (and still shows the opportunity),
    brought up to date by a check that started after this request came — the one begun when it arrived
    (:class:`CheckOnArrival`), else one shared with the concurrent requests about the same account
    (:class:`app.answers.SharedChecks`); else None, and a worker thread loads it."""
    account = store.kept_map_account(id, opportunity=opportunity)
    if account is None:
        return None
    checks: SharedChecks = request.app.state.checks
    begun: tuple[str, asyncio.Future[Any]] | None = getattr(request.state, "map_check", None)
    if begun is not None and begun[0] == account:
        graph = await checks.joined(begun[1])
    else:
        arrived = getattr(request.state, "arrived", None) or time.monotonic()
        graph = await checks.shared(account, lambda: store.current_account_graph(account), arrived)
    return graph if not opportunity or shows_opportunity(graph, id, account) else None


class CheckOnArrival:
    """ASGI middleware: a GET of a question answered from a kept map (every route of this module) starts
    the check of that map (:func:`_current_map`) as the request arrives, so that the check's round trip
    (on Neo4j) runs while the request is gated, routed and validated; the route then takes its result
    (a check that started after the request came, :class:`app.answers.SharedChecks`, possibly done by
    then). Nothing starts for a question about a past moment (``as_of``), when no map of the account is
    kept, or while other questions are being answered: under load, requests share checks as they reach
    their routes, and a check begun by each on arrival would add to them (throughput at 10,000 contacts
    on Neo4j fell from 0.51 to 0.44 of ``/health``'s).

    It runs before the key is checked (``app.main.RequireKey``, inside it), so that the check and the
    lookup of a stored key make their round trips at once (Neo4j, 1,000 contacts, the chain asked with a
    stored key: 2.8 ms rather than 3.8 ms). It begins one only for a request that sends a bearer key: a
    request whose key turns out unknown costs the store one statement more than that key's lookup, and is
    refused as before."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET" and b"as_of" not in scope["query_string"]
                and _sends_key(scope)):
            for route in router.routes:
                match, found = route.matches(scope)
                if match is Match.FULL:
                    id = found["path_params"].get("id")     # (none: the portfolio, over many accounts)
                    if id is not None and self._begin(
                            scope, id, opportunity=cast(APIRoute, route).path.startswith("/v1/opportunities/")):
                        await asyncio.sleep(0)  # the check sends its statement before the request goes on
                    break
        await self.app(scope, receive, send)

    @staticmethod
    def _begin(scope: Scope, id: str, *, opportunity: bool) -> bool:
        """Begin the check (see :meth:`app.answers.SharedChecks.begin`); whether one began."""
        state = scope["app"].state
        if state.gate.running or state.gate.waiting:
            return False
        store: Store = state.store
        account = store.kept_map_account(id, opportunity=opportunity)
        if account is None:
            return False
        request_state = scope.setdefault("state", {})
        arrived = request_state.setdefault("arrived", time.monotonic())
        begun = state.checks.begin(account, lambda: store.current_account_graph(account), arrived)
        if begun is None:
            return False
        request_state["map_check"] = (account, begun)
        return True


def _sends_key(scope: Scope) -> bool:
    """Whether a request sends ``Authorization: Bearer ...`` (a key, good or not)."""
    return any(name == b"authorization" and value[:7].lower() == b"bearer " for name, value in scope["headers"])


def _scored(answers: Answers, asked: Asked, graph: nx.MultiDiGraph,
            team: Callable[[], tuple[dict[str, Any], ...]] | None = None) -> AnswerJSON:
    """Score a map (or recall the answer to the same question about the same map); an id missing
    from the account's map is a 404. ``team`` loads our roster for the computation: a write to the
    team changes every account's map object, so the answer is keyed on the map and the question alone.
    ``asked.model`` maps the typed answer to its response model, whose JSON is what is kept: a repeated
    question costs the map's revision check and sending the bytes, not validating and encoding again
    (the route's ``response_model`` still documents it)."""

    def compute() -> bytes:
        try:
            result = (asked.call(graph, *asked.args, team=team()) if team is not None
                      else asked.call(graph, *asked.args))
        except NotInGraph as e:
            raise NotFound("node", str(e)) from e
        return asked.model.model_validate(result).model_dump_json(by_alias=True).encode()

    return AnswerJSON(answers.answer(graph, asked.key, compute))


@router.get("/portfolio", response_model=schemas.Portfolio)
def get_portfolio(store: StoreDep, _: Viewer, request: Request,
                  limit: Annotated[int, Query(ge=1, le=100, description="accounts per page")] = 20,
                  cursor: Annotated[str | None, Query(max_length=512)] = None,
                  accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """A director's portfolio, an account a row, in the accounts list's order: each account's class and,
    for each open deal, support for us and the leading competitor, and the coverage gaps by severity with
    the most severe — as the single questions answer them (classification, decision chain,
    coverage-gaps), in one call for a page of accounts."""
    page = store.list_nodes(NodeKind.account, limit=limit, cursor=cursor)
    options, lang, today = scoring_options(request), language(accept_language), today_of(None)
    rows = []
    for account in page.items:
        graph = store.account_graph(account.id)
        rows.append(account_standing(graph, today, options, lang, team=store.team_roster(graph)))
    return {"items": [schemas.AccountStanding.model_validate(row).model_dump(by_alias=True) for row in rows],
            "next_cursor": page.next_cursor}


@router.get("/opportunities/{id}/decision-chain", response_model=schemas.DecisionChain)
async def get_decision_chain(id: str, store: StoreDep, _: Viewer, request: Request,
                             accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """Who decides: members with role, stance, weight, closeness and signals; support for us and each
    rival; how complete the buying committee is for us, and what is missing."""
    asked = Asked(chain_report, (id, scoring_options(request), language(accept_language)), schemas.DecisionChain)
    return await _answered(request, store, asked, id, opportunity=True, when=as_of_moment(as_of))


@router.get("/opportunities/{id}/coverage-gaps", response_model=schemas.CoverageGaps)
async def get_coverage_gaps(id: str, store: StoreDep, _: Viewer, request: Request,
                            accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """Where we are blind: missing roles, uncovered members, single-threading, unaware leaders...; each
    action names who on our side leads it and only asks help of people who would help; the gaps are
    also grouped per person."""
    when = as_of_moment(as_of)
    asked = Asked(gap_report, (id, today_of(when), scoring_options(request), language(accept_language)),
                  schemas.CoverageGaps, team=True)
    return await _answered(request, store, asked, id, opportunity=True, when=when)


@router.get("/opportunities/{id}/next-best-contacts", response_model=schemas.NextBestContacts)
async def get_next_best_contacts(id: str, store: StoreDep, _: Viewer, request: Request,
                                 k: Annotated[int, Query(ge=1, le=50)] = 5,
                                 plan: Annotated[bool, Query(description="a sequence, each assuming the "
                                                                         "earlier ones were won")] = False,
                                 accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """Who to win over next, through whom (only people who would help), and who on our side leads."""
    asked = Asked(who_next, (id, k, plan, scoring_options(request), language(accept_language)),
                  schemas.NextBestContacts, team=True)
    return await _answered(request, store, asked, id, opportunity=True, when=as_of_moment(as_of))


@router.get("/accounts/{id}/paths", response_model=schemas.InfluencePaths)
async def get_paths(id: str, store: StoreDep, _: Viewer, request: Request,
                    source: Annotated[str, Query(alias="from", pattern=ID_PATTERN)],
                    target: Annotated[str, Query(alias="to", pattern=ID_PATTERN)],
                    k: Annotated[int, Query(ge=1, le=20)] = 3,
                    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS_LIMIT, description=(
                        f"follow no path of more hops (at most {MAX_HOPS_LIMIT}); when longer paths might be "
                        "among the strongest, the answer says it is partial"))] = DEFAULT_MAX_HOPS,
                    opportunity_id: Annotated[str | None, Query(pattern=ID_PATTERN, description=(
                        "judge who would help by this deal (default: any open deal of the account)"))] = None,
                    accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """The k strongest influence paths from one person to another of at most ``max_hops`` hops,
    strongest first, running only through people who would help; who was left out, and what to do when
    nobody else leads there. The search is bounded by construction (hops, and at most
    100,000 partial paths explored); when a bound cuts it, ``partial`` is true and ``reason`` says which."""
    def check(graph: nx.MultiDiGraph) -> None:
        for end in (source, target):
            if graph.nodes.get(end, {}).get("kind") not in ("contact", "team_member"):
                raise NotFound("contact or team member at this account", end)
        if opportunity_id is not None and graph.nodes.get(opportunity_id, {}).get("kind") != "opportunity":
            raise NotFound("opportunity at this account", opportunity_id)

    asked = Asked(influence_paths, (source, target, k, scoring_options(request), language(accept_language),
                                    opportunity_id, max_hops, PATHS_MAX_EXPLORED), schemas.InfluencePaths)
    return await _answered(request, store, asked, id, opportunity=False, when=as_of_moment(as_of),
                           check=check)


@router.get("/accounts/{id}/influence", response_model=schemas.InfluenceAnswer)
async def get_influence(id: str, store: StoreDep, _: Viewer, request: Request,
                        accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """Informal power beside formal rank, highest first: who really carries weight, and the signals —
    hidden influencers, titles without power, brokers — each explained."""
    asked = Asked(influence_answer, (scoring_options(request), language(accept_language)), schemas.InfluenceAnswer)
    return await _answered(request, store, asked, id, opportunity=False, when=as_of_moment(as_of))


@router.get("/accounts/{id}/classification", response_model=schemas.AccountClassification)
async def get_classification(id: str, store: StoreDep, _: Viewer, request: Request,
                             accept_language: AcceptLanguage = None, as_of: AsOf = None) -> AnswerJSON:
    """Benchmark, nail, danger or standard, with drivers, qualification and a playbook."""
    when = as_of_moment(as_of)
    asked = Asked(account_class, (today_of(when), scoring_options(request), language(accept_language)),
                  schemas.AccountClassification)
    return await _answered(request, store, asked, id, opportunity=False, when=when)
