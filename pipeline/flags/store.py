"""Flags in the DuckDB file: one set-based pass per run, and maintainers' reviews.

`compute_flags` runs the rules of `pipeline.flags.rules` over every active listing (and, for the
cross-source rule, over the facilities of `pipeline.link.store`) in one statement
and merges the result into `flag_records`: a flag raised again keeps its id and first_seen; a flag
no longer raised becomes inactive (never deleted). `record_review` stores a decision against the
evidence it was made on (see the `flags` view in `pipeline.store.load`).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.flags.rules import RULES, cross_source_sql, flag_sql
from pipeline.store.connection import connect
from pipeline.store.runs import record_flagged
from pipeline.store.schema import ensure_schema
from pipeline.thresholds import Thresholds
from schemas.vocab import confidence_rank_sql, severity_rank_sql

DECISIONS = ("confirmed", "dismissed")


@dataclass
class FlagCounts:
    """What one flagging pass did: active flags per rule, and how many were new or went away."""

    by_rule: dict[str, int]
    new: int
    gone: int

    @property
    def total(self) -> int:
        """Active flags after the pass."""
        return sum(self.by_rule.values())


def compute_flags(db_path: str | Path, run_id: str, thresholds: Thresholds | None = None) -> FlagCounts:
    """Raise the rules' flags for all active listings and merge them into `flag_records`."""
    now = datetime.now(UTC)
    con = connect(db_path)
    try:
        # One transaction, schema included: a pass killed midway leaves the flags of the last
        # complete pass, never some rules' flags updated and others not.
        con.execute("BEGIN TRANSACTION")
        ensure_schema(con)
        # A source's code reference says which levels it can express at all. A directory without
        # one (NY OMH) can express the levels its listings are coded with: none of its thousands
        # of programs coded IOP means it has no IOP category, and its "… IOP" names no conflict.
        facts = """(
            SELECT l.*, coalesce(c.source_levels, u.source_levels) AS source_levels,
                   len(coalesce(l.schedule, [])) AS schedule_sessions
            FROM listing_records l
            LEFT JOIN (
                SELECT source, list(DISTINCT replace(v, 'levels_of_care:', '')) AS source_levels
                FROM (SELECT source, unnest(vocabulary) AS v FROM codes)
                WHERE v LIKE 'levels_of_care:%' GROUP BY source
            ) c USING (source)
            LEFT JOIN (
                SELECT source, list(DISTINCT level) AS source_levels
                FROM (
                    SELECT source, unnest(levels_of_care) AS level FROM listing_records
                    WHERE active AND source NOT IN (SELECT source FROM codes)
                )
                GROUP BY source
            ) u USING (source)
            WHERE l.active
        )"""
        thresholds = thresholds or Thresholds()
        cross = cross_source_sql(facts, "facility_members", "facility_links", thresholds)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_flags AS "
            f"SELECT * FROM ({flag_sql(facts, thresholds)}) UNION ALL BY NAME SELECT * FROM ({cross})"
        )
        con.execute(
            """
            UPDATE flag_records f
            SET last_seen = $now, last_run_id = $run, active = true, severity = s.severity,
                confidence = s.confidence, message = s.message, rule_version = s.rule_version,
                thresholds = s.thresholds
            FROM staged_flags s WHERE f.flag_id = s.flag_id
            """,
            {"now": now, "run": run_id},
        )
        new = con.execute(
            """
            INSERT INTO flag_records (flag_id, listing_id, rule_id, rule_version, severity, confidence, message,
                                      evidence, evidence_hash, thresholds, first_seen, last_seen, first_run_id,
                                      last_run_id, active)
            SELECT s.flag_id, s.listing_id, s.rule_id, s.rule_version, s.severity, s.confidence, s.message,
                   s.evidence, s.evidence_hash, s.thresholds, $now, $now, $run, $run, true
            FROM staged_flags s
            WHERE NOT EXISTS (SELECT 1 FROM flag_records f WHERE f.flag_id = s.flag_id)
            """,
            {"now": now, "run": run_id},
        ).fetchone()
        gone = con.execute(
            """
            UPDATE flag_records SET active = false, last_run_id = $run
            WHERE active AND flag_id NOT IN (SELECT flag_id FROM staged_flags)
            """,
            {"run": run_id},
        ).fetchone()
        by_rule = dict(
            con.execute("SELECT rule_id, count(*) FROM staged_flags GROUP BY rule_id").fetchall()  # type: ignore[arg-type]
        )
        record_flagged(con, run_id)  # with the flags: readers never see new flags under a stale notice
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return FlagCounts(
        by_rule={rule: int(by_rule.get(rule, 0)) for rule in RULES},
        new=int(new[0]) if new else 0,
        gone=int(gone[0]) if gone else 0,
    )


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown flag, bad decision)."""


def record_review(
    db_path: str | Path, flag_id: str, decision: str, note: str, reviewer: str, at: datetime | None = None
) -> str:
    """Record a maintainer's decision on a flag; returns the review id.

    The decision holds for the flag's listing and rule while the evidence stays as it is now.
    """
    return record_reviews(db_path, [Review(flag_id, decision, note, reviewer)], at)[0]


@dataclass(frozen=True)
class Review:
    """One decision to record: the flag's full id, confirmed or dismissed, why, and who decided."""

    flag_id: str
    decision: str
    note: str
    reviewer: str


def record_reviews(db_path: str | Path, reviews: list[Review], at: datetime | None = None) -> list[str]:
    """Record decisions in one transaction, all or none; returns their review ids in order.

    Raises `ReviewError` (and writes nothing) for a bad decision, an empty note or an unknown flag,
    and `DatabaseBusy` when another process holds the file.
    """
    for review in reviews:
        if review.decision not in DECISIONS:
            raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {review.decision!r}")
        if not review.note.strip():
            raise ReviewError("a review needs a note saying why")
    now = at or datetime.now(UTC)
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        ensure_schema(con)
        ids = []
        for review in reviews:
            row = con.execute(
                "SELECT listing_id, rule_id, evidence_hash FROM flag_records WHERE flag_id = ?", [review.flag_id]
            ).fetchone()
            if row is None:
                raise ReviewError(f"no flag {review.flag_id!r}; list them with `iopdir flags`")
            ids.append(str(uuid.uuid4()))
            con.execute(
                "INSERT INTO flag_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ids[-1], review.flag_id, *row, review.decision, review.note.strip(), review.reviewer, now],
            )
        con.execute("COMMIT")
    except BaseException as error:
        con.execute("ROLLBACK")
        if isinstance(error, duckdb.Error):
            raise ReviewError(str(error)) from error
        raise
    finally:
        con.close()
    return ids


def flag_ids_starting(db_path: str | Path, prefix: str) -> list[str]:
    """The ids of the flags (active or not) whose id starts with `prefix`, at most 11, sorted (read-only)."""
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute(
            "SELECT flag_id FROM flag_records WHERE starts_with(flag_id, ?) ORDER BY flag_id LIMIT 11", [prefix]
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def new_flags(db_path: str | Path, run_id: str) -> list[dict[str, object]]:
    """The flags a run raised for the first time (new or reopened with changed evidence), most severe and
    strongest first."""
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute(
            f"""
            SELECT rule_id, severity, confidence, state, name, message, reopened, flag_id FROM flags
            WHERE active AND first_run_id = ?
            ORDER BY {severity_rank_sql()}, {confidence_rank_sql()}, rule_id, state, name
            """,
            [run_id],
        ).fetchall()
    finally:
        con.close()
    keys = ("rule_id", "severity", "confidence", "state", "name", "message", "reopened", "flag_id")
    return [dict(zip(keys, row, strict=True)) for row in rows]
