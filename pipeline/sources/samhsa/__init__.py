"""SAMHSA's national directories: the row normalizer, the set-based DuckDB path for plain rows, and
the service code map every directory's codes are read through (`normalize`, `bulk` with its SQL
spellings of the Python rules in `bulk_sql`, `codes`). Imports `clean`, shared modules and `schemas`.
"""
