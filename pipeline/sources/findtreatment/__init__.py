"""FindTreatment.gov's locator API: the record normalizer and the label -> code table its service
labels are read back through. Imports `clean`, `ids`, `sources.samhsa.codes` and `schemas`.
"""
