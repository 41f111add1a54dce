"""Live progress reads the run's work folder: rich rows on a terminal, log lines above them; plain lines off one."""

import io
import logging
import re
import time
from pathlib import Path

import pytest
from prefect.logging.handlers import PrefectConsoleHandler

from flows.progress import LiveProgress, newest_run, snapshot


def test_snapshot_reads_logs_and_items(tmp_path: Path) -> None:
    run = tmp_path / "20261127T000000Z-abc123"
    (run / "ny_omh" / "normalized").mkdir(parents=True)
    (run / "ny_omh" / "crawl.log").write_bytes(
        b"... [scrapy.extensions.logstats] INFO: Crawled 1 pages (at 1 pages/min), scraped 0 items\n"
        b"... [scrapy.extensions.logstats] INFO: Crawled 2 pages (at 1 pages/min), scraped 3 items\n"
        b"... [ny_omh] ERROR: HTTP 500 for page 2\n"
    )
    (run / "ny_omh" / "items.jsonl").write_text("{}\n{}\n{}\n", encoding="utf-8")
    (run / "program_pages").mkdir()
    crawls = snapshot(run)
    assert [(c.spider, c.pages, c.items, c.errors, c.finished) for c in crawls] == [
        ("ny_omh", 2, 3, 1, False),
        ("program_pages", 0, 0, 0, False),
    ]
    assert crawls[0].render() == "ny_omh 2 pages 3 items 1 errors crawling"
    (run / "program_pages" / "stats.json").write_text('{"downloader/response_count": 7}', encoding="utf-8")
    assert snapshot(run)[1].pages == 7 and snapshot(run)[1].finished
    assert newest_run(tmp_path, since=0) == run
    assert newest_run(tmp_path / "missing", since=0) is None


def test_off_a_terminal_silent_until_a_crawl_starts(tmp_path: Path) -> None:
    stream = io.StringIO()
    with LiveProgress(tmp_path, stream=stream, plain_interval_s=0.01) as progress:
        assert not progress.live
        time.sleep(0.1)
    assert stream.getvalue() == ""


def _crawl(work: Path, items: int) -> None:
    spider = work / "20261205T000000Z-abc123" / "ny_omh"
    spider.mkdir(parents=True, exist_ok=True)
    (spider / "items.jsonl").write_text("{}\n" * items, encoding="utf-8")


def test_off_a_terminal_one_plain_line_per_crawl_every_interval(tmp_path: Path) -> None:
    stream = io.StringIO()
    with LiveProgress(tmp_path, stream=stream, plain_interval_s=0.05) as progress:
        assert not progress.live
        _crawl(tmp_path, 3)
        time.sleep(0.5)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3 and set(lines) == {"progress: ny_omh 0 pages 3 items crawling"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_log_lines_print_above_the_rows_and_nothing_is_wider_than_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setenv("COLUMNS", "60")
    logger = logging.getLogger("iopdir.test.progress")
    handler = PrefectConsoleHandler(stream=terminal)
    plain = logging.StreamHandler(terminal)
    logger.addHandler(handler)
    logger.addHandler(plain)
    try:
        with LiveProgress(tmp_path, stream=terminal, interval_s=0.02) as progress:
            assert progress.live
            _crawl(tmp_path, 12345)
            time.sleep(0.3)
            assert handler.console is progress._progress.console  # Prefect's handler prints through the live one
            logger.warning("a log line " + "x" * 100)
            time.sleep(0.2)
        assert plain.stream is terminal  # restored
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(plain)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    assert "ny_omh 0 pages 12,345 items crawling" in text
    assert "a log line" in text
    rows = [line for line in text.replace("\r", "\n").splitlines() if "ny_omh" in line]
    assert rows and max(len(row) for row in rows) <= 60  # log lines wrap on the terminal (soft wrap)
    assert text.count("a log line") == 2  # Prefect's handler and the plain one, each once
