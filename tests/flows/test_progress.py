"""Live progress reads the run's work folder: rich rows on a terminal, log lines above them; plain lines off one."""

import io
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.logging.handlers import PrefectConsoleHandler

import flows.crawl
from flows.crawl import CrawlFailed, run_crawl
from flows.progress import LiveProgress, _status, newest_run, snapshot


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


def _fake_crawl(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Crawls run `python -c code` in their folder instead of Scrapy: a process that dies as told."""

    def command(spider: str, out_dir: Path, *args: object) -> list[str]:
        return [sys.executable, "-c", f"import os, signal, sys, time; os.chdir({str(out_dir)!r}); {code}"]

    monkeypatch.setattr(flows.crawl, "crawl_command", command)


def test_a_crawl_killed_before_its_stats_shows_failed_as_soon_as_its_process_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crawl that logs a page, then dies by SIGKILL (the OOM killer's way) without its stats file.
    log = "open('crawl.log', 'w').write('INFO: Crawled 3 pages (at 3 pages/min)\\n')"
    _fake_crawl(monkeypatch, f"{log}; time.sleep(0.3); os.kill(os.getpid(), signal.SIGKILL)")
    stream = io.StringIO()
    with LiveProgress(tmp_path, stream=stream, plain_interval_s=0.05):
        with pytest.raises(CrawlFailed, match=r"ny_omh: scrapy exited with code -9 \(SIGKILL\)$"):
            run_crawl("ny_omh", tmp_path / "20261205T000000Z-abc123" / "ny_omh", None, 30)
        ended = time.monotonic()
        failed = "progress: ny_omh 3 pages 0 items failed: scrapy exited with code -9 (SIGKILL)"
        while failed not in stream.getvalue() and time.monotonic() - ended < 2:
            time.sleep(0.01)
        seen = time.monotonic() - ended
    lines = stream.getvalue().splitlines()
    assert "progress: ny_omh 3 pages 0 items crawling" in lines  # while it ran
    assert failed in lines and seen < 1  # the next line after it died (was "crawling" until the run's end)
    assert lines[-1] == failed


def test_a_crawl_that_ends_without_stats_or_times_out_shows_why_and_a_retry_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    _fake_crawl(monkeypatch, "sys.exit(0)")
    with pytest.raises(CrawlFailed, match="no stats file was written"):
        run_crawl("ny_omh", run / "ny_omh", None, 30)
    _fake_crawl(monkeypatch, "time.sleep(30)")
    with pytest.raises(CrawlFailed, match="program_pages: crawl timed out after 1 s"):
        run_crawl("program_pages", run / "program_pages", None, 1)
    assert [c.render() for c in snapshot(run)] == [
        f"ny_omh 0 pages 0 items failed: no stats file was written (see {run / 'ny_omh' / 'crawl.log'})",
        "program_pages 0 pages 0 items failed: crawl timed out after 1 s",
    ]
    # A retry runs in the same folder: while it runs, it is crawling again (the exit file is gone).
    _fake_crawl(monkeypatch, "sys.exit(4 if os.path.exists('exit.json') else 5)")
    with pytest.raises(CrawlFailed, match=r"ny_omh: scrapy exited with code 5$"):
        run_crawl("ny_omh", run / "ny_omh", None, 30)


def test_the_steps_after_the_crawls_show_once_the_crawls_are_normalized_or_failed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "ny_omh").mkdir(parents=True)
    (run / "ny_omh" / "exit.json").write_text('{"exit_code": 1, "failed": "scrapy exited with code 1"}', "utf-8")
    (run / "findtreatment" / "normalized").mkdir(parents=True)
    assert _status(run)[-1] == "ny_omh 0 pages 0 items failed: scrapy exited with code 1"  # awaiting its retry
    (run / "findtreatment" / "normalized" / "counts.json").write_text("{}", "utf-8")
    assert _status(run) == [
        "findtreatment 0 pages 0 items normalized",
        "ny_omh 0 pages 0 items failed: scrapy exited with code 1",
        "loading, linking, flagging",
    ]


def _row_when(progress: LiveProgress, finished: bool) -> Any:
    """The live display's one row, once it is (or is not) finished; waits up to 5 s for the next ticks."""
    deadline = time.monotonic() + 5
    while True:
        (task,) = progress._progress.tasks or [None]
        if (task is not None and task.finished == finished) or time.monotonic() > deadline:
            return task
        time.sleep(0.02)


def test_on_a_terminal_a_failed_crawl_stops_its_spinner_and_a_retry_starts_it_again(tmp_path: Path) -> None:
    crawl = tmp_path / "20261205T000000Z-abc123" / "ny_omh"
    crawl.mkdir(parents=True)
    with LiveProgress(tmp_path, stream=_Terminal(), interval_s=0.02) as progress:
        assert not _row_when(progress, finished=False).finished
        (crawl / "exit.json").write_text('{"exit_code": 1, "failed": "scrapy exited with code 1"}', "utf-8")
        task = _row_when(progress, finished=True)
        assert task.finished and task.description.endswith("failed: scrapy exited with code 1")
        (crawl / "exit.json").unlink()  # the retry runs
        task = _row_when(progress, finished=False)
        assert not task.finished and task.description.endswith("crawling")
