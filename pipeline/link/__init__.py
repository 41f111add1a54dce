"""Linking listings of one facility across sources, as set-based SQL: the keys of each listing
(`keys`), candidate pairs, their scores and the rules (`pairs`), facilities and the small Python
API over a scratch database (`build`), and storing the facility tables of a run (`store`).
Imports `clean`, `ids` and `store`; never sources, flags or outputs.
"""
