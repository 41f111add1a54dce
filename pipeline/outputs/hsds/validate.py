"""Validate HSDS files (JSON tables or the CSV data package) against the official HSDS 3.0 JSON Schemas, and more.

Fields a table does not define, duplicate ids and ids that point to no row are reported too; see docs/hsds.md.
"""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pipeline.outputs.hsds.tables import DATAPACKAGE, DEFAULT_SCHEMA_DIR, FOREIGN_KEYS

# Keywords of the HSDS table schemas that annotate and never validate.
_ANNOTATIONS = {"name", "path", "title", "description", "datapackage_metadata", "tabular_required", "$id", "$schema"}
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    # jsonschema checks "uri" only with the optional rfc3987 package; without a check of our own
    # a malformed URL would pass silently.
    @checker.checks("uri", raises=ValueError)
    def _is_uri(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        parts = urlsplit(instance)
        return (
            bool(_URI_SCHEME.match(parts.scheme))
            and bool(parts.netloc or parts.path)
            and not re.search(r"\s", instance)
        )

    return checker


def _registry(schema_dir: Path) -> tuple[Registry, dict[str, dict[str, Any]]]:
    """All schema files of the folder, by file URI, so "$ref": "phone.json" resolves locally."""
    resources, schemas = [], {}
    for path in sorted(schema_dir.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if "properties" not in contents:
            continue  # openapi.json is no schema of a row
        # The files declare no dialect; HSDS's openapi.json sets jsonSchemaDialect to 2020-12.
        resources.append((path.resolve().as_uri(), Resource.from_contents(contents, default_specification=DRAFT202012)))
        schemas[path.stem] = {**contents, "$id": path.resolve().as_uri()}
    # No retrieve function: an unknown $ref fails instead of being fetched over the network.
    return Registry().with_resources(resources), schemas


def _where(file: str, index: int, path: Any) -> str:
    out = f"{file}[{index}]"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# Keywords of an HSDS field's schema that annotate and never validate.
_FIELD_ANNOTATIONS = {"name", "title", "description", "example", "core", "constraints", "order", "datapackage_type"}
# A uuid in canonical form: all such strings get one verdict from a `format: uuid` schema (see _RowValidator).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _RowValidator:
    """Validates rows of one table against its schema, fast when the schema allows it.

    An HSDS table schema is `type: object` plus `required` plus `properties`, whose subschemas
    each judge one field's value alone. A row's errors are then exactly the missing required
    fields plus each field's own errors, so the verdict on a (field, value) pair is computed once
    with jsonschema and reused; a schema of any other shape is applied to each row in full.

    Ids never repeat, so for a field whose schema is only `type: string, format: uuid` every
    canonical uuid (lower-case hex, dashes at 8-13-18-23) shares one verdict, computed with
    jsonschema for the first of them; any other value is validated itself.
    """

    def __init__(self, schema: dict[str, Any], registry: Registry, checker: FormatChecker) -> None:
        self.full = Draft202012Validator(schema, registry=registry, format_checker=checker)
        self.properties: dict[str, Any] = schema.get("properties", {})
        self.required: list[str] = schema.get("required", [])
        self.flat = set(schema) - _ANNOTATIONS <= {"type", "properties", "required"} and schema.get("type") == "object"
        self.fields = {k: self.full.evolve(schema=sub) for k, sub in self.properties.items()}
        self.uuid_fields = {
            k
            for k, sub in self.properties.items()
            if {k: v for k, v in sub.items() if k not in _FIELD_ANNOTATIONS} == {"type": "string", "format": "uuid"}
        }
        # Per field: value (its shape for a uuid field; type and JSON text for a non-string) -> its errors.
        self.cache: dict[str, dict[object, list[tuple[list[Any], str]]]] = {k: {} for k in self.properties}

    def _verdict(self, name: str, value: Any) -> list[tuple[list[Any], str]]:
        return [(list(e.absolute_path), e.message) for e in self.fields[name].iter_errors(value)]

    def errors(self, row: Any, fast: bool = True) -> list[tuple[list[Any], str]]:
        """(path inside the row, message) of every error of the row."""
        if not (fast and self.flat and isinstance(row, dict)):
            ordered = sorted(self.full.iter_errors(row), key=lambda e: list(map(str, e.absolute_path)))
            return [(list(e.absolute_path), e.message) for e in ordered]
        found = [([], f"{name!r} is a required property") for name in self.required if name not in row]
        for name, value in row.items():
            cache = self.cache.get(name)
            if cache is None:
                continue  # the schema allows any other field; validate_hsds reports it
            if type(value) is not str:
                # The type is part of the key: True == 1 in Python, but only 1 is a JSON number.
                key: object = (type(value), json.dumps(value, sort_keys=True))
            elif name in self.uuid_fields and _CANONICAL_UUID.fullmatch(value):
                key = _CANONICAL_UUID
            else:
                key = value
            verdict = cache.get(key)
            if verdict is None:
                verdict = cache[key] = self._verdict(name, value)
            if verdict:
                if key is _CANONICAL_UUID:
                    verdict = self._verdict(name, value)  # the cached message names another value
                found += [([name, *path], message) for path, message in verdict]
        return found


def _load_json(out: Path, tables: set[str]) -> tuple[dict[str, tuple[str, list[Any]]], list[tuple[str, str]]]:
    """The rows of each `<table>.json` in `out`, by table: (file name, rows); and (file, error) of unreadable files."""
    loaded, errors = {}, []
    for path in sorted(p for p in out.glob("*.json") if p.stem in tables):
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            errors.append((path.name, f"{path.name}: not JSON ({exc})"))
            continue
        if not isinstance(rows, list):
            errors.append((path.name, f"{path.name}: not a JSON array of {path.stem} rows"))
            continue
        loaded[path.stem] = (path.name, rows)
    return loaded, errors


def validate_hsds(
    out_dir: str | Path, schema_dir: str | Path | None = None, fast: bool = True, fmt: str | None = None
) -> list[str]:
    """Errors of the HSDS files in `out_dir`, as "service.json[12].status: ..." strings; [] = valid.

    The files are the JSON tables (`<table>.json`) or, when the folder holds a `datapackage.json`,
    the tabular data package: its CSV files, read back with each cell typed by its field's HSDS
    type, and the descriptor itself (`package.check_descriptor`). Every row of every table is
    validated against the official schema of that table (`schema_dir`, default the shared HSDS
    3.0 specs), with $refs between the schema files resolved locally. Beyond the schemas (which
    allow any extra field and say nothing of ids), this also reports fields the table does not
    define, fields the tabular form requires (`tabular_required`), duplicate ids and ids that
    point to no row of the table they name. `fast=False` applies each schema to each row in
    full (slower, same verdicts). `fmt` ("json" or "csv") says which files to check in a folder
    that holds both; by default the data package if there is one.
    """
    out = Path(out_dir)
    folder = Path(schema_dir) if schema_dir else DEFAULT_SCHEMA_DIR
    registry, schemas = _registry(folder)
    checker = _format_checker()
    general: list[str] = []  # of the package's descriptor
    if fmt == "csv" or (fmt is None and (out / DATAPACKAGE).is_file()):
        from pipeline.outputs.hsds.package import check_descriptor, read_package

        general = check_descriptor(out, folder)
        loaded, load_errors = read_package(out)
        loaded = {table: found for table, found in loaded.items() if table in schemas}
    else:
        loaded, load_errors = _load_json(out, set(schemas))
        if not loaded and not load_errors:
            return [f"{out}: no HSDS table files (<table>.json, or {DATAPACKAGE} and its CSV files)"]
    # Files in name order, each file's errors together, then the references between them.
    by_file: dict[str, list[str]] = {}
    for file, message in load_errors:
        by_file.setdefault(file, []).append(message)
    ids: dict[str, set[str]] = {}
    for table, (file, rows) in loaded.items():
        errors = by_file.setdefault(file, [])
        validator = _RowValidator(schemas[table], registry, checker)
        tabular_required = schemas[table].get("tabular_required", [])
        seen: set[str] = set()
        for index, row in enumerate(rows):
            errors += [f"{_where(file, index, where)}: {message}" for where, message in validator.errors(row, fast)]
            if not isinstance(row, dict):
                continue
            errors += [
                f"{file}[{index}].{name}: not a field of the HSDS {table} table"
                for name in sorted(row.keys() - validator.properties.keys())
            ]
            errors += [
                f"{file}[{index}]: {name!r} is required in the tabular form"
                for name in tabular_required
                if name not in row
            ]
            row_id = row.get("id")
            if isinstance(row_id, str):
                if row_id in seen:
                    errors.append(f"{file}[{index}].id: duplicate id {row_id}")
                seen.add(row_id)
        ids[table] = seen
    return [*general, *(e for file in sorted(by_file) for e in by_file[file]), *_dangling_references(loaded, ids)]


def _dangling_references(loaded: dict[str, tuple[str, list[Any]]], ids: dict[str, set[str]]) -> list[str]:
    """Ids that point to no row of the table they name; references into a table without a file are not checked."""
    errors = []
    for table, (file, rows) in loaded.items():
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            references = dict(FOREIGN_KEYS.get(table, {}))
            # Polymorphic references: the row names the table its id points into.
            if table == "attribute" and row.get("link_entity") in ids:
                references["link_id"] = row["link_entity"]
            if table == "metadata" and row.get("resource_type") in ids:
                references["resource_id"] = row["resource_type"]
            for name, target in references.items():
                value = row.get(name)
                if value is not None and target in ids and value not in ids[target]:
                    errors.append(f"{file}[{index}].{name}: {value} is no id of {loaded[target][0]}")
    return errors
