"""The review deck (复盘材料): the slides a manager takes into an account review, as PPTX and as PDF.

``build_deck`` decides the slides once — title; the map (with the changes marked when there is a
previous review), drawn for the slide (``MAP_STYLE``); the decision chain (role, stance, influence,
coverage, closeness); support for us and each competitor across the recorded reviews (a chart); gaps with
their actions; the plan of next moves with their paths and what to do; what changed since the last
review and its summary (support for us and each competitor, gaps opened and closed, whom to win next; on
a slide of its own when they do not fit one) — and two writers draw the same slides, titles too long for
a line shrunk or broken in two, Chinese broken between characters (``rendering.draw.wrap``):
``write_pptx`` (python-pptx; every run carries Noto Sans SC as its East Asian font, which PowerPoint
and LibreOffice substitute when it is missing) and ``write_pdf`` (laid out by matplotlib, written by
cairo as the maps' PDF is, with the font the maps use, so Chinese renders on a fresh install).
``redact`` leaves personal notes and entrenched interests out of every slide.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import struct
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx

from graph.models import status_of_stage
from rendering import fonts
from rendering.draw import PageStyle, text_width, wrap
from rendering.model import redact as redacted_graph
from rendering.safe import visual_text
from scoring.chain import chain_report
from scoring.changes import ChangeList
from scoring.gaps import gap_report
from scoring.options import ScoringOptions, discreet, resolve
from scoring.people import deal_status
from scoring.recommend import who_next
from scoring.texts import label, money, norm_lang, say

FONT: Final = "Noto Sans SC"
SLIDE_W: Final = 13.333   # inches, 16:9
SLIDE_H: Final = 7.5
MAX_ROWS: Final = 12      # table rows per slide; the rest is counted in a footnote
MAX_CHANGES: Final = 14
PLAN_STEPS: Final = 5
TITLE_W: Final = SLIDE_W - 1.35     # inches a title's line may take (its box, less PowerPoint's insets and a margin)
BODY_TOP: Final = 1.2              # where a slide's body starts under a one- or two-line title
BULLET_PT: Final = 15.0            # the size a slide's bullets are measured at (PPTX 15 pt, PDF 14 pt)
# The map slide's picture: the map drawn for a slide that shows it at about two thirds of its size (names
# of 10.5 × 1.5 points: 9 points or more as shown on a 13.3-inch slide for maps up to about 19 inches
# wide), under the slide's title instead of its own, with no gap list (the deck has a gap slide), the
# legend in a block at the top left, and the proportions of the slide's body, which it fills; what it leaves
# out said in a meeting's words (no API queries).
MAP_STYLE: Final = PageStyle(gap_list=False, title=False, top_legend=True, text=1.5,
                             aspect=(SLIDE_W - 1.0) / (SLIDE_H - 0.4 - BODY_TOP), meeting=True)

WORDS: Final[dict[str, dict[str, str]]] = {
    "deck": {"en": "Account review", "zh-CN": "客户复盘"},
    "as_of": {"en": "As of {date}", "zh-CN": "截至 {date}"},
    "since": {"en": "Compared with: {since}", "zh-CN": "对比：{since}"},
    "first": {"en": "First recorded review: no earlier review to compare with",
              "zh-CN": "首次复盘：暂无可对比的上次复盘"},
    "redacted": {"en": "Redacted: personal notes and interests left out", "zh-CN": "已脱敏：不含个人备注与利益信息"},
    "map": {"en": "Relationship map", "zh-CN": "客户关系地图"},
    "change_map": {"en": "Relationship map — changes since {since}", "zh-CN": "客户关系地图——自{since}以来的变化"},
    "chain": {"en": "Decision chain", "zh-CN": "决策链"},
    "support": {"en": "Support over time", "zh-CN": "支持度变化"},
    "gaps": {"en": "Coverage gaps and actions", "zh-CN": "覆盖缺口与行动"},
    "plan": {"en": "Next moves", "zh-CN": "下一步行动计划"},
    "changes": {"en": "What changed since {since}", "zh-CN": "自{since}以来的变化"},
    "changes_unlabelled": {"en": "What changed since the last review", "zh-CN": "自上次复盘以来的变化"},
    "no_changes": {"en": "Nothing on the map changed.", "zh-CN": "地图上没有变化。"},
    "more": {"en": "… and {n} more", "zh-CN": "……另有{n}项"},
    "no_opportunity": {"en": "No opportunity at this account yet.", "zh-CN": "该客户尚无商机。"},
    "support_line": {"en": "Support for us {us}; {them}", "zh-CN": "我方支持度 {us}；{them}"},
    "support_move": {"en": "Support for us: {before} → {after}", "zh-CN": "我方支持度：{before} → {after}"},
    "us": {"en": "Us", "zh-CN": "我方"},
    "now": {"en": "now", "zh-CN": "当前"},
    "name": {"en": "Name", "zh-CN": "姓名"},
    "title": {"en": "Title", "zh-CN": "职位"},
    "role": {"en": "Role", "zh-CN": "角色"},
    "stance": {"en": "Stance", "zh-CN": "态度"},
    "influence": {"en": "Influence", "zh-CN": "影响力"},
    "coverage": {"en": "Covered by", "zh-CN": "我方覆盖"},
    "closeness": {"en": "Closeness", "zh-CN": "紧密度"},
    "severity": {"en": "Severity", "zh-CN": "严重度"},
    "gap": {"en": "Gap", "zh-CN": "缺口"},
    "action": {"en": "Action", "zh-CN": "行动"},
    "step": {"en": "#", "zh-CN": "序"},
    "who": {"en": "Win over", "zh-CN": "争取对象"},
    "path": {"en": "Through", "zh-CN": "路径"},
    "why": {"en": "Why", "zh-CN": "理由"},
    "nobody_covers": {"en": "—", "zh-CN": "—"},
    "left": {"en": "(left)", "zh-CN": "（已离职）"},
    "no_gaps": {"en": "No coverage gaps.", "zh-CN": "没有覆盖缺口。"},
    "no_plan": {"en": "Nobody left to win over.", "zh-CN": "暂无需要争取的对象。"},
    "status_won": {"en": "won", "zh-CN": "已赢单"},
    "status_lost": {"en": "lost", "zh-CN": "已输单"},
    "closed_won": {"en": "This deal is won: there is nobody to win over for it any more.",
                   "zh-CN": "该商机已赢单：无需再为它争取任何人。"},
    "closed_lost": {"en": "This deal is lost: there is no one to win over for it any more.",
                    "zh-CN": "该商机已输单：不再为它规划争取对象。"},
    "high": {"en": "high", "zh-CN": "高"},
    "medium": {"en": "medium", "zh-CN": "中"},
    "low": {"en": "low", "zh-CN": "低"},
    "chart_y": {"en": "support (−1 against … +1 for)", "zh-CN": "支持度（−1 反对 … +1 支持）"},
    # the summary of what changed, the plan's what-to-do, the punctuation of lists and labelled values
    "changes_summary": {"en": "What changed since {since}: support, gaps and whom to win next",
                        "zh-CN": "自{since}以来的变化：支持度、缺口与争取对象"},
    "changes_summary_unlabelled": {"en": "What changed since the last review: support, gaps and whom to win next",
                                   "zh-CN": "自上次复盘以来的变化：支持度、缺口与争取对象"},
    "support_them": {"en": "Support for {name}: {before} → {after}", "zh-CN": "{name}的支持度：{before} → {after}"},
    "gap_opened": {"en": "Gap opened: {message}", "zh-CN": "新出现的缺口：{message}"},
    "gap_closed": {"en": "Gap closed: {message}", "zh-CN": "已消除的缺口：{message}"},
    "ranking": {"en": "Whom to win next: {moves}", "zh-CN": "争取对象排名：{moves}"},
    "rank_same": {"en": "{after}. {name}", "zh-CN": "{after}. {name}"},
    "rank_moved": {"en": "{after}. {name} (was {before})", "zh-CN": "{after}. {name}（原第{before}）"},
    "rank_new": {"en": "{after}. {name} (new)", "zh-CN": "{after}. {name}（新上榜）"},
    "rank_out": {"en": "{name} (out; was {before})", "zh-CN": "{name}（跌出，原第{before}）"},
    "rank_won_over": {"en": "{name} (won over; was {before})", "zh-CN": "{name}（已争取到，原第{before}）"},
    "rank_left": {"en": "{name} (left; was {before})", "zh-CN": "{name}（已离开，原第{before}）"},
    "rank_deal_closed": {"en": "{name} (deal closed; was {before})", "zh-CN": "{name}（商机已结束，原第{before}）"},
    "do": {"en": "What to do", "zh-CN": "怎么做"},
    "sep": {"en": "; ", "zh-CN": "；"},
    "labelled": {"en": "{label}: {value}", "zh-CN": "{label}：{value}"},
    "dated": {"en": "{title} ({date})", "zh-CN": "{title}（{date}）"},
}


DECK_MAP_PEOPLE = 30      # more contacts: the deck's map shows the decision chain and the people next to it
CHART_LABEL = 22          # display columns of a review's name under the support chart (a Chinese character: 2)
TRAILING = " \t:;,.!?-–—·/(（[【《「：；，。、！？·"


def short_title(title: str, columns: int = CHART_LABEL) -> str:
    """A review's title as the support chart names it: whole when it fits ``columns`` display columns
    (Chinese characters and full-width marks take two, other characters one), else cut where it still
    fits with an ellipsis, the punctuation and spaces before the cut dropped.

    >>> short_title("Q4 joint review"), short_title("Quarterly business review with the board")
    ('Q4 joint review', 'Quarterly business…')
    >>> short_title("2026年第四季度客户复盘：中高端升级项目与管理层沟通进展")
    '2026年第四季度客户复…'
    """
    def width(ch: str) -> int:
        return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

    if sum(map(width, title)) <= columns:
        return title
    used, cut = width("…"), 0
    for ch in title:
        if used + width(ch) > columns:
            break
        used += width(ch)
        cut += 1
    head = title[:cut].rstrip(TRAILING)
    # Latin text is cut at a word's end when one ends in the second half (never inside a word).
    if head and cut < len(title) and not title[cut].isspace() and title[cut - 1:cut].isascii() \
            and title[cut - 1].isalnum():
        space = head.rfind(" ")
        if space >= len(head) // 2:
            head = head[:space].rstrip(TRAILING)
    return (head or title[:cut]) + "…"


def deck_map(graph: nx.MultiDiGraph, changes: ChangeList | None, since_label: str | None, fmt: str, *,
             opportunity_id: str | None, redact: bool, lang: str, today: dt.date, options: ScoringOptions | None,
             team: Iterable[Mapping[str, Any]]) -> bytes:
    """The picture of the deck's map slide in ``fmt`` (png; svg shows its sizes): the change map of
    ``changes`` since ``since_label`` (the map without them), drawn for the slide (``MAP_STYLE``: no title
    or gap list, the legend in a block at the top, larger names, the slide's proportions). Our team
    members with a tie to the account are drawn (those without one would fill a column of empty boxes; the
    gap slide names whom to bring in); an account of more than ``DECK_MAP_PEOPLE`` contacts shows its
    decision chain and the people one tie from it (the smallest focus a map has: still small on a slide)."""
    from rendering import MapError, render_map
    from rendering.change_map import render_change_map
    from rendering.draw import page_style
    from rendering.focus import Focus

    tied = [member for member in team if member.get("id") in graph]
    people = sum(1 for _, kind in graph.nodes(data="kind") if kind == "contact")

    def draw(focus: Focus) -> bytes:
        with page_style(MAP_STYLE):
            if changes is not None:
                return render_change_map(graph, changes, fmt, since_label=since_label or "",
                                         opportunity_id=opportunity_id, redact=redact, lang=lang, today=today,
                                         options=options, team=tied, focus=focus)
            return render_map(graph, fmt, opportunity_id=opportunity_id, redact=redact, lang=lang, today=today,
                              options=options, team=tied, focus=focus)

    if opportunity_id is not None and people > DECK_MAP_PEOPLE:
        try:
            return draw(Focus("chain", depth=1))
        except MapError:                         # nobody in its decision chain yet: the map's own choice
            pass
    return draw(Focus())


def word(key: str, lang: str, **kw: Any) -> str:
    return say(WORDS, key, lang, **kw)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]             # relative column widths
    max_lines: int = 3                    # lines a cell takes at most in the PDF (the rest ends in "…")


@dataclass(frozen=True)
class Slide:
    title: str
    subtitle: str = ""
    bullets: tuple[str, ...] = ()
    table: Table | None = None
    image: bytes | None = None            # a PNG
    footnote: str = ""


@dataclass(frozen=True)
class Deck:
    title: str
    lang: str
    slides: tuple[Slide, ...]


@dataclass(frozen=True)
class SupportPoint:
    """Support for us and each competitor (by name) at one review, or now."""

    label: str                            # under the chart (a review's name shortened)
    us: float
    competitors: Mapping[str, float] = field(default_factory=dict)
    title: str = ""                       # in the footnote: the moment's whole name (default: the label)


def support_points(graphs: Sequence[tuple[str, nx.MultiDiGraph | None, str]], opportunity_id: str,
                   options: ScoringOptions | None = None) -> list[SupportPoint]:
    """Support at each moment where the opportunity was on the map: (chart label, map, whole name)."""
    points: list[SupportPoint] = []
    for text, g, title in graphs:
        if g is None or opportunity_id not in g:
            continue
        support = chain_report(g, opportunity_id, options).support
        names = {k: str(g.nodes[k].get("name") or k) if k in g else k for k in support.competitors}
        points.append(SupportPoint(text, support.us, {names[k]: v for k, v in support.competitors.items()},
                                   title))
    return points


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def build_deck(graph: nx.MultiDiGraph, *, opportunity_id: str | None, lang: str, today: dt.date,
               map_png: bytes, chart_png: bytes | None, points: Sequence[SupportPoint],
               changes: ChangeList | None, since_label: str | None, redact: bool = False,
               options: ScoringOptions | None = None, team: Iterable[Mapping[str, Any]] | None = None) -> Deck:
    """The review deck of one account's map (now), for one opportunity (the account's first open one
    when None is given and it has any)."""
    lang = norm_lang(lang)
    g = redacted_graph(graph) if redact else graph
    account = g.graph.get("account") or {}
    name = str(account.get("name") or g.graph.get("account_id"))
    team_list = list(team) if team is not None else None
    opp = g.nodes[opportunity_id] if opportunity_id is not None and opportunity_id in g else None
    # A deal won or lost is presented as such: no plan of whom to win for it.
    status = deal_status(opp, resolve(options)) if opp is not None else "open"
    closed = None if status == "open" else status

    facts = [word("as_of", lang, date=today.isoformat())]
    if opp is not None:
        bits = [str(opp.get("name") or opportunity_id), str(opp.get("stage") or "")]
        if closed is not None and status_of_stage(str(opp.get("stage") or "")).value != closed:
            bits.append(word(f"status_{closed}", lang))
        if isinstance(opp.get("amount"), int | float):
            bits.append(money(float(opp["amount"]), opp.get("currency"), lang))
        if opp.get("close_date"):
            bits.append(str(opp["close_date"]))
        facts.insert(0, " · ".join(b for b in bits if b))
    facts.append(word("since", lang, since=since_label) if since_label else word("first", lang))
    if redact:
        facts.append(word("redacted", lang))
    slides = [Slide(f"{name} · {word('deck', lang)}", bullets=tuple(facts))]
    map_title = word("change_map", lang, since=since_label) if changes is not None and since_label \
        else word("map", lang)
    slides.append(Slide(map_title, image=map_png))

    if opportunity_id is None or opp is None:
        slides.append(Slide(word("chain", lang), bullets=(word("no_opportunity", lang),)))
    else:
        slides += _chain_slides(g, opportunity_id, lang, options)
        slides.append(_support_slide(points, chart_png, lang))
        # The advice of the whole map, worded without the interests when they are left out.
        advice = discreet(options) if redact else options
        slides.append(_gap_slide(graph, opportunity_id, today, lang, advice, team_list))
        slides.append(_plan_slide(graph, opportunity_id, lang, advice, team_list) if closed is None
                      else Slide(word("plan", lang), bullets=(word(f"closed_{closed}", lang),)))
    slides += _change_slides(g, changes, since_label, lang, redact)
    return Deck(f"{name} · {word('deck', lang)}", lang, tuple(slides))


def _chain_slides(g: nx.MultiDiGraph, opportunity_id: str, lang: str,
                  options: ScoringOptions | None) -> list[Slide]:
    report = chain_report(g, opportunity_id, options, lang)
    team_names = {n: str(d.get("name") or n) for n, d in g.nodes(data=True) if d.get("kind") == "team_member"}
    rows = []
    for m in report.members:
        covered = "、".join(f"{team_names.get(c.team_member_id, c.team_member_id)} {c.closeness:.1f}"
                           for c in m.covered_by) or word("nobody_covers", lang)
        rows.append((f"{m.name or m.contact_id}" + (word("left", lang) if m.status == "left" else ""),
                     m.title or "", label("role", m.role, lang), label("stance", m.stance, lang),
                     f"{m.influence:g}", covered, "—" if m.closeness.composite is None else f"{m.closeness.composite:.2f}"))
    them = word("sep", lang).join(f"{g.nodes[k].get('name') or k if k in g else k} {v:+.2f}"
                                  for k, v in report.support.competitors.items())
    note = word("support_line", lang, us=f"{report.support.us:+.2f}", them=them)
    header = tuple(word(k, lang) for k in ("name", "title", "role", "stance", "influence", "coverage",
                                           "closeness"))
    return [Slide(word("chain", lang), table=Table(header, tuple(rows[i:i + MAX_ROWS]),
                                                    (1.3, 1.5, 1.3, 1.0, 0.8, 2.0, 0.9)),
                  footnote=note) for i in range(0, max(len(rows), 1), MAX_ROWS)]


def _support_slide(points: Sequence[SupportPoint], chart_png: bytes | None, lang: str) -> Slide:
    """The chart of support across the reviews; under it the last two moments by their whole names."""
    def values(p: SupportPoint) -> str:
        return word("sep", lang).join([f"{word('us', lang)} {_num(p.us)}",
                                       *(f"{k} {_num(v)}" for k, v in p.competitors.items())])

    bullets = tuple(word("labelled", lang, label=p.title or p.label.replace(chr(10), " "), value=values(p))
                    for p in points[-6:])
    return Slide(word("support", lang), image=chart_png, bullets=bullets if chart_png is None else (),
                 footnote="  ·  ".join(bullets[-2:]) if chart_png is not None else "")


def _gap_slide(g: nx.MultiDiGraph, opportunity_id: str, today: dt.date, lang: str,
               options: ScoringOptions | None, team: list[Mapping[str, Any]] | None) -> Slide:
    report = gap_report(g, opportunity_id, today, options, lang, team)
    rows = tuple((word(gap.severity, lang), gap.message, gap.action) for gap in report.gaps)
    if not rows:
        return Slide(word("gaps", lang), bullets=(word("no_gaps", lang),))
    more = len(rows) - MAX_ROWS
    header = (word("severity", lang), word("gap", lang), word("action", lang))
    return Slide(word("gaps", lang), table=Table(header, rows[:MAX_ROWS], (0.6, 3.0, 3.4)),
                 footnote=word("more", lang, n=more) if more > 0 else "")


def _plan_slide(g: nx.MultiDiGraph, opportunity_id: str, lang: str, options: ScoringOptions | None,
                team: list[Mapping[str, Any]] | None) -> Slide:
    plan = who_next(g, opportunity_id, PLAN_STEPS, True, options, lang, team).recommendations
    if not plan:
        return Slide(word("plan", lang), bullets=(word("no_plan", lang),))

    def name(node: str) -> str:
        return str(g.nodes[node].get("name") or node) if node in g else node

    # The path as the advice gives it (our team member first), why, and the first of its tactics.
    rows = tuple((str(r.step or i), r.name or r.contact_id, " → ".join(name(n) for n in r.path),
                  ("" if lang == "zh-CN" else " ").join(t.text for t in r.reasons[:2]),
                  r.tactics[0].text if r.tactics else "") for i, r in enumerate(plan, 1))
    header = (word("step", lang), word("who", lang), word("path", lang), word("why", lang), word("do", lang))
    return Slide(word("plan", lang), table=Table(header, rows, (0.35, 1.05, 2.2, 3.3, 3.1), max_lines=4))


def _summary_items(g: nx.MultiDiGraph, changes: ChangeList, lang: str) -> list[str]:
    """The summary of what changed, most telling first: support for us and each competitor before → after,
    the gaps opened and closed, and how the top of whom to win next moved."""
    summary = changes.summary
    if summary.opportunity_id is None:
        return []
    items: list[str] = []
    us = summary.support.get("us")
    if us is not None and (us.before is not None or us.after is not None):
        items.append(word("support_move", lang, before=_num(us.before), after=_num(us.after)))
    for key, move in (summary.support.get("competitors") or {}).items():
        name = move.name or (str(g.nodes[key].get("name") or key) if key in g else key)
        items.append(word("support_them", lang, name=name, before=_num(move.before), after=_num(move.after)))
    items += [word("gap_opened", lang, message=gap.message) for gap in summary.gaps_opened]
    items += [word("gap_closed", lang, message=gap.message) for gap in summary.gaps_closed]
    moves = []
    for move in summary.ranking:
        kind = (f"rank_{move.out_because or 'out'}" if move.after is None else "rank_new" if move.before is None
                else "rank_same" if move.before == move.after else "rank_moved")
        moves.append(word(kind, lang, name=move.name or move.contact_id, before=move.before, after=move.after))
    if moves:
        items.append(word("ranking", lang, moves=word("sep", lang).join(moves)))
    return items


def _bullets_height(bullets: Sequence[str]) -> float:
    """Inches the bullets take on a slide (as the PDF lays them out, measured at the PPTX's size)."""
    return sum(len(wrap(f"•  {b}", BULLET_PT, SLIDE_W - 1.6, 3)) * BULLET_PT / 72 * 1.55 + 0.08 for b in bullets)


def _bullets_fitting(bullets: Sequence[str], room: float, lang: str) -> list[str]:
    """As many of ``bullets`` as fit ``room`` inches, then "… and N more" when some are left out."""
    if _bullets_height(bullets) <= room:
        return list(bullets)
    kept = list(bullets)
    while kept and _bullets_height([*kept, word("more", lang, n=len(bullets) - len(kept))]) > room:
        kept.pop()
    return [*kept, word("more", lang, n=len(bullets) - len(kept))]


def _change_slides(g: nx.MultiDiGraph, changes: ChangeList | None, since_label: str | None, lang: str,
                   redact: bool) -> list[Slide]:
    """What changed since the last review, then the summary (support for us and each competitor, gaps
    opened and closed, whom to win next): on one slide when they fit, else the summary on a second."""
    title = word("changes", lang, since=since_label) if since_label else word("changes_unlabelled", lang)
    if changes is None:
        return [Slide(title, bullets=(word("first", lang),))]
    texts = [c.text for c in changes.changes if not (redact and c.kind.startswith("interest"))]
    bullets = texts[:MAX_CHANGES] or [word("no_changes", lang)]
    if len(texts) > MAX_CHANGES:
        bullets.append(word("more", lang, n=len(texts) - MAX_CHANGES))
    summary = _summary_items(g, changes, lang)
    room = SLIDE_H - 0.4 - BODY_TOP - 0.3
    if _bullets_height([*bullets, *summary]) <= room:
        return [Slide(title, bullets=tuple(bullets + summary))]
    slides = [Slide(title, bullets=tuple(_bullets_fitting(texts or bullets, room, lang)))]
    if summary:
        heading = word("changes_summary", lang, since=since_label) if since_label \
            else word("changes_summary_unlabelled", lang)
        slides.append(Slide(heading, bullets=tuple(_bullets_fitting(summary, room, lang))))
    return slides


# ---- the support chart --------------------------------------------------------------------------------


_render_lock = threading.Lock()      # matplotlib's rcParams are global: one chart or deck at a time


@contextmanager
def _drawing() -> Iterator[None]:
    """Matplotlib's settings for the deck's chart and PDF, one at a time: the map font, text as text,
    no math or TeX in any text."""
    import matplotlib

    rc: Any = {"font.family": fonts.font_families(), "svg.fonttype": "none", "axes.unicode_minus": False,
               "text.parse_math": False, "text.usetex": False}
    with _render_lock, matplotlib.rc_context(rc):
        yield


def support_chart(points: Sequence[SupportPoint], lang: str) -> bytes | None:
    """A PNG line chart of support for us and each competitor across the review points (None: fewer
    than one point)."""
    if not points:
        return None
    from matplotlib.figure import Figure

    lang = norm_lang(lang)
    with _drawing():
        fig = Figure(figsize=(11.5, 4.6), facecolor="white")
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        ax.axhline(0, color="#b0bec5", lw=1)
        ax.plot(xs, [p.us for p in points], marker="o", lw=2.5, color="#1565c0", label=word("us", lang))
        rivals = sorted({k for p in points for k in p.competitors})
        for i, rival in enumerate(rivals):
            ax.plot(xs, [p.competitors.get(rival, float("nan")) for p in points], marker="s", lw=1.8,
                    color=("#c62828", "#6d4c41", "#8e24aa", "#ef6c00")[i % 4], label=rival)
        for x, p in zip(xs, points, strict=True):
            ax.annotate(f"{p.us:+.2f}", (x, p.us), textcoords="offset points", xytext=(0, 8), ha="center",
                        fontsize=9, color="#1565c0")
        ax.set_xticks(xs, [p.label for p in points], fontsize=9)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel(word("chart_y", lang), fontsize=9)
        ax.grid(axis="y", color="#eceff1")
        ax.legend(loc="best", fontsize=9, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=130)
    return buffer.getvalue()


# ---- writers ------------------------------------------------------------------------------------------


def title_lines(title: str, size: float, least: float) -> tuple[list[str], float]:
    """A slide's title as it fits ``TITLE_W``: on one line at ``size`` points or smaller down to ``least``,
    else on two lines at ``least`` (the second ending in "…" when even two do not hold it)."""
    for points in (size - i for i in range(int(size - least) + 1)):
        if text_width(title, points) <= TITLE_W:
            return [title], points
    return wrap(title, least, TITLE_W, 2), least


def _title_block(title: str, first: bool, size: float) -> tuple[list[str], float, float, float]:
    """A slide's title laid out: its lines, their size, the top of the first line (inches) and where the
    body starts below it."""
    lines, points = title_lines(title, size, size - 6 if not first else size - 8)
    height = len(lines) * points / 72 * 1.25
    if first:
        top = 2.9 - height / 2
        return lines, points, top, max(3.5, top + height + 0.35)
    return lines, points, 0.35, max(BODY_TOP, 0.35 + height + 0.15)


def _footnote_lines(text: str) -> list[str]:
    return wrap(text, 12, SLIDE_W - 1.4, 2) if text else []


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _fit(png: bytes, box_w: float, box_h: float) -> tuple[float, float]:
    w, h = _png_size(png)
    scale = min(box_w / w, box_h / h)
    return w * scale, h * scale


def write_pptx(deck: Deck) -> bytes:
    """The deck as a PowerPoint file (16:9)."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    prs.core_properties.title = deck.title
    prs.core_properties.author = "Guanxi"
    blank = prs.slide_layouts[6]
    for n, spec in enumerate(deck.slides, 1):
        slide = prs.slides.add_slide(blank)
        first = n == 1
        lines, size, y, top = _title_block(spec.title, first, 32 if first else 24)
        _text_box(slide, lines, 0.5, y - 0.1, SLIDE_W - 1, top - y, size, bold=True)
        notes = _footnote_lines(spec.footnote)
        bottom = SLIDE_H - 0.5 - 0.22 * len(notes) if notes else SLIDE_H - 0.4
        if spec.image is not None:
            w, h = _fit(spec.image, SLIDE_W - 1.0, bottom - top)
            slide.shapes.add_picture(io.BytesIO(spec.image), Inches((SLIDE_W - w) / 2), Inches(top),
                                     Inches(w), Inches(h))
        elif spec.table is not None:
            _table(slide, spec.table, top, bottom)
        if spec.bullets:
            _bullets(slide, spec.bullets, top, bottom, 18 if first else 15)
        if notes:
            _text_box(slide, notes, 0.5, bottom, SLIDE_W - 1, SLIDE_H - 0.35 - bottom, 12, colour="455A64")
        _text_box(slide, [f"{n} / {len(deck.slides)}"], SLIDE_W - 1.5, SLIDE_H - 0.45, 1.1, 0.3, 9,
                  colour="90A4AE", align_right=True)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _style(run: Any, size: float, *, bold: bool = False, colour: str = "1A1F24") -> None:
    """Size, weight, colour and our font for Latin and East Asian text (Chinese needs ``a:ea``)."""
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(colour)
    run.font.name = FONT
    properties = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        element = properties.find(qn(tag))
        if element is None:
            element = properties.makeelement(qn(tag), {})
            properties.append(element)
        element.set("typeface", FONT)


def _rgb(hex_colour: str) -> Any:
    from pptx.dml.color import RGBColor

    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
    return RGBColor(red, green, blue)  # type: ignore[no-untyped-call]


def _text_box(slide: Any, lines: Sequence[str], x: float, y: float, w: float, h: float, size: float, *,
              bold: bool = False, colour: str = "1A1F24", align_right: bool = False) -> None:
    """A text box of ``lines``, each after a line break (so the lines break where the layout broke them)."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    frame = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h)).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    if align_right:
        paragraph.alignment = PP_ALIGN.RIGHT
    for i, line in enumerate(lines):
        if i:
            paragraph.add_line_break()
        run = paragraph.add_run()
        _style(run, size, bold=bold, colour=colour)
        run.text = line


def _bullets(slide: Any, bullets: Sequence[str], top: float, bottom: float, size: float) -> None:
    from pptx.util import Inches, Pt

    frame = slide.shapes.add_textbox(Inches(0.7), Inches(top), Inches(SLIDE_W - 1.4),
                                     Inches(bottom - top)).text_frame
    frame.word_wrap = True
    for i, text in enumerate(bullets):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(6)
        run = paragraph.add_run()
        _style(run, size)
        run.text = f"•  {text}"


def _table(slide: Any, table: Table, top: float, bottom: float) -> None:
    from pptx.util import Inches

    rows = len(table.rows) + 1
    width = SLIDE_W - 1.0
    height = min(bottom - top, 0.42 * rows)
    shape = slide.shapes.add_table(rows, len(table.header), Inches(0.5), Inches(top), Inches(width),
                                   Inches(height))
    grid = shape.table
    total = sum(table.widths)
    for i, w in enumerate(table.widths):
        grid.columns[i].width = Inches(width * w / total)
    size = 12 if len(table.rows) <= 8 else 10.5
    for r, values in enumerate([table.header, *table.rows]):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.text = ""
            paragraph = cell.text_frame.paragraphs[0]
            run = paragraph.add_run()
            _style(run, size, bold=r == 0, colour="FFFFFF" if r == 0 else "1A1F24")
            run.text = value
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb("37474F" if r == 0 else
                                                            ("F5F7F9" if r % 2 else "FFFFFF"))


def write_pdf(deck: Deck) -> bytes:
    """The same slides as a PDF, one 16:9 page each, drawn with the maps' font.

    Matplotlib lays each page out and cairo writes the PDF (matplotlib's cairo renderer on one PDF
    surface, a page per slide), as it writes the maps' PDF: cairo embeds the font's CFF outlines as
    such, where matplotlib's own PDF writer would label them TrueType (its Type 42 embedding; strict
    readers then refuse the font and show no Chinese). A slide's image is painted at its own pixels."""
    from rendering.scene import cairo_with_map_font

    cairo = cairo_with_map_font()
    buffer = io.BytesIO()
    with _drawing():
        surface = cairo.PDFSurface(buffer, SLIDE_W * 72, SLIDE_H * 72)
        surface.set_metadata(cairo.PDF_METADATA_TITLE, deck.title)
        surface.set_metadata(cairo.PDF_METADATA_CREATOR, "Guanxi")
        context = cairo.Context(surface)
        renderer: Any = _deck_renderer()(72)
        renderer.set_context(context)
        for n, spec in enumerate(deck.slides, 1):
            figure, image_box = _pdf_page(spec, n, len(deck.slides))
            figure.draw(renderer)
            if spec.image is not None and image_box is not None:
                _paint_png(cairo, context, spec.image, image_box)
            context.show_page()
        surface.finish()
    return buffer.getvalue()


@functools.cache
def _deck_renderer() -> type:
    """Matplotlib's cairo renderer, drawing a text the map font lacks characters of in runs, switching
    to DejaVu Sans for those (``fonts.font_runs``; cairo draws with one font at a time), and right-to-left
    text in the order and letter forms it is read in (``rendering.safe.visual_text``)."""
    from matplotlib.backends.backend_cairo import RendererCairo

    from rendering.scene import show_runs

    class DeckRenderer(RendererCairo):
        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                      mtext: Any = None) -> None:
            s = s if ismath else visual_text(s)       # right-to-left names reordered and joined: cairo does neither
            runs = fonts.font_runs(s) if not ismath and not angle else None
            if runs is None:
                super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
                return
            ctx = gc.ctx
            ctx.new_path()
            ctx.move_to(x, y)
            ctx.save()
            ctx.set_font_size(self.points_to_pixels(prop.get_size_in_points()))  # type: ignore[no-untyped-call]
            show_runs(ctx, runs, prop.get_name())
            ctx.restore()

    return DeckRenderer


def _pdf_page(spec: Slide, n: int, pages: int) -> tuple[Any, tuple[float, float, float, float] | None]:
    """Slide ``n``'s page laid out by matplotlib (72 dots to the inch), and the box (inches from the top
    left: x, y, width, height) its image goes in."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(SLIDE_W, SLIDE_H), dpi=72, facecolor="white")
    first = n == 1
    lines, size, y, top = _title_block(spec.title, first, 30 if first else 22)
    for i, line in enumerate(lines):
        fig.text(0.5 / SLIDE_W, 1 - (y + (i + 0.5) * size / 72 * 1.25) / SLIDE_H, line, fontsize=size,
                 color="#1a1f24", va="center")
    if first:
        top += 0.1
    notes = _footnote_lines(spec.footnote)
    bottom = SLIDE_H - 0.5 - 0.22 * len(notes) if notes else SLIDE_H - 0.4
    image_box = None
    if spec.image is not None:
        w, h = _fit(spec.image, SLIDE_W - 1.0, bottom - top)
        image_box = ((SLIDE_W - w) / 2, top, w, h)
    elif spec.table is not None:
        _pdf_table(fig, spec.table, top, bottom)
    if spec.bullets:
        y = top + 0.2
        size = 17 if first else 14
        for text in spec.bullets:
            for i, line in enumerate(wrap(f"•  {text}" if not first else text, size, SLIDE_W - 1.6, 3)):
                fig.text(0.7 / SLIDE_W, 1 - y / SLIDE_H, ("    " if i else "") + line, fontsize=size,
                         color="#1a1f24", va="center")
                y += size / 72 * 1.55
            y += 0.08
    for i, line in enumerate(notes):
        fig.text(0.5 / SLIDE_W, 1 - (bottom + 0.1 + (i + 0.5) * 0.22) / SLIDE_H, line, fontsize=12,
                 color="#455a64", va="center")
    fig.text(1 - 0.4 / SLIDE_W, 0.25 / SLIDE_H, f"{n} / {pages}", fontsize=9, color="#90a4ae", ha="right",
             va="center")
    return fig, image_box


def _paint_png(cairo: Any, context: Any, png: bytes, box: tuple[float, float, float, float]) -> None:
    """Paint a PNG into ``box`` (inches from the page's top left) at its own pixels, smoothed when scaled."""
    image = cairo.ImageSurface.create_from_png(io.BytesIO(png))
    x, y, w, h = box
    context.save()
    context.translate(x * 72, y * 72)
    context.scale(w * 72 / image.get_width(), h * 72 / image.get_height())
    context.set_source_surface(image, 0, 0)
    context.get_source().set_filter(cairo.FILTER_GOOD)
    context.paint()
    context.restore()


def _pdf_table(fig: Any, table: Table, top: float, bottom: float) -> None:
    import matplotlib.patches

    size = 11.5 if len(table.rows) <= 8 else 10
    width = SLIDE_W - 1.0
    total = sum(table.widths)
    cols = [width * w / total for w in table.widths]
    y = top
    line_h = size / 72 * 1.45
    for r, values in enumerate([table.header, *table.rows]):
        cells = [wrap(v, size, c - 0.15, table.max_lines) or [""] for v, c in zip(values, cols, strict=True)]
        h = max(len(c) for c in cells) * line_h + 0.12
        if y + h > bottom:
            break
        fig.add_artist(matplotlib.patches.Rectangle(
            (0.5 / SLIDE_W, 1 - (y + h) / SLIDE_H), width / SLIDE_W, h / SLIDE_H, transform=fig.transFigure,
            fc="#37474f" if r == 0 else ("#f5f7f9" if r % 2 else "#ffffff"), ec="#cfd8dc", lw=0.5))
        x = 0.5
        for lines, c in zip(cells, cols, strict=True):
            for i, line in enumerate(lines):
                fig.text((x + 0.08) / SLIDE_W, 1 - (y + 0.06 + (i + 0.5) * line_h) / SLIDE_H, line,
                         fontsize=size, color="#ffffff" if r == 0 else "#1a1f24",
                         va="center")
            x += c
        y += h
