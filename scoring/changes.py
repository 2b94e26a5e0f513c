"""What changed on an account's map between two moments: a pure diff of two projected maps.

``what_changed(before, after, ...)`` compares the map at the start of a period with the map at its end
(``graph.history`` replays both from the audit trail) and returns each change — the account's class,
name and metrics; people who joined, left, or moved in from or out to another account (and the lines
that came or went with them); title, level, department, reporting line; stance, role and influence per opportunity;
influence, ally, rival, promoted-by and favours lines added, removed or re-weighted; coverage gained or
lost and closeness moves; entrenched interests appearing or gone; deals opened, won, lost, reopened or
removed, their stage, amount and close date, the competitors named on them; competitors new on the map
or dropped from it — with a text in English or Chinese,
then a summary: support for us and each competitor before and after, gaps opened and closed, and how
the who-next ranking moved. No I/O: who changed what and when comes in as ``stamps``.

Names come from the maps themselves (the end's, else the start's for a record deleted in the period): an
erased person is their tombstone in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx

from graph.models import AccountMetrics, status_of_stage
from scoring.chain import chain_report
from scoring.classify import account_class
from scoring.gaps import gap_report
from scoring.options import ScoringOptions, discreet, resolve
from scoring.people import deal_status, is_open
from scoring.recommend import who_next
from scoring.rules import drawn_ends
from scoring.texts import label, money, norm_lang, say
from scoring.view import AccountMap

__all__ = ["Change", "ChangeList", "RankMove", "Summary", "SupportMove", "what_changed"]

LINE_TYPES: Final = ("INFLUENCES", "ALLY", "RIVAL", "PROMOTED_BY", "FAVORS")
COVERAGE_TYPES: Final = ("COVERS", "MIRRORS")
PERSON_FIELDS: Final = ("title", "level", "department")
# An account's metrics in the order the account record lists them.
METRICS: Final = tuple(AccountMetrics.model_fields)
RANKED: Final = 5
WHOLE_CHAIN_GAPS: Final = frozenset({"single_threaded", "no_executive_counterpart"})

TEXTS: Final[dict[str, dict[str, str]]] = {
    "joined": {"en": "{name} ({title}) joined the map", "zh-CN": "{name}（{title}）新出现在地图上"},
    "left": {"en": "{name} ({title}) left the company", "zh-CN": "{name}（{title}）已离职"},
    "returned": {"en": "{name} is active again", "zh-CN": "{name}重新在职"},
    "removed": {"en": "{name} was removed from the map", "zh-CN": "{name}已从地图上移除"},
    "moved_in": {"en": "{name} ({title}) moved here from {account}", "zh-CN": "{name}（{title}）从{account}调入"},
    "moved_out": {"en": "{name} ({title}) moved to {account}", "zh-CN": "{name}（{title}）已调往{account}"},
    "line_moved_in": {"en": "line came with {name}: {source} → {target} ({line}, {after})",
                      "zh-CN": "关系随{name}调入：{source} → {target}（{line}，{after}）"},
    "line_moved_out": {"en": "line went with {name} to {account}: {source} → {target} ({line}, {before})",
                       "zh-CN": "关系随{name}调往{account}：{source} → {target}（{line}，{before}）"},
    "account_class_changed": {"en": "account class: {before} → {after}", "zh-CN": "客户分类：{before} → {after}"},
    "account_renamed": {"en": "account renamed: {before} → {after}", "zh-CN": "客户更名：{before} → {after}"},
    "account_metric_changed": {"en": "{metric}: {before} → {after}", "zh-CN": "{metric}：{before} → {after}"},
    "metric.annual_revenue": {"en": "annual revenue", "zh-CN": "年收入"},
    "metric.margin_pct": {"en": "margin %", "zh-CN": "毛利率（%）"},
    "metric.revenue_growth_pct": {"en": "revenue growth %", "zh-CN": "收入增长率（%）"},
    "metric.wallet_size": {"en": "wallet size", "zh-CN": "采购总额"},
    "metric.share_of_wallet_pct": {"en": "share of wallet %", "zh-CN": "份额（%）"},
    "metric.payment_days": {"en": "payment days", "zh-CN": "账期（天）"},
    "metric.credit_rating": {"en": "credit rating", "zh-CN": "信用评级"},
    "metric.satisfaction": {"en": "satisfaction", "zh-CN": "满意度"},
    "metric.loyalty": {"en": "loyalty", "zh-CN": "忠诚度"},
    "metric.influence": {"en": "influence", "zh-CN": "影响力"},
    "metric.cooperation": {"en": "cooperation", "zh-CN": "合作度"},
    "metric.currency": {"en": "currency", "zh-CN": "币种"},
    "title_changed": {"en": "{name}: title {before} → {after}", "zh-CN": "{name}：职位 {before} → {after}"},
    "level_changed": {"en": "{name}: level {before} → {after}", "zh-CN": "{name}：职级 {before} → {after}"},
    "department_changed": {"en": "{name} moved from {before} to {after}",
                           "zh-CN": "{name}从{before}调到{after}"},
    "reports_to_changed": {"en": "{name} now reports to {after} (before: {before})",
                           "zh-CN": "{name}改为向{after}汇报（原为{before}）"},
    "knows_us_changed": {"en": "{name} {after}", "zh-CN": "{name}{after}"},
    "chain_joined": {"en": "{name} joined the decision chain of {opportunity} as {after}",
                     "zh-CN": "{name}以{after}身份加入{opportunity}的决策链"},
    "chain_left": {"en": "{name} is no longer in the decision chain of {opportunity}",
                   "zh-CN": "{name}已不在{opportunity}的决策链中"},
    "stance_changed": {"en": "{name}: stance {before} → {after} ({opportunity})",
                       "zh-CN": "{name}：态度 {before} → {after}（{opportunity}）"},
    "role_changed": {"en": "{name}: buying role {before} → {after} ({opportunity})",
                     "zh-CN": "{name}：角色 {before} → {after}（{opportunity}）"},
    "influence_changed": {"en": "{name}: influence {before} → {after} ({opportunity})",
                          "zh-CN": "{name}：影响力 {before} → {after}（{opportunity}）"},
    "line_added": {"en": "new line: {source} → {target} ({line}, {after})",
                   "zh-CN": "新增关系：{source} → {target}（{line}，{after}）"},
    "line_removed": {"en": "line gone: {source} → {target} ({line}, was {before})",
                     "zh-CN": "关系消失：{source} → {target}（{line}，原为{before}）"},
    "line_reweighted": {"en": "{source} → {target} ({line}): {before} → {after}",
                        "zh-CN": "{source} → {target}（{line}）：{before} → {after}"},
    "coverage_gained": {"en": "{member} now {covers} {name} (closeness {after})",
                        "zh-CN": "{member}开始{covers}{name}（紧密度 {after}）"},
    "mirror_gained": {"en": "{member} is now the counterpart of {name}", "zh-CN": "{member}开始对口{name}"},
    "mirror_lost": {"en": "{member} is no longer the counterpart of {name}", "zh-CN": "{member}不再对口{name}"},
    "coverage_lost": {"en": "{member} no longer {covers} {name} (closeness was {before})",
                      "zh-CN": "{member}不再{covers}{name}（原紧密度 {before}）"},
    "closeness_changed": {"en": "{member} ↔ {name}: closeness {before} → {after}",
                          "zh-CN": "{member} ↔ {name}：紧密度 {before} → {after}"},
    "interest_appeared": {"en": "{name}: entrenched interest appeared — {interest} (threat {after})",
                          "zh-CN": "{name}：出现根深蒂固的利益——{interest}（威胁 {after}）"},
    "interest_gone": {"en": "{name}: entrenched interest gone — {interest}",
                      "zh-CN": "{name}：根深蒂固的利益已消除——{interest}"},
    "deal_opened": {"en": "new deal: {opportunity} ({after})", "zh-CN": "新商机：{opportunity}（{after}）"},
    "deal_removed": {"en": "deal removed from the map: {opportunity}", "zh-CN": "商机已从地图上移除：{opportunity}"},
    "deal_won": {"en": "deal won: {opportunity}", "zh-CN": "商机赢单：{opportunity}"},
    "deal_lost": {"en": "deal lost: {opportunity}", "zh-CN": "商机输单：{opportunity}"},
    "deal_reopened": {"en": "deal reopened: {opportunity} (was {before})",
                      "zh-CN": "商机重新打开：{opportunity}（原为{before}）"},
    "deal_stage_changed": {"en": "{opportunity}: stage {before} → {after}",
                           "zh-CN": "{opportunity}：阶段 {before} → {after}"},
    "deal_amount_changed": {"en": "{opportunity}: amount {before} → {after}",
                            "zh-CN": "{opportunity}：金额 {before} → {after}"},
    "deal_close_date_changed": {"en": "{opportunity}: close date {before} → {after}",
                                "zh-CN": "{opportunity}：预计成交日期 {before} → {after}"},
    "deal_competitor_added": {"en": "{name} now competes for {opportunity}", "zh-CN": "{name}开始参与竞争{opportunity}"},
    "deal_competitor_removed": {"en": "{name} no longer competes for {opportunity}",
                                "zh-CN": "{name}已不再参与竞争{opportunity}"},
    "competitor_new": {"en": "new competitor on the map: {name}", "zh-CN": "地图上出现新竞争对手：{name}"},
    "competitor_dropped": {"en": "competitor off the map: {name}", "zh-CN": "竞争对手已从地图上消失：{name}"},
    "status.open": {"en": "open", "zh-CN": "进行中"},
    "status.won": {"en": "won", "zh-CN": "赢单"},
    "status.lost": {"en": "lost", "zh-CN": "输单"},
    "sep": {"en": ", ", "zh-CN": "，"},
    "covers": {"en": "covers", "zh-CN": "覆盖"},
    "knows_us.true": {"en": "now knows us", "zh-CN": "现在认识我们了"},
    "knows_us.false": {"en": "no longer knows us", "zh-CN": "不再认识我们"},
    "nobody": {"en": "nobody", "zh-CN": "无"},
}


def _t(code: str, lang: str, **kw: Any) -> str:
    return say(TEXTS, code, lang, **kw)


@dataclass(frozen=True)
class Change:
    kind: str
    entity_id: str
    entity_type: str
    field: str | None
    before: Any
    after: Any
    at: str | None
    by: str | None
    text: str
    opportunity_id: str | None = None
    contact_id: str | None = None
    source: str | None = None          # a line's ends
    target: str | None = None


@dataclass(frozen=True)
class SupportMove:
    before: float | None
    after: float | None
    name: str | None = None            # a competitor's name (from the start's map when it was deleted)


@dataclass(frozen=True)
class RankMove:
    contact_id: str
    name: str | None
    before: int | None
    after: int | None
    # Why someone is out of the top at the end: ``deal_closed`` (the deal is won or lost: nobody is
    # ranked), ``won_over`` (a supporter or champion of the deal now), ``left`` (left the company, moved to
    # another account, or no longer on the map); None: still ranked, or outranked by others.
    out_because: str | None = None


@dataclass(frozen=True)
class GapRow:
    code: str
    severity: str
    contact_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Summary:
    opportunity_id: str | None
    joined: int
    left: int
    stance_changes: int
    lines_added: int
    lines_removed: int
    coverage_gained: int
    coverage_lost: int
    support: Mapping[str, Any]
    gaps_opened: tuple[GapRow, ...]
    gaps_closed: tuple[GapRow, ...]
    ranking: tuple[RankMove, ...]
    moved_in: int = 0                  # people who came from another account, and went to one
    moved_out: int = 0
    lines_moved: int = 0               # lines that came or went with them


@dataclass(frozen=True)
class ChangeList:
    changes: tuple[Change, ...]
    summary: Summary


@dataclass
class _Diff:
    before: nx.MultiDiGraph
    after: nx.MultiDiGraph
    lang: str
    stamps: Mapping[tuple[str, str], tuple[str, str]]
    opportunity_id: str | None
    redacted: bool
    options: ScoringOptions
    # The other account of each of the account's people who moved in or out: where they were at the
    # start (moved in) or are at the end (moved out); and the names of those accounts.
    elsewhere: Mapping[str, str] = field(default_factory=dict)
    account_names: Mapping[str, str] = field(default_factory=dict)
    out: list[Change] = field(default_factory=list)

    def name(self, node: str, beside: str | None = None, *, then: bool = False) -> str:
        """The name of ``node`` as the map of the later moment that holds it shows it (namesakes told apart,
        people of another account named with it: :meth:`AccountMap.name`; ``beside``: the title the text
        shows next to it anyway); ``then``: the earlier moment's first (someone who has moved away, as
        they were when they were of this account)."""
        for g in ((self.before, self.after) if then else (self.after, self.before)):
            if node in g and g.nodes[node].get("name"):
                return AccountMap.build(g, self.options).name(node, beside)
        return node

    def account(self, account_id: str) -> str:
        """An account as the texts name it: its name, else its id."""
        return self.account_names.get(account_id) or account_id

    def moved(self, contact: str) -> str | None:
        """The other account of someone who moved in or out of the account in the period, else None."""
        return self.elsewhere.get(contact)

    def add(self, kind: str, entity_id: str, entity_type: str, fld: str | None, old: Any, new: Any, /,
            *, opportunity_id: str | None = None, contact_id: str | None = None,
            ends: tuple[str, str] | None = None, says: str | None = None, **kw: Any) -> None:
        """One change; ``kw`` fills the text (its ``before``/``after`` are the values as shown); ``says``:
        the text's code when it is not the kind's."""
        at, by = self.stamps.get((entity_type, entity_id), (None, None))
        self.out.append(Change(kind, entity_id, entity_type, fld, old, new, at, by,
                               _t(says or kind, self.lang, **kw), opportunity_id, contact_id,
                               *(ends or (None, None))))


def _nodes(g: nx.MultiDiGraph, kind: str) -> dict[str, dict[str, Any]]:
    return {n: d for n, d in g.nodes(data=True) if d.get("kind") == kind}


def _edges(g: nx.MultiDiGraph, types: Iterable[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    wanted = set(types)
    return {k: (u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if d.get("type") in wanted}


_LEVELS = {"executive": {"en": "executive", "zh-CN": "高层"}, "vp": {"en": "VP", "zh-CN": "副总"},
           "director": {"en": "director", "zh-CN": "总监"}, "manager": {"en": "manager", "zh-CN": "经理"},
           "staff": {"en": "staff", "zh-CN": "员工"}}


def _level(value: Any, lang: str) -> str:
    """A contact level as the reader names it (the web app's words); an unknown level as it is."""
    words = _LEVELS.get(value) if isinstance(value, str) else None
    return say(_LEVELS, value, lang) if words is not None else _fmt(value)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return "—" if value in (None, "") else str(value)


def _metric(key: str, lang: str) -> str:
    code = f"metric.{key}"
    return _t(code, lang) if code in TEXTS else key


def _account(d: _Diff, account_id: str, today_before: dt.date, today_after: dt.date) -> None:
    """The account's own changes, its class first (what a director reads first), then its name, then each
    metric that moved (before → after); none when the account did not exist at the start."""
    if d.before.nodes.get(account_id, {}).get("kind") != "account":
        return
    old = dict(d.before.graph.get("account") or {})
    new = dict(d.after.graph.get("account") or {})
    a = account_class(d.before, today_before, d.options, d.lang)
    b = account_class(d.after, today_after, d.options, d.lang)
    if a.class_ != b.class_:
        d.add("account_class_changed", account_id, "account", "class", a.class_, b.class_, before=a.label,
              after=b.label)
    if old.get("name") != new.get("name"):
        d.add("account_renamed", account_id, "account", "name", old.get("name"), new.get("name"),
              before=_fmt(old.get("name")), after=_fmt(new.get("name")))
    metrics_before = dict(old.get("metrics") or {})
    metrics_after = dict(new.get("metrics") or {})
    if old.get("currency") != new.get("currency"):
        metrics_before["currency"], metrics_after["currency"] = old.get("currency"), new.get("currency")
    listed = [*METRICS, "currency"]
    for key in sorted(metrics_before.keys() | metrics_after.keys(),
                      key=lambda k: (listed.index(k) if k in listed else len(listed), k)):
        x, y = metrics_before.get(key), metrics_after.get(key)
        if x != y:
            d.add("account_metric_changed", account_id, "account", f"metrics.{key}" if key != "currency" else key,
                  x, y, metric=_metric(key, d.lang), before=_fmt(x), after=_fmt(y))


def _people(d: _Diff, account_id: str) -> None:
    before = {n: x for n, x in _nodes(d.before, "contact").items() if x.get("account_id") == account_id}
    after = {n: x for n, x in _nodes(d.after, "contact").items() if x.get("account_id") == account_id}
    for c in sorted(after.keys() - before.keys()):
        x = after[c]
        came_from = d.moved(c)
        if came_from is not None:
            d.add("moved_in", c, "contact", "account_id", came_from, account_id, contact_id=c,
                  name=d.name(c, x.get("title")), title=_fmt(x.get("title")), account=d.account(came_from))
            continue
        kind = "left" if x.get("status") == "left" else "joined"
        d.add("joined", c, "contact", "status", None, x.get("status", "active"), contact_id=c,
              name=d.name(c, x.get("title")), title=_fmt(x.get("title")))
        if kind == "left":
            d.add("left", c, "contact", "status", "active", "left", contact_id=c, name=d.name(c, x.get("title")),
                  title=_fmt(x.get("title")))
    for c in sorted(before.keys() - after.keys()):
        went_to = d.moved(c)
        if went_to is not None:
            title = before[c].get("title")
            d.add("moved_out", c, "contact", "account_id", account_id, went_to, contact_id=c,
                  name=d.name(c, title, then=True), title=_fmt(title), account=d.account(went_to))
            continue
        d.add("removed", c, "contact", None, before[c].get("status", "active"), None, contact_id=c,
              name=d.name(c))
    for c in sorted(before.keys() & after.keys()):
        old, new = before[c], after[c]
        if old.get("status") != new.get("status"):
            kind = "left" if new.get("status") == "left" else "returned"
            d.add(kind, c, "contact", "status", old.get("status"), new.get("status"), contact_id=c,
                  name=d.name(c, new.get("title") or old.get("title")), title=_fmt(new.get("title") or old.get("title")))
        for fld in PERSON_FIELDS:
            if old.get(fld) != new.get(fld):
                shown = [_level(v, d.lang) if fld == "level" else _fmt(v) for v in (old.get(fld), new.get(fld))]
                d.add(f"{fld}_changed", c, "contact", fld, old.get(fld), new.get(fld), contact_id=c,
                      name=d.name(c), before=shown[0], after=shown[1])
        if bool(old.get("knows_us")) != bool(new.get("knows_us")):
            d.add("knows_us_changed", c, "contact", "knows_us", bool(old.get("knows_us")),
                  bool(new.get("knows_us")), contact_id=c, name=d.name(c),
                  after=_t(f"knows_us.{str(bool(new.get('knows_us'))).lower()}", d.lang))
    bosses_before = _bosses(d.before)
    bosses_after = _bosses(d.after)
    for c in sorted(before.keys() & after.keys()):
        old_b, new_b = bosses_before.get(c, ()), bosses_after.get(c, ())
        if old_b != new_b:
            d.add("reports_to_changed", c, "contact", "reports_to", list(old_b), list(new_b), contact_id=c,
                  name=d.name(c), before=_names(d, old_b), after=_names(d, new_b))


def _bosses(g: nx.MultiDiGraph) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for u, v, x in g.edges(data=True):
        if x.get("type") == "REPORTS_TO":
            out.setdefault(u, []).append(v)
    return {c: tuple(sorted(bs)) for c, bs in out.items()}


def _names(d: _Diff, ids: Iterable[str]) -> str:
    names = [d.name(i) for i in ids]
    return "、".join(names) if d.lang == "zh-CN" and names else ", ".join(names) or _t("nobody", d.lang)


def _chain(d: _Diff) -> None:
    old, new = _edges(d.before, ["MEMBER_OF"]), _edges(d.after, ["MEMBER_OF"])
    for key in sorted(old.keys() | new.keys()):
        u, v, _ = new.get(key) or old[key]
        if d.opportunity_id is not None and v != d.opportunity_id:
            continue
        opp = d.name(v)
        a, b = old.get(key, (u, v, None))[2], new.get(key, (u, v, None))[2]
        if a is None and b is not None:
            d.add("chain_joined", key, "MEMBER_OF", "role", None, b.get("role"), opportunity_id=v, contact_id=u,
                  name=d.name(u), opportunity=opp, after=label("role", b.get("role"), d.lang))
            continue
        if b is None and a is not None:
            d.add("chain_left", key, "MEMBER_OF", "role", a.get("role"), None, opportunity_id=v, contact_id=u,
                  name=d.name(u), opportunity=opp)
            continue
        assert a is not None and b is not None
        for fld, kind, kind_label in (("stance", "stance_changed", "stance"), ("role", "role_changed", "role"),
                                      ("influence", "influence_changed", None)):
            if a.get(fld) != b.get(fld):
                shown = ((label(kind_label, a.get(fld), d.lang), label(kind_label, b.get(fld), d.lang))
                         if kind_label else (_fmt(a.get(fld)), _fmt(b.get(fld))))
                d.add(kind, key, "MEMBER_OF", fld, a.get(fld), b.get(fld), opportunity_id=v, contact_id=u,
                      name=d.name(u), opportunity=opp, before=shown[0], after=shown[1])


def _weight(x: Mapping[str, Any]) -> Any:
    return x.get("strength") if x.get("type") != "COVERS" else x.get("closeness")


def _lines(d: _Diff) -> None:
    old, new = _edges(d.before, LINE_TYPES), _edges(d.after, LINE_TYPES)
    for key in sorted(old.keys() | new.keys()):
        u, v, x = new.get(key) or old[key]
        kind = str(x.get("type"))
        first, second = drawn_ends(kind, u, v)
        if _moved_line(d, key, u, v, x, old, new):
            continue
        kw = {"line": label("line", kind, d.lang), "source": d.name(first), "target": d.name(second)}
        if key not in old:
            d.add("line_added", key, kind, "strength", None, _weight(x), contact_id=u, ends=(u, v),
                  after=_fmt(_weight(x)), **kw)
        elif key not in new:
            d.add("line_removed", key, kind, "strength", _weight(x), None, contact_id=u, ends=(u, v),
                  before=_fmt(_weight(x)), **kw)
        elif _weight(old[key][2]) != _weight(new[key][2]):
            a, b = _weight(old[key][2]), _weight(new[key][2])
            d.add("line_reweighted", key, kind, "strength", a, b, contact_id=u, ends=(u, v), before=_fmt(a),
                  after=_fmt(b), **kw)


def _moved_line(d: _Diff, key: str, u: str, v: str, x: Mapping[str, Any], old: Mapping[str, Any],
                new: Mapping[str, Any]) -> bool:
    """Report a line that came onto the map or left it with someone who moved in or out of the account
    (``line_moved_in``, ``line_moved_out``, naming them and, for one who left, where to); False for any
    other line."""
    if (key in old) == (key in new):
        return False
    mover = next((end for end in (u, v) if d.moved(end) is not None), None)
    if mover is None:
        return False
    kind, weight, gone = str(x.get("type")), _fmt(_weight(x)), key not in new
    first, second = drawn_ends(kind, u, v)
    # Named as they were at this account: before the move for a line that went, after it for one that came.
    shown = {"line": label("line", kind, d.lang), "name": d.name(mover, then=gone),
             "account": d.account(str(d.moved(mover))), "source": d.name(first, then=gone),
             "target": d.name(second, then=gone)}
    if not gone:
        d.add("line_moved_in", key, kind, "account_id", None, _weight(x), contact_id=mover, ends=(u, v),
              after=weight, **shown)
    else:
        d.add("line_moved_out", key, kind, "account_id", _weight(x), None, contact_id=mover, ends=(u, v),
              before=weight, **shown)
    return True


def _coverage(d: _Diff) -> None:
    old, new = _edges(d.before, COVERAGE_TYPES), _edges(d.after, COVERAGE_TYPES)
    for key in sorted(old.keys() | new.keys()):
        u, v, x = new.get(key) or old[key]
        kind = str(x.get("type"))
        kw = {"member": d.name(u), "name": d.name(v), "covers": _t("covers", d.lang)}
        a = old[key][2].get("closeness") if key in old else None
        b = new[key][2].get("closeness") if key in new else None
        # An executive counterpart pairing (MIRRORS) has no closeness: its lines say none.
        mirror = kind == "MIRRORS"
        if _moved_line(d, key, u, v, x, old, new):
            continue
        if key not in old:
            d.add("coverage_gained", key, kind, "closeness", None, b, contact_id=v, ends=(u, v), after=_fmt(b),
                  says="mirror_gained" if mirror else None, **kw)
        elif key not in new:
            d.add("coverage_lost", key, kind, "closeness", a, None, contact_id=v, ends=(u, v), before=_fmt(a),
                  says="mirror_lost" if mirror else None, **kw)
        elif a != b:
            d.add("closeness_changed", key, kind, "closeness", a, b, contact_id=v, ends=(u, v), before=_fmt(a),
                  after=_fmt(b), **kw)


def _interests(d: _Diff) -> None:
    if d.redacted:
        return
    old, new = _edges(d.before, ["HAS_INTEREST"]), _edges(d.after, ["HAS_INTEREST"])
    for key in sorted(old.keys() ^ new.keys()):
        u, v, x = new.get(key) or old[key]
        if d.opportunity_id is not None and d.after.nodes.get(v, {}).get("kind") == "opportunity" \
                and v != d.opportunity_id:
            continue
        kind = label("interest", x.get("kind"), d.lang)
        if key in new:
            d.add("interest_appeared", key, "HAS_INTEREST", "threat", None, x.get("threat"), contact_id=u,
                  name=d.name(u), interest=kind, after=_fmt(x.get("threat")))
        else:
            d.add("interest_gone", key, "HAS_INTEREST", "threat", x.get("threat"), None, contact_id=u,
                  name=d.name(u), interest=kind)


def _amount(x: Mapping[str, Any], lang: str, exact: bool = False) -> str:
    """A deal's amount as a manager reads it ("CNY 6.5 million", "约650万元"); ``exact``: to the unit."""
    amount = x.get("amount")
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return "—"
    return f"{amount:,.0f} {x.get('currency') or 'CNY'}" if exact else money(float(amount), x.get("currency"), lang)


def _amounts(old: Mapping[str, Any], new: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """Two amounts, to the unit when rounded they would read the same."""
    shown = _amount(old, lang), _amount(new, lang)
    return (_amount(old, lang, True), _amount(new, lang, True)) if shown[0] == shown[1] else shown


def _deals(d: _Diff, account_id: str) -> None:
    """The account's deals opened, removed, won, lost or reopened; their stage, amount and close date;
    the competitors named on them (only ``opportunity_id``'s when one is asked for)."""
    before = {n: x for n, x in _nodes(d.before, "opportunity").items() if x.get("account_id") == account_id}
    after = {n: x for n, x in _nodes(d.after, "opportunity").items() if x.get("account_id") == account_id}
    for o in sorted(before.keys() | after.keys()):
        if d.opportunity_id is not None and o != d.opportunity_id:
            continue
        old, new, opp = before.get(o), after.get(o), d.name(o)
        if old is None and new is not None:
            status = deal_status(new, d.options)
            shown = _t("sep", d.lang).join(
                x for x in (str(new.get("stage") or ""), _t(f"status.{status}", d.lang) if status != "open" else "",
                            _amount(new, d.lang) if new.get("amount") is not None else "") if x) \
                or _t("status.open", d.lang)
            d.add("deal_opened", o, "opportunity", "status", None, status, opportunity_id=o, opportunity=opp,
                  after=shown)
        elif new is None and old is not None:
            d.add("deal_removed", o, "opportunity", None, deal_status(old, d.options), None, opportunity_id=o, opportunity=opp)
            continue
        assert new is not None
        old = old or {}
        if old:
            a, b = deal_status(old, d.options), deal_status(new, d.options)
            if a != b:
                kind = {"won": "deal_won", "lost": "deal_lost"}.get(b, "deal_reopened")
                d.add(kind, o, "opportunity", "status", a, b, opportunity_id=o, opportunity=opp,
                      before=_t(f"status.{a}", d.lang))
            # A stage that says the deal was won or lost says no more than the change of its status.
            said = a != b and status_of_stage(new.get("stage") if isinstance(new.get("stage"), str) else None) \
                .value == b
            if (old.get("stage") or None) != (new.get("stage") or None) and not said:
                d.add("deal_stage_changed", o, "opportunity", "stage", old.get("stage"), new.get("stage"),
                      opportunity_id=o, opportunity=opp, before=_fmt(old.get("stage")), after=_fmt(new.get("stage")))
            if old.get("amount") != new.get("amount") or \
                    (new.get("amount") is not None and old.get("currency") != new.get("currency")):
                amounts = _amounts(old, new, d.lang)
                d.add("deal_amount_changed", o, "opportunity", "amount", old.get("amount"), new.get("amount"),
                      opportunity_id=o, opportunity=opp, before=amounts[0], after=amounts[1])
            if old.get("close_date") != new.get("close_date"):
                d.add("deal_close_date_changed", o, "opportunity", "close_date", old.get("close_date"),
                      new.get("close_date"), opportunity_id=o, opportunity=opp, before=_fmt(old.get("close_date")),
                      after=_fmt(new.get("close_date")))
        rivals_before = set(old.get("competitor_ids") or ())
        rivals_after = set(new.get("competitor_ids") or ())
        for c in sorted(rivals_after - rivals_before):
            d.add("deal_competitor_added", o, "opportunity", "competitor_ids", None, c, opportunity_id=o,
                  name=d.name(c), opportunity=opp)
        for c in sorted(rivals_before - rivals_after):
            d.add("deal_competitor_removed", o, "opportunity", "competitor_ids", c, None, opportunity_id=o,
                  name=d.name(c), opportunity=opp)


def _competitors(d: _Diff) -> None:
    """Competitors new on the account's map (named by one of its deals) or gone from it."""
    before, after = _nodes(d.before, "competitor"), _nodes(d.after, "competitor")
    for c in sorted(after.keys() - before.keys()):
        d.add("competitor_new", c, "competitor", None, None, c, name=d.name(c))
    for c in sorted(before.keys() - after.keys()):
        d.add("competitor_dropped", c, "competitor", None, c, None, name=d.name(c))


def _support(g: nx.MultiDiGraph | None, opportunity_id: str, options: ScoringOptions | None,
             lang: str) -> tuple[float | None, dict[str, float]]:
    if g is None or opportunity_id not in g:
        return None, {}
    report = chain_report(g, opportunity_id, options, lang)
    return report.support.us, dict(report.support.competitors)


def _gaps(g: nx.MultiDiGraph | None, opportunity_id: str, today: dt.date, options: ScoringOptions | None,
          lang: str, team: Iterable[Mapping[str, Any]] | None) -> dict[tuple[str, tuple[str, ...]], GapRow]:
    if g is None or opportunity_id not in g:
        return {}
    report = gap_report(g, opportunity_id, today, options, lang, team)
    # A gap about the chain as a whole stays the same gap when the people it lists change; any other
    # is one gap per role, department or person.
    return {(gap.code, () if gap.code in WHOLE_CHAIN_GAPS else (gap.role or gap.department or "",
                                                             *gap.contact_ids)):
            GapRow(gap.code, gap.severity, tuple(gap.contact_ids), gap.message) for gap in report.gaps}


def _ranking(g: nx.MultiDiGraph | None, opportunity_id: str, options: ScoringOptions | None, lang: str,
             team: Iterable[Mapping[str, Any]] | None) -> dict[str, int]:
    if g is None or opportunity_id not in g:
        return {}
    picks = who_next(g, opportunity_id, RANKED, False, options, lang, team).recommendations
    return {r.contact_id: i for i, r in enumerate(picks, 1)}


SEVERITY_ORDER: Final = {"high": 0, "medium": 1, "low": 2}


def _gap_order(gap: GapRow) -> tuple[int, str, tuple[str, ...], str]:
    """Gaps as coverage-gaps lists them: the most severe first, then by code, the people, the text."""
    return SEVERITY_ORDER.get(gap.severity, len(SEVERITY_ORDER)), gap.code, gap.contact_ids, gap.message


def _out_because(g: nx.MultiDiGraph, opportunity_id: str, contact_id: str,
                 options: ScoringOptions | None) -> str | None:
    """Why someone ranked at the start is out of the top at the end: the deal closed, won over (a
    supporter or champion of the deal now), left (left the company, of another account now, or off the
    map), or None (outranked)."""
    if opportunity_id in g and not is_open(g.nodes[opportunity_id], resolve(options)):
        return "deal_closed"
    if contact_id not in g or g.nodes[contact_id].get("status") == "left" \
            or g.nodes[contact_id].get("account_id") not in (None, g.graph.get("account_id")):
        return "left"
    supportive = resolve(options).supportive_stances
    if any(x.get("type") == "MEMBER_OF" and v == opportunity_id and x.get("stance") in supportive
           for _, v, x in g.out_edges(contact_id, data=True)):
        return "won_over"
    return None


def chosen_opportunity(g: nx.MultiDiGraph, wanted: Iterable[str] = (),
                       options: ScoringOptions | None = None) -> str | None:
    """The opportunity a summary speaks of: an open one (``is_open``) before a closed one — the first of
    ``wanted`` on the map, else the account's closing first (then by id) —, else a closed one of
    ``wanted``, else any of its opportunities."""
    account_id = g.graph.get("account_id")
    opportunities = {n: x for n, x in _nodes(g, "opportunity").items() if x.get("account_id") == account_id}
    if not opportunities:
        return None
    wanted = [o for o in wanted if o in opportunities]
    open_ = [o for o, x in opportunities.items() if is_open(x, resolve(options))]
    first = next((o for o in wanted if o in open_), None)
    if first is not None:
        return first
    if open_ or not wanted:
        return min(open_ or opportunities, key=lambda o: (str(opportunities[o].get("close_date") or "9999"), o))
    return wanted[0]


def what_changed(before: nx.MultiDiGraph | None, after: nx.MultiDiGraph, *, opportunity_id: str | None = None,
                 lang: str = "en", stamps: Mapping[tuple[str, str], tuple[str, str]] | None = None,
                 options: ScoringOptions | None = None, today_before: dt.date | None = None,
                 today_after: dt.date | None = None, team: Iterable[Mapping[str, Any]] | None = None,
                 redacted: bool = False, summary_opportunities: Iterable[str] = (),
                 elsewhere: Mapping[str, str] | None = None, account_names: Mapping[str, str] | None = None
                 ) -> ChangeList:
    """The changes from ``before`` (None: the account did not exist yet) to ``after``, oldest record
    first within each group, and the summary for ``opportunity_id`` (or the one ``chosen_opportunity``
    picks). ``stamps``: (record type, id) → (at, by) of its last change in the period (a contact's type is
    ``contact``, a relationship's its edge type). ``team``: our whole team as it is now, for both moments
    (the gaps group the people they list by the executive of ours to name, so a roster of then would
    show a hire or a departure on our side as gaps closed and opened at the account). ``redacted`` leaves
    entrenched interests out. ``elsewhere``: the other account of each of the account's people who moved
    in or out in the period (where they were at the start, or are at the end: ``graph.history`` knows),
    whose arrival or departure is then a move (``moved_in``, ``moved_out``, their lines ``line_moved_in``,
    ``line_moved_out``) rather than a joining or a removal; ``account_names``: those accounts' names.
    The account's own changes come first: its class, its name, its metrics.

    >>> g = nx.MultiDiGraph(account_id="a"); g.add_node("a", kind="account")
    >>> h = g.copy(); h.add_node("c", kind="contact", account_id="a", name="林晓", title="设计总监")
    >>> [c.text for c in what_changed(g, h, lang="zh-CN").changes]
    ['林晓（设计总监）新出现在地图上']
    """
    lang = norm_lang(lang)
    start = before if before is not None else nx.MultiDiGraph(account_id=after.graph.get("account_id"))
    d = _Diff(start, after, lang, stamps or {}, opportunity_id, redacted, resolve(options), elsewhere or {},
              account_names or {})
    end = today_after or dt.datetime.now(dt.UTC).date()
    _account(d, str(after.graph.get("account_id")), today_before or end, end)
    _people(d, str(after.graph.get("account_id")))
    _chain(d)
    _lines(d)
    _coverage(d)
    _interests(d)
    _deals(d, str(after.graph.get("account_id")))
    _competitors(d)
    changes = tuple(d.out)

    opp = opportunity_id or chosen_opportunity(after, summary_opportunities, options)
    if redacted:
        options = discreet(options)
    team_list = list(team) if team is not None else None
    support: dict[str, Any] = {"us": SupportMove(None, None), "competitors": {}}
    opened: tuple[GapRow, ...] = ()
    closed: tuple[GapRow, ...] = ()
    ranking: tuple[RankMove, ...] = ()
    if opp is not None:
        us_before, them_before = _support(before, opp, options, lang)
        us_after, them_after = _support(after, opp, options, lang)
        support = {"us": SupportMove(us_before, us_after),
                   "competitors": {k: SupportMove(them_before.get(k), them_after.get(k), d.name(k))
                                   for k in sorted(them_before.keys() | them_after.keys())}}
        gaps_before = _gaps(before, opp, today_before or end, options, lang, team_list)
        gaps_after = _gaps(after, opp, end, options, lang, team_list)
        opened = tuple(gaps_after[k] for k in gaps_after.keys() - gaps_before.keys())
        closed = tuple(gaps_before[k] for k in gaps_before.keys() - gaps_after.keys())
        opened = tuple(sorted(opened, key=_gap_order))
        closed = tuple(sorted(closed, key=_gap_order))
        rank_before = _ranking(before, opp, options, lang, team_list)
        rank_after = _ranking(after, opp, options, lang, team_list)
        ranking = tuple(RankMove(c, d.name(c, then=d.moved(c) is not None and c not in rank_after),
                                 rank_before.get(c), rank_after.get(c),
                                 _out_because(after, opp, c, options) if c not in rank_after else None)
                        for c in sorted(rank_before.keys() | rank_after.keys(),
                                        key=lambda c: (rank_after.get(c, RANKED + 1), rank_before.get(c, 99), c)))
    count = {kind: sum(1 for c in changes if c.kind in kinds) for kind, kinds in (
        ("joined", ("joined",)), ("left", ("left", "removed")), ("moved_in", ("moved_in",)),
        ("moved_out", ("moved_out",)), ("lines_moved", ("line_moved_in", "line_moved_out")),
        ("stance", ("stance_changed",)), ("added", ("line_added",)), ("removed", ("line_removed",)),
        ("gained", ("coverage_gained",)), ("lost", ("coverage_lost",)))}
    summary = Summary(opp, count["joined"], count["left"], count["stance"], count["added"], count["removed"],
                      count["gained"], count["lost"], support, opened, closed, ranking, count["moved_in"],
                      count["moved_out"], count["lines_moved"])
    return ChangeList(changes, summary)
