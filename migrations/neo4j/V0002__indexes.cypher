// Indexes for the lookups that are not by id.

// Members of an account (contacts, opportunities, child accounts) by owner_id.
CREATE INDEX entity_owner IF NOT EXISTS FOR (n:Entity) ON (n.owner_id);

// An entity's audit trail, newest first.
CREATE INDEX audit_entry_entity IF NOT EXISTS FOR (e:AuditEntry) ON (e.entity_id, e.seq);

// Edges stored under an account, per relationship type (reporting lines, listing an account's edges).
CREATE INDEX reports_to_account IF NOT EXISTS FOR ()-[r:REPORTS_TO]-() ON (r.account_id);
CREATE INDEX influences_account IF NOT EXISTS FOR ()-[r:INFLUENCES]-() ON (r.account_id);
CREATE INDEX promoted_by_account IF NOT EXISTS FOR ()-[r:PROMOTED_BY]-() ON (r.account_id);
CREATE INDEX ally_account IF NOT EXISTS FOR ()-[r:ALLY]-() ON (r.account_id);
CREATE INDEX rival_account IF NOT EXISTS FOR ()-[r:RIVAL]-() ON (r.account_id);
CREATE INDEX covers_account IF NOT EXISTS FOR ()-[r:COVERS]-() ON (r.account_id);
CREATE INDEX mirrors_account IF NOT EXISTS FOR ()-[r:MIRRORS]-() ON (r.account_id);
CREATE INDEX member_of_account IF NOT EXISTS FOR ()-[r:MEMBER_OF]-() ON (r.account_id);
CREATE INDEX favors_account IF NOT EXISTS FOR ()-[r:FAVORS]-() ON (r.account_id);
CREATE INDEX has_interest_account IF NOT EXISTS FOR ()-[r:HAS_INTEREST]-() ON (r.account_id);
