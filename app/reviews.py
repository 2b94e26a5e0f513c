"""Account reviews (复盘) as the API and the command line ask for them: what changed on an account's map
between two moments (``compare``) and the review deck (``review_deck``).

Each reads the account's history through :mod:`graph.history` (the map at two moments from one read of
its audit trail), hands the maps to pure functions (:mod:`scoring.changes`) and renders
(:mod:`rendering.change_map`, :mod:`rendering.deck`); ``app.routers.reviews``, ``app.routers.maps``
and ``app.cli`` only speak HTTP or the command line around them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import networkx as nx

from graph import history
from graph.errors import InvalidGraph, NotFound
from graph.models import moment
from graph.records import NodeRecord
from graph.store import Store
from rendering.model import MapError, check_opportunity, guess_lang
from scoring.changes import ChangeList, chosen_opportunity, what_changed
from scoring.options import ScoringOptions

__all__ = ["Compared", "compare", "dated", "review_deck"]


@dataclass(frozen=True)
class Compared:
    """A period of an account's history and what changed in it."""

    period: history.Period
    changes: ChangeList
    since_review: NodeRecord | None
    label: str


def dated(title: str, day: str, lang: str) -> str:
    """A review named with its day: "Q2 review (2026-06-30)", "二季度复盘（2026-06-30）"."""
    return f"{title}（{day}）" if lang == "zh-CN" else f"{title} ({day})"


def _label(moment: str, review: NodeRecord | None, lang: str) -> str:
    day = moment[:10]
    return dated(str(review.data.get("title")), day, lang) if review is not None else day


def _latest_review(store: Store, account_id: str, before: str | None) -> NodeRecord | None:
    reviews = store.list_reviews(account_id, limit=500).items
    return next((r for r in reviews if before is None or str(r.data["held_at"]) <= before), None)


def expect_deal(opportunity_id: str, *graphs: nx.MultiDiGraph | None) -> None:
    """Raise unless ``opportunity_id`` is a deal of the account in one of its maps ``graphs`` (now, or as it
    stood): NotFound when none has it, a 422 naming ``opportunity_id`` when it is another kind of record
    (a contact's id) or another account's deal."""
    try:
        if not any(graph is not None and check_opportunity(graph, opportunity_id) for graph in graphs):
            raise NotFound("opportunity at this account", opportunity_id)
    except MapError as e:
        raise InvalidGraph([{"loc": e.loc, "msg": str(e)}]) from e


def compare(store: Store, options: ScoringOptions, account_id: str, since: str | None, until: str | None,
            opportunity_id: str | None, lang: str, *, redact: bool = False) -> Compared | None:
    """What changed from ``since`` (default: the latest review) to ``until`` (default: now); None when
    no ``since`` was given and the account has no review yet."""
    end, _ = history.resolve_moment(store, account_id, until, "until") if until else (None, None)
    if since is not None:
        start, review = history.resolve_moment(store, account_id, since, "since")
    else:
        # The latest review held by then: one planned for later (held_at ahead of now) is not yet a since.
        review = _latest_review(store, account_id, end or moment(dt.datetime.now(dt.UTC).isoformat()))
        if review is None:
            return None
        start = str(review.data["held_at"])
    period = history.period(store, account_id, start, end)
    if opportunity_id is not None:
        expect_deal(opportunity_id, period.after, period.before)
    wanted = [*(review.data.get("opportunity_ids", []) if review is not None else [])]
    changes = what_changed(
        period.before, period.after, opportunity_id=opportunity_id, lang=lang,
        stamps={k: (v.at, v.by) for k, v in period.stamps.items()}, options=options,
        today_before=dt.date.fromisoformat(start[:10]), today_after=dt.date.fromisoformat(period.until[:10]),
        team=store.team_roster(), redacted=redact, summary_opportunities=wanted, elsewhere=period.elsewhere,
        account_names=period.account_names)
    return Compared(period, changes, review, _label(start, review, lang))


SUPPORT_POINTS = 8


def review_deck(store: Store, options: ScoringOptions, account_id: str, fmt: str, *,
                opportunity_id: str | None, since: str | None, redact: bool, lang: str | None) -> bytes:
    """The review deck of the account as it stands now, compared with ``since`` (default: its latest
    review), in ``fmt`` (pptx or pdf)."""
    from rendering.deck import (
        build_deck,
        deck_map,
        short_title,
        support_chart,
        support_points,
        word,
        write_pdf,
        write_pptx,
    )

    graph = store.account_graph(account_id)
    if opportunity_id is not None:
        expect_deal(opportunity_id, graph)
    lang = lang or guess_lang(graph)
    compared = compare(store, options, account_id, since, None, opportunity_id, lang, redact=redact)
    reviews = compared.period.reviews if compared is not None else []
    wanted = [*(compared.since_review.data.get("opportunity_ids", []) if compared and compared.since_review
                else [])]
    opp = opportunity_id or (compared.changes.summary.opportunity_id if compared else None) \
        or chosen_opportunity(graph, wanted, options)
    if opp is not None and opp not in graph:
        raise NotFound("opportunity at this account", opp)
    today = dt.datetime.now(dt.UTC).date()
    team = store.team_roster(graph)
    # The map's legend names the review by a short name (the slide's title names it in full).
    label = None if compared is None else compared.label if compared.since_review is None else \
        dated(short_title(str(compared.since_review.data.get("title"))), compared.period.since[:10], lang)
    picture = deck_map(graph, compared.changes if compared else None, label, "png", opportunity_id=opp,
                       redact=redact, lang=lang, today=today, options=options, team=team)
    shown = list(reversed(reviews[:SUPPORT_POINTS - 1]))
    past = history.graphs_at(store, account_id, [str(r.data["held_at"]) for r in shown])
    # Under the chart each review's name shortened, in the footnote whole.
    labelled: list[tuple[str, nx.MultiDiGraph | None, str]] = [
        (f"{short_title(str(r.data.get('title')))}\n{str(r.data['held_at'])[:10]}", g,
         word("dated", lang, title=r.data.get("title"), date=str(r.data["held_at"])[:10]))
        for r, g in zip(shown, past, strict=True)]
    labelled.append((f"{word('now', lang)}\n{today.isoformat()}", graph,
                     word("dated", lang, title=word("now", lang), date=today.isoformat())))
    points = support_points(labelled, opp, options) if opp is not None else []
    deck = build_deck(graph, opportunity_id=opp, lang=lang, today=today, map_png=picture,
                      chart_png=support_chart(points, lang), points=points,
                      changes=compared.changes if compared else None,
                      since_label=compared.label if compared else None, redact=redact, options=options,
                      team=team)
    return write_pptx(deck) if fmt == "pptx" else write_pdf(deck)
