// Database-side sequence numbers (the audit trail's order), and indexes an analyst's queries use on
// the native property graph (see docs/neo4j.md).
CREATE CONSTRAINT sequence_name IF NOT EXISTS FOR (s:Sequence) REQUIRE s.name IS UNIQUE;
CREATE INDEX contact_name IF NOT EXISTS FOR (n:Contact) ON (n.name);
CREATE INDEX contact_level_status IF NOT EXISTS FOR (n:Contact) ON (n.level, n.status);
CREATE INDEX audit_entry_seq_order IF NOT EXISTS FOR (e:AuditEntry) ON (e.at);
