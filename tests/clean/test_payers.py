"""The payer reader: table-driven per class of phrasing, the labelled examples, the replayed insurance texts, docs."""

import doctest
import json
import re
from pathlib import Path

import pytest

from pipeline.clean.payers import (
    NETWORK_ALIASES,
    NOTE_MOST_INSURANCE,
    NOTE_NETWORK,
    NOTE_PARTLY_EXCLUDED,
    NOTE_SELF_PAY,
    NOTE_VERIFY,
    PAYER_ALIASES,
    PAYER_NAMES,
    PayerReading,
    read_payers,
    vocabulary_table,
)
from tests.conftest import FIXTURES, ROOT, SHARED_DATA

B, U = "Blue Cross Blue Shield", "UnitedHealthcare"
HOLDOUT_BAR = 0.9
INSURANCE_TEXTS = SHARED_DATA / "program-pages-replay" / "insurance_texts.jsonl"
# The labels keep two names the vocabulary folds into a family (docs/payers.md): compare through this.
LABEL_TO_VOCABULARY = {"Highmark": B}


def _cases(name: str) -> list[dict]:
    lines = (FIXTURES / "payers" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _matches(case: dict) -> bool:
    reading = read_payers(case["text"])
    return list(reading.payers) == case["payers"] and sorted(reading.not_accepted) == sorted(case["not_accepted"])


@pytest.mark.parametrize(
    ("text", "payers"),
    [
        ("Blue Cross/Blue Shield", [B]),
        ("BlueCross BlueShield of Texas", [B]),
        ("Anthem Blue Cross and Blue Shield", [B]),
        ("Highmark Wholecare", [B]),
        ("United Health Care; UnitedHealthcare Community Plan; UHC", [U]),
        ("Optum/United Behavioral Health", ["Optum", U]),
        ("Cigna-HealthSpring", ["Cigna"]),
        ("Tri-Care, TRICARE East", ["TRICARE"]),
        ("Humana Military and Humana", ["Humana Military", "Humana"]),
        ("Beacon Health Options (now Carelon)", ["Carelon Behavioral Health"]),
        ("Medi-Cal, MediCal, AHCCCS, MassHealth, Maryland Medical Assistance Program", ["Medicaid"]),
        ("MO HealthNet and Health Net", ["Medicaid", "Health Net"]),
        (
            "UPMC for You, Geisinger Health Plan Family, Keystone First",
            ["UPMC Health Plan", "Geisinger Health Plan", "AmeriHealth Caritas"],
        ),
    ],
)
def test_aliases_and_spelling_variants_give_one_canonical_name(text: str, payers: list[str]) -> None:
    assert list(read_payers(text).payers) == payers


@pytest.mark.parametrize(
    "text",
    [
        "We put your care first.",  # not CareFirst
        "Pediatric well-care visits are scheduled separately.",  # not WellCare
        "Our health partners in the community refer clients.",  # not HealthPartners
        "Nurses provide medical assistance during detox.",  # not Medical Assistance
        "Medical records are requested by fax.",  # not Medi-Cal
        "Our office is in Fairfax, VA, and serves the United States.",  # no VA, no United
        "We are out of network with all insurance carriers.",
    ],
)
def test_everyday_words_name_no_payer(text: str) -> None:
    assert read_payers(text).payers == () and read_payers(text).not_accepted == ()


@pytest.mark.parametrize(
    ("text", "payers", "not_accepted"),
    [
        ("Medicare and Medicaid do not cover our services.", [], ["Medicare", "Medicaid"]),
        ("We are unable to accept Medi-Cal, Medicare or Medicaid.", [], ["Medicaid", "Medicare"]),
        ("We don\u2019t take Kaiser.", [], ["Kaiser Permanente"]),
        ("We accept Aetna, but are not in network with Cigna.", ["Aetna"], ["Cigna"]),
        ("We accept all major plans except Humana.", [], ["Humana"]),
        ("Although we do not accept Medicaid, we accept Aetna.", ["Aetna"], ["Medicaid"]),
        ("Medicare patients do not need a referral.", ["Medicare"], []),  # a "not" about something else
    ],
)
def test_negated_clauses_exclude_the_payers_they_name(text: str, payers: list[str], not_accepted: list[str]) -> None:
    reading = read_payers(text)
    assert (list(reading.payers), list(reading.not_accepted)) == (payers, not_accepted)


def test_a_negated_heading_governs_its_list_until_a_blank_line_or_the_next_heading() -> None:
    text = "Plans we do not accept:\n- Medicaid\n- Medicare\n\nIn-Network Plans\nAetna\nCigna\nNot accepted:\nMolina"
    reading = read_payers(text)
    assert reading == PayerReading(
        payers=("Aetna", "Cigna"),
        evidence=("Aetna", "Cigna"),
        not_accepted=("Medicaid", "Medicare", "Molina Healthcare"),
    )


def test_a_full_sentence_ends_a_negated_heading() -> None:
    text = "Plans we do not accept:\nMedicaid\nWe are glad to accept Aetna and all Blue Cross Blue Shield plans here."
    reading = read_payers(text)
    assert (reading.payers, reading.not_accepted) == (("Aetna", B), ("Medicaid",))


def test_accepted_somewhere_stays_accepted_and_the_exclusion_is_a_note() -> None:
    text = "We accept NJ FamilyCare. Out-of-state Medicaid is usually not accepted as primary insurance."
    reading = read_payers(text)
    assert reading.payers == ("Medicaid",) and reading.not_accepted == ()
    assert reading.evidence == ("We accept NJ FamilyCare.",)
    assert NOTE_PARTLY_EXCLUDED.format("Medicaid") in reading.notes


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        ("We accept most major insurance plans.", [NOTE_MOST_INSURANCE]),
        ("Call us to verify your benefits.", [NOTE_VERIFY]),
        ("Contact us about coverage.", [NOTE_VERIFY]),
        ("We are a private pay program.", [NOTE_SELF_PAY]),
        (
            "PPO plans on the MultiPlan network; UMR plans",
            [NOTE_NETWORK.format("MultiPlan"), NOTE_NETWORK.format("UMR")],
        ),
    ],
)
def test_generic_phrases_and_networks_give_notes_and_no_payer(text: str, notes: list[str]) -> None:
    reading = read_payers(text)
    assert reading.payers == () and list(reading.notes) == notes


def test_payers_are_unique_in_first_mention_order_and_evidence_is_verbatim() -> None:
    text = "We take Cigna.\nAetna\nCigna, Aetna and Medicare are accepted."
    reading = read_payers(text)
    assert reading.payers == ("Cigna", "Aetna", "Medicare")
    assert reading.evidence == ("We take Cigna.", "Aetna", "Cigna, Aetna and Medicare are accepted.")
    assert all(piece in text for piece in reading.evidence)


@pytest.mark.parametrize("text", ["", "   \n ", "Insurance"])
def test_empty_or_nameless_text_gives_an_empty_reading(text: str) -> None:
    assert read_payers(text) == PayerReading()


def test_vocabulary_is_one_table_with_every_alias_in_one_family() -> None:
    assert list(PAYER_NAMES) == sorted(PAYER_ALIASES, key=str.casefold)
    families: dict[str, set[str]] = {}
    for name, group in [*PAYER_ALIASES.items(), *NETWORK_ALIASES.items()]:
        for alias in group:
            families.setdefault(alias.casefold(), set()).add(name)
    assert {alias: names for alias, names in families.items() if len(names) > 1} == {}
    for name, group in PAYER_ALIASES.items():
        for alias in group:
            assert read_payers(alias).payers == (name,), alias
    for name, group in NETWORK_ALIASES.items():
        assert all(read_payers(alias) == PayerReading(notes=(NOTE_NETWORK.format(name),)) for alias in group)


@pytest.mark.parametrize("case", _cases("dev.jsonl"), ids=lambda c: f"{c['n']}-{c['class']}")
def test_dev_examples(case: dict) -> None:
    reading = read_payers(case["text"])
    assert (list(reading.payers), sorted(reading.not_accepted)) == (case["payers"], sorted(case["not_accepted"]))


def test_holdout_examples_hold_the_bar() -> None:
    cases = _cases("holdout.jsonl")
    assert sum(map(_matches, cases)) / len(cases) >= HOLDOUT_BAR


def _insurance_texts() -> list[dict]:
    return [json.loads(line) for line in INSURANCE_TEXTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_replayed_insurance_texts_that_name_no_accepted_payer_give_none() -> None:
    texts = [t for t in _insurance_texts() if not t["names_payers"]]
    assert len(texts) == 6
    assert [read_payers(t["text"]).payers for t in texts] == [()] * 6
    arroyos = next(t for t in texts if "arroyos" in t["host"])
    assert sorted(read_payers(arroyos["text"]).not_accepted) == ["Medicaid", "Medicare"]


def test_replayed_insurance_texts_that_name_payers_give_the_labelled_payers() -> None:
    texts = [t for t in _insurance_texts() if t["names_payers"]]
    assert len(texts) == 5
    for text in texts:
        labelled = {LABEL_TO_VOCABULARY.get(name, name) for name in text["payers"]}
        assert set(read_payers(text["text"]).payers) == labelled, text["host"]


def test_the_docs_table_is_the_vocabulary() -> None:
    doc = (ROOT / "docs" / "payers.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- payer table -->\n(.*?)\n<!-- /payer table -->", doc, re.DOTALL)
    assert table is not None and table.group(1) == vocabulary_table()


def test_the_docs_examples_run_exactly_as_written() -> None:
    # Every ">>>" example of docs/payers.md, payers and services alike, run as a doctest.
    path = ROOT / "docs" / "payers.md"
    test = doctest.DocTestParser().get_doctest(path.read_text(encoding="utf-8"), {}, path.name, str(path), 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda _: None)
    assert result.failed == 0, f"{result.failed} of the doc's examples fail"


def test_the_fixture_files_are_where_the_readme_says() -> None:
    assert (FIXTURES / "payers" / "README.md").is_file() and Path(INSURANCE_TEXTS).is_file()
