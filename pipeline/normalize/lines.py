"""Lines of a crawl's `items.jsonl` as normalization reads them: bounded, decoded, cut into ranges.

A line is read at most `MAX_LINE_BYTES` at a time, so an over-long one is never held in memory
whole; its envelope (source, record id) is sniffed from its head for the reject that names it.
`_scan` makes the one pass over the file that cuts it into line-aligned byte ranges for the
workers and picks out the code-reference lines.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from schemas.raw import EnvelopeText

#: Longest line of crawl output read as a record. Real lines stay under 6 KB; a record may hold
#: many cells of up to `MAX_FIELD_CHARS`, but a line past this is no listing, and is neither held
#: in memory whole nor parsed. (16 MiB, so that a single over-long cell, like a 10 MB "Name2",
#: still parses and its rejection names the cell.)
MAX_LINE_BYTES = 16 * 1024 * 1024

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
    """The envelope keys found in the first 64 KiB of a line too long to parse, each read once."""
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
    """The reject message for a line `json.loads` refused."""
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


def _decode(line: bytes) -> str | None:
    """The line as text, or None when it is not valid UTF-8."""
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
