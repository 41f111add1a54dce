"""Providers' own program pages: the schedule text a directory does not carry.

Starts at each site of the seed files (`PROGRAM_PAGES_SEEDS`, one URL a line; the refresh flow
writes one from the websites of the listings already in the database; when replaying, the
mirror's `program-pages-replay/seeds.txt` by default) and follows only links that stay on the
same site and whose URL or anchor text points at an IOP, PHP, day-treatment or schedule page, at
most `PROGRAM_PAGES_MAX_PER_SITE` pages a site. robots.txt is obeyed (the project settings), so a
disallowed page is never fetched.

On every page, each section whose heading names a level of care (`schemas.level_names`) is one
program: one item with the program's name, the level its heading names, the section's text (the
schedule text for the hours engine) and the page's schema.org JSON-LD, if any. A page describing
an IOP and a PHP gives two items; about, careers or blog pages give none.

Replay: the mirror's `program-pages-replay/manifest.json` maps each recorded URL to its file;
any other URL answers 404, as it would on a site without that page.

Sharding: `scrapy crawl program_pages -a shard=I/N` (or the setting `PROGRAM_PAGES_SHARD="I/N"`,
1-based) crawls only the seed sites whose stable hash of `site_of(url)` modulo N is I-1, so N
workers split the sites disjointly; links are followed within a site anyway. A sharded crawl
covers part of the sites and is marked a sample, so it never marks listings gone.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import lxml.html
import scrapy
from lxml import etree
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from schemas.crawl_stats import (
    COMPLETE,
    EMPTY_OK,
    ERROR,
    NOTE,
    PAGES,
    RECORDS,
    SAMPLE,
    SOURCES,
    UNREAD_URLS,
    source_key,
)
from schemas.level_names import LEVEL_NAMES
from schemas.raw import RawRecord
from spiders.redirects import OffsiteRedirectError, site_of

SOURCE = "program_pages"
RECORD_TYPE = "program_section"
REPLAY_FOLDER = "program-pages-replay"
# Where programs and schedules are described: link URLs or anchor texts with these words.
RELEVANT_LINK = re.compile(
    r"\b(?:iops?|phps?|intensive[- ]outpatient|partial[- ]hospitali[sz]ation|partial[- ]hospital|day[- ]treatment"
    r"|day[- ]program|programs?|schedules?|hours)\b|iop|php",
    re.IGNORECASE,
)
_BLOCKS = "self::p or self::li or self::td or self::dd or self::blockquote or self::pre"
_HEADINGS = "self::h1 or self::h2 or self::h3 or self::h4"
_SPACE = re.compile(r"\s+")


def _text(node: Selector) -> str:
    return _SPACE.sub(" ", " ".join(node.xpath(".//text()").getall())).strip()


def _url_key(url: str) -> str:
    # Host names are case-insensitive ("http://Turningpnt.org/" is requested as turningpnt.org).
    parts = urlparse(url)
    return parts._replace(netloc=parts.netloc.lower()).geturl()


def parse_shard(value: str) -> tuple[int, int]:
    """(I, N) of a shard written "I/N", 1 <= I <= N; a ValueError that names the value otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    index, count = (int(match[1]), int(match[2])) if match else (0, 0)
    if not 1 <= index <= count:
        raise ValueError(f"{SOURCE}: invalid shard {value!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return index, count


def shard_of(url: str, count: int) -> int:
    """The shard (1-based, of `count`) a URL's site belongs to.

    sha1 of the site key, not hash(): Python salts str hashes per process, and every worker must
    agree on the split.
    """
    digest = hashlib.sha1(site_of(url).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


class PageTooDeepError(ValueError):
    """A page the HTML parser could not read whole (nested deeper than it goes): what it dropped is unknown."""


def _gave_up(error: etree._LogEntry) -> bool:
    # libxml2 stops descending at 2,048 levels even with huge_tree, and with recover=True drops the
    # rest of the page without raising: only its error log says so.
    return error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT or "Excessive depth" in error.message


def parse_page_html(html: str) -> Selector:
    """The page parsed as `Selector(text=html)` parses it; `PageTooDeepError` when the parser read only part of it."""
    parser = lxml.html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = html.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=parser)
    if problem := next((e for e in parser.error_log if _gave_up(e)), None):
        raise PageTooDeepError(f"page too deep to parse (line {problem.line}): {problem.message}")
    if root is None:  # only markup the parser drops (a comment alone): an empty page
        root = etree.fromstring(b"<html/>", parser=parser)
    return Selector(root=root, type="html")


def program_sections(html: str) -> list[tuple[str, str, str]]:
    """(heading, level named by the heading, text) of every section of a page about one program.

    A section runs from a heading to the next heading of the same or a higher rank. Headings that
    name no level (About us, Careers) start no program; nested repeats of the same heading (a page
    title over a section of the same name) count once. Raises `PageTooDeepError` for a page the
    parser cannot read whole: its programs would otherwise vanish without a word.
    """
    page = parse_page_html(html)
    root = page.xpath("//main") or page.xpath("//body")
    nodes = root.xpath(f".//*[{_HEADINGS} or {_BLOCKS}]") if root else []
    sections: list[tuple[str, str, str]] = []
    current: tuple[str, int, str] | None = None
    texts: list[str] = []

    def close() -> None:
        if current is not None and texts:
            sections.append((current[0], current[2], " ".join(texts)))

    for node in nodes:
        tag = node.xpath("name()").get() or ""
        text = _text(node)
        if not text:
            continue
        if tag.startswith("h"):
            rank = int(tag[1])
            level = next((m.lastgroup for m in LEVEL_NAMES.finditer(text.lower()) if m.lastgroup), None)
            if current is not None and current[0] == text and not texts:
                continue  # the page title repeated as the section heading
            if current is None or rank <= current[1] or level:
                close()
                texts = []
                current = (text, rank, level) if level else None
            continue
        if current is not None:
            texts.append(text)
    close()
    return [s for s in sections if s[1]]


def json_ld(html: str) -> list[dict[str, Any]]:
    """The page's schema.org JSON-LD objects (invalid blocks are skipped)."""
    found: list[dict[str, Any]] = []
    for block in Selector(text=html).xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            continue
        found += [d for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
    return found


class ProgramPagesSpider(scrapy.Spider):
    """Program pages of provider websites, one item per program section."""

    name = "program_pages"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_per_site: Counter[str] = Counter()
        # URLs already requested: a link repeated on every page (site navigation) is one page of the cap, not many.
        self.requested: set[str] = set()
        self._manifest: dict[str, str] | None = None

    def _replay_root(self) -> Path | None:
        root = self.settings.get("IOPDIR_REPLAY_DIR")
        return Path(root) / REPLAY_FOLDER if root else None

    def seeds(self) -> list[str]:
        """Seed URLs from the files of `PROGRAM_PAGES_SEEDS` (comma-separated), else the mirror's seeds.txt."""
        paths = [Path(p) for p in self.settings.getlist("PROGRAM_PAGES_SEEDS")]
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
            self._manifest = {_url_key(u): f"{REPLAY_FOLDER}/{e['file']}" for u, e in entries.items()}
        return self._manifest.get(_url_key(url))

    def selected_shard(self) -> tuple[int, int]:
        """(I, N) of the `shard` spider argument, else of `PROGRAM_PAGES_SHARD`; (1, 1) when neither is set."""
        # `-a shard=I/N` becomes the attribute `shard` (Scrapy sets spider arguments as attributes).
        value = getattr(self, "shard", None) or self.settings.get("PROGRAM_PAGES_SHARD")
        return parse_shard(value) if value else (1, 1)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request the home page of every seed site of this crawl's shard."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(SOURCES, [SOURCE])
        try:
            index, count = self.selected_shard()
        except ValueError as error:
            # Scrapy closes the spider with reason "start_error"; the stats say why.
            stats.set_value(source_key(SOURCE, COMPLETE), False)
            stats.set_value(source_key(SOURCE, ERROR), str(error))
            raise
        seeds = self.seeds()
        mine = [url for url in seeds if shard_of(url, count) == index]
        stats.set_value(source_key(SOURCE, "shard"), f"{index}/{count}")
        stats.set_value(source_key(SOURCE, "other_shards"), len(seeds) - len(mine))
        # A shard covers part of the sites, so its crawl cannot prove a listing gone.
        stats.set_value(source_key(SOURCE, SAMPLE), count > 1)
        # Complete unless a page fails; a seed list (or shard) that is empty is an empty source by design.
        stats.set_value(source_key(SOURCE, COMPLETE), True)
        stats.set_value(source_key(SOURCE, EMPTY_OK), not mine)
        stats.set_value(source_key(SOURCE, "seeds"), len(mine))
        for url in mine:
            self.pages_per_site[site_of(url)] += 1
            self.requested.add(_url_key(url))
            yield scrapy.Request(url, callback=self.parse_page, errback=self.page_failed)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Yield the page's programs, then follow its relevant same-site links."""
        stats = self.crawler.stats
        assert stats is not None
        if not isinstance(response, TextResponse):
            return
        stats.inc_value(source_key(SOURCE, PAGES))
        html = response.text
        structured = json_ld(html)
        title = _text(response.xpath("//title")[0]) if response.xpath("//title") else ""
        fetched_at = datetime.now(UTC).isoformat()
        try:
            sections = program_sections(html)
        except PageTooDeepError as error:
            self.page_unreadable(response.url, str(error))
            return
        for index, (heading, level, text) in enumerate(sections, start=1):
            record = RawRecord(
                record_type=RECORD_TYPE,
                source=SOURCE,
                source_url=response.url,
                source_file=urlparse(response.url).path or "/",
                record_id=f"{response.url}#{index}",
                fetched_at=fetched_at,
                fields={
                    "site": site_of(response.url),
                    "page_title": title,
                    "program_name": heading,
                    "heading_level": level,
                    "schedule_text": text,
                    "json_ld": json.dumps(structured) if structured else None,
                },
            )
            stats.inc_value(source_key(SOURCE, RECORDS, RECORD_TYPE))
            yield record.model_dump()
        yield from self.follow(response)

    def follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Requests for same-site links that point at program or schedule pages, within the site's cap."""
        site = site_of(response.url)
        cap = self.settings.getint("PROGRAM_PAGES_MAX_PER_SITE", 12)
        for link in response.xpath("//a[@href]"):
            url = response.urljoin(link.attrib["href"]).split("#")[0]
            if urlparse(url).scheme not in {"http", "https"} or site_of(url) != site:
                continue
            if not (RELEVANT_LINK.search(urlparse(url).path) or RELEVANT_LINK.search(_text(link))):
                continue
            if _url_key(url) in self.requested:
                continue
            if self.pages_per_site[site] >= cap:
                self.crawler.stats.inc_value(source_key(SOURCE, "capped_links"))  # type: ignore[union-attr]
                continue
            self.pages_per_site[site] += 1
            self.requested.add(_url_key(url))
            yield scrapy.Request(url, callback=self.parse_page, errback=self.page_failed)

    def page_unreadable(self, url: str, reason: str) -> None:
        """A page fetched but not readable whole: a page error, so the source is incomplete and nothing is retired.

        Its programs are unknown, not gone: the loader keeps every listing of an incomplete crawl.
        """
        stats = self.crawler.stats
        assert stats is not None
        self.logger.error("program page unreadable: %s: %s", url, reason)
        stats.inc_value(source_key(SOURCE, "unreadable_pages"))
        stats.set_value(source_key(SOURCE, COMPLETE), False)
        stats.set_value(source_key(SOURCE, ERROR), f"{reason} at {url}")

    def page_failed(self, failure: Failure) -> None:
        """A page that failed leaves the source incomplete; one we may not read makes the crawl partial.

        An HTTP error or a network failure is an error: the source is incomplete, with the reason;
        404 and 410 are answers, not errors.
        A page robots.txt forbids, or one that redirects to another site, is not ours to read:
        not an error, but its URL is recorded (`iopdir/source/program_pages/unread_urls`): a
        listing read from that page before may still be there, we just cannot look, so the
        loader never marks it gone.
        """
        stats = self.crawler.stats
        assert stats is not None
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        if isinstance(failure.value, IgnoreRequest) and not isinstance(failure.value, HttpError):
            kind = "redirected_offsite" if isinstance(failure.value, OffsiteRedirectError) else "ignored"
            stats.inc_value(source_key(SOURCE, kind))
            urls = stats.get_value(source_key(SOURCE, UNREAD_URLS)) or []
            stats.set_value(source_key(SOURCE, UNREAD_URLS), sorted({*urls, request.url}))
            unread = {
                "robots.txt or another rule": stats.get_value(source_key(SOURCE, "ignored"), 0),
                "redirected to another site": stats.get_value(source_key(SOURCE, "redirected_offsite"), 0),
            }
            stats.set_value(
                source_key(SOURCE, NOTE),
                "pages not read: "
                + ", ".join(f"{why} {n}" for why, n in unread.items() if n)
                + "; their listings are kept as they were",
            )
            return
        if response is not None and response.status in (404, 410):
            # A definite answer, not a fault: the page is not there (a broken link, a removed
            # program). Its listing, if it had one, is gone, and a complete crawl may say so.
            stats.inc_value(source_key(SOURCE, "not_found"))
            return
        reason = f"HTTP {response.status} for {request.url}" if response is not None else f"{failure.value!r}"
        self.logger.error("program page failed: %s", reason)
        stats.set_value(source_key(SOURCE, COMPLETE), False)
        stats.set_value(source_key(SOURCE, ERROR), reason)
