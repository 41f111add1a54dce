"""Per-source quality of a run, as `run_sources.quality`: how complete and clean what a source gave is.

Read from the temp view `staged` (the source's rows as this run loads them, see
`pipeline.store.load`) and this run's `rejects` rows of the source.
"""

from typing import Any

import duckdb

# Fields whose coverage a maintainer watches per source; lists count as missing when empty.
_COVERAGE_FIELDS = (
    "street",
    "city",
    "zip5",
    "phone",
    "website",
    "latitude",
    "levels_of_care",
    "services",
    "payments",
    "populations",
    "hours_min",
)


def source_quality(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: str,
    *,
    seen: int,
    loaded: int,
    rejected: int,
    duplicates: int,
) -> dict[str, Any]:
    """Per-source quality of one run: items, missing and invalid values per field, unknown codes, rejects."""
    missing_sql = ", ".join(
        f"count(*) FILTER (WHERE {c} IS NULL OR len({c}::VARCHAR) = 0 OR {c}::VARCHAR = '[]') AS {c}"
        for c in _COVERAGE_FIELDS
    )
    row = con.execute(
        f"SELECT {missing_sql}, "
        "count(*) FILTER (WHERE len(list_filter(warnings, lambda w: w ILIKE '%unknown%' "
        "OR w ILIKE '%not in the%' OR w ILIKE '%no samhsa code%')) > 0) AS unknown_codes FROM staged"
    ).fetchone()
    # Warnings start with the field they are about ("main phone '…' is not a valid number").
    invalid = con.execute(
        "SELECT regexp_extract(w, '^([a-z_]+(?: phone| labels)?)', 1) AS field, count(*) "
        "FROM (SELECT unnest(warnings) AS w FROM staged) GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    reasons = con.execute(
        "SELECT field, count(*) FROM rejects WHERE run_id = ? AND source = ? GROUP BY 1 ORDER BY 2 DESC, 1",
        [run_id, source],
    ).fetchall()
    return {
        "items": seen,
        "loaded": loaded,
        "rejected": rejected,
        "duplicates": duplicates,
        "missing": dict(zip(_COVERAGE_FIELDS, row[: len(_COVERAGE_FIELDS)], strict=True)) if row else {},
        "invalid": {field or "other": n for field, n in invalid},
        "rows_with_unknown_codes": row[-1] if row else 0,
        "rows_with_warnings": con.execute("SELECT count(*) FROM staged WHERE len(warnings) > 0").fetchone()[0],
        "reject_reasons": dict(reasons),
    }
