"""Crawl throughput: our `program_pages` spider against `scrapy bench`, on the same machine.

    .venv/bin/python -m benchmarks crawl [--pages 10000] [--sites 1] [--bench-seconds 20] [--out DIR]

Goal (issue 8): ratio_to_scrapy_bench >= 0.6, i.e. our spider fetches pages at least 60% as fast
as Scrapy's own benchmark spider does on this machine.

What runs:

1. `benchmarks.page_server`, in its own process, serves `--pages` generated program pages (about
   5 KB each, the size of `scrapy bench`'s pages, with navigation, one or two program sections,
   JSON-LD on half of them, and a robots.txt allowing all) on 127.0.0.1. `--sites N` spreads them
   over 127.0.0.1 .. 127.0.0.N, which `site_of()` counts as N sites (it keys sites by host, so
   ports would not do). Every page links to the next four, so the spider finds them all by
   following links from the home page, as `scrapy bench`'s spider does.
2. Our spider crawls them as the flow runs it (`flows.crawl.crawl_command`: `scrapy crawl
   program_pages` with our settings module, items written to JSON lines, the stats file), in a
   subprocess. Its rate is `response_received_count / elapsed_time_seconds` from the stats file:
   responses (pages, plus one robots.txt a site) per second from spider open to spider close, so
   Python and Scrapy start-up are not counted. The benchmark checks that every page was fetched
   and that every program section on them became an item, and fails otherwise.
3. `scrapy bench` runs for `--bench-seconds` (its CLOSESPIDER_TIMEOUT) twice, once before and
   once after our crawl, so a change in the machine's load while the benchmark runs weighs on
   both figures alike; its figure is both runs' responses over both runs' time. It runs from an
   empty temporary folder without SCRAPY_SETTINGS_MODULE, so neither our scrapy.cfg nor our
   settings apply to it: run from the repository, it picks up our polite settings and crawls 0.8
   pages a second, which measures our delays, not Scrapy. It starts its own Twisted page server
   in a subprocess (port 8998), as we start ours. Its rate is the same stat,
   `response_received_count / elapsed_time_seconds`, from the stats dump it logs on closing.

Settings that differ from production, and why: politeness protects real servers, and on our own
loopback server it would only measure our delays, so the crawl runs with AUTOTHROTTLE_ENABLED=False
and DOWNLOAD_DELAY=0 (as replayed crawls already do), and with Scrapy's default concurrency, which
`scrapy bench` runs with: CONCURRENT_REQUESTS=16 and CONCURRENT_REQUESTS_PER_DOMAIN=8 (ours is 2).
PROGRAM_PAGES_MAX_PER_SITE (12 in production) is lifted, as the benchmark crawls one big site
rather than many small ones; the site's page count bounds the crawl instead. LOGSTATS_INTERVAL=1
as in `scrapy bench`. The telnet console and remote-control servers are off in both runs (ours has
telnet off already): idle listeners that measure nothing. Everything else stays ours: robots.txt is
obeyed (one more request a site), items are validated by pydantic and written by the feed
exporter, stats are written. `scrapy bench` obeys no robots.txt, yields no items and extracts
links with a LinkExtractor; its spider makes 20 new requests a page, ours about five out of some
30 links a page (the rest fail the spider's relevance rule). So the ratio answers: how does our
spider's real per-page work compare with the bare crawling machinery, at equal concurrency
against an equally fast local server?

Reading it: each crawl is one Python thread sharing the machine's cores with its page server
(ours costs ~50 us of CPU a page, see "page server" in the output, so it is never the limit), so
the figures are CPU-bound: pages/s of one core spent on Scrapy plus the spider. Shared virtual
machines vary by a fifth or more from one run to the next (other processes take CPU); compare
the ratio rather than the rates, and run the benchmark more than once. Exit status 0 when the
crawl was complete and the ratio meets the goal, 1 otherwise.

Output: a human-readable summary, then, last, one figure a line as `name: value`:
crawl_pages (program pages our spider fetched), crawl_pages_per_s, scrapy_bench_pages_per_s and
ratio_to_scrapy_bench.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import emit
from flows.crawl import PROJECT_ROOT, crawl_command, crawl_env

SPIDER = "program_pages"
GOAL_RATIO = 0.6
#: The port `scrapy bench`'s own server always listens on (scrapy.utils.benchserver).
SCRAPY_BENCH_PORT = 8998
#: Scrapy's default concurrency, which `scrapy bench` runs with.
BENCH_CONCURRENCY = {"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}
#: Listeners neither run needs (and the remote-control one writes job files into the user's profile).
QUIET = {"TELNETCONSOLE_ENABLED": "False", "REMOTE_CONTROL_ENABLED": "False"}


@dataclass(frozen=True)
class ServerInfo:
    """What the page server serves: seed (home page) URLs, pages, program sections, mean page bytes."""

    seeds: list[str]
    pages: int
    sections: int
    bytes: int


@dataclass(frozen=True)
class CrawlFigures:
    """How our spider's crawl went, from its stats file."""

    pages: int
    responses: int
    items: int
    elapsed_s: float
    wall_s: float
    finish_reason: str
    complete: bool

    @property
    def pages_per_s(self) -> float:
        """Responses per second from spider open to close (the same measure as `scrapy bench`'s)."""
        return self.responses / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(frozen=True)
class BenchFigures:
    """How `scrapy bench` went, from the stats it logs on closing."""

    responses: int
    elapsed_s: float

    @property
    def pages_per_s(self) -> float:
        """Responses per second from spider open to close."""
        return self.responses / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _no_proxy_env(env: Mapping[str, str]) -> dict[str, str]:
    # Scrapy and urllib honour *_proxy variables; loopback traffic must never leave for a proxy.
    return {k: v for k, v in env.items() if not k.lower().endswith("_proxy")}


def _local_get(url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read()


@contextmanager
def page_server(pages: int, sites: int = 1) -> Iterator[ServerInfo]:
    """Run `benchmarks.page_server` in a subprocess for the duration of the block."""
    command = [sys.executable, "-m", "benchmarks.page_server", "--pages", str(pages), "--sites", str(sites)]
    command.append("--until-stdin-closes")  # so the server cannot outlive us, however we end
    env = _no_proxy_env(crawl_env())
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the page server exited with code {process.wait()} before listening")
        yield ServerInfo(**json.loads(line))
    finally:
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def server_stats(info: ServerInfo) -> dict[str, float]:
    """The page server's counters so far: cpu_s (CPU seconds), requests, connections."""
    return {k: float(v) for k, v in json.loads(_local_get(info.seeds[0] + "__stats")).items()}


def crawl_settings(seeds_file: Path, pages: int, sites: int) -> dict[str, str]:
    """Settings of the benchmark crawl on top of the project's (see the module docstring for why)."""
    return {
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        **BENCH_CONCURRENCY,
        # The cap counts links followed, repeats of a link included, so it must exceed the pages.
        "PROGRAM_PAGES_MAX_PER_SITE": str(10 * pages // sites + 100),
        "PROGRAM_PAGES_SEEDS": str(seeds_file),
        "LOGSTATS_INTERVAL": "1",
        **QUIET,
    }


def run_spider(info: ServerInfo, out_dir: Path, sites: int = 1, timeout_s: float = 1800) -> CrawlFigures:
    """Crawl the page server with our spider as the flow runs it; figures from its stats file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds_file = out_dir / "seeds.txt"
    seeds_file.write_text("\n".join(info.seeds) + "\n", encoding="utf-8")
    settings = crawl_settings(seeds_file, info.pages, sites)
    started = time.perf_counter()
    completed = subprocess.run(
        crawl_command(SPIDER, out_dir, None, settings),
        cwd=PROJECT_ROOT,
        env=_no_proxy_env(crawl_env()),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    wall_s = time.perf_counter() - started
    stats_path = out_dir / "stats.json"
    if completed.returncode != 0 or not stats_path.is_file():
        tail = " | ".join((completed.stderr or "").strip().splitlines()[-5:])
        raise RuntimeError(f"{SPIDER}: scrapy exited with code {completed.returncode}, see {out_dir}: {tail}")
    stats: dict[str, Any] = json.loads(stats_path.read_text(encoding="utf-8"))
    return CrawlFigures(
        pages=int(stats.get(f"iopdir/source/{SPIDER}/pages", 0)),
        responses=int(stats.get("response_received_count", 0)),
        items=int(stats.get("item_scraped_count", 0)),
        elapsed_s=float(stats.get("elapsed_time_seconds", 0.0)),
        wall_s=wall_s,
        finish_reason=str(stats.get("finish_reason")),
        complete=bool(stats.get(f"iopdir/source/{SPIDER}/complete")),
    )


_STAT = re.compile(r"'(response_received_count|elapsed_time_seconds)': ([0-9.]+)")


def parse_bench_stats(log: str) -> BenchFigures:
    """Responses and elapsed seconds from the stats dump at the end of a Scrapy log."""
    found = dict(_STAT.findall(log))
    if len(found) != 2:
        raise ValueError("no stats dump with response_received_count and elapsed_time_seconds in the log")
    return BenchFigures(int(found["response_received_count"]), float(found["elapsed_time_seconds"]))


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_scrapy_bench(seconds: float, timeout_s: float = 300) -> BenchFigures:
    """Run `scrapy bench` for `seconds` outside our project; figures from its closing stats."""
    if not _port_free(SCRAPY_BENCH_PORT):
        # Its spider would crawl whatever already listens there, and time that instead.
        raise RuntimeError(f"port {SCRAPY_BENCH_PORT}, which scrapy bench's server needs, is in use")
    env = {k: v for k, v in _no_proxy_env(os.environ).items() if not k.startswith("SCRAPY_")}
    command = [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds:g}"]
    for name, value in QUIET.items():
        command += ["-s", f"{name}={value}"]
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as cwd:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    if completed.returncode != 0:
        tail = " | ".join(completed.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"scrapy bench exited with code {completed.returncode}: {tail}")
    return parse_bench_stats(completed.stderr)


def combined(runs: list[BenchFigures]) -> BenchFigures:
    """Several `scrapy bench` runs as one: all their responses over all their time."""
    return BenchFigures(sum(r.responses for r in runs), sum(r.elapsed_s for r in runs))


def figures(crawl: CrawlFigures, bench: BenchFigures) -> dict[str, float | int | str]:
    """The benchmark's figures, by name, as `benchmarks.common.emit` prints them."""
    return {
        "crawl_pages": crawl.pages,
        "crawl_pages_per_s": crawl.pages_per_s,
        "scrapy_bench_pages_per_s": bench.pages_per_s,
        "ratio_to_scrapy_bench": ratio(crawl, bench),
    }


def ratio(crawl: CrawlFigures, bench: BenchFigures) -> float:
    """Our spider's pages/s over `scrapy bench`'s."""
    return crawl.pages_per_s / bench.pages_per_s if bench.pages_per_s else 0.0


def crawl_problems(info: ServerInfo, crawl: CrawlFigures) -> list[str]:
    """Why the crawl does not count as complete (empty when it does)."""
    problems = []
    if crawl.finish_reason != "finished" or not crawl.complete:
        problems.append(f"the crawl closed with reason {crawl.finish_reason!r}, complete={crawl.complete}")
    if crawl.pages != info.pages:
        problems.append(f"the spider fetched {crawl.pages} of {info.pages} pages")
    if crawl.items != info.sections:
        problems.append(f"the spider yielded {crawl.items} items for {info.sections} program sections")
    return problems


def measure_crawl(pages: int, sites: int, out_dir: Path) -> tuple[ServerInfo, CrawlFigures, dict[str, float]]:
    """Serve the pages, crawl them with our spider: what was served, the crawl's figures, the server's work."""
    with page_server(pages, sites) as info:
        before = server_stats(info)
        crawl = run_spider(info, out_dir, sites)
        after = server_stats(info)
    # Less one request and one connection: the second /__stats request's own.
    served = {k: after[k] - before[k] - (k != "cpu_s") for k in after}
    return info, crawl, served


def main(argv: list[str] | None = None) -> int:
    """Run both crawls and print the figures; exit 1 when the crawl is incomplete or under the goal."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks crawl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=10_000, help="pages the server serves (default 10000)")
    parser.add_argument("--sites", type=int, default=1, help="sites to spread them over (default 1)")
    parser.add_argument(
        "--bench-seconds", type=float, default=20, help="length of each of the two scrapy bench runs (default 20)"
    )
    parser.add_argument("--out", type=Path, default=None, help="keep the crawl's items, stats and log here")
    args = parser.parse_args(argv)

    # scrapy bench runs before and after our crawl, so a change in the machine's load during the
    # benchmark weighs on both figures alike.
    benches = [run_scrapy_bench(args.bench_seconds)]
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        info, crawl, served = measure_crawl(args.pages, args.sites, args.out or Path(tmp))
    benches.append(run_scrapy_bench(args.bench_seconds))
    bench = combined(benches)

    print(
        f"crawl: {crawl.pages:,} of {info.pages:,} pages ({info.bytes:,} bytes on average) on {args.sites} site(s), "
        f"{crawl.responses:,} responses with robots.txt, {crawl.items:,} items of {info.sections:,} sections, "
        f"in {crawl.elapsed_s:.1f} s from spider open to close ({crawl.wall_s:.1f} s with start-up)"
    )
    print(
        f"page server: {served['requests']:,.0f} requests on {served['connections']:,.0f} connections, "
        f"{served['cpu_s']:.2f} s of CPU ({100 * served['cpu_s'] / max(crawl.elapsed_s, 1e-9):.1f}% of one core)"
    )
    for when, run in zip(("before", "after"), benches, strict=True):
        print(
            f"scrapy bench {when} the crawl: {run.responses:,} responses in {run.elapsed_s:.1f} s "
            f"from spider open to close, {run.pages_per_s:.1f} pages/s"
        )
    problems = crawl_problems(info, crawl)
    for problem in problems:
        print(f"INCOMPLETE: {problem}")
    emit(figures(crawl, bench))
    return 0 if not problems and ratio(crawl, bench) >= GOAL_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
