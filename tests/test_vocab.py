"""The vocabularies' own rules: severity order in Python and SQL."""

import duckdb

from schemas.vocab import SEVERITY_RANK, Severity, severity_rank_sql


def test_severities_rank_most_severe_first_in_python_and_sql() -> None:
    assert [s.value for s in sorted(Severity, key=lambda s: SEVERITY_RANK[s])] == ["high", "medium", "low"]
    rows = duckdb.connect().execute(
        f"SELECT s FROM (VALUES ('low'), ('odd'), ('high'), ('medium')) t(s) ORDER BY {severity_rank_sql('s')}"
    )
    assert [r[0] for r in rows.fetchall()] == ["high", "medium", "low", "odd"]
