"""Opening the DuckDB file: a writer's memory budget, a reader's locked-down session, busy files.

DuckDB locks the file per process: while a writer has it open no other process may open it, and
while readers have it open (read-only, `connect(..., read_only=True)`) no process may write;
either case raises `DatabaseBusy`.
"""

import re
import time
from pathlib import Path

import duckdb

from pipeline.duck import memory_limit


class DatabaseBusy(RuntimeError):
    """Another process holds the database file, so this one cannot open it as asked.

    DuckDB locks the file per process: one process may open it for writing and then no other
    process may open it at all; several processes may open it read-only and then none may write.
    Raised instead of DuckDB's IO error so callers can tell "try again later" from a broken file
    and say so plainly (the CLI prints the message and exits with 3).
    """

    def __init__(self, path: str | Path, read_only: bool, reason: str) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.reason = reason
        pid = re.search(r"\(PID (\d+)\)", reason)
        self.holder_pid = int(pid.group(1)) if pid else None
        holder = f"another process (PID {self.holder_pid})" if self.holder_pid else "another process"
        if read_only:
            # Read-only opens share the file; only a writer shuts them out.
            what = f"{holder} holds it for writing (a run loading it?)"
        else:
            what = (
                f"{holder} has it open (a run loading it, or a reader such as `iopdir query`, "
                "an export or the report); DuckDB lets a process write only while no other process has the file open"
            )
        super().__init__(f"the database {self.path} is busy: {what}; try again when it finishes")


# DuckDB 2.0's message when another process holds the file's lock ("IO Error: Could not set lock
# on file ...: Conflicting lock is held in <program> (PID n)").
_LOCK_ERRORS = ("Could not set lock on file", "Conflicting lock is held")

# The settings of a read-only session (`iopdir query`, exports, the report):
# - no access to other files: no ATTACH, COPY TO, EXPORT DATABASE, read_csv('/etc/passwd');
# - the configuration locked, so a query cannot SET it back (nor raise the memory limit, or
#   point profiling or logging output at a file);
# - no extension installed or loaded on the fly: what DuckDB is built with is all there is;
# - no spill folder: DuckDB allows its temp directory (`<db>.tmp/`) even without external
#   access, so `COPY … TO '<db>.tmp/x.parquet'` would write there when the folder exists. With
#   none, no directory at all is writable; a reader works within its memory limit instead.
READ_ONLY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
    # Last: DuckDB 2.0 refuses to change the temp directory once external access is off, and
    # applies this option before that one only from here (tests/cli/test_query.py checks).
    "temp_directory": "",
}


def connect(db_path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; read-only connections cannot reach other files or change settings either.

    A writing connection gets the shared memory budget (`pipeline.duck.memory_limit`) and
    spills to `<db>.tmp/` past it. Raises `DatabaseBusy` when another process holds the file
    (see there).
    """
    try:
        if read_only:
            return duckdb.connect(str(db_path), read_only=True, config=READ_ONLY_CONFIG)
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(db_path), config={"memory_limit": memory_limit()})
    except duckdb.IOException as error:
        if any(marker in str(error) for marker in _LOCK_ERRORS):
            raise DatabaseBusy(db_path, read_only, str(error)) from error
        raise


def wait_until_writable(db_path: str | Path, timeout_s: float, poll_s: float = 0.5) -> None:
    """Wait until this process may open the database for writing, at most `timeout_s` seconds.

    A reader (`iopdir query`, the report, an export) opened while a run crawled holds the file for
    a while; the run's load waits for it rather than failing after the whole crawl. Raises
    `DatabaseBusy` if the file is still held after `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            connect(db_path).close()
            return
        except DatabaseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(poll_s)
