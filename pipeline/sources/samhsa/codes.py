"""SAMHSA service codes -> the listing vocabulary.

Two halves, on purpose:
- the *reference*: each directory's own "Service Code Reference" sheet (code, category, label),
  read at run time and kept in DuckDB's `codes` table;
- the *mapping*: the one small table below, keyed by (category, code), saying which vocabulary
  term(s) a code means. A code is mapped only when the directory's reference files it under the
  expected category, so a code SAMHSA moves or re-purposes is reported, not silently mis-mapped.

Codes are the same across the SU and MH directories where they overlap (CM, TELE, MD, ...), so one
table serves both. Labels are in `domain.md` §3 and §5.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.vocab import LevelOfCare as L
from schemas.vocab import Payment as P
from schemas.vocab import Population as G
from schemas.vocab import Service as S

Term = L | S | P | G

#: (category_code, service_code) -> vocabulary terms.
CODE_MAP: Mapping[tuple[str, str], tuple[Term, ...]] = {
    # Service settings (levels of care). "OP" is the umbrella outpatient code: see UMBRELLA_CODES.
    ("SET", "OP"): (L.OP,),
    ("SET", "ORT"): (L.OP,),
    ("SET", "OMB"): (L.OP,),
    ("SET", "OIT"): (L.IOP,),
    ("SET", "ODT"): (L.PHP,),
    ("SET", "PHDT"): (L.PHP,),
    ("SET", "OD"): (L.DETOX,),
    ("SET", "RES"): (L.RESIDENTIAL,),
    ("SET", "RL"): (L.RESIDENTIAL,),
    ("SET", "RS"): (L.RESIDENTIAL,),
    ("SET", "RD"): (L.RESIDENTIAL, L.DETOX),
    ("SET", "HI"): (L.INPATIENT,),
    ("SET", "HIT"): (L.INPATIENT,),
    ("SET", "HID"): (L.INPATIENT, L.DETOX),
    ("TC", "DT"): (L.DETOX,),
    # MH facility type "Partial hospitalization/day treatment" facility.
    ("FT", "PH"): (L.PHP,),
    # Counseling and therapy.
    ("ECS", "ICO"): (S.INDIVIDUAL_THERAPY,),
    ("TAP", "IPT"): (S.INDIVIDUAL_THERAPY,),
    ("TAP", "SACA"): (S.INDIVIDUAL_THERAPY,),
    ("ECS", "GCO"): (S.GROUP_THERAPY,),
    ("TAP", "GT"): (S.GROUP_THERAPY,),
    ("ECS", "FCO"): (S.FAMILY_THERAPY,),
    ("ECS", "MCO"): (S.FAMILY_THERAPY,),
    ("TAP", "CFT"): (S.FAMILY_THERAPY,),
    ("AS", "FPSY"): (S.FAMILY_THERAPY, S.EDUCATION),
    ("TAP", "CBT"): (S.CBT, S.BEHAVIORAL_THERAPY),
    ("TAP", "DBT"): (S.DBT, S.BEHAVIORAL_THERAPY),
    ("TAP", "CMI"): (S.BEHAVIORAL_THERAPY,),
    ("TAP", "CRV"): (S.BEHAVIORAL_THERAPY,),
    ("TAP", "MOTI"): (S.BEHAVIORAL_THERAPY,),
    ("TAP", "MXM"): (S.BEHAVIORAL_THERAPY,),
    ("TAP", "TRC"): (S.TRAUMA_THERAPY,),
    ("TAP", "EMDR"): (S.TRAUMA_THERAPY,),
    ("TAP", "TWFA"): (S.TWELVE_STEP,),
    ("TAP", "RELP"): (S.RELAPSE_PREVENTION,),
    ("OT", "RPN"): (S.RELAPSE_PREVENTION, S.MEDICATION_ASSISTED_TREATMENT),
    ("TAP", "TELE"): (S.TELEHEALTH,),
    ("TAP", "AT"): (S.RECREATIONAL_THERAPY,),
    # Support and case management.
    ("AS", "CM"): (S.CASE_MANAGEMENT,),
    ("AS", "ICM"): (S.CASE_MANAGEMENT,),
    ("RSS", "PEER"): (S.PEER_SUPPORT,),
    ("RSS", "SHG"): (S.PEER_SUPPORT,),
    ("RSS", "RC"): (S.PEER_SUPPORT,),
    # Medication-assisted treatment (opioid and alcohol use disorders).
    **{("OM", c): (S.MEDICATION_ASSISTED_TREATMENT,) for c in ("MU", "BU", "NU")},
    **{("OT", c): (S.MEDICATION_ASSISTED_TREATMENT,) for c in ("OTP", "BUM", "MM", "DB", "DM", "UB", "UN")},
    **{
        ("PHR", c): (S.MEDICATION_ASSISTED_TREATMENT,)
        for c in ("METH", "BWN", "BWON", "BSDM", "BERI", "NXN", "VTRL", "ACM", "DSF")
    },
    ("AUT", "PMAT"): (S.MEDICATION_ASSISTED_TREATMENT,),
    # Psychiatry / medication management.
    ("PHR", "MMD"): (S.PSYCHIATRY,),
    ("PHR", "ANTPYCH"): (S.PSYCHIATRY,),
    ("AS", "MHS"): (S.PSYCHIATRY,),
    # Medical care.
    ("AS", "IPC"): (S.MEDICAL_CARE,),
    ("ASPT", "MHPA"): (S.MEDICAL_CARE,),
    ("MSRV", "HAV"): (S.MEDICAL_CARE,),
    ("MSRV", "HBV"): (S.MEDICAL_CARE,),
    ("PHR", "MHIV"): (S.MEDICAL_CARE,),
    ("PHR", "MHCV"): (S.MEDICAL_CARE,),
    ("SCR", "LABT"): (S.MEDICAL_CARE,),
    # Education.
    **{("ECS", c): (S.EDUCATION,) for c in ("SAE", "HEOH", "HAEC", "TAEC")},
    ("AS", "ES"): (S.EDUCATION,),
    ("TRSRV", "NOE"): (S.EDUCATION,),
    # Life skills.
    ("AS", "SSD"): (S.LIFE_SKILLS,),
    ("RSS", "EMP"): (S.LIFE_SKILLS,),
    ("ECS", "VOC"): (S.LIFE_SKILLS,),
    ("AS", "PRS"): (S.LIFE_SKILLS,),
    ("AS", "IMR"): (S.LIFE_SKILLS,),
    ("AS", "SEMP"): (S.LIFE_SKILLS,),
    ("AS", "VRS"): (S.LIFE_SKILLS,),
    # Crisis.
    **{("EMS", c): (S.CRISIS_INTERVENTION,) for c in ("CIT", "PEON", "PEOFF", "WI")},
    ("AS", "SPS"): (S.CRISIS_INTERVENTION,),
    # Aftercare.
    ("TRSRV", "ACC"): (S.AFTERCARE,),
    ("TRSRV", "DP"): (S.AFTERCARE,),
    ("TRSRV", "OFD"): (S.AFTERCARE,),
    # Payments.
    ("PAY", "MD"): (P.MEDICAID,),
    ("PAY", "MC"): (P.MEDICARE,),
    ("PAY", "PI"): (P.PRIVATE_INSURANCE,),
    ("PAY", "SF"): (P.SELF_PAY,),
    ("PYAS", "SS"): (P.SLIDING_SCALE,),
    ("PYAS", "PA"): (P.PAYMENT_ASSISTANCE,),
    ("PAY", "MI"): (P.MILITARY,),
    ("PAY", "VAF"): (P.MILITARY,),
    **{("PAY", c): (P.STATE_FINANCED,) for c in ("SI", "OSF", "SMHA", "SCJJ", "SEF", "SWFS")},
    ("PAY", "ITU"): (P.IHS_TRIBAL,),
    ("PAY", "NP"): (P.FREE,),
    **{("PAY", c): (P.GRANTS,) for c in ("FSA", "SAMF", "CMHG", "CSBG", "FG", "CLF", "PCF")},
    # Populations: age groups accepted and special programs offered.
    ("AGE", "ADLT"): (G.ADULTS,),
    ("AGE", "YAD"): (G.YOUNG_ADULTS,),
    ("SG", "TAY"): (G.YOUNG_ADULTS,),
    ("AGE", "CHLD"): (G.CHILDREN, G.ADOLESCENTS),
    ("SG", "AD"): (G.ADOLESCENTS,),
    ("AGE", "SNR"): (G.SENIORS,),
    ("SG", "SE"): (G.SENIORS,),
    ("SG", "WN"): (G.WOMEN,),
    ("SG", "MN"): (G.MEN,),
    ("SG", "PW"): (G.PREGNANT_POSTPARTUM,),
    ("SG", "GL"): (G.LGBTQ,),
    ("SG", "VET"): (G.VETERANS,),
    ("SG", "ADM"): (G.ACTIVE_MILITARY,),
    ("SG", "MF"): (G.MILITARY_FAMILIES,),
    ("SG", "CJ"): (G.CRIMINAL_JUSTICE,),
    ("SG", "CO"): (G.CO_OCCURRING,),
    ("SG", "TRMA"): (G.TRAUMA,),
    ("SG", "XA"): (G.TRAUMA,),
    ("SG", "DV"): (G.DOMESTIC_VIOLENCE,),
    ("SG", "HV"): (G.HIV_AIDS,),
    ("EXCL", "DU"): (G.DUI_DWI,),
    ("EXCL", "DUO"): (G.DUI_DWI,),
    ("SG", "SMI"): (G.SERIOUS_MENTAL_ILLNESS,),
    ("SG", "SED"): (G.SERIOUS_EMOTIONAL_DISTURBANCE,),
    ("SG", "PED"): (G.EATING_DISORDERS,),
    ("SG", "PEFP"): (G.FIRST_EPISODE_PSYCHOSIS,),
    ("SG", "PTSD"): (G.PTSD,),
    ("SG", "TBI"): (G.TRAUMATIC_BRAIN_INJURY,),
    ("SG", "ALZ"): (G.DEMENTIA,),
}

#: Umbrella codes stand for "regular" care only when no more specific sibling is present:
#: "OP OIT" is an IOP, not an IOP plus a regular outpatient program.
UMBRELLA_CODES: Mapping[str, frozenset[str]] = {"OP": frozenset({"ORT", "OIT", "ODT", "OMB", "OD"})}

_FIELD_OF = {L: "levels_of_care", S: "services", P: "payments", G: "populations"}


def field_of(term: Term) -> str:
    """Name of the listing field a vocabulary term belongs to."""
    return _FIELD_OF[type(term)]


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One row of a directory's service code reference."""

    category_code: str
    category_name: str
    code: str
    label: str
    description: str


@dataclass(slots=True)
class MappedCodes:
    """What a facility's code list means in the vocabulary, and what could not be read."""

    terms: dict[str, set[str]] = field(
        default_factory=lambda: {"levels_of_care": set(), "services": set(), "payments": set(), "populations": set()}
    )
    codes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


class CodeReference:
    """A directory's code reference sheet, used to read facilities' code lists."""

    def __init__(self, entries: Iterable[CodeEntry]) -> None:
        self.entries: dict[str, CodeEntry] = {e.code: e for e in entries}
        self._terms = {
            code: [(field_of(t), t.value) for t in CODE_MAP.get((e.category_code, code), ())]
            for code, e in self.entries.items()
        }
        self._pairs = {code: frozenset(terms) for code, terms in self._terms.items() if terms}
        self._mapped = frozenset(self._pairs)

    def terms_for(self, code: str) -> tuple[Term, ...]:
        """Vocabulary terms a code means, per its category in this reference (empty if none)."""
        entry = self.entries.get(code)
        if entry is None:
            return ()
        return CODE_MAP.get((entry.category_code, code), ())

    def map(self, code_info: str) -> MappedCodes:
        """Read a `Service_code_info` string ("SA DT * OP OIT * ...") into vocabulary terms."""
        result = MappedCodes()
        # This runs for every row (~150 codes each), so it leans on C-level set and dict
        # operations: dict.fromkeys keeps the first of each code in order, and the terms come from
        # one union of per-code term sets rather than a Python loop per code.
        codes = list(dict.fromkeys(code_info.split()))
        if "*" in codes:
            codes.remove("*")
        present = set(codes)
        result.codes = codes
        result.unknown = [c for c in codes if c not in self.entries]
        mapped = present & self._mapped
        for umbrella, specific in UMBRELLA_CODES.items():
            if umbrella in mapped and specific & present:
                mapped.discard(umbrella)
        if mapped:
            terms = result.terms
            for field_name, value in frozenset().union(*[self._pairs[c] for c in mapped]):
                terms[field_name].add(value)
        return result
