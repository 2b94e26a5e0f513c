-- Relationship maps: nodes and edges of every kind, the audit trail and API keys.
-- owner_id is the account a contact or opportunity belongs to, or an account's parent account.
CREATE TABLE nodes (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('account', 'contact', 'team_member', 'competitor', 'opportunity')),
    owner_id   TEXT,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX nodes_kind ON nodes (kind, id);
CREATE INDEX nodes_owner ON nodes (owner_id, kind, id);

CREATE TABLE edges (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('REPORTS_TO', 'INFLUENCES', 'PROMOTED_BY', 'ALLY', 'RIVAL',
                                             'COVERS', 'MIRRORS', 'MEMBER_OF', 'FAVORS', 'HAS_INTEREST')),
    source     TEXT NOT NULL REFERENCES nodes (id),
    target     TEXT NOT NULL REFERENCES nodes (id),
    account_id TEXT,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    CHECK (source <> target)
);
CREATE INDEX edges_source ON edges (source);
CREATE INDEX edges_target ON edges (target, type, id);
CREATE INDEX edges_account ON edges (account_id, type, id);
CREATE INDEX edges_type ON edges (type, id);

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_entity ON audit (entity_id, seq);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
