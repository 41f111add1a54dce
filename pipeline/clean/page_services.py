"""Read the services a program page names into the `Service` vocabulary, with the phrases as evidence.

`read_services(text)` is pure and never raises. The phrase table `PHRASES` (below) is the one place
that maps words to services; docs/payers.md summarizes it. A page's word maps to the same `Service`
the SAMHSA directory code for the same thing maps to (pipeline/sources/samhsa/codes.py): CBT and DBT
also give BEHAVIORAL_THERAPY, recovery coaches and self-help groups PEER_SUPPORT, family
psychoeducation FAMILY_THERAPY and EDUCATION. Mindfulness (skills, groups, practice) is read as
LIFE_SKILLS. Trauma-*informed* care is an approach, not a therapy, and gives nothing.

A phrase is not read when its clause negates it: "does not offer medication management", "MAT is not
available", "no psychiatrist on staff"; clauses are split at ";", "but", "however", "while", "although".
Words about other things are not phrases: "group home", "family members", "individual insurance plan",
"the case manager of your insurer", "medical records", "CPT code".
"""

import re
from dataclasses import dataclass

from schemas.vocab import Service as S


@dataclass(frozen=True)
class ServiceReading:
    """The services a text names, and the verbatim phrases they were read from (in text order, unique)."""

    services: frozenset[S] = frozenset()
    evidence: tuple[str, ...] = ()


_I = re.IGNORECASE
_THERAPY = r"(?:therapy|therapies|counseling|counselling|psychotherapy|sessions?|work)"
_KIND = r"(?:individual|group|family|couples?|marital)"
# Services of each modifier of a coordinated "individual, group and family therapy".
_KIND_SERVICE = {
    "individual": S.INDIVIDUAL_THERAPY,
    "group": S.GROUP_THERAPY,
    "family": S.FAMILY_THERAPY,
    "couple": S.FAMILY_THERAPY,
    "couples": S.FAMILY_THERAPY,
    "marital": S.FAMILY_THERAPY,
}
_COORDINATED = re.compile(rf"\b{_KIND}(?:\s*(?:,|/|&|\band\b|\bor\b)\s*(?:and\s+)?{_KIND})*\s+{_THERAPY}\b", _I)

#: (pattern, services): what each phrase of a program page gives. All are case-insensitive except the
#: abbreviations that are everyday words in lower case, marked (?-i:...): MAT, ACT, AA/NA, CPT.
PHRASES: tuple[tuple[re.Pattern[str], tuple[S, ...]], ...] = tuple(
    (re.compile(pattern, _I), services)
    for pattern, services in (
        # Group, individual, family.
        (r"\bprocess\s+groups?\b|\btherapy\s+groups?\b|\bgroup[\s\-]based\s+therapy\b", (S.GROUP_THERAPY,)),
        (
            r"\bgroups?\s+(?:led|facilitated)\s+by\s+(?:a\s+)?(?:licensed\s+)?(?:therapist|clinician)s?",
            (S.GROUP_THERAPY,),
        ),
        # A group named for a therapy is group therapy; skills, education and support groups are not.
        (
            r"\b(?:therapeutic|facilitation|CBT|DBT|(?-i:ACT)|EMDR|trauma|counseling)\s*\)?\s+groups?\b",
            (S.GROUP_THERAPY,),
        ),
        (
            r"\b(?:one[\s\-]on[\s\-]one|1[:\-]1|one[\s\-]to[\s\-]one)\s+(?:therapy|counseling|sessions?)\b"
            r"|\bsessions?\s+with\s+(?:a|an|your|their)\s+(?:\w+\s+)?(?:therapist|counselor|clinician)\b",
            (S.INDIVIDUAL_THERAPY,),
        ),
        (r"\bfamily\s+(?:program|week|weekend|involvement|participation|meetings?)\b", (S.FAMILY_THERAPY,)),
        (r"\bfamily\s+(?:psycho)?education\b", (S.FAMILY_THERAPY, S.EDUCATION)),
        # Named therapies.
        (r"\bcognitive[\s\-]behaviou?ral\b|\bCBT\b", (S.CBT, S.BEHAVIORAL_THERAPY)),
        (r"\bTF[\s\-]CBT\b|\btrauma[\s\-]focused\s+cognitive", (S.TRAUMA_THERAPY,)),
        (r"\bdialectical\b|\bDBT\b", (S.DBT, S.BEHAVIORAL_THERAPY)),
        (r"\bEMDR\b|\beye\s+movement\s+desensiti[sz]ation", (S.TRAUMA_THERAPY,)),
        (
            r"\btrauma[\s\-](?:focused|related|specific)\b|\btrauma\s+(?:therapy|counseling|processing|treatment)\b"
            r"|\bseeking\s+safety\b|\bcognitive\s+processing\s+therapy\b|\bprolonged\s+exposure\b",
            (S.TRAUMA_THERAPY,),
        ),
        (r"\b(?-i:CPT)\b(?!\s+codes?)", (S.TRAUMA_THERAPY,)),
        (
            r"\bacceptance\s+and\s+commitment\b|\b(?-i:ACT)\b|\bmotivational\s+(?:interviewing|enhancement)\b"
            r"|\bcontingency\s+management\b|\bmatrix\s+model\b|\bcommunity\s+reinforcement\b"
            r"|\bbehaviou?ral\s+(?:therapy|therapies|activation)\b|\bexposure\s+and\s+response\s+prevention\b",
            (S.BEHAVIORAL_THERAPY,),
        ),
        # Medication.
        (
            r"\b(?:medication|med)s?\s+(?:management|monitoring|evaluations?|checks?|reviews?)\b"
            r"|\bpsychiatric\s+(?:evaluations?|assessments?|care|services|consultations?|providers?|prescribers?"
            r"|nurse\s+practitioners?|medications?|follow[\s\-]ups?)\b|\bpsychiatrists?\b"
            r"|\bpsychiatry\s+(?:services|appointments|visits)\b|\baccess\s+to\s+psychiatry\b",
            (S.PSYCHIATRY,),
        ),
        (
            r"\bmedications?[\s\-](?:assisted|supported)\s+(?:treatment|therapy|recovery)\b|\bMOUD\b|\b(?-i:MAT)\b"
            r"|\bmedications?\s+for\s+(?:opioid|alcohol)\s+use\s+disorders?\b|\bsuboxone\b|\bbuprenorphine\b"
            r"|\bsublocade\b|\bvivitrol\b|\bnaltrexone\b|\bmethadone\b|\bacamprosate\b",
            (S.MEDICATION_ASSISTED_TREATMENT,),
        ),
        # Support.
        (r"\bcase\s+manage(?:ment|rs?)\b|\bcare\s+coordinat(?:ion|ors?)\b", (S.CASE_MANAGEMENT,)),
        (
            r"\bpeer\s+(?:support|recovery|mentors?|specialists?|counselors?)\b|\brecovery\s+coach(?:es|ing)?\b"
            r"|\bself[\s\-]help\s+groups?\b",
            (S.PEER_SUPPORT,),
        ),
        (r"\b(?:12|twelve)[\s\-]step\b|\balcoholics\s+anonymous\b|\bnarcotics\s+anonymous\b", (S.TWELVE_STEP,)),
        (r"\b(?-i:AA|NA)\b(?:\s*(?:/|,|&|and|or)\s*(?-i:AA|NA|CA)\b)*\s+meetings?\b", (S.TWELVE_STEP,)),
        (r"\brelapse[\s\-]prevention\b", (S.RELAPSE_PREVENTION,)),
        (
            r"\bpsycho[\s\-]?education(?:al)?\b|\beducation(?:al)?\s+(?:groups?|sessions?|classes|lectures?)\b",
            (S.EDUCATION,),
        ),
        (
            r"\b(?:life|coping|social|living|communication|daily[\s\-]living)\s+skills\b|\bmindfulness\b"
            r"|\bvocational\s+(?:support|services|training|counseling|rehabilitation)\b"
            r"|\bemployment\s+(?:support|counseling|training)\b",
            (S.LIFE_SKILLS,),
        ),
        (
            r"\b(?:art|music|recreation(?:al)?|experiential|expressive|equine|adventure|drama|dance|movement|yoga)"
            r"\s+therap(?:y|ies|ists?)\b|\byoga\b|\bart\s+(?:groups?|classes)\b",
            (S.RECREATIONAL_THERAPY,),
        ),
        (
            r"\bcrisis\s+(?:intervention|planning|plans?|management|stabili[sz]ation|support|services|response)\b"
            r"|\bsafety\s+plan(?:s|ning)?\b",
            (S.CRISIS_INTERVENTION,),
        ),
        (
            r"\btele(?:health|medicine|therapy|psychiatry)\b|\bvirtual\s+(?:IOP|PHP|intensive|program|sessions?|care"
            r"|therapy|groups?|treatment|option)\b|\bonline\s+(?:IOP|sessions?|therapy|groups?|program|treatment)\b"
            r"|\bvideo\s+(?:sessions?|visits?|platform)\b|\bremote\s+(?:sessions?|therapy|IOP)\b",
            (S.TELEHEALTH,),
        ),
        (
            r"\bafter[\s\-]?care\b|\bcontinuing[\s\-]care\b|\bdischarge\s+planning\b|\btransition(?:al)?\s+planning\b"
            r"|\balumni\b",
            (S.AFTERCARE,),
        ),
        (
            r"\bmedical\s+(?:care|services|monitoring|oversight|staff|team|providers?)\b|\bnursing\b(?!\s+(?:homes?|facilit))"
            r"|\b(?:registered\s+)?nurses?\b(?!\s+practitioners?\b)|\bphysical\s+exam(?:ination)?s?\b"
            r"|\bintegrated\s+primary\s+care\b|\bprimary\s+care\s+services\b|\blab(?:oratory)?\s+(?:work|testing|tests)\b",
            (S.MEDICAL_CARE,),
        ),
    )
)

# Words that, right before or after a phrase, make it about something else.
_FALSE_FRIEND_AFTER = re.compile(r"^\s*(?:of|at|from|with)\s+(?:your|the)\s+(?:insur|health\s+plan)", _I)
_FALSE_FRIEND_BEFORE = re.compile(r"(?:insurance|insurer|health\s+plan|payer|company|carrier)(?:'s|\u2019s)?\s*$", _I)

_CLAUSE_SPLIT = re.compile(
    r"[;.!?]\s|\b(?:but|however|whereas|while|although|though)\b"
    r"|,\s*(?:and|so|yet)\s+(?=(?:we|our|the|they|you|clients|participants|patients)\b)",
    _I,
)
_NEGATED_BEFORE = re.compile(
    r"(?:\bnot\b|n[\u2019']t\b|\bnever\b|\bcannot\b|\bno\s+longer\b|\bneither\b|\bnor\b)(?:\W+\w+){0,3}?\W+"
    r"(?:offer\w*|provid\w*|prescrib\w*|includ\w*|hav\w*|use|administer\w*|dispens\w*|available)\b[^;]*$"
    r"|\b(?:no|without)\s+(?:\w+\s+)?$",
    _I,
)
_NEGATED_AFTER = re.compile(
    r"^[^;]*?(?:\b(?:is|are|was|were)\s+not\b|\b(?:isn|aren|wasn|weren)[\u2019']t\b)\s+(?:\w+\s+)?"
    r"(?:offered|available|provided|prescribed|included|part\s+of)\b|^\W*\bnot\s+(?:offered|available|provided)\b",
    _I,
)


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for mark in _CLAUSE_SPLIT.finditer(text):
        bounds.append((start, mark.start()))
        start = mark.end()
    bounds.append((start, len(text)))
    return bounds


def _negated(text: str, start: int, end: int, clause: tuple[int, int]) -> bool:
    before, after = text[clause[0] : start], text[end : clause[1]]
    return bool(_NEGATED_BEFORE.search(before) or _NEGATED_AFTER.search(after))


def _false_friend(text: str, start: int, end: int) -> bool:
    return bool(
        _FALSE_FRIEND_AFTER.match(text[end : end + 40]) or _FALSE_FRIEND_BEFORE.search(text[max(0, start - 30) : start])
    )


# Where any phrase may start: one pass instead of one per phrase; each phrase is then tried only there.
_ANY_START = re.compile(
    r"(?<![^\W\d_])(?=[a-z0-9])(?="
    + "|".join(f"(?:{p.pattern})" for p in (_COORDINATED, *(p for p, _ in PHRASES)))
    + ")",
    _I,
)


def _matches(text: str) -> list[tuple[int, int, tuple[S, ...]]]:
    """(start, end, services) of each phrase, as each phrase's own finditer would find them, in order."""
    found: list[tuple[int, int, tuple[S, ...]]] = []
    ends = [0] * (len(PHRASES) + 1)  # each phrase's matches do not overlap each other, as with finditer
    for start in (m.start() for m in _ANY_START.finditer(text)):
        for i, (pattern, services) in enumerate(((_COORDINATED, ()), *PHRASES)):
            if start < ends[i] or not (m := pattern.match(text, start)):
                continue
            ends[i] = m.end()
            if i == 0:
                services = tuple(_KIND_SERVICE[k.lower()] for k in re.findall(_KIND, m.group(0), _I))
            found.append((start, m.end(), services))
    return found


def read_services(text: str) -> ServiceReading:
    """The services `text` names (not negated, not false friends), with the phrases read, in text order."""
    if not text or not text.strip():
        return ServiceReading()
    clauses = _clauses(text)
    services: set[S] = set()
    evidence: list[str] = []
    for start, end, found in _matches(text):
        clause = next(c for c in clauses if c[0] <= start <= c[1])
        if _negated(text, start, end, clause) or _false_friend(text, start, end):
            continue
        services.update(found)
        evidence.append(text[start:end].strip())
    return ServiceReading(services=frozenset(services), evidence=tuple(dict.fromkeys(evidence)))
