"""Schedule words in Spanish, rewritten into the English spelling the patterns read.

Many US programs publish Spanish pages ("tres tardes por semana, de 4:00 a 7:00 p. m."). Rather
than a second set of patterns, the words that carry a schedule (numbers, units, days, hedges, the
names of levels of care) are translated word for word, and "de X a Y" becomes "from X to Y". Only
texts with Spanish schedule words are rewritten, so English text never changes.
"""

import re

from pipeline.hours.days import DAY_WORD

# Longer phrases first: the alternation takes the first that matches at a position.
WORDS: dict[str, str] = {
    # levels of care (the hours engine reads a text's part about one level)
    "hospitalización parcial": "partial hospitalization",
    "hospitalizacion parcial": "partial hospitalization",
    "programa intensivo ambulatorio": "intensive outpatient program",
    "programa ambulatorio intensivo": "intensive outpatient program",
    "intensivo ambulatorio": "intensive outpatient",
    "ambulatorio intensivo": "intensive outpatient",
    "tratamiento diurno": "day treatment",
    # schedules ("el horario de tarde": the evening schedule, an alternative to the day one)
    "horario de día": "day schedule",
    "horario de dia": "day schedule",
    "horario diurno": "day schedule",
    "horario de mañana": "morning schedule",
    "horario de manana": "morning schedule",
    "horario de tarde": "evening schedule",
    "horario de noche": "evening schedule",
    "horario": "schedule",
    # hedges
    "un mínimo de": "a minimum of",
    "un minimo de": "a minimum of",
    "mínimo de": "minimum of",
    "minimo de": "minimum of",
    "un máximo de": "a maximum of",
    "un maximo de": "a maximum of",
    "máximo de": "maximum of",
    "maximo de": "maximum of",
    "al menos": "at least",
    "por lo menos": "at least",
    "más de": "more than",
    "mas de": "more than",
    "menos de": "less than",
    "hasta": "up to",
    "aproximadamente": "about",
    "alrededor de": "about",
    "entre": "between",
    # units and periods
    "a la semana": "a week",
    "por semana": "per week",
    "cada semana": "each week",
    "semanales": "weekly",
    "semanal": "weekly",
    "semanalmente": "weekly",
    "al día": "a day",
    "al dia": "a day",
    "por día": "per day",
    "por dia": "per day",
    "cada día": "each day",
    "cada dia": "each day",
    "diarias": "daily",
    "diarios": "daily",
    "diaria": "daily",
    "diario": "daily",
    "horas": "hours",
    "hora": "hour",
    "minutos": "minutes",
    "días": "days",
    "dias": "days",
    "día": "day",
    "dia": "day",
    "semanas": "weeks",
    "semana": "week",
    "sesiones": "sessions",
    "sesión": "session",
    "sesion": "session",
    "veces": "times",
    "tardes": "evenings",
    "noches": "nights",
    "mañanas": "mornings",
    "mananas": "mornings",
    "grupo de la mañana": "morning group",
    "grupo de la manana": "morning group",
    "grupo de la tarde": "evening group",
    "grupo de la noche": "evening group",
    "mediodía": "noon",
    "mediodia": "noon",
    # days
    "lunes": "monday",
    "martes": "tuesday",
    "miércoles": "wednesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sábados": "saturdays",
    "sabados": "saturdays",
    "sábado": "saturday",
    "sabado": "saturday",
    "domingos": "sundays",
    "domingo": "sunday",
    # numbers (English number words are read later)
    "uno": "1",
    "una": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
    "diez": "10",
    "doce": "12",
    "quince": "15",
    "veinte": "20",
    "veinticinco": "25",
    "treinta": "30",
    "y": "and",
    "o": "or",
}
_WORDS = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(WORDS, key=len, reverse=True)) + r")(?![\w])"
)
# "de 9:00 a 12:00", "de las 9 a las 12", "de martes a jueves" (after the days are translated).
_POINT = rf"\d{{1,2}}(?::\d{{2}})?(?:\s*[ap]m)?|{DAY_WORD}"
_FROM_TO = re.compile(rf"\bde\s+(?:las?\s+)?(?P<x>{_POINT})\s+a\s+(?:las?\s+)?(?=\d|{DAY_WORD})")
# "9 de la mañana", "5 de la tarde": the part of the day after a time is its meridiem.
_DAY_PART = re.compile(r"(?<=\d)\s+de la (?:(?P<am>mañana|manana)|tarde|noche)\b")
# "de 9 h a 15 h": hours on a 24-hour clock.
_H_CLOCK = re.compile(r"(?:(?<=de )|(?<=a )|(?<=y )|(?<=las ))(?P<h>\d{1,2})\s?h\b")
# "lunes a viernes" with no "de".
_DAY_TO = re.compile(rf"\b(?P<x>{DAY_WORD})\s+a\s+(?={DAY_WORD})")
_ARTICLE = re.compile(r"\blas?\s+(?=\d)")
# Words found only in Spanish schedule text.
_MARKERS = ("hora", "semana", "lunes", "martes", "jueves", "viernes", "días", "diari", "sábado", "tardes")


def looks_spanish(text: str) -> bool:
    """True when a lower-cased text has Spanish schedule words."""
    return any(word in text for word in _MARKERS)


def word(match: re.Match[str]) -> str:
    """The English for a matched Spanish word or phrase of `WORDS`."""
    return WORDS[match.group(0)]


def from_to(match: re.Match[str]) -> str:
    """ "de X a " -> "from X to "."""
    return f"from {match['x']} to "


REWRITES = (
    (_DAY_PART, lambda m: " am" if m["am"] else " pm"),
    (_H_CLOCK, lambda m: f"{m['h']}:00"),
    (_WORDS, word),
    (_FROM_TO, from_to),
    (_DAY_TO, lambda m: f"{m['x']} to "),
    (_ARTICLE, lambda m: ""),
)
