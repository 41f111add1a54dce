"""Opening the file: a writer's memory budget, a reader's locked-down session."""

from pathlib import Path

import duckdb
import pytest

from pipeline.duck import DEFAULT_MEMORY_LIMIT, memory_limit
from pipeline.store.connection import connect


def _reported(limit: str) -> str:
    """DuckDB's own wording of a memory limit (it reports "1GB" as "953.6 MiB")."""
    with duckdb.connect(config={"memory_limit": limit}) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_a_writer_gets_the_memory_budget_the_environment_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IOPDIR_DUCKDB_MEMORY_LIMIT", raising=False)
    assert memory_limit() == DEFAULT_MEMORY_LIMIT
    with connect(tmp_path / "a" / "t.duckdb") as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == _reported(DEFAULT_MEMORY_LIMIT)
    monkeypatch.setenv("IOPDIR_DUCKDB_MEMORY_LIMIT", "2GB")
    with connect(tmp_path / "a" / "t.duckdb") as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == _reported("2GB")


def test_a_reader_reaches_no_other_file_and_cannot_unlock_its_settings(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    connect(db).close()
    with connect(db, read_only=True) as con:
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/hostname')")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
