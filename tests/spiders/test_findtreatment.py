"""The findtreatment spider: parsing in process, `scrapy crawl` on the replay fixture, paging over HTTP."""

import asyncio
import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from spiders.findtreatment import RECORDED_QUERIES, STATE_IDS, FindTreatmentSpider
from tests.conftest import REPLAY_FIXTURE, ROOT, run_scrapy
from tests.helpers import read_items

LISTING_2019 = REPLAY_FIXTURE / RECORDED_QUERIES["listing-2019-charlottesville-va"]["replay_file"]
FLATTENED_2025 = REPLAY_FIXTURE / RECORDED_QUERIES["export-v2-2025-ca-residential"]["replay_file"]
STATE_PAGES = REPLAY_FIXTURE / "findtreatment"
STATS = "iopdir/source/findtreatment"


def _spider(**settings: Any) -> FindTreatmentSpider:
    crawler = get_crawler(FindTreatmentSpider, settings)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler.spider


def _start(spider: FindTreatmentSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [r async for r in spider.start()]

    return asyncio.run(collect())


def _answer(spider: FindTreatmentSpider, request: Request, body: bytes) -> tuple[list[dict], list[Request]]:
    """Run a request's callback on a body; split what it yields into records and new requests."""
    response = TextResponse(url=request.url, body=body, request=request, encoding="utf-8")
    out = list(request.callback(response, **request.cb_kwargs))
    return [o for o in out if isinstance(o, dict)], [o for o in out if isinstance(o, Request)]


def _replay_file(spider: FindTreatmentSpider, request: Request) -> bytes:
    return (REPLAY_FIXTURE / spider.replay_path(request.url)).read_bytes()


def test_recorded_plan_reads_each_recorded_response_once_and_is_complete() -> None:
    spider = _spider(FINDTREATMENT_PLAN="recorded")
    requests = _start(spider)
    assert sorted(spider.replay_path(r.url) for r in requests) == sorted(
        q["replay_file"] for q in RECORDED_QUERIES.values()
    )
    stats = spider.crawler.stats
    records: list[dict] = []
    for request in requests:
        assert stats.get_value(f"{STATS}/complete") is False
        found, more = _answer(spider, request, _replay_file(spider, request))
        assert more == []  # page 1 of 765 is final in this plan: no page 2 is asked for
        records += found
    assert stats.get_value(f"{STATS}/complete") is True
    assert stats.get_value(f"{STATS}/plan") == "recorded"
    # The recorded query's own totals stay visible next to what was read.
    assert stats.get_value(f"{STATS}/query/listing-2019-charlottesville-va/total_pages") == 765
    assert stats.get_value(f"{STATS}/query/listing-2019-charlottesville-va/rows") == 3
    assert stats.get_value(f"{STATS}/records/findtreatment_facility") == len(records) == 8


def test_2019_listing_rows_are_kept_faithfully() -> None:
    spider = _spider(FINDTREATMENT_PLAN="recorded")
    request = next(r for r in _start(spider) if "CBHSQ" in r.url)
    records, _ = _answer(spider, request, LISTING_2019.read_bytes())
    raw = json.loads(LISTING_2019.read_text())["rows"]
    first = records[0]
    assert first["record_type"] == "findtreatment_facility"
    assert first["source"] == "findtreatment"
    assert first["record_id"] == raw[0]["frid"]
    assert first["source_file"] == "_DATA.js"
    fields = first["fields"]
    assert all(v is None or isinstance(v, str) for v in fields.values())
    assert fields["typeFacility"] == raw[0]["typeFacility"]  # key kept as spelled
    assert fields["latitude"] == raw[0]["latitude"]
    assert fields["miles"] == json.dumps(raw[0]["miles"])
    assert fields["hotline1"] is None
    assert json.loads(fields["services"]) == raw[0]["services"]  # f1/f2/f3 exactly


def test_flattened_export_rows_are_read_from_a_bare_list() -> None:
    spider = _spider(FINDTREATMENT_PLAN="recorded")
    request = next(r for r in _start(spider) if "soberlivings" in r.url)
    records, _ = _answer(spider, request, FLATTENED_2025.read_bytes())
    raw = json.loads(FLATTENED_2025.read_text())
    assert [r["fields"]["name"] for r in records] == [r["name"] for r in raw]
    assert records[0]["record_id"] == "export-v2-2025-ca-residential page 1 row 1"
    assert records[0]["fields"]["all_services"] == raw[0]["all_services"]


def test_live_plan_pages_each_state_from_its_first_page() -> None:
    spider = _spider(FINDTREATMENT_PLAN="live", FINDTREATMENT_STATES="VA,WY", FINDTREATMENT_PAGE_SIZE=2)
    first = _start(spider)
    assert [spider.replay_path(r.url) for r in first] == [f"findtreatment/{s}/page-1.json" for s in ("VA", "WY")]
    query = parse_qs(urlparse(first[0].url).query)
    assert query["limitValue"] == [str(STATE_IDS["VA"])]
    assert (query["pageSize"], query["page"], query["limitType"]) == (["2"], ["1"], ["0"])
    stats = spider.crawler.stats
    records, later = _answer(spider, first[0], _replay_file(spider, first[0]))
    assert [spider.replay_path(r.url) for r in later] == [f"findtreatment/VA/page-{n}.json" for n in (2, 3)]
    assert len(records) == 2
    _answer(spider, first[1], _replay_file(spider, first[1]))  # WY: no facility, no page 2
    _answer(spider, later[0], _replay_file(spider, later[0]))
    assert stats.get_value(f"{STATS}/complete") is False  # VA page 3 has not arrived yet
    records, _ = _answer(spider, later[1], _replay_file(spider, later[1]))
    assert stats.get_value(f"{STATS}/complete") is True
    assert records[0]["fields"]["type_facility"] in {"SA", "MH"}
    assert records[0]["record_id"] == "VA page 3 row 1"  # v2 rows carry no frid
    assert stats.get_value(f"{STATS}/query/VA/rows") == 5
    assert stats.get_value(f"{STATS}/state_mismatch") is None


def test_page_size_is_capped_at_2000() -> None:
    spider = _spider(FINDTREATMENT_PLAN="live", FINDTREATMENT_STATES="VA", FINDTREATMENT_PAGE_SIZE=5000)
    assert parse_qs(urlparse(_start(spider)[0].url).query)["pageSize"] == ["2000"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<html>maintenance</html>", "not JSON"),
        (b'{"message": "bad request"}', "no rows"),
        # A server that ignores `page` answers page 1 again.
        (json.dumps({"page": 1, "totalPages": 3, "recordCount": 5, "rows": []}).encode(), "asked for page 2"),
    ],
)
def test_a_bad_page_leaves_the_source_incomplete(body: bytes, error: str) -> None:
    spider = _spider(FINDTREATMENT_PLAN="live", FINDTREATMENT_STATES="VA", FINDTREATMENT_PAGE_SIZE=2)
    (first,) = _start(spider)
    _, later = _answer(spider, first, _replay_file(spider, first))
    _answer(spider, later[0], body)
    _answer(spider, later[1], _replay_file(spider, later[1]))
    stats = spider.crawler.stats
    assert stats.get_value(f"{STATS}/complete") is False
    assert error in stats.get_value(f"{STATS}/error")


def test_fewer_rows_than_the_record_count_leave_the_source_incomplete() -> None:
    spider = _spider(FINDTREATMENT_PLAN="live", FINDTREATMENT_STATES="VA")
    (first,) = _start(spider)
    short = {"page": 1, "totalPages": 1, "recordCount": 3, "rows": [{"state": "VA"}]}
    _answer(spider, first, json.dumps(short).encode())
    assert spider.crawler.stats.get_value(f"{STATS}/complete") is False
    assert "VA: 1 rows of 3 reported" in spider.crawler.stats.get_value(f"{STATS}/error")


def test_auto_plan_is_recorded_only_when_replaying() -> None:
    assert _spider().setting("FINDTREATMENT_PLAN") == "auto"
    live = _spider(FINDTREATMENT_STATES="VA")
    assert [urlparse(r.url).path for r in _start(live)] == ["/locator/exportsAsJson/v2"]
    replay = _spider(IOPDIR_REPLAY_DIR=str(REPLAY_FIXTURE))
    assert len(_start(replay)) == len(RECORDED_QUERIES)
    assert replay.crawler.stats.get_value(f"{STATS}/plan") == "recorded"
    assert replay.replay_path("https://findtreatment.gov/robots.txt") is None  # unplanned: a 404


def test_scrapy_crawl_on_the_replay_fixture_runs_the_recorded_plan(tmp_path: Path) -> None:
    completed = run_scrapy("findtreatment", tmp_path, REPLAY_FIXTURE)
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    assert stats["iopdir/sources"] == ["findtreatment"]
    assert stats[f"{STATS}/complete"] is True
    assert stats[f"{STATS}/plan"] == "recorded"
    assert stats["robotstxt/request_count"] == 2  # findtreatment's recordings live on github.com and its raw host
    assert len(read_items(tmp_path / "items.jsonl")) == stats[f"{STATS}/records/findtreatment_facility"] == 8


def test_scrapy_crawl_of_a_mirrored_live_crawl(tmp_path: Path) -> None:
    completed = _crawl(tmp_path, "-s", f"IOPDIR_REPLAY_DIR={REPLAY_FIXTURE}", *_live("VA,WY"))
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert (stats[f"{STATS}/complete"], stats[f"{STATS}/pages"]) == (True, 4)
    assert len(read_items(tmp_path / "items.jsonl")) == 5


# -- paging against a real HTTP server -------------------------------------------------------

STATE_OF_ID = {str(v): k for k, v in STATE_IDS.items()}


class _Locator(BaseHTTPRequestHandler):
    """Serves the fixture's state pages as the v2 export would; `failing` pages answer 500."""

    failing: frozenset[tuple[str, int]] = frozenset()
    served: list[tuple[str, int, str]]

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/locator/exportsAsJson/v2":
            self.send_error(404)
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state, page = STATE_OF_ID.get(query.get("limitValue", ""), "?"), int(query.get("page", "1"))
        self.served.append((state, page, query.get("pageSize", "")))
        path = STATE_PAGES / state / f"page-{page}.json"
        if (state, page) in self.failing or not path.is_file():
            self.send_error(500 if (state, page) in self.failing else 404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def locator() -> Iterator[type[_Locator]]:
    """A FindTreatment.gov stand-in on 127.0.0.1; yields its handler class (set `failing`, read `served`)."""
    handler = type("Locator", (_Locator,), {"served": [], "failing": frozenset()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def _live(states: str) -> list[str]:
    return ["-s", "FINDTREATMENT_PLAN=live", "-s", f"FINDTREATMENT_STATES={states}", "-s", "FINDTREATMENT_PAGE_SIZE=2"]


def _crawl(out: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    from flows.crawl import crawl_command, crawl_env

    command = crawl_command("findtreatment", out, None)
    command += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1", *settings]
    return subprocess.run(command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False)


def test_paging_over_http_fetches_every_page(tmp_path: Path, locator: type[_Locator]) -> None:
    completed = _crawl(tmp_path, "-s", f"FINDTREATMENT_BASE_URL={locator.base_url}", *_live("VA,WY"))
    assert completed.returncode == 0, completed.stderr
    assert sorted(locator.served) == [("VA", 1, "2"), ("VA", 2, "2"), ("VA", 3, "2"), ("WY", 1, "2")]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats[f"{STATS}/complete"] is True
    assert stats[f"{STATS}/plan"] == "live"
    records = read_items(tmp_path / "items.jsonl")
    assert len(records) == 5
    assert all(r["source_url"].startswith(locator.base_url) for r in records)


def test_a_server_error_on_one_page_makes_the_crawl_incomplete(tmp_path: Path, locator: type[_Locator]) -> None:
    locator.failing = frozenset({("VA", 2)})
    completed = _crawl(tmp_path, "-s", f"FINDTREATMENT_BASE_URL={locator.base_url}", *_live("VA,WY"))
    assert completed.returncode == 0, completed.stderr  # the crawl finishes; the source is incomplete
    assert locator.served.count(("VA", 2, "2")) == 2  # asked again once (RETRY_TIMES=1), then given up
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    assert stats[f"{STATS}/complete"] is False
    assert "HTTP 500" in stats[f"{STATS}/error"]
    assert len(read_items(tmp_path / "items.jsonl")) == 3  # pages 1 and 3 are kept, page 2 is missing


def test_parse_page_accepts_a_plain_response() -> None:
    # Replay answers may come back as a plain Response (unknown content type): JSON is read from bytes.
    spider = _spider(FINDTREATMENT_PLAN="recorded")
    request = next(r for r in _start(spider) if "CBHSQ" in r.url)
    response = Response(url=request.url, body=LISTING_2019.read_bytes(), request=request)
    assert len([o for o in request.callback(response, **request.cb_kwargs) if isinstance(o, dict)]) == 3
