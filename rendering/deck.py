"""The review deck (复盘材料): the slides a manager takes into an account review, as PPTX and as PDF.

``build_deck`` decides the slides once — title; the map (with the changes marked when there is a
previous review); the decision chain (role, stance, influence, coverage, closeness); support for us
and each competitor across the recorded reviews (a chart); gaps with their actions; the plan of next
moves with their paths; what changed since the last review — and two writers draw the same slides:
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx

from rendering import fonts
from rendering.model import redact as redacted_graph
from scoring.chain import chain_report
from scoring.changes import ChangeList
from scoring.gaps import gap_report
from scoring.options import ScoringOptions, discreet
from scoring.recommend import who_next
from scoring.texts import label, money, norm_lang, say

FONT: Final = "Noto Sans SC"
SLIDE_W: Final = 13.333   # inches, 16:9
SLIDE_H: Final = 7.5
MAX_ROWS: Final = 12      # table rows per slide; the rest is counted in a footnote
MAX_CHANGES: Final = 14
PLAN_STEPS: Final = 5

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
    "stance": {"en": "Stance", "zh-CN": "立场"},
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
    "high": {"en": "high", "zh-CN": "高"},
    "medium": {"en": "medium", "zh-CN": "中"},
    "low": {"en": "low", "zh-CN": "低"},
    "chart_y": {"en": "support (−1 against … +1 for)", "zh-CN": "支持度（−1 反对 … +1 支持）"},
}


def word(key: str, lang: str, **kw: Any) -> str:
    return say(WORDS, key, lang, **kw)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]             # relative column widths


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

    label: str
    us: float
    competitors: Mapping[str, float] = field(default_factory=dict)


def support_points(graphs: Sequence[tuple[str, nx.MultiDiGraph | None]], opportunity_id: str,
                   options: ScoringOptions | None = None) -> list[SupportPoint]:
    """Support at each labelled moment where the opportunity was on the map."""
    points: list[SupportPoint] = []
    for text, g in graphs:
        if g is None or opportunity_id not in g:
            continue
        support = chain_report(g, opportunity_id, options).support
        names = {k: str(g.nodes[k].get("name") or k) if k in g else k for k in support.competitors}
        points.append(SupportPoint(text, support.us, {names[k]: v for k, v in support.competitors.items()}))
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

    facts = [word("as_of", lang, date=today.isoformat())]
    if opp is not None:
        bits = [str(opp.get("name") or opportunity_id), str(opp.get("stage") or "")]
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
        slides.append(_plan_slide(graph, opportunity_id, lang, advice, team_list))
    slides.append(_change_slide(changes, since_label, lang, redact))
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
    them = "; ".join(f"{g.nodes[k].get('name') or k if k in g else k} {v:+.2f}"
                     for k, v in report.support.competitors.items())
    note = word("support_line", lang, us=f"{report.support.us:+.2f}", them=them)
    header = tuple(word(k, lang) for k in ("name", "title", "role", "stance", "influence", "coverage",
                                           "closeness"))
    return [Slide(word("chain", lang), table=Table(header, tuple(rows[i:i + MAX_ROWS]),
                                                    (1.3, 1.5, 1.3, 1.0, 0.8, 2.0, 0.9)),
                  footnote=note) for i in range(0, max(len(rows), 1), MAX_ROWS)]


def _support_slide(points: Sequence[SupportPoint], chart_png: bytes | None, lang: str) -> Slide:
    bullets = tuple(f"{p.label.replace(chr(10), ' ')}: {word('us', lang)} {_num(p.us)}"
                    + "".join(f"; {k} {_num(v)}" for k, v in p.competitors.items()) for p in points[-6:])
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

    rows = tuple((str(r.step or i), r.name or r.contact_id, " → ".join(name(n) for n in r.path),
                  ("" if lang == "zh-CN" else " ").join(t.text for t in r.reasons[:2])) for i, r in enumerate(plan, 1))
    header = (word("step", lang), word("who", lang), word("path", lang), word("why", lang))
    return Slide(word("plan", lang), table=Table(header, rows, (0.35, 1.1, 2.6, 3.9)))


def _change_slide(changes: ChangeList | None, since_label: str | None, lang: str, redact: bool) -> Slide:
    title = word("changes", lang, since=since_label) if since_label else word("changes_unlabelled", lang)
    if changes is None:
        return Slide(title, bullets=(word("first", lang),))
    texts = [c.text for c in changes.changes if not (redact and c.kind.startswith("interest"))]
    bullets = texts[:MAX_CHANGES] or [word("no_changes", lang)]
    if len(texts) > MAX_CHANGES:
        bullets.append(word("more", lang, n=len(texts) - MAX_CHANGES))
    us = changes.summary.support.get("us")
    note = word("support_move", lang, before=_num(getattr(us, "before", None)),
                after=_num(getattr(us, "after", None))) if us is not None else ""
    return Slide(title, bullets=tuple(bullets), footnote=note)


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
        ax.legend(loc="upper left", fontsize=9, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=130)
    return buffer.getvalue()


# ---- writers ------------------------------------------------------------------------------------------


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
        _text_box(slide, spec.title, 0.5, 2.4 if first else 0.3, SLIDE_W - 1, 1.0, 32 if first else 24, bold=True)
        top = 3.5 if first else 1.2
        bottom = SLIDE_H - (0.8 if spec.footnote else 0.4)
        if spec.image is not None:
            w, h = _fit(spec.image, SLIDE_W - 1.0, bottom - top)
            slide.shapes.add_picture(io.BytesIO(spec.image), Inches((SLIDE_W - w) / 2), Inches(top),
                                     Inches(w), Inches(h))
        elif spec.table is not None:
            _table(slide, spec.table, top, bottom)
        if spec.bullets:
            _bullets(slide, spec.bullets, top, bottom, 18 if first else 15)
        if spec.footnote:
            _text_box(slide, spec.footnote, 0.5, SLIDE_H - 0.75, SLIDE_W - 1, 0.5, 12, colour="455A64")
        _text_box(slide, f"{n} / {len(deck.slides)}", SLIDE_W - 1.5, SLIDE_H - 0.45, 1.1, 0.3, 9,
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


def _text_box(slide: Any, text: str, x: float, y: float, w: float, h: float, size: float, *,
              bold: bool = False, colour: str = "1A1F24", align_right: bool = False) -> None:
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    frame = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h)).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    if align_right:
        paragraph.alignment = PP_ALIGN.RIGHT
    _style(paragraph.add_run(), size, bold=bold, colour=colour)
    paragraph.runs[0].text = text


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
    to DejaVu Sans for those (``fonts.font_runs``; cairo draws with one font at a time)."""
    from matplotlib.backends.backend_cairo import RendererCairo

    from rendering.scene import show_runs

    class DeckRenderer(RendererCairo):
        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                      mtext: Any = None) -> None:
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

    from rendering.draw import wrap

    fig = Figure(figsize=(SLIDE_W, SLIDE_H), dpi=72, facecolor="white")
    first = n == 1
    y_title = 2.9 if first else 0.65
    fig.text(0.5 / SLIDE_W, 1 - y_title / SLIDE_H, spec.title, fontsize=30 if first else 22,
             color="#1a1f24", va="center")
    top = 3.6 if first else 1.2
    bottom = SLIDE_H - (0.8 if spec.footnote else 0.4)
    image_box = None
    if spec.image is not None:
        w, h = _fit(spec.image, SLIDE_W - 1.0, bottom - top)
        image_box = ((SLIDE_W - w) / 2, top, w, h)
    elif spec.table is not None:
        _pdf_table(fig, spec.table, top, bottom, wrap)
    if spec.bullets:
        y = top + 0.2
        size = 17 if first else 14
        for text in spec.bullets:
            for i, line in enumerate(wrap(f"•  {text}" if not first else text, size, SLIDE_W - 1.6, 3)):
                fig.text(0.7 / SLIDE_W, 1 - y / SLIDE_H, ("    " if i else "") + line, fontsize=size,
                         color="#1a1f24", va="center")
                y += size / 72 * 1.55
            y += 0.08
    if spec.footnote:
        fig.text(0.5 / SLIDE_W, 1 - (SLIDE_H - 0.5) / SLIDE_H, spec.footnote, fontsize=12,
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


def _pdf_table(fig: Any, table: Table, top: float, bottom: float, wrap: Any) -> None:
    import matplotlib.patches

    size = 11.5 if len(table.rows) <= 8 else 10
    width = SLIDE_W - 1.0
    total = sum(table.widths)
    cols = [width * w / total for w in table.widths]
    y = top
    line_h = size / 72 * 1.45
    for r, values in enumerate([table.header, *table.rows]):
        cells = [wrap(v, size, c - 0.15, 3) or [""] for v, c in zip(values, cols, strict=True)]
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
