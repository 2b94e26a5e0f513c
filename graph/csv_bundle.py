"""CRM exports (CSV with a header row) turned into import bundles.

Headers are matched loosely (``ReportsToId``, ``reports_to_id`` and ``Reports To Id`` are the same
column, and the usual Chinese headers — 姓名, 职位, 部门, 阶段... — are known too); columns Guanxi does not
know are ignored and reported. A contact's ``ReportsToId`` becomes a REPORTS_TO relationship; list
columns (``CompetitorIds``) are separated by ``;``. Boolean columns (``KnowsUs``) take true/false, yes/no,
y/n, t/f, 1/0 or 是/否; any other word is an error.

A CSV updates only the fields it has columns for (:func:`import_csv`): each row's cells are laid over the
stored record of its id in the import's own transaction, a blank cell leaves the stored value, and a
contact's ``ReportsToId`` replaces the reporting lines an earlier import gave that contact (not the ones
entered by hand).

Enum cells (``Level``, ``Status``, ``Type``, ``Role``, ``Stance``...) take the value (``decision_maker``,
``Decision Maker``) or the Chinese word the web app and the analytics use for it (决策者, 高层, 在职...); date
cells take ISO dates and the forms Chinese Excel writes (2026/4/30, 2026-4-30, 2026.4.30, 2026年4月30日).

The bytes are read in the encoding named (``?encoding=``, the Content-Type's ``charset``, ``--encoding``),
else as UTF-8 (with or without a byte-order mark), UTF-16 (with one: Excel's "Unicode text") or, when they
are not UTF-8, as GB18030 — what Excel on a Chinese Windows saves (GBK is a subset of it). Big5 is not told
apart from GB18030 (both take almost any byte pair): it must be named. The cells are separated by commas,
tabs (Excel's "Unicode text") or semicolons, whichever the header row has most of. Every error names the CSV
row as a spreadsheet shows it (the header is row 1) and the column by its header.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graph.backend import Tx
from graph.errors import InvalidGraph
from graph.models import BUNDLE_SECTIONS, Bundle, EdgeType, default_edge_id
from graph.records import EdgeRecord, NodeRecord
from graph.store import Counts, Store, is_erased, laid_over

# Section → {normalised header → bundle field}.
KINDS: dict[str, dict[str, str]] = {
    "accounts": {"id": "id", "name": "name", "industry": "industry", "region": "region",
                 "parentid": "parent_id", "notes": "notes",
                 "客户id": "id", "客户编号": "id", "编号": "id", "客户名称": "name", "名称": "name", "行业": "industry",
                 "区域": "region", "地区": "region", "上级客户id": "parent_id", "母公司id": "parent_id",
                 "集团id": "parent_id", "备注": "notes"},
    "contacts": {"id": "id", "accountid": "account_id", "name": "name", "title": "title",
                 "department": "department", "level": "level", "status": "status", "leftat": "left_at",
                 "knowsus": "knows_us", "notes": "notes", "lastcontactat": "last_contact_at",
                 "reportstoid": "reports_to_id",
                 "联系人id": "id", "编号": "id", "客户id": "account_id", "客户编号": "account_id", "姓名": "name",
                 "职位": "title", "职务": "title", "部门": "department", "级别": "level", "状态": "status",
                 "离职日期": "left_at", "认识我们": "knows_us", "备注": "notes", "最近联系": "last_contact_at",
                 "最后联系日期": "last_contact_at", "上级id": "reports_to_id", "上级编号": "reports_to_id",
                 "汇报对象id": "reports_to_id"},
    "team": {"id": "id", "name": "name", "title": "title", "level": "level", "role": "role",
             "编号": "id", "姓名": "name", "职位": "title", "级别": "level", "角色": "role"},
    "competitors": {"id": "id", "name": "name", "notes": "notes",
                    "编号": "id", "名称": "name", "竞争对手": "name", "备注": "notes"},
    "opportunities": {"id": "id", "accountid": "account_id", "name": "name", "stage": "stage", "status": "status",
                      "amount": "amount", "currency": "currency", "closedate": "close_date",
                      "competitorids": "competitor_ids",
                      "商机id": "id", "编号": "id", "客户id": "account_id", "客户编号": "account_id",
                      "商机名称": "name", "名称": "name", "阶段": "stage", "销售阶段": "stage", "状态": "status",
                      "金额": "amount", "预计金额": "amount", "币种": "currency", "货币": "currency",
                      "预计成交日期": "close_date", "结单日期": "close_date", "竞争对手id": "competitor_ids"},
    "relationships": {"id": "id", "type": "type", "source": "source", "sourceid": "source", "target": "target",
                      "targetid": "target", "strength": "strength", "closeness": "closeness",
                      "lastcontactat": "last_contact_at", "kind": "kind", "threat": "threat", "note": "note",
                      # 类型 is the line's type, as the web app names it (an interest's kind is 利益类型)
                      "编号": "id", "关系类型": "type", "类型": "type", "来源": "source", "源": "source",
                      "来源id": "source", "目标": "target", "目标id": "target", "强度": "strength",
                      "亲密度": "closeness", "紧密度": "closeness", "最近联系": "last_contact_at",
                      "最后联系日期": "last_contact_at", "利益类型": "kind", "利益": "kind", "威胁": "threat",
                      "备注": "note"},
    "decision_chain": {"opportunityid": "opportunity_id", "contactid": "contact_id", "role": "role",
                       "stance": "stance", "influence": "influence", "note": "note",
                       "商机id": "opportunity_id", "商机编号": "opportunity_id", "联系人id": "contact_id",
                       "联系人编号": "contact_id", "角色": "role", "购买角色": "role", "态度": "stance",
                       "影响力": "influence", "备注": "note"},
}
# The fields a row is keyed by: a CSV without a column for one is refused by its header (not row by row).
KEYS: dict[str, tuple[str, ...]] = {**{section: ("id",) for section in BUNDLE_SECTIONS if section in KINDS},
                                    "relationships": ("type", "source", "target"),
                                    "decision_chain": ("opportunity_id", "contact_id")}
_LEVELS = {"executive": ("高层", "高管"), "vp": ("副总",), "director": ("总监",), "manager": ("经理",),
           "staff": ("员工",)}
# Section → enum field → {value: the Chinese words for it}: those of the web app and the analytics' texts
# (app/web/js/i18n.js, scoring/texts.py, rendering/labels.py). A cell takes the value or one of its words,
# case, spaces, ``_`` and ``-`` ignored (``Decision Maker``, ``REPORTS_TO``, ``reports to``).
WORDS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "contacts": {"level": _LEVELS, "status": {"active": ("在职",), "left": ("已离职", "离职")}},
    "team": {"level": _LEVELS, "role": {"sales": ("销售",), "presales": ("售前",), "service": ("服务", "售后"),
                                        "executive": ("高管", "高层"), "partner": ("合作伙伴", "伙伴"),
                                        "other": ("其他",)}},
    "opportunities": {"status": {"open": ("进行中",), "won": ("赢单",), "lost": ("输单",)}},
    "relationships": {
        "type": {"REPORTS_TO": ("汇报关系", "汇报"), "INFLUENCES": ("影响",), "PROMOTED_BY": ("提拔",),
                 "ALLY": ("盟友",), "RIVAL": ("对立",), "COVERS": ("覆盖",), "MIRRORS": ("高层对等",),
                 "FAVORS": ("倾向",), "HAS_INTEREST": ("利益",)},
        "kind": {"kickback": ("现供应商的回扣", "回扣"), "incumbent_loyalty": ("与现供应商关系密切", "亲现供应商"),
                 "job_threat": ("岗位或作用受到威胁", "岗位威胁"), "influence_loss": ("影响力被削弱", "影响力受损"),
                 "budget_ownership": ("预算归属之争", "预算归属"), "personal": ("个人利益",),
                 "other": ("其他利益",)}},
    "decision_chain": {
        "role": {"decision_maker": ("决策者", "决策"), "economic_buyer": ("预算决策者", "预算"),
                 "technical_evaluator": ("技术评估者", "技术"), "business_user": ("业务使用者", "业务"),
                 "procurement": ("采购",), "influencer": ("影响者", "影响"), "coach": ("内线（教练）", "内线", "教练"),
                 "gatekeeper": ("把关者", "把关")},
        "stance": {"champion": ("坚定支持者",), "supporter": ("支持者",), "neutral": ("中立",),
                   "skeptic": ("怀疑者",), "opponent": ("反对者",), "unknown": ("态度不明",)}},
}
DATE_FIELDS = frozenset({"left_at", "last_contact_at", "close_date"})
# 2026-04-30, 2026-4-30, 2026/4/30, 2026.4.30, 2026年4月30日 (full-width digits read as such).
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
DATE_FORMS = "YYYY-MM-DD (2026-04-30), YYYY/M/D, YYYY-M-D, YYYY.M.D or YYYY年M月D日"
TRUE = frozenset({"true", "yes", "y", "1", "是", "t"})
FALSE = frozenset({"false", "no", "n", "0", "否", "f"})
BOOLEAN_FIELDS = frozenset({"knows_us"})
# Encodings a CSV may be named in (``?encoding=``, a charset, ``--encoding``); without one: UTF-8, else GB18030.
ENCODINGS = ("utf-8", "gb18030", "gbk", "gb2312", "big5", "big5-hkscs", "utf-16", "windows-1252", "latin-1")
# Names read in a superset, as browsers read them (the WHATWG Encoding Standard): GBK and GB2312 text as
# GB18030 (a file labelled gb2312 often holds GBK's 喆, 镕...), Big5 as Windows writes it (cp950: Excel on a
# Traditional Chinese Windows; Python's strict big5 refuses its 恒, 裏, 碁 and €).
CODECS = {"gbk": "gb18030", "gb2312": "gb18030", "big5": "cp950"}
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
# Encodings in which Excel writes "?" for a character they cannot hold, and that "?" next to a Chinese one.
LEGACY_CJK = frozenset({"gb18030", "gbk", "gb2312", "big5", "big5-hkscs"})
LOST = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]\?|\?[\u3400-\u9fff\U00020000-\U0003134f]")
# The csv module's own cell limit; a longer cell is refused with its row (no field takes that much).
CELL_LIMIT = csv.field_size_limit()


class CsvError(ValueError):
    """The CSV cannot be imported; ``errors`` name each row and column (``loc``: body, row, column)."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["msg"] if errors else "invalid CSV")
        self.status, self.errors = status, errors

    @property
    def msg(self) -> str:
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        return str(self) + more


@dataclass
class Origin:
    """Where a bundle entry came from: its spreadsheet row and the header of each field's column."""

    row: int
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class CsvBundle:
    kind: str
    encoding: str
    raw: dict[str, list[dict[str, Any]]]
    origins: dict[tuple[str, int], Origin]
    ignored: list[str]
    # The fields the CSV has a column for (bundle field → header).
    columns: dict[str, str] = field(default_factory=dict)
    # Cells :func:`read` could not take (a word that is not a boolean: the row is read without it), as
    # located errors: reported by the import together with every other problem of the rows.
    problems: list[dict[str, Any]] = field(default_factory=list)
    # What the import should know but does not refuse the CSV for (characters its program lost).
    warnings: list[str] = field(default_factory=list)

    def merged(self, tx: Tx) -> tuple[Bundle, list[EdgeRecord]]:
        """The bundle to import, read in ``tx``: each row's cells laid over the stored record of its id
        (a field without a column, or with a blank cell, keeps its stored value; a new record gets the
        defaults), validated; and the stored reporting lines that the rows' ``ReportsToId`` replaces.
        Raises CsvError naming every cell, id and field of every row that is wrong (not one kind of
        problem at a time)."""
        raw, replaced, errors = self._merge(tx)
        try:
            bundle = Bundle.model_validate(raw)
        except ValidationError as e:
            errors += [{"loc": list(err["loc"]), "msg": err["msg"]} for err in e.errors()]
        if errors or self.problems:
            raise CsvError(422, by_row([*self.problems, *self.locate(errors)]))
        return bundle, replaced

    def without_bad_rows(self, tx: Tx) -> tuple[Bundle, list[EdgeRecord], CsvBundle, set[str]] | None:
        """The bundle of the rows :meth:`merged` found nothing wrong with (a row whose cell could not be read
        is kept without that cell), to check them against the store too, so that an answer names the
        references the good rows break along with the other rows' problems: that bundle, the lines it
        replaces, a CsvBundle that locates its entries, and the ids of the rows left out (a reference to
        one of them is not a problem of its own). None when the rest does not validate either."""
        raw, _, errors = self._merge(tx)
        try:
            Bundle.model_validate(raw)
        except ValidationError as e:
            errors += [{"loc": list(err["loc"]), "msg": err["msg"]} for err in e.errors()]
        bad_rows = {origin.row for error in errors if (origin := self._origin(list(error["loc"]))) is not None}
        kept: dict[str, list[dict[str, Any]]] = {}
        origins: dict[tuple[str, int], Origin] = {}
        dropped: set[str] = set()
        for section, entries in self.raw.items():
            kept[section] = []
            for i, entry in enumerate(entries):
                origin = self.origins.get((section, i))
                if origin is not None and origin.row in bad_rows:
                    if section == self.kind and entry.get("id"):
                        dropped.add(str(entry["id"]))
                    continue
                if origin is not None:
                    origins[(section, len(kept[section]))] = origin
                kept[section].append(entry)
        rest = CsvBundle(self.kind, self.encoding, kept, origins, self.ignored, self.columns)
        raw, replaced, errors = rest._merge(tx)
        if errors:
            return None
        try:
            return Bundle.model_validate(raw), replaced, rest, dropped
        except ValidationError:
            return None

    def _origin(self, loc: list[Any]) -> Origin | None:
        if loc[:1] == ["body"]:
            loc = loc[1:]
        return self.origins.get((loc[0], loc[1])) if len(loc) >= 2 and isinstance(loc[1], int) else None

    def _merge(self, tx: Tx) -> tuple[dict[str, list[dict[str, Any]]], list[EdgeRecord], list[dict[str, Any]]]:
        """The rows laid over the stored records (not validated), the reporting lines they replace, and the
        rows that name an id of another kind (errors at bundle locations)."""
        section = self.kind
        rows = self.raw[section]
        errors: list[dict[str, Any]] = []
        stored_nodes: dict[str, NodeRecord] = {}
        if section in BUNDLE_SECTIONS:
            kind = BUNDLE_SECTIONS[section]
            stored_nodes = tx.get_nodes({row["id"] for row in rows if "id" in row})
            merged = []
            for i, row in enumerate(rows):
                old = stored_nodes.get(row.get("id", ""))
                if old is not None and old.kind != kind:
                    errors.append({"loc": [section, i, "id"], "msg": f"id {old.id!r} is already a {old.kind}, "
                                                                     f"not a {kind}"})
                merged.append(row if old is None or old.kind != kind else _over(section, old.data, row))
        else:
            ids = [_edge_id(section, row) for row in rows]
            stored_edges = tx.get_edges({id for id in ids if id})
            merged = [_over(section, edge.data, row) if id and (edge := stored_edges.get(id)) is not None
                      and _same_ends(section, edge, row) else row for id, row in zip(ids, rows, strict=True)]
        raw = {**self.raw, section: merged}
        replaced: list[EdgeRecord] = []
        if section == "contacts" and raw.get("relationships"):
            raw["relationships"], replaced = _reporting_lines(tx, raw["relationships"], stored_nodes)
        return raw, replaced, errors

    def locate(self, errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Errors about bundle entries (``[("body",) section, index, field...]``) as CSV rows and columns."""
        located = []
        for error in errors:
            loc = list(error["loc"])
            if loc[:1] == ["body"]:
                loc = loc[1:]
            origin = self._origin(loc)
            if origin is None:
                located.append({"loc": ["body", *loc], "msg": error["msg"]})
                continue
            name = loc[2] if len(loc) > 2 else None
            column = origin.columns.get(str(name)) if name is not None else None
            where = f"row {origin.row}" + (f", column {column!r}" if column else
                                           f" (no column for {name!r})" if name is not None else "")
            located.append({"loc": ["body", origin.row, column or name or "row"], "msg": f"{where}: {error['msg']}"})
        return located


def by_row(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Located errors in the order of their rows (errors of no row first), each once."""
    unique = list({(repr(e["loc"]), e["msg"]): e for e in errors}.values())
    return sorted(unique, key=lambda e: e["loc"][1] if len(e["loc"]) > 1 and isinstance(e["loc"][1], int) else 0)


def _key(header: str) -> str:
    return re.sub(r"[\W_]+", "", header.casefold())


def encoding_named(name: str) -> str | None:
    """The encoding of :data:`ENCODINGS` a name stands for (``UTF8``, ``cp936``, ``ms950``, ``Big5``,
    ``us-ascii``), if any.

    >>> encoding_named("US-ASCII"), encoding_named("utf-8-sig"), encoding_named("ms950"), encoding_named("x")
    ('utf-8', 'utf-8', 'big5', None)
    """
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    if codec in ("ascii", "utf-8-sig"):   # text/*'s default charset (RFC 2046) is a subset; a BOM is dropped
        return "utf-8"
    return (next((e for e in ENCODINGS if codecs.lookup(e).name == codec), None)
            or next((e for e in ENCODINGS if codecs.lookup(CODECS.get(e, e)).name == codec), None))


def declared_encoding(named: str | None, charset: str | None) -> str | None:
    """The encoding a request names: ``?encoding=`` and its Content-Type's ``charset`` (which must agree)."""
    if charset is None:
        return named
    declared = encoding_named(charset)
    if declared is None:
        raise CsvError(415, [{"loc": ["header", "content-type"],
                              "msg": f"the Content-Type's charset {charset[:40]!r} is not one Guanxi reads: "
                                     f"use one of {', '.join(ENCODINGS)}"}])
    if named is not None and encoding_named(named) != declared:
        raise CsvError(422, [{"loc": ["query", "encoding"],
                              "msg": f"encoding={named[:40]} and the Content-Type's charset={charset[:40]} "
                                     "disagree: give one"}])
    return declared


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The CSV's text and the encoding it was read in: the one named, else UTF-16 with a byte-order mark,
    else UTF-8, else GB18030.

    >>> decode("姓名\\n王总".encode("gb18030"))
    ('姓名\\n王总', 'gb18030')
    >>> decode("陳志強,恒生".encode("cp950"), "Big5")
    ('陳志強,恒生', 'big5')
    """
    if encoding is not None:
        name = encoding_named(encoding)
        if name is None:
            raise CsvError(400, [{"loc": ["query", "encoding"],
                                  "msg": f"unknown encoding {encoding[:40]!r}: use one of {', '.join(ENCODINGS)}"}])
        try:
            return data.decode(CODECS.get(name, name)).lstrip("\ufeff"), name
        except UnicodeDecodeError as e:
            raise CsvError(400, [_undecodable(data, e, name)]) from e
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data, "utf-16")
    try:
        return data.decode("utf-8").lstrip("\ufeff"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            error = _undecodable(data, utf8_error, "utf-8")
            error["msg"] += f"; nor is it GB18030: name its encoding ({', '.join(ENCODINGS)})"
            raise CsvError(400, [error]) from utf8_error


def _undecodable(data: bytes, error: UnicodeDecodeError, encoding: str) -> dict[str, Any]:
    row = data[:error.start].count(b"\n") + 1
    return {"loc": ["body", row], "msg": f"row {row} is not {encoding} (byte {error.start}: "
                                         f"0x{data[error.start]:02X})"}


def read(data: bytes, kind: str, encoding: str | None = None,
         progress: Callable[[Iterator[list[str]]], Iterable[list[str]]] | None = None) -> CsvBundle:
    """Decode and parse a CSV of ``kind`` into a bundle (not yet validated: see ``CsvBundle.validated``)."""
    if kind not in KINDS:
        raise CsvError(400, [{"loc": ["query", "kind"], "msg": f"kind must be one of {', '.join(KINDS)}"}])
    text, used = decode(data, encoding)
    end = text.find("\n")
    delimiter = _delimiter(text if end < 0 else text[:end])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    errors: list[dict[str, Any]] = []
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise CsvError(422, [_unreadable(1, e)]) from e
    if not header:
        raise CsvError(422, [{"loc": ["body", 1], "msg": "the CSV has no header row"}])
    if len(header) > MAX_COLUMNS:
        raise CsvError(422, [{"loc": ["body", 1], "msg": f"the header row has {len(header):,} columns; a CSV of "
                              f"{kind} has at most {MAX_COLUMNS:,} (is it the right file?)"}])
    mapping = KINDS[kind]
    lost: list[int] = []
    fields = [mapping.get(_key(h)) for h in header]
    ignored = [h for h, f in zip(header, fields, strict=True) if f is None]
    columns = {f: h.strip() for h, f in zip(header, fields, strict=True) if f is not None}
    _check_header(kind, header, fields, ignored)
    readers = [_cell_reader(kind, f) for f in fields]
    bundle: dict[str, list[dict[str, Any]]] = {kind: []}
    origins: dict[tuple[str, int], Origin] = {}
    number = 1
    lines: Iterable[list[str]] = progress(reader) if progress else reader
    iterator = iter(lines)
    while True:
        try:
            line = next(iterator)
        except StopIteration:
            break
        except csv.Error as e:  # the rest of the file cannot be read: what was found so far, and this
            raise CsvError(422, [*errors, _unreadable(number + 1, e)]) from e
        number += 1
        if not any(cell.strip() for cell in line):
            continue
        if any(cell.strip() for cell in line[len(header):]):
            # (fewer cells than headers is common — trailing blanks left out — and reads as blanks)
            example = ' ("Smith, John")' if delimiter == "," else ""
            errors.append({"loc": ["body", number],
                           "msg": f"row {number} has {len(line)} cells, the header {len(header)}: a "
                                  f"{DELIMITERS[delimiter]} inside a cell needs the cell in double quotes{example}"})
            continue
        row = _row(fields, readers, line, number, columns, errors)
        if used in LEGACY_CJK and LOST.search(row.get("name", "")):
            lost.append(number)
        boss = row.pop("reports_to_id", None)
        origins[(kind, len(bundle[kind]))] = Origin(number, columns)
        bundle[kind].append(row)
        if boss is not None:
            relationships = bundle.setdefault("relationships", [])
            origins[("relationships", len(relationships))] = Origin(
                number, {"source": columns.get("id", "id"), "target": columns["reports_to_id"]})
            relationships.append({"type": "REPORTS_TO", "source": row.get("id", ""), "target": boss})
    return CsvBundle(kind, used, bundle, origins, ignored, columns, errors, _lost_characters(lost, used, columns))


def _lost_characters(rows: list[int], encoding: str, columns: dict[str, str]) -> list[str]:
    """A warning naming the rows whose name has a "?" next to a Chinese character: what Excel writes for a
    character its GBK or Big5 save cannot hold (李䶮 becomes 李?), imported as it stands."""
    if not rows:
        return []
    named = ", ".join(map(str, rows[:20])) + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")
    warning = (f"row{'s' * (len(rows) > 1)} {named}, column {columns['name']!r}: a '?' inside a Chinese name is "
               f"mostly a character the program that saved this {encoding} file could not write (Excel's GBK save "
               "turns 李䶮 into 李?): imported as it stands; save the file as \"CSV UTF-8\" in Excel and import "
               "it again to keep the character")
    return [warning]


def _delimiter(header: str) -> str:
    """The delimiter of a CSV whose header row is ``header``: a comma, a tab (Excel's "Unicode text") or a
    semicolon (Excel where the decimal mark is a comma), whichever it has most of; a comma if none.

    >>> _delimiter("编号\\t客户ID\\t姓名"), _delimiter("Id;Name"), _delimiter("Id,Name (a;b)"), _delimiter("Id")
    ('\\t', ';', ',', ',')
    """
    return max(DELIMITERS, key=header.count)


MAX_COLUMNS = 1_000   # a CRM export has tens of columns; a wider header is another file (or an attack)


def _check_header(kind: str, header: list[str], fields: list[str | None], ignored: list[str]) -> None:
    """Refuse a header with two columns for one field (which would win is a guess: a second id column
    would file the row as another record), or without a column for a field its rows are keyed by (an
    import is idempotent by id: rows without one would be added again by every import; a line is known by
    its type and ends) — once, naming the columns ignored (a header Guanxi does not know is often the one
    meant), rather than once for every row."""
    errors: list[dict[str, Any]] = []
    first: dict[str, str] = {}
    for h, f in zip(header, fields, strict=True):
        if f is None:
            continue
        if f in first:
            errors.append({"loc": ["body", 1, h.strip()],
                           "msg": f"columns {first[f]!r} and {h.strip()!r} both give the field {f!r}: keep one"})
        first.setdefault(f, h.strip())
    unknown = f"; these columns are not ones Guanxi knows and were ignored: {', '.join(map(repr, ignored))}" \
        if ignored else ""
    missing = {}
    for key in (k for k in KEYS[kind] if k not in first):
        english = "".join(part.capitalize() for part in key.split("_"))
        missing[key] = ", ".join([english, *sorted(k for k, v in KINDS[kind].items()
                                                   if v == key and k != _key(english))])
    if list(missing) == ["id"]:
        errors.append({"loc": ["body", 1], "msg": f"the CSV has no id column ({missing['id']}): an import is keyed "
                       "by the CRM's record ids, so that importing it again updates the same records instead of "
                       "adding them again" + unknown})
    elif missing:
        columns = "; ".join(f"{key!r} ({names})" for key, names in missing.items())
        errors.append({"loc": ["body", 1], "msg": f"the CSV has no column for {columns}: each row is known by its "
                                                  f"{_listed(KEYS[kind])}{unknown}"})
    if errors:
        raise CsvError(422, errors)


def _over(section: str, stored: dict[str, Any], cells: dict[str, Any]) -> dict[str, Any]:
    """A row's cells laid over the stored fields of its record (a node's, or an edge's properties), as a PATCH
    lays its body over them."""
    return laid_over(BUNDLE_SECTIONS.get(section, section), stored, cells)


def _edge_id(section: str, row: dict[str, Any]) -> str | None:
    """The id the store gives the edge of a row (its own, else the default one), if the row names its ends."""
    if section == "decision_chain":
        contact, opportunity = row.get("contact_id"), row.get("opportunity_id")
        return default_edge_id(EdgeType.MEMBER_OF.value, contact, opportunity) if contact and opportunity else None
    if row.get("id"):
        return str(row["id"])
    type_, source, target = row.get("type"), row.get("source"), row.get("target")
    return default_edge_id(type_, source, target, row.get("kind")) if type_ and source and target else None


def _same_ends(section: str, stored: EdgeRecord, row: dict[str, Any]) -> bool:
    if section == "decision_chain":
        return stored.type == EdgeType.MEMBER_OF and (stored.source, stored.target) == (row["contact_id"],
                                                                                       row["opportunity_id"])
    return (stored.type, stored.source, stored.target) == (row.get("type"), row.get("source"), row.get("target"))


def _reporting_lines(tx: Tx, lines: list[dict[str, Any]], contacts: dict[str, NodeRecord],
                     ) -> tuple[list[dict[str, Any]], list[EdgeRecord]]:
    """The REPORTS_TO rows of a contacts CSV's ``ReportsToId`` (a row naming a boss the contact already
    reports to takes that line's id: the line is left as it is), and the stored lines they replace: each
    such contact's lines to other bosses that an import made — the CRM's earlier word. A line entered by
    hand (created through the API or the web app: a matrix boss the CRM does not know) stays, as do an
    erased person's lines."""
    reports = {line["source"] for line in lines if line.get("source")}
    wanted = {(line["source"], line["target"]) for line in lines if line.get("source")}
    held: dict[tuple[str, str], EdgeRecord] = {}
    others: list[EdgeRecord] = []
    for edge in tx.edges_touching(reports) if reports else ():
        if edge.type != EdgeType.REPORTS_TO or edge.source not in reports:
            continue
        if (edge.source, edge.target) in wanted:
            held.setdefault((edge.source, edge.target), edge)
        elif not (edge.source in contacts and is_erased(contacts[edge.source])):
            others.append(edge)
    # How each line came to be: the first entry of its trail (oldest first), or the first after its last
    # deletion (a line removed and made again by hand is the hand's). No trail: kept, when in doubt.
    made: dict[str, str] = {}
    last: dict[str, str] = {}
    trail = tx.audit_of_accounts((), entity_ids=[e.id for e in others], until=None) if others else ()
    for entry in (e for e in trail if e.entity_type == EdgeType.REPORTS_TO):   # (not a node of the same id)
        if last.get(entry.entity_id, "delete") == "delete":
            made[entry.entity_id] = entry.action
        last[entry.entity_id] = entry.action
    replaced = [edge for edge in others if made.get(edge.id) == "import"]
    # a line the contact keeps is left as it is (its note too: the CSV has no column for it)
    kept = [{**held[key].data, **line, "id": held[key].id} if (key := (line.get("source"), line.get("target"))) in held
            else line for line in lines]
    return kept, replaced


def import_csv(store: Store, parsed: CsvBundle, *, actor: str, dry_run: bool = False) -> dict[str, Counts]:
    """Import a read CSV, all or nothing, in one write transaction: its rows merged with the stored records
    they name (:meth:`CsvBundle.merged`, read in that transaction), the reporting lines they replace
    deleted, then imported by the store (validated, audited, idempotent) — so that an edit made meanwhile
    is neither lost nor overwritten (:meth:`graph.store.Store.import_merged`). A dry run does the same and
    rolls it back. Raises CsvError (a bad row) or InvalidGraph (a broken rule: see
    :meth:`CsvBundle.locate`)."""
    try:
        return store.import_merged(parsed.merged, actor=actor, dry_run=dry_run)
    except CsvError as e:
        if e.status != 422:
            raise
        found = e
    # Some rows are wrong: the others are checked against the store as well (a dry run), so that the answer
    # names the references they break too, rather than one kind of problem per attempt.
    rest: list[tuple[CsvBundle, set[str]]] = []

    def without_bad_rows(tx: Tx) -> tuple[Bundle, list[EdgeRecord]]:
        checked = parsed.without_bad_rows(tx)
        if checked is None:
            raise found
        bundle, replaced, located_by, dropped = checked
        rest.append((located_by, dropped))
        return bundle, replaced

    try:
        store.import_merged(without_bad_rows, actor=actor, dry_run=True)
    except InvalidGraph as e:
        located_by, dropped = rest[-1]
        named = tuple(f"with id {id!r}" for id in dropped)
        more = [error for error in located_by.locate(e.errors) if not str(error["msg"]).endswith(named)]
        raise CsvError(422, by_row([*found.errors, *more])) from e
    raise found


def _unreadable(row: int, error: csv.Error) -> dict[str, Any]:
    text = str(error)
    if "field larger than field limit" in text:
        text = f"a cell is longer than {CELL_LIMIT:,} characters (no field takes that much)"
    return {"loc": ["body", row], "msg": f"row {row}: {text}"}


# A cell's value read from its text, or ValueError saying what is wrong with it (after the quoted cell).
CellReader = Callable[[str], Any]


def _cell_reader(kind: str, name: str | None) -> CellReader | None:
    """How a column's cells are read: booleans, enum values or words, dates and lists of ids; None: as text."""
    if name in BOOLEAN_FIELDS:
        return _boolean
    if name is not None and name in VALUES.get(kind, {}):
        values, message = VALUES[kind][name], f"is not a {name}: use {_choices(WORDS[kind][name])}"

        def enum(value: str) -> str:
            known = values.get(value) or values.get(_word(value))
            if known is None:
                raise ValueError(message)
            return known
        return enum
    if name in DATE_FIELDS:
        return _date
    if name == "competitor_ids":
        return lambda value: [v.strip() for v in value.split(";") if v.strip()]
    return None


def _row(fields: list[str | None], readers: list[CellReader | None], line: list[str], number: int,
         columns: dict[str, str], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of one CSV line (a blank cell gives none), each read by its column's reader; a cell it
    cannot read (not a boolean, an enum's value or word, a date) is added to ``errors`` with the line's row
    and the column's header, and the row read without it."""
    row: dict[str, Any] = {}
    for name, reader, cell in zip(fields, readers, line, strict=False):
        value = cell.strip()
        if name is None or value == "":
            continue
        if reader is None:
            row[name] = value
            continue
        try:
            row[name] = reader(value)
        except ValueError as e:
            column = columns[name]
            errors.append({"loc": ["body", number, column],
                           "msg": f"row {number}, column {column!r}: {value[:40]!r} {e}"})
    return row


def _boolean(value: str) -> bool:
    word = value.casefold()
    if word not in TRUE and word not in FALSE:
        raise ValueError("is not true or false (use true/false, yes/no, y/n, t/f, 1/0 or 是/否)")
    return word in TRUE


def _word(value: str) -> str:
    """An enum cell as it is looked up: full-width forms as ASCII, case, spaces, ``_`` and ``-`` ignored."""
    return re.sub(r"[\s_-]+", "", unicodedata.normalize("NFKC", value).casefold())


# Section → enum field → {a value or word, as written and as :func:`_word` reads it: the value}.
VALUES: dict[str, dict[str, dict[str, str]]] = {
    kind: {name: {key: value for value, words in values.items() for word in (value, *words)
                  for key in (word, _word(word))}
           for name, values in enums.items()}
    for kind, enums in WORDS.items()}


def _choices(values: dict[str, tuple[str, ...]]) -> str:
    """An enum's values and their words, for a message.

    >>> _choices({"active": ("在职",), "left": ("已离职", "离职")})
    'active (在职) or left (已离职, 离职)'
    """
    return _listed([f"{value} ({', '.join(words)})" for value, words in values.items()], "or")


def _listed(items: Iterable[str], last: str = "and") -> str:
    """Items for a message.

    >>> _listed(["type", "source", "target"]), _listed(["id"])
    ('type, source and target', 'id')
    """
    *rest, final = items
    return f"{', '.join(rest)} {last} {final}" if rest else final


def _date(value: str) -> str:
    """A date cell as an ISO date; ValueError (saying why, for a message) if it is none.

    >>> [_date(v) for v in ("2026/11/18", "2026-4-30", "2026.4.30", "2026年4月30日", "２０２６/4/30")]
    ['2026-11-18', '2026-04-30', '2026-04-30', '2026-04-30', '2026-04-30']
    """
    if len(value) == 10 and value[4] == value[7] == "-":   # an ISO date, as most CRMs write it
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass   # (2026-02-30: said below)
    found = DATE.fullmatch(unicodedata.normalize("NFKC", value))
    if found is None:
        raise ValueError(f"is not a date: use {DATE_FORMS}")
    try:
        return dt.date(*(int(part) for part in found.groups())).isoformat()
    except ValueError as e:
        raise ValueError(f"is not a date ({e}): use {DATE_FORMS}") from e
