"""SAMHSA code lists -> vocabulary, table-driven, with the real 2023 code references."""

import pytest
from python_calamine import CalamineWorkbook

from pipeline.sources.samhsa.codes import CODE_MAP, CodeEntry, CodeReference
from schemas.vocab import VOCABULARIES
from tests.conftest import REPLAY_FIXTURE


def _reference(kind: str) -> CodeReference:
    path = REPLAY_FIXTURE / "samhsa-national-directory-2023" / f"national-directory-{kind}-facilities-2023.xlsx"
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name("Service Code Reference").to_python()[1:]
    return CodeReference(CodeEntry(r[0].strip(), r[1].strip(), r[2].strip(), r[3].strip(), r[4].strip()) for r in rows)


SU = _reference("su")
MH = _reference("mh")


@pytest.mark.parametrize(
    ("reference", "codes", "field", "expected"),
    [
        (SU, "SA * OP OIT", "levels_of_care", {"iop"}),
        (SU, "SA * OP ORT", "levels_of_care", {"op"}),
        (SU, "SA * OP OIT ODT ORT", "levels_of_care", {"op", "iop", "php"}),
        (SU, "SA * OP ODT", "levels_of_care", {"php"}),
        (SU, "SA * OP OD", "levels_of_care", {"detox"}),
        (SU, "SA * OP", "levels_of_care", {"op"}),
        (SU, "SA DT * RES RD RS", "levels_of_care", {"residential", "detox"}),
        (SU, "SA * HI HID", "levels_of_care", {"inpatient", "detox"}),
        (MH, "MH * OP", "levels_of_care", {"op"}),
        (MH, "MH * OP PHDT", "levels_of_care", {"op", "php"}),
        (MH, "MH * OP * PH", "levels_of_care", {"op", "php"}),
        (MH, "MH * HI * PSY", "levels_of_care", {"inpatient"}),
        (SU, "SA * ICO GCO FCO", "services", {"individual_therapy", "group_therapy", "family_therapy"}),
        (SU, "SA * CBT MOTI", "services", {"cbt", "behavioral_therapy"}),
        (MH, "MH * DBT GT IPT", "services", {"dbt", "behavioral_therapy", "group_therapy", "individual_therapy"}),
        (SU, "SA * TWFA SHG", "services", {"twelve_step", "peer_support"}),
        (SU, "SA * MU BU * ACC", "services", {"medication_assisted_treatment", "aftercare"}),
        (MH, "MH * CIT WI * AT TELE", "services", {"crisis_intervention", "recreational_therapy", "telehealth"}),
        (
            SU,
            "SA * FSA MC MD PI SF SAMF * PA SS",
            "payments",
            {"grants", "medicare", "medicaid", "private_insurance", "self_pay", "payment_assistance", "sliding_scale"},
        ),
        (SU, "SA * MI ITU NP SI", "payments", {"military", "ihs_tribal", "free", "state_financed"}),
        (SU, "SA * AD WN * YAD ADLT", "populations", {"adolescents", "women", "young_adults", "adults"}),
        (
            MH,
            "MH * CHLD SNR * SED",
            "populations",
            {"children", "adolescents", "seniors", "serious_emotional_disturbance"},
        ),
    ],
)
def test_code_list_maps_to_vocabulary(reference: CodeReference, codes: str, field: str, expected: set[str]) -> None:
    assert reference.map(codes).terms[field] == expected


def test_codes_are_kept_in_order_without_separators_or_repeats() -> None:
    mapped = SU.map("SA DT * OP OIT * OIT MD")
    assert mapped.codes == ["SA", "DT", "OP", "OIT", "MD"]
    assert mapped.unknown == []


def test_unknown_codes_are_reported_not_mapped() -> None:
    mapped = SU.map("SA * OP OIT * ZZZ")
    assert mapped.unknown == ["ZZZ"]
    assert mapped.terms["levels_of_care"] == {"iop"}


def test_a_code_filed_under_another_category_is_not_mapped() -> None:
    moved = CodeReference([CodeEntry("SG", "Special Programs", "OIT", "Something else", "")])
    assert moved.map("OIT").terms["levels_of_care"] == set()


def test_every_mapped_code_exists_in_a_2023_reference_under_its_category() -> None:
    known = {(e.category_code, e.code) for ref in (SU, MH) for e in ref.entries.values()}
    assert set(CODE_MAP) <= known, sorted(set(CODE_MAP) - known)


def test_mapping_only_produces_vocabulary_values() -> None:
    for terms in CODE_MAP.values():
        for term in terms:
            assert any(isinstance(term, enum) for enum in VOCABULARIES.values())
