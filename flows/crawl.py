"""Run one spider as its own `scrapy crawl` process and check how it ended.

Scrapy's Twisted reactor cannot restart inside a process and wants the main thread, so every
crawl is a subprocess; this module builds the command and reads back the stats file.
"""

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.lifetime import child_preexec
from schemas.crawl_stats import COMPLETE, ERROR, SOURCES, UNREACHABLE, is_error_key, source_key

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Each spider and the sources its listings carry (`listings.source`); a run prints the sources.
SPIDER_SOURCES: dict[str, tuple[str, ...]] = {
    "samhsa_directory": ("samhsa_su", "samhsa_mh"),
    "findtreatment": ("findtreatment",),
    "ny_omh": ("ny_omh",),
    "program_pages": ("program_pages",),
}
#: Every spider `iopdir run` crawls when no --source is given.
DEFAULT_SPIDERS = tuple(SPIDER_SOURCES)


def _spider_of(name: str) -> str | None:
    if name in SPIDER_SOURCES:
        return name
    return next((spider for spider, sources in SPIDER_SOURCES.items() if name in sources), None)


def _unknown(names: list[str]) -> ValueError:
    known = ", ".join(f"{spider} ({', '.join(sources)})" for spider, sources in SPIDER_SOURCES.items())
    return ValueError(
        f"unknown source{'s' if len(names) > 1 else ''} {', '.join(map(repr, names))}; "
        f"the sources are {known}: a spider's name or any of its sources' names"
    )


def check_spiders(names: list[str]) -> list[str]:
    """The spiders `names` name, each a spider or a source of one (`samhsa_su` is `samhsa_directory`),
    in order and once each; else `ValueError` naming the unknown and the known ones.

    Checked before a run starts: an unknown name would otherwise fail only in its crawl, after
    start-up, with the database already created.
    """
    unknown = [name for name in names if _spider_of(name) is None]
    if unknown:
        raise _unknown(unknown)
    return list(dict.fromkeys(spider for name in names if (spider := _spider_of(name))))


def listing_sources(names: list[str]) -> list[str]:
    """The listing sources `names` name (a spider stands for all its sources), in order and once
    each; else `ValueError` naming the unknown and the known ones."""
    unknown = [name for name in names if _spider_of(name) is None]
    if unknown:
        raise _unknown(unknown)
    found = (SPIDER_SOURCES.get(name, (name,)) for name in names)
    return list(dict.fromkeys(source for sources in found for source in sources))


class CrawlFailed(RuntimeError):
    """The crawl process failed as a whole (exit code, close reason or missing output).

    `retryable` is False for a failure another attempt would only repeat (an unknown spider, a
    host that does not resolve or refuses the connection): the crawl task does not retry those.
    The message is "<spider>: <reason>"; `reason` alone is for a line that names the spider
    already (the spider's row of the run summary), so that it names it once.
    """

    def __init__(self, reason: str, retryable: bool = True, spider: str = "") -> None:
        super().__init__(f"{spider}: {reason}" if spider else reason)
        self.reason = reason
        self.spider = spider
        self.retryable = retryable

    def __reduce__(self) -> tuple[type["CrawlFailed"], tuple[str, bool, str]]:
        # Pickled (a task's result) with every field: by default only the message would survive.
        return type(self), (self.reason, self.retryable, self.spider)


@dataclass
class CrawlResult:
    """Output files of a crawl, and which of its sources were read completely."""

    spider: str
    items_path: str
    stats: dict[str, Any]
    sources: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def problems(self) -> str:
        """Why sources failed in-band, naming the spider and each source once: "findtreatment: why",
        "samhsa_directory: samhsa_su: why; samhsa_mh: why" (a source named like its spider is not
        named again)."""
        found = [why if source == self.spider else f"{source}: {why}" for source, why in self.errors.items()]
        return f"{self.spider}: {'; '.join(found)}"


def crawl_command(
    spider: str, out_dir: Path, replay_dir: Path | None, settings: Mapping[str, str] | None = None
) -> list[str]:
    """The `scrapy crawl` command line for a spider writing into `out_dir`, with extra settings."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        spider,
        "-O",
        f"{out_dir / 'items.jsonl'}:jsonlines",
        "-s",
        f"IOPDIR_STATS_FILE={out_dir / 'stats.json'}",
        "-s",
        f"LOG_FILE={out_dir / 'crawl.log'}",
    ]
    if replay_dir is not None:
        # Politeness delays protect real servers; a local mirror has none to protect.
        command += [
            "-s",
            f"IOPDIR_REPLAY_DIR={replay_dir.resolve()}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "DOWNLOAD_DELAY=0",
        ]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_env() -> dict[str, str]:
    """Environment of a crawl subprocess: our settings module, the project importable from anywhere."""
    return {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "spiders.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }


#: Written into a crawl's folder by `run_crawl` as soon as its process has ended and been checked:
#: {"exit_code": N or null (timed out), "failed": why or null}. Progress (flows/progress.py) shows
#: from it a crawl that failed, above all one that died without the stats file that would say so.
EXIT_FILE = "exit.json"


_EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception): .*$", re.M)


def _read_log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _last_exception(log: str) -> str | None:
    """The last "SomeError: why" line of a crawl log (a traceback's last line), if any."""
    found = _EXCEPTION_LINE.findall(log)
    return found[-1] if found else None


def run_crawl(
    spider: str,
    out_dir: Path,
    replay_dir: Path | None,
    timeout_s: float,
    settings: Mapping[str, str] | None = None,
) -> CrawlResult:
    """Run the spider to completion and return its result, or raise `CrawlFailed`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "stats.json").unlink(missing_ok=True)
    exit_file = out_dir / EXIT_FILE
    exit_file.unlink(missing_ok=True)  # a retry's crawl is running again
    ended: dict[str, Any] = {"exit_code": None, "failed": None}
    try:
        completed = subprocess.run(
            crawl_command(spider, out_dir, replay_dir, settings),
            cwd=PROJECT_ROOT,
            env=crawl_env(),
            timeout=timeout_s,
            capture_output=True,
            text=True,
            check=False,
            # The crawl dies with the run, even a run killed with SIGKILL (flows/lifetime.py).
            preexec_fn=child_preexec(),
        )
        ended["exit_code"] = completed.returncode
        return _checked(spider, out_dir, completed)
    except subprocess.TimeoutExpired as error:
        ended["failed"] = f"crawl timed out after {timeout_s:.0f} s"
        raise CrawlFailed(ended["failed"], spider=spider) from error
    except CrawlFailed as error:
        ended["failed"] = error.reason
        raise
    except Exception as error:  # no process started, or unreadable stats: failed all the same
        ended["failed"] = f"{type(error).__name__}: {error}"
        raise
    finally:
        with suppress(OSError):  # for progress only: never in the way of the crawl's own outcome
            exit_file.write_text(json.dumps(ended), encoding="utf-8")


def _exited(code: int) -> str:
    """How the crawl process ended: "scrapy exited with code 1", "... code -9 (SIGKILL)" for a signal."""
    try:
        killed = f" ({signal.Signals(-code).name})" if code < 0 else ""
    except ValueError:  # not a signal this platform names
        killed = ""
    return f"scrapy exited with code {code}{killed}"


def _checked(spider: str, out_dir: Path, completed: subprocess.CompletedProcess[str]) -> CrawlResult:
    """The result of a crawl whose process has ended, from its exit code and stats, or `CrawlFailed`."""
    if completed.returncode != 0 and "Spider not found" in (completed.stderr or ""):
        known = ", ".join(SPIDER_SOURCES)
        raise CrawlFailed(f"no such spider; the spiders are {known}", retryable=False, spider=spider)
    if completed.returncode != 0:
        log = _read_log(out_dir / "crawl.log")
        detail = _last_exception(log) or " | ".join((completed.stderr or "").strip().splitlines()[-5:])
        exited = _exited(completed.returncode)
        # A crawl that failed before its spider opened failed on its configuration: the same again.
        retryable = "Spider opened" in log
        raise CrawlFailed(f"{exited}: {detail}" if detail else exited, retryable=retryable, spider=spider)
    stats_path = out_dir / "stats.json"
    if not stats_path.is_file():
        raise CrawlFailed(f"no stats file was written (see {out_dir / 'crawl.log'})", spider=spider)
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    if stats.get(UNREACHABLE):  # the first request could not reach its host (spiders/fail_fast.py)
        raise CrawlFailed(str(stats[UNREACHABLE]), retryable=False, spider=spider)
    if stats.get("finish_reason") != "finished":
        errors = "; ".join(str(v) for k, v in sorted(stats.items()) if is_error_key(k))
        reason = f"crawl closed with reason {stats.get('finish_reason')!r}"
        raise CrawlFailed(f"{reason}: {errors}" if errors else reason, spider=spider)
    sources = {s: bool(stats.get(source_key(s, COMPLETE))) for s in stats.get(SOURCES, [])}
    if not sources:
        raise CrawlFailed("the crawl reported no sources", spider=spider)
    errors = {
        s: str(stats.get(source_key(s, ERROR)) or "crawl incomplete") for s, complete in sources.items() if not complete
    }
    return CrawlResult(spider, str(out_dir / "items.jsonl"), stats, sources, errors)
