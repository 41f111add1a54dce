-- How strong a flag's evidence is (`schemas.vocab.Confidence`): high, medium or low. Kept outside
-- the evidence, so a flag keeps its id and its reviews; NULL (unknown) on flags of older versions
-- until a flagging pass raises them again.
ALTER TABLE flag_records ADD COLUMN IF NOT EXISTS confidence VARCHAR;
