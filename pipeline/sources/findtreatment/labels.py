"""FindTreatment.gov service labels -> SAMHSA service codes.

The locator gives a facility's services as labels (`f3`, joined with "; ") under a category key
(`f2`), not as codes, and SAMHSA rewords the labels between editions ("Substance abuse education"
in 2019, "Substance use disorder education" now). The vocabulary mapping is keyed by code
(`pipeline.sources.samhsa.codes.CODE_MAP`), so labels are read back into codes here, in one place:

- `REFERENCE_LABELS`: every label of SAMHSA's 2023 "Service Code Reference" sheets (SU and MH
  directories), loaded from `labels.json` beside this module. The file is written by
  `tests/fixtures/make_findtreatment_labels.py`; a test checks that it still equals the references.
  Do not edit it by hand.
- `ALIASES`: older or other wordings of the same services, each checked against
  `domain.md` §3.2/§3.5 or the recorded 2019 locator page. A 2019 code that the 2023 reference
  dropped keeps its 2019 code and category (it then maps to no vocabulary term, but stays a code).

Matching ignores case and runs of spaces. A label filed under several codes ("Young adults" is
both AGE/YAD and SG/TAY) is resolved by the row's category key when it has one; otherwise all
candidates are kept (a test checks that such candidates never mean different vocabulary terms).
"""

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

from pipeline.sources.samhsa.codes import CodeEntry, CodeReference


def _reference_labels() -> Mapping[str, tuple[tuple[str, str], ...]]:
    # Read once at import; the file is a JSON object, label -> [[category, code], ...], in label order.
    text = resources.files("pipeline.sources.findtreatment").joinpath("labels.json").read_text(encoding="utf-8")
    return {label: tuple((category, code) for category, code in pairs) for label, pairs in json.loads(text).items()}


#: Label -> (category, code) pairs of the 2023 references (`labels.json`, generated; see the module docstring).
REFERENCE_LABELS: Mapping[str, tuple[tuple[str, str], ...]] = _reference_labels()

#: Older (2019 locator, domain.md §3.2/§3.5) and MH-locator wordings -> (category, code).
ALIASES: Mapping[str, tuple[str, str]] = {
    # Type of care and settings (2019 wording).
    "Substance abuse treatment": ("TC", "SA"),
    "Transitional housing or halfway house": ("TC", "HH"),
    "Hospital inpatient": ("SET", "HI"),
    "Residential": ("SET", "RES"),
    "Computerized treatment": ("SET", "CT"),
    # The 2019 setting "Telemedicine/telehealth" is the 2023 treatment approach TELE.
    "Telemedicine/telehealth": ("TAP", "TELE"),
    # 2019 merged computerized treatment and telemedicine in one setting label; CT is the 2019 code.
    "Computerized treatment/telemedicine": ("SET", "CT"),
    # Treatment approaches.
    "Cognitive/behavioral therapy": ("TAP", "CBT"),
    "Dialectical behavioral therapy": ("TAP", "DBT"),
    "Contingency management/motivational incentive": ("TAP", "CMI"),
    "Brief intervention approach": ("TAP", "BIA"),
    "Martix Model": ("TAP", "MXM"),
    "12-step facilitation approach": ("TAP", "TWFA"),
    "Substance abuse counseling approach": ("TAP", "SACA"),
    "Substance use counseling approach": ("TAP", "SACA"),
    "Rational emotive behavioral therapy": ("TAP", "REBT"),
    "Integrated dual disorders treatment": ("TAP", "IDD"),
    # Counseling and education (2019 category EDU, 2023 ECS).
    "Individual counseling offered": ("ECS", "ICO"),
    "Group counseling offered": ("ECS", "GCO"),
    "Family counseling offered": ("ECS", "FCO"),
    "Marital/couples counseling offered": ("ECS", "MCO"),
    "Substance abuse education": ("ECS", "SAE"),
    "Smoking/tobacco cessation counseling": ("ECS", "TCC"),
    # Ancillary and recovery support services.
    "Case management": ("AS", "CM"),
    "Consumer-run (peer-support) services": ("RSS", "PEER"),
    "Domestic violence services-family or partner": ("AS", "DVFP"),
    # Assessment, screening and testing.
    "Comprehensive substance abuse assessment": ("ASPT", "CSAA"),
    "Screening for substance abuse": ("ASPT", "SSA"),
    "Screening for mental health disorders": ("ASPT", "SMHD"),
    "Breath analyzer or blood alcohol testing": ("SCR", "BABA"),
    "Screening for Hepatitis B": ("SCR", "SHB"),
    "Screening for Hepatitis C": ("SCR", "SHC"),
    # Pharmacotherapies (2019 labels carried brand names; tobacco medications were TOBAC).
    "Buprenorphine with naloxone (Suboxone®)": ("PHR", "BWN"),
    "Buprenorphine sub-dermal implant (Probuphine®)": ("PHR", "BSDM"),
    "Buprenorphine (extended-release, injectable, for example, Sublocade®)": ("PHR", "BERI"),
    "Disulfiram (Antabuse®)": ("PHR", "DSF"),
    "Extended-release, injectable Naltrexone (Vivitrol®)": ("PHR", "VTRL"),
    "Extended-release, injectible Naltrexone (Vivitrol®)": ("PHR", "VTRL"),
    "Medications for psychiatric disorders": ("PHR", "MMD"),
    "Nicotine replacement therapy": ("PHR", "NRT"),
    "Non-nicotine smoking/tobacco cessation medications": ("PHR", "NSC"),
    # Opioid treatment.
    "SAMHSA-certified Opioid Treatment Program": ("OT", "OTP"),
    "Accepts clients on opioid medication": ("OT", "MOA"),
    "Relapse prevention from naltrexone": ("OT", "RPN"),
    "Prescribes/administers buprenorphine": ("OT", "UB"),
    "Prescribes/administers naltrexone": ("OT", "UN"),
    "Do not use medication for opioid addiction": ("OT", "NMOA"),
    "Does not treat opioid addiction": ("OT", "NOOP"),
    "Do not treat opioid addiction": ("OT", "NOOP"),
    "Buprenorphine maintenance for predetermined time": ("OT", "BMW"),
    "Methadone maintenance for predetermined time": ("OT", "MMW"),
    # Payment and funding.
    "Military insurance (e.g., TRICARE)": ("PAY", "MI"),
    "Federal, or any government funding for substance abuse programs": ("PAY", "FSA"),
    "State financed health insurance plan other than Medicaid": ("PAY", "SI"),
    "State education funds": ("PAY", "SEF"),
    "Access to recovery (ATR) voucher": ("PAY", "ATR"),
    # Licensing and operation.
    "State substance abuse agency": ("LCA", "STAG"),
    "Commission on Accreditation of Rehabilitation Facilities": ("LCA", "CARF"),
    "Regional/district or county, local or municipal government": ("FOP", "LCCG"),
    "Private organization": ("FOP", "PVT"),
    # Special programs and groups (2019 "Persons ..." wording, 2023 "Clients ...").
    "Transitional age young adults": ("SG", "TAY"),
    "Lesbian, gay, bisexual, or transgender (LGBT) clients": ("SG", "GL"),
    "Military families": ("SG", "MF"),
    "Clients referred from the court/judicial system": ("SG", "CJ"),
    "Persons with co-occurring mental and substance abuse disorders": ("SG", "CO"),
    "Persons with co-occurring mental and substance use disorders": ("SG", "CO"),
    "Persons with HIV or AIDS": ("SG", "HV"),
    "Persons who have experienced sexual abuse": ("SG", "XA"),
    "Persons who have experienced intimate partner violence, domestic violence": ("SG", "DV"),
    "Persons who have experienced trauma": ("SG", "TRMA"),
    "Persons with serious mental illness (SMI)": ("SG", "SMI"),
    # Ages, exclusive services, languages, other addictions.
    "Seniors (65 or older)": ("AGE", "SNR"),
    "DUI/DWI clients": ("EXCL", "DU"),
    "Serve only DWI clients": ("EXCL", "DUO"),
    "Methadone and buprenorphine clients only": ("EXCL", "BMO"),
    "Methadone clients only": ("EXCL", "MO"),
    "All Clients in Opioid Treatment Program": ("EXCL", "OTPA"),
    "Services for the deaf and hard of hearing": ("SL", "AH"),
    "Native American Indian or Alaska Native languages": ("SL", "NX"),
    "Treatment for non-substance abuse addiction disorder": ("OTHR", "ADD"),
    "Treatment for non-substance use addiction disorder": ("OTHR", "ADD"),
    "Treatment for internet use disorder": ("OTHR", "TID"),
}

#: 2019 locator category keys (`f2`) -> the 2023 categories their services moved to.
CATEGORY_ALIASES: Mapping[str, frozenset[str]] = {
    "EDU": frozenset({"ECS", "RSS"}),
    "ASSES": frozenset({"ASPT"}),
    "TOBAC": frozenset({"ECS", "PHR", "ASPT"}),
    "AS": frozenset({"AS", "RSS"}),
}

_SPACES = re.compile(r"\s+")


def fold(label: str) -> str:
    """Matching key of a label: case and runs of spaces do not count."""
    return _SPACES.sub(" ", label).strip().casefold()


_BY_FOLDED: dict[str, list[tuple[str, tuple[str, str]]]] = {}
for _label, _pairs in REFERENCE_LABELS.items():
    _BY_FOLDED.setdefault(fold(_label), []).extend((_label, p) for p in _pairs)
_ALIASES_FOLDED = {fold(label): pair for label, pair in ALIASES.items()}


@lru_cache(maxsize=4096)
def codes_for_label(label: str, category: str | None = None) -> tuple[tuple[str, str], ...]:
    """The (category, code) pairs a label stands for, or () when the label is unknown.

    `category` is the row's category key (`f2`) when the source gives one; it only picks among
    several codes filed under the same label.
    """
    key = fold(label)
    candidates = _BY_FOLDED.get(key)
    if not candidates:
        alias = _ALIASES_FOLDED.get(key)
        return (alias,) if alias else ()
    if len(candidates) > 1 and category:
        wanted = CATEGORY_ALIASES.get(category.upper(), frozenset()) | {category.upper()}
        candidates = [c for c in candidates if c[1][0] in wanted] or candidates
    if len(candidates) > 1:
        # "Young Adults" (AGE) and "Young adults" (SG) differ only in case: exact wording decides next.
        exact = _SPACES.sub(" ", label).strip()
        candidates = [c for c in candidates if c[0] == exact] or candidates
    return tuple(sorted({pair for _, pair in candidates}))


def _entries() -> Iterable[CodeEntry]:
    labels: dict[tuple[str, str], str] = {}
    for label, pairs in REFERENCE_LABELS.items():
        for pair in pairs:
            labels.setdefault(pair, label)
    for label, pair in ALIASES.items():
        labels.setdefault(pair, label)
    for (category, code), label in sorted(labels.items()):
        yield CodeEntry(category_code=category, category_name="", code=code, label=label, description="")


#: Every code a label can stand for, as a code reference (umbrella codes and CODE_MAP applied by it).
LABEL_CODES = CodeReference(_entries())
