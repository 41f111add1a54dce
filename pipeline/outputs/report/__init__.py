"""The self-contained HTML review report: counts, weekly hours against the thresholds, open flags.
Imports `store` and `thresholds`.
"""
