"""Raw records of any fields, in a made-up envelope."""

from schemas.raw import RawRecord


def raw_record(
    record_type: str, source: str, fields: dict[str, str | None], url: str = "https://example.org/directory.xlsx"
) -> RawRecord:
    """A raw record of `fields` with a made-up envelope (the raw layer may refuse a cell: ValidationError)."""
    return RawRecord(
        record_type=record_type,
        source=source,
        source_url=url,
        source_file="directory.xlsx",
        record_id="Sheet!2",
        fetched_at="2026-11-27T00:00:00+00:00",
        fields=fields,
    )
