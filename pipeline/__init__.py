"""Everything between the crawl's files on disk and the DuckDB file, as packages by stage and source.

Stages: `clean` (field cleaners), `sources` (one normalizer per source), `hours` (weekly hours),
`normalize` (items.jsonl -> Parquet), `store` (the DuckDB file), `link` (facilities), `flags`
(level-of-care rules), `outputs` (exports, HSDS, report). Top-level modules hold rules every stage
shares (ids, thresholds, the listing's columns, DuckDB settings in `duck`). Imports `schemas`;
never `spiders` or `flows`.
"""
