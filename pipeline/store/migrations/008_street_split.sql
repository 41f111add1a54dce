-- Each listing's street split into its house number and the rest, written with the listing by a
-- load (`pipeline.store.streets`), so neither the `listings` view nor linking splits it again.
-- NULL on rows an older version wrote, until the next load or link splits them.
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS street_number VARCHAR;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS street_rest VARCHAR;
