-- A counter per account (and one for the shared team and competitors), bumped by every write that
-- changes what the account's map holds: readers keep a projected map while its revisions stand.
CREATE TABLE revisions (
    scope    TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
);
