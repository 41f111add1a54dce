"""Per-source normalizers: one lenient raw record -> one strict `Listing` or a reject with a reason.

`skeleton` holds the steps every source runs, once and in order (text, name, state, ZIP, phones,
coordinates, website, id, `Listing`), and `common` the rules those steps apply; each source module
declares only its own field mapping, code or vocabulary reading, id key and checks. A source with
several files is a package (`samhsa/`: normalizer, set-based bulk path, code map; `findtreatment/`:
normalizer, label table and its generated data file `labels.json`). Imports `clean` and the shared
modules (`ids`, `tables`, `duck`, `errors`) and `schemas`; never the store, linking, flags or outputs.
"""
