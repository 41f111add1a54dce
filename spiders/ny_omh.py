"""New York State OMH "Local Mental Health Programs" (data.ny.gov Socrata dataset 6nvr-tbv8).

One CSV row per program of an agency licensed or funded by the Office of Mental Health. Live, the
spider pages the Socrata API (`$limit`/`$offset`, ordered by the row id `:id` so pages neither
overlap nor skip rows) and stops at the first page with fewer than `$limit` rows. Replay answers
the first page with the recorded full export, so with the default page size the whole file is
page 1 and the crawl ends there.

Settings: `NY_OMH_BASE_URL` (the resource endpoint) and `NY_OMH_PAGE_SIZE` (rows per page), so a
test can point the spider at a local server with small pages.
"""

import csv
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlparse

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from schemas.crawl_stats import COMPLETE, ERROR, PAGES, SOURCES, source_key
from schemas.raw_ny_omh import REQUIRED_COLUMNS, column_key
from spiders.tabular import TabularFileSpider, read_tables

SOURCE = "ny_omh"
RECORD_TYPE = "ny_omh_program"
DATASET = "6nvr-tbv8"
DEFAULT_BASE_URL = f"https://data.ny.gov/resource/{DATASET}.csv"
#: Socrata serves up to 50,000 rows per request; the whole dataset (~5,500 rows) is one page.
DEFAULT_PAGE_SIZE = 50_000


class NyOmhSpider(TabularFileSpider):
    """Local Mental Health Programs, paged from the Socrata API; one raw record per program row."""

    name = "ny_omh"
    files: ClassVar[dict[str, str]] = {SOURCE: DEFAULT_BASE_URL}
    replay_folder = "ny-omh-programs"
    #: The recorded full export in the replay folder; it stands for the first page.
    replay_file: ClassVar[str] = "Local_Mental_Health_Programs_2022-05.csv"
    sheets: ClassVar[dict[str, str]] = {DATASET: RECORD_TYPE}

    base_url: str = DEFAULT_BASE_URL
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Read the endpoint and page size from the settings; allow only the endpoint's host."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = (
            crawler.settings.get("NY_OMH_BASE_URL")
            or crawler.settings.getdict("IOPDIR_SOURCE_URLS").get(SOURCE)
            or DEFAULT_BASE_URL
        )
        spider.page_size = crawler.settings.getint("NY_OMH_PAGE_SIZE", DEFAULT_PAGE_SIZE)
        if spider.page_size < 1:
            raise ValueError(f"NY_OMH_PAGE_SIZE must be at least 1, not {spider.page_size}")
        spider.allowed_domains = [urlparse(spider.base_url).hostname or ""]
        return spider

    def page_url(self, offset: int) -> str:
        """URL of the page of rows starting at `offset`."""
        return f"{self.base_url}?$limit={self.page_size}&$offset={offset}&$order=:id"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request the first page; the source is complete only once the last page is read."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(SOURCES, [SOURCE])
        stats.set_value(source_key(SOURCE, COMPLETE), False)
        yield self._page_request(0)

    def _page_request(self, offset: int) -> scrapy.Request:
        return scrapy.Request(
            self.page_url(offset),
            callback=self.parse_page,
            errback=self.file_failed,
            cb_kwargs={"source": SOURCE, "offset": offset},
        )

    def replay_path(self, url: str) -> str | None:
        """The recorded export for the first page, robots.txt by name; later pages have no file (404)."""
        parts = urlparse(url)
        name = PurePosixPath(parts.path).name
        if name == "robots.txt":
            return f"{self.replay_folder}/robots.txt"
        offset = parse_qs(parts.query).get("$offset", ["0"])[0]
        if name == f"{DATASET}.csv" and offset == "0":
            return f"{self.replay_folder}/{self.replay_file}"
        return None

    def _fail(self, source: str, message: str) -> None:
        self.logger.error("%s: %s", source, message)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(source_key(source, ERROR), message)

    def parse_page(self, response: Response, source: str, offset: int) -> Iterator[Any]:
        """Yield the page's rows as raw records, then the next page's request or the source's completion."""
        stats = self.crawler.stats
        assert stats is not None
        file_name = PurePosixPath(urlparse(response.url).path).name
        fetched_at = datetime.now(UTC).isoformat()
        try:
            sheet, rows = next(read_tables(response.body, file_name), (DATASET, []))
        except UnicodeDecodeError as error:
            self._fail(source, f"page at offset {offset} is not a UTF-8 CSV file: {error}")
            return
        except csv.Error as error:
            self._fail(source, f"page at offset {offset} is not a CSV file that can be read: {error}")
            return
        if not rows:
            # Socrata answers a page past the end with the header alone; an empty first page is no dataset.
            if offset == 0:
                self._fail(source, f"the first page is empty: {response.url}")
                return
            stats.set_value(source_key(source, COMPLETE), True)
            return
        missing = REQUIRED_COLUMNS - {column_key(name) for name in rows[0]}
        if missing:
            # A page without the program columns is a changed format (or an error page), not data.
            self._fail(source, f"columns not found at offset {offset}: {sorted(missing)}")
            return
        count = len(rows) - 1
        if count > self.page_size:
            # The server ignored $limit; paging on would deliver the same rows again.
            self._fail(source, f"page at offset {offset} has {count} rows, more than $limit={self.page_size}")
            return
        stats.inc_value(source_key(source, PAGES))
        yield from self.table_items(
            response, source, file_name, fetched_at, sheet, rows, self.sheets[DATASET], first_number=offset + 2
        )
        if count == self.page_size:
            yield self._page_request(offset + self.page_size)
        else:
            stats.set_value(source_key(source, COMPLETE), True)
