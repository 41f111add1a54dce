"""A crawl line Python's json module cannot load is one reject, not the end of the normalization."""

from pathlib import Path

from pipeline.normalize.run import normalize_file


def test_a_crawl_line_with_a_huge_integer_is_rejected_not_fatal(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"record_type": "x", "n": ' + "1" * 5_000 + "}\n", encoding="utf-8")
    result = normalize_file(items, tmp_path / "out", "run-1")
    assert result.counts["unknown"].seen == 1
