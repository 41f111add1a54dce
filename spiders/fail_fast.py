"""Fail fast when the crawl's first request cannot reach its host at all.

A host name that does not resolve (no network, a typo) or a port that refuses the connection on
the crawl's very first request will not get better within a run: retrying it, and then every
other planned request the same way, took minutes of silence. Before any response has arrived,
such a failure closes the crawl at once (reason `unreachable`) with one clear line in the stats
(`iopdir/unreachable`), which `flows.crawl.run_crawl` reports and Prefect does not retry.

Once a response has arrived the network works, and a later failure is one page's problem: it
is retried as usual. Spiders that visit many unrelated sites (program_pages) turn this off with
`IOPDIR_FAIL_FAST = False`: their first site being gone says nothing about the others.
"""

import logging
from urllib.parse import urlparse

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectionRefusedError as TwistedRefused
from twisted.internet.error import DNSLookupError

from schemas.crawl_stats import UNREACHABLE

logger = logging.getLogger(__name__)

#: The close reason of a crawl stopped by this middleware.
REASON = "unreachable"
OFFLINE_HINT = "no network? use --replay DIR for the offline mirror"


def unreachable_message(request_url: str, error: BaseException) -> str | None:
    """One line saying why the host of `request_url` cannot be reached, or None for other errors."""
    parts = urlparse(request_url)
    if isinstance(error, (CannotResolveHostError, DNSLookupError)):
        return f"cannot resolve {parts.hostname} (DNS lookup failed): {OFFLINE_HINT}"
    if isinstance(error, (DownloadConnectionRefusedError, TwistedRefused)):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port} refused the connection (is the server down, or the address wrong?)"
    return None


class FailFastMiddleware:
    """Closes the crawl when its first request fails to resolve or connect (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("IOPDIR_FAIL_FAST", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FailFastMiddleware":
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        """Before any response: no retry, and the crawl closes; else leave the error to the retries."""
        stats = self.crawler.stats
        if not self.enabled or stats is None or stats.get_value("downloader/response_count", 0):
            return
        message = unreachable_message(request.url, exception)
        if message is None:
            return
        request.meta["dont_retry"] = True  # RetryMiddleware (550) sees the exception after this one
        if stats.get_value(UNREACHABLE) is None:
            stats.set_value(UNREACHABLE, message)
            logger.error("%s", message)
            engine = self.crawler.engine
            if engine is not None:
                # Requests already queued in the downloader fail at once too: no politeness delay
                # is owed to a host that cannot be reached, and closing waits for them.
                for slot in engine.downloader.slots.values():
                    slot.delay, slot.jitter = 0.0, 0.0
                deferred_from_coro(engine.close_spider_async(reason=REASON))
