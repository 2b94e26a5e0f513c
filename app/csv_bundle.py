"""CRM exports (CSV with a header row) turned into import bundles.

Headers are matched loosely (``ReportsToId``, ``reports_to_id`` and ``Reports To Id`` are the same
column); columns Guanxi does not know are ignored and reported. A contact's ``ReportsToId`` becomes a
REPORTS_TO relationship; list columns (``CompetitorIds``) are separated by ``;``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

KINDS: dict[str, dict[str, str]] = {
    "accounts": {"id": "id", "name": "name", "industry": "industry", "region": "region",
                 "parentid": "parent_id", "notes": "notes"},
    "contacts": {"id": "id", "accountid": "account_id", "name": "name", "title": "title",
                 "department": "department", "level": "level", "status": "status", "leftat": "left_at",
                 "knowsus": "knows_us", "notes": "notes", "lastcontactat": "last_contact_at",
                 "reportstoid": "reports_to_id"},
    "team": {"id": "id", "name": "name", "title": "title", "level": "level", "role": "role"},
    "competitors": {"id": "id", "name": "name", "notes": "notes"},
    "opportunities": {"id": "id", "accountid": "account_id", "name": "name", "stage": "stage",
                      "amount": "amount", "currency": "currency", "closedate": "close_date",
                      "competitorids": "competitor_ids"},
    "relationships": {"id": "id", "type": "type", "source": "source", "sourceid": "source", "target": "target",
                      "targetid": "target", "strength": "strength", "closeness": "closeness",
                      "lastcontactat": "last_contact_at", "kind": "kind", "threat": "threat", "note": "note"},
    "decision_chain": {"opportunityid": "opportunity_id", "contactid": "contact_id", "role": "role",
                       "stance": "stance", "influence": "influence", "note": "note"},
}
TRUE = {"true", "yes", "y", "1", "是", "t"}


class CsvError(ValueError):
    def __init__(self, loc: list[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def rows(text: str, kind: str) -> tuple[Iterator[dict[str, Any]], list[str]]:
    """The CSV's rows as bundle fields, and the ignored columns."""
    if kind not in KINDS:
        raise CsvError(["query", "kind"], f"kind must be one of {', '.join(KINDS)}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise CsvError(["body"], "the CSV has no header row")
    mapping = KINDS[kind]
    fields = [mapping.get(_key(h)) for h in header]
    ignored = [h for h, f in zip(header, fields, strict=True) if f is None]

    def generate() -> Iterator[dict[str, Any]]:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            row: dict[str, Any] = {}
            for field, cell in zip(fields, line, strict=False):
                value = cell.strip()
                if field is None or value == "":
                    continue
                if field == "knows_us":
                    row[field] = value.lower() in TRUE
                elif field == "competitor_ids":
                    row[field] = [v.strip() for v in value.split(";") if v.strip()]
                else:
                    row[field] = value
            yield row

    return generate(), ignored


def to_bundle(kind: str, records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A bundle from CSV rows of one kind; contacts' ``reports_to_id`` become REPORTS_TO lines."""
    bundle: dict[str, list[dict[str, Any]]] = {kind: []}
    for row in records:
        boss = row.pop("reports_to_id", None)
        bundle[kind].append(row)
        if boss is not None:
            bundle.setdefault("relationships", []).append(
                {"type": "REPORTS_TO", "source": row.get("id", ""), "target": boss})
    return bundle
