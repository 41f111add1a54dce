"""Small helpers for tests that build crawl output and load it."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.clean import clean_state
from pipeline.ids import disambiguated_id, listing_id
from pipeline.normalize.run import normalize_file
from pipeline.sources.common import provenance
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.store.load import LoadCounts, SourceLoad, load_run
from schemas.listing import Listing, Provenance
from schemas.raw import RawRecord

if TYPE_CHECKING:
    import pytest


def work_in(folder: Path, monkeypatch: "pytest.MonkeyPatch") -> Path:
    """Make `folder` the working directory, where a command finds its default database, and return
    that database's path (`iop.duckdb`): neither IOPDIR_DB nor IOPDIR_CONFIG may point it elsewhere."""
    for name in ("IOPDIR_DB", "IOPDIR_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(folder)
    return folder / "iop.duckdb"


def read_items(path: Path) -> list[dict[str, Any]]:
    """The records of a crawl's items.jsonl."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_items(path: Path, records: list[dict[str, Any]] | list[str]) -> Path:
    """Write records (dicts, or raw lines) as a crawl's items.jsonl."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def normalize_and_load(
    items: Path, db: Path, run_id: str, complete: dict[str, bool] | None = None
) -> dict[str, LoadCounts]:
    """Normalize a crawl file and load it, as the flow does; returns counts by source."""
    result = normalize_file(items, items.parent / f"normalized-{run_id}", run_id)
    sources = sorted(s for s in result.counts if s != "unknown")
    loads = [
        SourceLoad(
            source=s,
            listings_path=result.listings_path,
            rejects_path=result.rejects_path,
            complete=(complete or {}).get(s, True),
            seen=result.counts[s].seen,
        )
        for s in sources
    ]
    counts = load_run(db, run_id, datetime.now(UTC), loads, [result.codes_path])
    return {c.source: c for c in counts}


def make_listing(name: str = "Example IOP", source: str = "test", **fields: Any) -> Listing:
    """A valid listing with made-up provenance; `fields` are any other Listing fields."""
    base = listing_id(source, name)
    provenance = fields.pop("provenance", None) or Provenance(
        source_url="https://example.org/iop", source_file="f", record_id="1", fetched_at=datetime.now(UTC), run_id="r"
    )
    return Listing(
        listing_id=base,
        disambiguated_id=disambiguated_id(base, ""),
        source=source,
        provenance=provenance,
        name=name,
        state=fields.pop("state", "VA"),
        **fields,
    )


def program_normalizer(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Normalizer of the test-only `program_text` record type (a program page: name, levels, text)."""
    fields = record.fields
    return make_listing(
        fields["name"],
        source=record.source,
        provenance=provenance(record, run_id),
        state=clean_state(fields["state"]) or "",
        levels_of_care=set((fields.get("levels") or "iop").split(",")),
        schedule_text=fields.get("schedule"),
        website=fields.get("website"),
    )


def program_records(programs: dict[str, tuple[str, str]], source: str = "pages") -> list[dict[str, Any]]:
    """Raw `program_text` records: name -> (comma-separated levels, schedule text)."""
    return [
        {
            "record_type": "program_text",
            "source": source,
            "source_url": f"https://example.org/{i}",
            "source_file": "page.html",
            # An id of our own: the envelope refuses markup, and a test name may hold some.
            "record_id": f"page-{i}",
            "fetched_at": "2026-11-27T00:00:00Z",
            "fields": {"name": name, "state": "VA", "levels": levels, "schedule": text},
        }
        for i, (name, (levels, text)) in enumerate(sorted(programs.items()))
    ]
