// History (issue 12): an account's audit entries by the account they concern (the account's map as of
// a past moment is replayed from them), and account reviews, each linked to its account by BELONGS_TO.
CREATE INDEX audit_entry_account IF NOT EXISTS FOR (e:AuditEntry) ON (e.account_id, e.seq);
CREATE CONSTRAINT review_id IF NOT EXISTS FOR (r:Review) REQUIRE r.id IS UNIQUE;
CREATE INDEX review_account IF NOT EXISTS FOR (r:Review) ON (r.account_id);
