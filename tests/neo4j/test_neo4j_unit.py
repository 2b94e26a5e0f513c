"""The Neo4j adapter, without a Neo4j server: error translation against a port nobody listens on and a
fake driver, the statements module's rules and the migrations' coverage. The behaviour against a real
server is the port and store contract suites (``tests/contract``) and ``tests/neo4j/test_neo4j_live.py``,
run with ``NEO4J_URI`` set (CI starts one with ``tools/neo4j/serve``)."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from graph.errors import Conflict, StoreUnavailable, WriteTooLarge
from graph.models import EdgeType, NodeKind
from graph.neo4j import migrate, queries, schema
from graph.neo4j.store import Neo4jBackend, Neo4jTx
from graph.records import ApiKey, AuditEntry, MapChanges, NodeRecord
from tests.neo4j.conftest import statements

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

    def single(self, strict: bool = False) -> FakeRecord:
        assert len(self.rows) == 1 or not strict
        return self.rows[0]


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
        return work(self.driver.tx or FakeMigrationTx(self.driver.db), *args)

    def execute_read(self, work: Callable[..., Any], *args: Any) -> Any:
        return self._execute("read", work, *args)

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kw: Any) -> FakeResult:
        """An auto-commit statement, answered by the driver's ``answer(query, parameters)``."""
        self.driver.ran.append(query)
        return FakeResult(iter([FakeRecord(self.driver.answer(query, {**(parameters or {}), **kw}))]))

    def execute_write(self, work: Callable[..., Any], *args: Any) -> Any:
        return self._execute("write", work, *args)


class FakeDriver:
    def __init__(self, failures: list[BaseException] | None = None) -> None:
        self.failures = failures or []
        self.calls: list[str] = []
        self.configs: list[dict[str, Any]] = []
        self.db: dict[str, Any] = {"migrations": {}, "log": []}
        self.ran: list[str] = []
        self.tx: FakeTx | None = None   # the transaction work is given (else a migration's)
        self.answer: Callable[[str, dict[str, Any]], dict[str, Any]] = lambda query, params: {}

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
    ("Neo.TransientError.General.MemoryPoolOutOfMemoryError", WriteTooLarge),
    ("Neo.ClientError.General.TransactionOutOfMemoryError", WriteTooLarge),
])
def test_driver_failures_become_store_errors(fake_backend: tuple[Neo4jBackend, FakeDriver], code: str,
                                             expected: type[Exception]) -> None:
    backend, driver = fake_backend
    cause = neo4j_error(code)
    driver.failures = [cause]
    with pytest.raises(expected) as info:
        backend.write(lambda tx: None)
    assert info.value.__cause__ is cause


def test_a_write_out_of_transaction_memory_leaves_the_transaction_as_too_large(
        fake_backend: tuple[Neo4jBackend, FakeDriver], monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of transaction memory is a transient error to the driver, which would run the whole write again
    for half a minute; the adapter's unit of work turns it into WriteTooLarge first, which it does not retry."""
    backend, _ = fake_backend
    escaped: list[type[BaseException]] = []
    execute = FakeSession._execute

    def watched(self: FakeSession, kind: str, work: Callable[..., Any], *args: Any) -> Any:
        try:
            return execute(self, kind, work, *args)
        except BaseException as e:
            escaped.append(type(e))
            raise

    monkeypatch.setattr(FakeSession, "_execute", watched)
    full = neo4j_error("Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                       "dbms.memory.transaction.total.max threshold reached")

    def work(tx: Any) -> None:
        raise full

    with pytest.raises(WriteTooLarge, match="dbms.memory.transaction.total.max") as info:
        backend.write(work)
    assert info.value.__cause__ is full
    assert escaped == [WriteTooLarge]       # what the driver's retry loop saw: no transient error


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
    for migration in (m for m in files if not m.is_python):
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
        assert re.fullmatch(r"V\d{4}__[a-z0-9_]+\.(cypher|py)", migration.name)
        if migration.is_python:
            continue
        for statement in migrate.statements(migration):
            assert re.match(r"CREATE (CONSTRAINT|INDEX) \w+ IF NOT EXISTS FOR ", statement), statement
            assert not statement.endswith(";")


def _constraints() -> set[tuple[str, str]]:
    """(label or relationship type, property) of every uniqueness constraint the migrations create."""
    pattern = re.compile(r"FOR (?:\(\w+:(\w+)\)|\(\)-\[\w+:(\w+)\]-\(\)) REQUIRE \w+\.(\w+) IS UNIQUE")
    found = set()
    for migration in (m for m in migrate.files() if not m.is_python):
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
    return [text for _, text in statements()]


def test_index_hints_ask_for_seeks() -> None:
    """``USING INDEX`` alone may be met by scanning the whole index (see the live test of plans)."""
    hinted = [text for text in _statements() if "USING INDEX" in text]
    assert hinted and all("USING INDEX " not in text.replace("USING INDEX SEEK ", "") for text in hinted)


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
        assert f"CREATE (s)-[r:{t}]->(t)" in queries.PUT_EDGES and f"MERGE (s)-[r:{t} {{id: row.id}}]" in queries.PUT_EDGES
        for statement in (queries.GET_EDGES, queries.GET_EDGES_FOR_UPDATE, queries.DELETE_EDGES,
                          queries.LIST_EDGES_OF_ACCOUNT):
            assert f"[r:{t} " in statement or f"[r:{t}]" in statement
        for statement in (queries.EDGES_TOUCHING, queries.LIST_EDGES, queries.LIST_EDGES_TO_TARGET,
                          queries.ACCOUNT_SUBGRAPH):
            assert re.search(rf"[:|]{t}[|\]]", statement), (t, statement)
    assert "BELONGS_TO" not in queries.EDGES_TOUCHING + queries.ACCOUNT_SUBGRAPH + queries.LIST_EDGES


def test_a_write_sends_each_moment_once_and_its_rows_name_the_place() -> None:
    """Neo4j reads a timestamp once a statement, not once a row (an import's rows share one moment): the
    distinct moments go in ``$stamps``, each row names its place there; text that is not a timestamp
    stays what it is, a property (or the entry's ``at_text``)."""
    tx = FakeTx()
    writer = Neo4jTx(tx, writable=True)  # type: ignore[arg-type]
    one, two = "2026-12-05T01:00:00.000000Z", "2026-12-05T02:00:00.500000Z"
    writer.put_nodes([NodeRecord("contact", "c1", {"name": "甲", "account_id": "a"}, one, two, 1),
                      NodeRecord("contact", "c2", {"name": "乙", "account_id": "a"}, one, one, 1),
                      NodeRecord("contact", "c3", {"name": "丙", "account_id": "a"}, "last spring", two, 2)])
    writer.append_audit([AuditEntry(at, "rep", "update", "contact", "c1", None, {"name": "甲"})
                         for at in (two, two, "yesterday", one)])
    (nodes_query, nodes), (audit_query, audit) = tx.sent
    assert nodes_query == queries.PUT_NODES and audit_query == queries.APPEND_AUDIT
    for query in (nodes_query, audit_query, *queries.CREATE_NODES.values(), *queries.CREATE_EDGES.values(),
                  queries.PUT_EDGES):
        assert "$stamps" in query and "datetime(row." not in query
    assert nodes["stamps"] == [one, two]
    assert [(row["created_at"], row["updated_at"]) for row in nodes["rows"]] == [(0, 1), (0, 0), (None, 1)]
    assert nodes["rows"][2]["props"]["created_at"] == "last spring"
    assert "created_at" not in nodes["rows"][0]["props"]
    assert audit["stamps"] == [two, one]
    assert [(row["at"], row["at_text"]) for row in audit["rows"]] == [(0, None), (0, None), (None, "yesterday"),
                                                                     (1, None)]


def test_a_statements_rows_are_not_formatted_for_the_drivers_debug_line() -> None:
    """The driver formats every parameter of a statement for its DEBUG line before asking whether DEBUG
    is on: list parameters go with a repr that counts them (an import's rows: a twentieth of its time)."""
    tx = FakeTx()
    writer = Neo4jTx(tx, writable=True)  # type: ignore[arg-type]
    stamp = "2026-12-05T01:00:00.000000Z"
    writer.append_audit([AuditEntry(stamp, "rep", "import", "contact", f"c{i}", None, {"name": "张伟"})
                         for i in range(3)])
    (_, sent), = tx.sent
    assert repr(sent) == "{'rows': <list of 3>, 'stamps': <list of 1>}"
    assert [row["entity_id"] for row in sent["rows"]] == ["c0", "c1", "c2"]   # the rows themselves, as they were
    assert type(sent["rows"]) is not list and isinstance(sent["rows"], list)  # packed as a list by the driver


def test_for_update_statements_lock_what_they_read() -> None:
    for name in ("GET_NODES", "GET_EDGES", "EDGES_TOUCHING", "NODES_OF_ACCOUNTS"):
        plain, locking = getattr(queries, name), getattr(queries, name + "_FOR_UPDATE")
        assert "_lock" not in plain and "SET " not in plain
        assert re.search(r"SET (\w)\._lock = true\nREMOVE \1\._lock", locking)


def test_a_read_outside_a_write_is_read_again_until_two_reads_agree() -> None:
    """Neo4j's reads take no locks: one overlapping a commit can get the old notes with the new version
    (whose ETag a client trusts with If-Match). A read by id outside a write is repeated until two agree; a
    write reads once, under the record's lock."""
    stamp = "2026-12-05T01:00:00.000000Z"

    def row(notes: str, version: int) -> dict[str, Any]:
        return {"kind": "contact", "props": {"id": "c1", "name": "甲", "notes": notes, "created_at": stamp,
                                             "updated_at": stamp, "version": version}}

    reads = iter([[row("1", 3)], [row("2", 3)], [row("2", 3)], [row("9", 9)]])   # torn, then settled
    tx = FakeTx({queries.GET_NODES: lambda _: next(reads)})
    found = Neo4jTx(tx, writable=False).get_nodes(["c1"])  # type: ignore[arg-type]
    assert (found["c1"].data["notes"], found["c1"].version) == ("2", 3)
    assert tx.queries() == [queries.GET_NODES] * 3
    locked = FakeTx({queries.GET_NODES_FOR_UPDATE: [row("2", 3)]})
    assert Neo4jTx(locked, writable=True).get_nodes(["c1"])["c1"].version == 3  # type: ignore[arg-type]
    assert locked.queries() == [queries.GET_NODES_FOR_UPDATE]


STAMP = "2026-12-05T01:00:00.000000Z"


def contact_props(id: str, notes: str, version: int, account: str = "a1") -> dict[str, Any]:
    return {"kind": "contact", "id": id, "name": "甲", "account_id": account, "notes": notes,
            "created_at": STAMP, "updated_at": STAMP, "version": version}


def news_row(revision: int, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """MAP_NEWS's answer: the account scope at ``revision``, whose last write changed ``nodes``."""
    return {"revisions": [{"scope": "a1", "revision": revision}, {"scope": "*shared", "revision": 0}],
            "changes": [{"scope": "a1", "revision": revision, "everything": False,
                         "node_ids": [n["id"] for n in nodes], "edge_ids": [], "edge_sources": [],
                         "edge_targets": []}],
            "nodes": nodes, "edges": []}


def test_a_map_load_outside_a_write_is_checked_against_the_last_writes_and_read_again_if_torn() -> None:
    """A load overlapping a commit can show a record torn (old notes, new version) or miss a contact the
    write created; it is checked against the records the writes since just before it left (a small read,
    itself settled) and loaded again until it agrees. A record of another account that the load rightly
    leaves out is no reason to load again."""
    account = {"kind": "account", "id": "a1", "name": "甲方", "created_at": STAMP, "updated_at": STAMP,
               "version": 1}
    loads = iter([[contact_props("c1", "1", 3)],                                 # torn: old notes, new version
                  [contact_props("c1", "2", 3)],                                 # c2 not applied yet
                  [contact_props("c1", "2", 3), contact_props("c2", "new", 1)]])
    news = [contact_props("c1", "2", 3), contact_props("c2", "new", 1), contact_props("x9", "elsewhere", 1, "a2")]
    tx = FakeTx({queries.REVISIONS_BEFORE_LOAD: [{"scope": "a1", "revision": 7, "applied": False}],
                 queries.ACCOUNT_SUBGRAPH: lambda _: [{"account": account, "nodes": next(loads), "edges": []}],
                 queries.MAP_NEWS: [news_row(7, news)]})
    subgraph = Neo4jTx(tx, writable=False).account_subgraph("a1")  # type: ignore[arg-type]
    assert subgraph is not None
    assert [(n.id, n.data["notes"], n.version) for n in subgraph.nodes] == [("c1", "2", 3), ("c2", "new", 1)]
    assert tx.queries() == [queries.REVISIONS_BEFORE_LOAD, queries.ACCOUNT_SUBGRAPH, queries.MAP_NEWS,
                            queries.MAP_NEWS] * 3
    assert tx.sent[2][1]["scopes"] == [{"scope": "a1", "first": 6}, {"scope": "*shared", "first": 0}]
    locked = FakeTx({queries.ACCOUNT_SUBGRAPH: [{"account": account, "nodes": [contact_props("c1", "1", 3)],
                                                 "edges": []}]})
    assert Neo4jTx(locked, writable=True).account_subgraph("a1") is not None  # type: ignore[arg-type]
    assert locked.queries() == [queries.ACCOUNT_SUBGRAPH]   # a write's load: once (it locks what it changes)


def test_news_of_a_kept_map_is_read_again_until_two_reads_agree(fake_backend: tuple[Neo4jBackend, FakeDriver]) -> None:
    """A kept map's news overlapping a commit can carry a torn record: news of changes is read again until
    two reads agree; news of nothing (a current map: most reads) is read once."""
    backend, driver = fake_backend
    answers = iter([news_row(5, [contact_props("c1", "1", 3)]), news_row(5, [contact_props("c1", "2", 3)]),
                    news_row(5, [contact_props("c1", "2", 3)]), news_row(5, [contact_props("c1", "9", 9)])])
    driver.answer = lambda query, params: next(answers)
    news = backend.map_news("a1", (4, 0))
    assert (news.key, news.nodes["c1"].data["notes"]) == ((5, 0), "2")
    assert driver.ran == [queries.MAP_NEWS] * 3
    driver.ran.clear()
    driver.answer = lambda query, params: {**news_row(5, []), "changes": []}
    assert backend.map_news("a1", (5, 0)).changes == ()
    assert driver.ran == [queries.MAP_NEWS]


def test_a_load_after_an_import_is_checked_by_a_second_load_unless_it_is_marked_applied(
        fake_backend: tuple[Neo4jBackend, FakeDriver], caplog: pytest.LogCaptureFixture) -> None:
    """An import logs "everything" (no ids to check a load against): a load that may have overlapped its
    commit is checked by a second one, unless the change the load began at was already marked applied when
    it began — the writer marks it in a transaction of its own once its commit has returned, so such a load
    saw it whole, in whichever process. An import after the revision the load began at is checked by a
    second load, marked or not (it may have been applied during the load). A mark that fails is logged, not
    raised: the import has committed."""
    backend, driver = fake_backend
    account = {"kind": "account", "id": "a1", "name": "甲方", "created_at": STAMP, "updated_at": STAMP,
               "version": 1}

    def change(revision: int) -> dict[str, Any]:
        return {"scope": "a1", "revision": revision, "everything": True, "node_ids": None, "edge_ids": None,
                "edge_sources": None, "edge_targets": None}

    def loads(revision: int, applied: bool) -> int:
        news = {"revisions": [{"scope": "a1", "revision": 9}, {"scope": "*shared", "revision": 0}],
                "changes": [change(r) for r in (8, 9) if r >= revision], "nodes": [], "edges": []}
        driver.tx = FakeTx({queries.REVISIONS_BEFORE_LOAD: [{"scope": "a1", "revision": revision,
                                                               "applied": applied}],
                            queries.ACCOUNT_SUBGRAPH: [{"account": account, "nodes": [contact_props("c1", "1", 1)],
                                                        "edges": []}],
                            queries.MAP_NEWS: [news]})
        assert backend.read(lambda tx: tx.account_subgraph("a1")) is not None
        return driver.tx.queries().count(queries.ACCOUNT_SUBGRAPH)

    assert loads(9, applied=False) == 2     # not marked when the load began: loaded again, the two agree
    assert loads(9, applied=True) == 1
    assert loads(8, applied=True) == 2      # import 9 came after the load began
    driver.tx = FakeTx({queries.LOG_MAP_CHANGES: [{"scope": "a1", "revision": 8}]})
    driver.calls.clear()
    backend.write(lambda tx: tx.log_changes([MapChanges("a1", everything=True)]))   # an import
    assert driver.tx.queries() == [queries.LOG_MAP_CHANGES, queries.MARK_APPLIED]
    assert driver.calls == ["write", "write"]                 # the mark: a transaction after the write's
    assert driver.tx.sent[1][1]["changes"] == [{"scope": "a1", "revision": 8}]
    driver.tx.sent.clear()
    backend.write(lambda tx: tx.log_changes([MapChanges("a1", nodes=("c1",))]))     # an edit: nothing to mark
    assert driver.tx.queries() == [queries.LOG_MAP_CHANGES]
    driver.tx.answers[queries.MARK_APPLIED] = ServiceUnavailable("gone")
    backend.write(lambda tx: tx.log_changes([MapChanges("a1", everything=True)]))   # committed; the mark fails
    assert "could not mark an import's map changes applied" in caplog.text


def test_a_record_deleted_while_it_was_read_is_not_there() -> None:
    """Another transaction's delete committing while a statement reads a node or a relationship leaves it
    without properties (its id included): it is absent, in a read or in a write's locking read — a read
    by id racing a cascade delete answered 500 (KeyError 'id') on Neo4j, where SQLite answered 404."""
    stamp = "2026-01-01T00:00:00.000000Z"
    here = {"id": "c1", "name": "A", "account_id": "a", "created_at": stamp, "updated_at": stamp, "version": 1}
    gone = {"created_at": None, "updated_at": None}
    tx = FakeTx({queries.GET_NODES: [{"kind": "contact", "props": here}, {"kind": "contact", "props": gone}],
                 queries.GET_NODES_FOR_UPDATE: [{"kind": "contact", "props": gone}]})
    assert list(Neo4jTx(tx, writable=False).get_nodes(["c1", "c2"])) == ["c1"]  # type: ignore[arg-type]
    writing = Neo4jTx(tx, writable=True)  # type: ignore[arg-type]
    assert writing.get_nodes(["c2"]) == {}
    edge = {"id": "e1", "created_at": stamp, "updated_at": stamp, "version": 1}
    tx.answers[queries.EDGES_TOUCHING] = [{"type": "ALLY", "source": "c1", "target": "c2", "props": edge},
                                          {"type": "ALLY", "source": "c1", "target": "c3", "props": gone}]
    assert [e.id for e in Neo4jTx(tx, writable=False).edges_touching(["c1"])] == ["e1"]  # type: ignore[arg-type]


def test_a_driver_message_is_one_line_with_its_reasons() -> None:
    """The driver says why it could not connect on the lines after the first (which ends in a colon): all
    of it on one line, one reason per address, IPv6 addresses bracketed."""
    from graph.neo4j.store import _message

    error = Exception("Couldn't connect to localhost:7698 (resolved to ('127.0.0.1:7698', '[::1]:7698')):\n"
                      "Failed to establish connection to ResolvedIPv4Address(('127.0.0.1', 7698)) (reason refused)\n"
                      "Failed to establish connection to ResolvedIPv6Address(('::1', 7698, 0, 0)) (reason refused)")
    assert _message(error) == (
        "Couldn't connect to localhost:7698 (resolved to ('127.0.0.1:7698', '[::1]:7698')): Failed to establish "
        "connection to 127.0.0.1:7698 (reason refused); Failed to establish connection to [::1]:7698 (reason refused)")
    assert _message(Exception("one line")) == "one line" and _message(Exception("")) == "Exception"
