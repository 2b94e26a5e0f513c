"""Every Cypher statement the Neo4j adapter sends, as named constants.

Rules (enforced by ``tests/neo4j/test_neo4j_unit.py`` and linted by ``tests/test_cypher_lint.py``):

- values only ever travel as parameters (``$ids``, ``$rows``...); no statement is formatted with input;
- labels and relationship types, which Cypher cannot parameterise, come from the closed whitelist in
  :mod:`graph.neo4j.schema`; statements that depend on them are generated here once, at import time;
- every module-level ``str`` here (and every ``str`` value of a module-level ``dict``) is a complete
  statement, so the lint can collect them all by walking this module. Fragments live in functions.

Conventions: node statements return the columns ``kind, props`` (every property of the node);
edge statements ``type, source, target, props``; writes take rows whose ``props`` map is the whole
record (see :mod:`graph.neo4j.properties`), set with ``SET x = row.props`` so that a field the new
version lacks is removed.
Statements ending in ``_FOR_UPDATE`` take write locks on what they read (Neo4j reads are
read-committed; the lock turns the store's read-check-write into a serialised one, see
:class:`graph.neo4j.store.Neo4jTx`).
Index hints say ``USING INDEX SEEK``: a plain ``USING INDEX`` may be met by scanning the whole index, which
the planner does with a plan made while the index was near empty and kept in its cache (the second import
of 10,000 contacts into a new database: one scan of 10,000 relationships per looked-up id, 64–141 s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, LiteralString

from graph.neo4j import schema


def _stamp_text(value: LiteralString) -> LiteralString:
    """A stored timestamp as text: a ``datetime`` as Cypher's ISO text, anything else (text that was not a
    timestamp when written) as a one-item list, so that the adapter tells them apart
    (:func:`graph.neo4j.store._stamp`). The driver would otherwise build a datetime object per timestamp in
    pure Python: for a write that reads back 32,000 relationships, seconds; half the time of reading an
    audit trail."""
    return "CASE WHEN " + value + " IS :: ZONED DATETIME THEN toString(" + value + ") ELSE [" + value + "] END"


def _stamped(variable: LiteralString) -> LiteralString:
    """Every property of a node or relationship, its timestamps as text (:func:`_stamp_text`)."""
    return (variable + " {.*, created_at: " + _stamp_text(variable + ".created_at") + ", updated_at: "
            + _stamp_text(variable + ".updated_at") + "}")


def _shown(variable: LiteralString, *, edge: bool = False) -> LiteralString:
    """The properties of a node or relationship that an account's map shows (``graph.records.MapNode``,
    ``MapEdge``): all but its timestamps (and a relationship's ``account_id``), sent as nulls — turning
    them into text was 2-3 s of a 100,000-contact map's load, and no map reads them."""
    hidden = "created_at: null, updated_at: null" + (", account_id: null" if edge else "")
    return variable + " {.*, " + hidden + "}"


def _node_columns() -> LiteralString:
    return "n.kind AS kind, " + _stamped("n") + " AS props"


def _edge_columns() -> LiteralString:
    """Edge columns for a relationship ``r`` from ``s`` to ``t``."""
    return "type(r) AS type, s.id AS source, t.id AS target, " + _stamped("r") + " AS props"


def _planned_once(statement: LiteralString) -> LiteralString:
    """``statement``, which Neo4j plans once and keeps planned as the database grows (``CYPHER
    replan=skip``). Neo4j plans a statement again once the counts it was planned on have moved by three
    quarters: a young database growing with each import planned the import's twenty-odd statements
    again and again (a fresh database, three imports of 1,000 contacts then three of 10,000: the 10,000s
    took 8.8 / 6.9 / 6.6 s, and 7.3 / 5.0 / 5.1 s with this). Only for statements that find nodes and
    relationships by equality on an indexed key (or a hinted seek), never in a list of unknown length
    (``IN $ids``, which the planner may answer with an index scan once the database holds a little): their
    plan does not depend on how much data there is. Planned on an empty database and on one of 33,000
    contacts, they were planned alike; a Neo4j test checks that none of them, planned on an empty or a
    young database, scans."""
    return "CYPHER replan=skip\n" + statement


def _lock(variable: LiteralString) -> LiteralString:
    """Take the write lock of a node or relationship (the documented Cypher idiom: write a dummy
    property, then remove it; the lock is held until the transaction ends)."""
    return "SET " + variable + "._lock = true\nREMOVE " + variable + "._lock\n"


def _all_edge_types() -> LiteralString:
    return "|".join(schema.EDGE_TYPES)


def _edge_by_id(id_variable: LiteralString) -> LiteralString:
    """A subquery finding the relationship whose id is ``id_variable``, whatever its type: one branch
    per type, each a seek on that type's unique id index (``USING INDEX SEEK``). The ends carry no
    label (those of a map relationship are always entities): with labels, once the database held an
    account the planner joined each seek with a scan of every entity, per id (an import of 10,000
    contacts into a database holding another 10,000: minutes)."""
    branches = [
        "  MATCH (s)-[r:" + edge_type + " {id: " + id_variable + "}]->(t)\n"
        "  USING INDEX SEEK r:" + edge_type + "(id)\n  RETURN s, r, t\n"
        for edge_type in schema.EDGE_TYPES
    ]
    return "CALL (" + id_variable + ") {\n" + "  UNION ALL\n".join(branches) + "}\n"


# ---- nodes ----------------------------------------------------------------------------------------

GET_NODES: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.id IN $ids\n"
    "RETURN " + _node_columns()
)

GET_NODES_FOR_UPDATE: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.id IN $ids\n"
    + _lock("n")
    + "RETURN " + _node_columns()
)


def _stamp_list() -> LiteralString:
    """A writing statement's timestamps: the distinct texts of its rows, sent once (``$stamps``) and read
    as ``datetime`` values once, not once a row (an import's rows share one moment: parsing it three times
    a row was a twentieth of the server's work). A row names its moments by their place in the list."""
    return "[text IN $stamps | datetime(text)]"


def _with_stamps() -> LiteralString:
    """``stamps`` (see :func:`_stamp_list`) for the clauses that follow."""
    return "WITH " + _stamp_list() + " AS stamps\n"


def _set_stamps(variable: LiteralString) -> LiteralString:
    """Set the record's timestamps from the row's places in ``stamps`` (``row.created_at``,
    ``row.updated_at``); a row without them (text that is not a timestamp) keeps what ``row.props`` set."""
    return ("SET " + variable + ".created_at = coalesce(stamps[row.created_at], " + variable + ".created_at), "
            + variable + ".updated_at = coalesce(stamps[row.updated_at], " + variable + ".updated_at)\n")


def _put_nodes() -> LiteralString:
    labels = schema.KIND_LABELS
    relabel = "".join(
        "FOREACH (_ IN CASE WHEN row.kind = '" + kind + "' THEN [1] ELSE [] END |\n"
        "  REMOVE n:" + ":".join(other for other in labels.values() if other != label) + "\n"
        "  SET n:" + label + ")\n"
        for kind, label in labels.items()
    )
    return (
        # 1. the nodes themselves; rows the transaction saw absent are CREATEd, so that a concurrent
        #    creation of the same id fails on the unique constraint instead of being overwritten
        _with_stamps()
        + "UNWIND $rows AS row\n"
        "FOREACH (_ IN CASE WHEN row.create THEN [1] ELSE [] END |\n"
        "  CREATE (:Entity {id: row.id}))\n"
        "MERGE (n:Entity {id: row.id})\n"
        "SET n = row.props\n"
        + _set_stamps("n")
        + relabel
        # 2. BELONGS_TO follows owner_id (after every row of step 1, so an account and its contacts can
        #    come in one batch, in any order). COUNT {...} = 0 says NOT EXISTS {...}: the Cypher lint's
        #    schema check misreads a negated pattern.
        + "WITH count(*) AS written\n"
        "UNWIND $rows AS row\n"
        "MATCH (n:Entity {id: row.id})\n"
        "CALL (n, row) {\n"
        "  MATCH (n)-[old:BELONGS_TO]->(previous:Account)\n"
        "  WHERE row.owner_id IS NULL OR previous.id <> row.owner_id\n"
        "  DELETE old\n"
        "}\n"
        "CALL (n, row) {\n"
        "  MATCH (owner:Account {id: row.owner_id})\n"
        "  WHERE COUNT { (n)-[:BELONGS_TO]->(owner) } = 0\n"
        "  CREATE (n)-[:BELONGS_TO]->(owner)\n"
        "}\n"
        # 3. members stored before their account (or left behind by its deletion) join it now
        "WITH count(*) AS linked\n"
        "UNWIND $rows AS row\n"
        "MATCH (a:Account {id: row.id})\n"
        "CALL (a) {\n"
        "  MATCH (member:Entity {owner_id: a.id})\n"
        "  WHERE COUNT { (member)-[:BELONGS_TO]->(a) } = 0\n"
        "  CREATE (member)-[:BELONGS_TO]->(a)\n"
        "}"
    )


PUT_NODES: Final[LiteralString] = _planned_once(_put_nodes())

# The caller has removed the nodes' edges; their BELONGS_TO links go with them. A node that still has
# an edge cannot be deleted: Neo4j refuses the transaction (a constraint error, reported as Conflict).
DELETE_NODES: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.id IN $ids\n"
    "OPTIONAL MATCH (n)-[link:BELONGS_TO]-(:Entity)\n"
    "WITH collect(DISTINCT n) AS doomed, collect(DISTINCT link) AS links\n"
    "FOREACH (link IN links | DELETE link)\n"
    "FOREACH (n IN doomed | DELETE n)"
)

NODES_OF_ACCOUNTS: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.owner_id IN $account_ids\n"
    "RETURN " + _node_columns()
)

NODES_OF_ACCOUNTS_FOR_UPDATE: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.owner_id IN $account_ids\n"
    + _lock("n")
    + "RETURN " + _node_columns()
)

# kind → statement: nodes of that kind ordered by id, after a cursor
LIST_NODES: Final[dict[str, LiteralString]] = {
    kind: (
        "MATCH (n:" + label + ")\n"
        "WHERE n.id > $after\n"
        "RETURN " + _node_columns() + "\n"
        "ORDER BY n.id\n"
        "LIMIT $limit"
    )
    for kind, label in schema.KIND_LABELS.items()
}

# kind → statement: the same, of one account (owner_id: an account's child accounts, for accounts)
LIST_NODES_OF_ACCOUNT: Final[dict[str, LiteralString]] = {
    kind: (
        "MATCH (n:Entity:" + label + " {owner_id: $account_id})\n"
        "WHERE n.id > $after\n"
        "RETURN " + _node_columns() + "\n"
        "ORDER BY n.id\n"
        "LIMIT $limit"
    )
    for kind, label in schema.KIND_LABELS.items()
}

def _nodes_naming(label: LiteralString, lock: bool) -> LiteralString:
    # n[$field]: the property is named by the reference table (graph/references.py), never by input
    return (
        "MATCH (n:" + label + ")\n"
        "WHERE any(named IN CASE WHEN n[$field] IS :: LIST<ANY> THEN n[$field] ELSE [n[$field]] END\n"
        "          WHERE named IN $ids)\n"
        + (_lock("n") if lock else "")
        + "RETURN " + _node_columns() + "\n"
        "ORDER BY n.id"
    )


# kind → statement: nodes of that kind naming one of $ids in the property $field (see graph.references)
NODES_NAMING: Final[dict[str, LiteralString]] = {
    kind: _nodes_naming(label, lock=False) for kind, label in schema.KIND_LABELS.items()
}
NODES_NAMING_FOR_UPDATE: Final[dict[str, LiteralString]] = {
    kind: _nodes_naming(label, lock=True) for kind, label in schema.KIND_LABELS.items()
}

# ---- edges ----------------------------------------------------------------------------------------

GET_EDGES: Final[LiteralString] = _planned_once(
    "UNWIND $ids AS edge_id\n"
    + _edge_by_id("edge_id")
    + "RETURN " + _edge_columns()
)

GET_EDGES_FOR_UPDATE: Final[LiteralString] = _planned_once(
    "UNWIND $ids AS edge_id\n"
    + _edge_by_id("edge_id")
    + _lock("r")
    + "RETURN " + _edge_columns()
)

# How a write transaction reads many relationships by id (an import: tens of thousands), in three statements
# instead of GET_EDGES_FOR_UPDATE, whose ten seeks per id all lock (an updating statement's seeks on a unique
# index are ``...UniqueIndexSeek(Locking)``; for an absent id, ten exclusive index-entry locks): a third of
# the server's work in an import of a new account.
# 1. Claim the ids: an exclusive lock on each id's entry in one relationship type's unique index (REPORTS_TO's,
#    whatever the id's type; shared where a REPORTS_TO relationship holds the id), held until the transaction
#    ends. Every write transaction that looks edge ids up claims them first (this, or GET_EDGES_FOR_UPDATE's
#    seeks, which include REPORTS_TO's), so two transactions cannot both find an id absent and then create it
#    under two types (each type's own constraint would let both through); the second waits for the first.
#    The statement writes nothing: its SET (on no relationship) only makes it an updating statement, whose
#    seeks lock; the relationships found are locked by 3.
CLAIM_EDGE_IDS: Final[LiteralString] = _planned_once(
    "UNWIND $ids AS edge_id\n"
    "OPTIONAL MATCH ()-[r:REPORTS_TO {id: edge_id}]->()\n"
    "USING INDEX SEEK r:REPORTS_TO(id)\n"
    "WITH r\n"
    "WHERE r IS NULL\n"
    "SET r._lock = true"
)

# 2. Which of the claimed ids a relationship holds, and its type: a read-only statement, so its seeks take
#    no locks (an id found here is locked by 3; one absent cannot be created meanwhile, being claimed).
#    (Not elementId(r), which, in a transaction that has written nodes, made this statement take minutes.)
EDGE_TYPES_OF_IDS: Final[LiteralString] = _planned_once(
    "UNWIND $ids AS edge_id\n"
    + _edge_by_id("edge_id")
    + "RETURN edge_id AS id, type(r) AS type"
)


def _lock_edges(edge_type: LiteralString) -> LiteralString:
    return (
        "UNWIND $ids AS edge_id\n"
        "MATCH (s)-[r:" + edge_type + " {id: edge_id}]->(t)\n"
        "USING INDEX SEEK r:" + edge_type + "(id)\n"
        + _lock("r")
        + "RETURN " + _edge_columns()
    )


# 3. type → statement: the relationships of that type found by 2, locked and read (one seek per id).
LOCK_EDGES: Final[dict[str, LiteralString]] = {t: _planned_once(_lock_edges(t)) for t in schema.EDGE_TYPES}


def _put_edges() -> LiteralString:
    writes = "".join(
        "FOREACH (_ IN CASE WHEN row.type = '" + edge_type + "' AND row.create AND NOT orphan"
        " THEN [1] ELSE [] END |\n"
        "  CREATE (s)-[r:" + edge_type + "]->(t)\n"
        "  SET r = row.props\n"
        "  " + _set_stamps("r") + ")\n"
        "FOREACH (_ IN CASE WHEN row.type = '" + edge_type + "' AND NOT row.create AND NOT orphan"
        " THEN [1] ELSE [] END |\n"
        "  MERGE (s)-[r:" + edge_type + " {id: row.id}]->(t)\n"
        "  SET r = row.props\n"
        "  " + _set_stamps("r") + ")\n"
        for edge_type in schema.EDGE_TYPES
    )
    return (
        # 1. A record replaces the whole edge of its id: a stored edge of that id with another type or
        #    other ends is deleted first (relationship ids are unique per type only, so without this a
        #    changed type would leave two relationships with one id).
        "UNWIND [row IN $rows WHERE NOT row.create] AS row\n"
        "WITH row, row.id AS edge_id\n"
        + _edge_by_id("edge_id")
        + "WITH row, s, r, t\n"
        "WHERE type(r) <> row.type OR s.id <> row.source OR t.id <> row.target\n"
        "DELETE r\n"
        # 2. Rows the transaction saw absent are CREATEd (a concurrent creation of the same id fails
        #    on the unique constraint: Conflict), others MERGEd. Rows whose endpoints are missing are
        #    written nowhere and reported back, and the adapter aborts the transaction.
        "WITH count(*) AS replaced\n"
        + _with_stamps()
        + "UNWIND $rows AS row\n"
        "OPTIONAL MATCH (s:Entity) WHERE s.id = row.source\n"
        "OPTIONAL MATCH (t:Entity) WHERE t.id = row.target\n"
        "WITH stamps, row, s, t, s IS NULL OR t IS NULL AS orphan\n"
        + writes
        + "RETURN collect(CASE WHEN orphan THEN row.id END) AS orphans"
    )


PUT_EDGES: Final[LiteralString] = _put_edges()


def _create_edges(edge_type: LiteralString) -> LiteralString:
    return (
        _with_stamps()
        + "UNWIND $rows AS row\n"
        "MATCH (s:Entity {id: row.source})\n"
        "MATCH (t:Entity {id: row.target})\n"
        "CREATE (s)-[r:" + edge_type + "]->(t)\n"
        "SET r = row.props\n"
        + _set_stamps("r")
        + "RETURN count(r) AS written"
    )


# type → statement: relationships of that type that the transaction saw absent, CREATEd (a concurrent
# creation of the same id fails on the unique constraint: Conflict). One statement per type, chosen by
# the adapter, instead of PUT_EDGES's branch per type per row (an import: several times faster). A row
# whose ends are missing is not written: the count says so, and the adapter aborts the transaction.
CREATE_EDGES: Final[dict[str, LiteralString]] = {t: _planned_once(_create_edges(t)) for t in schema.EDGE_TYPES}


def _create_nodes(label: LiteralString) -> LiteralString:
    return (
        _with_stamps()
        + "UNWIND $rows AS row\n"
        "CREATE (n:Entity:" + label + " {id: row.id})\n"
        "SET n = row.props\n"
        + _set_stamps("n")
        + "WITH n, row\n"
        "CALL (n, row) {\n"
        "  MATCH (owner:Account {id: row.props.owner_id})\n"
        "  CREATE (n)-[:BELONGS_TO]->(owner)\n"
        "}"
    )


# kind → statement: new nodes of that kind (not accounts, whose members may have come first: PUT_NODES),
# CREATEd with their label and their BELONGS_TO link, as PUT_NODES does for them.
CREATE_NODES: Final[dict[str, LiteralString]] = {
    kind: _planned_once(_create_nodes(label)) for kind, label in schema.KIND_LABELS.items() if kind != "account"}

DELETE_EDGES: Final[LiteralString] = (
    "UNWIND $ids AS edge_id\n"
    + _edge_by_id("edge_id")
    + "DELETE r"
)

EDGES_TOUCHING: Final[LiteralString] = (
    "MATCH (n:Entity)-[r:" + _all_edge_types() + "]-(:Entity)\n"
    "WHERE n.id IN $ids\n"
    "WITH DISTINCT r, startNode(r) AS s, endNode(r) AS t\n"
    "RETURN " + _edge_columns()
)

EDGES_TOUCHING_FOR_UPDATE: Final[LiteralString] = (
    "MATCH (n:Entity)-[r:" + _all_edge_types() + "]-(:Entity)\n"
    "WHERE n.id IN $ids\n"
    "WITH DISTINCT r, startNode(r) AS s, endNode(r) AS t\n"
    + _lock("r")
    + "RETURN " + _edge_columns()
)

REPORTING_LINES: Final[LiteralString] = _planned_once(
    "MATCH (report:Entity)-[r:REPORTS_TO]->(boss:Entity)\n"
    "USING INDEX SEEK r:REPORTS_TO(account_id)\n"
    "WHERE r.account_id IN $account_ids\n"
    "RETURN report.id AS report, boss.id AS boss"
)


def _page_by_type(branch: Callable[[LiteralString], LiteralString]) -> LiteralString:
    """A page of relationships gathered type by type — ``branch(type)`` returns ``s, r, t`` of that type,
    a seek on one of its indexes — the first $limit of them by id."""
    return (
        "CALL () {\n" + "  UNION ALL\n".join(branch(edge_type) for edge_type in schema.EDGE_TYPES) + "}\n"
        "RETURN " + _edge_columns() + "\n"
        "ORDER BY r.id\n"
        "LIMIT $limit"
    )


# Every account's, of the types asked for: in each type's id index, the first $limit ids after $after, read
# in the index's order (a page reads at most $limit relationships of each type, not all of them; a type
# not asked for reads none).
LIST_EDGES: Final[LiteralString] = _page_by_type(lambda edge_type: (
    "  MATCH (s:Entity)-[r:" + edge_type + "]->(t:Entity)\n"
    "  USING INDEX SEEK r:" + edge_type + "(id)\n"
    "  WHERE r.id > $after\n"
    "  RETURN s, r, t ORDER BY r.id LIMIT CASE WHEN '" + edge_type + "' IN $types THEN $limit ELSE 0 END\n"))

# Anchored on the target node; the account filter is optional here.
LIST_EDGES_TO_TARGET: Final[LiteralString] = (
    "MATCH (s:Entity)-[r:" + _all_edge_types() + "]->(t:Entity {id: $target})\n"
    "WHERE type(r) IN $types AND r.id > $after\n"
    "  AND ($account_id IS NULL OR r.account_id = $account_id)\n"
    "RETURN " + _edge_columns() + "\n"
    "ORDER BY r.id\n"
    "LIMIT $limit"
)


# One account's: each type's seek on its account_id index.
LIST_EDGES_OF_ACCOUNT: Final[LiteralString] = _page_by_type(lambda edge_type: (
    "  MATCH (s:Entity)-[r:" + edge_type + "]->(t:Entity)\n"
    "  USING INDEX SEEK r:" + edge_type + "(account_id)\n"
    "  WHERE r.account_id = $account_id AND r.id > $after AND type(r) IN $types\n"
    "  RETURN s, r, t\n"))

# ---- the account's map, in one round trip ---------------------------------------------------------

# The account; its members (contacts and opportunities); every edge touching a member; the nodes at the
# far end of those edges (our team members, competitors...); and the competitors its opportunities
# name. Every subquery aggregates, so each returns exactly one row, even for an empty account.
# The members are one seek on the owner_id index (their kind filtered there, not by a label scan); the
# records come back as flat property maps of what the map shows (``_shown``: no timestamps), each edge
# as [type, source id, target id, properties]. Streamed in rows of $chunk records each (the account's
# own row first, alone), not as one row of everything: Neo4j reads the properties of a row's records as
# it sends the row, so the reader decodes the first rows while Neo4j reads the next (a 100,000-contact
# map, 420,000 records: loaded and decoded in 3.1-3.3 s rather than 6.5-9.5 s as one row). An account not
# stored: no row at all.
ACCOUNT_SUBGRAPH: Final[LiteralString] = _planned_once(
    "MATCH (a:Account {id: $account_id})\n"
    "CALL (a) {\n"
    "  MATCH (m:Entity {owner_id: a.id})\n"
    "  WHERE m.kind IN ['contact', 'opportunity']\n"
    "  RETURN collect(m) AS members\n"
    "}\n"
    "CALL (members) {\n"
    "  UNWIND members AS m\n"
    "  MATCH (m)-[r:" + _all_edge_types() + "]-(:Entity)\n"
    "  RETURN collect(DISTINCT r) AS rels\n"
    "}\n"
    "CALL (members) {\n"
    "  UNWIND members AS m\n"
    "  UNWIND coalesce(m.competitor_ids, []) AS competitor_id\n"
    "  MATCH (c:Competitor {id: competitor_id})\n"
    "  RETURN collect(c) AS named\n"
    "}\n"
    "CALL (members, rels, named) {\n"
    "  UNWIND members + named + [r IN rels | startNode(r)] + [r IN rels | endNode(r)] AS n\n"
    "  RETURN collect(DISTINCT n) AS nodes\n"
    "}\n"
    "WITH a, [n IN nodes WHERE n <> a] AS others, rels\n"
    "CALL (a, others, rels) {\n"
    "  RETURN " + _shown("a") + " AS account, [] AS nodes, [] AS edges\n"
    "  UNION ALL\n"
    "  UNWIND range(0, size(others) - 1, $chunk) AS i\n"
    "  RETURN null AS account, [n IN others[i..i + $chunk] | " + _shown("n") + "] AS nodes, [] AS edges\n"
    "  UNION ALL\n"
    "  UNWIND range(0, size(rels) - 1, $chunk) AS i\n"
    "  RETURN null AS account, [] AS nodes,\n"
    "         [r IN rels[i..i + $chunk] | [type(r), startNode(r).id, endNode(r).id, " + _shown("r", edge=True) + "]]"
    " AS edges\n"
    "}\n"
    "RETURN account, nodes, edges"
)

# ---- audit trail ----------------------------------------------------------------------------------

# Sequence numbers come from a counter in the database, taken under its write lock: strictly
# increasing in commit order whichever client writes (a client's clock would not be).
APPEND_AUDIT: Final[LiteralString] = _planned_once(
    "MERGE (counter:Sequence {name: 'audit'})\n"
    "ON CREATE SET counter.value = 0\n"
    "SET counter.value = counter.value + size($rows)\n"
    "WITH counter.value - size($rows) AS base, " + _stamp_list() + " AS stamps\n"
    "UNWIND range(0, size($rows) - 1) AS i\n"
    "WITH base + i + 1 AS seq, $rows[i] AS row, stamps\n"
    "CREATE (e:AuditEntry {seq: seq, actor: row.actor, action: row.action,\n"
    "                      entity_type: row.entity_type, entity_id: row.entity_id, before: row.before,\n"
    "                      after: row.after, account_id: row.account_id})\n"
    # the moment: its place in $stamps (ISO texts, read once as datetimes: see _stamp_list), or other text
    "SET e.at = coalesce(stamps[row.at], row.at_text)"
)


def _audit_columns() -> LiteralString:
    return ("e.seq AS seq, " + _stamp_text("e.at") + " AS at, e.actor AS actor, e.action AS action, "
            "e.entity_type AS entity_type, e.entity_id AS entity_id, e.before AS before, e.after AS after, "
            "e.account_id AS account_id")


LIST_AUDIT: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "WHERE e.seq < $before\n"
    "RETURN " + _audit_columns() + "\n"
    "ORDER BY seq DESC\n"
    "LIMIT $limit"
)

# The whole trail, oldest first, page by page (a copy into another store appends it in this order).
AUDIT_AFTER: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "WHERE e.seq > $after\n"
    "RETURN " + _audit_columns() + "\n"
    "ORDER BY seq\n"
    "LIMIT $limit"
)

LIST_AUDIT_OF_ENTITY: Final[LiteralString] = (
    "MATCH (e:AuditEntry {entity_id: $entity_id})\n"
    "WHERE e.seq < $before\n"
    "RETURN " + _audit_columns() + "\n"
    "ORDER BY seq DESC\n"
    "LIMIT $limit"
)

# An account's history, oldest first: every entry about an entity that some entry filed under one of
# the accounts concerns (a record that moved away comes with its whole history), and about the entities
# asked for by id; both lookups are index seeks (account_id, entity_id).
# (The hints keep the planner off the index on ``at``, which would scan the whole trail per entity;
# ``seq > 0`` lets the composite indexes seek.)
AUDIT_OF_ACCOUNTS: Final[LiteralString] = (
    "CALL () {\n"
    "  MATCH (filed:AuditEntry)\n"
    "  USING INDEX SEEK filed:AuditEntry(account_id, seq)\n"
    "  WHERE filed.account_id IN $account_ids AND filed.seq > 0 AND filed.at <= $until\n"
    "  RETURN DISTINCT filed.entity_id AS entity_id\n"
    "  UNION\n"
    "  UNWIND $entity_ids AS entity_id\n"
    "  RETURN entity_id\n"
    "}\n"
    "MATCH (e:AuditEntry)\n"
    "USING INDEX SEEK e:AuditEntry(entity_id, seq)\n"
    "WHERE e.entity_id = entity_id AND e.seq > 0 AND e.at <= $until\n"
    "RETURN " + _audit_columns() + "\n"
    "ORDER BY seq"
)

# Erasure: every entry whose snapshots mention a text (a person's id), anywhere in the trail (a scan).
AUDIT_MENTIONING: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "WHERE e.before CONTAINS $text OR e.after CONTAINS $text\n"
    "RETURN " + _audit_columns() + "\n"
    "ORDER BY seq"
)

# Erasure of an id that was personal data: the logged map changes naming it become "everything".
FORGET_CHANGES_NAMING: Final[LiteralString] = (
    "MATCH (c:MapChanges)\n"
    "WHERE c.everything = false\n"
    "  AND ($node_id IN c.node_ids OR $node_id IN c.edge_sources OR $node_id IN c.edge_targets)\n"
    "SET c.everything = true, c.node_ids = [], c.edge_ids = [], c.edge_sources = [], c.edge_targets = []"
)

# Erasure: one person's entries, a seek (``seq > 0`` as above; without it, every entry of the trail was read).
SCRUB_AUDIT: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "USING INDEX SEEK e:AuditEntry(entity_id, seq)\n"
    "WHERE e.entity_id = $entity_id AND e.seq > 0 AND e.entity_type IN $entity_types\n"
    "SET e.before = CASE WHEN e.before IS NULL THEN NULL ELSE $replacement END,\n"
    "    e.after = CASE WHEN e.after IS NULL THEN NULL ELSE $replacement END,\n"
    "    e.entity_id = $rename_to"
)

# ---- account reviews ------------------------------------------------------------------------------

# A review is a node of its own (not an Entity of the map), linked to its account by BELONGS_TO.
PUT_REVIEWS: Final[LiteralString] = (
    "UNWIND $rows AS row\n"
    "MERGE (r:Review {id: row.id})\n"
    "SET r = row.props\n"
    "WITH r, row\n"
    "CALL (r, row) {\n"
    "  MATCH (r)-[old:BELONGS_TO]->(previous:Account)\n"
    "  WHERE previous.id <> row.props.account_id\n"
    "  DELETE old\n"
    "}\n"
    "CALL (r, row) {\n"
    "  MATCH (a:Account {id: row.props.account_id})\n"
    "  WHERE COUNT { (r)-[:BELONGS_TO]->(a) } = 0\n"
    "  CREATE (r)-[:BELONGS_TO]->(a)\n"
    "}"
)

GET_REVIEWS: Final[LiteralString] = (
    "MATCH (r:Review)\n"
    "WHERE r.id IN $ids\n"
    "RETURN properties(r) AS props"
)

REVIEWS_OF_ACCOUNT: Final[LiteralString] = (
    "MATCH (r:Review {account_id: $account_id})\n"
    "RETURN properties(r) AS props\n"
    "ORDER BY r.held_at DESC, r.id"
)

DELETE_REVIEWS: Final[LiteralString] = (
    "MATCH (r:Review)\n"
    "WHERE r.id IN $ids\n"
    "DETACH DELETE r"
)

# ---- API keys -------------------------------------------------------------------------------------

# CREATE, not MERGE: a taken id or hash is a Conflict (unique constraints), never an overwrite.
PUT_KEY: Final[LiteralString] = (
    "CREATE (:ApiKey {id: $id, role: $role, name: $name, key_hash: $key_hash, created_at: $created_at})"
)

KEY_BY_HASH: Final[LiteralString] = (
    "MATCH (k:ApiKey {key_hash: $key_hash})\n"
    "RETURN k.id AS id, k.role AS role, k.name AS name, k.key_hash AS key_hash, k.created_at AS created_at"
)

DELETE_KEY: Final[LiteralString] = (
    "OPTIONAL MATCH (k:ApiKey {id: $id})\n"
    "WITH k, k IS NOT NULL AS found\n"
    "DELETE k\n"
    "RETURN found"
)

LIST_KEYS: Final[LiteralString] = (
    "MATCH (k:ApiKey)\n"
    "RETURN k.id AS id, k.role AS role, k.name AS name, k.key_hash AS key_hash, k.created_at AS created_at\n"
    "ORDER BY id"
)

# ---- migrations -----------------------------------------------------------------------------------

APPLIED_MIGRATIONS: Final[LiteralString] = (
    "MATCH (m:Migration)\n"
    "RETURN m.name AS name, m.checksum AS checksum"
)

RECORD_MIGRATION: Final[LiteralString] = (
    "MERGE (m:Migration {name: $name})\n"
    "ON CREATE SET m.checksum = $checksum, m.applied_at = $applied_at"
)

# ---- data migration V0005: from JSON strings to native properties ------------------------------------

V5_OLD_NODES: Final[LiteralString] = (
    "MATCH (n:Entity)\n"
    "WHERE n.data IS NOT NULL\n"
    "RETURN elementId(n) AS element_id, n.data AS data, properties(n) AS props\n"
    "LIMIT $batch"
)

V5_SET_NODE_PROPERTIES: Final[LiteralString] = (
    "UNWIND $rows AS row\n"
    "MATCH (n:Entity)\n"
    "WHERE elementId(n) = row.element_id\n"
    "SET n = row.props"
)

V5_OLD_EDGES: Final[LiteralString] = (
    "MATCH (:Entity)-[r:" + _all_edge_types() + "]->(:Entity)\n"
    "WHERE r.data IS NOT NULL\n"
    "RETURN elementId(r) AS element_id, r.data AS data, properties(r) AS props\n"
    "LIMIT $batch"
)

V5_SET_EDGE_PROPERTIES: Final[LiteralString] = (
    "UNWIND $rows AS row\n"
    "MATCH (:Entity)-[r]->(:Entity)\n"
    "WHERE elementId(r) = row.element_id\n"
    "SET r = row.props"
)

# Entries numbered by the old clock-hex strings, oldest first.
V5_OLD_AUDIT: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "WHERE e.seq IS :: STRING\n"
    "RETURN elementId(e) AS element_id, e.at AS at\n"
    "ORDER BY e.seq\n"
    "LIMIT $batch"
)

V5_RENUMBER_AUDIT: Final[LiteralString] = (
    "MERGE (counter:Sequence {name: 'audit'})\n"
    "ON CREATE SET counter.value = 0\n"
    "WITH counter, counter.value AS base\n"
    "SET counter.value = base + size($rows)\n"
    "WITH base\n"
    "UNWIND range(0, size($rows) - 1) AS i\n"
    "WITH base + i + 1 AS seq, $rows[i] AS row\n"
    "MATCH (e:AuditEntry)\n"
    "WHERE elementId(e) = row.element_id\n"
    "SET e.seq = seq, e.at = row.at"
)

V5_OLD_KEYS: Final[LiteralString] = (
    "MATCH (k:ApiKey)\n"
    "WHERE k.created_at IS :: STRING\n"
    "RETURN elementId(k) AS element_id, k.created_at AS created_at"
)

V5_SET_KEY_TIMESTAMPS: Final[LiteralString] = (
    "UNWIND $rows AS row\n"
    "MATCH (k:ApiKey)\n"
    "WHERE elementId(k) = row.element_id\n"
    "SET k.created_at = row.created_at"
)

# ---- data migration V0011: the account of old audit entries ----------------------------------------

V11_AUDIT_PAGE: Final[LiteralString] = (
    "MATCH (e:AuditEntry)\n"
    "WHERE e.seq > $after AND e.account_id IS NULL\n"
    "RETURN e.seq AS seq, e.entity_type AS entity_type, e.entity_id AS entity_id, e.before AS before,\n"
    "       e.after AS after\n"
    "ORDER BY seq\n"
    "LIMIT $batch"
)

V11_SET_AUDIT_ACCOUNTS: Final[LiteralString] = (
    "UNWIND $rows AS row\n"
    "MATCH (e:AuditEntry {seq: row.seq})\n"
    "SET e.account_id = row.account_id"
)

V30_OPPORTUNITIES_WITHOUT_STATUS: Final[LiteralString] = (
    "MATCH (n:Opportunity)\n"
    "WHERE n.status IS NULL\n"
    "RETURN n.id AS id\n"
    "LIMIT $batch"
)

# ---- revisions of accounts' maps ------------------------------------------------------------------

REVISIONS: Final[LiteralString] = _planned_once(
    "UNWIND $scopes AS scope\n"
    "MATCH (r:Revision {scope: scope})\n"
    "RETURN r.scope AS scope, r.revision AS revision"
)

# What a write changed in each scope's map ($rows: one per scope, in scope order, so that concurrent writes
# lock the Revision nodes in one order), logged under the revision the scope is bumped to here (its
# Revision node created at 1, else counted up: locked until the write commits); the scope's entries older
# than $keep revisions go. Edges are three parallel lists (ids, sources, targets): a property holds a list
# of one simple type. Returns each scope's revision now.
LOG_MAP_CHANGES: Final[LiteralString] = _planned_once(
    "UNWIND $rows AS row\n"
    "MERGE (r:Revision {scope: row.scope})\n"
    "ON CREATE SET r.revision = 1\n"
    "ON MATCH SET r.revision = r.revision + 1\n"
    "CREATE (:MapChanges {scope: row.scope, revision: r.revision, everything: row.everything,\n"
    "                     node_ids: row.node_ids, edge_ids: row.edge_ids, edge_sources: row.edge_sources,\n"
    "                     edge_targets: row.edge_targets})\n"
    "WITH r\n"
    "CALL (r) {\n"
    "  MATCH (old:MapChanges {scope: r.scope})\n"
    "  WHERE old.revision <= r.revision - $keep\n"
    "  DELETE old\n"
    "}\n"
    "RETURN r.scope AS scope, r.revision AS revision"
)

# Each scope's revision, read before a map is loaded outside a write, and whether the write that reached it
# is marked applied (MARK_APPLIED): an import applied whole before the load began, which the load then
# needs no second load to be checked against (Neo4jTx.account_subgraph).
REVISIONS_BEFORE_LOAD: Final[LiteralString] = _planned_once(
    "UNWIND $scopes AS scope\n"
    "MATCH (r:Revision {scope: scope})\n"
    "OPTIONAL MATCH (c:MapChanges {scope: scope, revision: r.revision})\n"
    "RETURN r.scope AS scope, r.revision AS revision, coalesce(c.applied, false) AS applied"
)

# Marks "everything" changes ($changes: [{scope, revision}]) as applied whole, in a transaction of its own
# after theirs has committed (its commit returned): a load that begins after it sees the mark has seen all of
# them (REVISIONS_BEFORE_LOAD). An entry already pruned is simply not found.
MARK_APPLIED: Final[LiteralString] = _planned_once(
    "UNWIND $changes AS change\n"
    "MATCH (c:MapChanges {scope: change.scope, revision: change.revision})\n"
    "SET c.applied = true"
)

# The accounts whose maps show these nodes at the far end of an edge.
NEIGHBOUR_ACCOUNTS: Final[LiteralString] = (
    "MATCH (n:Entity)-[:" + _all_edge_types() + "]-(m:Entity)\n"
    "WHERE n.id IN $ids AND (m:Contact OR m:Opportunity)\n"
    "RETURN DISTINCT m.owner_id AS account_id"
)

MAP_CHANGES_SINCE: Final[LiteralString] = (
    "UNWIND $since AS s\n"
    "MATCH (c:MapChanges {scope: s.scope})\n"
    "WHERE c.revision > s.first AND c.revision <= s.last\n"
    "RETURN c.scope AS scope, c.revision AS revision, c.everything AS everything, c.node_ids AS node_ids,\n"
    "       c.edge_ids AS edge_ids, c.edge_sources AS edge_sources, c.edge_targets AS edge_targets\n"
    "ORDER BY scope, revision"
)

# What a reader holding an account's map of given revisions needs, in one statement (``Backend.map_news``):
# each scope's revision now ($scopes: [{scope, first}], first the revision the reader's map reflects), the
# changes logged after it, and the current records of the nodes and edges they name.
MAP_NEWS: Final[LiteralString] = _planned_once(
    "UNWIND $scopes AS wanted\n"
    "OPTIONAL MATCH (rev:Revision {scope: wanted.scope})\n"
    "WITH wanted, coalesce(rev.revision, 0) AS now\n"
    "CALL (wanted, now) {\n"
    "  OPTIONAL MATCH (c:MapChanges {scope: wanted.scope})\n"
    "  WHERE c.revision > wanted.first AND c.revision <= now\n"
    "  WITH c ORDER BY c.revision\n"
    "  RETURN collect(c {.scope, .revision, .everything, .node_ids, .edge_ids, .edge_sources, .edge_targets})"
    " AS logged\n"
    "}\n"
    "WITH collect({scope: wanted.scope, revision: now}) AS revisions, collect(logged) AS per_scope\n"
    "WITH revisions, reduce(found = [], logged IN per_scope | found + logged) AS changes\n"
    "CALL (changes) {\n"
    "  UNWIND changes AS change\n"
    "  UNWIND coalesce(change.node_ids, []) AS node_id\n"
    "  WITH DISTINCT node_id\n"
    "  MATCH (n:Entity {id: node_id})\n"
    "  RETURN collect(" + _stamped("n") + ") AS nodes\n"
    "}\n"
    "CALL (changes) {\n"
    "  UNWIND changes AS change\n"
    "  UNWIND coalesce(change.edge_ids, []) AS edge_id\n"
    "  WITH DISTINCT edge_id\n"
    + _edge_by_id("edge_id")
    + "  RETURN collect([type(r), s.id, t.id, " + _stamped("r") + "]) AS edges\n"
    "}\n"
    "RETURN revisions, changes, nodes, edges"
)

# ---- health --------------------------------------------------------------------------------------

# What the server says of a database (run on the system database): after a failure that stops it (a full
# disk panics it), ``statusMessage`` names the cause, e.g. "No space left on device". ``$name`` null: the
# default database.
DATABASE_STATUS: Final[LiteralString] = (
    "SHOW DATABASES YIELD name, default, currentStatus, statusMessage\n"
    "WHERE name = $name OR ($name IS NULL AND default)\n"
    "RETURN currentStatus, statusMessage"
)

# ---- tests ----------------------------------------------------------------------------------------

# Empties the database for the contract suite (the schema and the migration records stay).
WIPE_FOR_TESTS: Final[LiteralString] = (
    "MATCH (n)\n"
    "WHERE n:Entity OR n:AuditEntry OR n:ApiKey OR n:Revision OR n:Sequence OR n:Review OR n:MapChanges\n"
    "DETACH DELETE n"
)

# Every property of every node and relationship in the database, for tests that look for data that
# must be gone (erasure).
DUMP_FOR_TESTS: Final[LiteralString] = (
    "MATCH (n)\n"
    "OPTIONAL MATCH (n)-[r]->()\n"
    "RETURN labels(n) AS labels, properties(n) AS node, collect(properties(r)) AS relationships"
)
