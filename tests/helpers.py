"""Small helpers for tests that build crawl output and load it."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.normalize import normalize_file
from pipeline.store import LoadCounts, SourceLoad, load_run


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
