"""Network faults, injected by a loopback server, for every spider.

Each scenario first loads a good crawl (the baseline), then crawls again through a fault: 5xx
(retried, then the source fails), 429 with Retry-After (honoured), a slow server (timeout), a
transfer cut short, a damaged or wrong file behind a 200, an oversize body, a redirect to another
site, robots.txt saying no. The crawl runs as the flow runs it (a `scrapy crawl` subprocess), and
its outcome goes through normalize and load as in the flow. Then, for every scenario:

- the run record (`run_sources`) says what happened: status and a message naming the fault;
- a source hit by the fault is not treated as complete (its status is `failed`);
- no listing of the baseline became inactive, and none was lost or changed.
"""

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.crawl import CrawlFailed, run_crawl
from flows.refresh import source_loads
from pipeline.normalize.run import normalize_file
from pipeline.store.load import load_run
from spiders.retry import retry_after_seconds
from tests.conftest import REPLAY_FIXTURE
from tests.fault_server import FaultServer, Route

SAMHSA = REPLAY_FIXTURE / "samhsa-national-directory-2023"
SU_XLSX = (SAMHSA / "national-directory-su-facilities-2023.xlsx").read_bytes()
MH_XLSX = (SAMHSA / "national-directory-mh-facilities-2023.xlsx").read_bytes()
NY_CSV = (REPLAY_FIXTURE / "ny-omh-programs" / "Local_Mental_Health_Programs_2022-05.csv").read_bytes()
FT_PAGES = {n: (REPLAY_FIXTURE / "findtreatment" / "VA" / f"page-{n}.json").read_bytes() for n in (1, 2, 3)}
PAGES = REPLAY_FIXTURE / "program-pages-replay" / "pages"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_ERROR_PAGE = b"<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>"

# Quick failures: one retry, a short timeout, no politeness delays (the server is ours).
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "1",
    "DOWNLOAD_TIMEOUT": "2",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Spider:
    """How to point one spider at the fault server, and the routes of a good crawl."""

    name: str
    settings: Callable[[FaultServer, Path], dict[str, str]]
    routes: Callable[[FaultServer], dict[str, Route | Callable[[dict[str, str]], Route]]]
    sources: tuple[str, ...]


def _samhsa_settings(server: FaultServer, _: Path) -> dict[str, str]:
    urls = {"samhsa_su": server.url("/su.xlsx"), "samhsa_mh": server.url("/mh.xlsx")}
    return {"IOPDIR_SOURCE_URLS": json.dumps(urls)}


def _samhsa_routes(_: FaultServer) -> dict:
    return {"/su.xlsx": Route(SU_XLSX, content_type=XLSX), "/mh.xlsx": Route(MH_XLSX, content_type=XLSX)}


def _ny_settings(server: FaultServer, _: Path) -> dict[str, str]:
    return {"NY_OMH_BASE_URL": server.url("/resource/6nvr-tbv8.csv")}


def _ny_routes(_: FaultServer) -> dict:
    return {"/resource/6nvr-tbv8.csv": Route(NY_CSV, content_type="text/csv")}


def _ft_settings(server: FaultServer, _: Path) -> dict[str, str]:
    return {"FINDTREATMENT_PLAN": "live", "FINDTREATMENT_BASE_URL": server.base, "FINDTREATMENT_STATES": "VA"}


def _ft_page(query: dict[str, str]) -> Route:
    return Route(FT_PAGES[int(query.get("page", "1"))], content_type="application/json")


def _ft_routes(_: FaultServer) -> dict:
    return {"/locator/exportsAsJson/v2": _ft_page}


def _pp_settings(server: FaultServer, work: Path) -> dict[str, str]:
    seeds = work / "seeds.txt"
    seeds.write_text(server.url("/") + "\n", encoding="utf-8")
    return {"PROGRAM_PAGES_SEEDS": str(seeds)}


# The home page has a program of its own, so a fault on /iop leaves the crawl with items.
PP_HOME = (
    (PAGES / "alpha-home.html")
    .read_bytes()
    .replace(b"</main>", b"<h2>Day Treatment Program</h2><p>Monday to Friday, 9 a.m. to 3 p.m.</p></main>")
)


def _pp_routes(_: FaultServer) -> dict:
    return {
        "/": Route(PP_HOME, content_type="text/html"),
        "/iop": Route((PAGES / "alpha-iop.html").read_bytes(), content_type="text/html"),
    }


SPIDERS = {
    "samhsa_directory": Spider("samhsa_directory", _samhsa_settings, _samhsa_routes, ("samhsa_mh", "samhsa_su")),
    "ny_omh": Spider("ny_omh", _ny_settings, _ny_routes, ("ny_omh",)),
    "findtreatment": Spider("findtreatment", _ft_settings, _ft_routes, ("findtreatment",)),
    "program_pages": Spider("program_pages", _pp_settings, _pp_routes, ("program_pages",)),
}


@dataclass
class Outcome:
    """What one crawl-and-load did."""

    run_id: str
    crawl_error: str | None
    stats: dict
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # source -> (status, message)


def crawl_and_load(server: FaultServer, spider: Spider, work: Path, db: Path, extra: dict[str, str]) -> Outcome:
    """Crawl through the server as the flow does, then normalize and load the outcome."""
    run_id = f"run-{len(list(work.glob('run-*')))}"
    out = work / run_id
    settings = {**FAST, **spider.settings(server, work), **extra}
    failed: dict[str, str] = {}
    loads, codes, stats, error = [], [], {}, None
    try:
        crawl = run_crawl(spider.name, out, None, timeout_s=120, settings=settings)
    except CrawlFailed as failure:
        error = str(failure)
        failed[spider.name] = f"crawl failed: {failure}"
    else:
        stats = crawl.stats
        result = normalize_file(Path(crawl.items_path), out / "normalized", run_id)
        loads, codes = source_loads(crawl, result), [result.codes_path]
    load_run(db, run_id, datetime.now(UTC), loads, codes, failed)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source, status, message FROM run_sources WHERE run_id = ?", [run_id]).fetchall()
    return Outcome(run_id, error, stats, {s: (status, message or "") for s, status, message in rows})


def listings_state(db: Path) -> list[tuple]:
    """Every listing with its content and whether it is active: what a fault must not change."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT listing_id, source, content_hash, active FROM listing_records ORDER BY listing_id"
        ).fetchall()


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """A database per spider holding one good crawl through the (well-behaved) server, and its port.

    Each fault is served on the same port again: a provider page's listing is identified by its
    URL, so another port would be another site.
    """
    made = {}
    for name, spider in SPIDERS.items():
        work = tmp_path_factory.mktemp(f"baseline-{name}")
        server = FaultServer()
        server.routes.update(spider.routes(server))
        with server.running():
            outcome = crawl_and_load(server, spider, work, work / "iop.duckdb", {})
        assert outcome.crawl_error is None, outcome.crawl_error
        assert all(status == "ok" for status, _ in outcome.sources.values()), outcome.sources
        assert listings_state(work / "iop.duckdb"), f"{name}: the baseline loaded nothing"
        made[name] = (work / "iop.duckdb", server.port)
    return made


@dataclass
class Fault:
    """A scenario: the spider, how the routes misbehave, extra settings, what the record must say."""

    id: str
    spider: str
    routes: Callable[[FaultServer], dict]
    expect: dict[str, str]  # source -> regex its run_sources message must match ("ok" = status ok)
    settings: dict[str, str] = field(default_factory=dict)
    check: Callable[[FaultServer, Outcome], None] | None = None


def _retried(path: str, times: int) -> Callable[[FaultServer, Outcome], None]:
    def check(server: FaultServer, _: Outcome) -> None:
        assert len(server.hits_for(path)) == times, [h.status for h in server.hits_for(path)]

    return check


def _waited(path: str, seconds: float) -> Callable[[FaultServer, Outcome], None]:
    def check(server: FaultServer, outcome: Outcome) -> None:
        hits = server.hits_for(path)
        assert len(hits) == 2 and hits[0].status == 429 and hits[1].status == 200
        assert hits[1].at - hits[0].at >= seconds - 0.05, "the retry came before Retry-After"
        assert outcome.stats.get("retry/retry_after_waits") == 1

    return check


def _not_requested(path: str) -> Callable[[FaultServer, Outcome], None]:
    def check(server: FaultServer, _: Outcome) -> None:
        assert server.hits_for(path) == []

    return check


def _not_requested_at(host: str) -> Callable[[FaultServer, Outcome], None]:
    def check(server: FaultServer, outcome: Outcome) -> None:
        # The same server answers both names; the redirect target was never asked for.
        assert len(server.hits_for("/iop")) == 1 and server.hits_for("/iop")[0].status == 301
        assert outcome.stats.get("iopdir/redirect/offsite_refused") == 1, host

    return check


def _su(route: Route) -> Callable[[FaultServer], dict]:
    return lambda server: {**_samhsa_routes(server), "/su.xlsx": route}


def _redirect_su(server: FaultServer) -> dict:
    # "localhost" is another host than 127.0.0.1, though the same server answers both.
    elsewhere = f"http://localhost:{server.port}/su.xlsx"
    return {**_samhsa_routes(server), "/su.xlsx": Route(status=302, headers={"Location": elsewhere})}


def _robots(disallow: str, base: Callable[[FaultServer], dict]) -> Callable[[FaultServer], dict]:
    robots = Route(f"User-agent: *\nDisallow: {disallow}\n".encode(), content_type="text/plain")
    return lambda server: {**base(server), "/robots.txt": robots}


def _ft(route: Callable[[dict[str, str]], Route]) -> Callable[[FaultServer], dict]:
    return lambda server: {"/locator/exportsAsJson/v2": route}


def _ft_page2(page2: Route) -> Callable[[dict[str, str]], Route]:
    return lambda query: page2 if query.get("page") == "2" else _ft_page(query)


def _ft_throttled(query: dict[str, str]) -> Route:
    # The server's count is per path: the first request (page 1) gets the 429, the rest are served.
    return Route(
        **{**_ft_page(query).__dict__, "fail_times": 1, "fail_status": 429, "fail_headers": {"Retry-After": "1"}}
    )


def _first_waited(path: str, seconds: float) -> Callable[[FaultServer, Outcome], None]:
    def check(server: FaultServer, outcome: Outcome) -> None:
        hits = server.hits_for(path)
        assert hits[0].status == 429 and all(h.status == 200 for h in hits[1:])
        assert hits[1].at - hits[0].at >= seconds - 0.05, "the retry came before Retry-After"
        assert outcome.stats.get("retry/retry_after_waits") == 1

    return check


def _pp_redirect(server: FaultServer) -> dict:
    return {
        **_pp_routes(server),
        "/iop": Route(status=301, headers={"Location": f"http://localhost:{server.port}/iop"}),
    }


def _pp_malformed(server: FaultServer) -> dict:
    # Unclosed containers, stray bytes that are not UTF-8, a NUL, a tag cut off at the end: what
    # hand-written provider pages look like. The parser must recover the same programs.
    page = re.sub(rb"</(div|section|main|body|html|ul)>", b"", (PAGES / "alpha-iop.html").read_bytes())
    page += b"<table><tr><td><b><i>unclosed \x00 \x80\x81 <scr"
    return {**_pp_routes(server), "/iop": Route(page, content_type="text/html")}


FAULTS = [
    Fault(
        "samhsa-500-retried-then-failed",
        "samhsa_directory",
        _su(Route(status=500)),
        {"samhsa_su": r"HTTP 500", "samhsa_mh": "ok"},
        check=_retried("/su.xlsx", 2),
    ),
    Fault(
        "samhsa-503-retried-then-failed",
        "samhsa_directory",
        _su(Route(status=503)),
        {"samhsa_su": r"HTTP 503", "samhsa_mh": "ok"},
        check=_retried("/su.xlsx", 2),
    ),
    Fault(
        "samhsa-429-retry-after-honoured",
        "samhsa_directory",
        _su(Route(SU_XLSX, content_type=XLSX, fail_times=1, fail_status=429, fail_headers={"Retry-After": "2"})),
        {"samhsa_su": "ok", "samhsa_mh": "ok"},
        check=_waited("/su.xlsx", 2.0),
    ),
    Fault(
        "samhsa-429-retry-after-too-long",
        "samhsa_directory",
        _su(Route(SU_XLSX, content_type=XLSX, fail_times=9, fail_status=429, fail_headers={"Retry-After": "86400"})),
        {"samhsa_su": r"HTTP 429", "samhsa_mh": "ok"},
        check=_retried("/su.xlsx", 1),
    ),
    Fault(
        "samhsa-slow-timeout",
        "samhsa_directory",
        _su(Route(SU_XLSX, content_type=XLSX, delay_s=3.5)),
        {"samhsa_su": r"(?i)timeout|took longer", "samhsa_mh": "ok"},
    ),
    Fault(
        "samhsa-transfer-cut-short",
        "samhsa_directory",
        _su(Route(SU_XLSX, content_type=XLSX, truncate_at=len(SU_XLSX) // 2)),
        {"samhsa_su": r"(?i)ResponseFailed|data ?loss|connection", "samhsa_mh": "ok"},
    ),
    Fault(
        "samhsa-damaged-workbook",
        "samhsa_directory",
        _su(Route(SU_XLSX[: len(SU_XLSX) // 2], content_type=XLSX)),
        {"samhsa_su": r"could not read national-directory|could not read su\.xlsx", "samhsa_mh": "ok"},
    ),
    Fault(
        "samhsa-html-instead-of-workbook",
        "samhsa_directory",
        _su(Route(HTML_ERROR_PAGE, content_type="text/html")),
        {"samhsa_su": r"could not read .*text/html", "samhsa_mh": "ok"},
    ),
    Fault(
        "samhsa-oversize-body",
        "samhsa_directory",
        _su(Route(SU_XLSX, content_type=XLSX)),
        {"samhsa_su": r"(?i)cancel|maxsize|max size|larger", "samhsa_mh": r"(?i)cancel|maxsize|max size|larger"},
        settings={"DOWNLOAD_MAXSIZE": "2000"},
    ),
    Fault(
        "samhsa-redirect-to-another-site",
        "samhsa_directory",
        _redirect_su,
        {"samhsa_su": r"redirect to another site not followed", "samhsa_mh": "ok"},
    ),
    Fault(
        "samhsa-robots-disallow",
        "samhsa_directory",
        _robots("/su.xlsx", _samhsa_routes),
        {"samhsa_su": r"(?i)robots", "samhsa_mh": "ok"},
        check=_not_requested("/su.xlsx"),
    ),
    Fault(
        "ny-500-retried-then-failed",
        "ny_omh",
        lambda s: {"/resource/6nvr-tbv8.csv": Route(status=500)},
        {"ny_omh": r"HTTP 500"},
    ),
    Fault(
        "ny-html-instead-of-csv",
        "ny_omh",
        lambda s: {"/resource/6nvr-tbv8.csv": Route(HTML_ERROR_PAGE, content_type="text/html")},
        {"ny_omh": r"columns not found"},
    ),
    Fault(
        "ny-csv-with-nul-bytes",
        "ny_omh",
        lambda s: {"/resource/6nvr-tbv8.csv": Route(NY_CSV.replace(b",", b",\x00", 3), content_type="text/csv")},
        # Python's csv reads NUL bytes; cleaning drops them, so the rows load as they were.
        {"ny_omh": "ok"},
    ),
    Fault(
        "ny-wrong-encoding",
        "ny_omh",
        lambda s: {"/resource/6nvr-tbv8.csv": Route(NY_CSV + "\n\u00e9".encode("utf-16"), content_type="text/csv")},
        {"ny_omh": r"not a UTF-8 CSV"},
    ),
    Fault(
        "findtreatment-truncated-json",
        "findtreatment",
        _ft(_ft_page2(Route(FT_PAGES[2][: len(FT_PAGES[2]) // 2], content_type="application/json"))),
        {"findtreatment": r"page 2: not JSON"},
    ),
    Fault(
        "findtreatment-html-instead-of-json",
        "findtreatment",
        _ft(_ft_page2(Route(HTML_ERROR_PAGE, content_type="text/html"))),
        {"findtreatment": r"page 2: not JSON"},
    ),
    Fault(
        "findtreatment-503-on-page-2",
        "findtreatment",
        _ft(_ft_page2(Route(status=503))),
        {"findtreatment": r"HTTP 503"},
    ),
    Fault(
        "findtreatment-429-retry-after-honoured",
        "findtreatment",
        _ft(_ft_throttled),
        {"findtreatment": "ok"},
        check=_first_waited("/locator/exportsAsJson/v2", 1.0),
    ),
    Fault(
        "program-pages-redirect-to-another-site",
        "program_pages",
        _pp_redirect,
        {"program_pages": "ok:redirected to another site 1; their listings are kept"},
        check=_not_requested_at("localhost"),
    ),
    Fault("program-pages-malformed-html", "program_pages", _pp_malformed, {"program_pages": "ok"}),
    Fault(
        "program-pages-robots-disallow",
        "program_pages",
        _robots("/iop", _pp_routes),
        {"program_pages": "ok:robots.txt or another rule 1; their listings are kept"},
        check=_not_requested("/iop"),
    ),
    Fault(
        "program-pages-503",
        "program_pages",
        lambda s: {**_pp_routes(s), "/iop": Route(status=503)},
        {"program_pages": r"HTTP 503"},
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault_is_survived(fault: Fault, baselines: dict[str, tuple[Path, int]], tmp_path: Path) -> None:
    spider = SPIDERS[fault.spider]
    db = tmp_path / "iop.duckdb"
    baseline_db, port = baselines[fault.spider]
    shutil.copy(baseline_db, db)
    before = listings_state(db)
    server = FaultServer(port)
    server.routes.update(fault.routes(server))
    with server.running():
        outcome = crawl_and_load(server, spider, tmp_path, db, fault.settings)
    print(fault.id, outcome.sources)  # shown with `pytest -rP`: what each run recorded

    for source, expected in fault.expect.items():
        status, message = outcome.sources.get(source) or outcome.sources.get(spider.name) or ("missing", "")
        if expected.startswith("ok"):
            # Survived: the source is fine, and the record says what was not read, if anything.
            assert status == "ok", f"{source}: {status} {message}"
            assert re.search(expected.removeprefix("ok").removeprefix(":"), message), message
        else:
            # Not treated as complete, and the record says why.
            assert status == "failed", f"{source}: {status} {message}"
            assert re.search(expected, message), f"{source}: {message!r} does not match {expected!r}"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM listing_records WHERE contains(name, chr(0))").fetchone()[0] == 0
    # Nothing earlier went inactive, nothing was lost, nothing changed.
    after = {row[0]: row for row in listings_state(db)}
    for row in before:
        assert after.get(row[0]) == row, f"listing {row[0]} changed or was lost: {after.get(row[0])}"
    if fault.check:
        fault.check(server, outcome)


def test_at_least_twenty_faults_across_all_spiders() -> None:
    assert len(FAULTS) >= 20
    assert {f.spider for f in FAULTS} == set(SPIDERS)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 7 ", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_values(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=datetime(2026, 1, 1, tzinfo=UTC)) == seconds
