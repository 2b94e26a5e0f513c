-- Issue 11: what each write changed in each map. A reader that holds a projected map of an account at
-- some revision applies the records changed since (graph/map_cache.py) instead of loading the whole map
-- again. One row per scope (an account id, or '*shared' for our team and competitors) and revision: the
-- ids of the nodes written or deleted and the edges as [id, source, target] (JSON arrays), or NULL for
-- "too many to list: load afresh". Only the latest revisions of a scope are kept (graph/backend.py).
CREATE TABLE map_changes (
    scope    TEXT NOT NULL,
    revision INTEGER NOT NULL,
    nodes    TEXT CHECK (nodes IS NULL OR json_valid(nodes)),
    edges    TEXT CHECK (edges IS NULL OR json_valid(edges)),
    PRIMARY KEY (scope, revision)
) WITHOUT ROWID;
