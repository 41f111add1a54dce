"""Properties of code lists: read into codes and terms whatever their order; reference rows read or rejected."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.errors import RejectRow
from pipeline.sources.samhsa import normalize as samhsa
from pipeline.sources.samhsa.codes import UMBRELLA_CODES, CodeReference, field_of
from schemas.vocab import VOCABULARIES
from tests.strategies import fuzz
from tests.strategies.codes import code_lists, reference, references, spaced
from tests.strategies.records import raw_record
from tests.strategies.text import any_text, cell_text


def naive_terms(codes: CodeReference, present: list[str]) -> dict[str, set[str]]:
    """What a code list means, one code at a time: the oracle for `CodeReference.map`."""
    terms: dict[str, set[str]] = {field: set() for field in VOCABULARIES}
    for code in present:
        if code in UMBRELLA_CODES and UMBRELLA_CODES[code] & set(present):
            continue
        for term in codes.terms_for(code):
            terms[field_of(term)].add(term.value)
    return terms


@fuzz(190)
@given(references, code_lists.flatmap(spaced) | any_text)
def test_a_code_list_reads_into_its_codes_and_vocabulary_terms(kind: str, code_info: str) -> None:
    """Never raises; codes are the distinct tokens but "*" in order; unknown = codes not in the reference;
    every term is a vocabulary value; the terms are those of the codes one by one, umbrella rule applied."""
    codes = reference(kind)
    mapped = codes.map(code_info)
    tokens = [t for t in dict.fromkeys(code_info.split()) if t != "*"]
    assert mapped.codes == tokens
    assert mapped.unknown == [c for c in tokens if c not in codes.entries]
    assert set(mapped.terms) == set(VOCABULARIES)
    for field, values in mapped.terms.items():
        assert values <= {v.value for v in VOCABULARIES[field]}
    assert mapped.terms == naive_terms(codes, tokens)


@fuzz(80)
@given(references, code_lists, st.randoms(use_true_random=False), st.data())
def test_order_duplicates_and_spacing_of_a_code_list_do_not_matter(
    kind: str, tokens: list[str], random: Any, data: st.DataObject
) -> None:
    """The same codes in another order, repeated, with other whitespace, mean the same terms."""
    shuffled = tokens + random.sample(tokens, k=len(tokens) // 2)
    random.shuffle(shuffled)
    a, b = reference(kind).map(data.draw(spaced(tokens))), reference(kind).map(data.draw(spaced(shuffled)))
    assert a.terms == b.terms
    assert set(a.codes) == set(b.codes) and set(a.unknown) == set(b.unknown)


OUTPATIENT_SIBLINGS = sorted(UMBRELLA_CODES["OP"])


@fuzz(150)
@given(
    st.lists(st.sampled_from([*OUTPATIENT_SIBLINGS, "SA", "MH", "*", "CBT", "MD", "ADLT"]), max_size=8), st.booleans()
)
def test_outpatient_umbrella_code_means_regular_outpatient_only_alone(others: list[str], with_op: bool) -> None:
    """The umbrella code OP means regular outpatient only without a more specific setting (OIT, ODT, ORT, OMB, OD)."""
    present = set(others) | ({"OP"} if with_op else set())
    levels = reference("su").map(" ".join([*others, "OP"] if with_op else others)).terms["levels_of_care"]
    regular = (with_op and not present & UMBRELLA_CODES["OP"]) or bool(present & {"ORT", "OMB"})
    assert ("op" in levels) == regular
    assert ("iop" in levels) == ("OIT" in present)


code_rows = st.fixed_dictionaries(
    {},
    optional={
        "category_code": st.none() | st.sampled_from(["SET", "PAY", " set "]) | cell_text,
        "Category_code": st.none() | cell_text,
        "category_name": st.none() | cell_text,
        "service_code": st.none() | st.sampled_from(["OIT", " oit ", "<b>OP</b>", "O P", ""]) | cell_text,
        "Service_code": st.none() | cell_text,
        "service_name": st.none() | cell_text,
        "service_description": st.none() | cell_text,
        "extra": st.none() | cell_text,
    },
)


@fuzz(150)
@given(code_rows)
def test_a_code_reference_row_is_read_or_rejected(fields: dict[str, str | None]) -> None:
    """Only RejectRow or ValidationError escape; a code read is one upper-case token, the category upper-case."""
    try:
        entry = samhsa.code_entry(raw_record("service_code", "samhsa_su", fields))  # either may refuse the row
    except (RejectRow, ValidationError):
        return
    assert entry.code and entry.code == entry.code.upper() and entry.code.split() == [entry.code]
    assert entry.category_code == entry.category_code.upper()
    CodeReference([entry]).map(entry.code)
