"""CRM exports (CSV with a header row) turned into import bundles.

Headers are matched loosely (``ReportsToId``, ``reports_to_id`` and ``Reports To Id`` are the same
column, and the usual Chinese headers — 姓名, 职位, 部门, 阶段... — are known too); columns Guanxi does not
know are ignored and reported. A contact's ``ReportsToId`` becomes a REPORTS_TO relationship; list
columns (``CompetitorIds``) are separated by ``;``.

The bytes are read as UTF-8 (with or without a byte-order mark) or, when they are not UTF-8, as GB18030
— what Excel on a Chinese Windows saves (GBK is a subset of it); another encoding can be named. Every
error names the CSV row as a spreadsheet shows it (the header is row 1) and the column by its header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graph.models import Bundle

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
                      "lastcontactat": "last_contact_at", "kind": "kind", "threat": "threat", "note": "note"},
    "decision_chain": {"opportunityid": "opportunity_id", "contactid": "contact_id", "role": "role",
                       "stance": "stance", "influence": "influence", "note": "note"},
}
TRUE = {"true", "yes", "y", "1", "是", "t"}
# Encodings a CSV may be named in (``?encoding=``, ``--encoding``); without one: UTF-8, else GB18030.
ENCODINGS = ("utf-8", "gb18030", "gbk", "gb2312", "big5", "utf-16", "windows-1252", "latin-1")
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

    def validated(self) -> Bundle:
        """The bundle, or a CsvError naming each bad cell's row and column."""
        try:
            return Bundle.model_validate(self.raw)
        except ValidationError as e:
            raise CsvError(422, self.locate([{"loc": list(err["loc"]), "msg": err["msg"]}
                                             for err in e.errors()])) from e

    def locate(self, errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Errors about bundle entries (``[("body",) section, index, field...]``) as CSV rows and columns."""
        located = []
        for error in errors:
            loc = list(error["loc"])
            if loc[:1] == ["body"]:
                loc = loc[1:]
            origin = self.origins.get((loc[0], loc[1])) if len(loc) >= 2 and isinstance(loc[1], int) else None
            if origin is None:
                located.append({"loc": ["body", *loc], "msg": error["msg"]})
                continue
            name = loc[2] if len(loc) > 2 else None
            column = origin.columns.get(str(name)) if name is not None else None
            where = f"row {origin.row}" + (f", column {column!r}" if column else
                                           f" (no column for {name!r})" if name is not None else "")
            located.append({"loc": ["body", origin.row, column or name or "row"], "msg": f"{where}: {error['msg']}"})
        return located


def _key(header: str) -> str:
    return re.sub(r"[\W_]+", "", header.casefold())


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The CSV's text and the encoding it was read in: the one named, else UTF-8, else GB18030.

    >>> decode("姓名\\n王总".encode("gb18030"))
    ('姓名\\n王总', 'gb18030')
    """
    if encoding is not None:
        name = encoding.strip().lower()
        if name not in ENCODINGS:
            raise CsvError(400, [{"loc": ["query", "encoding"],
                                  "msg": f"unknown encoding {encoding[:40]!r}: use one of {', '.join(ENCODINGS)}"}])
        try:
            return data.decode(name).lstrip("\ufeff"), name
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
    return {"loc": ["body", row], "msg": f"row {row} is not {encoding} (byte {error.start})"}


def read(data: bytes, kind: str, encoding: str | None = None,
         progress: Callable[[Iterator[list[str]]], Iterable[list[str]]] | None = None) -> CsvBundle:
    """Decode and parse a CSV of ``kind`` into a bundle (not yet validated: see ``CsvBundle.validated``)."""
    if kind not in KINDS:
        raise CsvError(400, [{"loc": ["query", "kind"], "msg": f"kind must be one of {', '.join(KINDS)}"}])
    text, used = decode(data, encoding)
    reader = csv.reader(io.StringIO(text))
    errors: list[dict[str, Any]] = []
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise CsvError(422, [_unreadable(1, e)]) from e
    if not header:
        raise CsvError(422, [{"loc": ["body", 1], "msg": "the CSV has no header row"}])
    mapping = KINDS[kind]
    fields = [mapping.get(_key(h)) for h in header]
    ignored = [h for h, f in zip(header, fields, strict=True) if f is None]
    columns = {f: h.strip() for h, f in zip(header, fields, strict=True) if f is not None}
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
        except csv.Error as e:
            errors.append(_unreadable(number + 1, e))
            break
        number += 1
        if not any(cell.strip() for cell in line):
            continue
        row = _row(fields, line)
        boss = row.pop("reports_to_id", None)
        origins[(kind, len(bundle[kind]))] = Origin(number, columns)
        bundle[kind].append(row)
        if boss is not None:
            relationships = bundle.setdefault("relationships", [])
            origins[("relationships", len(relationships))] = Origin(
                number, {"source": columns.get("id", "id"), "target": columns["reports_to_id"]})
            relationships.append({"type": "REPORTS_TO", "source": row.get("id", ""), "target": boss})
    if errors:
        raise CsvError(422, errors)
    return CsvBundle(kind, used, bundle, origins, ignored)


def _unreadable(row: int, error: csv.Error) -> dict[str, Any]:
    text = str(error)
    if "field larger than field limit" in text:
        text = f"a cell is longer than {CELL_LIMIT:,} characters (no field takes that much)"
    return {"loc": ["body", row], "msg": f"row {row}: {text}"}


def _row(fields: list[str | None], line: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, cell in zip(fields, line, strict=False):
        value = cell.strip()
        if name is None or value == "":
            continue
        if name == "knows_us":
            row[name] = value.lower() in TRUE
        elif name == "competitor_ids":
            row[name] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            row[name] = value
    return row
