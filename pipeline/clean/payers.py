"""Read the payers an "insurance we accept" text names: accepted, not accepted, and notes for the rest.

`read_payers(text)` is pure and never raises. The vocabulary (canonical payer names and their aliases,
and the networks/TPAs that are not payers) is kept in one place, `payers.json` next to this module,
and loaded once. docs/payers.md describes the rules; in short:

- a name is read on word boundaries, case-insensitively; a space or hyphen inside an alias also
  matches none, a space, a hyphen or a slash ("BlueCross BlueShield", "Tri-Care", "United Health Care");
- a clause with a negation of acceptance ("do not accept", "are not in network with", "unable to
  accept", "does not cover", "out of network", "except ...") excludes the payers it names; clauses are
  split at ";", "but", "however", "except ..." and at a comma that starts a new subject (", we ...");
- a heading (a line ending with ":" or a short line about insurance that names no payer) governs the
  short list lines under it until the next heading, a blank line or a full sentence: under a negated
  heading ("Plans we do not accept:") the listed payers are excluded;
- a payer with any accepting mention is accepted; an exclusion of the same payer elsewhere (often
  qualified: "out-of-state Medicaid is usually not accepted") only adds the note "partly excluded: <payer>";
- generic phrases ("most major insurance", "call to verify your benefits", self-pay, out-of-network
  benefits, financial assistance) and networks/TPAs give notes, never payers (see the NOTE_ constants).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

_VOCABULARY = json.loads((Path(__file__).with_name("payers.json")).read_text(encoding="utf-8"))

#: Canonical payer name -> its aliases (the canonical name itself is always an alias).
PAYER_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys([name, *aliases])) for name, aliases in _VOCABULARY["payers"].items()
}
#: The canonical payer names, sorted.
PAYER_NAMES: tuple[str, ...] = tuple(sorted(PAYER_ALIASES, key=str.casefold))
#: Networks and third-party administrators (not payers) -> their aliases.
NETWORK_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys([name, *aliases])) for name, aliases in _VOCABULARY["networks"].items()
}

#: The notes, a small fixed set ("{}" is filled with a name).
NOTE_MOST_INSURANCE = "most major insurance accepted"
NOTE_VERIFY = "call to verify coverage"
NOTE_SELF_PAY = "self-pay / private pay"
NOTE_OUT_OF_NETWORK = "out-of-network benefits"
NOTE_ASSISTANCE = "financial assistance / sliding scale"
NOTE_NETWORK = "network or TPA, not a payer: {}"
NOTE_PARTLY_EXCLUDED = "partly excluded: {}"


@dataclass(frozen=True)
class PayerReading:
    """What a text says about payers.

    `payers`: canonical names of accepted payers, in first-mention order; `evidence`: the verbatim
    lines or sentences they were read from; `not_accepted`: canonical names only excluded;
    `notes`: NOTE_ phrasings for what names no payer.
    """

    payers: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    not_accepted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


_CASE_SENSITIVE = frozenset(_VOCABULARY["case_sensitive"])
_SEP = ""  # the trie's unit for "a space or hyphen inside an alias": none, spaces, hyphens or slashes
_SEPARATORS = re.compile(r"[\s\-/]+")


def _key(text: str) -> str:
    """An alias or a matched name without case or separators: the key of the name table."""
    return _SEPARATORS.sub("", text).casefold()


def _units(alias: str, case_sensitive: bool) -> list[str]:
    units: list[str] = []
    for i, token in enumerate(t for t in _SEPARATORS.split(alias.strip()) if t):
        units += ([_SEP] if i else []) + list(token if case_sensitive else token.casefold())
    return units


def _trie_pattern(node: dict) -> str:
    # A regex of the trie: one branch per next unit, longest first by greed, so Python's engine
    # tries a few letters at each position instead of every alias.
    branches = [(r"[\s\-/]*" if unit == _SEP else re.escape(unit)) + _trie_pattern(child)
                for unit, child in node.items() if unit is not None]  # fmt: skip
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if None in node else body


def _names_regex(table: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every alias of `table`, and the canonical name of each alias key."""
    tries: tuple[dict, dict] = ({}, {})  # case-insensitive, case-sensitive
    names: dict[str, str] = {}
    for name, aliases in table.items():
        for alias in aliases:
            exact = alias in _CASE_SENSITIVE
            node = tries[exact]
            for unit in _units(alias, exact):
                node = node.setdefault(unit, {})
            node[None] = {}
            names[_key(alias)] = name
    patterns = [f"(?i:{_trie_pattern(tries[0])})"] + ([_trie_pattern(tries[1])] if tries[1] else [])
    return re.compile(rf"(?<![\w])(?:{'|'.join(patterns)})(?![\w])"), names


_PAYER, _PAYER_NAMES = _names_regex(PAYER_ALIASES)
_NETWORK, _NETWORK_NAMES = _names_regex(NETWORK_ALIASES)

_NOT = r"(?:\bnot\b|n[\u2019']t\b|\bnever\b|\bno\s+longer\b|\bunable\s+to\b|\bcannot\b)"
_COVERAGE = (
    r"(?:accept\w*|tak(?:e|es|ing)|cover\w*|participat\w*|contract\w*|in[\s\-]network|network|credential\w*|"
    r"bill\w*|eligible|reimburs\w*|pay\s+for|work\w*|part\s+of|provider)"
)
_NEGATION = re.compile(
    rf"{_NOT}(?:\W+\w+){{0,4}}?\W+{_COVERAGE}\b|\bout[\s\-]of[\s\-]network\b|\bnon[\s\-]?participating\b|"
    r"\b(?:except|excluding|with\s+the\s+exception\s+of|other\s+than|not\s+including)\b",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(
    r";|,\s*(?=(?:and\s+)?(?:we|you|our|they|it)\b)|\b(?=[bhwaeon])(?:(?:but|however|whereas|although|though)\b"
    r"|(?=(?:except|excluding|with\s+the\s+exception\s+of|other\s+than|not\s+including)\b))",
    re.IGNORECASE,
)
# A sentence ends at . ! ? before a capital, a figure or a quote, but not after a title or "Inc.".
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bDr\.)(?<!\bSt\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bInc\.)\s+(?=[\"'(*A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-•*·▪\u2013\u2014]|\d{1,2}[.)])\s*")
_HEADING_WORD = re.compile(
    r"\b(?:insurance\w*|plans?|accept\w*|network|payers?|payment|carriers?|coverage|insurers?|providers?)\b",
    re.IGNORECASE,
)
_MAX_LIST_WORDS = 8

_NOTE_PATTERNS = (
    (
        r"\b(?:most|all\s+major|all\s+commercial)\s+(?:[\w\-]+\s+){0,2}"
        r"(?:insurance\w*|plans|carriers|payers|insurers)\b",
        NOTE_MOST_INSURANCE,
    ),
    (
        r"\bverif(?:y|ied|ication)\b|\b(?:check|confirm)\s+(?:your\s+)?(?:insurance|benefits|coverage|eligibility)"
        r"|\b(?:call|contact)\s+(?:us|our)\b[^.!?\n]{0,80}\b(?:coverage|insurance|benefits|eligibility)\b",
        NOTE_VERIFY,
    ),
    (
        r"\b(?:self|private|cash)[\s\-]?pay\w*|\bout[\s\-]of[\s\-]pocket\b",
        NOTE_SELF_PAY,
    ),
    (
        r"\bout[\s\-]of[\s\-]network\s+(?:benefits|coverage|reimbursement)|\bsuperbills?\b",
        NOTE_OUT_OF_NETWORK,
    ),
    (
        r"\bsliding[\s\-]scale|\bfinancial\s+(?:aid|assistance)|\bpayment\s+plans?\b",
        NOTE_ASSISTANCE,
    ),
)
# One pass for all notes: a lookahead at each word start, so one note's span never hides another's.
_NOTES = re.compile(
    r"\b(?=" + "|".join(f"(?P<n{i}>{pattern})" for i, (pattern, _) in enumerate(_NOTE_PATTERNS)) + ")", re.IGNORECASE
)


def _names(pattern: re.Pattern[str], names: dict[str, str], text: str) -> list[str]:
    return [names[_key(m.group(0))] for m in pattern.finditer(text)]


def _is_heading(line: str) -> bool:
    """Whether `line`, which names no payer, is a heading governing the lines below it."""
    stripped = _BULLET.sub("", line).strip()
    if stripped.endswith(":"):
        return True
    return (
        len(stripped.split()) <= _MAX_LIST_WORDS
        and not stripped.endswith((".", "!", "?"))
        and bool(_HEADING_WORD.search(stripped))
    )


def _is_list_line(line: str) -> bool:
    return bool(_BULLET.match(line)) or len(line.split()) <= _MAX_LIST_WORDS


def _line_mentions(line: str, under_negation: bool) -> list[tuple[str, bool, str]]:
    mentions: list[tuple[str, bool, str]] = []
    for sentence in _SENTENCE_END.split(line):
        if not _PAYER.search(sentence):
            continue
        for clause in _CLAUSE_SPLIT.split(sentence):
            names = _names(_PAYER, _PAYER_NAMES, clause) if clause else []
            if names:
                excluded = under_negation or bool(_NEGATION.search(clause))
                mentions += [(name, excluded, sentence.strip()) for name in names]
    return mentions


def _mentions(text: str) -> list[tuple[str, bool, str]]:
    """(canonical name, excluded, the verbatim line or sentence) for each payer name, in text order."""
    mentions: list[tuple[str, bool, str]] = []
    negated_heading = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            negated_heading = False
            continue
        if not _PAYER.search(line):
            if _is_heading(line):
                negated_heading = bool(_NEGATION.search(line))
            elif not _is_list_line(line):
                negated_heading = False
            continue
        if not _is_list_line(line):
            negated_heading = False
        mentions += _line_mentions(line, negated_heading)
    return mentions


def read_payers(text: str) -> PayerReading:
    """The payers `text` accepts and excludes, with evidence and notes (see the module docstring)."""
    if not text or not text.strip():
        return PayerReading()
    mentions = _mentions(text)
    accepted = list(dict.fromkeys(name for name, excluded, _ in mentions if not excluded))
    excluded_names = list(dict.fromkeys(name for name, excluded, _ in mentions if excluded))
    evidence = tuple(dict.fromkeys(where for name, excluded, where in mentions if not excluded))
    found = {m.lastgroup for m in _NOTES.finditer(text)}
    notes = [note for i, (_, note) in enumerate(_NOTE_PATTERNS) if f"n{i}" in found]
    notes += [NOTE_NETWORK.format(name) for name in dict.fromkeys(_names(_NETWORK, _NETWORK_NAMES, text))]
    notes += [NOTE_PARTLY_EXCLUDED.format(name) for name in excluded_names if name in accepted]
    return PayerReading(
        payers=tuple(accepted),
        evidence=evidence,
        not_accepted=tuple(name for name in excluded_names if name not in accepted),
        notes=tuple(notes),
    )


def vocabulary_table() -> str:
    """The vocabulary as the Markdown table docs/payers.md shows (a test keeps the two equal)."""
    rows = ["| Canonical payer | Aliases (besides the name) |", "|---|---|"]
    for name in PAYER_NAMES:
        aliases = [a for a in PAYER_ALIASES[name] if a != name]
        rows.append(f"| {name} | {'; '.join(aliases) or '—'} |")
    rows.append(f"| *networks/TPAs (notes only)* | {'; '.join(a for g in NETWORK_ALIASES.values() for a in g)} |")
    return "\n".join(rows)
