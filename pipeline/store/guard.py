"""The guard against mass change: whether a source's run looks too unlike its last good run to retire anything.

A directory that changes its file layout (two header cells swapped, a file cut short) still
crawls "completely", and a complete crawl marks every listing it no longer has gone. Before a
load marks anything gone, the run is compared with the source's last good run: how many of its
active listings would go, how many of the rows it saw were rejected, how many rows it saw. Past
the limits below the source is *held*: its rows are loaded, none of its listings is retired, and
the run fails until it is taken on purpose (`iopdir run --accept-drop SOURCE`). A source with no
last good run (its first run) is never held: there is nothing to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from schemas.crawl_stats import SAMPLE, source_key

if TYPE_CHECKING:  # the settings import this module; DuckDB only when a load runs
    import duckdb


class GuardLimits(BaseModel):
    """How far a source's run may differ from its last good run before it is held.

    Shares are fractions (0.10 is 10 %). A difference of fewer than `min_rows` rows is never
    held, so a small source is not held for closing one program.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Hold when more than this share of the source's active listings would go.
    max_gone_share: float = Field(0.10, ge=0, le=1)
    #: Hold when more than this share of the rows seen were rejected ...
    max_reject_rate: float = Field(0.05, ge=0, le=1)
    #: ... and the reject rate exceeds the last good run's by more than this.
    reject_rate_margin: float = Field(0.02, ge=0, le=1)
    #: Hold when the rows seen fall below this share of the last good run's.
    min_seen_share: float = Field(0.80, ge=0, le=1)
    #: Differences of fewer rows than this are never held.
    min_rows: int = Field(5, ge=0)


@dataclass(frozen=True)
class LastGoodRun:
    """What the source's last good run saw: the baseline a new run is compared with."""

    run_id: str
    seen: int
    rejected: int


@dataclass(frozen=True)
class RunFigures:
    """What this run of a source would do: rows seen and rejected, active listings and how many would go."""

    seen: int
    rejected: int
    active: int
    would_go: int


def last_good_run(con: duckdb.DuckDBPyConnection, source: str) -> LastGoodRun | None:
    """The source's latest run that loaded well from a complete, whole crawl (`ok`, not a sample); None if none."""
    # A sample or an incremental run saw part of the source: its counts are no baseline.
    row = con.execute(
        """
        SELECT s.run_id, s.seen, s.rejected
        FROM run_sources s LEFT JOIN runs r USING (run_id)
        WHERE s.source = $source AND s.status = 'ok' AND s.complete
          AND NOT coalesce(try_cast(json_extract_string(s.crawl_stats, $sample) AS BOOLEAN), false)
        ORDER BY r.started_at DESC NULLS LAST, s.run_id DESC
        LIMIT 1
        """,
        {"source": source, "sample": "$." + f'"{source_key(source, SAMPLE)}"'},
    ).fetchone()
    return LastGoodRun(row[0], row[1] or 0, row[2] or 0) if row else None


def guard_source(
    con: duckdb.DuckDBPyConnection, source: str, seen: int, rejected: int, unread_urls: list[str], limits: GuardLimits
) -> list[str]:
    """Why the guard holds a source about to retire its missing listings (empty: it may); read before any write.

    Counts the listings the load would mark gone (those of the view `staged`'s source it does not
    have, but on pages the crawl could not read) against the source's active listings.
    """
    active, would_go = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE listing_id NOT IN (SELECT listing_id FROM staged)
                                          AND NOT list_contains(?::VARCHAR[], source_url))
        FROM listing_records WHERE source = ? AND active
        """,
        [unread_urls, source],
    ).fetchone()
    figures = RunFigures(seen=seen, rejected=rejected, active=active, would_go=would_go)
    return hold_reasons(figures, last_good_run(con, source), limits)


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def hold_reasons(figures: RunFigures, last: LastGoodRun | None, limits: GuardLimits) -> list[str]:
    """Which limits this run passes, each with its figures; empty when the source may retire as usual."""
    if last is None:
        return []
    reasons = []
    if figures.active and figures.would_go >= max(limits.min_rows, 1):
        share = figures.would_go / figures.active
        if share > limits.max_gone_share:
            reasons.append(
                f"{figures.would_go} of {figures.active} active listings ({_percent(share)}) would go, "
                f"over the limit of {_percent(limits.max_gone_share)}"
            )
    if figures.seen and figures.rejected >= max(limits.min_rows, 1):
        rate = figures.rejected / figures.seen
        last_rate = last.rejected / last.seen if last.seen else 0.0
        if rate > limits.max_reject_rate and rate > last_rate + limits.reject_rate_margin:
            reasons.append(
                f"{figures.rejected} of {figures.seen} rows rejected ({_percent(rate)}), over the limit of "
                f"{_percent(limits.max_reject_rate)} (last good run {last.run_id}: {_percent(last_rate)})"
            )
    if last.seen - figures.seen >= max(limits.min_rows, 1) and figures.seen < limits.min_seen_share * last.seen:
        reasons.append(
            f"{figures.seen} rows seen, below {_percent(limits.min_seen_share)} of the "
            f"{last.seen} of last good run {last.run_id}"
        )
    return reasons


@dataclass(frozen=True)
class Guard:
    """The guard of one load: its limits, and the sources whose drop is taken on purpose this run."""

    limits: GuardLimits = field(default_factory=GuardLimits)
    accept_drop: frozenset[str] = frozenset()

    def check(
        self, con: duckdb.DuckDBPyConnection, source: str, seen: int, rejected: int, unread_urls: list[str]
    ) -> list[str]:
        """The limits a source about to retire its missing listings passes, with the figures (empty: none)."""
        return guard_source(con, source, seen, rejected, unread_urls, self.limits)

    def status(self, source: str, reasons: list[str]) -> tuple[str, str]:
        """The source's status and message when it passed limits: `held`, or `ok` when its drop is accepted."""
        if source in self.accept_drop:
            return "ok", f"drop accepted: {'; '.join(reasons)}"
        return "held", f"held, nothing retired: {'; '.join(reasons)} (to take it: iopdir run --accept-drop {source})"
