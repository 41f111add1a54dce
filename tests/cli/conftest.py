"""A small database for the read-only commands: the SAMHSA fixture and two program pages, linked
and flagged (run r1), then run r2 without one SAMHSA listing, and a review."""

from pathlib import Path

import pytest

from pipeline.flags.store import compute_flags, record_review
from pipeline.link.store import link_facilities
from pipeline.normalize import run as normalize
from tests.helpers import normalize_and_load, program_normalizer, program_records, read_items, write_items

PROGRAMS = {
    "Hope IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m."),
    "Words IOP": ("iop", "Our intensive outpatient program is a full-day program; hot lunch is provided."),
}


@pytest.fixture(scope="session")
def explain_db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("explain")
    db = work / "iop.duckdb"
    items = read_items(fixture_crawl / "items.jsonl") + program_records(PROGRAMS, source="program_pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        normalize_and_load(write_items(work / "r1" / "items.jsonl", items), db, "r1")
        link_facilities(db, "r1")
        compute_flags(db, "r1")
        dropped = next(i for i in items if i["source"] == "samhsa_mh")
        rest = [i for i in items if i is not dropped]
        normalize_and_load(write_items(work / "r2" / "items.jsonl", rest), db, "r2")
        link_facilities(db, "r2")
        compute_flags(db, "r2")
    import duckdb

    with duckdb.connect(str(db)) as con:
        flag_id = con.execute("SELECT flag_id FROM flags WHERE name = 'Hope IOP' LIMIT 1").fetchone()
    if flag_id:
        record_review(db, flag_id[0], "dismissed", "Checked the page: separate PHP track", "ana")
    return db
