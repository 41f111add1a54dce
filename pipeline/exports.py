"""File exports of the database for maintainers' own tools: Parquet and CSV.

Three tables: `listings` (active listings), `facilities` and `flags` (active flags), optionally
for one state. Both formats are written in bulk from Arrow; the database is opened read-only.

CSV and spreadsheets: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets, and listing names and texts come from
the web. Such text cells are written with a leading apostrophe (`'=HYPERLINK(…)`), which is what
OWASP recommends: spreadsheets show the text as typed and never evaluate it. Numbers (a negative
longitude) are not text and are left alone. Parquet keeps every value exactly as stored.
Nested values (lists, structs, JSON) become JSON text in CSV.
"""

import csv
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = {
    "listings": "SELECT * FROM listings WHERE active",
    "facilities": "SELECT * FROM facilities",
    "flags": "SELECT * FROM flags WHERE active",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """A text cell that no spreadsheet evaluates as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, list | dict):
        return neutralize(json.dumps(value, default=str, ensure_ascii=False))
    return value


def _tables(con: duckdb.DuckDBPyConnection, state: str | None) -> dict[str, pa.Table]:
    tables = {}
    for name, sql in TABLES.items():
        if state:
            sql = f"SELECT * FROM ({sql}) WHERE state = ?"
            tables[name] = con.sql(sql, params=[state.upper()]).to_arrow_table()
        else:
            tables[name] = con.sql(sql).to_arrow_table()
    return tables


def export_files(db_path: str | Path, out_dir: str | Path, fmt: str, state: str | None = None) -> dict[str, int]:
    """Write listings, facilities and flags as `fmt` ("parquet" or "csv") files; returns rows per table."""
    if fmt not in {"parquet", "csv"}:
        raise ValueError(f"unknown export format {fmt!r}; use parquet or csv")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Read-only, but not the query sandbox: nothing is written through DuckDB here.
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = _tables(con, state)
    finally:
        con.close()
    for name, table in tables.items():
        if fmt == "parquet":
            pq.write_table(table, out / f"{name}.parquet")
            continue
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.column_names)
            for batch in table.to_batches(max_chunksize=10_000):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                writer.writerows([_cell(v) for v in row] for row in zip(*columns, strict=True))
    return {name: table.num_rows for name, table in tables.items()}
