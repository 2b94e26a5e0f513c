"""Account class (benchmark / nail / danger / standard), key-account qualification, drivers, playbook.

From the account's metrics and from the map itself:

* **danger** (likely to shrink or leave) when the danger signals add up to 2 points: revenue falling
  (> 5 %: 1 point, > 15 %: 2), satisfaction low (< 6: 1, ≤ 4: 2), supporters/champions who left in
  the last year (1 each, at most 2), a competitor with more chain support than ours on an open
  opportunity (1). Danger comes first: an account that may be lost is defended before anything else.
* **benchmark**: influential, satisfied, cooperative and loyal — all four.
* **nail**: a large untapped wallet (wallet × (1 − share)) and stuck: at least two of low share,
  low loyalty, flat growth.
* **standard** otherwise.

Qualification is never one criterion alone: revenue, margin, growth, wallet potential, credit and
payment, access to the client's goals (do their leaders know us) and openness (cooperation), each 0..1,
averaged over the criteria known; qualified when the mean is high enough, enough criteria are known
and none is below the veto floor.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import networkx as nx

from scoring.chain import MEASURES, analyse_chain
from scoring.formulas import number, parse_date, unit
from scoring.options import ScoringOptions, resolve
from scoring.people import is_open
from scoring.results import AccountClass, Closeness, Criteria, Qualification, Text, plain
from scoring.texts import item, join, label, money, percent, text
from scoring.view import AccountMap

__all__ = ["account_class", "classify_account"]


def _linear(value: float | None, low: float, high: float) -> float | None:
    """Linear score between ``low`` (0) and ``high`` (1), clamped; None stays None.

    >>> _linear(12.5, 0, 25), _linear(-3, 0, 25), _linear(None, 0, 1)
    (0.5, 0.0, None)
    """
    if value is None:
        return None
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _log_score(value: float | None, low: float, high: float) -> float | None:
    """Log-scale score: ``low`` scores 0, ``high`` scores 1.

    >>> _log_score(1e7, 1e6, 1e8)
    0.5
    """
    if value is None:
        return None
    if value <= 0:
        return 0.0
    return _linear(math.log10(value), math.log10(low), math.log10(high))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _currency(amap: AccountMap, o: ScoringOptions) -> str:
    """The account's currency: its own (or its metrics'), else the one all its deals share, else the
    default."""
    metrics = amap.account.get("metrics") or {}
    for value in (amap.account.get("currency"), metrics.get("currency")):
        if isinstance(value, str) and value:
            return value
    used = {d.get("currency") for d in amap.opportunities.values() if isinstance(d.get("currency"), str)}
    return used.pop() if len(used) == 1 else o.default_currency


def classify_account(g: nx.MultiDiGraph, today: dt.date, options: ScoringOptions | None = None,
                     lang: str = "en") -> dict[str, Any]:
    """The plain form of ``account_class``."""
    result: dict[str, Any] = plain(account_class(g, today, options, lang))
    return result


def account_class(g: nx.MultiDiGraph, today: dt.date, options: ScoringOptions | None = None,
                  lang: str = "en") -> AccountClass:
    """The account's class with its drivers and playbook, its qualification and its closeness."""
    o = resolve(options)
    amap = AccountMap.build(g, o)
    metrics = amap.account.get("metrics") or {}
    revenue = number(metrics.get("annual_revenue"))
    margin = number(metrics.get("margin_pct"))
    growth = number(metrics.get("revenue_growth_pct"))
    wallet = number(metrics.get("wallet_size"))
    share = number(metrics.get("share_of_wallet_pct"))
    payment_days = number(metrics.get("payment_days"))
    rating = metrics.get("credit_rating")
    satisfaction = number(metrics.get("satisfaction"))
    loyalty = number(metrics.get("loyalty"))
    influence = number(metrics.get("influence"))
    cooperation = number(metrics.get("cooperation"))

    # ------------------------------------------------------------ qualification
    credit_parts = [s for s in (
        o.credit_scores.get(str(rating).strip().upper()) if rating else None,
        _linear(payment_days, o.payment_bad_days, o.payment_good_days) if payment_days is not None else None,
    ) if s is not None]
    leaders = [c for c, d in amap.active.items() if d.get("level") in o.leader_levels]
    criteria: dict[str, float | None] = {
        "revenue": _log_score(revenue, o.money_low, o.money_high),
        "margin": _linear(margin, o.margin_low, o.margin_high),
        "growth": _linear(growth, o.growth_low, o.growth_high),
        "wallet_potential": _log_score(wallet, o.money_low, o.money_high),
        "credit_payment": sum(credit_parts) / len(credit_parts) if credit_parts else None,
        "access_to_goals": (sum(1 for c in leaders if amap.active[c].get("knows_us", False)) / len(leaders)
                            if leaders else None),
        "openness": unit(cooperation, 0.0) if cooperation is not None else None,
    }
    known = [v for v in criteria.values() if v is not None]
    score = sum(known) / len(known) if known else 0.0
    judged = len(known) >= o.qualify_min_criteria       # enough numbers known to judge it at all
    qualified = judged and score >= o.qualify_score and min(known) >= o.qualify_veto

    # ------------------------------------------------------------ signals from the map
    left_supporters = _left_supporters(amap, today, o)
    ahead = _competitors_ahead(amap, o)
    seniority = {lvl: i for i, lvl in enumerate(o.level_order)}
    unaware_leaders = sorted((c for c in leaders if not amap.active[c].get("knows_us", False)),
                             key=lambda c: (seniority.get(amap.active[c]["level"], len(seniority)), c))

    # ------------------------------------------------------------ danger
    danger_drivers: list[dict[str, str]] = []
    points = 0
    if growth is not None and growth < o.danger_growth_pct:
        points += 2 if growth < o.danger_steep_growth_pct else 1
        danger_drivers.append(item("revenue_falling", lang, "driver", value=_fmt(growth)))
    if satisfaction is not None and satisfaction < o.danger_satisfaction:
        points += 2 if satisfaction <= o.danger_low_satisfaction else 1
        danger_drivers.append(item("low_satisfaction", lang, "driver", value=_fmt(satisfaction)))
    if left_supporters:
        points += min(2, len(left_supporters))
        danger_drivers.append(item("champion_left", lang, "driver",
                                   names=join([amap.name(c) for c in left_supporters], lang)))
    if ahead:
        points += 1
        competitor, opportunity = ahead[0]
        danger_drivers.append(item("competitor_ahead", lang, "driver", competitor=amap.name(competitor),
                                   opportunity=amap.name(opportunity)))

    # ------------------------------------------------------------ benchmark
    bench = [
        (influence, o.benchmark_influence, "influential"), (satisfaction, o.benchmark_satisfaction, "satisfied"),
        (cooperation, o.benchmark_cooperation, "cooperative"), (loyalty, o.benchmark_loyalty, "loyal")]
    is_benchmark = all(v is not None and v >= t for v, t, _ in bench)

    # ------------------------------------------------------------ nail
    untapped = wallet * (1.0 - (share or 0.0) / 100.0) if wallet is not None else None
    untapped_score = _log_score(untapped, o.money_low, o.money_high)
    stuck: list[dict[str, str]] = []
    if share is not None and share < o.nail_share_pct:
        stuck.append(item("low_share", lang, "driver", value=_fmt(share)))
    if loyalty is not None and loyalty < o.nail_loyalty:
        stuck.append(item("low_loyalty", lang, "driver", value=percent(loyalty)))
    if growth is not None and growth < o.nail_flat_growth_pct:
        stuck.append(item("flat_growth", lang, "driver", value=_fmt(growth)))
    is_nail = (untapped_score is not None and untapped_score >= o.nail_untapped_score
               and len(stuck) >= o.nail_min_stuck)

    # ------------------------------------------------------------ class, drivers, playbook
    playbook: list[dict[str, str]] = []
    if points >= o.danger_points:
        klass, drivers = "danger", danger_drivers
        playbook += [item(c, lang, "playbook") for c in
                     ("danger_watch", "danger_relationship", "danger_commercial", "danger_risk")]
        if left_supporters:
            playbook.append(item("danger_rebuild", lang, "playbook",
                                 names=join([amap.name(c) for c in left_supporters], lang)))
    elif is_benchmark:
        klass = "benchmark"
        drivers = [item(code, lang, "driver", value=_fmt(v) if code == "satisfied" else percent(v))
                   for v, _, code in bench if v is not None]
        playbook += [item(c, lang, "playbook") for c in
                     ("benchmark_keep", "benchmark_case_study", "benchmark_site_visits", "benchmark_levels")]
    elif is_nail:
        klass = "nail"
        drivers = [item("untapped_wallet", lang, "driver", amount=money(untapped or 0.0, _currency(amap, o), lang)),
                   *stuck]
        playbook += [item(c, lang, "playbook") for c in ("nail_value_check", "nail_find_cause", "nail_assault")]
        if any(amap.interests.get(c) for c in amap.active):
            playbook.append(item("nail_entrenched", lang, "playbook"))
    else:
        klass = "standard"
        drivers = danger_drivers + stuck or [item("no_strong_signal", lang, "driver")]
        playbook += [item(c, lang, "playbook") for c in
                     ("standard_plan", "standard_threads", "standard_satisfaction")]
        if not judged:
            playbook.append(item("gather_numbers", lang, "playbook", missing=_missing(criteria, lang)))
        elif not qualified:
            playbook.append(item("not_qualified", lang, "playbook", held=_held_back(criteria, score, o, lang)))
    if unaware_leaders:
        playbook.append(item("leaders_unaware", lang, "playbook",
                             names=join([amap.name(c) for c in unaware_leaders[:3]], lang)))
    if qualified:
        verdict = item("qualification", lang, "driver", score=percent(score), count=len(known))
    elif not judged:
        # Never on one criterion (nor on too few): not a verdict, but what is not known yet.
        verdict = item("qualification_unknown", lang, "driver", count=len(known), total=len(criteria),
                       needed=o.qualify_min_criteria, missing=_missing(criteria, lang))
    else:
        verdict = item("not_qualified", lang, "driver", score=percent(score), count=len(known),
                       held=_held_back(criteria, score, o, lang))
    drivers = [*drivers, verdict]
    return AccountClass(
        class_=klass,
        label=label("class", klass, lang),
        qualification=Qualification(score=score, qualified=qualified, criteria=Criteria(**criteria)),
        drivers=tuple(Text(**d) for d in drivers),
        playbook=tuple(Text(**p) for p in playbook),
        closeness=Closeness(**_account_closeness(amap, o)),
        danger_points=points,
    )


def _missing(criteria: dict[str, float | None], lang: str) -> str:
    """The qualification criteria not known yet, as a list in the reader's language."""
    return join([label("criterion", k, lang) for k, v in criteria.items() if v is None], lang)


def _held_back(criteria: dict[str, float | None], score: float, o: ScoringOptions, lang: str) -> str:
    """What holds a scored account back from qualifying: the criteria below the veto floor, else (the mean
    being too low) the weakest known criteria below the qualifying score, at most three, with their scores."""
    known = [(k, v) for k, v in criteria.items() if v is not None]
    vetoed = [(k, v) for k, v in known if v < o.qualify_veto]
    weak = vetoed or sorted(((k, v) for k, v in known if v < max(score, o.qualify_score)), key=lambda kv: kv[1])[:3]
    return join([text("label.criterion_score", lang, criterion=label("criterion", k, lang), score=percent(v))
                 for k, v in weak], lang)


def _left_supporters(amap: AccountMap, today: dt.date, o: ScoringOptions) -> list[str]:
    """Contacts who supported us in any opportunity and left within the window (undated: counted)."""
    since = today - dt.timedelta(days=o.champion_left_days)
    result = set()
    for members in amap.members.values():
        for m in members:
            if m.contact_id in amap.active or m.stance not in o.supportive_stances:
                continue
            left_at = parse_date(amap.contacts[m.contact_id].get("left_at"))
            if left_at is None or left_at >= since:
                result.add(m.contact_id)
    return sorted(result)


def _competitors_ahead(amap: AccountMap, o: ScoringOptions) -> list[tuple[str, str]]:
    """(competitor, opportunity) pairs where the competitor's chain support beats ours, open deals only."""
    ahead = []
    for opp, data in amap.opportunities.items():
        if not is_open(data, o) or not amap.members.get(opp):
            continue
        chain = analyse_chain(amap, opp, o)
        for competitor, support in chain.competitors.items():
            if support > 0.0 and support > chain.us + o.competitor_margin:
                ahead.append((support - chain.us, competitor, opp))
    ahead.sort(key=lambda t: (-t[0], t[1], t[2]))
    return [(c, opp) for _, c, opp in ahead]


def _account_closeness(amap: AccountMap, o: ScoringOptions) -> dict[str, float]:
    """Decision-weight-weighted closeness over the open chains (all chains if none is open; every
    active contact equally if there is no chain)."""
    def pairs(open_only: bool) -> list[tuple[float, dict[str, float | None]]]:
        result = []
        for opp, members in amap.members.items():
            if open_only and not is_open(amap.opportunities.get(opp, {}), o):
                continue
            weights = amap.chain_weights(opp, o)
            result += [(weights[m.contact_id], m.closeness) for m in members if m.contact_id in weights]
        return result

    weighted = pairs(True) or pairs(False)
    if not weighted:
        from scoring.formulas import merged_closeness

        weighted = [(1.0, merged_closeness(d.get("closeness"), None)) for d in amap.active.values()]
    total = sum(w for w, _ in weighted)
    result = {k: (sum(w * (c.get(k) or 0.0) for w, c in weighted) / total if total > 0 else 0.0)
              for k in MEASURES}
    result["composite"] = sum(w * result[k] for k, w in o.closeness_weights.items())
    return result
