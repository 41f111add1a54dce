"""What the report shows: read from the database in a few bulk queries, then shaped for the page.

Everything here is plain data (no markup); the template decides how it looks. The rows keep the
database's text as it is; escaping is the template engine's job.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.store.connection import connect
from pipeline.store.queries import flags_relation
from pipeline.store.runs import flags_lag
from schemas.vocab import CONFIDENCE_RANK, SEVERITY_RANK

# Severities in the order the report lists them, most severe first.
# The value of the state filter (and of a row's data-state) for flags on listings without a state.
NO_STATE = "none"


@dataclass
class HoursRow:
    """One listing with weekly hours, as the chart draws it."""

    listing_id: str
    source: str
    name: str
    state: str | None
    levels: tuple[str, ...]
    hours_min: float | None
    hours_max: float | None
    basis: str | None
    spans: list[str]
    url: str | None
    flagged: bool = False


@dataclass
class ReportData:
    """Everything the report shows, read from the database in one go."""

    run: dict[str, Any] | None
    counts: list[tuple[str, str | None, int]]  # (source, state, active listings)
    hours: list[HoursRow]
    flags: list[dict[str, Any]]  # open flags, most severe first
    active_flags: list[dict[str, Any]] = field(default_factory=list)  # every status, most severe first
    reviewed: Counter[str] = field(default_factory=Counter)  # active flags by non-open status
    flags_lag: str | None = None  # why the flags are older than the last load, if they are


@dataclass(frozen=True)
class SourceCount:
    """A row of the counts by source: how many states and active listings a source has."""

    source: str
    states: int
    listings: int


@dataclass(frozen=True)
class StateCount:
    """A row of the counts by state: active listings per source (in `sources` order) and in all."""

    state: str | None
    by_source: tuple[int, ...]
    listings: int


@dataclass(frozen=True)
class RuleCount:
    """A row of the open flags by rule."""

    severity: str
    rule_id: str
    flags: int


def severity_rank(severity: str) -> int:
    """Where a severity sorts: high first, then medium, low, and any other severity last."""
    return SEVERITY_RANK.get(severity, len(SEVERITY_RANK))


def flag_rank(flag: dict[str, Any]) -> tuple[int, int]:
    """Where a flag sorts: by severity, then by confidence (strongest first; unknown last)."""
    return severity_rank(flag["severity"]), CONFIDENCE_RANK.get(flag.get("confidence") or "", len(CONFIDENCE_RANK))


def read_report_data(db_path: str | Path) -> ReportData:
    """Read what the report needs from the database, read-only, in a few bulk queries."""
    con = connect(db_path, read_only=True)
    try:
        run_row = con.execute(
            "SELECT run_id, started_at, finished_at, status FROM runs ORDER BY started_at DESC NULLS LAST LIMIT 1"
        ).fetchone()
        counts = con.execute(
            "SELECT source, state, count(*) FROM listings WHERE active GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        hours_rows = con.execute(
            """
            SELECT listing_id, source, name || coalesce(' / ' || name2, '') AS name, state,
                   coalesce(levels_of_care, []), hours_min, hours_max, hours_basis,
                   coalesce(hours_evidence, []), source_url
            FROM listings
            WHERE active AND (hours_min IS NOT NULL OR hours_max IS NOT NULL)
            ORDER BY coalesce(hours_min, 0), coalesce(hours_max, hours_min), name, listing_id
            """
        ).fetchall()
        # Severity and confidence first are applied below, by `flag_rank`; the rest of the order is DuckDB's.
        result = con.execute(
            f"""
            SELECT flag_id, listing_id, rule_id, rule_version, severity, confidence, status, reopened, source, name,
                   name2, city, state, message, evidence, source_url, source_record_id, first_seen, source_codes,
                   payers, review_note, reviewer
            FROM {flags_relation(con)}
            WHERE active
            ORDER BY rule_id, state NULLS LAST, name, flag_id
            """
        )
        columns = [d[0] for d in result.description or []]
        flag_rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        lag = flags_lag(con)
    finally:
        con.close()
    run = dict(zip(("run_id", "started_at", "finished_at", "status"), run_row, strict=True)) if run_row else None
    active_flags = sorted(flag_rows, key=flag_rank)
    for flag in active_flags:
        flag["evidence"] = json.loads(flag["evidence"]) if flag["evidence"] else {}
    flags = [f for f in active_flags if f["status"] == "open"]
    flagged = {f["listing_id"] for f in flags}
    hours = [
        HoursRow(
            listing_id=r[0],
            source=r[1],
            name=r[2],
            state=r[3],
            levels=tuple(r[4]),
            hours_min=r[5],
            hours_max=r[6],
            basis=r[7],
            spans=list(r[8]),
            url=r[9],
            flagged=r[0] in flagged,
        )
        for r in hours_rows
    ]
    reviewed = Counter(f["status"] for f in flag_rows if f["status"] != "open")
    return ReportData(
        run=run,
        counts=[(s, st, int(n)) for s, st, n in counts],
        hours=hours,
        flags=flags,
        active_flags=active_flags,
        reviewed=reviewed,
        flags_lag=lag,
    )


def source_order(counts: list[tuple[str, str | None, int]]) -> list[str]:
    """Sources by active listings, most first (ties by name): the columns of the counts by state."""
    by_source: Counter[str] = Counter()
    for source, _, n in counts:
        by_source[source] += n
    return [s for s, _ in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))]


def counts_by_source(counts: list[tuple[str, str | None, int]]) -> list[SourceCount]:
    """One row per source, in `source_order`."""
    by_source: Counter[str] = Counter()
    states: dict[str, set[str]] = defaultdict(set)
    for source, state, n in counts:
        by_source[source] += n
        if state:
            states[source].add(state)
    return [SourceCount(s, len(states[s]), by_source[s]) for s in source_order(counts)]


def counts_by_state(counts: list[tuple[str, str | None, int]]) -> list[StateCount]:
    """One row per state, alphabetically, with listings that have no state last."""
    sources = source_order(counts)
    cells: dict[str | None, Counter[str]] = defaultdict(Counter)
    for source, state, n in counts:
        cells[state][source] += n
    # Listings without a state (pages that state no address) go last.
    order = sorted(cells, key=lambda st: (st is None, st or ""))
    return [StateCount(st, tuple(cells[st][s] for s in sources), sum(cells[st].values())) for st in order]


def flags_by_rule(flags: list[dict[str, Any]]) -> list[RuleCount]:
    """Open flags counted by (severity, rule), most severe first."""
    counts = Counter((f["severity"], f["rule_id"]) for f in flags)
    ordered = sorted(counts.items(), key=lambda kv: (severity_rank(kv[0][0]), kv[0][1]))
    return [RuleCount(sev, rule, n) for (sev, rule), n in ordered]


def state_options(flags: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(filter value, flags) per state the flags have, alphabetically; `NO_STATE` last."""
    states = Counter(f["state"] or NO_STATE for f in flags)
    return sorted(states.items(), key=lambda kv: (kv[0] == NO_STATE, kv[0]))


def rule_options(flags: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(rule id, flags) per rule the flags have, alphabetically."""
    return sorted(Counter(f["rule_id"] for f in flags).items())


def reviewed_text(reviewed: Counter[str]) -> str:
    """The reviewed flags the list leaves out, e.g. `1 confirmed, 2 dismissed` ('' when none)."""
    return ", ".join(f"{n} {status}" for status, n in sorted(reviewed.items()))


def record_id_to_show(flag: dict[str, Any]) -> str | None:
    """The flag's source record id, unless it only repeats the source URL the row already links.

    Sources that read web pages name a record by the page's URL and a fragment (`URL#2`, the
    page's second program); that says nothing the link does not. Record ids of sources with other
    records (a spreadsheet row, an API id) help find the record and are shown.
    """
    record_id, url = flag.get("source_record_id"), flag.get("source_url")
    if not record_id or (url and (record_id == url or record_id.startswith(url + "#"))):
        return None
    return record_id
