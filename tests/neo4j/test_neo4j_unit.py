"""The Neo4j adapter, without a Neo4j server: error translation against a port nobody listens on, the
statements module's rules, the migrations' coverage, and the transaction primitives over a recording
fake of the driver's managed transaction. The behaviour against a real server is the contract suite
(``tests/contract``, with ``NEO4J_URI`` set)."""

from __future__ import annotations

import ast
import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from graph.errors import Conflict, StoreUnavailable
from graph.models import EdgeType, NodeKind
from graph.neo4j import migrate, queries, schema
from graph.neo4j.store import Neo4jBackend, Neo4jTx
from graph.records import ApiKey, AuditEntry, EdgeRecord, NodeRecord

FAST = {"connection_timeout": 2, "max_transaction_retry_time": 1, "connection_acquisition_timeout": 3}
NOWHERE = "bolt://127.0.0.1:1"  # nothing listens on port 1


def neo4j_error(code: str, message: str = "server says no") -> Neo4jError:
    """A server error as the driver builds it from a FAILURE message (class chosen by the code)."""
    return Neo4jError._hydrate_neo4j(code=code, message=message)


# ---- a fake of the driver's transaction, session and driver ----------------------------------------


class FakeRecord(dict[str, Any]):
    def data(self) -> dict[str, Any]:
        return dict(self)


@dataclass
class FakeTx:
    """Records every (query, parameters) and answers from ``answers`` (query → rows or exception)."""

    answers: dict[str, Any] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kw: Any) -> Iterator[FakeRecord]:
        params = {**(parameters or {}), **kw}
        self.sent.append((query, params))
        answer = self.answers.get(query, [])
        if callable(answer):
            answer = answer(params)
        if isinstance(answer, BaseException):
            raise answer
        return iter([FakeRecord(row) for row in answer])

    def queries(self) -> list[str]:
        return [q for q, _ in self.sent]


class FakeResult:
    def __init__(self, rows: Iterator[FakeRecord]) -> None:
        self.rows = list(rows)

    def __iter__(self) -> Iterator[FakeRecord]:
        return iter(self.rows)

    def consume(self) -> None:
        return None


class FakeMigrationTx:
    """Just enough of a database for the migration runner: schema statements and Migration nodes."""

    def __init__(self, db: dict[str, Any]) -> None:
        self.db = db

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kw: Any) -> FakeResult:
        params = {**(parameters or {}), **kw}
        if query == queries.APPLIED_MIGRATIONS:
            rows = [FakeRecord(name=n, checksum=c) for n, c in self.db["migrations"].items()]
            return FakeResult(iter(rows))
        if query == queries.RECORD_MIGRATION:
            self.db["migrations"].setdefault(params["name"], params["checksum"])
            self.db["log"].append(("record", params["name"]))
            return FakeResult(iter([]))
        self.db["log"].append(("schema", query))
        return FakeResult(iter([]))


class FakeSession:
    def __init__(self, driver: FakeDriver, config: dict[str, Any]) -> None:
        self.driver, self.config = driver, config

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _execute(self, kind: str, work: Callable[..., Any], *args: Any) -> Any:
        self.driver.calls.append(kind)
        if self.driver.failures:
            raise self.driver.failures.pop(0)
        self.driver.db["log"].append(("tx", kind))
        return work(FakeMigrationTx(self.driver.db), *args)

    def execute_read(self, work: Callable[..., Any], *args: Any) -> Any:
        return self._execute("read", work, *args)

    def execute_write(self, work: Callable[..., Any], *args: Any) -> Any:
        return self._execute("write", work, *args)


class FakeDriver:
    def __init__(self, failures: list[BaseException] | None = None) -> None:
        self.failures = failures or []
        self.calls: list[str] = []
        self.configs: list[dict[str, Any]] = []
        self.db: dict[str, Any] = {"migrations": {}, "log": []}

    def session(self, **config: Any) -> FakeSession:
        self.configs.append(config)
        return FakeSession(self, config)

    def close(self) -> None:
        return None


@pytest.fixture
def fake_backend() -> Iterator[tuple[Neo4jBackend, FakeDriver]]:
    backend = Neo4jBackend(NOWHERE, "neo4j", "secret", "guanxi", **FAST)
    backend._driver.close()
    driver = FakeDriver()
    backend._driver = driver  # type: ignore[assignment]
    yield backend, driver


# ---- no server: failures become StoreUnavailable ---------------------------------------------------


@pytest.mark.parametrize("uri", [NOWHERE, "neo4j://127.0.0.1:1"])
def test_an_unreachable_server_is_store_unavailable(uri: str) -> None:
    backend = Neo4jBackend(uri, "neo4j", "secret", "neo4j", **FAST)  # creating it does not connect
    try:
        with pytest.raises(StoreUnavailable) as read_error:
            backend.read(lambda tx: tx.get_nodes(["c1"]))
        assert isinstance(read_error.value.__cause__, ServiceUnavailable | SessionExpired)
        with pytest.raises(StoreUnavailable):
            backend.write(lambda tx: tx.put_key(ApiKey("k1", "viewer", "x", "h", "2026-01-01T00:00:00Z")))
        with pytest.raises(StoreUnavailable, match="does not answer"):
            backend.check_ready()
        with pytest.raises(StoreUnavailable):
            backend.migrate()
        # nothing cached: the next call tries the server again (and would succeed once it is back)
        with pytest.raises(StoreUnavailable):
            backend.read(lambda tx: tx.list_keys())
    finally:
        backend.close()


def test_the_backend_recovers_when_the_database_comes_back(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    backend, driver = fake_backend
    driver.failures = [ServiceUnavailable("connection refused"), SessionExpired("leader gone")]
    for _ in range(2):
        with pytest.raises(StoreUnavailable):
            backend.read(lambda tx: "answered")
    assert backend.read(lambda tx: "answered") == "answered"
    assert driver.calls == ["read", "read", "read"]


@pytest.mark.parametrize(("code", "expected"), [
    ("Neo.ClientError.Schema.ConstraintValidationFailed", Conflict),
    ("Neo.TransientError.Transaction.DeadlockDetected", StoreUnavailable),
    ("Neo.TransientError.General.DatabaseUnavailable", StoreUnavailable),
    ("Neo.ClientError.Security.Unauthorized", StoreUnavailable),
    ("Neo.ClientError.Database.DatabaseNotFound", StoreUnavailable),
])
def test_driver_failures_become_store_errors(fake_backend: tuple[Neo4jBackend, FakeDriver], code: str,
                                             expected: type[Exception]) -> None:
    backend, driver = fake_backend
    cause = neo4j_error(code)
    driver.failures = [cause]
    with pytest.raises(expected) as info:
        backend.write(lambda tx: None)
    assert info.value.__cause__ is cause


def test_a_broken_statement_is_a_bug_not_an_outage(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    backend, driver = fake_backend
    driver.failures = [neo4j_error("Neo.ClientError.Statement.SyntaxError", "Invalid input")]
    with pytest.raises(Neo4jError):
        backend.read(lambda tx: None)


def test_sessions_target_the_database_with_shared_bookmarks(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    backend, driver = fake_backend
    backend.read(lambda tx: None)
    backend.write(lambda tx: None)
    assert driver.calls == ["read", "write"]
    assert [c["database"] for c in driver.configs] == ["guanxi", "guanxi"]
    assert driver.configs[0]["bookmark_manager"] is driver.configs[1]["bookmark_manager"] is not None
    assert [c["default_access_mode"] for c in driver.configs] == ["READ", "WRITE"]


# ---- migrations --------------------------------------------------------------------------------------


def test_migrate_applies_each_file_in_order_once(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    backend, driver = fake_backend
    files = migrate.files()
    assert [m.name for m in files] == sorted(m.name for m in files) and len(files) >= 2
    with pytest.raises(StoreUnavailable, match="guanxi migrate"):
        backend.check_ready()
    assert backend.migrate() == [m.name for m in files]
    log = driver.db["log"]
    # each file: one transaction with all its statements, then one recording it
    for migration in files:
        first = log.index(("schema", migrate.statements(migration)[0]))
        record = log.index(("record", migration.name))
        assert log[first - 1] == ("tx", "write") and log[record - 1] == ("tx", "write")
        assert all(entry[0] == "schema" for entry in log[first:record - 1])
    assert driver.db["migrations"] == {m.name: m.checksum for m in files}
    backend.check_ready()
    assert backend.migrate() == []


def test_an_edited_migration_is_refused(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    backend, driver = fake_backend
    backend.migrate()
    first = migrate.files()[0].name
    driver.db["migrations"][first] = "0" * 64
    before = len(driver.db["log"])
    with pytest.raises(migrate.MigrationChanged, match=first):
        backend.migrate()
    assert not any(entry[0] == "schema" for entry in driver.db["log"][before:])
    with pytest.raises(StoreUnavailable, match="changed"):
        backend.check_ready()


def test_migration_files_are_idempotent_schema_statements() -> None:
    for migration in migrate.files():
        assert re.fullmatch(r"V\d{4}__[a-z0-9_]+\.cypher", migration.name)
        for statement in migrate.statements(migration):
            assert re.match(r"CREATE (CONSTRAINT|INDEX) \w+ IF NOT EXISTS FOR ", statement), statement
            assert not statement.endswith(";")


def _constraints() -> set[tuple[str, str]]:
    """(label or relationship type, property) of every uniqueness constraint the migrations create."""
    pattern = re.compile(r"FOR (?:\(\w+:(\w+)\)|\(\)-\[\w+:(\w+)\]-\(\)) REQUIRE \w+\.(\w+) IS UNIQUE")
    found = set()
    for migration in migrate.files():
        for statement in migrate.statements(migration):
            match = pattern.search(statement)
            if match:
                found.add((match.group(1) or match.group(2), match.group(3)))
    return found


def test_every_id_and_merge_key_is_backed_by_a_unique_constraint() -> None:
    unique = _constraints()
    assert ("Entity", "id") in unique
    assert {(label, "id") for label in schema.KIND_LABELS.values()} <= unique
    assert {(edge_type.value, "id") for edge_type in EdgeType} <= unique
    assert {("ApiKey", "id"), ("ApiKey", "key_hash"), ("Migration", "name"), ("AuditEntry", "seq")} <= unique
    merges = []
    for text in _statements():
        merges += re.findall(r"MERGE \(\w+:(\w+) \{(\w+):", text)
        merges += re.findall(r"MERGE \(\w+\)-\[\w+:(\w+) \{(\w+):", text)
        assert not re.search(r"MERGE \(\w+\)-\[:", text), "a relationship MERGE without a key"
    assert merges and set(merges) <= unique


# ---- the statements module ---------------------------------------------------------------------------


def _statements() -> list[str]:
    found = []
    for name, value in vars(queries).items():
        if name.startswith("__"):
            continue
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += [v for v in value.values() if isinstance(v, str)]
    return found


def test_queries_are_literal_constants_never_formatted() -> None:
    source = Path(inspect.getfile(queries)).read_text(encoding="utf-8")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert not isinstance(node, ast.JoinedStr), f"f-string at line {node.lineno}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in {"format", "format_map", "replace"}, f"line {node.lineno}"
        assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)), f"% at line {node.lineno}"
    # every public constant is a LiteralString statement (or a whitelist-keyed dict of them)
    hints = {node.target.id: ast.unparse(node.annotation) for node in tree.body
             if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    for name, value in vars(queries).items():
        if name.startswith("_") or not isinstance(value, str | dict):
            continue
        assert name.isupper(), name
        assert hints.get(name) in {"Final[LiteralString]", "Final[dict[str, LiteralString]]"}, name
    # braces only as Cypher maps and subqueries: no leftover "{}" or "{0}" placeholders
    for text in _statements():
        assert not re.search(r"\{\s*\}|\{\d*\}", text), text


def test_every_kind_and_edge_type_has_its_statements() -> None:
    kinds = {kind.value for kind in NodeKind}
    assert set(queries.LIST_NODES) == set(queries.LIST_NODES_OF_ACCOUNT) == kinds
    for kind, label in schema.KIND_LABELS.items():
        assert f"(n:{label})" in queries.LIST_NODES[kind]
        assert f"(n:Entity:{label} " in queries.LIST_NODES_OF_ACCOUNT[kind]
        assert f"WHEN row.kind = '{kind}'" in queries.PUT_NODES and f"SET n:{label})" in queries.PUT_NODES
    for edge_type in EdgeType:
        t = edge_type.value
        assert f"CREATE (s)-[:{t} {{" in queries.PUT_EDGES and f"MERGE (s)-[r:{t} {{id: row.id}}]" in queries.PUT_EDGES
        for statement in (queries.GET_EDGES, queries.GET_EDGES_FOR_UPDATE, queries.DELETE_EDGES,
                          queries.LIST_EDGES_OF_ACCOUNT):
            assert f"[r:{t} " in statement or f"[r:{t}]" in statement
        for statement in (queries.EDGES_TOUCHING, queries.LIST_EDGES, queries.LIST_EDGES_TO_TARGET,
                          queries.ACCOUNT_SUBGRAPH):
            assert re.search(rf"[:|]{t}[|\]]", statement), (t, statement)
    assert "BELONGS_TO" not in queries.EDGES_TOUCHING + queries.ACCOUNT_SUBGRAPH + queries.LIST_EDGES


def test_for_update_statements_lock_what_they_read() -> None:
    for name in ("GET_NODES", "GET_EDGES", "EDGES_TOUCHING", "NODES_OF_ACCOUNTS"):
        plain, locking = getattr(queries, name), getattr(queries, name + "_FOR_UPDATE")
        assert "_lock" not in plain and "SET " not in plain
        assert re.search(r"SET (\w)\._lock = true\nREMOVE \1\._lock", locking)


# ---- the transaction primitives over a fake transaction ---------------------------------------------


def node_row(kind: str, id: str, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"kind": kind, "id": id, "data": json.dumps(data, ensure_ascii=False),
            "created_at": "2026-01-01T00:00:00.000000Z", "updated_at": "2026-01-02T00:00:00.000000Z",
            "version": version}


def edge_row(type: str, id: str, source: str, target: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": type, "id": id, "source": source, "target": target, "account_id": "acme",
            "data": json.dumps(data), "created_at": "2026-01-01T00:00:00.000000Z",
            "updated_at": "2026-01-01T00:00:00.000000Z", "version": 1}


def record(kind: str, id: str, data: dict[str, Any], version: int = 1) -> NodeRecord:
    return NodeRecord(kind, id, data, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z", version)


def test_reads_in_a_write_transaction_lock_and_absent_ids_are_created() -> None:
    fake = FakeTx({queries.GET_NODES_FOR_UPDATE: [node_row("contact", "c1", {"account_id": "acme", "name": "王总"})]})
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    found = tx.get_nodes(["c1", "c2", "c1"])
    assert list(found) == ["c1"] and found["c1"].data["name"] == "王总" and found["c1"].version == 1
    assert fake.sent[0][1] == {"ids": ["c1", "c2"]}
    tx.put_nodes([record("contact", "c1", {"account_id": "acme", "name": "王总"}, 2),
                  record("contact", "c2", {"account_id": "acme", "name": "李经理"})])
    rows = {row["id"]: row for row in fake.sent[-1][1]["rows"]}
    assert fake.sent[-1][0] == queries.PUT_NODES
    assert (rows["c1"]["create"], rows["c2"]["create"]) == (False, True)
    assert rows["c2"]["owner_id"] == "acme" and rows["c2"]["name"] == "李经理"
    assert json.loads(rows["c2"]["data"]) == {"account_id": "acme", "name": "李经理"}
    assert "李经理" in rows["c2"]["data"]  # stored as written, not \u-escaped
    tx.put_nodes([record("contact", "c2", {"account_id": "acme", "name": "李"}, 2)])
    assert fake.sent[-1][1]["rows"][0]["create"] is False  # created earlier in this transaction


def test_reads_in_a_read_transaction_take_no_locks() -> None:
    fake = FakeTx()
    tx = Neo4jTx(fake, writable=False)  # type: ignore[arg-type]
    tx.get_nodes(["a"])
    tx.get_edges(["e"])
    tx.edges_touching(["a"])
    tx.nodes_of_accounts(["a"])
    assert fake.queries() == [queries.GET_NODES, queries.GET_EDGES, queries.EDGES_TOUCHING,
                              queries.NODES_OF_ACCOUNTS]


def test_node_rows_carry_owner_and_named_competitors() -> None:
    fake = FakeTx()
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    tx.put_nodes([record("account", "sub", {"name": "Sub", "parent_id": "group"}),
                  record("opportunity", "o1", {"name": "Deal", "account_id": "sub", "competitor_ids": ["x", "y"]}),
                  record("team_member", "t1", {"name": "Li"}),
                  record("opportunity", "o2", {"name": "Deal 2", "account_id": "sub", "competitor_ids": []})])
    rows = {row["id"]: row for row in fake.sent[-1][1]["rows"]}
    assert rows["sub"]["owner_id"] == "group" and rows["o1"]["owner_id"] == "sub"
    assert rows["t1"]["owner_id"] is None and rows["t1"]["competitor_ids"] is None
    assert rows["o1"]["competitor_ids"] == ["x", "y"] and rows["o2"]["competitor_ids"] is None
    assert {row["kind"] for row in rows.values()} == {"account", "opportunity", "team_member"}


def test_edges_joining_missing_nodes_are_refused() -> None:
    fake = FakeTx({queries.PUT_EDGES: [{"orphans": ["INFLUENCES:c1:ghost"]}]})
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    edge = EdgeRecord("INFLUENCES", "INFLUENCES:c1:ghost", "c1", "ghost", {"strength": 0.5}, "acme",
                      "t", "t", 1)
    with pytest.raises(Conflict, match="do not exist"):
        tx.put_edges([edge])


def test_edge_writes_create_what_was_absent() -> None:
    fake = FakeTx({queries.GET_EDGES_FOR_UPDATE: [edge_row("REPORTS_TO", "r1", "c2", "c1", {})],
                   queries.PUT_EDGES: [{"orphans": []}]})
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    tx.get_edges(["r1", "r2"])
    tx.put_edges([EdgeRecord("REPORTS_TO", "r1", "c2", "c1", {"note": "x"}, "acme", "t", "t", 2),
                  EdgeRecord(EdgeType.INFLUENCES, "r2", "c2", "c3", {"strength": 0.4}, "acme", "t", "t", 1)])
    rows = {row["id"]: row for row in fake.sent[-1][1]["rows"]}
    assert (rows["r1"]["create"], rows["r2"]["create"]) == (False, True)
    assert rows["r2"]["type"] == "INFLUENCES" and type(rows["r2"]["type"]) is str


def test_a_violated_constraint_is_a_conflict_inside_the_transaction() -> None:
    fake = FakeTx({queries.PUT_KEY: neo4j_error("Neo.ClientError.Schema.ConstraintValidationFailed",
                                                "already exists with label `ApiKey`")})
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="already exists"):
        tx.put_key(ApiKey("k1", "viewer", "crm", "hash", "2026-01-01T00:00:00Z"))


def test_empty_batches_send_nothing() -> None:
    fake = FakeTx()
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    assert tx.get_nodes([]) == {} and tx.get_edges([]) == {}
    tx.put_nodes([])
    tx.put_edges([])
    tx.delete_nodes([])
    tx.delete_edges([])
    tx.append_audit([])
    assert tx.edges_touching([]) == [] and tx.nodes_of_accounts([]) == [] and tx.reporting_lines([]) == []
    assert tx.list_edges(types=[], account_id=None, target=None, after=None, limit=10) == []
    assert fake.sent == []


def test_listing_picks_the_statement_for_the_filters() -> None:
    fake = FakeTx()
    tx = Neo4jTx(fake, writable=False)  # type: ignore[arg-type]
    tx.list_nodes(NodeKind.contact, account_id=None, after=None, limit=5)
    tx.list_nodes("contact", account_id="acme", after="c1", limit=5)
    tx.list_edges(types=[EdgeType.REPORTS_TO], account_id=None, target=None, after=None, limit=3)
    tx.list_edges(types=["REPORTS_TO"], account_id="acme", target=None, after=None, limit=3)
    tx.list_edges(types=["REPORTS_TO"], account_id="acme", target="c1", after="x", limit=3)
    assert fake.queries() == [queries.LIST_NODES["contact"], queries.LIST_NODES_OF_ACCOUNT["contact"],
                              queries.LIST_EDGES, queries.LIST_EDGES_OF_ACCOUNT, queries.LIST_EDGES_TO_TARGET]
    assert fake.sent[0][1]["after"] == "" and fake.sent[1][1] == {"account_id": "acme", "after": "c1", "limit": 5}
    assert fake.sent[2][1]["types"] == ["REPORTS_TO"] and type(fake.sent[2][1]["types"][0]) is str
    with pytest.raises(ValueError):
        tx.list_nodes("planet", account_id=None, after=None, limit=5)


def test_account_subgraph_is_one_statement() -> None:
    answer = [{"account": node_row("account", "acme", {"name": "ACME"}),
               "nodes": [node_row("team_member", "t1", {"name": "Li"}),
                         node_row("contact", "c1", {"account_id": "acme", "name": "王总"})],
               "edges": [edge_row("COVERS", "COVERS:t1:c1", "t1", "c1", {"closeness": 0.5})]}]
    fake = FakeTx({queries.ACCOUNT_SUBGRAPH: answer})
    tx = Neo4jTx(fake, writable=False)  # type: ignore[arg-type]
    sub = tx.account_subgraph("acme")
    assert sub is not None and sub.account.id == "acme" and sub.account.kind == "account"
    assert [n.id for n in sub.nodes] == ["c1", "t1"]
    assert sub.edges[0].data == {"closeness": 0.5} and sub.edges[0].account_id == "acme"
    assert fake.queries() == [queries.ACCOUNT_SUBGRAPH]
    assert Neo4jTx(FakeTx(), writable=False).account_subgraph("nowhere") is None  # type: ignore[arg-type]


def test_audit_seq_sorts_in_append_order_and_pages_newest_first() -> None:
    fake = FakeTx()
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    entries = [AuditEntry("2026-01-01T00:00:00.000000Z", "t", "create", "contact", f"c{i}", None,
                          {"name": "王"}) for i in range(50)]
    tx.append_audit(entries[:25])
    tx.append_audit(entries[25:])
    rows = [row for _, params in fake.sent for row in params["rows"]]
    seqs = [row["seq"] for row in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 50 and len({len(s) for s in seqs}) == 1
    assert rows[0]["before"] is None and json.loads(rows[0]["after"]) == {"name": "王"}
    tx.list_audit(entity_id=None, before=None, limit=10)
    assert fake.sent[-1][0] == queries.LIST_AUDIT and fake.sent[-1][1]["before"] > seqs[-1]
    tx.list_audit(entity_id="c1", before=seqs[3], limit=10)
    assert fake.sent[-1][0] == queries.LIST_AUDIT_OF_ENTITY and fake.sent[-1][1]["before"] == seqs[3]


def test_keys_round_trip() -> None:
    key_row = {"id": "key_1", "role": "admin", "name": "ops", "key_hash": "abc", "created_at": "t"}
    fake = FakeTx({queries.KEY_BY_HASH: [key_row], queries.LIST_KEYS: [key_row],
                   queries.DELETE_KEY: lambda p: [{"found": p["id"] == "key_1"}]})
    tx = Neo4jTx(fake, writable=True)  # type: ignore[arg-type]
    assert tx.key_by_hash("abc") == ApiKey("key_1", "admin", "ops", "abc", "t")
    assert tx.list_keys() == [ApiKey("key_1", "admin", "ops", "abc", "t")]
    assert tx.delete_key("key_1") is True and tx.delete_key("key_2") is False
