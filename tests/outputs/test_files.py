"""`safe_file`: a file written next to its destination and renamed into place, never through a link."""

import os
from pathlib import Path

import pytest

from pipeline.outputs.files import is_temp_of, safe_file, symlinks_in


def test_a_link_at_the_destination_is_replaced_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "database.duckdb"
    target.write_bytes(b"keep me")
    link = tmp_path / "out" / "listings.csv"
    link.parent.mkdir()
    link.symlink_to(target)
    with safe_file(link) as handle:
        handle.write("a,b\n")
    assert target.read_bytes() == b"keep me"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "a,b\n"
    assert sorted(p.name for p in link.parent.iterdir()) == ["listings.csv"]


def test_an_error_leaves_the_destination_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), safe_file(path, binary=True) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_files_get_the_mode_of_a_plain_open(tmp_path: Path) -> None:
    with safe_file(tmp_path / "a.csv") as handle:
        handle.write("x\n")
    (tmp_path / "b.csv").write_text("x\n")
    assert os.stat(tmp_path / "a.csv").st_mode == os.stat(tmp_path / "b.csv").st_mode


def test_temporary_names_and_links_are_recognized(tmp_path: Path) -> None:
    assert is_temp_of(".listings.csv.k2j_9x.tmp", {"listings.csv"})
    assert not is_temp_of(".thesis.docx.k2j_9x.tmp", {"listings.csv"})
    assert not is_temp_of("listings.csv", {"listings.csv"})
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    assert symlinks_in(tmp_path) == ["gone"]
