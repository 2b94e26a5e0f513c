"""The whole org chart of an account (or of the scope asked for) as a multi-page PDF: a contents page, an
overview (the image's view, with the legend and the gap list), then one department or subtree per page.

The reporting forest is cut into subtrees of at most ``PAGE_BUDGET`` people: bottom-up, a manager whose
subtree is too large sends its largest report's subtree to a page of its own, until the rest fits (a
manager's direct reports without reports of their own always stay with them). Pages follow the chart
top-down. Wherever the chart continues on another page the box says so — "reports to 王总 — page 3",
"7 reports — page 9" — and each page lists its relationship lines to people on other pages.

Each page is a scene (``rendering.scene``) painted by cairo into one PDF, with the bundled Noto Sans SC
embedded as a subset, so Chinese renders on any viewer and the text stays searchable.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rendering import scene
from rendering.draw import MARGIN, Frame, drawn_direction, fit, map_page
from rendering.focus import IMAGE_BUDGET, LINE_BUDGET, Focus, focused, line_priority, restrict, view_of
from rendering.labels import word
from rendering.layout import break_cycles, chart_order, layout_map, post_order
from rendering.model import Line, MapModel
from scoring.budget import checkpoint
from scoring.texts import label

PAGE_BUDGET = 60          # people on one page of the PDF
XREF_LINES = 8            # lines to other pages listed on a page
CONTENTS_ROWS = 26        # rows per column of the contents
CONTENTS_COLUMNS = 3


@dataclass
class Section:
    """The people of one page: a subtree (its ``root`` and everyone under it not cut away), or a group
    of people with no known manager."""

    root: str | None
    people: list[str] = field(default_factory=list)
    page: int = 0
    title: str = ""
    roots: list[str] = field(default_factory=list)      # the subtrees on the page (siblings share one)


def sections(model: MapModel, people: Sequence[str], budget: int = PAGE_BUDGET) -> list[Section]:
    """The pages of ``people``, top-down: subtrees of at most ``budget`` people (more only when one
    manager has more direct reports without reports of their own), then those with no known manager."""
    kept = set(people)
    sort_key = chart_order(model)
    parent = {c: b for c, b in model.manager.items() if c in kept and b in kept}
    break_cycles(list(people), parent, sort_key)
    children: dict[str, list[str]] = defaultdict(list)
    for c in sorted(parent, key=sort_key):
        children[parent[c]].append(c)
    roots = sorted((c for c in people if c not in parent), key=sort_key)
    # Post-order sizes, cutting the largest subtrees of an overfull manager onto pages of their own.
    size: dict[str, int] = {}
    cut: set[str] = set()
    for v in post_order(roots, children):
        kids = [c for c in children[v] if c in size]
        total = 1 + sum(size[c] for c in kids)
        for c in sorted((c for c in kids if children[c]), key=lambda c: -size[c]):
            if total <= budget:
                break
            cut.add(c)
            total -= size[c]
        size[v] = total
    out: list[Section] = []
    loners: list[str] = []

    def collect(group: list[str]) -> None:
        section = Section(group[0], roots=group)
        out.append(section)
        later: list[str] = []
        for root in group:
            pending = [root]
            while pending:
                v = pending.pop()
                section.people.append(v)
                for c in reversed(children[v]):
                    (later if c in cut else pending).append(c)
        # Small sibling subtrees share a page: fewer, fuller pages.
        packed: list[str] = []
        filled = 0
        for c in sorted(later, key=sort_key):
            if packed and filled + size[c] > budget:
                collect(packed)
                packed, filled = [], 0
            packed.append(c)
            filled += size[c]
        if packed:
            collect(packed)

    for r in roots:
        if children[r]:
            collect([r])
        else:
            loners.append(r)
    for i in range(0, len(loners), budget):
        out.append(Section(None, loners[i:i + budget]))
    return out


def _section_title(model: MapModel, section: Section) -> str:
    lang = model.lang
    if section.root is None:
        return word("loners_page", lang)
    departments = Counter(model.contacts[c].department for c in section.people if model.contacts[c].department)
    names = [model.contacts[r].name for r in section.roots[:3]]
    joined = ("、" if lang == "zh-CN" else ", ").join(names) + ("…" if len(section.roots) > 3 else "")
    subtree = word("subtree_of", lang, name=joined)
    if departments:
        return f"{departments.most_common(1)[0][0]} · {subtree}"
    return subtree


def _pages(numbers: Sequence[int], lang: str) -> str:
    shown = ", ".join(str(n) for n in sorted(set(numbers))[:4])
    return shown + ("…" if len(set(numbers)) > 4 else "")


def render_pdf(model: MapModel, focus: Focus) -> bytes:
    """The PDF: contents, overview, then the sections of the view (everyone when no scope is asked)."""
    lang = model.lang
    view = view_of(model, focus, budget=len(model.contacts))
    people = view.order
    if len(people) <= IMAGE_BUDGET:                # one page holds them all: the image, as a PDF
        shown = focused(model, focus)
        return scene.pdf([map_page(shown, layout_map(shown))[0].scene], model.account_name)
    parts = sections(model, people)
    contents_pages = max(1, math.ceil(len(parts) / (CONTENTS_ROWS * CONTENTS_COLUMNS)))
    first = contents_pages + 2                     # contents, then the overview
    for i, section in enumerate(parts):
        section.page = first + i
        section.title = _section_title(model, section)
    total = first + len(parts) - 1
    page_of = {c: s.page for s in parts for c in s.people}
    pages = [_contents(model, parts, k, contents_pages, len(people), total) for k in range(contents_pages)]
    overview = focused(model, focus)
    pages.append(map_page(overview, layout_map(overview), page_label=_page_label(contents_pages + 1, total, lang))[0]
                 .scene)
    index = LineIndex.of(model)
    for section in parts:
        checkpoint()             # within the request's work budget, and only while someone waits for it
        pages.append(_section_page(model, section, page_of, total, index))
    return scene.pdf(pages, model.account_name)


def _page_label(n: int, total: int, lang: str) -> str:
    return f"{word('page', lang, n=n)} / {total}"


@dataclass
class LineIndex:
    """Each person's lines and direct reports, found once for all the pages (a page reads only its own
    people's, so the PDF costs what it draws, not pages × the account)."""

    lines: dict[str, list[int]]                    # person → positions in ``model.lines``
    reports: dict[str, list[str]]                  # manager → direct reports

    @classmethod
    def of(cls, model: MapModel) -> LineIndex:
        lines: dict[str, list[int]] = defaultdict(list)
        for i, ln in enumerate(model.lines):
            lines[ln.source].append(i)
            if ln.target != ln.source:
                lines[ln.target].append(i)
        reports: dict[str, list[str]] = defaultdict(list)
        for c, manager in model.manager.items():
            reports[manager].append(c)
        return cls(lines, reports)

    def touching(self, model: MapModel, people: Sequence[str]) -> list[Line]:
        """The lines with an end among ``people``, in the model's order."""
        return [model.lines[i] for i in sorted({i for p in people for i in self.lines.get(p, ())})]


def _section_page(model: MapModel, section: Section, page_of: dict[str, int], total: int,
                  index: LineIndex | None = None) -> scene.Scene:
    lang = model.lang
    on_page = set(section.people)
    index = index or LineIndex.of(model)
    lines = index.touching(model, section.people)
    inside = [ln for ln in lines if (ln.source in on_page or ln.source in model.team)
              and (ln.target in on_page or ln.target in model.competitors)]
    inside.sort(key=lambda ln: line_priority(ln, model))
    drawn = inside[:LINE_BUDGET]                  # a page is an image too: no more lines than one can read
    team = {ln.source for ln in drawn if ln.source in model.team}
    rivals = {ln.target for ln in drawn if ln.target in model.competitors}
    shown = restrict(model, section.people, lines=drawn, team=team, competitors=rivals)
    shown.view = section.title
    # Where the chart continues: the manager above the subtree, reports on other pages, other lines.
    elsewhere: dict[str, list[int]] = defaultdict(list)
    for manager in section.people:
        for c in index.reports.get(manager, ()):
            if c in page_of and page_of[c] != section.page:
                elsewhere[manager].append(page_of[c])
    for c, person in shown.contacts.items():
        notes = []
        boss = model.manager.get(c)
        if boss is not None and boss in page_of and boss not in on_page:
            notes.append(word("xref.manager", lang, name=model.contacts[boss].name, page=page_of[boss]))
        if c in elsewhere:
            notes.append(word("xref.reports", lang, n=len(elsewhere[c]), pages=_pages(elsewhere[c], lang)))
        person.note = " · ".join(notes)
    crossing = [ln for ln in lines if ln.source in model.contacts and ln.target in model.contacts
                and (ln.source in on_page) != (ln.target in on_page)
                and page_of.get(ln.target if ln.source in on_page else ln.source) is not None]
    crossing.sort(key=lambda ln: (ln.faded, -ln.weight))
    notices = []
    for ln in crossing[:XREF_LINES]:
        other = ln.target if ln.source in on_page else ln.source
        first, second = drawn_direction(ln)
        notices.append(word("xref.line", lang, a=model.contacts[first].name, b=model.contacts[second].name,
                            kind=label("line", ln.type, lang), page=page_of[other]))
    if len(crossing) > XREF_LINES:
        notices.append(word("xref.more", lang, n=len(crossing) - XREF_LINES))
    hidden = len(inside) - len(drawn)
    if notices:
        shown.notices = [f"{word('xref.lines', lang)}: " + "；".join(notices) if lang == "zh-CN"
                         else f"{word('xref.lines', lang)}: " + "; ".join(notices)]
    else:
        shown.notices = []
    if hidden:
        shown.notices.append(word("notice.lines", lang, n=f"{hidden:,}"))
    page, _ = map_page(shown, layout_map(shown), legend=False, page_label=_page_label(section.page, total, lang),
                       quick=True)
    return page.scene


def _contents(model: MapModel, parts: list[Section], k: int, pages: int, people: int, total: int) -> scene.Scene:
    """Contents page ``k`` (of ``pages``): the account, what the PDF holds, and a table of its pages."""
    lang = model.lang
    width, height = 16.5, 11.7                     # A3 landscape
    sheet = scene.Scene(width, height)
    f = Frame(sheet, 0.0, 0.0, 1.0)

    def text(x: float, y: float, value: str, size: float, colour: str = "#263238", ha: str = "left") -> None:
        f.text(1.0, x, y, value, size, colour, "end" if ha == "right" else "start")

    text(MARGIN, 0.45, fit(f"{model.account_name}  ·  {word('title', lang)}", 19, width - 2 * MARGIN - 2), 19,
         "#1a1f24")
    text(width - MARGIN, 0.45, _page_label(k + 1, total, lang), 9.5, "#37474f", "right")
    text(MARGIN, 0.9, fit(f"{word('contents', lang)}  ·  "
                          + word("summary", lang, people=f"{people:,}", pages=total)
                          + f"  ·  {word('as_of', lang)} {model.today.isoformat()}", 11, width - 2 * MARGIN),
         11, "#4a5560")
    rows: list[tuple[int, str, str]] = []
    if k == 0:
        rows.append((pages + 1, word("overview_page", lang), ""))
    per_page = CONTENTS_ROWS * CONTENTS_COLUMNS
    rows += [(s.page, s.title, f"{len(s.people):,}") for s in parts[k * per_page:(k + 1) * per_page]]
    col_w = (width - 2 * MARGIN) / CONTENTS_COLUMNS
    for i, (page, title, count) in enumerate(rows):
        col, row = divmod(i, CONTENTS_ROWS + (1 if k == 0 else 0))
        x = MARGIN + col * col_w
        y = 1.5 + row * 0.36
        text(x, y, f"{page}", 10, "#1f5fbf")
        text(x + 0.45, y, fit(title, 10, col_w - 1.3), 10)
        text(x + col_w - 0.25, y, count, 9, "#5f6b76", "right")
    return sheet
