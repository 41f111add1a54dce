"""Cleaners of single values: text, markup, US states and ZIP codes, phone numbers, coordinates.

Each rule is written once here and used by every source normalizer and the set-based bulk path.
Imports only `schemas`.
"""
