"""Controlled vocabularies of the normalized listing model.

Every multi-valued attribute of a listing takes its values from one of these enums, so a
maintainer can filter `listings` with plain string literals and a typo fails loudly.
"""

from enum import StrEnum


class LevelOfCare(StrEnum):
    """Levels of care a listing offers (a listing may offer several)."""

    OP = "op"  # regular outpatient (ASAM 1)
    IOP = "iop"  # intensive outpatient (ASAM 2.1)
    PHP = "php"  # partial hospitalization / day treatment (ASAM 2.5)
    RESIDENTIAL = "residential"
    INPATIENT = "inpatient"
    DETOX = "detox"


#: The levels this directory is about: intensive outpatient and partial hospitalization, the two
#: the flags tell apart. A facility with a listing at one of them is an intensive program's provider.
INTENSIVE_LEVELS = (LevelOfCare.IOP, LevelOfCare.PHP)


class Service(StrEnum):
    """Services a user compares IOPs by."""

    INDIVIDUAL_THERAPY = "individual_therapy"
    GROUP_THERAPY = "group_therapy"
    FAMILY_THERAPY = "family_therapy"
    BEHAVIORAL_THERAPY = "behavioral_therapy"
    CBT = "cbt"
    DBT = "dbt"
    TRAUMA_THERAPY = "trauma_therapy"
    CASE_MANAGEMENT = "case_management"
    PEER_SUPPORT = "peer_support"
    TWELVE_STEP = "twelve_step"
    MEDICATION_ASSISTED_TREATMENT = "medication_assisted_treatment"
    PSYCHIATRY = "psychiatry"
    MEDICAL_CARE = "medical_care"
    RELAPSE_PREVENTION = "relapse_prevention"
    EDUCATION = "education"
    LIFE_SKILLS = "life_skills"
    RECREATIONAL_THERAPY = "recreational_therapy"
    CRISIS_INTERVENTION = "crisis_intervention"
    TELEHEALTH = "telehealth"
    AFTERCARE = "aftercare"


class Payment(StrEnum):
    """Canonical payment categories."""

    MEDICAID = "medicaid"
    MEDICARE = "medicare"
    PRIVATE_INSURANCE = "private_insurance"
    SELF_PAY = "self_pay"
    SLIDING_SCALE = "sliding_scale"
    PAYMENT_ASSISTANCE = "payment_assistance"
    MILITARY = "military"
    STATE_FINANCED = "state_financed"
    IHS_TRIBAL = "ihs_tribal"
    FREE = "free"
    GRANTS = "grants"


class Population(StrEnum):
    """Age groups served plus the special groups sources name."""

    ADULTS = "adults"
    YOUNG_ADULTS = "young_adults"
    ADOLESCENTS = "adolescents"
    CHILDREN = "children"
    SENIORS = "seniors"
    WOMEN = "women"
    MEN = "men"
    PREGNANT_POSTPARTUM = "pregnant_postpartum"
    LGBTQ = "lgbtq"
    VETERANS = "veterans"
    ACTIVE_MILITARY = "active_military"
    MILITARY_FAMILIES = "military_families"
    CRIMINAL_JUSTICE = "criminal_justice"
    CO_OCCURRING = "co_occurring"
    TRAUMA = "trauma"
    DOMESTIC_VIOLENCE = "domestic_violence"
    HIV_AIDS = "hiv_aids"
    DUI_DWI = "dui_dwi"
    SERIOUS_MENTAL_ILLNESS = "serious_mental_illness"
    SERIOUS_EMOTIONAL_DISTURBANCE = "serious_emotional_disturbance"
    EATING_DISORDERS = "eating_disorders"
    FIRST_EPISODE_PSYCHOSIS = "first_episode_psychosis"
    PTSD = "ptsd"
    TRAUMATIC_BRAIN_INJURY = "traumatic_brain_injury"
    DEMENTIA = "dementia"


class HoursBasis(StrEnum):
    """How a listing's weekly program hours were obtained."""

    STATED = "stated"
    DERIVED = "derived"
    STATED_AND_DERIVED_DISAGREE = "stated_and_derived_disagree"
    UNKNOWN = "unknown"


class PhoneKind(StrEnum):
    """Which of a listing's numbers a phone is."""

    MAIN = "main"
    INTAKE = "intake"


#: The vocabulary field of a listing each enum fills.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "levels_of_care": LevelOfCare,
    "services": Service,
    "payments": Payment,
    "populations": Population,
}


class Severity(StrEnum):
    """How much a flag matters, most severe first: flags are listed in this order everywhere."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Rank of each severity (0 = most severe), for sorting in Python.
SEVERITY_RANK: dict[str, int] = {severity.value: rank for rank, severity in enumerate(Severity)}


def severity_rank_sql(column: str = "severity") -> str:
    """A SQL expression ranking `column` like `SEVERITY_RANK` (an unknown value sorts last)."""
    whens = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in SEVERITY_RANK.items())
    return f"CASE {column} {whens} ELSE {len(SEVERITY_RANK)} END"


class Confidence(StrEnum):
    """How strong a flag's evidence is, strongest first (docs/flags.md):

    - high: the program's own stated or derived weekly hours;
    - medium: the codes of two sources for one facility, or a structured schedule;
    - low: a name or wording alone.
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Rank of each confidence (0 = strongest), for sorting and filtering in Python.
CONFIDENCE_RANK: dict[str, int] = {confidence.value: rank for rank, confidence in enumerate(Confidence)}


def confidence_rank_sql(column: str = "confidence") -> str:
    """A SQL expression ranking `column` like `CONFIDENCE_RANK`; unknown (NULL, a flag of an older
    version) sorts after low."""
    whens = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in CONFIDENCE_RANK.items())
    return f"CASE {column} {whens} ELSE {len(CONFIDENCE_RANK)} END"
