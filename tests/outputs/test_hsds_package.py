"""The HSDS tabular data package (`export hsds --format csv`): CSV files and datapackage.json, validated."""

import csv
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from pipeline.outputs.hsds import DEFAULT_SCHEMA_DIR, FOREIGN_KEYS, TABLES, export_hsds, validate_hsds
from pipeline.outputs.hsds.package import check_descriptor, read_package, tabular_definitions
from pipeline.outputs.hsds.tables import CSV_FILES, DATAPACKAGE
from tests.conftest import ROOT
from tests.helpers import work_in
from tests.outputs.hsds_data import rows

pytestmark = pytest.mark.skipif(not DEFAULT_SCHEMA_DIR.is_dir(), reason="the HSDS 3.0 schemas are not in shared/specs")


@pytest.fixture(scope="module")
def package(hsds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("hsds_csv")
    return out, export_hsds(hsds_db, out, fmt="csv", all_facilities=True)


def test_the_files_are_named_as_hsds_names_them() -> None:
    definitions = tabular_definitions(DEFAULT_SCHEMA_DIR)
    assert {table: definitions[table]["path"] for table in TABLES} == CSV_FILES


def test_the_package_validates_and_holds_the_json_rows(
    package: tuple[Path, dict[str, int]], exported: tuple[Path, dict[str, int]]
) -> None:
    out, counts = package
    json_out, json_counts = exported
    assert counts == json_counts
    assert sorted(p.name for p in out.iterdir()) == sorted([*CSV_FILES.values(), DATAPACKAGE])
    assert validate_hsds(out) == []
    assert validate_hsds(out, fast=False) == []
    # Read back and typed, the CSV rows are the JSON rows, value for value.
    loaded, errors = read_package(out)
    assert errors == []
    for table in TABLES:
        assert loaded[table] == (CSV_FILES[table], rows(json_out, table)), table


def test_the_descriptor_lists_every_file_field_and_key(package: tuple[Path, dict[str, int]]) -> None:
    out, _ = package
    descriptor = json.loads((out / DATAPACKAGE).read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package"
    definitions = tabular_definitions(DEFAULT_SCHEMA_DIR)
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)
    for resource in descriptor["resources"]:
        table = resource["name"]
        scalar = [n for n, f in definitions[table]["properties"].items() if f["type"] not in {"array", "object"}]
        assert [f["name"] for f in resource["schema"]["fields"]] == scalar, table
        with (out / resource["path"]).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == scalar
        assert resource["schema"]["primaryKey"] == ["id"]
        keys = {k["fields"]: k["reference"]["resource"] for k in resource["schema"].get("foreignKeys", [])}
        assert keys == {f: ("" if t == table else t) for f, t in FOREIGN_KEYS.get(table, {}).items()}
    service = next(r for r in descriptor["resources"] if r["name"] == "service")
    fields = {f["name"]: f for f in service["schema"]["fields"]}
    assert fields["id"]["format"] == "uuid" and fields["id"]["constraints"] == {"unique": True, "required": True}
    assert fields["assured_date"]["type"] == "date" and fields["organization_id"]["constraints"]["required"]
    assert check_descriptor(out, DEFAULT_SCHEMA_DIR) == []


def test_a_broken_package_is_reported(package: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, _ = package
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    text = (broken / "services.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",active,", ",bogus,")
    (broken / "services.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    (broken / "phones.csv").unlink()
    descriptor = json.loads((broken / DATAPACKAGE).read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"]["fields"][1]["name"] = "nickname"
    (broken / DATAPACKAGE).write_text(json.dumps(descriptor), encoding="utf-8")
    errors = validate_hsds(broken)
    assert any(e.startswith("services.csv[0].status: 'bogus' is not one of") for e in errors), errors
    assert f"{DATAPACKAGE}.resources[9].path: no file 'phones.csv'" in errors
    assert f"{DATAPACKAGE}.resources[0]: field 'nickname' is not a field of the HSDS taxonomy table" in errors
    assert f"{DATAPACKAGE}.resources[0]: the header of taxonomies.csv is not the resource's fields" in errors


def test_formula_cells_are_neutralized_and_read_back(tmp_path: Path) -> None:
    from pipeline.outputs.hsds.package import write_package

    tables = {"taxonomy": [{"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "name": "=1+1", "description": "-x"}]}
    write_package(tmp_path, tables, DEFAULT_SCHEMA_DIR)
    assert "'=1+1" in (tmp_path / "taxonomies.csv").read_text(encoding="utf-8")
    assert read_package(tmp_path)[0]["taxonomy"][1] == tables["taxonomy"]


DOC_COMMANDS = re.findall(
    r"^(iopdir export hsds .*?)(?:\s+#.*)?$", (ROOT / "docs" / "hsds.md").read_text("utf-8"), re.M
)


def test_the_doc_shows_both_formats() -> None:
    assert any("--format csv" in c for c in DOC_COMMANDS) and any("--format" not in c for c in DOC_COMMANDS)


@pytest.mark.parametrize("command", DOC_COMMANDS)
def test_documented_command_runs_as_written(
    command: str, hsds_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(hsds_db, work_in(tmp_path, monkeypatch))
    argv = shlex.split(command)
    assert main(argv[1:]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[-1] == "HSDS 3.0 validation: 0 error(s)"
    out = tmp_path / argv[3]
    expected = [*CSV_FILES.values(), DATAPACKAGE] if "--format csv" in command else [f"{t}.json" for t in TABLES]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(expected)


def test_format_is_for_hsds_only(hsds_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "parquet", str(tmp_path / "p"), "--format", "csv", "--db", str(hsds_db)]) != 0
    assert "--format is for hsds only" in capsys.readouterr().err


def test_validate_checks_the_format_just_written(
    hsds_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "both"
    db = ["--db", str(hsds_db)]
    assert main(["export", "hsds", str(out), "--format", "csv", *db]) == 0
    (out / "services.csv").write_text("id\n", encoding="utf-8")  # a broken package left from before
    assert main(["export", "hsds", str(out), "--validate", *db]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "HSDS 3.0 validation: 0 error(s)"
    assert validate_hsds(out, fmt="json") == [] and validate_hsds(out) != []
