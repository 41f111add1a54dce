"""The shared normalizer steps (`pipeline.sources.skeleton`), on a made-up source: order, rejects, hooks."""

from typing import Any, ClassVar

import pytest

from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.sources.skeleton import Draft, Identity, SourceFields, SourceNormalizer, Terms, address_key
from schemas.raw import RawRecord
from schemas.vocab import PhoneKind


class _Toy(SourceNormalizer[dict[str, Any]]):
    """A source whose columns are named like the listing; records which hooks ran, in order."""

    name_column = "title"
    state_column = "region"
    calls: ClassVar[list[str]] = []

    def read(self, record: RawRecord) -> dict[str, Any]:
        self.calls.append("read")
        return dict(record.fields)

    def fields(self, row: dict[str, Any]) -> SourceFields:
        return SourceFields(
            text={"name": row.get("title"), "street": row.get("street")},
            state=row.get("region"),
            zip=row.get("zip"),
            phones=[(row.get("phone"), PhoneKind.MAIN), (row.get("phone"), PhoneKind.INTAKE)],
            latitude=row.get("lat"),
            longitude=row.get("lon"),
            website=row.get("url"),
        )

    def check(self, row: dict[str, Any], draft: Draft) -> None:
        self.calls.append("check")
        if row.get("bad"):
            raise RejectRow("bad", "the toy's own check")

    def terms(self, row: dict[str, Any], draft: Draft, codes: CodeReference) -> Terms:
        self.calls.append("terms")
        return Terms(levels_of_care=frozenset({"iop"}), source_codes=("T1",), warnings=["toy terms warning"])

    def identity(self, row: dict[str, Any], draft: Draft) -> Identity:
        return Identity(address_key(draft), "rest")


class _OptionalState(_Toy):
    state_required = False


def _record(**fields: str | None) -> RawRecord:
    base = {"title": "Toy Program", "street": "1 Main St", "region": "VA", "zip": "22902", "phone": "434-979-8871"}
    return RawRecord(
        record_type="toy",
        source="toy",
        source_url="https://toy.example/",
        source_file="toy",
        record_id="1",
        fetched_at="2026-11-27T12:00:00+00:00",
        fields={**base, **fields},
    )


def test_every_step_runs_in_order_and_warnings_keep_that_order() -> None:
    _Toy.calls.clear()
    listing = _Toy().normalize(
        _record(street="<b>1 Main St</b>", zip="abc", lat="91", lon="0", url="www.toy.example"), CodeReference(()), "r"
    )
    assert _Toy.calls == ["read", "check", "terms"]
    assert listing.warnings == (
        "street: HTML tags removed",
        "zip 'abc' is not a US ZIP code; dropped",
        "coordinates (91, 0) are out of range; dropped",
        "website 'www.toy.example' is not an http(s) URL; dropped",
        "toy terms warning",
    )
    # One number listed as main and intake is kept once, as listed first.
    assert [(p.e164, p.kind.value) for p in listing.phones] == [("+14349798871", "main")]
    assert (listing.levels_of_care, listing.source_codes) == ({"iop"}, ("T1",))
    key = ("toy program", "", "1 main st", "", "", "VA", "", "+14349798871")
    assert listing.listing_id == listing_id("toy", *key)
    assert listing.disambiguated_id == disambiguated_id(listing.listing_id, "rest")


@pytest.mark.parametrize(
    ("fields", "field", "message", "calls"),
    [
        ({"title": "<br>"}, "title", "facility name is empty", ["read"]),
        ({"title": "", "bad": "1"}, "title", "facility name is empty", ["read"]),  # the name comes first
        ({"bad": "1", "region": "Nowhere"}, "bad", "the toy's own check", ["read", "check"]),
        ({"region": "Nowhere"}, "region", "'Nowhere' is not a US state or territory", ["read", "check"]),
        ({"region": None}, "region", "state is empty", ["read", "check"]),
    ],
)
def test_the_first_step_that_cannot_go_on_rejects_on_the_sources_column(
    fields: dict[str, str | None], field: str, message: str, calls: list[str]
) -> None:
    _Toy.calls.clear()
    with pytest.raises(RejectRow) as error:
        _Toy().normalize(_record(**fields), CodeReference(()), "r")
    assert (error.value.field, error.value.message, _Toy.calls) == (field, message, calls)


@pytest.mark.parametrize(
    ("region", "warnings"),
    [(None, ()), ("Nowhere", ("region: 'Nowhere' is not a US state or territory; dropped",))],
)
def test_an_optional_state_is_dropped_with_a_warning(region: str | None, warnings: tuple[str, ...]) -> None:
    listing = _OptionalState().normalize(_record(region=region), CodeReference(()), "r")
    assert listing.state is None
    assert listing.warnings[: len(warnings)] == warnings
