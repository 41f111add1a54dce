"""How the report words hours and times, and which URLs it links."""

from datetime import UTC, datetime, timedelta, timezone

from pipeline.outputs.report.wording import hours_text, link_host, when


def test_hours_text() -> None:
    assert hours_text(None, None) == "unknown"
    assert hours_text(None, 30) == "up to 30 h/week"
    assert hours_text(20, None) == "20 or more h/week"
    assert hours_text(9, 9.0) == "9 h/week"
    assert hours_text(7.5, 25) == "7.5-25 h/week"


def test_when_is_utc_to_the_minute() -> None:
    assert when(None) == "—"
    assert when(datetime(2026, 1, 2, 3, 4, 59, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-02 01:04 UTC"
    assert when(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)) == "2026-01-02 03:04 UTC"


def test_only_http_urls_with_a_host_are_linked() -> None:
    assert link_host("https://example.org/a?b=1") == "example.org"
    assert link_host("http://example.org") == "example.org"
    for url in (None, "", "javascript:alert(1)", "data:text/html,x", "/relative", "https://", "ftp://example.org/"):
        assert link_host(url) is None
