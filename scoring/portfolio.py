"""Where an account stands, in one row of a key-account director's portfolio: its class, and for each of
its open deals the support for us, the strongest competitor's, and the coverage gaps by severity with the
most severe first — what a director otherwise asks of every account and every deal one call at a time.

Pure: the row of one account's projected map, from the same functions the single questions answer with
(``account_class``, ``chain_report``, ``gap_report``), so a row agrees with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from scoring.chain import chain_report
from scoring.classify import account_class
from scoring.gaps import gap_report
from scoring.options import ScoringOptions, resolve
from scoring.people import is_open
from scoring.results import Gap

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class DealStanding:
    opportunity_id: str
    name: str
    stage: str | None
    close_date: str | None
    amount: float | None
    currency: str | None
    support_us: float
    # the competitor with the most support, and theirs (None: no competitor on the deal)
    leading_competitor_id: str | None
    leading_competitor_support: float | None
    gaps: Mapping[str, int]              # severity → how many
    first_gap: Gap | None                # the most severe, as the deal's coverage gaps list it first


@dataclass(frozen=True)
class AccountStanding:
    account_id: str
    name: str
    parent_id: str | None
    class_: str
    class_label: str
    deals: tuple[DealStanding, ...]      # the account's open deals, closing first


def account_standing(g: nx.MultiDiGraph, today: dt.date, options: ScoringOptions | None = None, lang: str = "en",
                     team: Iterable[Mapping[str, Any]] | None = None) -> AccountStanding:
    """The account's row of the portfolio: its class, and each of its open deals' standing."""
    o = resolve(options)
    account_id = str(g.graph.get("account_id"))
    account = dict(g.graph.get("account") or {})
    cls = account_class(g, today, o, lang)
    roster = list(team) if team is not None else None
    own = [(n, d) for n, d in g.nodes(data=True)
           if d.get("kind") == "opportunity" and d.get("account_id") == account_id and is_open(d, o)]
    deals = [_deal(g, n, d, today, o, lang, roster) for n, d in own]
    deals.sort(key=lambda x: (x.close_date or "9999", x.opportunity_id))
    return AccountStanding(account_id, str(account.get("name") or account_id), account.get("parent_id"),
                           cls.class_, cls.label, tuple(deals))


def _deal(g: nx.MultiDiGraph, opportunity_id: str, data: Mapping[str, Any], today: dt.date, o: ScoringOptions,
          lang: str, team: list[Mapping[str, Any]] | None) -> DealStanding:
    chain = chain_report(g, opportunity_id, o, lang)
    gaps = gap_report(g, opportunity_id, today, o, lang, team=team).gaps
    rivals = chain.support.competitors
    leader = max(sorted(rivals), key=lambda k: rivals[k]) if rivals else None
    amount = data.get("amount")
    return DealStanding(
        opportunity_id, str(data.get("name") or opportunity_id), data.get("stage"), data.get("close_date"),
        float(amount) if isinstance(amount, int | float) else None, data.get("currency"), chain.support.us,
        leader, rivals[leader] if leader is not None else None,
        {s: sum(1 for gap in gaps if gap.severity == s) for s in SEVERITIES}, gaps[0] if gaps else None)
