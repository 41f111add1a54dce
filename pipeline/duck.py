"""DuckDB settings every stage that runs DuckDB shares (the store's connections, the bulk normalizer)."""

import os
import re

#: DuckDB's memory budget for a working connection (`IOPDIR_DUCKDB_MEMORY_LIMIT`, e.g. "4GB").
#: DuckDB's own default is 80% of the machine; a load of a million listings then holds gigabytes
#: it does not need, where with a budget it spills to disk and stays within it.
DEFAULT_MEMORY_LIMIT = "1GB"
MEMORY_LIMIT_ENV = "IOPDIR_DUCKDB_MEMORY_LIMIT"

# What DuckDB takes as a budget: a size with a unit (KB, MB, GB, TB in 1000s; KiB … TiB in 1024s;
# the B may be left out), or a share of the machine's memory ("50%"). A bare number has no unit
# and DuckDB refuses it: refused here too, before anything starts, instead of at the first load.
_MEMORY_SIZE = re.compile(r"\s*(?:\d+(?:\.\d*)?|\.\d+)(?:\s*[kmgt](?:i?b)?|\s*%)\s*", re.IGNORECASE)


def check_memory_limit(value: str) -> str:
    """`value` when DuckDB can use it as a memory budget; else `ValueError` saying what is expected."""
    if not _MEMORY_SIZE.fullmatch(value) or not float(re.sub(r"[^\d.]", "", value)):
        raise ValueError(
            f"{MEMORY_LIMIT_ENV}={value!r} is not a memory size: give a positive number with a unit, "
            "e.g. 4GB, 512MB, 2GiB, or a share of memory such as 50%"
        )
    return value


def memory_limit() -> str:
    """The memory budget to give DuckDB: `IOPDIR_DUCKDB_MEMORY_LIMIT` if set, else `DEFAULT_MEMORY_LIMIT`.

    Raises `ValueError` when the variable is not a size DuckDB takes (`check_memory_limit`).
    """
    return check_memory_limit(os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT)
