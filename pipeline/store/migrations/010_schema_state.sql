-- What made the views and the comments (issue 20): a digest of the schema script and of the
-- comments' texts. An open that finds it current, and the views still commented, leaves them as
-- they are instead of making them again (`pipeline.store.schema.ensure_schema`).
CREATE TABLE IF NOT EXISTS schema_state (digest VARCHAR NOT NULL);
