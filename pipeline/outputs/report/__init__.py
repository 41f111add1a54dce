"""The self-contained HTML review report: counts, weekly hours against the thresholds, open flags.

`data` (queries and shaping), `chart` (the hours chart's layout), `wording` (numbers, times, hours,
which URLs become links) and `build` (`write_report`, rendering the Jinja2 templates next to it:
`report.html.j2`, `chart.svg.j2`, `evidence.html.j2`, with `report.css` and `report.js` inlined).
Imports `store`, `thresholds`, `hours.wording` and `schemas`.
"""
