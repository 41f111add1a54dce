"""The ny_omh spider: a fixture of real rows (in process and as `scrapy crawl`) and paging against a local server."""

import csv
import io
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
import scrapy
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from spiders.ny_omh import NyOmhSpider
from tests.conftest import REPLAY_FIXTURE, ROOT, run_scrapy
from tests.helpers import normalize_and_load, write_items

FIXTURE_FILE = REPLAY_FIXTURE / "ny-omh-programs" / "Local_Mental_Health_Programs_2022-05.csv"
FIXTURE_LINES = FIXTURE_FILE.read_bytes().splitlines(keepends=True)
HEADER, ROWS = FIXTURE_LINES[0], FIXTURE_LINES[1:]


def _spider(**settings: Any) -> NyOmhSpider:
    crawler = get_crawler(NyOmhSpider, settings)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler.spider


def _stat(spider: NyOmhSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(f"iopdir/source/ny_omh/{key}")


def test_replay_path_maps_the_first_page_to_the_recorded_export() -> None:
    spider = _spider()
    assert spider.replay_path(spider.page_url(0)) == "ny-omh-programs/Local_Mental_Health_Programs_2022-05.csv"
    assert spider.replay_path("https://data.ny.gov/robots.txt") == "ny-omh-programs/robots.txt"
    # Later pages have no recording: replay answers 404 and the source stays incomplete.
    assert spider.replay_path(spider.page_url(50_000)) is None
    assert spider.replay_path("https://data.ny.gov/resource/other.csv?$offset=0") is None


def test_page_url_is_ordered_and_uses_the_settings() -> None:
    spider = _spider(NY_OMH_BASE_URL="http://127.0.0.1:9/resource/6nvr-tbv8.csv", NY_OMH_PAGE_SIZE=5)
    assert spider.page_url(10) == "http://127.0.0.1:9/resource/6nvr-tbv8.csv?$limit=5&$offset=10&$order=:id"
    assert spider.allowed_domains == ["127.0.0.1"]
    assert _spider().page_url(0) == "https://data.ny.gov/resource/6nvr-tbv8.csv?$limit=50000&$offset=0&$order=:id"


def test_parse_page_yields_faithful_raw_records() -> None:
    spider = _spider()
    url = spider.page_url(0)
    items = list(spider.parse_page(Response(url=url, body=FIXTURE_FILE.read_bytes()), source="ny_omh", offset=0))
    assert len(items) == len(ROWS) == 15
    assert all(isinstance(i, dict) and i["record_type"] == "ny_omh_program" for i in items)
    first = items[0]
    assert first["source"] == "ny_omh"
    assert first["source_url"] == url
    assert first["source_file"] == "6nvr-tbv8.csv"
    assert [i["record_id"] for i in items] == [f"6nvr-tbv8!{n}" for n in range(2, 17)]
    # Headers exactly as the file spells them, leading spaces included; cells as given, as text.
    assert list(first["fields"])[:3] == ["Row Created Date Time", " Sponsor Name", " Sponsor Code"]
    assert "  Program Address 1" in first["fields"]
    assert first["fields"][" Program Name"] == "H.A.V.E.N. House"
    assert first["fields"][" Program Phone"] == "Not Available"
    assert first["fields"][" Facility Code"] == "0021"
    assert all(isinstance(v, str) for i in items for v in i["fields"].values())
    assert _stat(spider, "complete") is True
    assert _stat(spider, "records/ny_omh_program") == 15


def test_a_full_page_asks_for_the_next_one_and_numbers_rows_from_its_offset() -> None:
    spider = _spider(NY_OMH_PAGE_SIZE=5)
    body = HEADER + b"".join(ROWS[5:10])
    out = list(spider.parse_page(Response(url=spider.page_url(5), body=body), source="ny_omh", offset=5))
    records, requests = out[:-1], out[-1:]
    assert [r["record_id"] for r in records] == [f"6nvr-tbv8!{n}" for n in range(7, 12)]
    assert len(requests) == 1 and isinstance(requests[0], scrapy.Request)
    assert requests[0].url == spider.page_url(10)
    assert requests[0].cb_kwargs == {"source": "ny_omh", "offset": 10}
    assert not _stat(spider, "complete")


@pytest.mark.parametrize(
    ("body", "offset", "error"),
    [
        (b"name,phone\nA,1\n", 0, "columns not found"),
        (b"", 0, "first page is empty"),
        (HEADER + b"".join(ROWS[:6]), 0, "more than $limit=5"),
        (b"\xff\xfe" + HEADER, 0, "not a UTF-8 CSV"),
    ],
)
def test_a_page_that_is_not_the_dataset_leaves_the_source_incomplete(body: bytes, offset: int, error: str) -> None:
    spider = _spider(NY_OMH_PAGE_SIZE=5)
    items = list(spider.parse_page(Response(url=spider.page_url(offset), body=body), source="ny_omh", offset=offset))
    assert items == []
    assert not _stat(spider, "complete")
    assert error in _stat(spider, "error")


def test_an_empty_page_after_the_first_ends_the_source() -> None:
    spider = _spider(NY_OMH_PAGE_SIZE=5)
    assert list(spider.parse_page(Response(url=spider.page_url(15), body=HEADER), source="ny_omh", offset=15)) == []
    assert _stat(spider, "complete") is True


def test_scrapy_crawl_against_the_replay_fixture(tmp_path: Path) -> None:
    completed = run_scrapy("ny_omh", tmp_path, REPLAY_FIXTURE)
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    assert stats["iopdir/sources"] == ["ny_omh"]
    assert stats["iopdir/source/ny_omh/complete"] is True
    assert stats["iopdir/source/ny_omh/records/ny_omh_program"] == 15
    assert stats["robotstxt/request_count"] == 1  # robots.txt is asked for, even offline
    assert stats["replay/hit"] == 1
    records = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert len(records) == 15
    assert records[-1]["fields"][" Program Name"] == "FW-Saratoga Adult Partial Hospital Program"


# --- paging against a Socrata stand-in on 127.0.0.1 --------------------------------------------


class _Socrata(BaseHTTPRequestHandler):
    """Serves `rows` in pages by $offset/$limit, like the Socrata resource endpoint; 404 elsewhere."""

    base_url: ClassVar[str] = ""
    rows: ClassVar[list[bytes]] = []
    fail_offsets: ClassVar[frozenset[int]] = frozenset()
    requests: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        parts = urlparse(self.path)
        if parts.path != "/resource/6nvr-tbv8.csv":
            self.send_error(404)
            return
        query = parse_qs(parts.query)
        self.requests.append(query)
        offset, limit = int(query["$offset"][0]), int(query["$limit"][0])
        if offset in self.fail_offsets or query.get("$order") != [":id"]:
            self.send_error(500)
            return
        body = HEADER + b"".join(self.rows[offset : offset + limit])
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def socrata() -> Iterator[type[_Socrata]]:
    """A local Socrata stand-in (a subclass per test, so state is not shared); stopped after the test."""
    handler = type("Handler", (_Socrata,), {"rows": list(ROWS), "fail_offsets": frozenset(), "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.base_url = f"http://127.0.0.1:{server.server_address[1]}/resource/6nvr-tbv8.csv"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _crawl_live(base_url: str, out_dir: Path) -> dict[str, Any]:
    """`scrapy crawl ny_omh` as the flow runs it, live (no replay) against `base_url`, pages of 5 rows."""
    from flows.crawl import crawl_command, crawl_env

    out_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        "NY_OMH_BASE_URL": base_url,
        "NY_OMH_PAGE_SIZE": "5",
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "RETRY_TIMES": "1",
    }
    command = [*crawl_command("ny_omh", out_dir, None), *(a for k, v in settings.items() for a in ("-s", f"{k}={v}"))]
    # The local server must never be reached through a proxy the environment may name.
    env = {**crawl_env(), "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        env.pop(name, None)
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert os.path.exists(out_dir / "stats.json"), completed.stderr
    return json.loads((out_dir / "stats.json").read_text())


@pytest.mark.parametrize("row_count", [15, 12])
def test_paging_collects_every_row_and_completes(socrata: type[_Socrata], tmp_path: Path, row_count: int) -> None:
    socrata.rows = list(ROWS[:row_count])
    stats = _crawl_live(socrata.base_url, tmp_path)
    assert stats["finish_reason"] == "finished"
    assert stats["iopdir/source/ny_omh/complete"] is True
    assert "iopdir/source/ny_omh/error" not in stats
    # 15 rows: three full pages and an empty one; 12 rows: two full pages and a short one.
    offsets = [int(q["$offset"][0]) for q in socrata.requests]
    assert offsets == ([0, 5, 10, 15] if row_count == 15 else [0, 5, 10])
    records = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert len(records) == stats["iopdir/source/ny_omh/records/ny_omh_program"] == row_count
    assert sorted(int(r["record_id"].split("!")[1]) for r in records) == list(range(2, row_count + 2))
    names = {r["fields"][" Program Name"] for r in records}
    assert len(names) == row_count
    assert stats["robotstxt/request_count"] == 1


def test_an_http_error_on_page_two_leaves_the_source_incomplete(socrata: type[_Socrata], tmp_path: Path) -> None:
    socrata.fail_offsets = frozenset([5])
    stats = _crawl_live(socrata.base_url, tmp_path)
    assert stats["finish_reason"] == "finished"
    assert stats["iopdir/source/ny_omh/complete"] is False
    assert stats["iopdir/source/ny_omh/error"].startswith("HTTP 500 for ")
    # Page 1 was delivered; nothing after the failed page was asked for (beyond Scrapy's one retry).
    assert stats["iopdir/source/ny_omh/records/ny_omh_program"] == 5
    assert [int(q["$offset"][0]) for q in socrata.requests] == [0, 5, 5]


def test_a_cell_too_long_for_the_csv_reader_rejects_its_row_not_the_source(tmp_path: Path) -> None:
    """Issue 16: one cell over 131,072 characters (csv's field limit) failed the whole source as "not a UTF-8 CSV"."""
    rows = list(csv.reader(io.StringIO(FIXTURE_FILE.read_text(encoding="utf-8-sig"))))
    rows[4][rows[0].index(" Program Name")] = "IOP " * 50_000  # 200,000 characters
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    spider = _spider()
    url = spider.page_url(0)
    items = list(spider.parse_page(Response(url=url, body=text.getvalue().encode()), source="ny_omh", offset=0))
    assert len(items) == len(ROWS) == 15
    assert _stat(spider, "complete") is True and _stat(spider, "error") is None

    items_path = write_items(tmp_path / "crawl" / "items.jsonl", items)
    counts = normalize_and_load(items_path, tmp_path / "iop.duckdb", "r1")
    assert (counts["ny_omh"].status, counts["ny_omh"].loaded, counts["ny_omh"].rejected) == ("ok", 14, 1)
    with duckdb.connect(str(tmp_path / "iop.duckdb"), read_only=True) as con:
        [(record_id, field, message)] = con.execute("SELECT source_record_id, field, message FROM rejects").fetchall()
    assert record_id == "6nvr-tbv8!5"
    assert "Program Name" in field
    assert "100000 characters" in message
