"""The commands of docs/flags.md's "Reviewing in the browser and in bulk" run as written, in a folder
holding the default database (iop.duckdb), with the CSV the page shows."""

import re
import shlex
import socket
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli.headless import start_ui
from pipeline.store.connection import connect
from tests.conftest import ROOT
from tests.ui.ui_data import build_ui_db

SECTION = re.search(
    r"## Reviewing in the browser and in bulk\n(.*?)\n## ", (ROOT / "docs" / "flags.md").read_text("utf-8"), re.S
)
assert SECTION, "docs/flags.md has no 'Reviewing in the browser and in bulk' section"
COMMANDS = [
    line.split("  #")[0].strip() for line in re.findall(r"```sh\n(.*?)```", SECTION.group(1), re.S)[0].splitlines()
]
CSV = re.findall(r"```csv\n(.*?)```", SECTION.group(1), re.S)[0]
# The flags the CSV's rows decide, in order: its ids are prefixes of theirs in the test database.
DECIDED = ["Hope IOP", "Low IOP"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("IOPDIR_DB", raising=False)
    monkeypatch.delenv("IOPDIR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    build_ui_db(tmp_path / "iop.duckdb")
    return tmp_path


def _flags(db: Path) -> dict[str, tuple[str, str, str | None, str | None]]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT name, flag_id, status, review_note, reviewer FROM flags WHERE active").fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def test_the_section_shows_both_commands() -> None:
    assert COMMANDS == ["iopdir ui", "iopdir review --from decisions.csv --by ana"]


def test_the_documented_bulk_review_runs_as_written(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = _flags(folder / "iop.duckdb")
    lines = CSV.strip().splitlines()
    for i, name in enumerate(DECIDED, start=1):
        shown = lines[i].split(",")[0]  # the page's id prefix, made the real flag's prefix of that length
        lines[i] = flags[name][0][: len(shown)] + lines[i][len(shown) :]
    (folder / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = COMMANDS[1]
    assert main(shlex.split(command)[1:]) == 0
    out = capsys.readouterr().out.strip()
    assert f"`{out}`" in SECTION.group(1)  # the output the page quotes
    after = _flags(folder / "iop.duckdb")
    assert after["Hope IOP"][1:] == ("dismissed", "Checked the page: separate PHP track", "ana")
    assert after["Low IOP"][1:] == ("confirmed", "Two hours twice a week is aftercare", "bo")


def test_the_documented_ui_command_serves_the_page(folder: Path) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8765)) == 0:
            pytest.skip("port 8765, the documented default, is in use on this machine")
    argv = shlex.split(COMMANDS[0])
    assert argv == ["iopdir", "ui"]
    server = start_ui(folder / "iop.duckdb", 8765, cwd=folder, argv=argv[1:])
    server.terminate()
    server.wait(timeout=30)
