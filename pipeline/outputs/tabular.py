"""File exports of the database for maintainers' own tools: Parquet and CSV.

Three tables: `listings` (active listings), `facilities` and `flags` (active flags), optionally
for one state. Both formats are written in bulk from Arrow; the database is opened read-only.

CSV and spreadsheets: text cells that a spreadsheet would read as a formula get a leading
apostrophe (`'=HYPERLINK(…)`), by the one rule in `cells` that every CSV output follows.
Parquet keeps every value exactly as stored. Nested values (lists, structs, JSON) become JSON
text in CSV.

Where exports go (`check_out_dir`, for every format, HSDS included): OUT_DIR is a folder that is
new, empty, or an earlier export (it holds the `.iopdir-export` marker every export leaves, or
only files an export writes); any other folder only with `force`. Never the database file, its
write-ahead log (`<db>.wal`) or DuckDB's spill folder (`<db>.tmp`), nor anything inside them, nor
a folder where an export file would replace the database; never an existing file where a folder
is expected; never a path with a NUL byte; never a folder that holds a symbolic link, even with
`force` (OUT_DIR itself may be a link: it is resolved and checked like any path). Every file is
written to a temporary file in the folder and renamed into place (`files.safe_file`), so even a
link made after the check is replaced, not written through.
"""

import csv
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

# `neutralize` and `ExportPathError` live with the rules they belong to; importable from here as before.
from pipeline.outputs.cells import neutralize as neutralize
from pipeline.outputs.files import ExportPathError as ExportPathError
from pipeline.outputs.files import is_temp_of, safe_file, symlinks_in
from pipeline.store.connection import connect
from pipeline.store.queries import flags_relation
from schemas.vocab import confidence_rank_sql, severity_rank_sql

TABLES = {
    "listings": "SELECT * FROM listings WHERE active",
    "facilities": "SELECT * FROM facilities",
    # Most severe first, then the strongest evidence, as `iopdir flags` lists them.
    "flags": f"SELECT * FROM {{flags}} WHERE active ORDER BY {severity_rank_sql()}, {confidence_rank_sql()}, rule_id, "
    "state, name, flag_id",
}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, list | dict):
        return neutralize(json.dumps(value, default=str, ensure_ascii=False))
    return value


#: The file every export leaves in its folder, so a later export may write there again.
EXPORT_MARKER = ".iopdir-export"


def export_file_names(fmt: str) -> list[str]:
    """The files an export of format `fmt` ("hsds", "parquet" or "csv") writes into its folder."""
    if fmt == "hsds":
        from pipeline.outputs.hsds.tables import file_names  # JSON or CSV tables, and the CSV descriptor

        return file_names()
    return [f"{name}.{fmt}" for name in TABLES]


def _is_earlier_export(entries: list[Path]) -> bool:
    """Whether a folder's entries are those of an export (its marker, or only export files)."""
    if any(entry.name == EXPORT_MARKER for entry in entries):
        return True
    known = {name for fmt in ("hsds", "parquet", "csv") for name in export_file_names(fmt)}
    # HSDS writes each table to `<table>.json.tmp` first; a crashed export may leave one.
    known |= {f"{name}.tmp" for name in known if name.endswith(".json")}
    return all(
        (entry.name in known or is_temp_of(entry.name, known)) and entry.is_file() and not entry.is_symlink()
        for entry in entries
    )


def check_out_dir(db_path: str | Path, out_dir: str | Path, fmt: str, force: bool = False) -> Path:
    """The folder an export of `db_path` may write to, resolved; raises ExportPathError if it may not.

    See the module docstring for the rules. Symbolic links are followed, so a link to the
    database is the database.
    """
    text = os.fspath(out_dir)
    if "\0" in text:
        raise ExportPathError(f"the output path {text!r} contains a NUL byte")
    if not text.strip():
        raise ExportPathError("the output path is empty")
    out = Path(text)
    target = out.resolve()
    db = Path(db_path).resolve()
    # DuckDB's own files: the database, its write-ahead log and the folder it spills to (which
    # DuckDB empties and removes when it is done with it).
    guarded = {db: "the database file", Path(f"{db}.wal"): "the database's write-ahead log"}
    spill = Path(f"{db}.tmp")
    for place in (target, *target.parents):
        if place in guarded:
            raise ExportPathError(f"{text} is (or is inside) {guarded[place]} {place}; choose another folder")
        if place == spill:
            raise ExportPathError(f"{text} is (or is inside) DuckDB's spill folder {spill}; choose another folder")
    for name in export_file_names(fmt):
        if target / name in guarded:
            raise ExportPathError(f"writing {name} into {text} would replace {guarded[target / name]} {db}")
    if out.exists():
        if not out.is_dir():
            raise ExportPathError(f"{text} exists and is not a folder; give a folder for the {fmt} files")
        links = symlinks_in(out)
        if links:
            # A link among the files would be written through (the database, someone's thesis).
            raise ExportPathError(
                f"{text} holds symbolic links ({', '.join(links[:3])}); an export never writes into a folder "
                "with links in it, --force or not: remove them or choose another folder"
            )
        entries = list(out.iterdir())
        if entries and not force and not _is_earlier_export(entries):
            raise ExportPathError(
                f"{text} is a folder with other files in it, not an earlier export; "
                "choose a new or empty folder, or pass --force to write into it anyway"
            )
        return target
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ExportPathError(f"{text} cannot be made: {parent} is a file, not a folder")
            break
    return target


def mark_export(out_dir: str | Path, fmt: str, state: str | None) -> None:
    """Leave the marker that says the folder holds an export (and which)."""
    record = {"format": fmt, "state": state.upper() if state else None, "written_at": datetime.now(UTC).isoformat()}
    with safe_file(Path(out_dir) / EXPORT_MARKER) as handle:
        handle.write(json.dumps(record) + "\n")


def _tables(con: duckdb.DuckDBPyConnection, state: str | None) -> dict[str, pa.Table]:
    tables = {}
    for name, template in TABLES.items():
        # An older file, not yet migrated, has flags of unknown confidence.
        sql = template.format(flags=flags_relation(con))
        if state:
            sql = f"SELECT * FROM ({sql}) WHERE state = ?"
            tables[name] = con.sql(sql, params=[state.upper()]).to_arrow_table()
        else:
            tables[name] = con.sql(sql).to_arrow_table()
    return tables


def export_files(
    db_path: str | Path, out_dir: str | Path, fmt: str, state: str | None = None, force: bool = False
) -> dict[str, int]:
    """Write listings, facilities and flags as `fmt` ("parquet" or "csv") files; returns rows per table.

    Raises ExportPathError for an output folder `check_out_dir` refuses, and
    `pipeline.store.connection.DatabaseBusy` while another process writes the database.
    """
    if fmt not in {"parquet", "csv"}:
        raise ValueError(f"unknown export format {fmt!r}; use parquet or csv")
    out = check_out_dir(db_path, out_dir, fmt, force=force)
    # The query sandbox too: the files are written from Arrow, never through DuckDB.
    con = connect(db_path, read_only=True)
    try:
        tables = _tables(con, state)
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if fmt == "parquet":
            with safe_file(out / f"{name}.parquet", binary=True) as raw:
                pq.write_table(table, raw)
            continue
        with safe_file(out / f"{name}.csv") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.column_names)
            for batch in table.to_batches(max_chunksize=10_000):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                writer.writerows([_cell(v) for v in row] for row in zip(*columns, strict=True))
    mark_export(out, fmt, state)
    return {name: table.num_rows for name, table in tables.items()}
