"""SAMHSA's national directories: the row normalizer, the set-based DuckDB path for plain rows, and
the service code map every directory's codes are read through. Imports `clean`, `ids` and `schemas`.
"""
