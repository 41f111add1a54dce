"""Base spider for sources published as whole files: spreadsheets (XLSX) or CSV.

A subclass is configuration: which files to fetch (one per source), the folder that mirrors them
for replay, and which sheets hold which record type. Every data row becomes one `RawRecord`,
with cells as text exactly as the file gives them.
"""

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath
from typing import Any, ClassVar, Self
from urllib.parse import urlparse

import scrapy
from python_calamine import CalamineWorkbook
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from schemas.crawl_stats import COMPLETE, ERROR, RECORDS, SOURCES, source_key
from schemas.raw import FIELD_MODELS, RawRecord, missing_columns


def failure_text(failure: Failure) -> str:
    """A failure as one line for the run record: its type and message (its doc when it has none)."""
    detail = failure.getErrorMessage() or (failure.type.__doc__ or "").strip().splitlines()[0]
    return f"{failure.type.__name__}: {detail}"


def cell_text(value: Any) -> str:
    """Render a spreadsheet cell as the text a person sees in it."""
    if type(value) is str:  # nearly every cell, of some 280,000 in a national directory
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def allow_cells_as_long_as(chars: int) -> None:
    """Raise Python's CSV cell limit (`csv.field_size_limit`, 131,072 by default) to `chars`; never lower it.

    Over the limit the reader raises and the whole file is lost for one cell. A cell is no longer
    than the file, already in memory, so allowing that costs nothing; the raw model then rejects the
    one row whose cell is over `schemas.raw.MAX_FIELD_CHARS`, naming the column. (The limit is the
    csv module's, for the whole process: there is no per-reader one.)
    """
    if chars > csv.field_size_limit():
        csv.field_size_limit(chars)


def read_tables(body: bytes, file_name: str) -> Iterator[tuple[str, list[list[str]]]]:
    """Yield (sheet name, rows of cell text) for an XLSX/XLS/ODS workbook or a CSV file."""
    if file_name.lower().endswith((".csv", ".txt")):
        text = body.decode("utf-8-sig")
        allow_cells_as_long_as(len(text))
        yield PurePosixPath(file_name).stem, [list(r) for r in csv.reader(io.StringIO(text))]
        return
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        yield name, [[cell_text(c) for c in row] for row in rows]


class TabularFileSpider(scrapy.Spider):
    """Fetch one file per source and yield one raw record per data row."""

    #: source name -> URL of the file that source is published as.
    files: ClassVar[Mapping[str, str]] = {}
    #: folder of the replay mirror (below IOPDIR_REPLAY_DIR) holding those files by name.
    replay_folder: ClassVar[str] = ""
    #: sheet name -> record type; sheets not named here are not read.
    sheets: ClassVar[Mapping[str, str]] = {}
    # A file's callback yields only items, tens of thousands of them; these spider middlewares
    # only ever act on requests, yet each item passed through every one of them.
    custom_settings: ClassVar[dict[str, Any]] = {
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        }
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Apply `IOPDIR_SOURCE_URLS` (source -> URL, e.g. a mirror): fetch those files there instead."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        overrides = crawler.settings.getdict("IOPDIR_SOURCE_URLS")
        unknown = sorted(set(overrides) - set(cls.files))
        if unknown:
            raise ValueError(f"IOPDIR_SOURCE_URLS names sources this spider does not have: {unknown}")
        if overrides:
            spider.files = {**cls.files, **{s: str(u) for s, u in overrides.items()}}
            hosts = [urlparse(u).hostname or "" for u in spider.files.values()]
            spider.allowed_domains = sorted({*getattr(cls, "allowed_domains", []), *hosts})
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request every source's file; record which sources this crawl covers."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(SOURCES, sorted(self.files))
        for source, url in self.files.items():
            stats.set_value(source_key(source, COMPLETE), False)
            yield scrapy.Request(url, callback=self.parse_file, errback=self.file_failed, cb_kwargs={"source": source})

    def replay_path(self, url: str) -> str | None:
        """Path of a URL's file in the replay mirror: the mirror folder plus the file's name."""
        name = PurePosixPath(urlparse(url).path).name
        return f"{self.replay_folder}/{name}" if name else None

    def parse_file(self, response: Response, source: str) -> Iterator[dict[str, Any]]:
        """Read every wanted sheet of the file; mark the source complete only at the end."""
        stats = self.crawler.stats
        assert stats is not None
        file_name = PurePosixPath(urlparse(response.url).path).name
        fetched_at = datetime.now(UTC).isoformat()
        found = set()
        try:
            # Read every sheet before yielding a row: a file that breaks half-way (truncated,
            # an error page instead of a workbook) must not leave half a source behind.
            tables = list(read_tables(response.body, file_name))
        except Exception as error:  # calamine and csv raise many types for a damaged file
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or "no content type"
            message = f"could not read {file_name} ({content_type}, {len(response.body)} bytes): {error}"
            self.logger.error("%s: %s", source, message)
            stats.set_value(source_key(source, ERROR), message)
            return
        if message := self.header_problem(tables, file_name):
            # A header without the columns its rows need is a changed format: every row would be
            # rejected and the source read as empty. The source fails, its listings stay.
            self.logger.error("%s: %s", source, message)
            stats.set_value(source_key(source, ERROR), message)
            return
        for sheet, rows in tables:
            record_type = self.sheets.get(sheet)
            if record_type is None or not rows:
                continue
            found.add(sheet)
            yield from self.table_items(response, source, file_name, fetched_at, sheet, rows, record_type)
        missing = set(self.sheets) - found
        if missing:
            # A workbook without its sheets is a changed format, not an empty directory.
            self.logger.error("%s: sheets %s not found in %s", source, sorted(missing), file_name)
            stats.set_value(source_key(source, ERROR), f"sheets not found: {sorted(missing)}")
            return
        stats.set_value(source_key(source, COMPLETE), True)

    def header_problem(self, tables: list[tuple[str, list[list[str]]]], file_name: str) -> str:
        """What the wanted sheets' headers lack of the columns their record type's model requires ("" if nothing)."""
        problems = []
        for sheet, rows in tables:
            model = FIELD_MODELS.get(self.sheets.get(sheet, ""))
            missing = missing_columns(model, rows[0]) if model is not None and rows else []
            if missing:
                problems.append(f"sheet {sheet!r} lacks required column(s) {', '.join(missing)}")
        return f"{file_name}: {'; '.join(problems)}" if problems else ""

    def table_items(
        self,
        response: Response,
        source: str,
        file_name: str,
        fetched_at: str,
        sheet: str,
        rows: list[list[str]],
        record_type: str,
        first_number: int = 2,
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of one table: `rows[0]` is the header, data rows are numbered from `first_number`.

        The number is the row's place in the sheet (the header is row 1), so a record id such as
        `Facilities List!5396` finds the row again; a source served in pages passes the page's offset.
        """
        stats = self.crawler.stats
        assert stats is not None
        header = rows[0]
        for number, row in enumerate(rows[1:], start=first_number):
            if not any(cell.strip() for cell in row):
                stats.inc_value(source_key(source, "blank_rows"))
                continue
            fields = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
            # Built, not validated: normalization validates every record it reads (and rejects a
            # bad row with its reason), so checking here too cost a tenth of the crawl, and a
            # bad cell would have stopped the whole file instead of one row.
            record = RawRecord.model_construct(
                record_type=record_type,
                source=source,
                source_url=response.url,
                source_file=file_name,
                record_id=f"{sheet}!{number}",
                fetched_at=fetched_at,
                fields=fields,
            )
            for item in self.parse_row(record, response):
                stats.inc_value(source_key(source, RECORDS, item["record_type"]))
                yield item

    def parse_row(self, record: RawRecord, response: Response) -> Iterable[dict[str, Any]]:
        """Hook: turn one row into items. The default yields the raw record unchanged."""
        yield record.model_dump()

    def file_failed(self, failure: Failure) -> None:
        """Record why a source's file could not be fetched; the source stays incomplete."""
        request = failure.request  # type: ignore[attr-defined]
        source = request.cb_kwargs.get("source", "?")
        response = getattr(failure.value, "response", None)
        message = f"HTTP {response.status} for {response.url}" if response is not None else failure_text(failure)
        self.logger.error("%s: could not fetch %s: %s", source, request.url, message)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(source_key(source, ERROR), message)
