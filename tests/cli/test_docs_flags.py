"""The `iopdir flags` and `iopdir query` commands docs/flags.md shows run as written, on a small database."""

import re
import shlex
from pathlib import Path

import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.normalize import run as normalize
from tests.conftest import ROOT
from tests.helpers import normalize_and_load, program_normalizer, program_records, work_in, write_items

BLOCK = re.search(r"## Working with flags\n\n```sh\n(.*?)```", (ROOT / "docs" / "flags.md").read_text("utf-8"), re.S)
assert BLOCK, "docs/flags.md has no 'Working with flags' commands"
# Every command but the review, whose flag id is a placeholder (tests/flags/test_store.py reviews).
COMMANDS = [
    line.split("  #")[0].strip()
    for line in BLOCK.group(1).splitlines()
    if line.startswith(("iopdir flags", "iopdir query"))
]


def test_the_documented_examples_are_all_here() -> None:
    assert "iopdir flags --min-confidence medium" in COMMANDS and len(COMMANDS) >= 5


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_runs_as_written(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    db = work_in(tmp_path, monkeypatch)
    programs = {
        "Hope IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m."),
        "Words IOP": ("iop", "Our intensive outpatient program is a full-day program; hot lunch is provided."),
    }
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", program_records(programs)), db, "r1")
    compute_flags(db, "r1")
    argv = shlex.split(command)
    assert argv[0] == "iopdir"
    assert main(argv[1:]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    if command == "iopdir flags --min-confidence medium":
        # The schedule's own hours pass; PHP wording alone does not.
        assert "Hope IOP" in out and "Words IOP" not in out
