"""The normalization stage: a crawl's `items.jsonl` -> Parquet parts of listings, rejects and codes.

`run` reads and validates lines, hands each record to its source's normalizer (in worker
processes for big files) and accounts for every line; `facts` reads what a listing's own words
say (hours, level words). Imports `clean`, `sources`, `hours` and shared rules; never the store.
"""
