"""`iopdir review` by a unique id prefix, and `iopdir review --from FILE.csv`: checked whole, then all or nothing."""

import csv
from pathlib import Path

import pytest

from flows.cli import main
from pipeline.store.connection import connect
from tests.ui.ui_data import HOLD, build_ui_db


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ui_db(tmp_path_factory.mktemp("review_cli") / "ui.duckdb")


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the flagged database per test."""
    copy = tmp_path / "ui.duckdb"
    copy.write_bytes(built.read_bytes())
    return copy


def _status(db: Path) -> dict[str, tuple[str, str | None, str | None]]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT name, status, review_note, reviewer FROM flags WHERE active").fetchall()
    finally:
        con.close()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _ids(db: Path) -> dict[str, str]:
    con = connect(db, read_only=True)
    try:
        return dict(con.execute("SELECT name, flag_id FROM flags WHERE active").fetchall())  # type: ignore[arg-type]
    finally:
        con.close()


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _shortest_unique_prefix(flag_id: str, others: list[str]) -> str:
    return next(flag_id[:n] for n in range(1, len(flag_id) + 1) if not any(o.startswith(flag_id[:n]) for o in others))


def test_review_by_a_unique_prefix(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ids(db)
    full = ids["Hope IOP"]
    prefix = _shortest_unique_prefix(full, [i for n, i in ids.items() if n != "Hope IOP"])
    assert main(["review", prefix, "--dismiss", "--note", "separate PHP track", "--by", "ana", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith(f"flag {full}: dismissed (review ")
    assert _status(db)["Hope IOP"] == ("dismissed", "separate PHP track", "ana")


def test_an_ambiguous_or_unknown_prefix_names_the_candidates(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    con = connect(db)
    try:  # a second copy of every flag whose id starts with "aaaa"
        con.execute("INSERT INTO flag_records SELECT * REPLACE ('aaaa' || flag_id[5:] AS flag_id) FROM flag_records")
        copies = [r[0] for r in con.execute("SELECT flag_id FROM flag_records WHERE flag_id LIKE 'aaaa%'").fetchall()]
    finally:
        con.close()
    assert len(copies) > 1
    assert main(["review", "aaaa", "--confirm", "--note", "x", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "flag id 'aaaa' is ambiguous" in err and all(c in err for c in copies)
    assert main(["review", "zz", "--confirm", "--note", "x", "--db", str(db)]) == 2
    assert "no flag 'zz'; list them with `iopdir flags`" in capsys.readouterr().err
    assert main(["review", " ", "--confirm", "--note", "x", "--db", str(db)]) == 2
    assert "an empty flag id" in capsys.readouterr().err
    assert {s for s, _, _ in _status(db).values()} == {"open"}


def test_decisions_from_a_csv_file(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ids(db)
    rows = [
        {"flag_id": ids["Hope IOP"][:13], "decision": "confirm", "note": "30 h a week: PHP", "reviewer": ""},
        {"flag_id": ids["Low IOP"], "decision": "Dismissed", "note": "aftercare group", "reviewer": "bo"},
        {"flag_id": ids["Lake IOP"], "decision": "dismiss", "note": "see page", "reviewer": ""},
    ]
    path = _write(tmp_path / "decisions.csv", rows)
    assert main(["review", "--from", str(path), "--by", "ana", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: 3 decisions recorded (1 confirmed, 2 dismissed)"
    status = _status(db)
    assert status["Hope IOP"] == ("confirmed", "30 h a week: PHP", "ana")
    assert status["Low IOP"] == ("dismissed", "aftercare group", "bo")
    assert status["Lake IOP"] == ("dismissed", "see page", "ana")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"decision": "maybe"}, "row 2 (line 3), field decision: 'maybe' is not confirm or dismiss"),
        ({"note": "  "}, "row 2 (line 3), field note: empty"),
        ({"flag_id": "zz"}, "row 2 (line 3), field flag_id: no flag 'zz'"),
        ({"flag_id": "FIRST"}, "row 2 (line 3), field flag_id: flag {first} is already decided in row 1"),
    ],
)
def test_a_bad_row_writes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: dict[str, str], message: str
) -> None:
    ids = _ids(db)
    rows = [
        {"flag_id": ids["Hope IOP"], "decision": "confirm", "note": "30 h"},
        {"flag_id": ids["Low IOP"], "decision": "dismiss", "note": "fine"},
    ]
    rows[1].update({k: (ids["Hope IOP"] if v == "FIRST" else v) for k, v in bad.items()})
    path = _write(tmp_path / "decisions.csv", rows)
    assert main(["review", "--from", str(path), "--db", str(db)]) == 2
    assert message.format(first=ids["Hope IOP"]) in capsys.readouterr().err
    assert {s for s, _, _ in _status(db).values()} == {"open"}


def test_a_csv_without_the_columns_or_mixed_with_an_id_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.csv"
    path.write_text("id,decision\nx,confirm\n", encoding="utf-8")
    assert main(["review", "--from", str(path), "--db", str(db)]) == 2
    assert "missing column(s) flag_id, note" in capsys.readouterr().err
    assert main(["review", "abc", "--from", str(path), "--db", str(db)]) == 2
    assert "give no others" in capsys.readouterr().err
    assert main(["review", "abc", "--db", str(db)]) == 2
    assert "--confirm or --dismiss" in capsys.readouterr().err


def test_a_busy_database_exits_3_and_writes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    ids = _ids(db)
    path = _write(tmp_path / "d.csv", [{"flag_id": ids["Hope IOP"], "decision": "confirm", "note": "30 h"}])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "holding"
        assert main(["review", "--from", str(path), "--db", str(db)]) == 3
        assert "is busy" in capsys.readouterr().err
    finally:
        assert holder.stdin
        holder.stdin.close()
        holder.wait(timeout=30)
    assert _status(db)["Hope IOP"][0] == "open"


def test_ui_on_a_port_in_use_exits_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["ui", "--db", str(db), "--port", str(port)]) == 2
    assert (
        f"cannot listen on 127.0.0.1:{port}: Address already in use; choose another --port" in capsys.readouterr().err
    )
