"""How the report words numbers, times and weekly hours (the template's filters)."""

from datetime import UTC, datetime
from urllib.parse import urlparse


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


def hours_text(lo: float | None, hi: float | None) -> str:
    """Weekly hours as the flags word them: `9`, `9-25`, `up to 30`, `20 or more` (+ ` h/week`)."""
    if lo is None and hi is None:
        return "unknown"
    if lo is None:
        return f"up to {num(hi)} h/week"  # type: ignore[arg-type]
    if hi is None:
        return f"{num(lo)} or more h/week"
    if lo == hi:
        return f"{num(lo)} h/week"
    return f"{num(lo)}-{num(hi)} h/week"


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
