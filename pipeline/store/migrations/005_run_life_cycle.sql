-- A run's life cycle (`pipeline.store.runs`): when its load committed, when its flag step finished,
-- and which process ran it (`host/pid/start ticks`), so the next run can tell a killed run.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS loaded_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS flagged_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS process VARCHAR;
