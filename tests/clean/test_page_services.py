"""The page-services reader: table-driven per class of phrasing, false friends, negation, the labelled examples."""

import json

import pytest

from pipeline.clean.page_services import PHRASES, ServiceReading, read_services
from pipeline.sources.samhsa.codes import CODE_MAP
from schemas.vocab import Service as S
from tests.conftest import FIXTURES

HOLDOUT_BAR = 0.9


def _cases(name: str) -> list[dict]:
    lines = (FIXTURES / "page_services" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _services(text: str) -> set[str]:
    return {service.value for service in read_services(text).services}


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("group therapy", {S.GROUP_THERAPY}),
        ("process groups", {S.GROUP_THERAPY}),
        ("individual, group and family therapy", {S.INDIVIDUAL_THERAPY, S.GROUP_THERAPY, S.FAMILY_THERAPY}),
        ("weekly sessions with a therapist", {S.INDIVIDUAL_THERAPY}),
        ("couples counseling", {S.FAMILY_THERAPY}),
        ("our family program", {S.FAMILY_THERAPY}),
        ("family psychoeducation", {S.FAMILY_THERAPY, S.EDUCATION}),
        ("CBT", {S.CBT, S.BEHAVIORAL_THERAPY}),
        ("dialectical behavior therapy", {S.DBT, S.BEHAVIORAL_THERAPY}),
        ("EMDR and Seeking Safety", {S.TRAUMA_THERAPY}),
        ("motivational interviewing", {S.BEHAVIORAL_THERAPY}),
        ("medication management by a psychiatric provider", {S.PSYCHIATRY}),
        ("Suboxone, Vivitrol and methadone", {S.MEDICATION_ASSISTED_TREATMENT}),
        ("MAT", {S.MEDICATION_ASSISTED_TREATMENT}),
        ("care coordination", {S.CASE_MANAGEMENT}),
        ("a recovery coach", {S.PEER_SUPPORT}),
        ("AA and NA meetings", {S.TWELVE_STEP}),
        ("relapse prevention", {S.RELAPSE_PREVENTION}),
        ("psychoeducational groups", {S.EDUCATION}),
        ("coping skills", {S.LIFE_SKILLS}),
        ("mindfulness", {S.LIFE_SKILLS}),
        ("music therapy", {S.RECREATIONAL_THERAPY}),
        ("crisis planning", {S.CRISIS_INTERVENTION}),
        ("telehealth", {S.TELEHEALTH}),
        ("alumni", {S.AFTERCARE}),
        ("a physical exam", {S.MEDICAL_CARE}),
        # Capitalized as in headings and lists.
        ("Cognitive Behavioral Therapy (CBT)", {S.CBT, S.BEHAVIORAL_THERAPY}),
        ("Motivational Interviewing; Acceptance and Commitment Therapy", {S.BEHAVIORAL_THERAPY}),
        ("Suboxone and Naltrexone", {S.MEDICATION_ASSISTED_TREATMENT}),
        ("Trauma-Focused CBT and Cognitive Processing Therapy", {S.TRAUMA_THERAPY, S.CBT, S.BEHAVIORAL_THERAPY}),
    ],
)
def test_each_class_of_phrase_gives_its_services(text: str, services: set[S]) -> None:
    assert read_services(text).services == services


@pytest.mark.parametrize(
    "text",
    [
        "Residents of our group home",
        "Family members may call the front desk.",
        "an individual insurance plan",
        "the case manager of your insurer",
        "your insurance company's case manager",
        "Bring a mat and water.",  # lower-case "mat" is no MAT
        "CPT codes 90853 and 90837",
        "Trauma-informed staff",
        "She moved to a nursing home.",
        "Your primary care doctor can refer you.",
        "Medical records and medical necessity",
        "If you are in crisis, call 988.",
        "Act now: na, we never close.",  # lower-case "act" and "na" are no ACT or NA meetings
    ],
)
def test_false_friends_give_nothing(text: str) -> None:
    assert read_services(text) == ServiceReading()


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("Our program does not offer medication management.", set()),
        ("No medication is prescribed.", set()),
        ("MAT is not available at this location.", set()),
        ("We don\u2019t provide telehealth.", set()),
        ("We offer group therapy but do not offer MAT.", {S.GROUP_THERAPY}),
        ("We do not offer residential care, and our IOP includes group therapy.", {S.GROUP_THERAPY}),
    ],
)
def test_negated_phrases_give_nothing(text: str, services: set[S]) -> None:
    assert read_services(text).services == services


def test_evidence_is_the_verbatim_phrases_in_text_order() -> None:
    text = "Clients attend Group Therapy, then CBT, then group therapy again; MAT is not available."
    reading = read_services(text)
    assert reading.evidence == ("Group Therapy", "CBT", "group therapy")
    assert all(piece in text for piece in reading.evidence)


@pytest.mark.parametrize("text", ["", "  ", "Call us today."])
def test_empty_text_gives_an_empty_reading(text: str) -> None:
    assert read_services(text) == ServiceReading()


def test_a_page_word_gives_the_services_its_directory_code_gives() -> None:
    # The same thing named on a page and coded in the SAMHSA directory maps to the same terms.
    pairs = {("TAP", "CBT"): "cognitive behavioral therapy", ("TAP", "DBT"): "DBT", ("TAP", "EMDR"): "EMDR",
             ("ECS", "GCO"): "group counseling", ("ECS", "FCO"): "family counseling", ("AS", "CM"): "case management",
             ("RSS", "PEER"): "peer support", ("TRSRV", "ACC"): "aftercare", ("TAP", "TELE"): "telehealth",
             ("TAP", "RELP"): "relapse prevention", ("TAP", "MOTI"): "motivational interviewing",
             ("AS", "FPSY"): "family psychoeducation"}  # fmt: skip
    for code, words in pairs.items():
        assert read_services(words).services == set(CODE_MAP[code]), words


def test_every_phrase_gives_services() -> None:
    assert PHRASES and all(services and all(isinstance(s, S) for s in services) for _, services in PHRASES)


@pytest.mark.parametrize("case", _cases("dev.jsonl"), ids=lambda c: f"{c['n']}-{c['class']}")
def test_dev_examples(case: dict) -> None:
    assert _services(case["text"]) == set(case["services"])


def test_holdout_examples_hold_the_bar() -> None:
    cases = _cases("holdout.jsonl")
    assert sum(_services(c["text"]) == set(c["services"]) for c in cases) / len(cases) >= HOLDOUT_BAR
