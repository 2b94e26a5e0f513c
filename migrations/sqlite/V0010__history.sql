-- History (issue 12). Each audit entry names the account whose map it concerns, so that the map of one
-- account as of a past moment is replayed from that account's entries alone (graph/history.py):
-- the account itself, the account of a contact, an opportunity, an edge or a review, '*shared' for
-- our team and competitors, NULL for API keys. Old entries: from their snapshots, or (erased ones)
-- from the record as it is stored now.
ALTER TABLE audit ADD COLUMN account_id TEXT;
UPDATE audit SET account_id = CASE
    WHEN entity_type = 'account' THEN entity_id
    WHEN entity_type IN ('team_member', 'competitor') THEN '*shared'
    ELSE coalesce(json_extract(after, '$.account_id'), json_extract(before, '$.account_id'),
                  (SELECT n.owner_id FROM nodes n WHERE n.id = audit.entity_id
                                                    AND n.kind IN ('contact', 'opportunity')),
                  (SELECT e.account_id FROM edges e WHERE e.id = audit.entity_id))
END;
CREATE INDEX audit_account ON audit (account_id, seq);

-- Account reviews (复盘): dated review points, newest first per account.
CREATE TABLE reviews (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES nodes (id),
    held_at    TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX reviews_account ON reviews (account_id, held_at, id);
