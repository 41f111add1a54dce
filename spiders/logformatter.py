"""Log formatting of our crawls: no per-item record unless someone asked for debug output.

Scrapy builds a DEBUG "Scraped from ..." log record for every item, and only then does the
handler's INFO level drop it; on a national directory that was a second of the crawl for lines
nobody sees. Run with LOG_LEVEL=DEBUG and they are logged as usual.
"""

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter, LogFormatterResult


class QuietItemsLogFormatter(LogFormatter):
    """Scrapy's log formatter, without the per-item "Scraped from" record below DEBUG."""

    def __init__(self, log_items: bool = False) -> None:
        super().__init__()
        self.log_items = log_items

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Log items only when the crawl logs at DEBUG level."""
        level = crawler.settings.get("LOG_LEVEL")
        debug = (level if isinstance(level, int) else logging.getLevelName(str(level).upper())) == logging.DEBUG
        return cls(log_items=debug)

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult | None:  # type: ignore[override]
        """The item's log record, or None (not logged) unless logging at DEBUG level."""
        return super().scraped(item, response, spider) if self.log_items else None
