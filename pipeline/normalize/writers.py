"""What normalization writes: Parquet parts in record batches, and rejects with their reason.

Every rejected line becomes one row of a `rejects-*.parquet` part and one count of its source
(`SourceCounts`); text is cut to `MAX_REJECT_CHARS` first, so no input reaches the database whole
past the cell limit.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from pipeline.normalize.lines import _envelope_value
from pipeline.tables import REJECT_SCHEMA
from schemas.raw import MAX_FIELD_CHARS, RawRecord

BATCH_SIZE = 5_000
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


def _error_field(error: ValidationError) -> str:
    """The dotted field of a validation error's first problem ("record" for the whole record)."""
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or "record"


def _error_message(error: ValidationError) -> str:
    """Every problem of a validation error, as a reject's message."""
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
