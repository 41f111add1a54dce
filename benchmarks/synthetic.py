"""Synthetic raw listing records for the `scale` benchmark (issue 8), made from real rows.

    .venv/bin/python -m benchmarks.synthetic --template ITEMS.jsonl --out OUT.jsonl --n 1000000 \
        [--seed 20261127] [--section-share 0.05] [--sections SECTIONS.jsonl]

The output is a crawl's JSON-lines file, as `pipeline.normalize.run.normalize_file` reads it:

- the template's code-reference rows (`service_code`), copied once and unchanged at the top, so
  the directory rows can be read;
- `n` listing records: replicas of the template's directory rows (`samhsa_facility`) and, for
  about `section_share` of them, program sections (`program_section`) made from real sections.

Every replica is a distinct listing: its own `record_id` ("Facilities List!2#r17") and
perturbations of what the listing identity is made of (name, street number, city and ZIP of the
same state, the last four digits of the phone; at least the street number or the phone always
changes, so replicas of one row rarely coincide), plus, at low rates, the mess real directories
have (extra whitespace, ZIP+4, lower-case state, placeholder phone, empty Name2, reordered or
missing service codes). Program sections get new program names, sites and URLs, and schedule
texts whose times, day counts and hour counts are shifted, so the hours engine has real work.

Deterministic: one `random.Random(seed)` drives every choice and `fetched_at` is fixed, so the
same inputs and seed give a byte-identical file. Streaming: only the templates (a directory's
~21,000 rows) are held in memory; records are written as they are made.
"""

import argparse
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import urlparse

from pipeline.clean import ZERO_LEADING_ZIP_STATES
from schemas.level_names import LEVEL_NAMES

#: Real schedule texts (the hours evaluation set), used when the template has no program sections.
DEFAULT_SECTION_TEMPLATES = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "schedules_public.jsonl"
#: Every synthetic record claims this fetch time: a clock would make two runs differ.
FETCHED_AT = "2026-11-27T00:00:00+00:00"

DIRECTORY_TYPE = "samhsa_facility"
SECTION_TYPE = "program_section"
CODE_TYPE = "service_code"
SECTION_SOURCE = "program_pages"

# Rate of each kind of mess real directory rows show (`_MESS_KINDS`); a row gets at most one.
MESS_RATE = 0.01
# A few rows lose their state, which the normalizer rejects: the reject path runs at scale too.
REJECT_RATE = 0.001
# How often a replica keeps the template's value instead of a perturbed one.
KEEP_PHONE = 0.15
KEEP_STREET_NUMBER = 0.2
MOVE_CITY = 0.25
CODES_CHANGED = 0.05

PLACES = (
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Downtown",
    "Uptown",
    "Midtown",
    "Riverside",
    "Lakeside",
    "Hillside",
    "Parkview",
    "Valley",
    "Harbor",
    "Westside",
    "Eastside",
    "Northgate",
    "Southpoint",
)
SITE_WORDS = ("Campus", "Site", "Clinic", "Office", "Center", "Annex", "Branch", "Location")
# Words added to program names; none names a level of care, so the heading's level stays the level.
PROGRAM_WORDS = ("Adult", "Adolescent", "Young Adult", "Evening", "Morning", "Virtual", "Women's", "Men's", "Teen")
PLACEHOLDER_PHONE = "(999) 999-9999"

_encode = json.JSONEncoder(ensure_ascii=False).encode  # Scrapy's feed: UTF-8, default separators
_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
_FETCHED_AT_TEXT = f', "fetched_at": {_encode_str(FETCHED_AT)}, "fields": {{'
_INTAKE_COLUMNS = ("Intake1", "Intake2", "Intake1a", "Intake2a")
_STREET_NUMBER = re.compile(r"^(\s*)(\d+)")
# NPA-NXX then the line number: only the last four digits change, so the number stays dialable.
_PHONE_LINE = re.compile(r"^(\D*\d{3}\D{0,3}\d{3}\D{0,3})(\d{4})(?!\d)")
_ZIP5 = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@dataclass
class SyntheticStats:
    """What `write_synthetic` wrote: listing records by kind, code rows, the file and its size."""

    listings: int
    directory_rows: int
    program_sections: int
    code_rows: int
    path: str
    bytes: int


@dataclass(frozen=True)
class SectionTemplate:
    """A real program section: the parts a synthetic section is made from."""

    program_name: str
    heading_level: str | None
    schedule_text: str
    site: str
    path: str
    page_title: str | None
    json_ld: str | None


# --- templates -------------------------------------------------------------------------------


def _level_of(label: str | None, name: str) -> str | None:
    # The eval set labels programs IOP/PHP/other; "other" programs are named by their heading.
    label = (label or "").lower()
    if label in {"iop", "php"}:
        return label
    return next((m.lastgroup for m in LEVEL_NAMES.finditer(name.lower()) if m.lastgroup), None)


def section_template(data: dict[str, Any]) -> SectionTemplate | None:
    """A template from a `program_section` record or an eval schedule record; None for other shapes."""
    if data.get("record_type") == SECTION_TYPE:
        fields = data.get("fields") or {}
        name, text = fields.get("program_name"), fields.get("schedule_text")
        if not name or not text:
            return None
        url = urlparse(str(data.get("source_url") or ""))
        return SectionTemplate(
            program_name=name,
            heading_level=fields.get("heading_level"),
            schedule_text=text,
            site=fields.get("site") or (url.hostname or "example.org").removeprefix("www."),
            path=url.path or "/",
            page_title=fields.get("page_title"),
            json_ld=fields.get("json_ld"),
        )
    if data.get("text"):
        # The spider joins a section's blocks with spaces: the eval's text, then its context.
        text = " ".join(t for t in (data["text"], data.get("context_text")) if t)
        name = data.get("self_label") or data.get("program_label") or "Intensive Outpatient Program"
        url = urlparse(str(data.get("url") or "https://example.org/"))
        return SectionTemplate(
            program_name=name,
            heading_level=_level_of(data.get("program_label"), name),
            schedule_text=text,
            site=(url.hostname or "example.org").removeprefix("www."),
            path=url.path or "/",
            page_title=name,
            json_ld=None,
        )
    return None


def _read_jsonl(path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line), line.rstrip("\r\n")


# --- directory rows --------------------------------------------------------------------------


def _typo(text: str, rng: Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word, at = words[i], rng.randrange(1, len(words[i]) - 1)
    operation = rng.randrange(3)
    if operation == 0:  # swapped letters
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif operation == 1:  # dropped letter
        word = word[:at] + word[at + 1 :]
    else:  # doubled letter
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def perturb_name(name: str, rng: Random) -> str:
    """A name as another site of the same provider might be listed: location words, a typo, case."""
    # One draw picks the change and, scaled, the word: `random()` is a C call, `choice()` is not.
    draw = rng.random()
    if draw < 0.22:
        name = f"{name} {PLACES[int(draw / 0.22 * len(PLACES))]}"
    elif draw < 0.34:
        name = f"{name} - {PLACES[int((draw - 0.22) / 0.12 * len(PLACES))]}"
    elif draw < 0.52:
        name = f"{name} {SITE_WORDS[int((draw - 0.34) / 0.18 * len(SITE_WORDS))]} {2 + int(rng.random() * 98)}"
    elif draw < 0.60:
        name = f"{PLACES[int((draw - 0.52) / 0.08 * len(PLACES))]} {name}"
    elif draw < 0.68:
        name = _typo(name, rng)
    # Case changes alone do not make a new identity (ids fold case), so they ride on the above.
    draw = rng.random()
    if draw < 0.02:
        name = name.upper()
    elif draw < 0.04:
        name = name.lower()
    return name


def _service_codes(info: str, rng: Random) -> str:
    # Groups are separated by "*"; dropping a code or reordering a group keeps every code real.
    groups = [g.split() for g in info.split("*")]
    codes = [(gi, ci) for gi, g in enumerate(groups) for ci in range(len(g))]
    if len(codes) < 4:
        return info
    if rng.random() < 0.5:
        for gi, ci in sorted(rng.sample(codes, rng.randint(1, 2)), reverse=True):
            del groups[gi][ci]
    else:
        rng.shuffle(groups[rng.randrange(len(groups))])
    return " * ".join(" ".join(g) for g in groups)


def _json_value(value: str | None) -> str:
    return "null" if value is None else _encode_str(value)


# The kinds of mess, each at MESS_RATE; one draw picks at most one, which keeps the rows cheap.
_MESS_KINDS = ("name_spaces", "street_spaces", "zip_plus4", "zip_lost_zero", "state_lower", "placeholder", "no_name2")
_MESS_TOTAL = len(_MESS_KINDS) * MESS_RATE


class DirectoryRow:
    """A template directory row, read once: what its replicas vary, and its JSON pre-encoded.

    A million replicas of 21,000 rows re-encode only the fields a replica changes; the rest of
    the line is the template's own text, which keeps generation at tens of thousands of rows a
    second.
    """

    def __init__(self, record: dict[str, Any], places: dict[str, list[tuple[str, str]]]) -> None:
        """Prepare `record` (a `samhsa_facility` record); `places` maps a state to its (city, ZIP) pairs."""
        self.record_id = str(record.get("record_id", ""))
        self.fields: dict[str, str | None] = dict(record["fields"])
        fields = self.fields
        head = {k: record.get(k, "") for k in ("record_type", "source", "source_url", "source_file")}
        self.head = _encode(head)[:-1] + ', "record_id": '
        self.keys = {key: i for i, key in enumerate(fields)}
        self.key_text = [f"{_encode_str(key)}: " for key in fields]
        self.parts = [f"{k}{_json_value(v)}" for k, v in zip(self.key_text, fields.values(), strict=True)]
        self.name1 = fields.get("Name1") or ""
        self.name2 = fields.get("Name2") or ""
        self.state = (fields.get("State") or "").strip().upper()
        self.places = places.get(self.state, [])
        self.zero_state = self.state in ZERO_LEADING_ZIP_STATES
        self.codes = fields.get("Service_code_info") or ""
        street = _STREET_NUMBER.match(fields.get("Street1") or "")
        # "750 Highway 31 South" becomes "418 Highway 31 South".
        self.street: tuple[str, int, int, str] | None = None
        if street:
            # As many digits, except that "1 Dover Street" may become "37 Dover Street": nine numbers
            # are too few to keep replicas apart.
            digits = max(2, len(street[2]))
            low = 1 if len(street[2]) == 1 else 10 ** (digits - 1)
            self.street = (street[1], low, 10**digits - 1, (fields.get("Street1") or "")[street.end() :])
        phone = fields.get("Phone") or ""
        line = _PHONE_LINE.match(phone)
        self.phone = (line[1], phone[line.end() :]) if line else None
        # An intake line equal to the main number moves with it; other intake lines are shared ones.
        self.intake_same = tuple(c for c in _INTAKE_COLUMNS if phone and fields.get(c) == phone)

    def changes(self, rng: Random) -> dict[str, str | None]:
        """The fields a replica changes: another listing of the same kind in the same state."""
        out: dict[str, str | None] = {}
        # SAMHSA MH rows often put the site in Name2 ("Henry County Clinic"): vary whichever names it.
        column, old_name = ("Name2", self.name2) if self.name2.strip() and rng.random() < 0.5 else ("Name1", self.name1)
        name = out[column] = perturb_name(old_name, rng)
        renamed = name.lower() != old_name.lower()  # ids fold case: a case change alone is no new listing
        new_street = self.street is not None and rng.random() >= KEEP_STREET_NUMBER
        if self.places and rng.random() < MOVE_CITY:
            out["City"], out["Zip"] = self.places[int(rng.random() * len(self.places))]
        new_phone = self.phone is not None and rng.random() >= KEEP_PHONE
        if not (new_street or new_phone):
            # Names vary among a few dozen words, so two replicas keeping street number and phone
            # would often be the same listing: vary one of them (a site number if the row has neither).
            new_phone, new_street = self.phone is not None, self.phone is None and self.street is not None
            if not (new_phone or new_street or renamed):
                out[column] = f"{name} {SITE_WORDS[int(rng.random() * len(SITE_WORDS))]} {2 + int(rng.random() * 98)}"
        if new_street and self.street:
            lead, low, high, rest = self.street
            out["Street1"] = f"{lead}{low + int(rng.random() * (high - low + 1))}{rest}"
        if new_phone and self.phone:
            phone = f"{self.phone[0]}{int(rng.random() * 10_000):04d}{self.phone[1]}"
            out["Phone"] = phone
            for intake in self.intake_same:
                out[intake] = phone
        if self.codes and rng.random() < CODES_CHANGED:
            out["Service_code_info"] = _service_codes(self.codes, rng)
        draw = rng.random()
        if draw < _MESS_TOTAL:
            self._mess(_MESS_KINDS[int(draw / MESS_RATE)], out, rng)
        elif draw < _MESS_TOTAL + REJECT_RATE and self.state:
            out["State"] = ""  # the normalizer rejects the row: the reject path runs at scale too
        return out

    def _mess(self, kind: str, out: dict[str, str | None], rng: Random) -> None:
        if kind == "name_spaces":
            out["Name1"] = f" {(out.get('Name1') or self.name1).replace(' ', '  ', 1)} "
        elif kind == "street_spaces" and (street := out.get("Street1") or self.fields.get("Street1")):
            out["Street1"] = f"{street}  "
        elif kind == "zip_plus4" and (match := _ZIP5.match(out.get("Zip") or self.fields.get("Zip") or "")):
            out["Zip"] = f"{match[1]}-{rng.randrange(10_000):04d}"
        elif kind == "zip_lost_zero" and self.zero_state:
            zip_code = out.get("Zip") or self.fields.get("Zip") or ""
            if zip_code.startswith("0"):
                out["Zip"] = zip_code[1:]  # a spreadsheet dropped the leading zero
        elif kind == "state_lower" and self.state:
            out["State"] = (self.fields.get("State") or "").lower()
        elif kind == "placeholder":
            out["Phone"] = PLACEHOLDER_PHONE
        elif kind == "no_name2" and self.name2:
            out["Name2"] = ""

    def replica(self, changes: dict[str, str | None]) -> dict[str, str | None]:
        """The replica's fields: the template's with `changes` applied."""
        return {**self.fields, **changes}

    def line(self, replica: int, changes: dict[str, str | None]) -> str:
        """The replica's JSON line (no newline), as `json.dumps(..., ensure_ascii=False)` writes it."""
        parts = self.parts
        if changes:
            parts = parts.copy()
            keys, key_text = self.keys, self.key_text
            for key, value in changes.items():
                value_text = "null" if value is None else _encode_str(value)
                i = keys.get(key)
                if i is None:  # a column the template lacks goes last, as in `replica()`
                    parts.append(f"{_encode_str(key)}: {value_text}")
                else:
                    parts[i] = f"{key_text[i]}{value_text}"
        record_id = _encode_str(f"{self.record_id}#r{replica}")
        return f"{self.head}{record_id}{_FETCHED_AT_TEXT}{', '.join(parts)}}}}}"


def perturb_row(fields: dict[str, str | None], places: dict[str, list[tuple[str, str]]], rng: Random) -> dict:
    """A replica of a directory row's fields: another listing of the same kind in the same state."""
    row = DirectoryRow({"fields": fields}, places)
    return row.replica(row.changes(rng))


@dataclass
class _Templates:
    code_lines: list[str]
    rows: list[DirectoryRow]
    sections: list[SectionTemplate]


def _load_templates(template_items: Path, section_templates: Path | None) -> _Templates:
    code_lines: list[str] = []
    records: list[dict[str, Any]] = []
    sections: list[SectionTemplate] = []
    places: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for data, line in _read_jsonl(template_items):
        kind = data.get("record_type")
        if kind == CODE_TYPE:
            code_lines.append(line)
        elif kind == DIRECTORY_TYPE:
            records.append(data)
            fields = data["fields"]
            state = (fields.get("State") or "").strip().upper()
            match = _ZIP5.match(fields.get("Zip") or "")
            if state and match and fields.get("City"):
                places[state].add((fields["City"].strip(), match[1]))
        elif kind == SECTION_TYPE and (template := section_template(data)):
            sections.append(template)
    if section_templates is not None:
        sections = [t for d, _ in _read_jsonl(section_templates) if (t := section_template(d))]
    elif not sections and DEFAULT_SECTION_TEMPLATES.is_file():
        sections = [t for d, _ in _read_jsonl(DEFAULT_SECTION_TEMPLATES) if (t := section_template(d))]
    # A replica may move to a (city, ZIP) seen in its state: the ZIP stays real and in the state.
    state_places = {state: sorted(pairs) for state, pairs in places.items()}
    return _Templates(code_lines, [DirectoryRow(r, state_places) for r in records], sections)


# --- program sections ------------------------------------------------------------------------

_WORD_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
_NUMBER = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})"
_MERIDIEM = r"(?:a\.m\.?|p\.m\.?|am|pm)(?![a-z])"
_CLOCK = rf"(\d{{1,2}})(?::(\d{{2}}))?(?!\d)(?:(\s*)({_MERIDIEM}))?"
_TIME_RANGE = re.compile(rf"\b{_CLOCK}(\s*(?:-|\u2013|to|until)\s*){_CLOCK}(?!\s*noon)", re.IGNORECASE)
_RANGE_SEP = r"(\s*(?:-|\u2013|to)\s*)"
# Not after "or": "two or three hours" would become "two or two hours".
_DAY_COUNT = re.compile(
    rf"(?<!\bor )\b({_NUMBER})(?:{_RANGE_SEP}({_NUMBER}))?(\s+|-)(days?|times|evenings|mornings|afternoons)\b",
    re.IGNORECASE,
)
_HOUR_COUNT = re.compile(rf"(?<!\bor )\b({_NUMBER})(?:{_RANGE_SEP}({_NUMBER}))?(\s+|-)(hours?)\b", re.IGNORECASE)
_WEEKDAYS = re.compile(r"\b(Mondays?)(\s*(?:-|\u2013|through|thru|to)\s*)(Thursday|Friday)(s?)\b", re.IGNORECASE)


def _number_value(token: str) -> int:
    return int(token) if token.isdigit() else (*_WORD_NUMBERS, "twelve").index(token.lower())


def _number_text(value: int, like: str) -> str:
    # Keep the writer's style: digits stay digits, "Three" stays capitalised.
    if like.isdigit() or value >= len(_WORD_NUMBERS):
        return str(value)
    word = _WORD_NUMBERS[value]
    return word.capitalize() if like[:1].isupper() else word


def _shift_counts(match: re.Match[str], rng: Random, low: int, high: int) -> str:
    first, sep, second, space, unit = match.groups()
    values = [_number_value(first)] + ([_number_value(second)] if second else [])
    delta = rng.choice((-1, 1)) if max(values) <= 12 else rng.choice((-3, -2, 2, 3))
    shifted = [v + delta for v in values]
    if min(shifted) < low or max(shifted) > high:
        shifted = [v - delta for v in values]
        if min(shifted) < low or max(shifted) > high:
            return match[0]
    text = _number_text(shifted[0], first)
    if second:
        text += sep + _number_text(shifted[1], second)
    if space != "-":  # "3-hour sessions" stays singular whatever the number
        if unit.lower() in {"day", "hour"} and max(shifted) > 1:
            unit += "s"  # "one day a week" became "two days a week"
        elif unit.lower() in {"days", "hours"} and max(shifted) == 1:
            unit = unit[:-1]
    return text + space + unit


def _minutes(hour: str, minute: str | None, meridiem: str | None, pm_hint: bool) -> int:
    h = int(hour) % 12
    pm = meridiem.lower().startswith("p") if meridiem else pm_hint
    return (h + (12 if pm else 0)) * 60 + int(minute or 0)


def _clock_text(total: int, had_minutes: bool, space: str | None, meridiem: str | None) -> str:
    hour, minute = divmod(total, 60)
    shown = hour % 12 or 12
    text = f"{shown}:{minute:02d}" if had_minutes or minute else str(shown)
    if meridiem:
        pm_marker = ("p" if hour >= 12 else "a") + meridiem[1:]
        text += (space or "") + (pm_marker.upper() if meridiem.isupper() else pm_marker)
    return text


def _shift_range(match: re.Match[str], rng: Random) -> str:
    h1, m1, s1, mer1, sep, h2, m2, s2, mer2 = match.groups()
    # Only a clock range (a meridiem or minutes) is a time: "6-12 week program" is not.
    if not (mer1 or mer2 or m1 or m2) or int(h1) > 12 or int(h2) > 12 or (mer1 and not mer2):
        return match[0]
    end = _minutes(h2, m2, mer2, pm_hint=False)
    if not mer1 and not mer2 and end <= _minutes(h1, m1, None, pm_hint=False):
        end += 12 * 60  # "3:00-8:00": an afternoon written without meridiem
    start = _minutes(h1, m1, mer1, pm_hint=bool(mer2) and mer2.lower().startswith("p"))
    if start > end:
        start -= 12 * 60  # "10-2pm" starts in the morning
    delta = rng.choice((-60, -30, 30, 60))
    move_start = rng.random() < 0.3
    new_start, new_end = (start + delta, end) if move_start else (start, end + delta)
    # Keep a plausible day: at least an hour long, within 5 a.m. - 11 p.m., same meridiem rules.
    if new_end - new_start < 60 or new_start < 5 * 60 or new_end > 23 * 60:
        return match[0]
    if not mer1 and not mer2 and (new_start // 720 != start // 720 or new_end // 720 != end // 720):
        return match[0]  # without a meridiem, crossing noon would change the reading
    # Rewrite only the moved end; the other keeps the writer's exact text.
    text, offset = match[0], match.start()
    first = _clock_text(new_start, bool(m1), s1, mer1) if move_start else text[: match.start(5) - offset]
    second = text[match.end(5) - offset :] if move_start else _clock_text(new_end, bool(m2), s2, mer2)
    return f"{first}{sep}{second}"


def perturb_schedule(text: str, rng: Random) -> str:
    """The schedule text with some times, day counts, hour counts and weekday ranges shifted."""
    text = _TIME_RANGE.sub(lambda m: _shift_range(m, rng) if rng.random() < 0.6 else m[0], text)
    text = _DAY_COUNT.sub(lambda m: _shift_counts(m, rng, 1, 7) if rng.random() < 0.5 else m[0], text)
    text = _HOUR_COUNT.sub(lambda m: _shift_counts(m, rng, 1, 60) if rng.random() < 0.5 else m[0], text)

    def weekdays(match: re.Match[str]) -> str:
        if rng.random() >= 0.3:
            return match[0]
        last = match[3]
        other = "Thursday" if last.lower() == "friday" else "Friday"
        other = other.upper() if last.isupper() else other if last[:1].isupper() else other.lower()
        return f"{match[1]}{match[2]}{other}{match[4]}"

    return _WEEKDAYS.sub(weekdays, text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _program_name(name: str, rng: Random) -> str:
    draw = rng.random()
    if draw < 0.25:
        name = f"{rng.choice(PROGRAM_WORDS)} {name}"
    elif draw < 0.45:
        name = f"{name} - {rng.choice(PLACES)}"
    elif draw < 0.55:
        name = f"{name} at {rng.choice(PLACES)} {rng.choice(SITE_WORDS)}"
    if rng.random() < 0.05:
        name = name.lower()
    return name


def _section(
    index: int,
    template: SectionTemplate,
    rows: list[DirectoryRow],
    site_count: int,
    rng: Random,
) -> dict[str, Any]:
    stem, _, tld = template.site.rpartition(".")
    stem = (stem or template.site).replace(".", "-")
    place = rng.choice(PLACES)
    # ~4 pages a site, so blocking on the website host sees realistic small blocks.
    site = f"{stem}-{place.lower()}{rng.randrange(site_count)}.{tld or 'org'}"
    path = f"/locations/{_slug(place)}-{index}{template.path if template.path.startswith('/') else '/'}"
    url = f"https://www.{site}{path}"
    name = _program_name(template.program_name, rng)
    org_name = stem.replace("-", " ").title()
    blocks: list[dict[str, Any]] = []
    if template.json_ld:
        parsed = json.loads(template.json_ld)
        blocks = [b for b in parsed if isinstance(b, dict)] if isinstance(parsed, list) else []
        org_name = next((str(b["name"]) for b in blocks if b.get("name")), org_name)
    elif rng.random() < 0.3:
        blocks = [{"@context": "https://schema.org", "@type": "MedicalClinic"}]
    if blocks:
        org = next((b for b in blocks if b.get("name")), blocks[0])
        org["name"] = perturb_name(org_name, rng)
        org["url"] = f"https://www.{site}/"
        if rng.random() < 0.5:
            # An address and phone of a (perturbed) directory row: pages that say where they are,
            # and whose listings the linker can meet by phone and ZIP.
            chosen = rows[rng.randrange(len(rows))] if rows else None
            row = chosen.replica(chosen.changes(rng)) if chosen else {}
            if row.get("State"):
                if rng.random() < 0.5:
                    org["name"] = row.get("Name1")
                org["address"] = {
                    "@type": "PostalAddress",
                    "streetAddress": row.get("Street1"),
                    "addressLocality": row.get("City"),
                    "addressRegion": row.get("State"),
                    "postalCode": row.get("Zip"),
                }
                if row.get("Phone"):
                    org["telephone"] = row["Phone"]
    return {
        "record_type": SECTION_TYPE,
        "source": SECTION_SOURCE,
        "source_url": url,
        "source_file": path,
        "record_id": f"{url}#1",
        "fetched_at": FETCHED_AT,
        "fields": {
            "site": site,
            "page_title": name if rng.random() < 0.7 else template.page_title,
            "program_name": name,
            "heading_level": template.heading_level,
            "schedule_text": perturb_schedule(template.schedule_text, rng),
            "json_ld": json.dumps(blocks) if blocks else None,
        },
    }


# --- the file --------------------------------------------------------------------------------


def write_synthetic(
    template_items: Path,
    out_path: Path,
    n: int,
    seed: int = 20261127,
    section_share: float = 0.05,
    section_templates: Path | None = None,
) -> SyntheticStats:
    """Write `n` synthetic listing records made from `template_items` to `out_path` (JSON lines).

    `template_items` is a crawl's output: its `service_code` rows are copied once at the top, its
    `samhsa_facility` rows are replicated with perturbations, and its `program_section` rows (if
    any) are the section templates unless `section_templates` names a file of them (spider
    output or eval records with "text"); with neither, the eval set's schedules are used.
    `round(n * section_share)` of the records are program sections, spread evenly through the
    file. Raises ValueError when records of a kind are asked for but there is no template for it.
    """
    if n < 0 or not 0 <= section_share <= 1:
        raise ValueError(f"need n >= 0 and 0 <= section_share <= 1, got n={n}, section_share={section_share}")
    templates = _load_templates(template_items, section_templates)
    section_total = round(n * section_share)
    directory_total = n - section_total
    if directory_total and not templates.rows:
        raise ValueError(f"{template_items} has no {DIRECTORY_TYPE} rows to replicate")
    if section_total and not templates.sections:
        raise ValueError("no program-section templates: pass section_templates or section_share=0")

    rng = Random(seed)
    rows, sections = templates.rows, templates.sections
    site_count = max(1, section_total // 4)
    order: list[int] = []
    directory_done = section_done = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        write: Callable[[str], int] = out.write
        for line in templates.code_lines:
            write(line + "\n")
        for i in range(n):
            # Sections sit at evenly spaced positions, so any prefix of the file has its share.
            if section_total and (i + 1) * section_total // n > section_done:
                template = sections[rng.randrange(len(sections))]
                write(_encode(_section(section_done, template, rows, site_count, rng)) + "\n")
                section_done += 1
                continue
            # Each round visits every row once, in a new order: a prefix of the file mixes
            # sources and states the way the whole directory does.
            replica, position = divmod(directory_done, len(rows))
            if position == 0:
                order = list(range(len(rows)))
                rng.shuffle(order)
            row = rows[order[position]]
            write(row.line(replica, row.changes(rng)) + "\n")
            directory_done += 1
    return SyntheticStats(
        listings=n,
        directory_rows=directory_done,
        program_sections=section_done,
        code_rows=len(templates.code_lines),
        path=str(out_path),
        bytes=out_path.stat().st_size,
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: write the synthetic file and print its stats and the time taken."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, required=True, help="a crawl's items.jsonl (samhsa_directory)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=1_000_000, help="listing records to write")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--section-share", type=float, default=0.05)
    parser.add_argument("--sections", type=Path, default=None, help="section templates (JSON lines)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stats = write_synthetic(args.template, args.out, args.n, args.seed, args.section_share, args.sections)
    elapsed = time.perf_counter() - started
    print(json.dumps(asdict(stats)))
    print(f"{stats.listings:,} listings in {elapsed:.1f} s ({stats.listings / max(elapsed, 1e-9):,.0f}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
