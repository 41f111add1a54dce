"""Helpers of the crash-safety, contention and injection tests: a content hash of the database,
and a writing step run as a child process that says where it is, so a test can kill it there.

    python -m tests.crash_load '{"step": "load"|"link"|"flags", "db": PATH, "run_id": ID,
                                 "loads": [SourceLoad fields, ...], "codes": [PATH, ...],
                                 "pause_after": "INSERT INTO runs"}'

The child prints one line per point it reaches and flushes it before going on, so whatever the
parent reads was reached before any kill:

    ready         imports done, about to open the database
    paused        (with "pause_after": SQL prefix) that statement ran; now waiting to be killed,
                  or, with "resume_on_stdin": true, for a line on stdin to go on
    begin         the write transaction has begun (BEGIN has returned)
    commit-start  COMMIT is about to be sent
    committed     COMMIT has returned
    done          the step returned and its connection is closed

A kill after `begin` and before `commit-start` lands inside the write transaction: the database
must then hold exactly what it held before. Between `commit-start` and `committed` the commit may
or may not have reached the file, so either the old or the new state is right, but nothing else.
"""

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

#: Columns whose values legitimately differ between two runs of the same inputs: run ids, load
#: and review times, the random id of a review, and the process that ran the step. Everything else must be equal.
VOLATILE_COLUMNS = frozenset(
    {
        "run_id",
        "first_run_id",
        "last_run_id",
        "first_seen",
        "last_seen",
        "last_changed",
        "started_at",
        "finished_at",
        "loaded_at",
        "flagged_at",
        "process",
        "changed_at",
        "reviewed_at",
        "review_id",
    }
)

#: Tables that log each run (one more set of rows per run, by design). The rest is the state a
#: run leaves: the same inputs loaded again must leave it exactly as it was.
RUN_LOG_TABLES = frozenset({"runs", "run_sources", "rejects"})

#: How long a paused step waits to be killed.
PAUSE_S = 30.0


def table_hashes(
    db: str | Path, skip_tables: Iterable[str] = (), skip_columns: Iterable[str] = VOLATILE_COLUMNS
) -> dict[str, str]:
    """A hash per table of the database (plus `schema:` for its tables, columns and views).

    Each table's rows, without `skip_columns`, are hashed whole (DuckDB's `hash` of the row) and
    the hashes summed, so the result depends on the content only, not on row order or on how
    DuckDB stores the rows (DuckDB's hash is stable within one DuckDB version, which is all one
    test run needs). Opened
    read-only with DuckDB's defaults (not `pipeline.store.load.connect`): the check must not depend on
    the code it checks.
    """
    skip_tables, skip_columns = set(skip_tables), set(skip_columns)
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name IN "
            "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE') "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
        schema = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY ALL"
        ).fetchall()
        views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
        hashes = {"schema:": hashlib.sha256(repr((schema, views)).encode()).hexdigest()}
        for table, names in sorted(columns.items()):
            if table in skip_tables:
                continue
            kept = ", ".join(f'"{c}"' for c in names if c not in skip_columns)
            # The sum of the rows' 64-bit hashes: independent of row order, counts repeated rows,
            # and six times faster than sorting the rows as text (the crash trials hash often).
            count, digest = con.execute(
                f'SELECT count(*), sum(hash(t)::HUGEINT) FROM (SELECT {kept} FROM "{table}") AS t'
            ).fetchone()
            hashes[table] = f"{count}:{digest or 0}"
        return hashes
    finally:
        con.close()


def content_hash(db: str | Path, skip_tables: Iterable[str] = ()) -> str:
    """One hash of every table's content (see `table_hashes`)."""
    return hashlib.sha256(json.dumps(table_hashes(db, skip_tables), sort_keys=True).encode()).hexdigest()


def state_hash(db: str | Path) -> str:
    """The content hash without the per-run log tables: what "the same inputs twice" must keep."""
    return content_hash(db, RUN_LOG_TABLES)


class _TracedConnection:
    """A DuckDB connection that reports when its write transaction begins and commits."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, say: Callable[[str], None], pause_after: str = "", resume: bool = False
    ) -> None:
        self._con = con
        self._say = say
        self._pause_after = " ".join(pause_after.split()).upper()
        self._resume_on_stdin = resume

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def _statement(self, sql: object) -> str:
        return " ".join(str(sql).split()).upper().rstrip(";") if isinstance(sql, str) else ""

    def execute(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        """`execute`, reporting BEGIN and COMMIT statements (flag and link steps use those)."""
        statement = self._statement(sql)
        if statement in {"COMMIT", "END", "END TRANSACTION", "COMMIT TRANSACTION"}:
            self._say("commit-start")
        result = self._con.execute(sql, *args, **kwargs)
        if statement in {"BEGIN", "BEGIN TRANSACTION"}:
            self._say("begin")
        elif statement in {"COMMIT", "END", "END TRANSACTION", "COMMIT TRANSACTION"}:
            self._say("committed")
        elif self._pause_after and statement.startswith(self._pause_after):
            # A kill at a chosen point: stop right after this statement, transaction open, and
            # wait to be killed (a test that forgets to kill gets a failed child, not a hang).
            self._pause_after = ""
            self._say("paused")
            if self._resume_on_stdin:
                # Holding the write lock mid-transaction until the test has tried its readers
                # and writers; then the step goes on and commits as it would have.
                sys.stdin.readline()
                return result
            time.sleep(PAUSE_S)
            raise RuntimeError(f"paused for {PAUSE_S} s and nobody killed the process")
        return result

    def begin(self) -> Any:
        """`begin`, reported once it returned (the load step uses it)."""
        result = self._con.begin()
        self._say("begin")
        return result

    def commit(self) -> Any:
        """`commit`, reported before and after."""
        self._say("commit-start")
        result = self._con.commit()
        self._say("committed")
        return result


def run_step(spec: dict[str, Any], say: Callable[[str], None] = lambda _: None) -> object:
    """Run one writing step of a run (`load`, `link` or `flags`) as the flow does."""
    from datetime import UTC, datetime

    import pipeline.flags.store
    import pipeline.link.store
    import pipeline.store.load
    from pipeline.store.guard import Guard
    from pipeline.store.load import SourceLoad

    plain = pipeline.store.load.connect

    def traced(db_path: str | Path, read_only: bool = False) -> Any:
        con = plain(db_path, read_only=read_only)
        return (
            con
            if read_only
            else _TracedConnection(con, say, spec.get("pause_after", ""), spec.get("resume_on_stdin", False))
        )

    # Every writer reaches the database through this one function, imported by name.
    for module in (pipeline.store.load, pipeline.flags.store, pipeline.link.store):
        module.connect = traced  # type: ignore[attr-defined]
    try:
        say("ready")
        db, run_id = spec["db"], spec["run_id"]
        if spec["step"] == "load":
            loads = [SourceLoad(**load) for load in spec["loads"]]
            guard = Guard(accept_drop=frozenset(spec.get("accept_drop", ())))
            return pipeline.store.load.load_run(
                db, run_id, datetime.now(UTC), loads, spec.get("codes", []), guard=guard
            )
        if spec["step"] == "link":
            return pipeline.link.store.link_facilities(db, run_id)
        if spec["step"] == "flags":
            return pipeline.flags.store.compute_flags(db, run_id)
        raise ValueError(f"unknown step {spec['step']!r}")
    finally:
        for module in (pipeline.store.load, pipeline.flags.store, pipeline.link.store):
            module.connect = plain  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    """Run the step `argv[0]` (JSON) describes, printing the markers on stdout."""

    def say(marker: str) -> None:
        print(marker, flush=True)

    run_step(json.loads(argv[0]), say)
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
