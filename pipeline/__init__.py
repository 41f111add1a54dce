"""Normalization, hours, classification and storage: everything between raw files and DuckDB."""
