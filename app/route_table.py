"""What the OpenAPI document says about a concrete request path: which methods it answers and whether
its texts follow ``Accept-Language``. Read from the document itself, so that the ``Allow`` header and the
language headers say exactly what the contract says."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class PathEntry:
    template: str
    pattern: re.Pattern[str]
    methods: frozenset[str]
    language: frozenset[str]  # methods whose answer follows Accept-Language


class RouteTable:
    def __init__(self, entries: list[PathEntry]) -> None:
        self.entries = entries

    @classmethod
    def of(cls, schema: dict[str, Any]) -> RouteTable:
        entries = []
        for template, item in schema.get("paths", {}).items():
            methods, language = set(), set()
            for method, operation in item.items():
                if method.upper() not in METHOD_ORDER or not isinstance(operation, dict):
                    continue
                methods.add(method.upper())
                if any(p.get("in") == "header" and p.get("name", "").lower() == "accept-language"
                       for p in operation.get("parameters", [])):
                    language.add(method.upper())
            if "GET" in methods:
                methods.add("HEAD")
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
            entries.append(PathEntry(template, pattern, frozenset(methods), frozenset(language)))
        # Literal paths before templated ones (``/v1/import/csv`` is not ``/v1/import/{id}``).
        entries.sort(key=lambda e: e.template.count("{"))
        return cls(entries)

    def find(self, path: str) -> PathEntry | None:
        return next((e for e in self.entries if e.pattern.match(path)), None)

    def allowed(self, path: str) -> list[str] | None:
        """The methods documented at ``path`` (HEAD with GET), in a conventional order; None if none is."""
        methods: set[str] = set()
        for entry in self.entries:
            if entry.pattern.match(path):
                methods |= entry.methods
        return sorted(methods, key=METHOD_ORDER.index) if methods else None

    def follows_language(self, method: str, path: str) -> bool:
        entry = self.find(path)
        return entry is not None and (method if method != "HEAD" else "GET") in entry.language


_LOCK = threading.Lock()


def route_table(app: FastAPI) -> RouteTable:
    """The app's table, built from its OpenAPI document on first use."""
    table: RouteTable | None = getattr(app.state, "route_table", None)
    if table is None:
        with _LOCK:
            table = getattr(app.state, "route_table", None)
            if table is None:
                table = RouteTable.of(app.openapi())
                app.state.route_table = table
    return table
