"""Raw records on disk -> normalized listings, rejects and code references as Parquet files.

Streams the spider's JSON-lines output in batches, so memory stays bounded whatever the size of
the crawl. Every input record ends up in exactly one output file: a `listings-*.parquet` or
`rejects-*.parquet` part for listing records, `codes.parquet` (or rejects) for code-reference
records. A large file is cut into line-aligned byte ranges that worker processes normalize in
parallel, one part file each; the loader reads the parts together.

This module holds the entry (`normalize_file`), the dispatch table of source normalizers and the
normalization of one byte range; reading lines is `lines`, writing parts and rejects `writers`,
and the worker processes `workers`.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import ValidationError

from pipeline.clean import quoted
from pipeline.errors import RejectRow
from pipeline.normalize.facts import with_facts
from pipeline.normalize.lines import (
    MAX_LINE_BYTES,
    _decode,
    _envelope_value,
    _json_problem,
    _Range,
    _read_line,
    _scan,
    _sniff_envelope,
)
from pipeline.normalize.workers import default_workers, run_jobs
from pipeline.normalize.writers import (
    MAX_REJECT_CHARS,
    SourceCounts,
    _BatchWriter,
    _error_field,
    _error_message,
    _Rejects,
)
from pipeline.sources import ny_omh, program_pages
from pipeline.sources.findtreatment import normalize as findtreatment
from pipeline.sources.samhsa import normalize as samhsa
from pipeline.sources.samhsa.bulk import RECORD_TYPE as BULK_RECORD_TYPE
from pipeline.sources.samhsa.bulk import normalize_bulk
from pipeline.sources.samhsa.codes import CodeReference, field_of
from pipeline.tables import CODE_SCHEMA, LISTING_SCHEMA, listing_row
from schemas.listing import Listing
from schemas.raw import RawRecord

#: Below this size a file is normalized in the calling process: starting a worker costs about a
#: second of imports, more than it saves on a small crawl.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
#: Byte ranges per worker: a few each, so one slow range does not leave the other cores idle.
RANGES_PER_WORKER = 4

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

_SAMHSA_SOURCES = frozenset({"samhsa_su", "samhsa_mh"})
#: record type -> the sources whose spiders write it (the SAMHSA ones are the keys of
#: `spiders.samhsa_directory.SamhsaDirectorySpider.files`; tests/normalize/test_bad_input.py keeps
#: the two in step). A record claiming another source is rejected: the flow loads only the sources a crawl
#: declares, so its listing would otherwise vanish from the run without being counted anywhere.
#: Record types not named here (test-only ones) are not checked.
RECORD_SOURCES: dict[str, frozenset[str]] = {
    "samhsa_facility": _SAMHSA_SOURCES,
    CODE_RECORD_TYPE: _SAMHSA_SOURCES,
    "ny_omh_program": frozenset({ny_omh.SOURCE}),
    "findtreatment_facility": frozenset({"findtreatment"}),
    "program_section": frozenset({"program_pages"}),
}


@dataclass
class NormalizeResult:
    """Paths of the files written (listings and rejects as globs over their parts) and the counts per source."""

    listings_path: str
    rejects_path: str
    codes_path: str
    counts: dict[str, SourceCounts]


def _read_code_references(
    code_lines: list[tuple[int, bytes]], rejects: _Rejects, counts: dict[str, SourceCounts], codes: _BatchWriter
) -> dict[str, CodeReference]:
    """Read the code-reference records first, so facility rows can be read whatever the file's order."""
    references: dict[str, list] = defaultdict(list)
    for seq, raw in code_lines:
        line = _decode(raw)
        try:
            data = json.loads(line) if line is not None else None
        except (ValueError, RecursionError):
            continue  # the range pass rejects it as a listing line
        if not isinstance(data, dict) or data.get("record_type") != CODE_RECORD_TYPE:
            continue
        record = None
        try:
            record = RawRecord.model_validate(data)
            _check_source(record)
            entry = samhsa.code_entry(record)
        except ValidationError as error:
            field_name, message = _error_field(error), _error_message(error)
            rejects.add(seq, line or "", field_name, message, record=record, envelope=data, is_code=True)
            continue
        except RejectRow as error:
            rejects.add(seq, line or "", error.field, error.message, record=record, is_code=True)
            continue
        counts[record.source].codes += 1
        references[record.source].append(entry)
    code_refs = {source: CodeReference(entries) for source, entries in references.items()}
    for source, reference in code_refs.items():
        for entry in reference.entries.values():
            terms = reference.terms_for(entry.code)
            codes.add({"source": source, **asdict(entry), "vocabulary": [f"{field_of(t)}:{t.value}" for t in terms]})
    return code_refs


def _check_source(record: RawRecord) -> None:
    """Raise `RejectRow` when the record's source does not deliver records of its type."""
    sources = RECORD_SOURCES.get(record.record_type)
    if sources is not None and record.source not in sources:
        expected = ", ".join(sorted(sources))
        message = f"{quoted(record.source)} is not a source of {record.record_type} records ({expected})"
        raise RejectRow("source", message)


def _normalize_range(
    items_path: Path,
    part: _Range,
    out_dir: Path,
    run_id: str,
    code_refs: dict[str, CodeReference],
    taken: bytes | None = None,
) -> dict[str, SourceCounts]:
    """Normalize the listing records of one byte range into its own listings and rejects parts.

    `taken` has a byte per line of the range, non-zero for a line the bulk path already read.
    """
    counts: dict[str, SourceCounts] = defaultdict(SourceCounts)
    listings = _BatchWriter(out_dir / f"listings-{part.index:04d}.parquet", LISTING_SCHEMA)
    rejects = _Rejects(out_dir / f"rejects-{part.index:04d}.parquet", items_path.name, counts)
    no_codes = CodeReference(())
    with items_path.open("rb") as handle:
        handle.seek(part.start)
        position = part.start
        seq = part.first_line - 1
        while position < part.end:
            raw, length = _read_line(handle)
            if not length:
                break
            position += length
            seq += 1
            if taken is not None and taken[seq - part.first_line]:
                continue
            if length > MAX_LINE_BYTES:
                head = _sniff_envelope(raw)
                is_code = head.get("record_type") == CODE_RECORD_TYPE
                if not is_code:
                    counts[_envelope_value(head, "source") or "unknown"].seen += 1
                message = f"line is {length:,} bytes long, over the limit of {MAX_LINE_BYTES:,}; not read"
                text = raw[:MAX_REJECT_CHARS].decode("utf-8", "replace")
                rejects.add(seq, text, "record", message, envelope=head, is_code=is_code, raw_length=length)
                continue
            if not raw.strip():
                continue
            line = _decode(raw)
            if line is None:
                counts["unknown"].seen += 1
                rejects.add(seq, raw.decode("utf-8", "replace"), "record", "line is not valid UTF-8")
                continue
            try:
                data = json.loads(line)
            except (ValueError, RecursionError) as error:  # ValueError: also integers too long to read
                counts["unknown"].seen += 1
                rejects.add(seq, line, "record", _json_problem(line, error))
                continue
            if not isinstance(data, dict):
                counts["unknown"].seen += 1
                rejects.add(seq, line, "record", f"line is a JSON {type(data).__name__}, not a record object")
                continue
            if data.get("record_type") == CODE_RECORD_TYPE:
                continue
            counts[_envelope_value(data, "source") or "unknown"].seen += 1
            try:
                record = RawRecord.model_validate(data)
            except ValidationError as error:
                rejects.add(seq, line, _error_field(error), _error_message(error), envelope=data)
                continue
            normalizer = LISTING_NORMALIZERS.get(record.record_type)
            if normalizer is None:
                message = f"no normalizer for record type {quoted(record.record_type)}"
                rejects.add(seq, line, "record_type", message, record=record)
                continue
            try:
                _check_source(record)
                listing = with_facts(normalizer(record, code_refs.get(record.source, no_codes), run_id))
            except RejectRow as error:
                rejects.add(seq, line, error.field, error.message, record=record)
                continue
            except ValidationError as error:
                rejects.add(seq, line, _error_field(error), _error_message(error), record=record)
                continue
            counts[record.source].normalized += 1
            counts[record.source].warnings += len(listing.warnings)
            listings.add(listing_row(listing, seq))
    listings.close()
    rejects.writer.close()
    return dict(counts)


def normalize_file(
    items_path: Path, out_dir: Path, run_id: str, workers: int | None = None, bulk: bool = True
) -> NormalizeResult:
    """Normalize one crawl's JSON-lines file into Parquet files in `out_dir`.

    With `bulk`, the plain rows of SAMHSA's directories are normalized set-based in DuckDB first
    (`pipeline.sources.samhsa.bulk`), and the Python normalizers read every other line. `workers`
    processes share the Python work when the file is large (default: one per core; 1 keeps
    everything in this process). Every record is counted once, whatever the split.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("listings-*.parquet"), *out_dir.glob("rejects-*.parquet")]:
        stale.unlink()  # parts of an earlier attempt would be read with this one's
    workers = max(1, workers or default_workers())
    if items_path.stat().st_size < PARALLEL_MIN_BYTES:
        workers = 1
    counts: dict[str, SourceCounts] = defaultdict(SourceCounts)
    code_lines, ranges, line_count, no_blank = _scan(items_path, 1 if workers == 1 else workers * RANGES_PER_WORKER)

    codes = _BatchWriter(out_dir / "codes.parquet", CODE_SCHEMA)
    code_rejects = _Rejects(out_dir / "rejects-codes.parquet", items_path.name, counts)
    code_refs = _read_code_references(code_lines, code_rejects, counts, codes)
    codes.close()
    code_rejects.writer.close()

    taken: list[bytes | None] = [None] * len(ranges)
    if bulk and no_blank:
        result = normalize_bulk(
            items_path,
            out_dir,
            run_id,
            {s: r for s, r in code_refs.items() if s in RECORD_SOURCES[BULK_RECORD_TYPE]},
            line_count,
            # The Python workers have not started on the file yet: DuckDB may use every core.
            threads=default_workers(),
        )
        if result is not None:
            for source, listed in result.listings_by_source.items():
                counts[source].seen += listed
                counts[source].normalized += listed
            ends = [r.first_line for r in ranges[1:]] + [line_count + 1]
            taken = [result.taken[r.first_line : end] for r, end in zip(ranges, ends, strict=True)]
    jobs = [(items_path, r, out_dir, run_id, code_refs, t) for r, t in zip(ranges, taken, strict=True)]
    parts = run_jobs(_normalize_range, jobs, workers)
    for part in parts:
        for source, part_counts in part.items():
            counts[source].add(part_counts)
    (out_dir / "counts.json").write_text(
        json.dumps({source: asdict(c) for source, c in sorted(counts.items())}, indent=1), encoding="utf-8"
    )
    return NormalizeResult(
        listings_path=str(out_dir / "listings-*.parquet"),
        rejects_path=str(out_dir / "rejects-*.parquet"),
        codes_path=str(out_dir / "codes.parquet"),
        counts=dict(counts),
    )
