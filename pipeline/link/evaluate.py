"""Score linking against hand-labelled pairs of listings (`tests/fixtures/links/pairs.jsonl` format).

A labelled pair says whether two listings of different sources are the same facility
(`same_facility`: true, false, or null when the labeller could not tell). The database's
facilities give the answer: two listings are linked when they share a `facility_members` row's
facility, directly or through other listings, which is what a user of the facility view sees.
Unlabelled pairs are listed but not scored. A pair whose listing the database does not hold makes
the evaluation fail: the labels belong to another set of listings.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.store.connection import connect


@dataclass(frozen=True)
class LabelledPair:
    """Two listings and whether a person judged them one facility (None: could not tell)."""

    listing_a: str
    listing_b: str
    stratum: str
    same: bool | None
    reason: str


@dataclass(frozen=True)
class PairResult:
    """A labelled pair and whether the database puts both listings in one facility."""

    pair: LabelledPair
    linked: bool

    @property
    def ok(self) -> bool | None:
        """Whether the database agrees with the label; None for an unlabelled pair."""
        return None if self.pair.same is None else self.pair.same == self.linked


@dataclass(frozen=True)
class LinkScores:
    """Pair counts behind precision and recall (unlabelled pairs left out)."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        """Share of linked pairs that are one facility (1.0 when nothing is linked)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of one-facility pairs that are linked (1.0 when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self, label: str) -> str:
        """`label: precision P recall R (tp T fp F fn N)`."""
        return (
            f"{label}: precision {self.precision:.3f} recall {self.recall:.3f} (tp {self.tp} fp {self.fp} fn {self.fn})"
        )


def read_pairs(path: str | Path) -> Iterator[LabelledPair]:
    """The labelled pairs of a JSON-lines file; `ValueError` naming the line of a bad record."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                same = record["same_facility"]
                if same is not None and not isinstance(same, bool):
                    raise ValueError("same_facility must be true, false or null")
                yield LabelledPair(
                    str(record["listing_a"]),
                    str(record["listing_b"]),
                    str(record.get("stratum") or ""),
                    same,
                    str(record.get("reason") or ""),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ValueError(f"line {number}: {error}") from error


def evaluate_links(pairs_path: str | Path, db_path: str | Path) -> list[PairResult]:
    """Each labelled pair with whether the database's facilities link its two listings."""
    pairs = list(read_pairs(pairs_path))
    ids = sorted({i for p in pairs for i in (p.listing_a, p.listing_b)})
    con = connect(db_path, read_only=True)
    try:
        facility = dict(
            con.execute(
                "SELECT listing_id, facility_id FROM facility_members WHERE listing_id IN (SELECT unnest($ids))",
                {"ids": ids},
            ).fetchall()
        )
    finally:
        con.close()
    missing = [i for i in ids if i not in facility]
    if missing:
        raise ValueError(
            f"{len(missing)} of the {len(ids)} labelled listings are not in {db_path} (first: {missing[0]}); "
            "the labels are for another set of listings"
        )
    return [PairResult(p, facility[p.listing_a] == facility[p.listing_b]) for p in pairs]


def scores(results: list[PairResult]) -> LinkScores:
    """Counts of the labelled pairs by label and answer."""
    labelled = [r for r in results if r.pair.same is not None]
    return LinkScores(
        tp=sum(r.pair.same and r.linked for r in labelled),
        fp=sum(not r.pair.same and r.linked for r in labelled),
        fn=sum(r.pair.same and not r.linked for r in labelled),
        tn=sum(not r.pair.same and not r.linked for r in labelled),
    )


def scores_by_stratum(results: list[PairResult]) -> dict[str, LinkScores]:
    """The counts of each stratum the pairs were drawn from, in name order."""
    strata = sorted({r.pair.stratum for r in results})
    return {s: scores([r for r in results if r.pair.stratum == s]) for s in strata}
