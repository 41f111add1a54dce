"""Live progress of a run for a person at a terminal: per source pages, items, errors, then steps.

The crawls are subprocesses writing into the run's work folder; progress reads what they have
written so far (the crawl log and the items file), so it needs nothing from the flow itself.
Silent when stderr is not a terminal (cron, CI, a pipe).
"""

import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class CrawlProgress:
    """How far one spider's crawl has come."""

    spider: str
    pages: int
    items: int
    errors: int
    finished: bool
    normalized: bool

    def render(self) -> str:
        """One short phrase: "ny_omh 2 pages 5,450 items done"."""
        state = "normalized" if self.normalized else "crawled" if self.finished else "crawling"
        errors = f" {self.errors} errors" if self.errors else ""
        return f"{self.spider} {self.pages} pages {self.items:,} items{errors} {state}"


_PAGES = re.compile(rb"Crawled (\d+) pages")


def _pages(spider_dir: Path) -> int:
    # Finished: the stats file counts responses; running: Scrapy's periodic LogStats line.
    try:
        stats = json.loads((spider_dir / "stats.json").read_text(encoding="utf-8"))
        return int(stats.get("downloader/response_count", 0))
    except (OSError, ValueError):
        pass
    try:
        found = _PAGES.findall((spider_dir / "crawl.log").read_bytes())
    except OSError:
        return 0
    return int(found[-1]) if found else 0


def _count(path: Path, needle: bytes | None = None) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(needle) if needle else data.count(b"\n")


def snapshot(run_dir: Path) -> list[CrawlProgress]:
    """The progress of every crawl in a run's work folder."""
    if not run_dir.is_dir():
        return []
    found = []
    for spider_dir in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        log = spider_dir / "crawl.log"
        found.append(
            CrawlProgress(
                spider=spider_dir.name,
                pages=_pages(spider_dir),
                items=_count(spider_dir / "items.jsonl"),
                errors=_count(log, b"] ERROR:"),
                finished=(spider_dir / "stats.json").is_file(),
                normalized=(spider_dir / "normalized" / "counts.json").is_file(),
            )
        )
    return found


def newest_run(work_root: Path, since: float) -> Path | None:
    """The run folder created after `since` (a time.time()), if any."""
    if not work_root.is_dir():
        return None
    runs = [p for p in work_root.iterdir() if p.is_dir() and p.stat().st_mtime >= since]
    return max(runs, key=lambda p: p.stat().st_mtime, default=None)


class LiveProgress:
    """A background thread redrawing one status line on a terminal until stopped."""

    def __init__(self, work_root: Path, stream: TextIO | None = None, interval_s: float = 1.0) -> None:
        self.work_root = work_root
        # sys.stderr as it is now, not as it was at import (tests and tools swap it).
        self.stream = stream if stream is not None else sys.stderr
        self.interval_s = interval_s
        self.enabled = self.stream.isatty()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="iopdir-progress", daemon=True)
        self._started = time.time()

    def __enter__(self) -> "LiveProgress":
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join(timeout=5)
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            run_dir = newest_run(self.work_root, self._started - 1)
            crawls = snapshot(run_dir) if run_dir else []
            if not crawls:
                continue
            line = " | ".join(c.render() for c in crawls)
            if all(c.normalized for c in crawls):
                line += " | loading, linking, flagging"
            self.stream.write("\r\033[K" + line[:200])
            self.stream.flush()
