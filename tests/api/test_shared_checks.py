"""Concurrent reads share the check of whether a kept map is current (``app.answers.SharedChecks``; on
Neo4j a round trip through the async driver) and still see every write committed before they came."""

from __future__ import annotations

import asyncio
import gc
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.answers import SharedChecks
from app.main import create_app
from app.routers import analytics
from app.settings import Settings
from tests.conftest import ADMIN, auth
from tests.neo4j.conftest import NEO4J_ONLY

CHAIN = "/v1/opportunities/gzf-upgrade/decision-chain"


class _HeldCheck:
    """A check that counts its runs and, while ``hold`` is clear, waits."""

    def __init__(self) -> None:
        self.runs = 0
        self.started = asyncio.Event()
        self.hold = asyncio.Event()
        self.fail: Exception | None = None

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        self.started.set()
        await asyncio.wait_for(self.hold.wait(), 10)
        if self.fail is not None:
            raise self.fail
        return run


async def _until(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), 10)


def test_a_request_joins_a_check_only_if_it_started_after_the_request_came() -> None:
    async def scenario() -> None:
        checks, check = SharedChecks(), _HeldCheck()
        before = time.monotonic()
        first = asyncio.ensure_future(checks.shared("acme", check, before))
        await _until(check.started)
        queued_before = asyncio.ensure_future(checks.shared("acme", check, before))    # came before it started
        came_after = [asyncio.ensure_future(checks.shared("acme", check, time.monotonic())) for _ in range(3)]
        other_account = asyncio.ensure_future(checks.shared("beta", check, time.monotonic()))
        await asyncio.sleep(0.05)
        assert not first.done() and not came_after[0].done()
        check.hold.set()
        assert await first == await queued_before                   # shared the check under way
        answers = {await each for each in came_after}
        assert len(answers) == 1 and answers != {await first}       # shared the next one, all three
        assert check.runs == 3 and await other_account != await first
        assert await checks.shared("acme", check, time.monotonic()) == 4   # one after another: one each

    asyncio.run(scenario())


def test_a_failed_check_fails_everyone_waiting_for_it_and_the_next_one_runs_afresh() -> None:
    async def scenario() -> None:
        checks, check = SharedChecks(), _HeldCheck()
        check.fail = ConnectionError("Neo4j is down")
        waiting = [asyncio.ensure_future(checks.shared("acme", check, time.monotonic())) for _ in range(3)]
        await _until(check.started)
        check.hold.set()
        for each in waiting:
            with pytest.raises(ConnectionError, match="down"):
                await each
        check.fail = None
        assert await checks.shared("acme", check, time.monotonic()) == 2

    asyncio.run(scenario())


def test_a_request_that_goes_away_leaves_the_check_to_the_others() -> None:
    async def scenario() -> None:
        checks, check = SharedChecks(), _HeldCheck()
        came = time.monotonic()
        leaving = asyncio.ensure_future(checks.shared("acme", check, came))
        staying = asyncio.ensure_future(checks.shared("acme", check, came))
        await _until(check.started)
        leaving.cancel()
        check.hold.set()
        assert await staying == 1
        assert leaving.cancelled() and check.runs == 1

    asyncio.run(scenario())


def _title(answer: dict[str, Any], contact_id: str) -> str:
    return str(next(member["title"] for member in answer["members"] if member["contact_id"] == contact_id))


def test_concurrent_reads_see_another_processs_write_committed_before_they_came(
        furniture: TestClient, settings: Settings) -> None:
    """Each round another process retitles a member of the chain; the reads sent after its write was
    acknowledged — eight at once, sharing checks — all show the new title, and all the same answer."""
    assert furniture.get(CHAIN).status_code == 200                         # the map is kept
    with TestClient(create_app(settings), headers=auth(ADMIN)) as other, ThreadPoolExecutor(8) as pool:
        for round_ in range(6):
            title = f"总经理 {round_}"
            written = other.patch("/v1/contacts/gzf-gm", json={"title": title})
            assert written.status_code == 200, written.text
            answers = list(pool.map(lambda _: furniture.get(CHAIN), range(8)))
            assert {response.status_code for response in answers} == {200}
            assert {_title(response.json(), "gzf-gm") for response in answers} == {title}
            assert len({response.content for response in answers}) == 1


@NEO4J_ONLY
def test_a_check_that_cannot_reach_neo4j_answers_503_and_the_next_one_recovers(furniture: TestClient) -> None:
    """The check of a kept map goes through the async driver: when it cannot reach Neo4j the request
    answers a 503 problem (not a 500), and once Neo4j answers again so does the service."""
    assert furniture.get(CHAIN).status_code == 200                          # the map is kept
    backend = furniture.app.state.store.backend                             # type: ignore[attr-defined]
    reachable = backend._async_config
    furniture.portal.call(backend.close_async)                              # type: ignore[union-attr]
    _, auth_, config = reachable
    backend._async_config = ("bolt://127.0.0.1:1", auth_, {**config, "connection_timeout": 1.0})
    try:
        down = furniture.get(CHAIN)
        assert down.status_code == 503, down.text
        assert down.headers["content-type"].startswith("application/problem+json")
    finally:
        furniture.portal.call(backend.close_async)                          # type: ignore[union-attr]
        backend._async_config = reachable
    assert furniture.get(CHAIN).status_code == 200


def test_a_check_begun_early_is_the_one_the_request_then_shares() -> None:
    async def scenario() -> None:
        checks, check = SharedChecks(), _HeldCheck()
        came = time.monotonic()
        begun = checks.begin("acme", check, came)
        assert begun is not None
        await _until(check.started)                                 # under way before anyone asked
        sharing = asyncio.ensure_future(checks.shared("acme", check, came))   # a request that came with it
        # under way: a request coming now begins nothing, and shares the next check when it asks
        later = time.monotonic()
        assert checks.begin("acme", check, later) is None
        queued = asyncio.ensure_future(checks.shared("acme", check, later))
        check.hold.set()
        assert await checks.joined(begun) == await sharing == 1
        assert await checks.joined(begun) == 1                      # done before the request asks: its result
        assert await queued == 2 and check.runs == 2

    asyncio.run(scenario())


def test_a_failed_check_that_nobody_asked_for_is_not_reported_as_unretrieved() -> None:
    """A request can begin a check and then fail validation without asking for it: its failure is
    nobody's to raise, and asyncio must not log it as a 'Future exception was never retrieved'."""
    reported: list[dict[str, Any]] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: reported.append(context))
        checks, check = SharedChecks(), _HeldCheck()
        check.fail, check.hold = ConnectionError("Neo4j is down"), asyncio.Event()
        check.hold.set()
        checks.begin("acme", check, time.monotonic())
        await asyncio.sleep(0.05)
        assert check.runs == 1
        del checks
        gc.collect()

    asyncio.run(scenario())
    assert reported == []


def test_a_question_about_a_kept_map_finds_its_check_begun_when_it_came(
        furniture: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request's map check begins as it arrives (analytics.CheckOnArrival) and the route takes its
    result: one check per request; a question about a past moment, one that comes while another is
    being answered, or one without a key, begins none."""
    assert furniture.get(CHAIN).status_code == 200                         # the map is kept
    store = furniture.app.state.store                                       # type: ignore[attr-defined]
    runs: list[str] = []
    under_way: list[bool] = []
    check_map, current_map = store.current_account_graph, analytics._current_map

    async def counted(account: str) -> Any:
        runs.append(account)
        return await check_map(account)

    async def route_asks(request: Any, store_: Any, id: str, *, opportunity: bool) -> Any:
        begun = getattr(request.state, "map_check", None)
        under_way.append(begun is not None and begun[0] == "gzf")
        return await current_map(request, store_, id, opportunity=opportunity)

    monkeypatch.setattr(store, "current_account_graph", counted)
    monkeypatch.setattr(analytics, "_current_map", route_asks)
    for path in (CHAIN, "/v1/opportunities/gzf-upgrade/next-best-contacts", "/v1/accounts/gzf/classification"):
        assert furniture.get(path).status_code == 200
    assert runs == ["gzf"] * 3 and under_way == [True] * 3
    gate = furniture.app.state.gate                                         # type: ignore[attr-defined]
    gate.running += 1            # another question being answered: share checks as before, begin none early
    try:
        assert furniture.get(CHAIN).status_code == 200
    finally:
        gate.running -= 1
    assert runs == ["gzf"] * 4 and under_way == [True] * 3 + [False]
    past = furniture.get(CHAIN, params={"as_of": "2020-01-01T00:00:00Z"})
    assert past.status_code in (200, 404) and runs == ["gzf"] * 4
    # It begins before the key is checked, so that a stored key's lookup runs alongside: never for a
    # request without a key; for one with a key that turns out unknown, one check, and a 401 all the same.
    assert furniture.get(CHAIN, headers={"Authorization": ""}).status_code == 401 and runs == ["gzf"] * 4
    unknown = furniture.get(CHAIN, headers=auth("gx_no-such-key"))
    assert unknown.status_code == 401 and runs == ["gzf"] * 5
