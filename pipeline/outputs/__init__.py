"""What maintainers take away: tabular exports (Parquet, CSV), Open Referral HSDS 3.0 JSON, and the
self-contained HTML review report. Imports `store`, `flags`, `hours.wording`, `ids` and `thresholds`; never
sources or normalization.
"""
