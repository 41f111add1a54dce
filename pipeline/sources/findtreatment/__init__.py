"""FindTreatment.gov's locator API: the record normalizer and the label -> code table its service
labels are read back through (`labels.py`, with the generated reference labels in `labels.json`).
Imports `clean`, `ids`, `sources.samhsa.codes` and `schemas`.
"""
