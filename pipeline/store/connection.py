"""Opening the DuckDB file: a writer's memory budget, a reader's locked-down session, busy files.

DuckDB locks the file per process: while a writer has it open no other process may open it, and
while readers have it open (read-only, `connect(..., read_only=True)`) no process may write;
either case raises `DatabaseBusy`. A file that cannot be a writer's database (not a DuckDB file, on
a read-only or full file system, in a folder that cannot be made) raises `DatabaseUnusable`.
"""

import errno
import os
import re
import time
from collections.abc import Iterator
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


class DatabaseUnusable(RuntimeError):
    """The database file cannot be opened or written, for a reason no retry will fix by itself.

    `reason` says why in the operating system's or DuckDB's words ("No space left on device",
    "Read-only file system", "not a DuckDB database file"); the CLI prints it and exits with 2.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot use the database {self.path}: {reason}")


# The operating system's failures that make a file unusable whatever the command does: the disk
# or quota is full, the file system is read-only, the path is not a writable folder. DuckDB ends
# its IO errors with the OS's own words for these (strerror), which is how they are found.
_OS_FAILURES = (
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EFBIG,
    errno.EIO,
    errno.ENAMETOOLONG,
)
_OS_REASONS = tuple(os.strerror(code) for code in _OS_FAILURES)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error`, then the errors it was raised from or while handling, innermost last."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def os_failure(error: BaseException) -> str | None:
    """The OS failure (disk full, read-only file system, …) behind `error`, in words; None if none.

    Looks along the whole chain: a failed commit on a full disk surfaces as DuckDB's "cannot
    rollback - no transaction is active", raised while handling the error that says "No space
    left on device". DuckDB's type prefix ("IO Error: ") is left out of the words.
    """
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in _OS_FAILURES:
            return f"{link.strerror}: {link.filename}" if link.filename else str(link.strerror)
        if isinstance(link, duckdb.Error) and str(link).rstrip().endswith(_OS_REASONS):
            return re.sub(r"^.*?Error: (Failed to commit: )?", "", str(link).strip(), count=1)
    return None


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
    (see there), and for a writer `DatabaseUnusable` when the file cannot be its database.
    """
    try:
        if read_only:
            return duckdb.connect(str(db_path), read_only=True, config=READ_ONLY_CONFIG)
        return _open_writer(db_path)
    except duckdb.IOException as error:
        if any(marker in str(error) for marker in _LOCK_ERRORS):
            raise DatabaseBusy(db_path, read_only, str(error)) from error
        if read_only:
            raise  # the CLI's readers say "cannot open" with DuckDB's words already
        raise DatabaseUnusable(db_path, _unusable_reason(error)) from error


def _open_writer(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A writing connection with the memory budget; its folder made first if need be."""
    try:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise DatabaseUnusable(db_path, f"{error.filename} is a file, not a folder") from error
    except OSError as error:
        # A parent under a file, on a read-only file system: say so, not a traceback from mkdir.
        raise DatabaseUnusable(db_path, f"cannot make its folder {error.filename}: {error.strerror}") from error
    return duckdb.connect(str(db_path), config={"memory_limit": memory_limit()})


def _unusable_reason(error: duckdb.IOException) -> str:
    """Why DuckDB could not open a file as a writer's database, in a few words."""
    if "not a valid DuckDB database file" in str(error):
        return "the file exists but is not a DuckDB database file"
    return os_failure(error) or re.sub(r"^IO Error: ", "", str(error))


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
