"""The normalization stage: a crawl's `items.jsonl` -> Parquet parts of listings, rejects and codes.

`run` (the entry, `normalize_file`) validates lines, hands each record to its source's normalizer
and accounts for every line; `lines` reads and sniffs the lines of the file and cuts it into byte
ranges, `writers` writes the Parquet parts and the rejects, `workers` runs the ranges in worker
processes for big files; `facts` reads what a listing's own words say (hours, level words).
Imports `clean`, `sources`, `hours` and shared rules; never the store.
"""
