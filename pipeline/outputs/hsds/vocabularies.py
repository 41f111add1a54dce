"""The HSDS taxonomies: the project's vocabularies and flag rules, their terms and labels (see docs/hsds.md)."""

import functools
from typing import Any

from pipeline.clean.payers import PAYER_NAMES
from pipeline.flags.rules import RULES
from pipeline.outputs.hsds.tables import hsds_id
from schemas.vocab import VOCABULARIES, LevelOfCare

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
#: The levels of care from least to most intensive, the order of a listing's services.
LEVEL_ORDER = [str(level) for level in LevelOfCare]
_VOCABULARY_NAMES = {
    "levels_of_care": "levels of care",
    "services": "services",
    "payments": "payments",
    "populations": "populations",
}
#: The taxonomy of named payers (`pipeline.clean.payers`), and the `link_type` of a payer's attribute.
PAYER_VOCABULARY = "payers"
#: The taxonomy of the flag rules, and the `link_type` of a flag's attribute.
FLAG_VOCABULARY = "flags"
#: The level of care a rule judges; a flag is attached to that service of its listing (all of them if None).
RULE_LEVEL = {
    "php_as_iop": "iop",
    "iop_range_reaches_php": "iop",
    "iop_below_floor": "iop",
    "level_conflict_across_sources": "iop",
    "php_below_threshold": "php",
    "php_range_below_floor": "php",
}


def label(value: str) -> str:
    """The display name of a vocabulary value: its level label, its spelling, or the value capitalized."""
    return LEVEL_LABELS.get(value) or _TERM_LABELS.get(value) or value.replace("_", " ").capitalize()


@functools.cache
def term_id(vocabulary: str, value: str) -> str:
    """The id of the taxonomy term of a vocabulary value (or of a flag rule, in FLAG_VOCABULARY)."""
    return hsds_id("taxonomy_term", vocabulary, value)


def _term(taxonomy: dict[str, Any], vocabulary: str, code: str, name: str, description: str) -> dict[str, Any]:
    return {
        "id": term_id(vocabulary, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": taxonomy["name"],
        "taxonomy_id": taxonomy["id"],
        "language": "en",
    }


def taxonomies(flagged_rules: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The taxonomy and taxonomy_term rows: the vocabularies and the flag rules, with every term.

    `flagged_rules` are the rules of the open flags; a rule no longer defined (of an older
    version) still gets its term, so that its flags have one.
    """
    taxonomy_rows, terms = [], []
    for vocabulary, enum in VOCABULARIES.items():
        taxonomy = {
            "id": hsds_id("taxonomy", vocabulary),
            "name": f"iop-directory {_VOCABULARY_NAMES[vocabulary]}",
            "description": f"The iop-directory vocabulary of the listings' `{vocabulary}` column.",
            "version": "1",
        }
        taxonomy_rows.append(taxonomy)
        terms += [
            _term(
                taxonomy,
                vocabulary,
                str(value),
                label(str(value)),
                f"{vocabulary} value '{value}' of the iop-directory vocabulary.",
            )
            for value in enum
        ]
    payers = {
        "id": hsds_id("taxonomy", PAYER_VOCABULARY),
        "name": "iop-directory payers",
        "description": "Named insurance plans a listing accepts, one name per payer family (see docs/payers.md).",
        "version": "1",
    }
    taxonomy_rows.append(payers)
    terms += [
        _term(payers, PAYER_VOCABULARY, name, name, f"Payer '{name}' of the iop-directory payer vocabulary.")
        for name in PAYER_NAMES
    ]
    flags = {
        "id": hsds_id("taxonomy", FLAG_VOCABULARY),
        "name": "iop-directory flags",
        "description": "Open level-of-care flags: a rule found the listing's claimed level doubtful "
        "(see docs/flags.md). An attribute's value is the flag's message.",
        "version": "1",
    }
    taxonomy_rows.append(flags)
    terms += [
        _term(
            flags,
            FLAG_VOCABULARY,
            rule.rule_id,
            rule.rule_id,
            f"{rule.summary} (severity {rule.severity}, rule version {rule.version}).",
        )
        for rule in RULES.values()
    ]
    terms += [
        _term(flags, FLAG_VOCABULARY, rule_id, rule_id, "A rule of an earlier iop-directory version.")
        for rule_id in flagged_rules
        if rule_id not in RULES
    ]
    return taxonomy_rows, terms
