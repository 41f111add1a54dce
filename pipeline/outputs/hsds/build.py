"""Export the directory as HSDS 3.0 (Open Referral Human Services Data Specification) and validate it.

Layout: the HSDS *tabular* form, in JSON. `out_dir` gets one file per HSDS table, named after the
table's schema (`organization.json`, `service.json`, ...), each a JSON array of flat rows, one row
per line. Rows carry only scalar fields and refer to each other by id (`service.organization_id`,
`service_at_location.service_id`, `attribute.link_id`, ...), exactly like the HSDS CSV data
package, so every row validates against its table's official schema (`schema/<table>.json`, the
same objects `schema/compiled/tabular.json` lists per table). This form was chosen over the
compiled documents (a service with its organization, locations and attributes nested) because
nothing is repeated: a facility with twelve services would otherwise carry its organization,
address and taxonomy terms twelve times, and the tables load directly into a database or a
spreadsheet.

Organizations are facilities rather than listings: a provider at one site that both SAMHSA
directories list is one organization in HSDS, while each listing keeps its own location and
services, so what one source claims (an IOP level, a payment) is never merged into another's.
The export is large for the national data (a million attribute rows, about 260 MB): every service
carries its listing's service, payment and population terms, since HSDS consumers filter services.

Mapping (active listings only; `state` restricts them to one state, and an organization then holds
only its listings in that state). Each line: table, what one row stands for, and the natural key of its id
(id = uuid5(pipeline.ids.NAMESPACE, "<table>|<natural key>")):

- organization: a facility (`facility_members`, the table behind the `facilities` view; a listing
  the link step has not grouped is its own facility). Key `<facility_id>` (`listing:<listing_id>`
  when unlinked). Name of the facility's smallest member, as in `facilities`.
- organization_identifier: the facility id, to find the facility again. Key `<facility_id>`.
- location: a listing's site; `external_identifier` = its listing_id. Key `<listing_id>`.
- address: a listing with street, city, state and ZIP (HSDS requires all four). Key `<listing_id>`.
- service: a listing and a level of care it offers (an IOP and a PHP at one provider are two
  services). Key `<listing_id>|<level>`. `url` = the listing's website.
- service_at_location: the service at its listing's location. Key `<listing_id>|<level>`.
- phone: a listing's number (E.164, extension), on the location. Key `<listing_id>|<e164>|<extension>`.
- schedule: a listing's sessions of one track and one time span (WEEKLY, `byday` MO,TU,...), key
  `<listing_id>|<track>|<start minute>|<end minute>`; or its schedule text alone, key `<listing_id>|text`.
- taxonomy: a vocabulary (levels_of_care, services, payments, populations) or the flag rules
  (`flags`, "iop-directory flags"). Key `<vocabulary>`.
- taxonomy_term: every value of a vocabulary, used or not, and every flag rule. Key `<vocabulary>|<value>`.
- attribute: a service and each vocabulary value of its listing (its own level, services,
  payments, populations), key `service|<listing_id>|<level>|<vocabulary>|<value>`; an
  organization and each level of care of its listings (`value` = the sources that give it), key
  `organization|<organization id>|levels_of_care|<level>`; an open flag and the service of the
  level its rule judges (every service of the listing for other rules; `value` = severity and
  message), key `flag|<flag_id>|<service id>`.
- metadata: provenance of a listing, on its location (source, file, row, `source_url`, date of
  the last change). Key `<listing_id>`.

Schedules go to the service of the level the hours describe (`hours_level`), or of the listing's
only level; when that is ambiguous they go to the location. Every schedule row of a listing with a
`schedule_text` carries that text verbatim in `description`. Times are the source's local times
("HH:MM"); the directory does not know time zones, so they carry no UTC offset. A session past
midnight closes at an earlier `closes_at` and says so in `notes`.

Ids are stable across runs: the same listing, level, value or flag always gets the same id.
"""

import functools
import hashlib
import json
import os
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pipeline.flags.rules import RULES
from pipeline.ids import NAMESPACE
from pipeline.store.connection import connect
from schemas.vocab import VOCABULARIES, LevelOfCare

#: The folder of the official HSDS 3.0 schemas: `IOPDIR_HSDS_SCHEMAS`, else the shared specs beside the repo.
DEFAULT_SCHEMA_DIR = Path(
    os.environ.get(
        "IOPDIR_HSDS_SCHEMAS", Path(__file__).resolve().parents[4] / "shared" / "specs" / "hsds-3.0" / "schema"
    )
)

#: The tables written, in dependency order: a row refers only to rows of the tables before it.
TABLES = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "organization_identifier",
    "location",
    "address",
    "service",
    "service_at_location",
    "phone",
    "schedule",
    "attribute",
    "metadata",
)

#: Foreign keys checked by `validate_hsds`: table -> field -> table it points into.
FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "taxonomy_term": {"taxonomy_id": "taxonomy", "parent_id": "taxonomy_term"},
    "organization_identifier": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "address": {"location_id": "location"},
    "service": {"organization_id": "organization"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "phone": {"location_id": "location", "service_id": "service", "organization_id": "organization"},
    "schedule": {"service_id": "service", "location_id": "location", "service_at_location_id": "service_at_location"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
}

LEVEL_LABELS = {
    "op": "Outpatient",
    "iop": "Intensive Outpatient (IOP)",
    "php": "Partial Hospitalization / Day Treatment (PHP)",
    "residential": "Residential",
    "inpatient": "Inpatient",
    "detox": "Detoxification",
}
# Term names that a capitalized value would spell wrong.
_TERM_LABELS = {
    "cbt": "CBT",
    "dbt": "DBT",
    "twelve_step": "Twelve-step",
    "ihs_tribal": "IHS / tribal",
    "lgbtq": "LGBTQ",
    "hiv_aids": "HIV/AIDS",
    "dui_dwi": "DUI/DWI",
    "ptsd": "PTSD",
}
LEVEL_ORDER = [str(level) for level in LevelOfCare]
_VOCABULARY_NAMES = {
    "levels_of_care": "levels of care",
    "services": "services",
    "payments": "payments",
    "populations": "populations",
}
FLAG_VOCABULARY = "flags"
#: The level of care a rule judges; a flag is attached to that service of its listing (all of them if None).
_RULE_LEVEL = {
    "php_as_iop": "iop",
    "iop_range_reaches_php": "iop",
    "iop_below_floor": "iop",
    "level_conflict_across_sources": "iop",
    "php_below_threshold": "php",
}
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


_NAMESPACE_SHA1 = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)


def hsds_id(table: str, *key: object) -> str:
    """The stable id of a row: uuid5(NAMESPACE, "<table>|<natural key parts joined by |>")."""
    name = "|".join([table, *("" if k is None else str(k) for k in key)])
    # uuid.uuid5, computed directly: an export mints a million ids, and uuid.UUID objects cost 3x more.
    digest = _NAMESPACE_SHA1.copy()
    digest.update(name.encode("utf-8"))
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _label(value: str) -> str:
    return LEVEL_LABELS.get(value) or _TERM_LABELS.get(value) or value.replace("_", " ").capitalize()


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    # HSDS fields are optional unless required: an unknown value is left out, never written as null.
    return {k: v for k, v in row.items() if v is not None and v != ""}


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).date().isoformat() if value is not None else None


def _clock(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _hours_text(row: dict[str, Any]) -> str | None:
    low, high = row["hours_min"], row["hours_max"]
    if low is None and high is None:
        return None
    if low is None:
        span = f"up to {high:g}"
    elif high is None:
        span = f"at least {low:g}"
    else:
        span = f"{low:g}" if low == high else f"{low:g}-{high:g}"
    return f"{span} hours per week ({row['hours_basis'].replace('_', ' ')})"


_LISTINGS_SQL = """
SELECT l.listing_id, fm.facility_id, l.source, l.name, l.name2, l.street, l.street2, l.city, l.state, l.zip5,
       l.phones, l.website, l.latitude, l.longitude, l.levels_of_care, l.services, l.payments, l.payers,
       l.populations, l.hours_min, l.hours_max, l.hours_basis, l.schedule_text, l.schedule, l.hours_level,
       l.source_url, l.source_file, l.source_record_id, l.first_seen, l.last_seen, l.last_changed
FROM listings l
LEFT JOIN (SELECT listing_id, min(facility_id) AS facility_id FROM facility_members GROUP BY 1) fm USING (listing_id)
WHERE l.active AND ($state IS NULL OR l.state = $state)
ORDER BY l.listing_id
"""

_FLAGS_SQL = """
SELECT f.flag_id, f.listing_id, f.rule_id, f.severity, f.message
FROM flags f JOIN listings l USING (listing_id)
WHERE f.active AND f.status = 'open' AND l.active AND ($state IS NULL OR l.state = $state)
ORDER BY f.listing_id, f.rule_id, f.flag_id
"""


def _read(db_path: str | Path, state: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    con = connect(db_path, read_only=True)
    try:
        params = {"state": state.upper() if state else None}
        cursor = con.execute(_LISTINGS_SQL, params)
        columns = [d[0] for d in cursor.description]
        listings = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        cursor = con.execute(_FLAGS_SQL, params)
        columns = [d[0] for d in cursor.description]
        flags = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return listings, flags


def _taxonomies(flagged_rules: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The vocabularies and the flag rules, with every term (a rule of an older version included)."""
    taxonomies, terms = [], []
    for vocabulary, enum in VOCABULARIES.items():
        taxonomy_id = hsds_id("taxonomy", vocabulary)
        name = f"iop-directory {_VOCABULARY_NAMES[vocabulary]}"
        taxonomies.append(
            {
                "id": taxonomy_id,
                "name": name,
                "description": f"The iop-directory vocabulary of the listings' `{vocabulary}` column.",
                "version": "1",
            }
        )
        terms += [
            {
                "id": hsds_id("taxonomy_term", vocabulary, str(value)),
                "code": str(value),
                "name": _label(str(value)),
                "description": f"{vocabulary} value '{value}' of the iop-directory vocabulary.",
                "taxonomy": name,
                "taxonomy_id": taxonomy_id,
                "language": "en",
            }
            for value in enum
        ]
    flags_id = hsds_id("taxonomy", FLAG_VOCABULARY)
    taxonomies.append(
        {
            "id": flags_id,
            "name": "iop-directory flags",
            "description": "Open level-of-care flags: a rule found the listing's claimed level doubtful "
            "(see docs/flags.md). An attribute's value is the flag's message.",
            "version": "1",
        }
    )
    terms += [
        {
            "id": hsds_id("taxonomy_term", FLAG_VOCABULARY, rule.rule_id),
            "code": rule.rule_id,
            "name": rule.rule_id,
            "description": f"{rule.summary} (severity {rule.severity}, rule version {rule.version}).",
            "taxonomy": "iop-directory flags",
            "taxonomy_id": flags_id,
            "language": "en",
        }
        for rule in RULES.values()
    ]
    # A flag raised by a rule since removed still needs its term.
    terms += [
        {
            "id": hsds_id("taxonomy_term", FLAG_VOCABULARY, rule_id),
            "code": rule_id,
            "name": rule_id,
            "description": "A rule of an earlier iop-directory version.",
            "taxonomy": "iop-directory flags",
            "taxonomy_id": flags_id,
            "language": "en",
        }
        for rule_id in flagged_rules
        if rule_id not in RULES
    ]
    return taxonomies, terms


def _schedule_rows(row: dict[str, Any], target: dict[str, str]) -> list[dict[str, Any]]:
    """WEEKLY rows from the listing's sessions (one per track and times), or one row for its text alone."""
    listing_id, text = row["listing_id"], row["schedule_text"]
    groups: dict[tuple[str, int, int], set[int]] = defaultdict(set)
    for session in row["schedule"] or []:
        groups[(session["track"] or "", session["start_minute"], session["end_minute"])].add(session["day"])
    rows = []
    for (track, start, end), days in sorted(groups.items()):
        notes = []
        if track:
            notes.append(f"Track '{track}': an alternative schedule, its hours are not added to another track's.")
        if end > 1440:
            notes.append("Runs past midnight: closes the next day.")
        rows.append(
            _clean(
                {
                    "id": hsds_id("schedule", listing_id, track, start, end),
                    **target,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": ",".join(_ICAL_DAYS[d] for d in sorted(days)),
                    "opens_at": _clock(start),
                    "closes_at": _clock(end),
                    "description": text,
                    "notes": " ".join(notes),
                }
            )
        )
    if not rows and text:
        rows.append({"id": hsds_id("schedule", listing_id, "text"), **target, "description": text})
    return rows


def _organizations(listings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Organization rows, their identifier rows and their level-of-care attributes, one per facility."""
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in listings:
        members[row["org_id"]].append(row)
    organizations, identifiers, attributes = [], [], []
    for org_id, group in members.items():
        first = group[0]  # listings come sorted by id: the facility's name is its smallest member's
        sources = sorted({m["source"] for m in group})
        names = [m["name"] for m in group if m["name"] != first["name"]]
        websites = sorted({m["website"] for m in group if m["website"]}, key=lambda w: (not w.startswith("https:"), w))
        place = ", ".join(p for p in (first["city"], first["state"]) if p)
        organizations.append(
            _clean(
                {
                    "id": org_id,
                    "name": first["name"],
                    "alternate_name": names[0] if names else None,
                    "description": f"Treatment provider{' in ' + place if place else ''}, listed by "
                    f"{', '.join(sources)} ({len(group)} listing{'s' if len(group) > 1 else ''} in iop-directory).",
                    "website": websites[0] if websites else None,
                }
            )
        )
        if first["facility_id"]:
            identifiers.append(
                {
                    "id": hsds_id("organization_identifier", first["facility_id"]),
                    "organization_id": org_id,
                    "identifier_type": "iop-directory facility_id",
                    "identifier": first["facility_id"],
                }
            )
        by_level: dict[str, set[str]] = defaultdict(set)
        for m in group:
            for level in m["levels_of_care"]:
                by_level[level].add(m["source"])
        for level in sorted(by_level, key=LEVEL_ORDER.index):
            attributes.append(
                {
                    "id": hsds_id("attribute", "organization", org_id, "levels_of_care", level),
                    "link_id": org_id,
                    "link_entity": "organization",
                    "link_type": "levels_of_care",
                    "taxonomy_term_id": hsds_id("taxonomy_term", "levels_of_care", level),
                    "value": ", ".join(sorted(by_level[level])),
                }
            )
    return organizations, identifiers, attributes


def build_tables(listings: list[dict[str, Any]], flags: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """HSDS rows of every table from the listings and open flags read by `export_hsds`."""
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["taxonomy"], tables["taxonomy_term"] = _taxonomies(sorted({f["rule_id"] for f in flags}))
    for row in listings:
        key = row["facility_id"] or f"listing:{row['listing_id']}"
        row["org_id"] = hsds_id("organization", key)
    tables["organization"], tables["organization_identifier"], org_attributes = _organizations(listings)
    service_ids: dict[str, dict[str, str]] = {}
    for row in listings:
        listing_id, org_id = row["listing_id"], row["org_id"]
        location_id = hsds_id("location", listing_id)
        display = f"{row['name']} ({row['name2']})" if row["name2"] else row["name"]
        tables["location"].append(
            _clean(
                {
                    "id": location_id,
                    "location_type": "physical",
                    "organization_id": org_id,
                    "name": row["name"],
                    "alternate_name": row["name2"],
                    "description": f"Site of {display} as listed by {row['source']}.",
                    "latitude": row["latitude"],
                    "longitude": row["longitude"],
                    "external_identifier": listing_id,
                    "external_identifier_type": "iop-directory listing_id",
                }
            )
        )
        if row["street"] and row["city"] and row["state"] and row["zip5"]:
            tables["address"].append(
                _clean(
                    {
                        "id": hsds_id("address", listing_id),
                        "location_id": location_id,
                        "address_1": row["street"],
                        "address_2": row["street2"],
                        "city": row["city"],
                        "state_province": row["state"],
                        "postal_code": row["zip5"],
                        # The sources are US directories; territories (PR, GU, ...) use US ZIP codes too.
                        "country": "US",
                        "address_type": "physical",
                    }
                )
            )
        for phone in row["phones"] or []:
            extension = phone["extension"]
            tables["phone"].append(
                _clean(
                    {
                        "id": hsds_id("phone", listing_id, phone["e164"], extension),
                        "location_id": location_id,
                        "number": phone["e164"],
                        # HSDS types the extension as a number; the original text keeps any leading zero.
                        "extension": int(extension) if extension else None,
                        "type": "voice",
                        "description": f"{phone['kind']} number, as listed: {phone['original']}",
                    }
                )
            )
        levels = sorted(row["levels_of_care"], key=LEVEL_ORDER.index)
        service_ids[listing_id] = {}
        hours = _hours_text(row)
        hours_level = row["hours_level"] or (levels[0] if len(levels) == 1 else None)
        fees = "; ".join(
            part
            for part in (
                "Payment accepted: " + ", ".join(_label(p) for p in row["payments"]) if row["payments"] else "",
                "Payers named: " + ", ".join(row["payers"]) if row["payers"] else "",
            )
            if part
        )
        eligibility = (
            ("Populations served: " + ", ".join(_label(p) for p in row["populations"])) if row["populations"] else None
        )
        for level in levels:
            service_id = hsds_id("service", listing_id, level)
            service_ids[listing_id][level] = service_id
            description = f"{_label(level)} offered by {display}, as listed by {row['source']}."
            if hours and level == hours_level:
                description += f" Program hours: {hours}."
            tables["service"].append(
                _clean(
                    {
                        "id": service_id,
                        "organization_id": org_id,
                        "name": f"{row['name']} - {_label(level)}",
                        "alternate_name": row["name2"],
                        "description": description,
                        "url": row["website"],
                        "status": "active",
                        "fees_description": fees,
                        "eligibility_description": eligibility,
                        "assured_date": _date(row["last_seen"]),
                        "last_modified": _timestamp(row["last_changed"]),
                    }
                )
            )
            tables["service_at_location"].append(
                {
                    "id": hsds_id("service_at_location", listing_id, level),
                    "service_id": service_id,
                    "location_id": location_id,
                }
            )
            tables["attribute"].append(_attribute("service", service_id, listing_id, level, "levels_of_care", level))
            for vocabulary in ("services", "payments", "populations"):
                tables["attribute"] += [
                    _attribute("service", service_id, listing_id, level, vocabulary, value) for value in row[vocabulary]
                ]
        target = (
            {"service_id": service_ids[listing_id][hours_level]}
            if hours_level in service_ids[listing_id]
            else {"location_id": location_id}
        )
        tables["schedule"] += _schedule_rows(row, target)
        if row["source_url"]:
            tables["metadata"].append(
                {
                    "id": hsds_id("metadata", listing_id),
                    "resource_id": location_id,
                    "resource_type": "location",
                    "last_action_date": _date(row["last_changed"]),
                    "last_action_type": "create" if row["first_seen"] == row["last_changed"] else "update",
                    "field_name": "source_url",
                    "previous_value": "",
                    "replacement_value": row["source_url"],
                    "updated_by": f"iop-directory import of {row['source']} "
                    f"({row['source_file']}, {row['source_record_id']})",
                }
            )
    tables["attribute"] += org_attributes
    for flag in flags:
        offered = service_ids.get(flag["listing_id"], {})
        level = _RULE_LEVEL.get(flag["rule_id"])
        targets = [offered[level]] if level in offered else list(offered.values())
        term_id = hsds_id("taxonomy_term", FLAG_VOCABULARY, flag["rule_id"])
        tables["attribute"] += [
            {
                "id": hsds_id("attribute", "flag", flag["flag_id"], service_id),
                "link_id": service_id,
                "link_entity": "service",
                "link_type": FLAG_VOCABULARY,
                "taxonomy_term_id": term_id,
                "value": f"[{flag['severity']}] {flag['message']}",
            }
            for service_id in targets
        ]
    return tables


def _attribute(entity: str, link_id: str, listing_id: str, level: str, vocabulary: str, value: str) -> dict[str, Any]:
    return {
        "id": hsds_id("attribute", entity, listing_id, level, vocabulary, value),
        "link_id": link_id,
        "link_entity": entity,
        "link_type": vocabulary,
        "taxonomy_term_id": _term_id(vocabulary, value),
    }


@functools.cache
def _term_id(vocabulary: str, value: str) -> str:
    return hsds_id("taxonomy_term", vocabulary, value)


def _write_table(path: Path, rows: list[dict[str, Any]]) -> None:
    # One row per line: the files diff and grep well, and stay plain JSON arrays. One encoder for
    # all rows: json.dumps with options builds a new one per call, a third of the export's time.
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write("[\n" + ",\n".join(map(encoder.encode, rows)) + "\n]\n" if rows else "[]\n")
    tmp.replace(path)


def export_hsds(db_path: str | Path, out_dir: str | Path, state: str | None = None) -> dict[str, int]:
    """Write the active listings of the database (of one state, if given) as HSDS 3.0 tables.

    The database is opened read-only and read in two bulk queries. `out_dir` receives one JSON
    array per HSDS table (see the module docstring); returns the number of rows per table.
    """
    listings, flags = _read(db_path, state)
    tables = build_tables(listings, flags)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        _write_table(out / f"{table}.json", rows)
    return {table: len(rows) for table, rows in tables.items()}


# --- validation -------------------------------------------------------------------------------

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


def validate_hsds(out_dir: str | Path, schema_dir: str | Path | None = None, fast: bool = True) -> list[str]:
    """Errors of the HSDS files in `out_dir`, as "service.json[12].status: ..." strings; [] = valid.

    Every row of every `<table>.json` is validated against the official schema of that table
    (`schema_dir`, default the shared HSDS 3.0 specs), with $refs between the schema files
    resolved locally. Beyond the schemas (which allow any extra field and say nothing of ids),
    this also reports fields the table does not define, duplicate ids and ids that point to no
    row of the table they name. `fast=False` applies each schema to each row in full (slower,
    same verdicts).
    """
    out = Path(out_dir)
    registry, schemas = _registry(Path(schema_dir) if schema_dir else DEFAULT_SCHEMA_DIR)
    checker = _format_checker()
    errors: list[str] = []
    ids: dict[str, set[str]] = {}
    loaded: dict[str, list[Any]] = {}
    files = sorted(p for p in out.glob("*.json") if p.stem in schemas)
    if not files:
        return [f"{out}: no HSDS table files (<table>.json)"]
    for path in files:
        table = path.stem
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}: not JSON ({exc})")
            continue
        if not isinstance(rows, list):
            errors.append(f"{path.name}: not a JSON array of {table} rows")
            continue
        loaded[table] = rows
        validator = _RowValidator(schemas[table], registry, checker)
        seen: set[str] = set()
        for index, row in enumerate(rows):
            errors += [
                f"{_where(path.name, index, where)}: {message}" for where, message in validator.errors(row, fast)
            ]
            if not isinstance(row, dict):
                continue
            errors += [
                f"{path.name}[{index}].{name}: not a field of the HSDS {table} table"
                for name in sorted(row.keys() - validator.properties.keys())
            ]
            row_id = row.get("id")
            if isinstance(row_id, str):
                if row_id in seen:
                    errors.append(f"{path.name}[{index}].id: duplicate id {row_id}")
                seen.add(row_id)
        ids[table] = seen
    for table, rows in loaded.items():
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            references = dict(FOREIGN_KEYS.get(table, {}))
            if table == "attribute" and row.get("link_entity") in ids:
                references["link_id"] = row["link_entity"]
            if table == "metadata" and row.get("resource_type") in ids:
                references["resource_id"] = row["resource_type"]
            for name, target in references.items():
                value = row.get(name)
                if value is not None and target in ids and value not in ids[target]:
                    errors.append(f"{table}.json[{index}].{name}: {value} is no id of {target}.json")
    return errors
