"""SAMHSA's FindTreatment.gov locator, read through its JSON API.

Source `findtreatment`, record type `findtreatment_facility`: one raw record per facility row,
with every key of the row as given (`services` as JSON text, `f1`/`f2`/`f3` untouched).

The crawl follows a *query plan*, chosen with the `FINDTREATMENT_PLAN` setting:

- `live`: one query per state (`FINDTREATMENT_STATES`) against
  `FINDTREATMENT_BASE_URL` + `FINDTREATMENT_ENDPOINT` (`/locator/exportsAsJson/v2`), paged with
  `pageSize` = `FINDTREATMENT_PAGE_SIZE` (at most 2000). Page 1 of a state says how many pages
  there are (`totalPages`); the spider then asks for every other page. The plan is complete only
  when every page of every state arrived, each page said it was the page asked for, and each
  state delivered as many rows as its `recordCount`. A mirror of such a crawl (for replay) keeps
  page n of state XX at `FINDTREATMENT_REPLAY_FOLDER/XX/page-n.json`.
- `recorded`: a fixed list of recorded responses (`FINDTREATMENT_RECORDED`: name -> url and
  replay file), each taken as final: the plan is exactly those responses, and no further page is
  asked for even where a response reports more. This is what the shared mirror in
  `../shared/data` holds: page 1 (of 765) of a 2019 `/locator/listing` query near Charlottesville,
  VA, and a flattened republication of a 2025 v2 export of California residential facilities.
  "Complete" then means "every recorded response was read", never "the whole locator": the
  stats say so (`iopdir/source/findtreatment/plan` = `recorded`, and for each query the
  `total_pages`/`record_count` it reported next to the pages and rows actually read).
- `auto` (default): `recorded` when replaying (`IOPDIR_REPLAY_DIR` set), `live` otherwise. A
  replay can only answer what was recorded, and the shared mirror records no state query.

Three row shapes are parsed whatever the plan: the 2019 listing (`{page, totalPages,
recordCount, rows}`, rows with `frid`, `typeFacility`), the v2 export (same envelope,
`type_facility`), and the flattened republication (a bare JSON list of rows with `name` and
`all_services`).

State ids: the v2 API selects a state with `limitType=0&limitValue=<id>`, where the id is the
locator's own number, not a FIPS code. `FINDTREATMENT_STATE_IDS` holds the ids as observed by a
third-party probe of the API (2026); they are not documented by SAMHSA, so every row's state is
compared with the state asked for and mismatches are counted
(`iopdir/source/findtreatment/state_mismatch`).
"""

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import urlencode, urlparse

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from schemas.crawl_stats import COMPLETE, ERROR, PAGES, RECORDS, SAMPLE, SOURCES, source_key
from schemas.raw import RawRecord
from spiders.tabular import failure_text

SOURCE = "findtreatment"
RECORD_TYPE = "findtreatment_facility"
MAX_PAGE_SIZE = 2000

#: limitValue of each state for `limitType=0` (the locator's own numbering; see the module docstring).
STATE_IDS: Mapping[str, int] = {
    "ME": 1, "MI": 2, "MA": 3, "MT": 4, "NY": 5, "NC": 6, "OH": 7, "PA": 8, "RI": 9, "TN": 10,
    "TX": 11, "NV": 12, "NJ": 13, "UT": 14, "WA": 15, "WI": 16, "MD": 18, "AL": 19, "AK": 20,
    "AZ": 21, "AR": 22, "CA": 23, "CO": 24, "CT": 25, "DE": 26, "DC": 27, "FL": 28, "GA": 29,
    "HI": 30, "ID": 31, "IL": 32, "IN": 33, "IA": 34, "KS": 35, "KY": 36, "LA": 37, "MN": 38,
    "MS": 39, "MO": 40, "NE": 41, "NH": 42, "NM": 43, "ND": 44, "OK": 45, "OR": 46, "SC": 47,
    "SD": 48, "VT": 49, "VA": 50, "WV": 51, "WY": 52,
}  # fmt: skip

#: The recorded responses of the shared mirror. The URLs are where each recording was published.
RECORDED_QUERIES: Mapping[str, Mapping[str, str]] = {
    # The locator's 2019 response as saved in FindTreatment.gov's own repository (converted to JSON).
    "listing-2019-charlottesville-va": {
        "url": "https://github.com/CBHSQ/findtreatment/blob/1154296cf6534b48a86c6e77d1a9ebef5b7426dd/src/utils/_DATA.js",
        "replay_file": "cbhsq-findtreatment/locator_listing_sample_charlottesville_2019.json",
    },
    # A 2025 v2 export (sType=sa, residential, CA), flattened by a third-party project.
    "export-v2-2025-ca-residential": {
        "url": "https://raw.githubusercontent.com/hackingco/soberlivings-finder/"
        "85bc6512152d86a3d199b3acd612b7da649cb6f3/data/residential_facilities.json",
        "replay_file": "soberlivings-finder/residential_facilities.json",
    },
}

#: Query parameters of every live request besides the state, the page and the page size.
DEFAULT_QUERY: Mapping[str, str] = {"sType": "both", "sAddr": "0,0", "limitType": "0", "sort": "0"}


def field_text(value: Any) -> str | None:
    """A row value as raw-record text: strings as given, None kept, anything else as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class FindTreatmentSpider(scrapy.Spider):
    """Every facility of the FindTreatment.gov locator, state by state and page by page."""

    name = "findtreatment"
    #: Defaults of the spider's settings; `-s NAME=VALUE` (or a project setting) overrides each.
    defaults: ClassVar[dict[str, Any]] = {
        "FINDTREATMENT_PLAN": "auto",
        "FINDTREATMENT_BASE_URL": "https://findtreatment.gov",
        "FINDTREATMENT_ENDPOINT": "/locator/exportsAsJson/v2",
        "FINDTREATMENT_PAGE_SIZE": MAX_PAGE_SIZE,
        "FINDTREATMENT_STATES": list(STATE_IDS),
        "FINDTREATMENT_STATE_IDS": dict(STATE_IDS),
        "FINDTREATMENT_QUERY": dict(DEFAULT_QUERY),
        "FINDTREATMENT_RECORDED": {k: dict(v) for k, v in RECORDED_QUERIES.items()},
        "FINDTREATMENT_REPLAY_FOLDER": "findtreatment",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replay_files: dict[str, str] = {}  # URL -> file in the replay mirror
        self.planned: set[tuple[str, int]] = set()  # (query, page) the plan asks for
        self.arrived: set[tuple[str, int]] = set()
        self.rows_read: dict[str, int] = {}
        self.record_counts: dict[str, int] = {}
        self.errors: list[str] = []
        self.plan = "live"

    # -- the plan ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request page 1 of every query of the plan; record which plan this crawl follows."""
        stats = self.crawler.stats
        assert stats is not None
        plan = str(self.setting("FINDTREATMENT_PLAN"))
        if plan == "auto":
            plan = "recorded" if self.crawler.settings.get("IOPDIR_REPLAY_DIR") else "live"
        if plan not in ("live", "recorded"):
            raise ValueError(f"FINDTREATMENT_PLAN must be auto, live or recorded, not {plan!r}")
        self.plan = plan
        stats.set_value(SOURCES, [SOURCE])
        stats.set_value(source_key(SOURCE, COMPLETE), False)
        stats.set_value(source_key(SOURCE, "plan"), plan)
        # A recorded plan reads a sample of the locator: complete as a crawl, but it cannot prove
        # that a listing it does not contain is gone.
        stats.set_value(source_key(SOURCE, SAMPLE), plan == "recorded")
        requests = list(self._recorded_requests() if plan == "recorded" else self._state_requests(1))
        if not requests:
            self._fail("the query plan is empty")
        for request in requests:
            yield request

    def _state_requests(self, page: int, states: list[str] | None = None) -> Iterator[scrapy.Request]:
        ids = self.setting("FINDTREATMENT_STATE_IDS")
        for state in states or [s.strip().upper() for s in self.setting("FINDTREATMENT_STATES") if s.strip()]:
            if state not in ids:
                self._fail(f"no locator id for state {state!r} (FINDTREATMENT_STATE_IDS)")
                continue
            yield self._request(state, page, self.state_url(state, page), f"{state}/page-{page}.json")

    def _recorded_requests(self) -> Iterator[scrapy.Request]:
        for query, spec in sorted(self.setting("FINDTREATMENT_RECORDED").items()):
            yield self._request(query, 1, spec["url"], spec["replay_file"], folder=False)

    def state_url(self, state: str, page: int) -> str:
        """URL of one page of the live query for a state."""
        size = max(1, min(int(self.setting("FINDTREATMENT_PAGE_SIZE")), MAX_PAGE_SIZE))
        params = {
            **self.setting("FINDTREATMENT_QUERY"),
            "limitValue": str(self.setting("FINDTREATMENT_STATE_IDS")[state]),
            "pageSize": str(size),
            "page": str(page),
        }
        base = str(self.setting("FINDTREATMENT_BASE_URL")).rstrip("/")
        return f"{base}{self.setting('FINDTREATMENT_ENDPOINT')}?{urlencode(params)}"

    def setting(self, name: str) -> Any:
        """A FINDTREATMENT_* setting, typed like its default (lists and dicts accept JSON or commas)."""
        default = self.defaults[name]
        settings = self.crawler.settings
        if name not in settings:
            return default
        if isinstance(default, dict):
            return settings.getdict(name)
        if isinstance(default, list):
            return settings.getlist(name)
        return settings.get(name)

    def _request(self, query: str, page: int, url: str, replay_file: str, folder: bool = True) -> scrapy.Request:
        if folder:
            replay_file = f"{self.setting('FINDTREATMENT_REPLAY_FOLDER')}/{replay_file}"
        self.replay_files[url] = replay_file
        self.planned.add((query, page))
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.page_failed, cb_kwargs={"query": query, "page": page}
        )

    def replay_path(self, url: str) -> str | None:
        """File of a planned request in the replay mirror; None (a 404) for anything else."""
        return self.replay_files.get(url)

    # -- responses --------------------------------------------------------------------------

    def parse_page(self, response: Response, query: str, page: int) -> Iterator[dict[str, Any]]:
        """Yield a raw record per row of one page; plan the remaining pages from page 1."""
        stats = self.crawler.stats
        assert stats is not None
        try:
            body = json.loads(response.body)
        except ValueError as error:
            self._fail(f"{query} page {page}: not JSON ({error})")
            return
        if isinstance(body, list):  # the flattened republication: rows only, no paging
            rows, reported_page, total_pages, record_count = body, 1, 1, len(body)
        elif isinstance(body, dict) and isinstance(body.get("rows"), list):
            rows = body["rows"]
            reported_page = body.get("page", page)
            total_pages, record_count = body.get("totalPages"), body.get("recordCount")
        else:
            self._fail(f"{query} page {page}: no rows in the response (format changed?)")
            return
        if str(reported_page) != str(page):
            # A server that ignores `page` would hand out page 1 again and again.
            self._fail(f"{query}: asked for page {page}, got page {reported_page}")
            return
        if page == 1:
            stats.set_value(source_key(SOURCE, "query", query, "total_pages"), total_pages)
            stats.set_value(source_key(SOURCE, "query", query, "record_count"), record_count)
            if isinstance(record_count, int):
                self.record_counts[query] = record_count
            if self.plan == "live" and isinstance(total_pages, int):
                for later in range(2, total_pages + 1):
                    yield from self._state_requests(later, [query])
        fetched_at = datetime.now(UTC).isoformat()
        path = PurePosixPath(urlparse(response.url).path)
        # A file keeps its name; an API endpoint is named by its path ("locator/exportsAsJson/v2").
        source_file = path.name if "." in path.name else str(path).strip("/") or response.url
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                self._fail(f"{query} page {page}: row {number} is not an object")
                continue
            if self.plan == "live" and str(row.get("state") or "").strip().upper() != query:
                stats.inc_value(source_key(SOURCE, "state_mismatch"))
            frid = row.get("frid")
            record = RawRecord(
                record_type=RECORD_TYPE,
                source=SOURCE,
                source_url=response.url,
                source_file=source_file,
                record_id=str(frid) if frid else f"{query} page {page} row {number}",
                fetched_at=fetched_at,
                fields={str(k): field_text(v) for k, v in row.items()},
            )
            stats.inc_value(source_key(SOURCE, RECORDS, RECORD_TYPE))
            yield record.model_dump()
        self.rows_read[query] = self.rows_read.get(query, 0) + len(rows)
        self.arrived.add((query, page))
        stats.inc_value(source_key(SOURCE, PAGES))
        stats.set_value(source_key(SOURCE, "query", query, "rows"), self.rows_read[query])
        self._check_complete()

    def _check_complete(self) -> None:
        """Mark the source complete once every planned page arrived and the counts agree."""
        if self.errors or self.arrived != self.planned:
            return
        if self.plan == "live":
            short = {
                q: (self.rows_read.get(q, 0), n) for q, n in self.record_counts.items() if self.rows_read.get(q) != n
            }
            if short:
                self._fail("; ".join(f"{q}: {got} rows of {n} reported" for q, (got, n) in sorted(short.items())))
                return
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(source_key(SOURCE, COMPLETE), True)

    def page_failed(self, failure: Failure) -> None:
        """Record why a page could not be fetched; the source stays incomplete."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        if response is not None:
            message = f"HTTP {response.status} for {response.url}"
        else:
            message = f"{failure_text(failure)} for {request.url}"
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.logger.error("%s: %s", SOURCE, message)
        self.errors.append(message)
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(source_key(SOURCE, COMPLETE), False)
        stats.set_value(source_key(SOURCE, ERROR), "; ".join(self.errors[:5]))
