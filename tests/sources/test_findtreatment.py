"""FindTreatment.gov rows -> listings: labels to codes, coordinates, ids, and the real recorded files."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

import pipeline.normalize.run
from pipeline.errors import RejectRow
from pipeline.ids import listing_id
from pipeline.sources.findtreatment.labels import ALIASES, LABEL_CODES, REFERENCE_LABELS, codes_for_label
from pipeline.sources.findtreatment.normalize import UNKNOWN_LABEL_PREFIX, normalize_facility
from pipeline.sources.samhsa.codes import CODE_MAP, CodeReference
from schemas.listing import Listing
from schemas.raw import RawRecord
from tests.conftest import SHARED_DATA, run_scrapy
from tests.fixtures.make_findtreatment_labels import LABELS_FILE, REFERENCES, reference_labels, render
from tests.helpers import normalize_and_load, read_items

FRID = "811a908f82269778a2fe2a8bc603afa08df868f3e2fa56aa62e214d03997dea1"


def _record(record_id: str = FRID, **fields: Any) -> RawRecord:
    base: dict[str, Any] = {
        "frid": FRID,
        "name1": "Region Ten Community Services Board",
        "name2": "Mohr Center",
        "street1": "1014 East Market Street",
        "city": "Charlottesville",
        "state": "VA",
        "zip": "22902",
        "phone": "434-979-8871",
        "intake1": "434-972-1800",
        "website": "http://www.regionten.org",
        "latitude": "38.0282239",
        "longitude": "-78.4725231",
        "typeFacility": "SA",
        "miles": "0.24",
        "services": json.dumps([{"f1": "Type of Care", "f2": "TC", "f3": "Substance use treatment"}]),
    }
    base.update(fields)
    return RawRecord(
        record_type="findtreatment_facility",
        source="findtreatment",
        source_url="https://findtreatment.gov/locator/exportsAsJson/v2?page=1",
        source_file="locator/exportsAsJson/v2",
        record_id=record_id,
        fetched_at="2026-11-27T00:00:00+00:00",
        fields={k: v for k, v in base.items() if v is not ...},
    )


def _services(*entries: tuple[str, str]) -> str:
    return json.dumps([{"f1": f"category {f2}", "f2": f2, "f3": f3} for f2, f3 in entries])


def _listing(**fields: Any) -> Listing:
    return normalize_facility(_record(**fields), CodeReference(()), "run")


# -- labels -> codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "category", "codes"),
    [
        # 2019 locator wording (domain.md §3.5, and the recorded 2019 page).
        ("Individual counseling offered", "EDU", [("ECS", "ICO")]),
        ("Substance abuse education", "EDU", [("ECS", "SAE")]),
        ("Consumer-run (peer-support) services", "AS", [("RSS", "PEER")]),
        ("Substance use counseling approach", "TAP", [("TAP", "SACA")]),
        ("Martix Model", "TAP", [("TAP", "MXM")]),
        ("Telemedicine/telehealth", "SET", [("TAP", "TELE")]),
        ("Military insurance (e.g., TRICARE)", "PAY", [("PAY", "MI")]),
        ("Persons with co-occurring mental and substance use disorders", "SG", [("SG", "CO")]),
        ("Medications for psychiatric disorders", "PHR", [("PHR", "MMD")]),
        ("Seniors (65 or older)", "AGE", [("AGE", "SNR")]),
        # Current (2023 reference, 2025 export) wording.
        ("Individual counseling", None, [("ECS", "ICO")]),
        ("Substance use disorder education", None, [("ECS", "SAE")]),
        ("Mentoring/peer support", None, [("RSS", "PEER")]),
        ("Substance use disorder counseling", None, [("TAP", "SACA")]),
        ("Federal military insurance (e.g., TRICARE)", None, [("PAY", "MI")]),
        ("Telemedicine/telehealth therapy", None, [("TAP", "TELE")]),
        # Levels of care, both years.
        ("Intensive outpatient treatment", "SET", [("SET", "OIT")]),
        ("Outpatient day treatment or partial hospitalization", "SET", [("SET", "ODT")]),
        ("outpatient  DAY treatment or partial hospitalization", None, [("SET", "ODT")]),  # case, spaces
        ("Partial hospitalization/day treatment", "SET", [("SET", "PHDT")]),
        ("Partial hospitalization/day treatment", "FT", [("FT", "PH")]),
        ("Partial hospitalization/day treatment", None, [("FT", "PH"), ("SET", "PHDT")]),
        ("Residential", "SET", [("SET", "RES")]),
        ("Residential/24-hour residential", None, [("SET", "RES")]),
        ("Hospital inpatient", "SET", [("SET", "HI")]),
        # One label, two codes: the category decides, else the exact wording.
        ("Young adults", "AGE", [("AGE", "YAD")]),
        ("Young adults", "SG", [("SG", "TAY")]),
        ("Young Adults", None, [("AGE", "YAD")]),
        ("Young adults", None, [("SG", "TAY")]),
        # Unknown: no code, never a guess.
        ("Trauma therapy", "TAP", []),
        ("Psychotropic medication", "TAP", []),
    ],
)
def test_labels_map_to_codes(label: str, category: str | None, codes: list[tuple[str, str]]) -> None:
    assert list(codes_for_label(label, category)) == codes


@pytest.mark.parametrize(
    ("settings", "levels"),
    [
        ("Outpatient", {"op"}),
        ("Outpatient; Intensive outpatient treatment", {"iop"}),  # the umbrella code yields to OIT
        (
            "Outpatient; Outpatient day treatment or partial hospitalization; Regular outpatient treatment",
            {"php", "op"},
        ),
        # MH wording: OP has no more specific outpatient sibling there, so it stays regular OP (as in samhsa_mh).
        ("Outpatient; Partial hospitalization/day treatment; Telemedicine/telehealth", {"php", "op"}),
        ("Residential; Short-term residential", {"residential"}),
        ("Hospital inpatient", {"inpatient"}),
        ("Hospital inpatient/24-hour hospital inpatient; Hospital inpatient detoxification", {"inpatient", "detox"}),
        ("Computerized treatment/telemedicine; Outpatient; Intensive outpatient treatment", {"iop"}),
    ],
)
def test_levels_of_care_from_setting_labels(settings: str, levels: set[str]) -> None:
    assert _listing(services=_services(("SET", settings))).levels_of_care == levels


def test_flattened_all_services_map_without_categories() -> None:
    listing = _listing(
        services=None,
        frid=None,
        all_services="Substance use treatment; Residential/24-hour residential; Long-term residential; "
        "Intensive outpatient treatment; Medicaid; Young Adults; Cognitive behavioral therapy",
    )
    assert listing.levels_of_care == {"residential", "iop"}
    assert listing.payments == {"medicaid"}
    assert listing.populations == {"young_adults"}
    assert listing.services == {"cbt", "behavioral_therapy"}
    assert listing.source_codes == ("SA", "RES", "RL", "OIT", "MD", "YAD", "CBT")


def test_unknown_labels_are_kept_and_reported() -> None:
    listing = _listing(
        services=_services(
            ("TAP", "Cognitive behavioral therapy; Trauma therapy"), ("FT", "Something new; Trauma therapy")
        )
    )
    assert listing.source_codes == (
        "CBT",
        UNKNOWN_LABEL_PREFIX + "Trauma therapy",
        UNKNOWN_LABEL_PREFIX + "Something new",
    )
    assert listing.warnings == ("service labels with no SAMHSA code, kept as labels: Trauma therapy; Something new",)


def test_2019_and_2025_wordings_give_the_same_listing_terms() -> None:
    old = _listing(
        services=_services(
            ("EDU", "Individual counseling offered; Group counseling offered; Substance abuse education"),
            ("AS", "Case management; Consumer-run (peer-support) services"),
            ("PAY", "Military insurance (e.g., TRICARE); Cash or self-payment"),
        )
    )
    new = _listing(
        services=None,
        all_services="Individual counseling; Group counseling; Substance use disorder education; "
        "Case management service; Mentoring/peer support; Federal military insurance (e.g., TRICARE); "
        "Cash or self-payment",
    )
    assert (old.services, old.payments) == (new.services, new.payments)
    assert old.services == {"individual_therapy", "group_therapy", "education", "case_management", "peer_support"}
    assert old.source_codes == new.source_codes == ("ICO", "GCO", "SAE", "CM", "PEER", "MI", "SF")


# -- other fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "expected", "warning"),
    [
        ("38.0282239", "-78.4725231", (38.0282239, -78.4725231), None),
        (" 38.5 ", "-78", (38.5, -78.0), None),
        ("", "", (None, None), None),
        (None, None, (None, None), None),
        ("38.5", "", (None, None), "not numbers"),
        ("abc", "-78", (None, None), "not numbers"),
        ("0", "0", (None, None), "placeholder"),
        ("95", "-78", (None, None), "out of range"),
        ("nan", "-78", (None, None), "out of range"),
    ],
)
def test_coordinates_are_parsed_from_strings(
    lat: str | None, lon: str | None, expected: tuple[float | None, float | None], warning: str | None
) -> None:
    listing = _listing(latitude=lat, longitude=lon)
    assert (listing.latitude, listing.longitude) == expected
    assert any(warning in w for w in listing.warnings) if warning else listing.warnings == ()


@pytest.mark.parametrize(
    ("website", "kept"),
    [("http://www.regionten.org", True), ("https://a.org/x?y=1", True), ("www.regionten.org", False), ("", None)],
)
def test_website_is_kept_only_as_an_http_url(website: str, kept: bool | None) -> None:
    listing = _listing(website=website)
    assert listing.website == (website if kept else None)
    assert bool(listing.warnings) is (kept is False)


def test_phones_are_cleaned_and_ids_come_from_the_frid() -> None:
    listing = _listing()
    assert [(p.e164, p.kind) for p in listing.phones] == [("+14349798871", "main"), ("+14349721800", "intake")]
    assert listing.listing_id == listing_id("findtreatment", FRID)
    assert listing.provenance.record_id == FRID
    # The same frid with different content: one id, told apart by the disambiguated id.
    other = _listing(name2="Another program")
    assert other.listing_id == listing.listing_id
    assert other.disambiguated_id != listing.disambiguated_id


def test_rows_without_a_frid_get_an_identity_id_that_ignores_the_query() -> None:
    one = _listing(frid=None, miles="0.24", _irow="1")
    other = _listing(frid=None, miles="12.5", _irow="7")  # the same facility, found from elsewhere
    assert one.listing_id == other.listing_id != listing_id("findtreatment", FRID)
    assert one.disambiguated_id == other.disambiguated_id
    assert _listing(frid=None, phone="434-979-8872").listing_id != one.listing_id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name1": "  "}, "name1"),
        ({"name1": None}, "name1"),
        ({"state": "Virginia"}, "state"),
        ({"services": "[not json"}, "services"),
        ({"services": '{"f2": "SET"}'}, "services"),
    ],
)
def test_rows_that_cannot_be_listings_are_rejected(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(RejectRow) as error:
        _listing(**fields)
    assert error.value.field == field


# -- the label table -------------------------------------------------------------------------


def test_reference_labels_are_the_2023_references_as_generated() -> None:
    assert all(path.is_file() for path in REFERENCES), "the shared 2023 code references are missing"
    assert {label: list(pairs) for label, pairs in REFERENCE_LABELS.items()} == reference_labels()


def test_the_label_file_is_what_the_generator_writes() -> None:
    assert all(path.is_file() for path in REFERENCES), "the shared 2023 code references are missing"
    assert LABELS_FILE.read_text(encoding="utf-8") == render(reference_labels())


def test_the_loaded_label_table_has_every_label_and_each_maps_to_a_known_code() -> None:
    # 309 labels of the 2023 SU and MH references, 5 of them filed under two codes.
    assert len(REFERENCE_LABELS) == 309
    assert sum(len(pairs) for pairs in REFERENCE_LABELS.values()) == 314
    for label, pairs in REFERENCE_LABELS.items():
        assert pairs, label
        for category, code in pairs:
            # Known to the label code reference under that category, and what the label reads back as.
            assert LABEL_CODES.entries[code].category_code == category, label
            assert (category, code) in codes_for_label(label, category), label


def test_aliases_are_not_reference_labels_and_codes_are_unique() -> None:
    folded = {label.casefold() for label in REFERENCE_LABELS}
    assert [label for label in ALIASES if label.casefold() in folded] == []
    categories: dict[str, set[str]] = {}
    for pairs in [*REFERENCE_LABELS.values(), [(c, code) for c, code in ALIASES.values()]]:
        for category, code in pairs:
            categories.setdefault(code, set()).add(category)
    # LABEL_CODES is keyed by code alone: a code filed under two categories would be ambiguous.
    assert {code: cats for code, cats in categories.items() if len(cats) > 1} == {}
    assert len(LABEL_CODES.entries) == len(categories)


def test_labels_with_several_codes_never_mean_different_terms() -> None:
    # Without a category key, all candidates are kept: only safe if they mean the same thing.
    for label, pairs in REFERENCE_LABELS.items():
        meanings = {CODE_MAP.get(pair, ()) for pair in pairs}
        assert len(meanings) == 1, label


# -- the real recorded files -----------------------------------------------------------------


def test_real_recorded_files_load_completely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert SHARED_DATA.is_dir(), f"the shared data folder is missing: {SHARED_DATA}"
    completed = run_scrapy("findtreatment", tmp_path / "crawl", SHARED_DATA)
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((tmp_path / "crawl" / "stats.json").read_text())
    assert stats["iopdir/source/findtreatment/complete"] is True
    assert stats["iopdir/source/findtreatment/plan"] == "recorded"
    items = tmp_path / "crawl" / "items.jsonl"
    records = read_items(items)
    assert len(records) == stats["iopdir/source/findtreatment/records/findtreatment_facility"] == 30 + 478

    monkeypatch.setitem(pipeline.normalize.run.LISTING_NORMALIZERS, "findtreatment_facility", normalize_facility)
    counts = normalize_and_load(items, tmp_path / "ft.duckdb", "r1")["findtreatment"]
    assert counts.seen == counts.loaded + counts.rejected == len(records)
    assert (counts.loaded, counts.rejected) == (508, 0)
    with duckdb.connect(str(tmp_path / "ft.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
        rows = con.execute("SELECT source_url, levels_of_care, source_codes, latitude FROM listings").fetchall()
    assert len(rows) == 508
    assert all(lat is not None for _, _, _, lat in rows)
    levels = Counter((("2019" if "CBHSQ" in url else "2025"), level) for url, lv, _, _ in rows for level in lv)
    assert {k: v for k, v in levels.items() if k[0] == "2019"} == {
        ("2019", "op"): 24,
        ("2019", "iop"): 5,
        ("2019", "php"): 6,
        ("2019", "residential"): 3,
        ("2019", "inpatient"): 2,
    }
    assert levels[("2025", "residential")] == 478  # a residential pull: every row says so
    assert (levels[("2025", "iop")], levels[("2025", "php")]) == (68, 61)
    unknown = Counter(c for _, _, codes, _ in rows for c in codes if c.startswith(UNKNOWN_LABEL_PREFIX))
    # Every 2025 label is in the 2023 references; four 2019 MH labels have no 2023 code.
    assert unknown == {
        "label:Psychotropic medication": 14,
        "label:Trauma therapy": 12,
        "label:Behavior modification": 5,
        "label:Psychiatric hospital or psychiatric unit of a general hospital": 2,
    }
