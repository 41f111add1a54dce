"""The vocabularies' own rules: severity and confidence orders in Python and SQL."""

import duckdb

from schemas.vocab import CONFIDENCE_RANK, SEVERITY_RANK, Confidence, Severity, confidence_rank_sql, severity_rank_sql


def test_severities_rank_most_severe_first_in_python_and_sql() -> None:
    assert [s.value for s in sorted(Severity, key=lambda s: SEVERITY_RANK[s])] == ["high", "medium", "low"]
    rows = duckdb.connect().execute(
        f"SELECT s FROM (VALUES ('low'), ('odd'), ('high'), ('medium')) t(s) ORDER BY {severity_rank_sql('s')}"
    )
    assert [r[0] for r in rows.fetchall()] == ["high", "medium", "low", "odd"]


def test_confidences_rank_strongest_first_in_python_and_sql() -> None:
    assert [c.value for c in sorted(Confidence, key=lambda c: CONFIDENCE_RANK[c])] == ["high", "medium", "low"]
    rows = duckdb.connect().execute(
        f"SELECT c FROM (VALUES ('low'), (NULL), ('high'), ('medium')) t(c) ORDER BY {confidence_rank_sql('c')}"
    )
    assert [r[0] for r in rows.fetchall()] == ["high", "medium", "low", None]
