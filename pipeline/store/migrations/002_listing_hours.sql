-- Weekly hours: the spans they rest on, the source's schedule text and structured sessions.
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS hours_evidence VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS schedule_text VARCHAR;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS
    schedule STRUCT(day INTEGER, start_minute INTEGER, end_minute INTEGER, track VARCHAR)[];
