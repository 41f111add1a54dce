"""Crawling provider sites one site at a time: seeds, shards, the replay manifest, caps, accounting.

`SiteCrawlSpider` starts at each seed site (`<PREFIX>_SEEDS`, one URL a line; when replaying, the
mirror's `<replay folder>/seeds.txt` by default) and follows only links that stay on the same site
and that `link_budget` sorts into a budget: at most `<PREFIX>_MAX_PER_SITE` pages a site for the
main budget, home page included, and the spider's own small budgets for other kinds (insurance
pages). robots.txt is obeyed (the project settings), so a disallowed page is never fetched.

Every request of a site is counted until its callback or errback has run (robots-refused,
offsite-redirected, 404 and failed requests all reach the errback; the spider's own `requested`
set deduplicates, so Scrapy's dupefilter never drops one silently): when a site's count reaches
zero, `site_finished` yields what the spider kept back for the site, e.g. items that need facts
from pages read after them. A subclass configures the source and implements `read_page`.

Replay: the mirror's `<replay folder>/manifest.json` maps each recorded URL to its file; any other
URL answers 404, as it would on a site without that page.

Sharding: `scrapy crawl NAME -a shard=I/N` (or the setting `<PREFIX>_SHARD="I/N"`, 1-based) crawls
only the seed sites whose stable hash of `site_of(url)` modulo N is I-1, so N workers split the
sites disjointly; links are followed within a site anyway. A sharded crawl covers part of the
sites and is marked a sample, so it never marks listings gone.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from schemas.crawl_stats import COMPLETE, EMPTY_OK, ERROR, NOTE, PAGES, SAMPLE, SOURCES, UNREAD_URLS, source_key
from spiders.fail_fast import OFFLINE_HINT, unreachable_message
from spiders.pages.html import PageTooDeepError, parse_page_html
from spiders.pages.text import collapse
from spiders.redirects import OffsiteRedirectError, site_of

#: The budget of the pages the crawl is for, capped by `<PREFIX>_MAX_PER_SITE`.
MAIN = "main"


def url_key(url: str) -> str:
    """A URL as the crawl compares them: host names are case-insensitive ("http://Turningpnt.org/")."""
    parts = urlparse(url)
    return parts._replace(netloc=parts.netloc.lower()).geturl()


def parse_shard(value: str, source: str = "program_pages") -> tuple[int, int]:
    """(I, N) of a shard written "I/N", 1 <= I <= N; a ValueError that names the value otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    index, count = (int(match[1]), int(match[2])) if match else (0, 0)
    if not 1 <= index <= count:
        raise ValueError(f"{source}: invalid shard {value!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return index, count


def shard_of(url: str, count: int) -> int:
    """The shard (1-based, of `count`) a URL's site belongs to.

    sha1 of the site key, not hash(): Python salts str hashes per process, and every worker must
    agree on the split.
    """
    digest = hashlib.sha1(site_of(url).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


class SiteCrawlSpider(scrapy.Spider):
    """Same-site crawl of seed sites with per-site budgets; subclasses read the pages."""

    source: ClassVar[str] = ""
    replay_folder: ClassVar[str] = ""
    #: Prefix of the spider's settings: <PREFIX>_SEEDS, <PREFIX>_SHARD, <PREFIX>_MAX_PER_SITE.
    settings_prefix: ClassVar[str] = ""
    #: Pages a site for budgets other than MAIN (their own small caps, so the main pages always fit).
    budgets: ClassVar[dict[str, int]] = {}
    #: One site's host being gone says nothing about the next site's (spiders/fail_fast.py).
    custom_settings: ClassVar[dict[str, Any]] = {"IOPDIR_FAIL_FAST": False}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_per_site: Counter[str] = Counter()
        self.budget_used: Counter[tuple[str, str]] = Counter()
        # URLs already requested: a link repeated on every page (site navigation) is one page of the cap, not many.
        self.requested: set[str] = set()
        # Requests of a site not yet answered (callback or errback still to run).
        self.outstanding: Counter[str] = Counter()
        # Sites a page of which failed or could not be read whole: what they said is partial.
        self.broken_sites: set[str] = set()
        # Seed sites that answered at all (a page, an HTTP error, a robots.txt refusal), and why others did not.
        self.seeds_reached = 0
        self.seed_failures: list[str] = []
        self._manifest: dict[str, str] | None = None

    # Hooks for subclasses.

    def link_budget(self, url: str, anchor: str) -> str | None:
        """The budget a same-site link is followed under (MAIN or a key of `budgets`), None to leave it."""
        return None

    def read_page(self, response: TextResponse, page: Selector) -> Iterator[Any]:
        """Items (or nothing, kept back for `site_finished`) of a page read whole."""
        return iter(())

    def site_finished(self, site: str) -> Iterator[Any]:
        """Items kept back for a site, once every request of the site has been answered."""
        return iter(())

    def kept_back(self) -> int:
        """How many items are still kept back (must be 0 when the spider closes)."""
        return 0

    # The crawl.

    def _replay_root(self) -> Path | None:
        root = self.settings.get("IOPDIR_REPLAY_DIR")
        return Path(root) / self.replay_folder if root else None

    def seeds(self) -> list[str]:
        """Seed URLs from the files of `<PREFIX>_SEEDS` (comma-separated), else the mirror's seeds.txt."""
        paths = [Path(p) for p in self.settings.getlist(f"{self.settings_prefix}_SEEDS")]
        root = self._replay_root()
        if not paths and root is not None:
            paths = [root / "seeds.txt"]
        seeds: list[str] = []
        for path in paths:
            if path.is_file():
                lines = path.read_text(encoding="utf-8").splitlines()
                seeds += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        return list(dict.fromkeys(seeds))

    def replay_path(self, url: str) -> str | None:
        """The mirror file of a recorded URL, from the mirror's manifest; None for any other URL."""
        if self._manifest is None:
            root = self._replay_root()
            manifest = root / "manifest.json" if root else None
            entries = json.loads(manifest.read_text(encoding="utf-8")) if manifest and manifest.is_file() else {}
            self._manifest = {url_key(u): f"{self.replay_folder}/{e['file']}" for u, e in entries.items()}
        return self._manifest.get(url_key(url))

    def selected_shard(self) -> tuple[int, int]:
        """(I, N) of the `shard` spider argument, else of `<PREFIX>_SHARD`; (1, 1) when neither is set."""
        # `-a shard=I/N` becomes the attribute `shard` (Scrapy sets spider arguments as attributes).
        value = getattr(self, "shard", None) or self.settings.get(f"{self.settings_prefix}_SHARD")
        return parse_shard(value, self.source) if value else (1, 1)

    def _request(self, url: str, site: str, seed: bool = False) -> scrapy.Request:
        self.requested.add(url_key(url))
        self.outstanding[site] += 1
        # dont_filter: `requested` deduplicates; a request the dupefilter dropped would never be answered.
        meta = {"site": site, "seed": seed}
        return scrapy.Request(url, self.parse_page, errback=self.page_failed, meta=meta, dont_filter=True)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request the home page of every seed site of this crawl's shard."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(SOURCES, [self.source])
        try:
            index, count = self.selected_shard()
        except ValueError as error:
            # Scrapy closes the spider with reason "start_error"; the stats say why.
            stats.set_value(source_key(self.source, COMPLETE), False)
            stats.set_value(source_key(self.source, ERROR), str(error))
            raise
        seeds = self.seeds()
        mine = [url for url in seeds if shard_of(url, count) == index]
        stats.set_value(source_key(self.source, "shard"), f"{index}/{count}")
        stats.set_value(source_key(self.source, "other_shards"), len(seeds) - len(mine))
        # A shard covers part of the sites, so its crawl cannot prove a listing gone.
        stats.set_value(source_key(self.source, SAMPLE), count > 1)
        # Complete unless a page fails; a seed list (or shard) that is empty is an empty source by design.
        stats.set_value(source_key(self.source, COMPLETE), True)
        stats.set_value(source_key(self.source, EMPTY_OK), not mine)
        stats.set_value(source_key(self.source, "seeds"), len(mine))
        if not seeds:
            stats.set_value(
                source_key(self.source, NOTE),
                f"no seed sites (set {self.settings_prefix}_SEEDS; a run seeds it with the other sources' websites)",
            )
        for url in mine:
            self.pages_per_site[site_of(url)] += 1
            yield self._request(url, site_of(url), seed=True)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Read the page (`read_page`), follow its links, and finish its site when it was the last request."""
        site = response.meta.get("site") or site_of(response.url)
        self.seeds_reached += bool(response.meta.get("seed"))
        if isinstance(response, TextResponse):
            yield from self._read(response)
        yield from self.answered(site)

    def _read(self, response: TextResponse) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(source_key(self.source, PAGES))
        try:
            page = parse_page_html(response.text)
        except PageTooDeepError as error:
            self.broken_sites.add(response.meta.get("site") or site_of(response.url))
            self.page_unreadable(response.url, str(error))
            return
        yield from self.read_page(response, page)
        yield from self.follow(response, page)

    def answered(self, site: str) -> Iterator[Any]:
        """One request of `site` answered; the site's kept-back items when it was the last one."""
        self.outstanding[site] -= 1
        if self.outstanding[site] <= 0:
            del self.outstanding[site]
            yield from self.site_finished(site)

    def follow(self, response: TextResponse, page: Selector | None = None) -> Iterator[scrapy.Request]:
        """Requests for same-site links `link_budget` accepts, within the site's caps."""
        site = site_of(response.url)
        stats = self.crawler.stats
        assert stats is not None
        cap = self.settings.getint(f"{self.settings_prefix}_MAX_PER_SITE", 12)
        for link in (page or response).xpath("//a[@href]"):
            url = response.urljoin(link.attrib["href"]).split("#")[0]
            if urlparse(url).scheme not in {"http", "https"} or site_of(url) != site:
                continue
            if url_key(url) in self.requested:
                continue
            budget = self.link_budget(url, collapse(link.xpath("string()").get() or ""))
            if budget is None:
                continue
            if budget == MAIN:
                if self.pages_per_site[site] >= cap:
                    stats.inc_value(source_key(self.source, "capped_links"))
                    continue
                self.pages_per_site[site] += 1
            else:
                if self.budget_used[site, budget] >= self.budgets.get(budget, 0):
                    stats.inc_value(source_key(self.source, f"capped_{budget}_links"))
                    continue
                self.budget_used[site, budget] += 1
            yield self._request(url, site)

    def page_unreadable(self, url: str, reason: str) -> None:
        """A page fetched but not readable whole: a page error, so the source is incomplete and nothing is retired.

        Its programs are unknown, not gone: the loader keeps every listing of an incomplete crawl.
        """
        stats = self.crawler.stats
        assert stats is not None
        self.logger.error("program page unreadable: %s: %s", url, reason)
        stats.inc_value(source_key(self.source, "unreadable_pages"))
        stats.set_value(source_key(self.source, COMPLETE), False)
        stats.set_value(source_key(self.source, ERROR), f"{reason} at {url}")

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        """A page that failed leaves the source incomplete; one we may not read makes the crawl partial.

        An HTTP error or a network failure is an error: the source is incomplete, with the reason;
        404 and 410 are answers, not errors.
        A page robots.txt forbids, or one that redirects to another site, is not ours to read:
        not an error, but its URL is recorded (`iopdir/source/<source>/unread_urls`): a listing
        read from that page before may still be there, we just cannot look, so the loader never
        marks it gone. Either way the request is answered, so its site may be finished.
        """
        request = failure.request  # type: ignore[attr-defined]
        self._record_failure(failure, request)
        yield from self.answered(request.meta.get("site") or site_of(request.url))

    def _record_failure(self, failure: Failure, request: scrapy.Request) -> None:
        stats = self.crawler.stats
        assert stats is not None
        response = getattr(failure.value, "response", None)
        if request.meta.get("seed"):
            if response is not None or isinstance(failure.value, IgnoreRequest):
                self.seeds_reached += 1
            else:
                self.seed_failures.append(unreachable_message(request.url, failure.value) or f"{failure.value!r}")
        if isinstance(failure.value, IgnoreRequest) and not isinstance(failure.value, HttpError):
            kind = "redirected_offsite" if isinstance(failure.value, OffsiteRedirectError) else "ignored"
            stats.inc_value(source_key(self.source, kind))
            urls = stats.get_value(source_key(self.source, UNREAD_URLS)) or []
            stats.set_value(source_key(self.source, UNREAD_URLS), sorted({*urls, request.url}))
            unread = {
                "robots.txt or another rule": stats.get_value(source_key(self.source, "ignored"), 0),
                "redirected to another site": stats.get_value(source_key(self.source, "redirected_offsite"), 0),
            }
            stats.set_value(
                source_key(self.source, NOTE),
                "pages not read: "
                + ", ".join(f"{why} {n}" for why, n in unread.items() if n)
                + "; their listings are kept as they were",
            )
            return
        if response is not None and response.status in (404, 410):
            # A definite answer, not a fault: the page is not there (a broken link, a removed
            # program). Its listing, if it had one, is gone, and a complete crawl may say so.
            stats.inc_value(source_key(self.source, "not_found"))
            return
        reason = f"HTTP {response.status} for {request.url}" if response is not None else f"{failure.value!r}"
        self.broken_sites.add(request.meta.get("site") or site_of(request.url))
        self.logger.error("program page failed: %s", reason)
        stats.set_value(source_key(self.source, COMPLETE), False)
        stats.set_value(source_key(self.source, ERROR), reason)

    def closed(self, reason: str) -> None:
        """Safety nets: a crawl that reached none of its seed sites failed, whatever else it says;
        items still kept back at the end are a bug. Either way the source is then incomplete."""
        if self.seed_failures and not self.seeds_reached:
            stats = self.crawler.stats
            assert stats is not None
            hint = next((f for f in self.seed_failures if OFFLINE_HINT in f), self.seed_failures[0])
            message = f"reached none of its {len(self.seed_failures)} seed sites; first: {hint}"
            self.logger.error("%s: %s", self.source, message)
            stats.set_value(source_key(self.source, COMPLETE), False)
            stats.set_value(source_key(self.source, ERROR), message)
        if left := self.kept_back():
            stats = self.crawler.stats
            assert stats is not None
            message = f"{left} items kept back for sites whose crawl never finished ({sorted(self.outstanding)[:5]})"
            self.logger.error("%s", message)
            stats.set_value(source_key(self.source, COMPLETE), False)
            stats.set_value(source_key(self.source, ERROR), message)
