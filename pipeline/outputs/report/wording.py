"""How the report words numbers, times and weekly hours (the template's filters)."""

from datetime import UTC, datetime
from urllib.parse import urlparse

from pipeline.hours.wording import UNIT, UNKNOWN, weekly_hours_text


def num(value: float) -> str:
    """A number of hours as short as it goes: `9`, `7.5`, `20`."""
    return f"{float(value):g}"


def grouped(value: int) -> str:
    """A count with thousands separators: `27,484`."""
    return f"{value:,}"


def when(value: datetime | None) -> str:
    """A moment in UTC to the minute, or a dash when there is none."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def hours_text(lo: float | None, hi: float | None, unit: str = UNIT) -> str:
    """Weekly hours in the flags' wording (`pipeline.hours.wording`), `unknown` when there are none."""
    return weekly_hours_text(lo, hi, unit) or UNKNOWN


def link_host(url: str | None) -> str | None:
    """The host of an http(s) URL, which may become a link; None for anything else.

    Only http(s) URLs with a host are linked: `javascript:`, `data:` and relative URLs from the web
    stay plain text.
    """
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return parsed.netloc
