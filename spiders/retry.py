"""Retries that honour a server's Retry-After.

Scrapy's RetryMiddleware retries 429 and 503 at once; a server that says "Retry-After: 30" is
asking for the opposite. This one waits as long as asked (this request only; others go on),
up to `RETRY_AFTER_MAX` seconds. A server asking for longer is not retried at all: the response
stands, the source fails with its status, and the next scheduled run tries again.
"""

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting first when a 429/503 response carries Retry-After."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        """Wait as asked, then retry as Scrapy would; give up at once on a wait past the maximum."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            if wait > self.max_wait:
                if stats:
                    stats.inc_value("retry/retry_after_too_long")
                return response
            if stats:
                stats.inc_value("retry/retry_after_waits")
                stats.inc_value("retry/retry_after_seconds", wait)
            await asyncio.sleep(wait)
        return self._retry(request, response_status_message(response.status)) or response
