-- Named payers' evidence and notes, and the page phrases services were read from (issue 19).
-- Empty lists, not NULL, on rows of older versions: what a load writes for a listing without
-- them, so no stored listing reads as changed because the columns are new.
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS payer_evidence VARCHAR[] DEFAULT [];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS payer_notes VARCHAR[] DEFAULT [];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS service_evidence VARCHAR[] DEFAULT [];
