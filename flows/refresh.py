"""The `refresh` flow: crawl every source in parallel, then normalize, load and flag.

crawl (one subprocess per spider, retried unless the failure would repeat) -> normalize (per
crawl) -> load (single writer) -> link (listings of different sources into facilities) -> flag
(one set-based pass over all active listings). Load, link and flag write one after the other: DuckDB has one writer.
A source whose crawl failed is recorded as failed; its listings stay as they were.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.states import Failed

from flows.crawl import DEFAULT_SPIDERS, CrawlFailed, CrawlResult, run_crawl
from flows.lifetime import reclaim_sigterm, run_worker_pool
from flows.retention import mark_run, prune_crawls
from pipeline.flags.store import FlagCounts, compute_flags, new_flags
from pipeline.link.store import LinkCounts, link_facilities
from pipeline.normalize.run import NormalizeResult, normalize_file
from pipeline.store.connection import wait_until_writable
from pipeline.store.guard import Guard, GuardLimits
from pipeline.store.load import LoadCounts, SourceLoad, load_run
from pipeline.store.queries import website_roots
from pipeline.store.runs import FAILED, OK, fail_unfinished, finish_run, run_outcome, start_run
from pipeline.thresholds import Thresholds, load_thresholds
from schemas.crawl_stats import NOTE, PREFIX, SAMPLE, source_key

CRAWL_TIMEOUT_S = 1800
#: How long the load waits for readers that opened the database during the crawl to close it.
LOAD_LOCK_WAIT_S = 300.0


def crawl_worth_retrying(task: object, task_run: object, state: State) -> bool:
    """The crawl task's `retry_condition_fn`: retry only a crawl whose failure another attempt may mend.

    Not retried: a `CrawlFailed` that says so (unknown spider, a first request that cannot resolve
    or connect: the same again in 10 s), and a crawl that ran to its end with sources failed in-band
    (the task's Failed state carries its `CrawlResult`): its result is loaded as it is.
    """
    outcome = state.data
    if isinstance(outcome, CrawlFailed):
        return outcome.retryable
    return isinstance(outcome, BaseException)


# The subprocess carries the timeout: a thread-run task timeout cannot interrupt it.
@task(name="crawl", retries=2, retry_delay_seconds=10, retry_condition_fn=crawl_worth_retrying, cache_policy=NO_CACHE)
def crawl_task(
    spider: str, out_dir: str, replay_dir: str | None, settings: dict[str, str] | None = None
) -> CrawlResult | State:
    """Run one spider as a `scrapy crawl` subprocess.

    A crawl whose sources failed in-band ends Failed in Prefect, its `CrawlResult` the state's
    data: the flow still loads it (the complete sources, and what the others read).
    """
    result = run_crawl(spider, Path(out_dir), Path(replay_dir) if replay_dir else None, CRAWL_TIMEOUT_S, settings)
    if result.errors:
        return Failed(message=result.problems()[:1000], data=result)
    return result


def spider_settings(spider: str, db_path: str, run_dir: Path, replay_dir: str | None) -> dict[str, str]:
    """Per-run settings of a spider: program_pages is seeded with the websites already in the database.

    A replay answers only what was recorded, so a replayed run keeps to the mirror's own seeds.
    """
    if spider != "program_pages" or replay_dir:
        return {}
    roots = website_roots(db_path, exclude_source="program_pages")
    if not roots:
        return {}
    seeds = run_dir / "program_pages_seeds.txt"
    seeds.parent.mkdir(parents=True, exist_ok=True)
    seeds.write_text("\n".join(roots) + "\n", encoding="utf-8")
    return {"PROGRAM_PAGES_SEEDS": str(seeds)}


def source_loads(crawl: CrawlResult, result: NormalizeResult, full: bool = True) -> list[SourceLoad]:
    """What each source of a finished crawl hands to the loader: its files, counts and outcome.

    A source the crawl did not complete is loaded as incomplete (its rows kept, none marked gone);
    an incremental run (`full=False`) proves nothing gone either, like a sample. Records of a
    source the crawl did not declare are loaded too, as incomplete: never dropped unseen.
    """
    kept = {k: v for k, v in crawl.stats.items() if k.startswith((PREFIX, "downloader/", "finish", "replay/"))}
    undeclared = sorted(set(result.counts) - set(crawl.sources) - {"unknown"})
    loads = []
    for source, complete in {**crawl.sources, **dict.fromkeys(undeclared, False)}.items():
        counts = result.counts.get(source)
        if source in undeclared:
            message = f"records of a source the {crawl.spider} crawl did not declare"
        else:
            message = crawl.errors.get(source) or str(crawl.stats.get(source_key(source, NOTE)) or "")
        loads.append(
            SourceLoad(
                source=source,
                listings_path=result.listings_path,
                rejects_path=result.rejects_path,
                complete=complete,
                seen=counts.seen if counts else 0,
                crawl_stats={**kept, **({} if full else {source_key(source, SAMPLE): True})},
                warnings=counts.warnings if counts else 0,
                message=message,
            )
        )
    return loads


@task(name="normalize", cache_policy=NO_CACHE)
def normalize_task(items_path: str, out_dir: str, run_id: str) -> NormalizeResult:
    """Normalize one crawl's raw records into Parquet files."""
    return normalize_file(Path(items_path), Path(out_dir), run_id)


@task(name="load", cache_policy=NO_CACHE)
def load_task(
    db_path: str,
    run_id: str,
    started_at: datetime,
    loads: list[SourceLoad],
    codes_paths: list[str],
    failed: dict[str, str],
    guard: Guard | None = None,
) -> list[LoadCounts]:
    """Load every source of the run into DuckDB in one transaction (the only writer).

    Readers opened during the crawl are waited for (`LOAD_LOCK_WAIT_S`), not failed on.
    """
    wait_until_writable(db_path, LOAD_LOCK_WAIT_S)
    return load_run(db_path, run_id, started_at, loads, codes_paths, failed, guard)


@task(name="link", cache_policy=NO_CACHE)
def link_task(db_path: str, run_id: str) -> LinkCounts:
    """Group the active listings of all sources into facilities."""
    return link_facilities(db_path, run_id)


@task(name="flag", cache_policy=NO_CACHE)
def flag_task(
    db_path: str, run_id: str, thresholds_path: str | None = None, thresholds: dict[str, float] | None = None
) -> FlagCounts:
    """Raise level-of-care flags for every active listing (one set-based pass)."""
    return compute_flags(db_path, run_id, Thresholds(**thresholds) if thresholds else load_thresholds(thresholds_path))


def publish_artifacts(db_path: str, run_id: str, counts: list[LoadCounts], flags: FlagCounts) -> None:
    """Prefect artifacts of the run: per-source counts, and the flags it raised for the first time."""
    columns = ("source", "status", "seen", "loaded", "rejected", "new", "changed", "unchanged", "gone", "message")
    create_table_artifact(
        key="source-counts",
        table=[{c: getattr(load, c) for c in columns} for load in counts],
        description=f"Per-source counts of run {run_id}",
    )
    raised = new_flags(db_path, run_id)
    lines = [
        f"# Flags of run {run_id}",
        "",
        f"{flags.total} active; {len(raised)} new or reopened this run; {flags.gone} no longer raised.",
        "",
    ]
    if raised:
        lines += ["| rule | severity | state | listing | why | reopened |", "|---|---|---|---|---|---|"]
        for flag in raised[:200]:
            cells = [flag["rule_id"], flag["severity"], flag["state"] or "", flag["name"], flag["message"]]
            cells.append("yes" if flag["reopened"] else "")
            lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
        if len(raised) > 200:
            lines.append(f"\n…and {len(raised) - 200} more: `iopdir flags --status open`.")
    create_markdown_artifact(key="new-flags", markdown="\n".join(lines), description=f"New flags of run {run_id}")


@dataclass
class RunSummary:
    """What a refresh did, per source, and how long its steps took."""

    run_id: str
    db_path: str
    status: str
    sources: list[LoadCounts]
    steps_s: dict[str, float] = field(default_factory=dict)
    flags: FlagCounts | None = None
    links: LinkCounts | None = None
    #: Seconds inside the flow, from its first step to its summary: the run without Prefect's start-up.
    flow_s: float = 0.0


def work_root(db_path: str, work_dir: str | None = None) -> Path:
    """Where runs keep their crawl output: `work_dir`, else `<db name>_crawls` next to the database."""
    return Path(work_dir) if work_dir else Path(db_path).resolve().parent / f"{Path(db_path).stem}_crawls"


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def record_failure(flow: object, flow_run: object, state: State) -> None:
    """Flow hook on failure or crash: the run this process left unfinished becomes `failed`, with why.

    Best effort: a database still held by another process keeps the `running`/`loaded` row, and
    the next run's start marks it `interrupted`.
    """
    db_path = getattr(flow_run, "parameters", {}).get("db_path", "iop.duckdb")
    try:
        fail_unfinished(db_path, state.message or state.name)
    except Exception as error:  # the failure being recorded is the one to report, not this
        logging.getLogger(__name__).warning("could not record the run's failure in %s: %s", db_path, error)


@flow(name="refresh", log_prints=True, on_failure=[record_failure], on_crashed=[record_failure])
def refresh(
    db_path: str = "iop.duckdb",
    spiders: list[str] | None = None,
    replay_dir: str | None = None,
    work_dir: str | None = None,
    thresholds_path: str | None = None,
    thresholds: dict[str, float] | None = None,
    crawl_settings: dict[str, str] | None = None,
    full: bool = True,
    guard: dict[str, Any] | None = None,
    accept_drop: list[str] | None = None,
    keep_crawls: int | None = None,
) -> RunSummary | State:
    """Crawl, normalize, load, link and flag the given spiders' sources into the DuckDB file.

    `thresholds` (values) or `thresholds_path` (a TOML file) set the flag thresholds;
    `crawl_settings` are Scrapy settings for every crawl (user agent, throttling, see
    flows/config.py). `full=False` is an incremental run: listings are added and updated, but
    none is marked gone, as if every crawl were partial. `guard` (GuardLimits values) are the
    limits past which a source is held instead of retiring listings; `accept_drop` names the
    sources whose drop this run takes on purpose (`pipeline.store.guard`). `keep_crawls`: after a
    successful run, keep the crawl output of this many runs (this one's included) and remove older
    runs' (`flows.retention`); None keeps all.

    Returns the run's summary; when a source failed, a Failed state that carries the summary
    (`run_refresh` returns the summary either way).
    """
    flow_started = time.perf_counter()
    reclaim_sigterm()  # from the CLI, SIGTERM stops the run at once (flows/lifetime.py)
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    run_id = new_run_id()
    spiders = list(spiders or DEFAULT_SPIDERS)
    # A database another process holds fails the run now (DatabaseBusy), not after the crawl; the
    # `running` row gives every later failure a place, and finds runs killed before they finished.
    for interrupted in start_run(db_path, run_id, started_at, spiders):
        logger.warning("run %s did not finish (its process is gone): marked interrupted", interrupted)
    work = work_root(db_path, work_dir)
    run_dir = work / run_id
    mark_run(run_dir, run_id)
    steps: dict[str, float] = {}

    # Normalization's worker processes start now, and import the pipeline while the spiders crawl.
    # The workers die with the run, and leave Ctrl-C to it (flows/lifetime.py).
    with run_worker_pool():
        t0 = time.perf_counter()
        futures = {
            s: crawl_task.submit(
                s,
                str(run_dir / s),
                replay_dir,
                {**(crawl_settings or {}), **spider_settings(s, db_path, run_dir, replay_dir)},
            )
            for s in spiders
        }
        crawls: dict[str, CrawlResult] = {}
        failed: dict[str, str] = {}
        for spider, future in futures.items():
            future.wait()
            try:
                outcome = future.result(raise_on_failure=False)
            except Exception as error:  # recorded with the run; the other sources go on
                outcome = error
            if isinstance(outcome, CrawlResult):  # Completed, or Failed with sources failed in-band
                crawls[spider] = outcome
                continue
            reason = outcome if isinstance(outcome, BaseException) else future.state.message
            # The spider's row and the log line name the spider: its message does not again.
            failed[spider] = f"crawl failed: {reason.reason if isinstance(reason, CrawlFailed) else reason}"
            logger.error("%s: %s", spider, failed[spider])
        steps["crawl"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        normalized = {
            spider: normalize_task.submit(result.items_path, str(run_dir / spider / "normalized"), run_id)
            for spider, result in crawls.items()
        }
        loads: list[SourceLoad] = []
        codes_paths: list[str] = []
        for spider, future in normalized.items():
            result: NormalizeResult = future.result()
            crawl = crawls[spider]
            codes_paths.append(result.codes_path)
            loads += source_loads(crawl, result, full)
            for source, complete in crawl.sources.items():
                if not complete:
                    logger.error("%s: %s", source, crawl.errors.get(source, "crawl incomplete"))
        steps["normalize"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    load_guard = Guard(GuardLimits(**(guard or {})), frozenset(accept_drop or ()))
    counts = load_task(db_path, run_id, started_at, loads, codes_paths, failed, load_guard)
    steps["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    links = link_task(db_path, run_id)
    steps["link"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    flags = flag_task(db_path, run_id, thresholds_path, thresholds)
    steps["flag"] = time.perf_counter() - t0
    # One verdict for `runs.status`, the flow's state and the CLI's exit code (a held source fails it).
    status, problems = run_outcome((c.source, c.status, c.message) for c in counts)
    finish_run(db_path, run_id, status, problems)
    publish_artifacts(db_path, run_id, counts, flags)
    summary = RunSummary(
        run_id=run_id,
        db_path=str(db_path),
        status=status,
        sources=counts,
        steps_s=steps,
        flags=flags,
        links=links,
        flow_s=time.perf_counter() - flow_started,
    )
    if status == OK and keep_crawls is not None:
        for removed in prune_crawls(work, keep_crawls, run_id):
            logger.info("removed the crawl output of run %s (keeping %d runs')", removed.name, keep_crawls)
    if status == FAILED:
        # The other sources are loaded; the run still ends Failed so schedules and alerts see it.
        return Failed(message=f"run {run_id} failed: {problems}", data=summary)
    return summary


def run_refresh(**parameters: Any) -> RunSummary:
    """Run the refresh flow and return its summary, whether the run ended Completed or Failed.

    A crash (an exception in the flow itself) is raised.
    """
    state = refresh(return_state=True, **parameters)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return result
