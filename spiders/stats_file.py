"""Write a crawl's Scrapy stats to a JSON file, so the flow can check how the crawl ended."""

import json
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class StatsFile:
    """Extension dumping `crawler.stats` to `IOPDIR_STATS_FILE` when the spider closes."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StatsFile":
        """Enable the extension only when a stats file is configured."""
        path = crawler.settings.get("IOPDIR_STATS_FILE")
        if not path:
            raise NotConfigured("no stats file")
        ext = cls(crawler, Path(path))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Write the stats (the close reason included) atomically."""
        stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        stats["finish_reason"] = reason
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
