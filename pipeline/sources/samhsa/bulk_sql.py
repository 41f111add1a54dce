"""The SQL spellings of Python rules that the bulk path runs in DuckDB (see `bulk`).

Each function returns a SQL expression that computes, for a plain value, what the named Python
rule computes; `tests/sources/samhsa/test_bulk.py` holds the two to the same result.
"""

from functools import lru_cache

from pipeline.sources.samhsa.codes import UMBRELLA_CODES, CodeReference
from schemas.level_names import FLAGGED_LEVELS, LEVEL_NAMES
from schemas.vocab import LevelOfCare, Payment, Population, Service

#: The listing fields read from codes, with their vocabularies.
TERM_FIELDS = {
    "levels_of_care": LevelOfCare,
    "services": Service,
    "payments": Payment,
    "populations": Population,
}

#: Codes per integer word when a row's codes are held as bits.
WORD_BITS = 64


def literal(value: str) -> str:
    """A SQL string literal of `value`."""
    return "'" + value.replace("'", "''") + "'"


def text_list(values: list[str]) -> str:
    """A SQL `VARCHAR[]` literal of `values`."""
    return "[" + ", ".join(literal(v) for v in values) + "]::VARCHAR[]"


def clean_sql(column: str) -> str:
    """`pipeline.clean.clean_text` of a plain value: runs of spaces collapsed, trimmed, '' -> NULL."""
    collapsed = f"CASE WHEN contains({column}, '  ') THEN regexp_replace({column}, ' +', ' ', 'g') ELSE {column} END"
    return f"nullif(trim({collapsed}), '')"


# Printable ASCII that is neither a letter, a digit, a space nor the apostrophe (which joins).
PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum() and chr(c) != "'")


def spaced_sql(column: str) -> str:
    """First half of `pipeline.clean.identity_text` of a plain value: lower case, punctuation to spaces."""
    # translate, not a regular expression: a character map costs a fraction per row.
    blanks = literal(" " * len(PUNCTUATION))
    return f"coalesce(translate(replace(lower({column}), '''', ''), {literal(PUNCTUATION)}, {blanks}), '')"


def collapsed_sql(column: str) -> str:
    """Second half: runs of spaces made one, trimmed."""
    return f"trim(CASE WHEN contains({column}, '  ') THEN regexp_replace({column}, ' +', ' ', 'g') ELSE {column} END)"


@lru_cache(maxsize=1)
def level_pattern() -> str:
    # RE2 has no lookahead; LEVEL_NAMES's "(?=[pdhioelr])" only lets Python skip word starts that
    # cannot begin a name, so dropping it changes no match.
    pattern = LEVEL_NAMES.pattern.replace("(?=[pdhioelr])", "")
    if "(?=" in pattern or "(?!" in pattern or "(?<" in pattern.replace("(?P<", ""):
        raise RuntimeError("LEVEL_NAMES gained a lookaround DuckDB's RE2 cannot run")
    return pattern


def name_levels_sql(text_sql: str) -> str:
    """SQL for `named_levels(text) & FLAGGED_LEVELS`, sorted: a level is named when its group takes part in a match."""
    pattern = literal(level_pattern())
    tests = [
        f"CASE WHEN list_bool_or(list_transform(regexp_extract_all({text_sql}, {pattern}, "
        f"{LEVEL_NAMES.groupindex[level]}), lambda x: x <> '')) THEN {literal(level)} END"
        for level in sorted(FLAGGED_LEVELS)
    ]
    exact = f"list_filter([{', '.join(tests)}]::VARCHAR[], lambda x: x IS NOT NULL)"
    # Extracting groups is RE2's slow mode; most names name no level, and matching alone is fast.
    return f"CASE WHEN regexp_matches({text_sql}, {pattern}) THEN {exact} ELSE []::VARCHAR[] END"


class CodeBits:
    """A source's code reference as bit positions, so a row's set of codes is a few integers."""

    def __init__(self, reference: CodeReference) -> None:
        self.reference = reference
        self.index = {code: i for i, code in enumerate(sorted(reference.entries))}

    def words(self) -> int:
        return max(1, -(-len(self.index) // WORD_BITS))

    def test(self, codes: list[str]) -> str:
        """SQL: whether any of `codes` is on the row (its words `w0`, `w1`, ...)."""
        masks: dict[int, int] = {}
        for code in codes:
            i = self.index[code]
            masks[i // WORD_BITS] = masks.get(i // WORD_BITS, 0) | (1 << (i % WORD_BITS))
        return "(" + " OR ".join(f"(w{j} & {m}::UBIGINT) <> 0" for j, m in sorted(masks.items())) + ")"

    def terms(self) -> dict[str, str]:
        """SQL per listing field: its sorted vocabulary terms, from the row's code words."""
        out: dict[str, str] = {}
        for field_name, vocab in TERM_FIELDS.items():
            items = []
            for term in sorted(vocab, key=str):
                codes = sorted(c for c in self.index if term in self.reference.terms_for(c))
                if not codes:
                    continue
                plain = [c for c in codes if c not in UMBRELLA_CODES]
                tests = [self.test(plain)] if plain else []
                for umbrella in (c for c in codes if c in UMBRELLA_CODES):
                    # An umbrella code counts only when no more specific sibling is on the row.
                    siblings = [c for c in sorted(UMBRELLA_CODES[umbrella]) if c in self.index]
                    unless = f" AND NOT {self.test(siblings)}" if siblings else ""
                    tests.append(f"({self.test([umbrella])}{unless})")
                items.append(f"CASE WHEN {' OR '.join(tests)} THEN {literal(str(term))} END")
            listed = f"list_filter([{', '.join(items)}]::VARCHAR[], lambda x: x IS NOT NULL)"
            out[field_name] = listed if items else "[]::VARCHAR[]"
        return out
