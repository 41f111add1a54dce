"""Every query of docs/queries.md runs against a database built from the real replay data."""

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.flags.store import compute_flags, record_review
from pipeline.link.store import link_facilities
from tests.conftest import ROOT
from tests.helpers import normalize_and_load

QUERIES = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "queries.md").read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def replay_db(national_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("queries") / "q.duckdb"
    normalize_and_load(national_crawl / "items.jsonl", db, "r1")
    link_facilities(db, "r1")
    compute_flags(db, "r1")
    with duckdb.connect(str(db), read_only=True) as con:
        flag_id = con.execute("SELECT flag_id FROM flags WHERE active LIMIT 1").fetchone()[0]
    record_review(db, flag_id, "dismissed", "checked the provider's page", "ana")
    return db


def test_the_page_has_twelve_questions() -> None:
    assert len(QUERIES) == 12


# Questions whose answer is never empty on the national directories, and those whose answer must be.
# (Question 12 reads payers, which only providers' pages name: tests/flows/test_full_replay.py.)
ANSWERED = {0, 2, 4, 5, 6, 7, 8, 9}
EMPTY = {10}


@pytest.mark.parametrize("number", range(len(QUERIES)), ids=[f"q{i + 1}" for i in range(len(QUERIES))])
def test_query_runs(replay_db: Path, number: int) -> None:
    with duckdb.connect(str(replay_db), read_only=True) as con:
        rows = con.execute(QUERIES[number]).fetchall()
    if number in ANSWERED:
        assert rows, f"question {number + 1} found nothing"
    if number in EMPTY:
        assert rows == [], f"question {number + 1} found {rows[:3]}"
