"""Live progress reads the run's work folder; it is silent when not on a terminal."""

import io
from pathlib import Path

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


def test_silent_without_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    with LiveProgress(tmp_path, stream=stream, interval_s=0.01) as progress:
        assert not progress.enabled
    assert stream.getvalue() == ""
