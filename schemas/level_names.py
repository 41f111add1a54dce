"""How texts name levels of care, and the phrases that describe PHP intensity: the one lexicon.

Used by the program-pages spider (to find the programs on a page), the hours engine (to read the
part of a text about one level) and classification (to compare what a listing is called with what
its codes say); it lives with the vocabularies so every layer can read it. Patterns expect
lower-case text.
Sources: `../shared/docs/domain.md` §1 notes (ASAM numbering), §1.2 rule 3 (PHP cues), §6.1.
"""

import re

# One leading word boundary, so the many alternatives are tried only where a word starts. "Day
# treatment" is SAMHSA's own wording for PHP ("Outpatient day treatment or partial
# hospitalization"); ASAM 4th edition renames 2.5 "high-intensity outpatient". Directories
# abbreviate PHP ("Partial Hosp", "Partial Prog", "Adult Partial Care"), some write it in Spanish
# ("Hospitalización Parcial", "Hospital de Día"); "Day Rehab(ilitation)" is a day program too.
# The last alternative, outside the lookahead's letters, reads brand names in which "Day" belongs
# to a proper name ("A New Day Treatment Center", "Clear Day Treatment", "Day by Day Program"): it
# consumes the name's "Day" and belongs to no level, so the words after it name none. So does
# "Half-Day": a half-day treatment is an IOP's schedule ("Intensive Outpatient Program (Half-Day
# Treatment)"), not day treatment.
LEVEL_NAMES = re.compile(
    r"\b(?=[pdhioelr])(?:(?P<php>partial[- ]hosp\w*|partial (?:care|programs?|prog|prg)\b|phps?\b"
    r"|day hospital|day treatment|day rehab\w*|hospitali[sz]aci[oó]n parcial|hospitalization parcial"
    r"|hospital de d[ií]a\b|high[- ]intensity outpatient|hiop\b|level (?:2\.5|ii\.5)\b)"
    r"|(?P<iop>intensive outpatient|intense outpatient|iops?\b|i\.o\.p\b\.?|eiop\b|diop\b|level (?:2\.1|ii\.1)\b"
    r"|intensivo ambulatorio|programa ambulatorio intensivo)"
    r"|(?P<op>outpatient\b)"
    r"|(?P<residential>residential\b|inpatient\b))"
    r"|\b(?:(?:an? )?(?:new|clear|bright|brighter|better|good|great|fresh|sunny|another) day\b"
    r"|day by day\b|one day at a time\b|half[- ]day\b)"
)

# Phrases that put a program at PHP intensity whatever it is called (§1.2 rule 3). The names of
# the level ("partial hospitalization", "day treatment") are in LEVEL_NAMES, not here.
PHP_CUES = re.compile(
    r"\b(?:full[- ]day (?:program|treatment|schedule|programming)"
    r"|hot lunch|lunch (?:is |will be )?(?:provided|included|served)|(?:provides?|includes?|serves?) (?:a )?"
    r"(?:hot |daily |free )?lunch|12pm meal"
    r"|in lieu of (?:inpatient|hospitali[sz]ation|an? inpatient)"
    r"|(?:an )?alternative to (?:inpatient|hospitali[sz]ation|psychiatric hospitali[sz]ation))\b"
)

#: The levels classification compares names with codes for.
FLAGGED_LEVELS = ("iop", "php")


def named_levels(text: str | None) -> frozenset[str]:
    """Levels of care a text names ("iop", "php", "op", "residential"); brand names name none."""
    if not text:
        return frozenset()
    return frozenset(m.lastgroup for m in LEVEL_NAMES.finditer(text.lower()) if m.lastgroup)
