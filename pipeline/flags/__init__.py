"""Level-of-care flags: the rules as one set-based SQL pass (`rules`), flags and reviews in the
database (`store`), and scoring the rules on labelled texts (`evaluate`).
Imports `thresholds`, `hours`, `normalize.facts` and `store`; never sources or outputs.
"""
