"""The HSDS rows of every table, built from the listings and open flags the export reads.

One function per table or group of tables; docs/hsds.md says where each field comes from.
"""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pipeline.hours import wording
from pipeline.outputs.hsds.tables import TABLES, hsds_id
from pipeline.outputs.hsds.vocabularies import (
    FLAG_VOCABULARY,
    LEVEL_ORDER,
    RULE_LEVEL,
    label,
    taxonomies,
    term_id,
)

_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


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


def weekly_hours_text(row: dict[str, Any]) -> str | None:
    """The listing's weekly program hours in words ("9-20 hours per week (stated)"), or None.

    The wording of the "Program hours" sentence of a service's description: the flags' wording
    (`pipeline.hours.wording`) with the unit spelled out, and the basis of the figure.
    """
    text = wording.weekly_hours_text(row["hours_min"], row["hours_max"], wording.UNIT_LONG)
    return None if text is None else f"{text} ({row['hours_basis'].replace('_', ' ')})"


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


def _organizations(
    listings: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
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
                    "taxonomy_term_id": term_id("levels_of_care", level),
                    "value": ", ".join(sorted(by_level[level])),
                }
            )
    return organizations, identifiers, attributes


def _display_name(row: dict[str, Any]) -> str:
    return f"{row['name']} ({row['name2']})" if row["name2"] else row["name"]


def _location(row: dict[str, Any], location_id: str) -> dict[str, Any]:
    return _clean(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": row["org_id"],
            "name": row["name"],
            "alternate_name": row["name2"],
            "description": f"Site of {_display_name(row)} as listed by {row['source']}.",
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "external_identifier": row["listing_id"],
            "external_identifier_type": "iop-directory listing_id",
        }
    )


def _addresses(row: dict[str, Any], location_id: str) -> list[dict[str, Any]]:
    """The listing's address, if it has all four parts HSDS requires (street, city, state, ZIP)."""
    if not (row["street"] and row["city"] and row["state"] and row["zip5"]):
        return []
    address = {
        "id": hsds_id("address", row["listing_id"]),
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
    return [_clean(address)]


def _phones(row: dict[str, Any], location_id: str) -> list[dict[str, Any]]:
    rows = []
    for phone in row["phones"] or []:
        extension = phone["extension"]
        phone_row = {
            "id": hsds_id("phone", row["listing_id"], phone["e164"], extension),
            "location_id": location_id,
            "number": phone["e164"],
            # HSDS types the extension as a number; the original text keeps any leading zero.
            "extension": int(extension) if extension else None,
            "type": "voice",
            "description": f"{phone['kind']} number, as listed: {phone['original']}",
        }
        rows.append(_clean(phone_row))
    return rows


def _hours_level(row: dict[str, Any], levels: list[str]) -> str | None:
    """The level of care the listing's hours describe: the one normalization found, else its only level."""
    return row["hours_level"] or (levels[0] if len(levels) == 1 else None)


def _services(
    row: dict[str, Any], location_id: str, levels: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Service rows (one per level of care), their service_at_location rows and their level-of-care attributes.

    What the listing says for all its levels goes once into HSDS fields (payments and payers to
    `fees_description`, populations to `eligibility_description`) or onto the location (`_location_attributes`).
    """
    listing_id = row["listing_id"]
    hours = weekly_hours_text(row)
    hours_level = _hours_level(row, levels)
    fees = "; ".join(
        part
        for part in (
            "Payment accepted: " + ", ".join(label(p) for p in row["payments"]) if row["payments"] else "",
            "Payers named: " + ", ".join(row["payers"]) if row["payers"] else "",
        )
        if part
    )
    eligibility = (
        ("Populations served: " + ", ".join(label(p) for p in row["populations"])) if row["populations"] else None
    )
    services, links, attributes = [], [], []
    for level in levels:
        service_id = hsds_id("service", listing_id, level)
        description = f"{label(level)} offered by {_display_name(row)}, as listed by {row['source']}."
        if hours and level == hours_level:
            description += f" Program hours: {hours}."
        service = {
            "id": service_id,
            "organization_id": row["org_id"],
            "name": f"{row['name']} - {label(level)}",
            "alternate_name": row["name2"],
            "description": description,
            "url": row["website"],
            "status": "active",
            "fees_description": fees,
            "eligibility_description": eligibility,
            "assured_date": _date(row["last_seen"]),
            "last_modified": _timestamp(row["last_changed"]),
        }
        services.append(_clean(service))
        links.append(
            {
                "id": hsds_id("service_at_location", listing_id, level),
                "service_id": service_id,
                "location_id": location_id,
            }
        )
        attributes.append(_attribute("service", service_id, listing_id, level, "levels_of_care", level))
    return services, links, attributes


def _location_attributes(row: dict[str, Any], location_id: str) -> list[dict[str, Any]]:
    """The listing's `services` terms, once on its location: what it offers at that site, at every level."""
    listing_id = row["listing_id"]
    return [
        {
            "id": hsds_id("attribute", "location", listing_id, "services", value),
            "link_id": location_id,
            "link_entity": "location",
            "link_type": "services",
            "taxonomy_term_id": term_id("services", value),
        }
        for value in row["services"]
    ]


def _cost_options(row: dict[str, Any], services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A cost option per service and named payer: the plan is accepted (no amount is known)."""
    return [
        {
            "id": hsds_id("cost_option", service["id"], payer),
            "service_id": service["id"],
            "option": f"Insurance: {payer}",
            "amount_description": f"{payer} accepted, as the provider's insurance text names it; no amount stated.",
        }
        for service in services
        for payer in row["payers"]
    ]


def _metadata(row: dict[str, Any], location_id: str) -> list[dict[str, Any]]:
    """The listing's provenance, on its location, if it has a source URL."""
    if not row["source_url"]:
        return []
    return [
        {
            "id": hsds_id("metadata", row["listing_id"]),
            "resource_id": location_id,
            "resource_type": "location",
            "last_action_date": _date(row["last_changed"]),
            "last_action_type": "create" if row["first_seen"] == row["last_changed"] else "update",
            "field_name": "source_url",
            "previous_value": "",
            "replacement_value": row["source_url"],
            "updated_by": f"iop-directory import of {row['source']} ({row['source_file']}, {row['source_record_id']})",
        }
    ]


def _flag_attributes(flags: list[dict[str, Any]], service_ids: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """An attribute per open flag and service it judges: the service of the rule's level, else all of them."""
    attributes = []
    for flag in flags:
        offered = service_ids.get(flag["listing_id"], {})
        level = RULE_LEVEL.get(flag["rule_id"])
        targets = [offered[level]] if level in offered else list(offered.values())
        flag_term_id = term_id(FLAG_VOCABULARY, flag["rule_id"])
        attributes += [
            {
                "id": hsds_id("attribute", "flag", flag["flag_id"], service_id),
                "link_id": service_id,
                "link_entity": "service",
                "link_type": FLAG_VOCABULARY,
                "taxonomy_term_id": flag_term_id,
                "value": f"[{flag['severity']}, {flag.get('confidence') or 'unknown'} confidence] {flag['message']}",
            }
            for service_id in targets
        ]
    return attributes


def build_tables(listings: list[dict[str, Any]], flags: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """HSDS rows of every table from the listings and open flags read by `export_hsds`.

    Sets each listing's `org_id` (the id of its organization) on the row as it goes.
    """
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["taxonomy"], tables["taxonomy_term"] = taxonomies(sorted({f["rule_id"] for f in flags}))
    for row in listings:
        key = row["facility_id"] or f"listing:{row['listing_id']}"
        row["org_id"] = hsds_id("organization", key)
    tables["organization"], tables["organization_identifier"], org_attributes = _organizations(listings)
    service_ids: dict[str, dict[str, str]] = {}
    for row in listings:
        location_id = hsds_id("location", row["listing_id"])
        tables["location"].append(_location(row, location_id))
        tables["address"] += _addresses(row, location_id)
        tables["phone"] += _phones(row, location_id)
        levels = sorted(row["levels_of_care"], key=LEVEL_ORDER.index)
        services, links, attributes = _services(row, location_id, levels)
        tables["service"] += services
        tables["cost_option"] += _cost_options(row, services)
        tables["service_at_location"] += links
        tables["attribute"] += _location_attributes(row, location_id)
        tables["attribute"] += attributes
        offered = service_ids[row["listing_id"]] = {
            level: service["id"] for level, service in zip(levels, services, strict=True)
        }
        hours_level = _hours_level(row, levels)
        # Schedules go to the service of the level the hours describe, else to the location.
        target = {"service_id": offered[hours_level]} if hours_level in offered else {"location_id": location_id}
        tables["schedule"] += _schedule_rows(row, target)
        tables["metadata"] += _metadata(row, location_id)
    tables["attribute"] += org_attributes
    tables["attribute"] += _flag_attributes(flags, service_ids)
    return tables


def _attribute(entity: str, link_id: str, listing_id: str, level: str, vocabulary: str, value: str) -> dict[str, Any]:
    return {
        "id": hsds_id("attribute", entity, listing_id, level, vocabulary, value),
        "link_id": link_id,
        "link_entity": entity,
        "link_type": vocabulary,
        "taxonomy_term_id": term_id(vocabulary, value),
    }
