"""DuckDB settings every stage that runs DuckDB shares (the store's connections, the bulk normalizer)."""

import os

#: DuckDB's memory budget for a working connection (`IOPDIR_DUCKDB_MEMORY_LIMIT`, e.g. "4GB").
#: DuckDB's own default is 80% of the machine; a load of a million listings then holds gigabytes
#: it does not need, where with a budget it spills to disk and stays within it.
DEFAULT_MEMORY_LIMIT = "1GB"


def memory_limit() -> str:
    """The memory budget to give DuckDB: `IOPDIR_DUCKDB_MEMORY_LIMIT` if set, else `DEFAULT_MEMORY_LIMIT`."""
    return os.environ.get("IOPDIR_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
