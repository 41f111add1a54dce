"""The crawl benchmark on a small site: the server, our spider on it, and the figures it prints."""

import json
import re
import socket
from pathlib import Path

import pytest

from benchmarks import bench_crawl
from benchmarks.page_server import render_page
from spiders.program_pages import RELEVANT_LINK, program_sections

PAGES = 60


def test_generated_pages_have_the_sections_the_server_announces() -> None:
    for number in range(PAGES):
        page = render_page(1, number, PAGES)
        assert len(program_sections(page.html)) == page.sections > 0
        assert number == 0 or RELEVANT_LINK.search(page.path)


def test_our_spider_fetches_every_page_and_finds_every_section(tmp_path: Path) -> None:
    info, crawl, served = bench_crawl.measure_crawl(PAGES, 2, tmp_path)

    assert len(info.seeds) == 2  # two sites: 127.0.0.1 and 127.0.0.2
    assert bench_crawl.crawl_problems(info, crawl) == []
    assert crawl.pages == PAGES
    # And a site's robots.txt and its "Insurance & Payment" menu link (the spider follows payment
    # pages for the site's insurance texts; the generated site has none, so it answers 404).
    assert crawl.responses == PAGES + 2 + 2
    assert served["requests"] == crawl.responses
    assert crawl.pages_per_s > 0
    items = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == info.sections
    assert {item["fields"]["heading_level"] for item in items} == {"iop", "php"}


def test_bench_stats_are_read_from_scrapys_closing_dump() -> None:
    log = (
        "2026-01-01 00:00:10 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n"
        "{'downloader/request_count': 815,\n 'elapsed_time_seconds': 10.25,\n"
        " 'finish_reason': 'closespider_timeout',\n 'response_received_count': 820,\n}\n"
    )
    figures = bench_crawl.parse_bench_stats(log)
    assert figures == bench_crawl.BenchFigures(820, 10.25)
    assert figures.pages_per_s == pytest.approx(80.0)
    with pytest.raises(ValueError):
        bench_crawl.parse_bench_stats("no stats here")


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(_port_in_use(bench_crawl.SCRAPY_BENCH_PORT), reason="scrapy bench's port is in use")
def test_main_prints_the_four_figures_last(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # One real, short scrapy bench run stands for both (before and after the crawl): start-up
    # dominates so short a run, and the test checks the plumbing, not the figures.
    runs: list[bench_crawl.BenchFigures] = []
    real = bench_crawl.run_scrapy_bench

    def run_once(seconds: float) -> bench_crawl.BenchFigures:
        if not runs:
            runs.append(real(seconds))
        return runs[0]

    monkeypatch.setattr(bench_crawl, "run_scrapy_bench", run_once)

    bench_crawl.main(["--pages", str(PAGES), "--bench-seconds", "1"])

    lines = capsys.readouterr().out.strip().splitlines()
    figures = dict(line.split(": ", 1) for line in lines[-4:])
    assert list(figures) == ["crawl_pages", "crawl_pages_per_s", "scrapy_bench_pages_per_s", "ratio_to_scrapy_bench"]
    assert int(figures["crawl_pages"]) == PAGES
    assert all(re.fullmatch(r"\d+\.\d+", figures[name]) for name in list(figures)[1:])
    assert float(figures["scrapy_bench_pages_per_s"]) > 0
    assert not any(line.startswith("INCOMPLETE") for line in lines)
