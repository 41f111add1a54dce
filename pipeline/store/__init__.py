"""The DuckDB file: connection and locks, schema, loading a run in one transaction, read queries.

Everything that writes listings, runs and rejects goes through here. Imports shared rules
(`tables`, `ids`) and `schemas`; never sources, normalization, linking, flags or outputs.
"""
