-- Level-of-care flags: the level the hours describe, the levels name and text call it, PHP cues.
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS hours_level VARCHAR;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS name_levels VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS text_levels VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS php_cues VARCHAR[];
