"""The program_pages spider: which links it follows, which sections become programs, the replays."""

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from spiders.pages.html import json_ld_of, parse_page_html
from spiders.pages.sections import read_sections
from spiders.pages.site_facts import SiteFacts, insurance_page_text
from spiders.pages.text import content_root
from spiders.program_pages import RECORD_FIELDS, PageTooDeepError, ProgramPagesSpider, program_sections, site_of
from tests.conftest import REPLAY_FIXTURE, SHARED_DATA, run_scrapy
from tests.helpers import normalize_and_load, read_items

PAGES = REPLAY_FIXTURE / "program-pages-replay" / "pages"


def _spider(**settings: object) -> ProgramPagesSpider:
    crawler = get_crawler(ProgramPagesSpider, {"IOPDIR_REPLAY_DIR": str(REPLAY_FIXTURE), **settings})
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler.spider


def _response(url: str, page: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(PAGES / page).read_bytes(), encoding="utf-8", request=Request(url))


def test_sections_naming_a_level_are_programs() -> None:
    sections = program_sections((PAGES / "alpha-iop.html").read_text(encoding="utf-8"))
    assert [(name, level) for name, level, _ in sections] == [
        ("Partial Hospitalization Program (PHP)", "php"),
        ("Intensive Outpatient Program (IOP)", "iop"),
    ]
    # A subheading stays in its program; the next same-rank heading ("Contact us") ends it.
    assert sections[1][2] == "IOP groups meet Mondays, Wednesdays and Thursdays from 6 to 9 p.m. Your insurance card."
    assert program_sections((PAGES / "alpha-about.html").read_text(encoding="utf-8")) == []
    assert program_sections((PAGES / "alpha-home.html").read_text(encoding="utf-8")) == []


def test_only_relevant_same_site_links_are_followed() -> None:
    spider = _spider()
    urls = [r.url for r in spider.follow(_response("https://alpha.example/", "alpha-home.html"))]
    # /private/ is followed here and refused by the robots.txt middleware; off-site, about, blog never.
    assert urls == ["https://alpha.example/iop", "https://alpha.example/private/iop-schedule-draft/"]


def test_pages_per_site_are_capped() -> None:
    spider = _spider(PROGRAM_PAGES_MAX_PER_SITE=1)
    spider.pages_per_site[site_of("https://alpha.example/")] = 1
    assert list(spider.follow(_response("https://alpha.example/", "alpha-home.html"))) == []


def test_a_link_repeated_on_every_page_takes_one_place_of_the_cap() -> None:
    spider = _spider(PROGRAM_PAGES_MAX_PER_SITE=10)
    spider.pages_per_site[site_of("https://alpha.example/")] = 1  # the home page
    home = _response("https://alpha.example/", "alpha-home.html")
    first = [r.url for r in spider.follow(home)]
    # The same page again (site navigation repeats its links): nothing new to request or count.
    again = [r.url for r in spider.follow(home)]
    assert first == ["https://alpha.example/iop", "https://alpha.example/private/iop-schedule-draft/"]
    assert again == []
    assert spider.pages_per_site[site_of("https://alpha.example/")] == 3


def test_replay_paths_come_from_the_manifest() -> None:
    spider = _spider()
    assert spider.replay_path("https://beta.example/") == "program-pages-replay/pages/beta-home.html"
    assert spider.replay_path("https://alpha.example/contact/") is None


def test_crawl_of_the_fixture(tmp_path: Path) -> None:
    completed = run_scrapy("program_pages", tmp_path, REPLAY_FIXTURE)
    assert completed.returncode == 0, completed.stderr
    items = read_items(tmp_path / "items.jsonl")
    assert sorted((i["fields"]["site"], i["fields"]["program_name"]) for i in items) == [
        ("alpha.example", "Intensive Outpatient Program (IOP)"),
        ("alpha.example", "Partial Hospitalization Program (PHP)"),
        ("beta.example", "Adolescent Day Treatment Program"),
    ]
    alpha = next(i for i in items if i["fields"]["heading_level"] == "php")
    assert json.loads(alpha["fields"]["json_ld"])[0]["name"] == "Alpha Health"
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["iopdir/source/program_pages/complete"] is True
    assert stats["robotstxt/forbidden"] == 1  # the /private/ page was never fetched


EXPECTED = SHARED_DATA / "program-pages-replay" / "expected.json"


def _url_key(url: str) -> str:
    # Host names are case-insensitive (the replay has "Turningpnt.org"); paths and queries are not.
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, ""))


@pytest.fixture(scope="module")
def shared_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict, dict]:
    """The spider's items and stats on ../shared/data, with the replay's expected.json."""
    out = tmp_path_factory.mktemp("shared_program_pages")
    completed = run_scrapy("program_pages", out, SHARED_DATA)
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    return read_items(out / "items.jsonl"), stats, json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_crawl_of_the_shared_replay(shared_crawl: tuple[list[dict], dict, dict]) -> None:
    # Robots, other sites and ordinary pages; the exact figures are the test below.
    items, stats, expected = shared_crawl
    assert stats["iopdir/source/program_pages/complete"] is True
    # Every disallowed page was refused by robots.txt, none became an item; no item from another site.
    assert stats["robotstxt/forbidden"] == len(expected["disallowed_pages"])
    urls = {_url_key(i["source_url"]) for i in items}
    assert not urls & {_url_key(u) for u in expected["disallowed_pages"]}
    assert {i["fields"]["site"] for i in items} <= {s.lower() for s in expected["sites"]}
    # Ordinary pages other than home pages never give an item.
    ordinary = {_url_key(u) for kind, pages in expected["pages_by_kind"].items() if kind != "home" for u in pages}
    assert not urls & ordinary
    # Nor do home pages (their program cards) or the pages about paying, though some name PHP and IOP.
    assert not urls & {_url_key(u) for u in expected["pages_by_kind"]["home"] + expected["insurance_pages"]}
    # No request left the sites: nothing filtered or refused as off-site.
    assert not {k: v for k, v in stats.items() if "offsite" in k and v}
    on_program_pages = [
        i for i in items if _url_key(i["source_url"]) in {_url_key(u) for u in expected["program_pages"]}
    ]
    assert len(on_program_pages) >= 55


def test_crawl_of_the_shared_replay_gives_every_section_and_nothing_else(
    shared_crawl: tuple[list[dict], dict, dict],
) -> None:
    items, _, expected = shared_crawl
    found: dict[str, int] = {}
    for item in items:
        found[_url_key(item["source_url"])] = found.get(_url_key(item["source_url"]), 0) + 1
    wanted = {_url_key(url): len(sections) for url, sections in expected["program_pages"].items()}
    assert len(items) == expected["program_sections"]
    assert found == wanted


def _nested(page: str, depth: int = 5_000) -> str:
    """The page with its main content nested `depth` elements deep, past what the HTML parser reads."""
    return page.replace("<main>", "<main>" + "<div>" * depth).replace("</main>", "</div>" * depth + "</main>")


def test_a_page_too_deep_to_parse_is_an_error_not_an_empty_page() -> None:
    page = (PAGES / "alpha-iop.html").read_text(encoding="utf-8")
    assert [name for name, _, _ in program_sections(_nested(page, 1_000))] == [
        "Partial Hospitalization Program (PHP)",
        "Intensive Outpatient Program (IOP)",
    ]
    with pytest.raises(PageTooDeepError, match="too deep"):
        program_sections(_nested(page))


def test_a_page_too_deep_leaves_the_source_incomplete_and_its_listings_active(tmp_path: Path) -> None:
    """Issue 16: a program page nested 5,000 deep lost its programs silently and retired their listings."""
    replay = tmp_path / "replay"
    shutil.copytree(REPLAY_FIXTURE / "program-pages-replay", replay / "program-pages-replay")
    iop = replay / "program-pages-replay" / "pages" / "alpha-iop.html"
    iop.write_text(_nested(iop.read_text(encoding="utf-8")), encoding="utf-8")
    for name, folder in (("before", REPLAY_FIXTURE), ("after", replay)):
        completed = run_scrapy("program_pages", tmp_path / name, folder)
        assert completed.returncode == 0, completed.stderr
    stats = json.loads((tmp_path / "after" / "stats.json").read_text(encoding="utf-8"))
    assert stats["iopdir/source/program_pages/complete"] is False
    assert stats["iopdir/source/program_pages/unreadable_pages"] == 1
    assert "too deep to parse" in stats["iopdir/source/program_pages/error"]
    assert "https://alpha.example/iop" in stats["iopdir/source/program_pages/error"]
    # The other pages are read as before.
    after = read_items(tmp_path / "after" / "items.jsonl")
    assert [i["fields"]["program_name"] for i in after] == ["Adolescent Day Treatment Program"]

    db = tmp_path / "iop.duckdb"
    normalize_and_load(tmp_path / "before" / "items.jsonl", db, "r1")
    counts = normalize_and_load(tmp_path / "after" / "items.jsonl", db, "r2", complete={"program_pages": False})
    assert counts["program_pages"].status == "failed"
    with duckdb.connect(str(db), read_only=True) as con:
        # The program's heading is its second name (the provider names the listing).
        rows = con.execute(
            "SELECT name2, active FROM listings WHERE source = 'program_pages' ORDER BY name2"
        ).fetchall()
    assert rows == [
        ("Adolescent Day Treatment Program", True),
        ("Intensive Outpatient Program (IOP)", True),
        ("Partial Hospitalization Program (PHP)", True),
    ]


# Markup styles and traps, on hand-written pages (tests/fixtures/program_pages/README.md).
STYLES = Path(__file__).parents[1] / "fixtures" / "program_pages"


def _collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _read(name: str, url: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]], str | None, SiteFacts]:
    """(programs, insurance sections, insurance page text, site facts) of a fixture page served at `url`."""
    html = (STYLES / name).read_text(encoding="utf-8")
    page = parse_page_html(html)
    title = _collapsed(page.xpath("string(//title)").get() or "")
    facts = SiteFacts()
    facts.read(page.root, url, json_ld_of(page), title)
    _, insurance = read_sections(content_root(page.root))
    sections = [(s.heading, s.level or "", s.text) for s in insurance]
    return program_sections(html, url), sections, insurance_page_text(page.root, title), facts


@pytest.mark.parametrize(
    ("name", "programs", "schedule", "not_in_schedule"),
    [
        (
            "style-a.html",
            [("Evening Intensive Outpatient Program (IOP)", "iop")],
            "Groups meet Monday, Tuesday and Thursday from 6 p.m. to 9 p.m.",
            ["7:45", "evening groups fit", "Call Now", "cookies", "200 Elm"],
        ),
        (
            "style-b.html",
            [("Adult Day Treatment", "php")],  # a bold paragraph; its schedule under an <h2>
            "Monday through Friday, adults in day treatment attend from 9 a.m. to 3 p.m.",
            ["heard from day one", "Portland"],
        ),
        (
            "style-c.html",
            [("Teen Partial Hospitalization Program (PHP)", "php"), ("Evening Intensive Outpatient (IOP)", "iop")],
            "Days Monday to Friday Hours 8:30 a.m. to 2:30 p.m.",  # a hidden tab's table, row by row
            ["Visitor policy", "Overview Schedule", "insurance", "4:30", "visitor garage"],
        ),
        (
            "style-d.html",
            [("Intensive Outpatient Program", "iop")],  # <p class="font_2">, text split across spans
            "Tuesday and Thursday, 5:30 to 8:30 pm",
            ["9 AM", "Licensed counselors", "Boise"],
        ),
        (
            "style-e.html",
            [("Partial Hospitalization Program", "php"), ("Intensive Outpatient Program", "iop")],
            "IOP meets three mornings a week, 9 to noon.",
            ["6:00 pm", "Birch"],
        ),
        (
            "office-hours.html",
            [("Adolescent Intensive Outpatient Program", "iop")],
            "Teens meet after school on Monday, Wednesday and Thursday, 3:30 to 6:30 p.m.",
            ["8 a.m.", "8:00", "8 to 5", "Partial hospitalization", "Mill Road"],
        ),
        (
            "insurance-section.html",
            [("When does the IOP meet?", "iop")],
            "The IOP meets Tuesday and Thursday from 4 to 7 p.m.",
            ["contracted", "benefits"],
        ),
    ],
)
def test_sections_in_every_markup_style(
    name: str, programs: list[tuple[str, str]], schedule: str, not_in_schedule: list[str]
) -> None:
    sections, _, insurance_page, _ = _read(name, f"https://clinic.example/{name.removesuffix('.html')}/")
    assert [(heading, level) for heading, level, _ in sections] == programs
    texts = " | ".join(text for _, _, text in sections)
    assert schedule in texts
    assert not [fragment for fragment in not_in_schedule if fragment in texts]
    assert insurance_page is None


def test_program_cards_of_a_home_page_are_no_programs() -> None:
    assert _read("home-cards.html", "https://maple.example/")[0] == []
    # The same cards on an inner page are read as sections: only a site's home page is a page of cards.
    assert len(_read("home-cards.html", "https://maple.example/programs/")[0]) == 3


def test_a_page_about_paying_is_an_insurance_text_and_no_program() -> None:
    programs, _, text, _ = _read("insurance-page.html", "https://cedar.example/insurance/")
    assert programs == []
    assert text == (
        "Paying for Care\nWe are in network with these plans:\nAcme Health\nLakeshore Care Plan\n"
        "If you have insurance\n"
        "Partial Hospitalization Program and Intensive Outpatient Program are covered by most plans."
    )  # no form, no billing office hours, no footer


def test_a_section_about_insurance_is_an_insurance_text_not_a_program() -> None:
    programs, insurance, _, _ = _read("insurance-section.html", "https://north.example/faq/")
    assert [heading for heading, _, _ in programs] == ["When does the IOP meet?"]
    # "Questions about coverage?" names no insurance term (a call to action): not an insurance text.
    assert insurance == [
        (
            "Will insurance cover treatment?",
            "",
            "We are contracted with many insurance companies; benefits for the IOP vary by plan.",
        )
    ]
    assert [h for h, _, _ in _read("style-c.html", "https://river.example/php/")[1]] == [
        "What does it cost and will insurance cover it?"
    ]


@pytest.mark.parametrize(
    ("name", "provider", "source", "location", "phone"),
    [
        ("style-a.html", "Maple Grove Recovery", "json_ld", "200 Elm Street, Springfield, IL 62701", "(555) 555-0101"),
        ("style-b.html", "Harbor Light Counseling", "og_site_name", "Portland, Oregon", "555-555-0102"),
        ("style-c.html", "Riverbend Children's Hospital", "title", "77 Harbor Road, Lakeside, MI 49000", None),
        ("style-d.html", "Sunrise Path", "title", "Boise, ID", None),
        ("style-e.html", "Cedar Hollow Clinic", "title", "12 Birch Avenue, Dover, DE 19901", "(555) 555-0105"),
        ("home-cards.html", "Maple Grove Recovery", "title", "Springfield, IL", None),
    ],
)
def test_site_facts_of_a_page(name: str, provider: str, source: str, location: str, phone: str | None) -> None:
    facts = _read(name, "https://clinic.example/")[3]
    fields = facts.fields()
    assert (fields["provider_name"], fields["provider_name_from"]) == (provider, source)
    assert (fields["location_text"], fields["location_url"]) == (location, "https://clinic.example/")
    assert fields["contact_phone"] == phone
    assert fields["insurance_texts"] == "[]"


def test_the_site_part_of_titles_and_the_logo() -> None:
    facts = SiteFacts(titles=["IOP | Acme Recovery", "About us | Acme Recovery", "Acme Recovery | Contact"])
    assert facts.provider_name() == ("Acme Recovery", "title")
    assert SiteFacts(titles=["Home"], logo_alt="Acme Recovery").provider_name() == ("Acme Recovery", "logo_alt")
    assert SiteFacts(titles=["Home"]).provider_name() == (None, None)
    organisation = {"@type": "MedicalClinic", "name": "Acme Clinic", "address": {"addressRegion": "MD"}}
    facts.organisations.append(organisation)
    assert facts.provider_name() == ("Acme Clinic", "json_ld")
    assert json.loads(facts.fields()["site_json_ld"] or "") == organisation


def _finishing_spider() -> tuple[ProgramPagesSpider, list[Request]]:
    """A spider that read alpha's IOP page and has one more request of the site outstanding."""
    spider = _spider()
    site = "alpha.example"
    spider.outstanding[site] = 2
    iop = _response("https://alpha.example/iop", "alpha-iop.html")
    iop.request.meta["site"] = site
    assert list(spider.parse_page(iop)) == []  # kept back: the site is not finished
    request = Request("https://alpha.example/private/iop-schedule-draft/", meta={"site": site})
    return spider, [request]


@pytest.mark.parametrize("ending", ["robots", "404"])
def test_a_sites_items_come_when_its_last_request_fails(ending: str) -> None:
    spider, (request,) = _finishing_spider()
    if ending == "robots":
        failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    else:
        failure = Failure(HttpError(Response(request.url, status=404, request=request), "Ignoring non-200 response"))
    failure.request = request  # type: ignore[attr-defined]
    items = list(spider.page_failed(failure))
    assert [i["fields"]["program_name"] for i in items] == [
        "Partial Hospitalization Program (PHP)",
        "Intensive Outpatient Program (IOP)",
    ]
    assert set(items[0]["fields"]) == set(RECORD_FIELDS)
    # Who the provider is comes from the site's home or contact pages, none of which was read
    # here; the program page's own JSON-LD stays with its items.
    assert items[0]["fields"]["provider_name"] is None
    assert json.loads(items[0]["fields"]["json_ld"])[0]["name"] == "Alpha Health"
    assert spider.kept_back() == 0
    assert spider.crawler.stats.get_value("iopdir/source/program_pages/records/program_section") == 2


def test_a_site_a_page_of_which_failed_is_held_back_and_its_pages_recorded_unread() -> None:
    spider, (request,) = _finishing_spider()
    failure = Failure(HttpError(Response(request.url, status=503, request=request), "Ignoring non-200 response"))
    failure.request = request  # type: ignore[attr-defined]
    # The site's other programs would carry partial facts (insurance, place): none is emitted,
    # and their page is unread, so the loader keeps its listings as they were.
    assert list(spider.page_failed(failure)) == []
    assert spider.kept_back() == 0
    stats = spider.crawler.stats
    assert stats.get_value("iopdir/source/program_pages/unread_urls") == ["https://alpha.example/iop"]
    assert stats.get_value("iopdir/source/program_pages/complete") is False
    assert stats.get_value("iopdir/source/program_pages/records/program_section") is None


def test_items_still_kept_back_at_the_end_make_the_source_incomplete() -> None:
    spider, _ = _finishing_spider()
    spider.crawler.stats.set_value("iopdir/source/program_pages/complete", True)
    spider.closed("finished")
    assert spider.crawler.stats.get_value("iopdir/source/program_pages/complete") is False
    assert "2 items kept back" in spider.crawler.stats.get_value("iopdir/source/program_pages/error")


INSURANCE_TEXTS = SHARED_DATA / "program-pages-replay" / "insurance_texts.jsonl"
SCHEDULES = SHARED_DATA.parent / "eval" / "schedules_public.jsonl"


def _by_site(items: list[dict]) -> dict[str, list[dict]]:
    sites: dict[str, list[dict]] = {}
    for item in items:
        sites.setdefault(item["fields"]["site"], []).append(item["fields"])
    return sites


def test_every_section_carries_its_records_text(shared_crawl: tuple[list[dict], dict, dict]) -> None:
    items, _, expected = shared_crawl
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in SCHEDULES.read_text("utf-8").splitlines()}
    schedules: dict[str, list[str]] = {}
    for item in items:
        schedules.setdefault(_url_key(item["source_url"]), []).append(item["fields"]["schedule_text"])
    missing = [
        section["id"]
        for url, sections in expected["program_pages"].items()
        for section in sections
        if not any(_collapsed(texts[section["id"]]) in text for text in schedules.get(_url_key(url), []))
    ]
    assert missing == []


def _hh_mm(time: str) -> str:
    hour, minute = (int(part) for part in time.split(":")[:2])
    return f"{(hour - 1) % 12 + 1}:{minute:02d}"


def test_no_office_hours_in_any_schedule(shared_crawl: tuple[list[dict], dict, dict]) -> None:
    items, _, expected = shared_crawl
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in SCHEDULES.read_text("utf-8").splitlines()}
    own = {
        _url_key(url): " ".join(texts[s["id"]] for s in sections) for url, sections in expected["program_pages"].items()
    }
    leaks = []
    for item in items:
        schedule, record_text = item["fields"]["schedule_text"], own[_url_key(item["source_url"])]
        leaks += [line for line in ("Office hours", "Office Hours", "Hours of operation") if line in schedule]
        # The office's opening hours of the page's JSON-LD, unless the program's own text has that time.
        for block in json.loads(item["fields"]["json_ld"] or "[]"):
            for spec in block.get("openingHoursSpecification", []):
                for time in (_hh_mm(spec["opens"]), _hh_mm(spec["closes"])):
                    if time in schedule and time not in record_text:
                        leaks.append(f"{item['record_id']}: {time}")
    assert leaks == []


def test_site_facts_on_the_shared_replay(shared_crawl: tuple[list[dict], dict, dict]) -> None:
    items, _, _ = shared_crawl
    for records in _by_site(items).values():
        for fields in records:
            assert set(RECORD_FIELDS) <= set(fields)
            assert all(v is None or isinstance(v, str) for v in fields.values())
            assert isinstance(json.loads(fields["insurance_texts"]), list)

    def page_name(item: dict) -> str | None:
        blocks = json.loads(item["fields"]["json_ld"] or "[]")
        return next((b["name"] for b in blocks if isinstance(b, dict) and isinstance(b.get("name"), str)), None)

    # The site's name (home or contact pages), else the program page's own JSON-LD names the
    # provider; some of the 15 sites in minimal markup name it nowhere (no JSON-LD, no
    # og:site_name, no logo, titles without a site part, e.g. "Home").
    named = [i for i in items if i["fields"]["provider_name"] or page_name(i)]
    unnamed = {i["fields"]["site"] for i in items if not (i["fields"]["provider_name"] or page_name(i))}
    assert len(named) >= 54 and len(unnamed) <= 9
    for site in unnamed:
        assert not any("ld+json" in page or "og:site_name" in page or "<img" in page for page in _site_pages(site))
    for site, records in _by_site(items).items():
        if any("PostalAddress" in page for page in _site_pages(site)):
            for fields in records:
                page = json.loads(fields["json_ld"] or "[]")
                located = (
                    fields["location_text"]
                    or "address" in json.loads(fields["site_json_ld"] or "{}")
                    or any(isinstance(b, dict) and "address" in b for b in page)
                )
                assert located, site
    streets = {i["fields"]["location_text"] for i in items}
    assert {"6501 N. Charles Street, Baltimore, MD 21204", "5000 Highway 39, Meridian, MS"} <= streets


def _site_pages(site: str) -> list[str]:
    root = SHARED_DATA / "program-pages-replay"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return [
        (root / entry["file"]).read_text(encoding="utf-8")
        for url, entry in manifest.items()
        if site_of(url) == site and entry["file"].endswith(".html")
    ]


def test_insurance_texts_on_the_shared_replay(shared_crawl: tuple[list[dict], dict, dict]) -> None:
    items, _, _ = shared_crawl
    wanted = [json.loads(line) for line in INSURANCE_TEXTS.read_text(encoding="utf-8").splitlines()]
    sites = _by_site(items)
    with_texts = {site for site, records in sites.items() if json.loads(records[0]["insurance_texts"])}
    assert with_texts == {site_of(w["replay_url"]) for w in wanted}  # 10 sites, Arroyos on arroyos.designlogic.us
    for want in wanted:
        found = json.loads(sites[site_of(want["replay_url"])][0]["insurance_texts"])
        assert any(
            _collapsed(want["text"]) in _collapsed(text["text"]) and text["placement"] == want["placement"]
            for text in found
        ), want["replay_url"]
    # A payment section is not a program's schedule.
    inova = [i["fields"]["schedule_text"] for i in items if i["fields"]["site"] == "inova.org"]
    assert not any("contracted with many of the insurance companies" in text for text in inova)
