-- A provider's own page often states no state: listings may have none (placed by linking instead).
ALTER TABLE listing_records ALTER COLUMN state DROP NOT NULL;
