"""Raw records on disk -> normalized listings, rejects and code references as Parquet files.

Streams the spider's JSON-lines output in batches, so memory stays bounded whatever the size of
the crawl. Every input record ends up in exactly one output file: `listings.parquet` or
`rejects.parquet` for listing records, `codes.parquet` (or rejects) for code-reference records.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from pipeline.errors import RejectRow
from pipeline.listing_facts import with_facts
from pipeline.samhsa_codes import CodeReference, field_of
from pipeline.sources import findtreatment, ny_omh, program_pages, samhsa
from pipeline.tables import CODE_SCHEMA, LISTING_SCHEMA, REJECT_SCHEMA, listing_row
from schemas.listing import Listing
from schemas.raw import RawRecord

BATCH_SIZE = 5_000

#: record type -> normalizer. A normalizer gets the record, the code reference of its source and
#: the run id, and returns a Listing or raises RejectRow / ValidationError.
Normalizer = Callable[[RawRecord, CodeReference, str], Listing]
LISTING_NORMALIZERS: dict[str, Normalizer] = {
    "samhsa_facility": samhsa.normalize_facility,
    "ny_omh_program": ny_omh.normalize_program,
    "program_section": program_pages.normalize_section,
    "findtreatment_facility": findtreatment.normalize_facility,
}
CODE_RECORD_TYPE = "service_code"


@dataclass
class SourceCounts:
    """How many records of one source were read, turned into listings, or rejected.

    `seen == normalized + rejected` counts listing records; code-reference rows count apart.
    """

    seen: int = 0
    normalized: int = 0
    rejected: int = 0
    codes: int = 0
    codes_rejected: int = 0
    warnings: int = 0


@dataclass
class NormalizeResult:
    """Paths of the files written and the counts per source."""

    listings_path: str
    rejects_path: str
    codes_path: str
    counts: dict[str, SourceCounts]


def _read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (line number, parsed object or None, raw line) for each non-blank line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), line
            except json.JSONDecodeError:
                yield number, None, line


def _error_field(error: ValidationError) -> str:
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or "record"


def _error_message(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


class _BatchWriter:
    """Parquet writer that buffers rows and writes them in record batches."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(path, schema)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def normalize_file(items_path: Path, out_dir: Path, run_id: str) -> NormalizeResult:
    """Normalize one crawl's JSON-lines file into Parquet files in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, SourceCounts] = defaultdict(SourceCounts)
    paths = {name: out_dir / f"{name}.parquet" for name in ("listings", "rejects", "codes")}
    listings = _BatchWriter(paths["listings"], LISTING_SCHEMA)
    rejects = _BatchWriter(paths["rejects"], REJECT_SCHEMA)
    codes = _BatchWriter(paths["codes"], CODE_SCHEMA)

    def reject(
        seq: int,
        raw_line: str,
        record: RawRecord | None,
        field_name: str,
        message: str,
        source: str | None = None,
        is_code: bool = False,
    ) -> None:
        source = record.source if record else (source or "unknown")
        if is_code:
            counts[source].codes_rejected += 1
        else:
            counts[source].rejected += 1
        rejects.add(
            {
                "source": source,
                "record_type": "code" if is_code else "listing",
                "source_url": record.source_url if record else None,
                "source_file": record.source_file if record else items_path.name,
                "source_record_id": record.record_id if record else f"line {seq}",
                "record_seq": seq,
                "field": field_name,
                "message": message,
                "raw": raw_line.strip(),
            }
        )

    # Pass 1: the code references, so facility rows can be read whatever the order of the file.
    references: dict[str, list] = defaultdict(list)
    for seq, data, line in _read_records(items_path):
        if not isinstance(data, dict) or data.get("record_type") != CODE_RECORD_TYPE:
            continue
        record = None
        try:
            record = RawRecord.model_validate(data)
            entry = samhsa.code_entry(record)
        except ValidationError as error:
            source = str(data.get("source") or "unknown")
            reject(seq, line, record, _error_field(error), _error_message(error), source, is_code=True)
            continue
        except RejectRow as error:
            reject(seq, line, record, error.field, error.message, is_code=True)
            continue
        counts[record.source].codes += 1
        references[record.source].append(entry)
    code_refs = {source: CodeReference(entries) for source, entries in references.items()}
    for source, reference in code_refs.items():
        for entry in reference.entries.values():
            terms = reference.terms_for(entry.code)
            codes.add(
                {
                    "source": source,
                    **asdict(entry),
                    "vocabulary": [f"{field_of(t)}:{t.value}" for t in terms],
                }
            )

    # Pass 2: listing records.
    for seq, data, line in _read_records(items_path):
        if not isinstance(data, dict):
            counts["unknown"].seen += 1
            reject(seq, line, None, "record", "line is not a JSON object (truncated crawl output?)")
            continue
        if data.get("record_type") == CODE_RECORD_TYPE:
            continue
        source = str(data.get("source") or "unknown")
        counts[source].seen += 1
        try:
            record = RawRecord.model_validate(data)
        except ValidationError as error:
            reject(seq, line, None, _error_field(error), _error_message(error), source)
            continue
        normalizer = LISTING_NORMALIZERS.get(record.record_type)
        if normalizer is None:
            reject(seq, line, record, "record_type", f"no normalizer for record type {record.record_type!r}")
            continue
        try:
            listing = with_facts(normalizer(record, code_refs.get(record.source, CodeReference(())), run_id))
        except RejectRow as error:
            reject(seq, line, record, error.field, error.message)
            continue
        except ValidationError as error:
            reject(seq, line, record, _error_field(error), _error_message(error))
            continue
        counts[record.source].normalized += 1
        counts[record.source].warnings += len(listing.warnings)
        listings.add(listing_row(listing, seq))

    for writer in (listings, rejects, codes):
        writer.close()
    return NormalizeResult(
        listings_path=str(paths["listings"]),
        rejects_path=str(paths["rejects"]),
        codes_path=str(paths["codes"]),
        counts=dict(counts),
    )
