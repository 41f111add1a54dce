"""Providers' own program pages: the schedule text a directory does not carry, and whose program it is.

The crawl (`spiders.site_crawl.SiteCrawlSpider`): from each seed site (`PROGRAM_PAGES_SEEDS`, one
URL a line; the refresh flow writes one from the websites of the listings already in the database;
when replaying, the mirror's `program-pages-replay/seeds.txt` by default), links that stay on the
same site and whose URL or anchor text points at an IOP, PHP, day-treatment or schedule page, at
most `PROGRAM_PAGES_MAX_PER_SITE` pages a site, and links about insurance, payment, fees, coverage
or billing under their own budget (`INSURANCE_PAGES_PER_SITE` a site). robots.txt is obeyed.
Sharding (`-a shard=I/N` or `PROGRAM_PAGES_SHARD`) and replay work as `spiders.site_crawl` says.

On every page, each section whose heading names a level of care (`schemas.level_names`) is one
program (`spiders.pages.sections`, in every markup style: real headings, bold or styled
paragraphs, tab panels, accordions, schedule tables; never sidebars, footers, banners, forms,
testimonials or office hours). Pages that give none: a home page's program cards (short blurbs
linking to the program's own page), and pages about paying (insurance, fees, billing), whose
main text is the site's insurance text instead, as is a program page's section about coverage.

One item per program section, emitted once the site's crawl is finished, so that it carries what
any page of the site said (`spiders.pages.site_facts`): the provider's name and where it came
from, the site's organisation JSON-LD, the location text and its page, a phone, and the site's
insurance texts. Fields are text cells (see `RECORD_FIELDS`).
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

from parsel import Selector
from scrapy.http import TextResponse

from schemas.crawl_stats import RECORDS, UNREAD_URLS, source_key
from schemas.raw import RawRecord
from spiders.pages.html import PageTooDeepError, json_ld, json_ld_of, parse_page_html
from spiders.pages.sections import Section, read_sections, without_cards
from spiders.pages.site_facts import CONTACT, SiteFacts, insurance_page_text
from spiders.pages.text import collapse, content_root
from spiders.redirects import site_of
from spiders.site_crawl import MAIN, SiteCrawlSpider, parse_shard, shard_of

__all__ = [
    "PageTooDeepError",
    "ProgramPagesSpider",
    "json_ld",
    "parse_page_html",
    "parse_shard",
    "program_sections",
    "shard_of",
    "site_of",
]

SOURCE = "program_pages"
RECORD_TYPE = "program_section"
REPLAY_FOLDER = "program-pages-replay"
# Where programs and schedules are described: link URLs or anchor texts with these words.
RELEVANT_LINK = re.compile(
    r"\b(?:iops?|phps?|intensive[- ]outpatient|partial[- ]hospitali[sz]ation|partial[- ]hospital|day[- ]treatment"
    r"|day[- ]program|programs?|schedules?|hours)\b|iop|php",
    re.IGNORECASE,
)
# Where a site says what it takes for payment (a URL's words are split by - / _).
INSURANCE_LINK = re.compile(r"insurance|payment|paying|\bfees?\b|coverage|\bcover\b|billing|bill[- ]pay", re.IGNORECASE)
#: Insurance and payment pages followed a site, besides the program pages' cap.
INSURANCE_PAGES_PER_SITE = 4
#: The fields of a program_section record, all text cells (None where unknown).
RECORD_FIELDS = (
    "site",
    "page_title",
    "program_name",
    "heading_level",
    "schedule_text",
    "json_ld",
    "provider_name",
    "provider_name_from",
    "site_json_ld",
    "location_text",
    "location_url",
    "contact_phone",
    "insurance_texts",
)


def program_sections(html: str, url: str = "") -> list[tuple[str, str, str]]:
    """(heading, level named by the heading, text) of every program section of a page.

    A section runs from a heading to the next heading of the same or a higher rank; see
    `spiders.pages.sections`. Given the page's URL, a home page's program cards are left out.
    Raises `PageTooDeepError` for a page the parser cannot read whole: its programs would
    otherwise vanish without a word.
    """
    programs, _ = read_sections(content_root(parse_page_html(html).root))
    return [(s.heading, s.level or "", s.text) for s in without_cards(programs, url)]


class ProgramPagesSpider(SiteCrawlSpider):
    """Program pages of provider websites, one item per program section, with the site's facts."""

    name = "program_pages"
    source = SOURCE
    replay_folder = REPLAY_FOLDER
    settings_prefix = "PROGRAM_PAGES"
    budgets: ClassVar[dict[str, int]] = {"insurance": INSURANCE_PAGES_PER_SITE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facts: defaultdict[str, SiteFacts] = defaultdict(SiteFacts)
        self.pending: defaultdict[str, list[RawRecord]] = defaultdict(list)

    def link_budget(self, url: str, anchor: str) -> str | None:
        """Program and schedule links under the main cap; insurance and payment links under their own."""
        path = urlparse(url).path
        if RELEVANT_LINK.search(path) or RELEVANT_LINK.search(anchor):
            return MAIN
        if INSURANCE_LINK.search(path) or INSURANCE_LINK.search(anchor):
            return "insurance"
        return None

    def read_page(self, response: TextResponse, page: Selector) -> Iterator[Any]:
        """Keep the page's program sections back for its site; take in its site facts and insurance text."""
        site = response.meta.get("site") or site_of(response.url)
        structured = json_ld_of(page)
        title = collapse(page.xpath("string(//title)").get() or "")
        facts = self.facts[site]
        # Who and where the provider is comes from the site's own pages (its home page, a contact
        # page), never from a program page: a program page that cannot be read some day (robots,
        # a redirect, an outage) then changes nothing about the site's other programs. A program
        # page's own JSON-LD stays with its items (`json_ld`).
        if response.meta.get("seed") or CONTACT.search(response.url) or CONTACT.search(title):
            facts.read(page.root, response.url, structured, title)
        if text := insurance_page_text(page.root, title):
            facts.add_insurance(response.url, "page", text)
            return iter(())  # a page about paying describes no program, whatever levels it names
        programs, insurance = read_sections(content_root(page.root))
        for section in insurance:
            facts.add_insurance(response.url, "section", "\n".join([section.heading, *section.lines]))
        fetched_at = datetime.now(UTC).isoformat()
        for index, section in enumerate(without_cards(programs, response.url), start=1):
            self.pending[site].append(self._record(response.url, index, section, title, structured, fetched_at))
        return iter(())

    def _record(
        self, url: str, index: int, section: Section, title: str, structured: list[dict[str, Any]], fetched_at: str
    ) -> RawRecord:
        return RawRecord(
            record_type=RECORD_TYPE,
            source=SOURCE,
            source_url=url,
            source_file=urlparse(url).path or "/",
            record_id=f"{url}#{index}",
            fetched_at=fetched_at,
            fields={
                "site": site_of(url),
                "page_title": title,
                "program_name": section.heading,
                "heading_level": section.level,
                "schedule_text": section.text,
                "json_ld": json.dumps(structured) if structured else None,
            },
        )

    def site_finished(self, site: str) -> Iterator[Any]:
        """The site's program items, each with the site's facts; none from a site a page of which failed.

        A site read in part (a page failed, or could not be read whole) would give its other
        programs partial facts (insurance texts, a place): its items are held back and their pages
        recorded as unread, so the loader keeps their listings as they were.
        """
        stats = self.crawler.stats
        assert stats is not None
        facts = self.facts.pop(site, SiteFacts()).fields()
        records = self.pending.pop(site, [])
        if site in self.broken_sites:
            held = sorted({record.source_url for record in records if record.source_url})
            if held:
                urls = stats.get_value(source_key(SOURCE, UNREAD_URLS)) or []
                stats.set_value(source_key(SOURCE, UNREAD_URLS), sorted({*urls, *held}))
                stats.inc_value(source_key(SOURCE, "held_sites"))
                self.logger.warning("%s: a page failed; its %d program items are held back", site, len(records))
            return
        for record in records:
            record.fields.update(facts)
            stats.inc_value(source_key(SOURCE, RECORDS, RECORD_TYPE))
            yield record.model_dump()

    def kept_back(self) -> int:
        """Program items kept back for sites not finished."""
        return sum(len(records) for records in self.pending.values())
