"""Every CLI error path a user can cause is one line on stderr and exit 2, before anything starts.

Bad database files (text, under a file, in a folder nobody may write, a full disk), bad settings
(`IOPDIR_DUCKDB_MEMORY_LIMIT`, `IOPDIR_SOURCES`, the `IOPDIR_THRESHOLDS` file) and unknown
`--source` names: no traceback, and no database file made where there was none.
"""

import errno
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.cli import main
from flows.cli.common import EXIT_USAGE, run_command
from pipeline.store import load

# Sets up one bad input under a folder and returns the command line and the database path.
Case = Callable[[Path, pytest.MonkeyPatch], tuple[list[str], Path]]


@pytest.fixture(autouse=True)
def no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No iopdir.toml and no IOPDIR_* variable but the case's own."""
    for name in list(os.environ):
        if name.startswith("IOPDIR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _run(db: Path, tmp: Path, *extra: str) -> list[str]:
    # An empty replay folder: should a case ever get past its check, it crawls nothing live.
    (tmp / "replay").mkdir(exist_ok=True)
    return ["run", "--db", str(db), "--replay", str(tmp / "replay"), "--source", "ny_omh", *extra]


def _text_file_run(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    db = tmp / "notes.duckdb"
    db.write_text("not a database\n", encoding="utf-8")
    return _run(db, tmp), tmp / "none"


def _text_file_review(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    db = tmp / "notes.duckdb"
    db.write_text("not a database\n", encoding="utf-8")
    return ["review", "f1", "--dismiss", "--note", "n", "--db", str(db)], tmp / "none"


def _under_a_file(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    (tmp / "plain").write_text("x", encoding="utf-8")
    return _run(tmp / "plain" / "iop.duckdb", tmp), tmp / "plain" / "iop.duckdb"


def _under_a_file_deeper(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    (tmp / "plain").write_text("x", encoding="utf-8")
    return _run(tmp / "plain" / "data" / "iop.duckdb", tmp), tmp / "plain" / "data" / "iop.duckdb"


def _unwritable_folder(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    # Permission bits do not stop root (tests run as root in CI), and mounting a read-only file
    # system needs privileges a test should not use: as root, sysfs, where nobody may create a
    # file (EACCES, or EROFS where /sys is mounted read-only); otherwise a folder without write
    # permission.
    if os.geteuid() != 0:
        folder = tmp / "locked"
        folder.mkdir()
        folder.chmod(0o555)
    else:
        folder = Path("/sys")
    db = folder / f"iopdir-test-{os.getpid()}.duckdb"
    try:
        os.close(os.open(db, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError as error:
        assert error.errno in (errno.EACCES, errno.EROFS, errno.EPERM)
    else:
        os.unlink(db)
        pytest.skip(f"{folder} is writable here")
    return _run(db, tmp), db


def _full_disk_at_open(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    # /dev/full fails every write with ENOSPC: DuckDB says "Could not write file ...: No space
    # left on device" when it writes the new database's header, as on a full disk.
    return _run(Path("/dev/full"), tmp), tmp / "none"


def _memory_limit(value: str) -> Case:
    def case(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
        monkeypatch.setenv("IOPDIR_DUCKDB_MEMORY_LIMIT", value)
        return _run(tmp / "iop.duckdb", tmp), tmp / "iop.duckdb"

    return case


def _unknown_source(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    return _run(tmp / "iop.duckdb", tmp, "nope"), tmp / "iop.duckdb"


def _unknown_serve_source(tmp: Path, _: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    return ["serve", "--db", str(tmp / "iop.duckdb"), "--source", "nope", "--register-only"], tmp / "iop.duckdb"


def _setting(name: str, value: str) -> Case:
    def case(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
        monkeypatch.setenv(name, value)
        return _run(tmp / "iop.duckdb", tmp), tmp / "iop.duckdb"

    return case


def _thresholds_file(text: str | None) -> Case:
    def case(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
        path = tmp / "thresholds.toml"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("IOPDIR_THRESHOLDS", str(path))
        return _run(tmp / "iop.duckdb", tmp), tmp / "iop.duckdb"

    return case


CASES: dict[str, tuple[Case, str]] = {
    "text file as the database (run)": (_text_file_run, "is not a DuckDB database file"),
    "text file as the database (review)": (_text_file_review, "is not a DuckDB database file"),
    "database under a file": (_under_a_file, "plain is a file, not a folder"),
    "database two folders under a file": (_under_a_file_deeper, "Not a directory"),
    "folder nobody may write": (_unwritable_folder, "iopdir-test-"),
    "disk full when the database is made": (_full_disk_at_open, "No space left on device"),
    "memory limit without a number": (_memory_limit("lots"), "IOPDIR_DUCKDB_MEMORY_LIMIT='lots' is not a memory size"),
    "memory limit without a unit": (_memory_limit("4096"), "IOPDIR_DUCKDB_MEMORY_LIMIT='4096' is not a memory size"),
    "unknown --source": (_unknown_source, "unknown source 'nope'; the sources are samhsa_directory (samhsa_su, "),
    "unknown serve --source": (_unknown_serve_source, "unknown source 'nope'"),
    "unknown source in IOPDIR_SOURCES": (_setting("IOPDIR_SOURCES", '["nope"]'), "sources: unknown source 'nope'"),
    "IOPDIR_SOURCES not JSON": (_setting("IOPDIR_SOURCES", "ny_omh"), 'field "sources" in the environment'),
    "thresholds out of order": (_setting("IOPDIR_THRESHOLDS__PHP_MIN", "3"), "0 < IOP floor <= PHP floor"),
    "thresholds file missing": (_thresholds_file(None), "thresholds.toml: No such file or directory"),
    "thresholds file not TOML": (_thresholds_file("php_min: 20\n"), "IOPDIR_THRESHOLDS="),
    "thresholds file with an unknown key": (_thresholds_file("[thresholds]\nphp = 20\n"), "unknown threshold(s) php"),
    "thresholds file with a word": (_thresholds_file('[thresholds]\nphp_min = "x"\n'), "must be numbers of hours"),
}


@pytest.mark.parametrize("case,expected", CASES.values(), ids=list(CASES))
def test_a_bad_input_is_one_line_and_exit_2(
    case: Case, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, db = case(tmp_path, monkeypatch)
    existed = db.exists()
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("iopdir"), err
    assert expected in err and "Traceback" not in err
    assert db.exists() == existed


class _FullDiskAtCommit:
    """A writer's connection whose commit meets a full disk, as DuckDB reports it.

    DuckDB ends the transaction when its commit fails, so a rollback then raises "cannot rollback -
    no transaction is active", which hid the full disk before the loader let it pass.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, db: Path) -> None:
        self._con = con
        self._db = db

    def commit(self) -> None:
        self._con.rollback()
        raise duckdb.TransactionException(
            f'TransactionContext Error: Failed to commit: Could not write file "{self._db}.wal": '
            "No space left on device"
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture
def full_disk_at_commit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A database whose loads fail at commit as on a full disk."""
    db = tmp_path / "iop.duckdb"
    real_connect = load.connect
    monkeypatch.setattr(load, "connect", lambda path: _FullDiskAtCommit(real_connect(path), db))
    yield db


def test_a_full_disk_at_commit_says_no_space(full_disk_at_commit: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def loads() -> int:
        load.load_run(full_disk_at_commit, "r1", datetime.now(UTC), [])
        return 0

    assert run_command("run", loads) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == f'iopdir run: failed: Could not write file "{full_disk_at_commit}.wal": No space left on device\n'


LABELLED = {
    "id": "a",
    "program_label": "IOP",
    "text": "Monday through Friday 9 a.m. to 3 p.m.",
    "level_check": "label_IOP_but_hours_ge_20",
}


def test_iopdir_thresholds_names_the_file_every_command_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(LABELLED) + "\n", encoding="utf-8")
    # 30 h a week: over the default PHP floor (20 h), so an IOP label raises php_as_iop ...
    assert main(["eval", "flags", str(items)]) == 0
    assert "\tgot php_as_iop\t" in capsys.readouterr().out
    # ... and under a PHP floor of 40 h from the file $IOPDIR_THRESHOLDS names, it does not.
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text("[thresholds]\nphp_min = 40\n", encoding="utf-8")
    monkeypatch.setenv("IOPDIR_THRESHOLDS", str(thresholds))
    assert main(["eval", "flags", str(items)]) == 0
    out = capsys.readouterr().out
    assert "\tgot php_as_iop\t" not in out and "\tgot none\t" in out


def test_the_thresholds_file_sits_between_the_config_file_and_the_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.config import load_settings

    (tmp_path / "iopdir.toml").write_text("[thresholds]\niop_min_adult = 8\nphp_min = 30\n", encoding="utf-8")
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text("[thresholds]\nphp_min = 40\niop_min_adolescent = 5\n", encoding="utf-8")
    monkeypatch.setenv("IOPDIR_THRESHOLDS", str(thresholds))
    monkeypatch.setenv("IOPDIR_THRESHOLDS__IOP_MIN_ADOLESCENT", "4")
    values = load_settings().thresholds
    assert (values.iop_min_adult, values.php_min, values.iop_min_adolescent) == (8, 40, 4)


def test_the_os_reason_is_found_along_the_error_chain() -> None:
    from pipeline.store.connection import os_failure

    try:
        try:
            raise duckdb.IOException('IO Error: Could not write file "/d/iop.duckdb.wal": No space left on device')
        except duckdb.Error:
            # Raised while handling, as DuckDB's rollback after a failed commit: context, no cause.
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback - no transaction is active")  # noqa: B904
    except duckdb.Error as error:
        assert os_failure(error) == 'Could not write file "/d/iop.duckdb.wal": No space left on device'
    assert os_failure(OSError(errno.EROFS, "Read-only file system", "/d/x.csv")) == "Read-only file system: /d/x.csv"
    assert os_failure(duckdb.CatalogException("Catalog Error: Table with name x does not exist!")) is None
    assert os_failure(RuntimeError("a bug")) is None
