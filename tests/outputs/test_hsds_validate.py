"""HSDS 3.0 validation: schema errors, fields, ids and references, each reported with file, row and field."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from pipeline.outputs.hsds import DEFAULT_SCHEMA_DIR, validate_hsds
from tests.conftest import ROOT
from tests.outputs.hsds_data import rows

pytestmark = pytest.mark.skipif(not DEFAULT_SCHEMA_DIR.is_dir(), reason="the HSDS 3.0 schemas are not in shared/specs")


def test_invalid_rows_are_reported_with_file_index_and_field(
    exported: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = exported
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)

    def corrupt(table: str, index: int, **changes: Any) -> None:
        table_rows = rows(broken, table)
        table_rows[index].update(changes)
        table_rows[index] = {k: v for k, v in table_rows[index].items() if v is not None}
        (broken / f"{table}.json").write_text(json.dumps(table_rows), encoding="utf-8")

    corrupt("service", 1, status="open", url="not a url")
    corrupt("phone", 0, extension="12")
    corrupt("address", 0, city=None)
    corrupt("location", 2, latitude=True, colour="blue")
    corrupt("schedule", 0, freq="DAILY")
    corrupt("service_at_location", 0, location_id=str(uuid.uuid4()))
    corrupt("metadata", 1, id=rows(broken, "metadata")[0]["id"])
    corrupt("service_at_location", 1, id="zz")
    corrupt("phone", 1, id=rows(broken, "phone")[1]["id"].upper())  # not canonical, still a uuid
    errors = validate_hsds(broken)
    expected = [
        "service.json[1].status: 'open' is not one of ['active', 'inactive', 'defunct', 'temporarily closed']",
        "service.json[1].url: 'not a url' is not a 'uri'",
        "phone.json[0].extension: '12' is not of type 'number'",
        "address.json[0]: 'city' is a required property",
        "location.json[2].latitude: True is not of type 'number'",
        "location.json[2].colour: not a field of the HSDS location table",
        "schedule.json[0].freq: 'DAILY' is not one of ['WEEKLY', 'MONTHLY']",
        "metadata.json[1].id: duplicate id " + rows(broken, "metadata")[0]["id"],
        "service_at_location.json[1].id: 'zz' is not a 'uuid'",
    ]
    for message in expected:
        assert message in errors, (message, errors)
    assert any(
        e.startswith("service_at_location.json[0].location_id: ") and "no id of location.json" in e for e in errors
    )
    assert len(errors) == len(expected) + 1
    # The fast path and full validation of each row give the same schema verdicts.
    assert sorted(validate_hsds(broken, fast=False)) == sorted(errors)


def test_a_file_that_is_no_array_is_reported(tmp_path: Path) -> None:
    (tmp_path / "service.json").write_text('{"id": "x"}', encoding="utf-8")
    assert validate_hsds(tmp_path) == ["service.json: not a JSON array of service rows"]
    assert validate_hsds(tmp_path / "empty") == [
        f"{tmp_path / 'empty'}: no HSDS table files (<table>.json, or datapackage.json and its CSV files)"
    ]


def test_files_rows_and_references_the_schemas_leave_open(
    exported: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = exported
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    nowhere = str(uuid.uuid4())
    attributes = rows(broken, "attribute")
    attributes[0] = {**attributes[0], "link_entity": "service", "link_id": nowhere}
    # A row naming a table that has no file: its reference cannot be checked.
    attributes[1] = {**attributes[1], "link_entity": "program", "link_id": nowhere}
    metadata = rows(broken, "metadata")
    metadata[0] = {**metadata[0], "resource_type": "location", "resource_id": nowhere}
    metadata.append(["not", "an", "object"])
    (broken / "attribute.json").write_text(json.dumps(attributes), encoding="utf-8")
    (broken / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    (broken / "phone.json").write_text("[{", encoding="utf-8")
    errors = validate_hsds(broken)
    # Files in name order, then the references between them.
    assert errors == [
        f"metadata.json[{len(metadata) - 1}]: ['not', 'an', 'object'] is not of type 'object'",
        "phone.json: not JSON (Expecting property name enclosed in double quotes: line 1 column 3 (char 2))",
        f"attribute.json[0].link_id: {nowhere} is no id of service.json",
        f"metadata.json[0].resource_id: {nowhere} is no id of location.json",
    ]
    assert validate_hsds(broken, fast=False) == errors


def test_only_validation_imports_jsonschema() -> None:
    # The list of HSDS files, checked before every export, must not pay for jsonschema's import.
    code = (
        "import sys; from pipeline.outputs.tabular import export_file_names; export_file_names('hsds'); "
        "from pipeline.outputs.hsds import export_hsds; assert 'jsonschema' not in sys.modules; "
        "from pipeline.outputs.hsds import validate_hsds; assert 'jsonschema' in sys.modules"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_iopdir_hsds_schemas_names_the_schema_folder(tmp_path: Path) -> None:
    # docs/hsds.md: the schemas come from ../shared/specs/hsds-3.0/schema or $IOPDIR_HSDS_SCHEMAS.
    code = "from pipeline.outputs.hsds.validate import DEFAULT_SCHEMA_DIR; print(DEFAULT_SCHEMA_DIR)"
    env = {**os.environ, "IOPDIR_HSDS_SCHEMAS": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.strip() == str(tmp_path)
