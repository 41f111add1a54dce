"""Raw records on disk -> normalized listings, rejects and code references as Parquet files.

Streams the spider's JSON-lines output in batches, so memory stays bounded whatever the size of
the crawl. Every input record ends up in exactly one output file: a `listings-*.parquet` or
`rejects-*.parquet` part for listing records, `codes.parquet` (or rejects) for code-reference
records. A large file is cut into line-aligned byte ranges that worker processes normalize in
parallel, one part file each; the loader reads the parts together.
"""

import json
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import TypeAdapter, ValidationError

from pipeline.clean import quoted
from pipeline.errors import RejectRow
from pipeline.normalize.facts import with_facts
from pipeline.sources import ny_omh, program_pages
from pipeline.sources.findtreatment import normalize as findtreatment
from pipeline.sources.samhsa import normalize as samhsa
from pipeline.sources.samhsa.bulk import RECORD_TYPE as BULK_RECORD_TYPE
from pipeline.sources.samhsa.bulk import normalize_bulk
from pipeline.sources.samhsa.codes import CodeReference, field_of
from pipeline.tables import CODE_SCHEMA, LISTING_SCHEMA, REJECT_SCHEMA, listing_row
from schemas.listing import Listing
from schemas.raw import MAX_FIELD_CHARS, EnvelopeText, RawRecord

BATCH_SIZE = 5_000
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
#: `spiders.samhsa_directory.SamhsaDirectorySpider.files`; tests/test_bad_input.py keeps the two
#: in step). A record claiming another source is rejected: the flow loads only the sources a crawl
#: declares, so its listing would otherwise vanish from the run without being counted anywhere.
#: Record types not named here (test-only ones) are not checked.
RECORD_SOURCES: dict[str, frozenset[str]] = {
    "samhsa_facility": _SAMHSA_SOURCES,
    CODE_RECORD_TYPE: _SAMHSA_SOURCES,
    "ny_omh_program": frozenset({ny_omh.SOURCE}),
    "findtreatment_facility": frozenset({"findtreatment"}),
    "program_section": frozenset({"program_pages"}),
}

#: Longest line of crawl output read as a record. Real lines stay under 6 KB; a record may hold
#: many cells of up to `MAX_FIELD_CHARS`, but a line past this is no listing, and is neither held
#: in memory whole nor parsed. (16 MiB, so that a single over-long cell, like a 10 MB "Name2",
#: still parses and its rejection names the cell.)
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Longest text a reject stores in any column (the raw line included); longer text is cut, with
#: a note of its full length, so no input reaches the database whole past the cell limit.
MAX_REJECT_CHARS = MAX_FIELD_CHARS


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

    def add(self, other: "SourceCounts") -> None:
        """Add another part's counts to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class NormalizeResult:
    """Paths of the files written (listings and rejects as globs over their parts) and the counts per source."""

    listings_path: str
    rejects_path: str
    codes_path: str
    counts: dict[str, SourceCounts]


def _error_field(error: ValidationError) -> str:
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or "record"


def _error_message(error: ValidationError) -> str:
    # The messages name the field and the rule, never the value: a 10 MB cell stays out of them.
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in error.errors(include_input=False)
    )


def _storable(text: str, total_bytes: int | None = None) -> str:
    """Text as a reject may store it: cut to `MAX_REJECT_CHARS`, NUL and half surrogate pairs escaped.

    `total_bytes` is the length of a line read only in part, for the note that says it was cut.
    """
    if total_bytes is not None or len(text) > MAX_REJECT_CHARS:
        size = f"{total_bytes:,} bytes" if total_bytes is not None else f"{len(text):,} characters"
        note = f"… [cut: {size} in all]"
        text = text[: MAX_REJECT_CHARS - len(note)] + note
    if not text.isascii():
        # A lone surrogate ("\ud800" in the JSON) cannot be written as UTF-8: show it escaped.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")


_ENVELOPE = TypeAdapter(EnvelopeText)


def _envelope_value(data: Mapping[str, Any], key: str) -> str | None:
    """A part of the envelope of a record that failed validation, if it is itself valid."""
    value = data.get(key)
    try:
        return _ENVELOPE.validate_python(value) if isinstance(value, str) else None
    except ValidationError:
        return None


# The envelope keys at the head of a line (spiders write them before `fields`), for naming the
# source and record of a line too long to parse.
_HEAD_KEY = re.compile(r'"(record_type|source|source_url|source_file|record_id)"\s*:\s*("(?:[^"\\]|\\.)*")')


def _sniff_envelope(head: bytes) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for match in _HEAD_KEY.finditer(head[:65536].decode("utf-8", "replace")):
        if match.group(1) not in found:
            try:
                found[match.group(1)] = json.loads(match.group(2))
            except ValueError:
                continue
    return found


def _read_line(handle: Any, limit: int = MAX_LINE_BYTES) -> tuple[bytes, int]:
    """The next line (at most `limit` + 1 bytes of it) and its full length in bytes.

    A longer line is skipped to its end in chunks, so it is never held in memory whole.
    """
    line = handle.readline(limit + 1)
    length = len(line)
    if length > limit and not line.endswith(b"\n"):
        while chunk := handle.readline(1 << 20):
            length += len(chunk)
            if chunk.endswith(b"\n"):
                break
    return line, length


def _json_problem(line: str, error: ValueError | RecursionError) -> str:
    if isinstance(error, RecursionError):
        # json raises this, not a JSONDecodeError, for arrays or objects nested a thousand deep.
        return "line is not JSON: nested too deeply to read"
    if not isinstance(error, json.JSONDecodeError):
        # Python refuses integers of more than 4,300 digits (a ValueError of its own).
        return f"line is not JSON that can be read: {str(error).split(';')[0]}"
    if error.pos >= len(line.rstrip()) or error.msg.startswith("Unterminated string"):
        # The line stops mid-record: a crawl killed while writing, or a file cut short.
        return "line is not a JSON object (truncated crawl output?)"
    return f"line is not JSON: {error.msg} (column {error.colno})"


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


class _Rejects:
    """Writes rejected records with their reason and counts them per source."""

    def __init__(self, path: Path, items_name: str, counts: dict[str, SourceCounts]) -> None:
        self.writer = _BatchWriter(path, REJECT_SCHEMA)
        self.items_name = items_name
        self.counts = counts

    def add(
        self,
        seq: int,
        raw_line: str,
        field_name: str,
        message: str,
        *,
        record: RawRecord | None = None,
        envelope: Mapping[str, Any] | None = None,
        is_code: bool = False,
        raw_length: int | None = None,
    ) -> None:
        """Reject line `seq`; `record` when it validated, else the usable parts of its `envelope`."""
        if record is not None:
            source, url, file, record_id = record.source, record.source_url, record.source_file, record.record_id
        else:
            keys = ("source", "source_url", "source_file", "record_id")
            parts = {k: _envelope_value(envelope or {}, k) for k in keys}
            source = parts["source"] or "unknown"
            url, file, record_id = parts["source_url"], parts["source_file"], parts["record_id"]
        if is_code:
            self.counts[source].codes_rejected += 1
        else:
            self.counts[source].rejected += 1
        self.writer.add(
            {
                "source": source,
                "record_type": "code" if is_code else "listing",
                "source_url": url,
                "source_file": file or self.items_name,
                # Without a valid id of its own, a row is found again by its line in the file.
                "source_record_id": record_id or f"line {seq}",
                "record_seq": seq,
                "field": _storable(field_name),
                "message": _storable(message),
                "raw": _storable(raw_line.strip(), raw_length),
            }
        )


def _decode(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class _Range:
    """A line-aligned byte range of the items file, and the number of its first line."""

    index: int
    start: int
    end: int
    first_line: int


def _scan(items_path: Path, parts: int) -> tuple[list[tuple[int, bytes]], list[_Range], int, bool]:
    """One pass over the file: the code-reference lines, `parts` line-aligned byte ranges, the line count.

    The last value says whether every line has something on it (no blank line), which the bulk
    path needs: DuckDB numbers the records it reads, not the lines.

    Only lines mentioning "service_code" are parsed here; the workers parse the rest (and reject
    an over-long line, whatever its type).
    """
    size = items_path.stat().st_size
    target = max(1, size // max(1, parts))
    code_lines: list[tuple[int, bytes]] = []
    ranges: list[_Range] = []
    start, first_line, offset, number = 0, 1, 0, 0
    no_blank = True
    with items_path.open("rb") as handle:
        while True:
            line, length = _read_line(handle)
            if not length:
                break
            number += 1
            offset += length
            if line[:1].isspace() and not line.strip():
                no_blank = False
            if b"service_code" in line and length <= MAX_LINE_BYTES:
                code_lines.append((number, line))
            if offset - start >= target and offset < size:
                ranges.append(_Range(len(ranges), start, offset, first_line))
                start, first_line = offset, number + 1
    ranges.append(_Range(len(ranges), start, max(offset, start), first_line))
    return code_lines, ranges, number, no_blank


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


def default_workers() -> int:
    """Worker processes for normalization: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ready() -> int:
    # Submitted once per worker so it starts, and imports this module, before any work arrives.
    return os.getpid()


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    # Spawned, not forked: the flow calls this from a thread, and forking a threaded process can
    # copy a lock some other thread holds.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


_warm_pool: ProcessPoolExecutor | None = None


@contextmanager
def worker_pool(workers: int | None = None) -> Iterator[None]:
    """Start normalization's worker processes now, for every `normalize_file` inside the block.

    A worker needs about half a second to start and import the pipeline; the refresh flow opens
    the pool before crawling, so that happens while the spiders run, not after.
    """
    global _warm_pool
    workers = max(1, workers or default_workers())
    if workers == 1 or _warm_pool is not None:
        yield
        return
    pool = _spawn_pool(workers)
    for _ in range(workers):
        pool.submit(_ready)
    _warm_pool = pool
    try:
        yield
    finally:
        _warm_pool = None
        pool.shutdown(wait=True, cancel_futures=True)


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
    if workers == 1:
        parts = [_normalize_range(*job) for job in jobs]
    elif _warm_pool is not None:
        futures = [_warm_pool.submit(_normalize_range, *job) for job in jobs]
        parts = [f.result() for f in futures]
    else:
        with _spawn_pool(min(workers, len(ranges))) as pool:
            futures = [pool.submit(_normalize_range, *job) for job in jobs]
            parts = [f.result() for f in futures]
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
