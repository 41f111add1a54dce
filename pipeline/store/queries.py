"""Named read queries on the DuckDB file: one SQL statement each, filters as bound parameters.

Each takes a connection the caller opened (read-only for the command line) and never writes;
`website_roots` opens its own, read-only, for the crawl of providers' pages.
A filter left empty selects everything: the SQL tests `$param IS NULL` rather than being
assembled from pieces, so no value a user types ever becomes SQL.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb

from pipeline.store.connection import connect
from schemas.vocab import CONFIDENCE_RANK, Severity, confidence_rank_sql, severity_rank_sql


@dataclass(frozen=True)
class Rows:
    """A query's column names and its rows, in the query's order."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def _rows(result: duckdb.DuckDBPyConnection) -> Rows:
    return Rows([d[0] for d in result.description or []], result.fetchall())


def flags_relation(con: duckdb.DuckDBPyConnection) -> str:
    """The `flags` view as readers select from it: with a NULL (unknown) `confidence` and no
    `payers` in a file made before flags had them, which a read-only reader cannot migrate (the
    next run does)."""
    found = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'flags' "
            "AND column_name IN ('confidence', 'payers')"
        ).fetchall()
    }
    missing = {"confidence": "NULL::VARCHAR AS confidence", "payers": "[]::VARCHAR[] AS payers"}
    added = [column for name, column in missing.items() if name not in found]
    return f"(SELECT *, {', '.join(added)} FROM flags)" if added else "flags"


_FLAGS_SQL = """
SELECT flag_id, rule_id, severity, confidence, status, state, name, name2, message, evidence, thresholds,
       rule_version, reopened, review_note, reviewer, active, first_seen, last_seen, source, source_record_id,
       listing_id
FROM {flags}
WHERE ($include_inactive OR active)
  AND ($state IS NULL OR state = $state)
  AND ($rule_id IS NULL OR rule_id = $rule_id)
  AND ($status IS NULL OR status = $status)
  AND ($min_confidence_rank IS NULL OR {confidence_rank} <= $min_confidence_rank)
  AND ($sources IS NULL OR list_contains($sources, source))
  AND ($severity IS NULL OR severity = $severity)
  AND ($since IS NULL OR first_seen >= $since)
  AND ($after_run IS NULL OR first_run_id > $after_run)
ORDER BY {severity_rank}, {confidence_rank}, rule_id, state, name
"""


def list_flags(
    con: duckdb.DuckDBPyConnection,
    *,
    state: str | None = None,
    rule_id: str | None = None,
    status: str | None = None,
    min_confidence: str | None = None,
    include_inactive: bool = False,
    sources: list[str] | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    after_run: str | None = None,
) -> Rows:
    """Flags with their evidence, the most severe first, then the strongest evidence, by rule, state and name.

    Only flags still raised unless `include_inactive`; `state` is a two-letter code in any case;
    `min_confidence` (high, medium, low) keeps the flags whose evidence is at least that strong
    (a flag of unknown confidence, from an older version, passes none); `sources` keeps the flags
    of listings of these sources, `severity` those of that severity, `since` those first raised at
    or after that moment and `after_run` those first raised by a run after that one. `evidence` and
    `thresholds` are JSON text. Raises `ValueError` for an unknown confidence or severity.
    """
    if min_confidence and min_confidence not in CONFIDENCE_RANK:
        raise ValueError(f"confidence must be one of {', '.join(CONFIDENCE_RANK)}, not {min_confidence!r}")
    if severity and severity not in set(Severity):
        raise ValueError(f"severity must be one of {', '.join(Severity)}, not {severity!r}")
    params = {
        "include_inactive": include_inactive,
        "state": state.upper() if state else None,
        "rule_id": rule_id or None,
        "status": status or None,
        "min_confidence_rank": CONFIDENCE_RANK[min_confidence] if min_confidence else None,
        "sources": list(sources) if sources else None,
        "severity": severity or None,
        "since": since,
        "after_run": after_run or None,
    }
    sql = _FLAGS_SQL.format(
        flags=flags_relation(con), confidence_rank=confidence_rank_sql(), severity_rank=severity_rank_sql()
    )
    return _rows(con.execute(sql, params))


def run_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The ids of all runs, oldest first (a run id starts with its start time, so it sorts by it)."""
    return [row[0] for row in con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()]


_CHANGES_SQL = """
SELECT run_id, change, source, coalesce(after ->> 'name', before ->> 'name') AS name,
       coalesce(after ->> 'state', before ->> 'state') AS state, listing_id, fields, before, after
FROM listing_changes
WHERE ($run_id IS NULL OR run_id = $run_id)
  AND ($after_run IS NULL OR run_id > $after_run)
  AND ($since IS NULL OR changed_at >= $since)
  AND ($source IS NULL OR source = $source)
  AND ($sources IS NULL OR list_contains($sources, source))
ORDER BY run_id, CASE change WHEN 'new' THEN 0 WHEN 'changed' THEN 1 WHEN 'returned' THEN 2 ELSE 3 END,
         source, name, listing_id
"""


def list_changes(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None = None,
    after_run: str | None = None,
    since: datetime | None = None,
    source: str | None = None,
    sources: list[str] | None = None,
) -> Rows:
    """What runs did to listings (new, changed, returned, gone), run by run, in that order.

    Selects the changes of run `run_id`, of the runs after `after_run`, and those made at or after
    `since`, of `source` or of any of `sources`; the filters given all apply. Columns: run_id,
    change, source, name, state, listing_id, fields (the changed ones), before and after (the
    listing's fields as JSON text).
    """
    params = {
        "run_id": run_id,
        "after_run": after_run,
        "since": since,
        "source": source or None,
        "sources": list(sources) if sources else None,
    }
    return _rows(con.execute(_CHANGES_SQL, params))


def website_roots(db_path: str | Path, exclude_source: str | None = None) -> list[str]:
    """The home page (scheme://host/) of every website the active listings give, one per host.

    Read-only; an absent database has none. Seeds the crawl of providers' own program pages.
    """
    if not Path(db_path).is_file():
        return []
    con = connect(db_path, read_only=True)
    try:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'listing_records'"
        ).fetchone()[0]:
            return []
        rows = con.execute(
            "SELECT DISTINCT website FROM listing_records "
            "WHERE active AND website IS NOT NULL AND source IS DISTINCT FROM ?",
            [exclude_source],
        ).fetchall()
    finally:
        con.close()
    roots: dict[str, str] = {}
    # https first, then in text order: the same database always gives the same seeds.
    for (website,) in sorted(rows, key=lambda r: (not r[0].startswith("https:"), r[0])):
        parts = urlparse(website)
        if parts.scheme in {"http", "https"} and parts.hostname:
            roots.setdefault(parts.hostname.lower().removeprefix("www."), f"{parts.scheme}://{parts.netloc}/")
    return sorted(roots.values())
