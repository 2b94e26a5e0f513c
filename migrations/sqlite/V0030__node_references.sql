-- Issue 11: the fields the store filters nodes by, read without decoding each record's JSON.
-- A node's single references (a contact's or opportunity's account_id, an account's parent_id) are
-- already the owner_id column. Its list-valued references (an opportunity's competitor_ids,
-- graph/references.py) get a row each here, written by the adapter with the node (and removed with
-- it): "which nodes name these ids in this field" is an index seek instead of a scan that decodes the
-- JSON of every node of the kind. Filled here from the records already stored.
CREATE TABLE node_refs (
    field   TEXT NOT NULL,
    target  TEXT NOT NULL,
    node_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    PRIMARY KEY (field, target, node_id)
) WITHOUT ROWID;
CREATE INDEX node_refs_node ON node_refs (node_id);
INSERT OR IGNORE INTO node_refs (field, target, node_id)
SELECT 'competitor_ids', j.value, n.id FROM nodes n, json_each(n.data, '$.competitor_ids') j
WHERE n.kind = 'opportunity' AND j.type = 'text' AND j.value <> '';
