"""A run's life cycle in `runs.status`: the statuses, and the only functions that move a run between them.

    running --load commits--> loaded --link and flag finished--> ok | failed
       |                        |
       +--- failure -----------+--> failed        (recorded while the run's process still can)
       +--- process gone ------+--> interrupted   (found by the next run's start)

`start_run` writes the `running` row before the crawl (and first marks `interrupted` the
unfinished runs whose process is gone); the load writes `loaded` inside its own transaction
(`record_loaded`); the flag step notes `flagged_at` inside its own (`record_flagged`);
`finish_run` writes `ok` or `failed` and `finished_at` once link and flag are done. A run is `ok`
only when every source is (`run_outcome`), so the flow's state, the CLI's exit code and
`runs.status` read the same verdict. `flags_lag` tells readers when the flags were computed
before the last load.
"""

import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.store.connection import connect
from pipeline.store.schema import ensure_schema

RUNNING = "running"
LOADED = "loaded"
OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"
#: Statuses of a run that has not finished; one whose process is gone is interrupted.
UNFINISHED = (RUNNING, LOADED)
#: Source statuses that leave the run `ok`: `rejected` is the row of records of no known source,
#: which are kept as rejects and fail nothing. Any other (`failed`, or one added later) fails it.
SOURCE_STATUSES_OK = ("ok", "rejected")


def run_outcome(sources: Iterable[tuple[str, str, str]]) -> tuple[str, str]:
    """The run's verdict from its sources' (source, status, message): `ok`, or `failed` and why.

    The one rule for every reader of a run's outcome: the load's `runs` row, the flow's state and
    the CLI's exit code.
    """
    problems = {s: m or status for s, status, m in sources if status not in SOURCE_STATUSES_OK}
    if not problems:
        return OK, ""
    return FAILED, "; ".join(f"{s}: {m}" for s, m in sorted(problems.items()))


def _start_ticks(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a process from /proc, or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    return (fields[0], fields[19]) if len(fields) > 19 else None


def process_token(pid: int | None = None) -> str:
    """What names this process across time: `host/pid/start ticks` (a reused pid has other ticks)."""
    pid = pid or os.getpid()
    stat = _start_ticks(pid)
    return f"{socket.gethostname()}/{pid}/{stat[1] if stat else ''}"


def process_alive(token: str | None) -> bool:
    """Whether the process a `process_token` names still runs.

    A process of another host cannot be checked from here and counts as alive; a zombie (killed,
    not yet reaped) and a pid reused by a later process count as gone.
    """
    if not token:
        return False
    host, _, rest = token.partition("/")
    pid_text, _, ticks = rest.partition("/")
    if host != socket.gethostname():
        return True
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    stat = _start_ticks(pid)
    if stat is None:
        return not Path("/proc/self/stat").exists()  # no /proc: os.kill is all there is to go on
    state, started = stat
    return state != "Z" and (not ticks or started == ticks)


def mark_interrupted(con: duckdb.DuckDBPyConnection, found_by: str) -> list[str]:
    """Mark `interrupted` every unfinished run whose process is gone; their ids, oldest first.

    Runs in the caller's transaction. A run interrupted after its load has no flags of its own:
    `flags_lag` says so until a later run computes them.
    """
    rows = con.execute(
        "SELECT run_id, status, process FROM runs WHERE status IN (SELECT unnest(?::VARCHAR[])) ORDER BY run_id",
        [list(UNFINISHED)],
    ).fetchall()
    marked = []
    for run_id, status, process in rows:
        if process_alive(process):
            continue
        when = "after its load, before link and flags finished" if status == LOADED else "before its load committed"
        message = f"interrupted {when}: its process ({process or 'unknown'}) is gone; found by run {found_by}"
        con.execute(
            "UPDATE runs SET status = ?, message = concat_ws('; ', nullif(message, ''), ?) WHERE run_id = ?",
            [INTERRUPTED, message, run_id],
        )
        marked.append(run_id)
    return marked


def start_run(db_path: str | Path, run_id: str, started_at: datetime, sources: Iterable[str]) -> list[str]:
    """Open the database for writing and record the run as `running`; the runs marked interrupted.

    Called before the crawl, so a database another process holds stops the run at once
    (`DatabaseBusy`) and every later failure has a row to land on.
    """
    con = connect(db_path)
    try:
        con.begin()
        try:
            ensure_schema(con)
            marked = mark_interrupted(con, run_id)
            con.execute(
                "INSERT INTO runs (run_id, started_at, status, sources, process) VALUES (?, ?, ?, ?, ?)",
                [run_id, started_at, RUNNING, sorted(sources), process_token()],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return marked
    finally:
        con.close()


def record_loaded(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    sources: list[str],
    totals: dict[str, int],
    message: str,
) -> None:
    """Write the run's `loaded` row with its totals, in the load's transaction (replacing its `running` row)."""
    con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
    now = datetime.now(UTC)
    # The columns in table order: schema.sql's, then those migration 005 added.
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            started_at,
            None,
            LOADED,
            sources,
            *(totals[k] for k in ("seen", "loaded", "rejected", "new", "changed", "unchanged", "gone")),
            message,
            now,
            None,
            process_token(),
        ],
    )


def record_flagged(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Note that the run's flags are computed (`flagged_at`), in the flag step's own transaction."""
    con.execute("UPDATE runs SET flagged_at = now() WHERE run_id = ?", [run_id])


def finish_run(db_path: str | Path, run_id: str, status: str, message: str) -> None:
    """Record the run's end, after link and flag: `ok` or `failed` with why, and `finished_at`."""
    if status not in (OK, FAILED):
        raise ValueError(f"a run finishes ok or failed, not {status!r}")
    con = connect(db_path)
    try:
        con.execute(
            "UPDATE runs SET status = ?, message = ?, finished_at = now() WHERE run_id = ?",
            [status, message, run_id],
        )
    finally:
        con.close()


def fail_unfinished(db_path: str | Path, message: str, process: str | None = None) -> list[str]:
    """Mark `failed` the unfinished runs of this process (a flow that raised); their ids.

    Best effort, for the flow's failure hook: a missing file is left alone (nothing to record).
    """
    if not Path(db_path).is_file():
        return []
    con = connect(db_path)
    try:
        if not _has_life_cycle(con):
            return []
        rows = con.execute(
            "UPDATE runs SET status = ?, message = concat_ws('; ', nullif(message, ''), ?), finished_at = now() "
            "WHERE status IN (SELECT unnest(?::VARCHAR[])) AND process = ? RETURNING run_id",
            [FAILED, message, list(UNFINISHED), process or process_token()],
        ).fetchall()
        return sorted(r[0] for r in rows)
    finally:
        con.close()


def _has_life_cycle(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's `runs` table has the life-cycle columns (a file of an older version may not)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs' AND column_name = 'flagged_at'"
        ).fetchone()[0]
    )


def flags_lag(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the flags are older than the last load, or None when they are not.

    They are when the latest run whose load committed has not finished its flag step (it is
    still `loaded`, was `interrupted`, or failed in link or flag), and no later run flagged.
    Read-only; a file of an older version (no life-cycle columns) says nothing.
    """
    if not _has_life_cycle(con):
        return None
    row = con.execute(
        """
        SELECT run_id, status, loaded_at FROM runs
        WHERE loaded_at IS NOT NULL AND flagged_at IS NULL
          AND started_at > coalesce((SELECT max(started_at) FROM runs WHERE flagged_at IS NOT NULL),
                                    '-infinity'::TIMESTAMPTZ)
        ORDER BY started_at DESC LIMIT 1
        """
    ).fetchone()
    if row is None:
        return None
    run_id, status, loaded_at = row
    return (
        f"flags are older than the last load: run {run_id} loaded at {loaded_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
        f"but its flag step did not finish (status {status}); the next run recomputes them"
    )
