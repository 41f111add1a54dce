"""Properties of FindTreatment's service labels: read into known codes whatever their spacing and case."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pipeline.sources.findtreatment import normalize as findtreatment
from pipeline.sources.findtreatment.labels import ALIASES, REFERENCE_LABELS, codes_for_label, fold
from tests.strategies import fuzz
from tests.strategies.codes import KNOWN_LABELS, categories, spaced
from tests.strategies.text import any_text, cell_text

KNOWN_PAIRS = {pair for pairs in REFERENCE_LABELS.values() for pair in pairs} | set(ALIASES.values())


@fuzz(220)
@given(st.sampled_from(KNOWN_LABELS) | any_text, categories)
def test_a_service_label_reads_into_known_codes(label: str, category: str | None) -> None:
    """Never raises; every (category, code) found is one of the label tables'."""
    assert set(codes_for_label(label, category)) <= KNOWN_PAIRS


#: Folded label -> every (category, code) of the labels that fold to it.
PAIRS_BY_FOLDED: dict[str, set[tuple[str, str]]] = {}
for _label, _pairs in [*REFERENCE_LABELS.items(), *((label, (pair,)) for label, pair in ALIASES.items())]:
    PAIRS_BY_FOLDED.setdefault(fold(_label), set()).update(_pairs)


@fuzz(110)
@given(st.sampled_from(KNOWN_LABELS), categories, st.data(), st.randoms(use_true_random=False))
def test_a_service_label_is_read_whatever_its_spacing_and_case(
    label: str, category: str | None, data: st.DataObject, random: Any
) -> None:
    """Runs of whitespace do not change what a label means; a change of case still finds codes of the same label."""
    respaced = data.draw(spaced(label.split(" ")))
    assert codes_for_label(respaced, category) == codes_for_label(label, category)
    recased = "".join(c.swapcase() if random.random() < 0.5 else c for c in label)
    found = codes_for_label(recased, category)
    assert found and set(found) <= PAIRS_BY_FOLDED[fold(label)]


@fuzz(90)
@given(st.lists(st.tuples(categories, st.sampled_from(KNOWN_LABELS) | cell_text), max_size=12))
def test_service_labels_map_to_distinct_codes_and_keep_unknown_labels(labels: list[tuple[str | None, str]]) -> None:
    """Codes come out once each; a label with no code is kept (once) and named in one warning."""
    codes, unknown, warnings = findtreatment.map_labels(labels)
    assert len(codes) == len(set(codes)) and len(unknown) == len(set(unknown))
    assert set(unknown) == {label for category, label in labels if not codes_for_label(label, category)}
    assert len(warnings) == (1 if unknown else 0)
