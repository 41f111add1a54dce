"""Per-source normalizers: one lenient raw record -> one strict `Listing` or a reject with a reason.

A source with several files is a package (`samhsa/`: normalizer, set-based bulk path, code map;
`findtreatment/`: normalizer and label table). Imports `clean`, `ids`, `hours` and `schemas`;
never the store, linking, flags or outputs.
"""
