"""Every Cypher statement Guanxi can send, checked by Neo4j's own Cypher front end.

The statements are collected by importing them, not by copying them: every ``str`` constant (and every
``str`` value of a ``dict`` constant) of :mod:`graph.neo4j.queries`, and every statement of every
``migrations/neo4j/*.cypher`` file, split exactly as the migration runner splits them. Each is linted
by ``tools/cypher-lint/lint.mjs`` (``@neo4j-cypher/language-support``: the Cypher grammar and Neo4j's
semantic analysis) against Cypher 5 and Cypher 25, with its ``$parameters`` declared and the adapter's
schema (labels, relationship types, property keys, which relationships join which labels) declared, in
strict mode: syntax errors, semantic errors (undefined variables, type errors...), unknown or plugin
functions, undeclared parameters, labels, types or properties, and deprecations all fail.

Setup: ``npm ci --prefix tools/cypher-lint`` (Node 18+).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import types
from pathlib import Path
from typing import Any

import pytest

from graph.models import EDGE_ENDPOINTS
from graph.neo4j import migrate, queries, schema

ROOT = Path(__file__).resolve().parents[1]
LINT_DIR = ROOT / "tools" / "cypher-lint"
LINT = LINT_DIR / "lint.mjs"
PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
VERSIONS = "5,25"


def collect_statements(module: types.ModuleType = queries) -> list[dict[str, Any]]:
    """(name, query) of every statement of the adapter's queries module and of the migration files."""
    found: list[dict[str, Any]] = []
    for name, value in sorted(vars(module).items()):
        if name.startswith("__"):
            continue
        if isinstance(value, str):
            found.append({"name": name, "query": value})
        elif isinstance(value, dict):
            found.extend({"name": f"{name}[{key!s}]", "query": text}
                         for key, text in value.items() if isinstance(text, str))
    for migration in (m for m in migrate.files() if not m.is_python):  # Python ones use queries' constants
        for i, statement in enumerate(migrate.statements(migration), start=1):
            found.append({"name": f"{migration.name}#{i}", "query": statement})
    return [{**s, "parameters": {p: None for p in PARAMETER.findall(s["query"])}} for s in found]


def lint_schema() -> dict[str, Any]:
    """What the adapter's database holds, for the lint to report anything else."""
    labels = [schema.ENTITY, *schema.KIND_LABELS.values(), *schema.OTHER_LABELS]
    joins = [(schema.KIND_LABELS[str(source)], schema.KIND_LABELS[str(target)], str(edge_type))
             for edge_type, (source, targets) in EDGE_ENDPOINTS.items() for target in sorted(targets)]
    joins += [(source, "Account", schema.BELONGS_TO) for source in ("Contact", "Opportunity", "Account")]
    # every node of the map is also an Entity
    graph = [{"from": a, "to": b, "relType": rel_type} for source, target, rel_type in joins
             for a in (source, schema.ENTITY) for b in (target, schema.ENTITY)]
    return {"labels": labels, "relationshipTypes": [*schema.EDGE_TYPES, schema.BELONGS_TO],
            "propertyKeys": list(schema.PROPERTY_KEYS), "graphSchema": graph}


def run_lint(statements: list[dict[str, Any]], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail("the Cypher linter is not installed: run `npm ci --prefix tools/cypher-lint`")
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed for the Cypher lint (node 18+ on PATH)")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(lint_schema()), encoding="utf-8")
    done = subprocess.run([node, str(LINT), "--schema", str(schema_file), "--cypher", VERSIONS, "--strict",
                           "--json"], input=json.dumps(statements), capture_output=True, text=True,
                          cwd=LINT_DIR, timeout=900, check=False)
    if done.returncode not in (0, 1):
        pytest.fail(f"the Cypher linter failed to run (exit {done.returncode}):\n{done.stderr}{done.stdout}")
    return done.returncode, json.loads(done.stdout)


def describe(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['name']} [Cypher {f['cypher']}] {f['severity']} at {f['line']}:{f['column']}: "
                     f"{f['message']}\n{f['excerpt']}" for f in findings)


def test_the_collection_covers_the_adapter_and_the_migrations() -> None:
    statements = collect_statements()
    names = {s["name"] for s in statements}
    assert len(statements) > 30
    assert {"PUT_NODES", "PUT_EDGES", "ACCOUNT_SUBGRAPH", "APPLIED_MIGRATIONS"} <= names
    assert {f"LIST_NODES[{kind}]" for kind in schema.KIND_LABELS} <= names
    migration_files = {m.name for m in migrate.files() if not m.is_python}
    assert migration_files and {n.split("#")[0] for n in names if "#" in n} == migration_files
    assert all(s["query"].strip() and not s["query"].rstrip().endswith(";") for s in statements)


def test_every_statement_passes_the_cypher_front_end(tmp_path: Path) -> None:
    statements = collect_statements()
    code, report = run_lint(statements, tmp_path)
    assert report["checked"] == len(statements)
    assert report["findings"] == [], "Cypher lint:\n" + describe(report["findings"])
    assert code == 0


def test_the_linter_really_catches_mistakes(tmp_path: Path) -> None:
    """So that a broken setup cannot make the check above pass vacuously."""
    broken = [
        {"name": "syntax", "query": "MATCH (n:Entity WHERE n.id = $id RETURN n", "parameters": {"id": None}},
        {"name": "undefined_variable", "query": "MATCH (n:Entity) RETURN m.id", "parameters": {}},
        {"name": "undeclared_parameter", "query": "MATCH (n:Entity {id: $nope}) RETURN n.id",
         "parameters": {}},
        {"name": "plugin_function", "query": "RETURN apoc.convert.toJson({a: 1}) AS j", "parameters": {}},
        {"name": "misspelt_label", "query": "MATCH (n:Contcat) RETURN n.id", "parameters": {}},
        {"name": "fine", "query": "MATCH (n:Entity {id: $id}) RETURN n.id AS id", "parameters": {"id": None}},
    ]
    code, report = run_lint(broken, tmp_path)
    assert code == 1
    flagged = {f["name"] for f in report["findings"]}
    assert flagged == {"syntax", "undefined_variable", "undeclared_parameter", "plugin_function",
                       "misspelt_label"}, describe(report["findings"])
    errors = {f["name"] for f in report["findings"] if f["severity"] == "error"}
    assert {"syntax", "undefined_variable", "undeclared_parameter", "plugin_function"} <= errors
    assert any("not defined" in f["message"] for f in report["findings"] if f["name"] == "undefined_variable")
