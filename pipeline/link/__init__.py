"""Linking listings of one facility across sources: keys, candidate pairs, scores and facilities as
set-based SQL (`build`), and storing the facility tables of a run (`store`).
Imports `clean`, `ids` and `store`; never sources, flags or outputs.
"""
