"""The HSDS tabular data package: one CSV file per table plus `datapackage.json` (Frictionless Data Package).

`write_package` writes the rows `mapping` builds; `read_package` reads them back, typed by the
fields' HSDS types, for `validate`; `check_descriptor` checks `datapackage.json` against the files.
The fields of each resource are those of the table in HSDS 3.0's `schema/compiled/tabular.json`
(arrays and nested objects left out: the tabular form has none), in its order; see docs/hsds.md.
"""

import csv
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.outputs.cells import FORMULA_STARTS, neutralize
from pipeline.outputs.files import safe_file
from pipeline.outputs.hsds.tables import CSV_FILES, DATAPACKAGE, FOREIGN_KEYS

# Frictionless Table Schema types and string formats of the HSDS field types.
_TYPES = {"string", "number", "integer", "boolean", "date", "time", "datetime"}
_STRING_FORMATS = {"uuid", "email", "uri"}
_INTEGER = re.compile(r"-?[0-9]+")


@cache
def tabular_definitions(schema_dir: Path) -> dict[str, dict[str, Any]]:
    """HSDS 3.0's definition of each table in tabular form (`compiled/tabular.json` of `schema_dir`)."""
    path = schema_dir / "compiled" / "tabular.json"
    return {name: spec["items"] for name, spec in json.loads(path.read_text(encoding="utf-8"))["properties"].items()}


def _fields(definition: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(definition.get("required", [])) | set(definition.get("tabular_required", []))
    fields = []
    for name, spec in definition["properties"].items():
        if spec.get("type") not in {"string", "number", "integer", "boolean"}:
            continue  # arrays and objects: the nested form's, never a column
        field: dict[str, Any] = {"name": name, "type": spec.get("datapackage_type") or spec["type"]}
        if spec.get("format") in _STRING_FORMATS:
            field["format"] = spec["format"]
        field |= {k: spec[k] for k in ("title", "description") if k in spec}
        constraints = {k: v for k, v in spec.get("constraints", {}).items() if k == "unique" and v}
        if name in required:
            constraints["required"] = True
        if "enum" in spec:
            constraints["enum"] = spec["enum"]
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return fields


def descriptor(tables: list[str], schema_dir: Path) -> dict[str, Any]:
    """The `datapackage.json` of a package of `tables`: a tabular resource per table, with its fields and keys."""
    definitions = tabular_definitions(schema_dir)
    resources = []
    for table in tables:
        definition = definitions[table]
        schema: dict[str, Any] = {"fields": _fields(definition), "primaryKey": ["id"]}
        keys = [
            {"fields": field, "reference": {"resource": "" if target == table else target, "fields": "id"}}
            for field, target in FOREIGN_KEYS.get(table, {}).items()
            if target in tables
        ]
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {
                "name": table,
                "path": CSV_FILES[table],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": definition.get("description", ""),
                "schema": schema,
            }
        )
    return {
        "name": "iop-directory-hsds",
        "title": "iop-directory: US intensive outpatient programs, as Open Referral HSDS 3.0",
        "profile": "tabular-data-package",
        "resources": resources,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return neutralize(value) if isinstance(value, str) else value


def write_package(out: Path, tables: dict[str, list[dict[str, Any]]], schema_dir: Path) -> None:
    """One CSV file per table (a column per HSDS field, empty when unknown) and `datapackage.json`."""
    package = descriptor(list(tables), schema_dir)
    for resource in package["resources"]:
        names = [field["name"] for field in resource["schema"]["fields"]]
        with safe_file(out / resource["path"]) as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(names)
            writer.writerows([_cell(row.get(name)) for name in names] for row in tables[resource["name"]])
    with safe_file(out / DATAPACKAGE) as handle:
        handle.write(json.dumps(package, indent=2, ensure_ascii=False) + "\n")


def _typed(value: str, kind: str) -> Any:
    """A CSV cell as the JSON value it stands for: a number for a number field, else the text.

    The leading apostrophe that keeps a spreadsheet from reading text as a formula (`outputs.cells`) is removed.
    """
    if kind in {"number", "integer"}:
        try:
            return int(value) if _INTEGER.fullmatch(value) else float(value)
        except ValueError:
            return value  # the schema reports it
    if kind == "boolean" and value in {"true", "false"}:
        return value == "true"
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_package(out: Path) -> tuple[dict[str, tuple[str, list[Any]]], list[tuple[str, str]]]:
    """The rows of each table of the package in `out`, by table: (file name, rows); and (file, error) reading it.

    An empty cell is a field left out of the row, as in the JSON form, except in a required text field.
    """
    package = json.loads((out / DATAPACKAGE).read_text(encoding="utf-8"))
    loaded: dict[str, tuple[str, list[Any]]] = {}
    errors: list[tuple[str, str]] = []
    for resource in package.get("resources", []):
        path = out / str(resource.get("path", ""))
        if not path.is_file():
            continue  # check_descriptor reports it
        fields = resource.get("schema", {}).get("fields", [])
        kinds = {f.get("name"): f.get("type", "string") for f in fields}
        # A required text field may be empty (metadata's `previous_value`); any other empty cell is no value.
        empty = {
            f.get("name")
            for f in fields
            if f.get("constraints", {}).get("required") and kinds[f.get("name")] == "string"
        }
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = []
            for number, cells in enumerate(reader):
                if len(cells) != len(header):
                    errors.append(
                        (path.name, f"{path.name}[{number}]: {len(cells)} cells, the header has {len(header)}")
                    )
                    continue
                rows.append(
                    {
                        name: _typed(cell, kinds.get(name, "string"))
                        for name, cell in zip(header, cells, strict=True)
                        if cell != "" or name in empty
                    }
                )
        loaded[str(resource.get("name"))] = (path.name, rows)
    return loaded, errors


def check_descriptor(out: Path, schema_dir: Path) -> list[str]:
    """What is wrong with `datapackage.json` in `out`: every resource names an HSDS table and an existing
    file whose header is its fields, every field is a field of that table with a Table Schema type,
    and keys name fields and resources that exist. (No copy of the Data Package profile ships offline,
    so the structure is checked here rather than with jsonschema against the profile.)
    """
    try:
        package = json.loads((out / DATAPACKAGE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return [f"{DATAPACKAGE}: not readable JSON ({exc})"]
    definitions = tabular_definitions(schema_dir)
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not resources:
        return [f"{DATAPACKAGE}: no resources"]
    names = {r.get("name") for r in resources if isinstance(r, dict)}
    errors = []
    for index, resource in enumerate(resources):
        where = f"{DATAPACKAGE}.resources[{index}]"
        name, path = resource.get("name"), resource.get("path")
        fields = resource.get("schema", {}).get("fields")
        if name not in definitions:
            errors.append(f"{where}.name: {name!r} is no HSDS table")
            continue
        if not isinstance(path, str) or not (out / path).is_file():
            errors.append(f"{where}.path: no file {path!r}")
            continue
        if not isinstance(fields, list) or not fields:
            errors.append(f"{where}.schema.fields: none")
            continue
        field_names = [f.get("name") for f in fields]
        for field in fields:
            if field.get("name") not in definitions[name]["properties"]:
                errors.append(f"{where}: field {field.get('name')!r} is not a field of the HSDS {name} table")
            if field.get("type") not in _TYPES:
                errors.append(f"{where}: field {field.get('name')!r} has no Table Schema type ({field.get('type')!r})")
        with (out / path).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        if header != field_names:
            errors.append(f"{where}: the header of {path} is not the resource's fields")
        for key in resource["schema"].get("primaryKey", []):
            if key not in field_names:
                errors.append(f"{where}.schema.primaryKey: no field {key!r}")
        for key in resource["schema"].get("foreignKeys", []):
            target = key.get("reference", {}).get("resource")
            if key.get("fields") not in field_names or (target != "" and target not in names):
                errors.append(f"{where}.schema.foreignKeys: {key} names a field or resource that does not exist")
    return errors
