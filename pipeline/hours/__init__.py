"""The hours engine: weekly program hours from schedule text and structured sessions.

`estimate_hours` is the entry point; `parse_sessions` reads structured schedules (HSDS-style
`byday`/`opens_at`/`closes_at` rows or day + start/end fields, as APIs give them); `wording`
writes weekly hours for people. docs/hours.md names every module. Imports only `schemas`.
"""

from pipeline.hours.estimate import estimate_hours
from pipeline.hours.model import HoursEstimate, Interval, Session
from pipeline.hours.structured import parse_sessions

__all__ = ["HoursEstimate", "Interval", "Session", "estimate_hours", "parse_sessions"]
