// Issue 11: what each write changed in each map (graph/map_cache.py), one MapChanges node per scope (an
// account id, or '*shared') and revision, with the ids of the nodes and edges written or deleted; only
// the latest revisions of a scope are kept.
CREATE CONSTRAINT map_changes_revision IF NOT EXISTS FOR (c:MapChanges) REQUIRE (c.scope, c.revision) IS UNIQUE;
