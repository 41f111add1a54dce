"""Live progress of a run for a person at a terminal: per source pages, items, errors, then steps.

The crawls are subprocesses writing into the run's work folder; progress reads what they have
written so far (the crawl log and the items file), so it needs nothing from the flow itself. A
crawl that failed shows why as soon as its process has ended, from the exit file
`flows.crawl.run_crawl` writes then: one killed or crashed before its stats has nothing else to say so.

On a terminal: a rich live display, one row per crawl, cut to the terminal's width (at most
`MAX_WIDTH`); while it is up, the log handlers that write to the same terminal (Prefect's console
handler, plain stream handlers) print through its console, so log lines appear above the rows
instead of over them. Off a terminal (cron, CI, a pipe): one plain line per crawl every
`plain_interval_s` (10 s), nothing until a crawl has started.
"""

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from flows.crawl import EXIT_FILE

#: The widest the live rows get, however wide the terminal.
MAX_WIDTH = 120
#: Seconds between plain progress lines off a terminal.
PLAIN_INTERVAL_S = 10.0


@dataclass(frozen=True)
class CrawlProgress:
    """How far one spider's crawl has come."""

    spider: str
    pages: int
    items: int
    errors: int
    finished: bool
    normalized: bool
    #: Why the crawl failed, once its process has ended ("scrapy exited with code -9 (SIGKILL)"); else None.
    failed: str | None = None

    def render(self) -> str:
        """One short phrase: "ny_omh 2 pages 5,450 items crawled"."""
        state = "crawled" if self.finished else "crawling"
        state = "normalized" if self.normalized else f"failed: {self.failed}" if self.failed else state
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


def _failed(spider_dir: Path) -> str | None:
    """Why the crawl failed, once its process has ended and `run_crawl` has said so; else None."""
    try:
        ended = json.loads((spider_dir / EXIT_FILE).read_text(encoding="utf-8"))
        return str(ended["failed"]) if ended.get("failed") else None
    except (OSError, ValueError, AttributeError, KeyError):  # running, or the file half written: the next tick
        return None


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
                failed=_failed(spider_dir),
            )
        )
    return found


def newest_run(work_root: Path, since: float) -> Path | None:
    """The run folder created after `since` (a time.time()), if any."""
    if not work_root.is_dir():
        return None
    runs = [p for p in work_root.iterdir() if p.is_dir() and p.stat().st_mtime >= since]
    return max(runs, key=lambda p: p.stat().st_mtime, default=None)


def _lines(crawls: list[CrawlProgress]) -> list[str]:
    lines = [c.render() for c in crawls]
    if any(c.normalized for c in crawls) and all(c.normalized or c.failed for c in crawls):
        lines.append("loading, linking, flagging")
    return lines


def _status(run_dir: Path | None) -> list[str]:
    """One phrase per crawl of the run, and the steps after the crawls once every crawl is normalized
    or failed (normalizing starts after the last crawl: a failed crawl awaiting its retry holds it)."""
    return _lines(snapshot(run_dir) if run_dir else [])


def _handlers() -> Iterator[logging.Handler]:
    loggers = [
        logging.getLogger(),
        *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    seen: set[int] = set()
    for logger in loggers:
        for handler in logger.handlers:
            if id(handler) not in seen:
                seen.add(id(handler))
                yield handler


@contextmanager
def logs_through(console: Any, stream: TextIO) -> Iterator[None]:
    """While the block runs, handlers writing to `stream` print through `console` (above its live display)."""
    from rich.file_proxy import FileProxy

    swapped: list[tuple[logging.Handler, str, Any]] = []
    for handler in _handlers():
        if getattr(handler, "console", None) is not None and getattr(handler, "stream", None) is stream:
            swapped.append((handler, "console", handler.console))  # Prefect's console handler: a rich Console
            handler.console = console  # type: ignore[attr-defined]
        elif isinstance(handler, logging.StreamHandler) and handler.stream is stream:
            swapped.append((handler, "stream", handler.stream))
            handler.stream = FileProxy(console, stream)
    try:
        yield
    finally:
        for handler, name, value in swapped:
            setattr(handler, name, value)


class LiveProgress:
    """Progress of a run until stopped: rich live rows on a terminal, plain lines off one (see the module)."""

    def __init__(
        self,
        work_root: Path,
        stream: TextIO | None = None,
        interval_s: float = 1.0,
        plain_interval_s: float = PLAIN_INTERVAL_S,
    ) -> None:
        self.work_root = work_root
        # sys.stderr as it is now, not as it was at import (tests and tools swap it).
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        self.interval_s = interval_s if self.live else plain_interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="iopdir-progress", daemon=True)
        self._started = time.time()
        self._exit = ExitStack()
        self._progress: Any = None
        self._rows: dict[str, Any] = {}

    def __enter__(self) -> "LiveProgress":
        if self.live:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            width = Console(file=self.stream).width
            console = Console(file=self.stream, width=min(width, MAX_WIDTH), force_terminal=True)
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
            )
            self._exit.enter_context(self._progress)
            self._exit.enter_context(logs_through(console, self.stream))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._exit.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            run_dir = newest_run(self.work_root, self._started - 1)
            crawls = snapshot(run_dir) if run_dir else []
            lines = _lines(crawls)
            if self._progress is not None:
                self._update(lines, {c.spider for c in crawls if c.normalized or c.failed})
            else:
                for line in lines:
                    self.stream.write(f"progress: {line}\n")
                self.stream.flush()

    def _update(self, lines: list[str], settled: set[str]) -> None:
        """Rows of the live display; a crawl that is normalized or failed stops its spinner and clock."""
        for line in lines:
            key = line.split(" ", 1)[0]
            if key not in self._rows:
                self._rows[key] = self._progress.add_task(line, total=None)
            task = self._rows[key]
            if key in settled:
                self._progress.update(task, description=line, total=1, completed=1)
            elif self._progress.tasks[task].finished:  # a failed crawl's retry: crawling again
                self._progress.reset(task, total=None, completed=0, description=line)
            else:
                self._progress.update(task, description=line)
