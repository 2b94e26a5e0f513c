"""The words and colours of a map: stance colours, buying-role badges, legend and title texts.

Languages are those of the analytics (``en``, ``zh-CN``); role and stance names come from
``scoring.texts`` so the map and the analytics speak alike.

>>> badge("decision_maker", "zh-CN"), badge("decision_maker", "en")
('决策', 'DM')
>>> interest_badge("incumbent_loyalty", "zh-CN"), interest_badge("incumbent_loyalty", "en")
('利益：亲近现供应商', 'interest: incumbent loyalty')
>>> word("title", "zh-CN")
'客户关系地图'
"""

from __future__ import annotations

from scoring.texts import label, norm_lang, say

STANCES = ("champion", "supporter", "neutral", "skeptic", "opponent", "unknown")

# Stance → (fill, border). Fills are light so that names stay readable; borders carry the colour. Chosen so
# that every two stances still differ for a deuteranope or a protanope (tests/rendering/test_stance_marks.py);
# the stance is also written on the box, as its mark (``STANCE_MARKS``), so a map never says it by colour alone.
STANCE_COLOURS: dict[str, tuple[str, str]] = {
    "champion": ("#80ecd4", "#0b6e69"),
    "supporter": ("#edffda", "#38a169"),
    "neutral": ("#fff3af", "#d4b106"),
    "skeptic": ("#edc5a1", "#d9661a"),
    "opponent": ("#ffbac2", "#8e1b1b"),
    "unknown": ("#fafbfc", "#9eaab5"),
}
# Stance → the mark beside a box's role badge (the legend's stance patches carry it too): a scale from
# ++ (champion) to −− (opponent), ? for a stance not known. The same in every language.
STANCE_MARKS: dict[str, str] = {
    "champion": "++",
    "supporter": "+",
    "neutral": "0",
    "skeptic": "\u2212",
    "opponent": "\u2212\u2212",
    "unknown": "?",
}
LEFT_COLOURS = ("#f5f5f5", "#9e9e9e")      # departed contacts
TEAM_COLOURS = ("#dbe9ff", "#1f5fbf")      # our team members
COMPETITOR_COLOURS = ("#efe6f6", "#6d4c8d")
PANEL_COLOURS = ("#f3f5f8", "#cfd6de")
GAP_COLOUR = "#d32f2f"

# Relationship line styles: colour, line style.
LINE_STYLES: dict[str, tuple[str, str]] = {
    "REPORTS_TO": ("#8a9199", "-"),
    "REPORTS_TO_SECONDARY": ("#8a9199", ":"),
    "INFLUENCES": ("#e65100", "-"),
    "PROMOTED_BY": ("#8e24aa", "-"),
    "ALLY": ("#2e9d4f", "--"),
    "RIVAL": ("#d32f2f", ":"),
    "COVERS": ("#1f5fbf", "-"),
    "MIRRORS": ("#00897b", "-."),
    "FAVORS": ("#6d4c8d", "--"),
}

ROLE_SHORT: dict[str, tuple[str, str]] = {
    "decision_maker": ("决策", "DM"),
    "economic_buyer": ("预算", "EB"),
    "technical_evaluator": ("技术", "TE"),
    "business_user": ("业务", "BU"),
    "procurement": ("采购", "PR"),
    "influencer": ("影响", "IN"),
    "coach": ("内线", "CO"),
    "gatekeeper": ("把关", "GK"),
}

INTEREST_SHORT: dict[str, dict[str, str]] = {
    "kickback": {"zh-CN": "回扣", "en": "kickback"},
    "incumbent_loyalty": {"zh-CN": "亲近现供应商", "en": "incumbent loyalty"},
    "rival_loyalty": {"zh-CN": "倾向竞争对手", "en": "rival loyalty"},
    "job_threat": {"zh-CN": "岗位威胁", "en": "job threat"},
    "influence_loss": {"zh-CN": "影响力受损", "en": "influence loss"},
    "budget_ownership": {"zh-CN": "预算归属", "en": "budget ownership"},
    "personal": {"zh-CN": "个人利益", "en": "personal"},
    "other": {"zh-CN": "其他利益", "en": "other interest"},
}

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "客户关系地图", "en": "Relationship map"},
    "opportunity": {"zh-CN": "商机", "en": "Opportunity"},
    "all_opportunities": {"zh-CN": "全部商机（未选定商机）", "en": "All opportunities (none selected)"},
    "closes": {"zh-CN": "预计成交", "en": "closes"},
    "as_of": {"zh-CN": "制图日期", "en": "as of"},
    "redacted": {"zh-CN": "已脱敏：不含个人备注与利益信息", "en": "redacted: no personal notes or interests"},
    "our_team": {"zh-CN": "我方团队", "en": "Our team"},
    "competitors": {"zh-CN": "竞争对手", "en": "Competitors"},
    "no_manager": {"zh-CN": "汇报关系未知", "en": "No known manager"},
    "left": {"zh-CN": "已离职", "en": "left"},
    "interest": {"zh-CN": "利益", "en": "interest"},
    "interest_badge": {"zh-CN": "利益：{kind}", "en": "interest: {kind}"},
    "gaps": {"zh-CN": "覆盖缺口", "en": "Coverage gaps"},
    "no_gaps": {"zh-CN": "无", "en": "none"},
    "more_gaps": {"zh-CN": "另有 {n} 项，见覆盖缺口接口", "en": "{n} more: see the coverage-gaps API"},
    "legend": {"zh-CN": "图例", "en": "Legend"},
    "roles": {"zh-CN": "购买角色", "en": "Buying roles"},
    "severity.high": {"zh-CN": "高", "en": "high"},
    "severity.medium": {"zh-CN": "中", "en": "medium"},
    "severity.low": {"zh-CN": "低", "en": "low"},
    "legend.left": {"zh-CN": "已离职", "en": "departed"},
    "legend.faded": {"zh-CN": "不在本商机决策链", "en": "not in this decision chain"},
    "legend.team": {"zh-CN": "我方成员", "en": "our team member"},
    "legend.competitor": {"zh-CN": "竞争对手", "en": "competitor"},
    "legend.REPORTS_TO": {"zh-CN": "汇报关系", "en": "reports to"},
    "legend.REPORTS_TO_SECONDARY": {"zh-CN": "第二汇报线", "en": "second reporting line"},
    "legend.INFLUENCES": {"zh-CN": "影响（越粗越强）", "en": "influences (thicker = stronger)"},
    "legend.PROMOTED_BY": {"zh-CN": "提拔（恩主→门生）", "en": "promoted (patron → protégé)"},
    "legend.ALLY": {"zh-CN": "盟友", "en": "allies"},
    "legend.RIVAL": {"zh-CN": "对立", "en": "rivals"},
    "legend.COVERS": {"zh-CN": "我方覆盖（越粗越紧密）", "en": "we cover (thicker = closer)"},
    "legend.MIRRORS": {"zh-CN": "高层对等", "en": "executive counterpart"},
    "legend.FAVORS": {"zh-CN": "倾向竞争对手", "en": "favours competitor"},
    "legend.gap": {"zh-CN": "覆盖缺口（编号见右）", "en": "coverage gap (numbers at right)"},
    "legend.gap_unnumbered": {"zh-CN": "覆盖缺口", "en": "coverage gap"},
    "legend.interest": {"zh-CN": "根深蒂固的利益", "en": "entrenched interest"},
    "legend.group": {"zh-CN": "同一上级的下属", "en": "reports of one manager"},
    # What a focused map shows, what it left out and how to ask for it.
    "view.chain": {"zh-CN": "决策链及其周边", "en": "the decision chain and the people around it"},
    "view.overview": {"zh-CN": "高层与最有影响力的人", "en": "the top levels and the most influential people"},
    "view.department": {"zh-CN": "部门：{name}", "en": "department: {name}"},
    "view.around": {"zh-CN": "{name} 周边 {hops}", "en": "the people within {hops} of {name}"},
    "view.hop": {"zh-CN": "1 层", "en": "1 hop"},
    "view.hops": {"zh-CN": "{n} 层", "en": "{n} hops"},
    "notice.people": {"zh-CN": "显示 {shown} / {total} 人，其余未显示：{hint}",
                      "en": "{shown} of {total} people shown; for the others use {hint}"},
    "notice.lines": {"zh-CN": "另有 {n} 条较弱的关系线未画出（graphml 格式含全部）",
                     "en": "{n} weaker relationship lines not drawn (format=graphml has them all)"},
    # The same, for a meeting's audience (the review deck's map slide): in their words, no queries.
    "notice.people_meeting": {"zh-CN": "显示 {shown} / {total} 人，另有 {left} 人未画出；完整地图（全部人员）见 PDF 导出",
                              "en": "{shown} of {total} people shown, {left} more not drawn here; the full map "
                                    "with everyone is in the PDF export"},
    "notice.lines_meeting": {"zh-CN": "另有 {n} 条较弱的关系线未画出", "en": "{n} weaker relationship lines not drawn"},
    "notice.no_people": {"zh-CN": "此客户没有自己的人员。其人员在下属公司的关系图中：{subsidiaries}",
                         "en": "This account has no people of its own. Its people are on its subsidiaries' maps: "
                               "{subsidiaries}"},
    "notice.no_people_yet": {"zh-CN": "此客户的关系图上还没有人员（添加到此客户的联系人会出现在这里）",
                             "en": "No people on this account's map yet (contacts added to it appear here)"},
    "notice.subsidiary": {"zh-CN": "{name}（GET /v1/accounts/{id}/map）", "en": "{name} (GET /v1/accounts/{id}/map)"},
    "notice.subsidiaries_more": {"zh-CN": "另有 {n} 家", "en": "{n} more"},
    "notice.team": {"zh-CN": "另有 {n} 位我方成员未显示", "en": "{n} more team members not shown"},
    "notice.competitors": {"zh-CN": "另有 {n} 个竞争对手未显示", "en": "{n} more competitors not shown"},
    "note.manager_not_shown": {"zh-CN": "汇报给 {name}（未显示）", "en": "reports to {name} (not shown)"},
    "hint.department": {"zh-CN": "scope=department&department={name}（{n} 人）",
                        "en": "scope=department&department={name} ({n} people)"},
    "hint.pdf": {"zh-CN": "format=pdf（全部人员，分页）", "en": "format=pdf (everyone, page by page)"},
    "hint.pdf_no_changes": {"zh-CN": "不带 since 的 format=pdf（当前全部人员，分页；变化见 /changes）",
                           "en": "format=pdf without since (everyone as now, page by page; what changed: /changes)"},
    "hint.join": {"zh-CN": "，或 ", "en": ", or "},
    # The multi-page PDF.
    "contents": {"zh-CN": "目录", "en": "Contents"},
    "page": {"zh-CN": "第 {n} 页", "en": "page {n}"},
    "pages": {"zh-CN": "页", "en": "page"},
    "people": {"zh-CN": "人数", "en": "people"},
    "section": {"zh-CN": "部门 / 子树", "en": "department / subtree"},
    "overview_page": {"zh-CN": "总览", "en": "Overview"},
    "subtree_of": {"zh-CN": "{name} 及其下属", "en": "{name} and their reports"},
    "loners_page": {"zh-CN": "汇报关系未知的人员", "en": "People with no known manager"},
    "summary": {"zh-CN": "{people} 人 · {pages} 页 · 每页一个部门或子树；框下注明跨页关系",
                "en": "{people} people · {pages} pages · one department or subtree per page; "
                      "links to other pages are named under the boxes"},
    "xref.manager": {"zh-CN": "汇报给 {name} — 第 {page} 页", "en": "reports to {name} — page {page}"},
    "xref.reports": {"zh-CN": "下属 {n} 人 — 第 {pages} 页", "en": "{n} reports — page {pages}"},
    "xref.lines": {"zh-CN": "通往其他页的关系", "en": "Lines to people on other pages"},
    "xref.line": {"zh-CN": "{a} → {b}（{kind}）— 第 {page} 页", "en": "{a} → {b} ({kind}) — page {page}"},
    "xref.more": {"zh-CN": "另有 {n} 条", "en": "{n} more"},
}


def lang_of(lang: str | None) -> str:
    """``zh-CN`` or ``en``."""
    return norm_lang(lang)


def word(key: str, lang: str, **kw: object) -> str:
    return say(WORDS, key, lang, **kw)


def stance_label(stance: str, lang: str) -> str:
    return label("stance", stance, lang)


def role_label(role: str, lang: str) -> str:
    return label("role", role, lang)


def badge(role: str, lang: str) -> str:
    """The short buying-role badge: Chinese in Chinese maps, English otherwise."""
    zh, en = ROLE_SHORT.get(role, (role[:4], role[:2].upper()))
    return zh if lang == "zh-CN" else en


def interest_short(kind: str, lang: str) -> str:
    entry = INTEREST_SHORT.get(kind, INTEREST_SHORT["other"])
    return entry.get(lang, entry["en"])


def interest_badge(kind: str, lang: str) -> str:
    """The badge of an entrenched interest under a box: "利益：亲近现供应商", "interest: kickback"."""
    return word("interest_badge", lang, kind=interest_short(kind, lang))
