-- Per-source quality of a run (items, missing values per field, unknown codes, reject reasons).
ALTER TABLE run_sources ADD COLUMN IF NOT EXISTS quality JSON;
