// Uniqueness constraints: every id the adapter MERGEs or looks up is unique and indexed.
// A file is applied in one transaction (statements end with ';' at the end of a line); Neo4j does
// not allow schema commands and data writes in the same transaction, so a file holds one or the other.
// Applied files must never change (their checksum is recorded): add a new file instead.

// Nodes of the map: ids are unique across every kind; the kind labels get their own id index for
// listing nodes of one kind in id order.
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT contact_id IF NOT EXISTS FOR (n:Contact) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT team_member_id IF NOT EXISTS FOR (n:TeamMember) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT competitor_id IF NOT EXISTS FOR (n:Competitor) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT opportunity_id IF NOT EXISTS FOR (n:Opportunity) REQUIRE n.id IS UNIQUE;

// Edges of the map: one constraint per relationship type (Neo4j 5.7+).
CREATE CONSTRAINT reports_to_id IF NOT EXISTS FOR ()-[r:REPORTS_TO]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT influences_id IF NOT EXISTS FOR ()-[r:INFLUENCES]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT promoted_by_id IF NOT EXISTS FOR ()-[r:PROMOTED_BY]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT ally_id IF NOT EXISTS FOR ()-[r:ALLY]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT rival_id IF NOT EXISTS FOR ()-[r:RIVAL]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT covers_id IF NOT EXISTS FOR ()-[r:COVERS]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT mirrors_id IF NOT EXISTS FOR ()-[r:MIRRORS]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT member_of_id IF NOT EXISTS FOR ()-[r:MEMBER_OF]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT favors_id IF NOT EXISTS FOR ()-[r:FAVORS]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT has_interest_id IF NOT EXISTS FOR ()-[r:HAS_INTEREST]-() REQUIRE r.id IS UNIQUE;

// Audit trail, API keys, applied migrations.
CREATE CONSTRAINT audit_entry_seq IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.seq IS UNIQUE;
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE CONSTRAINT api_key_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.key_hash IS UNIQUE;
CREATE CONSTRAINT migration_name IF NOT EXISTS FOR (m:Migration) REQUIRE m.name IS UNIQUE;
