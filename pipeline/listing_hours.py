"""Fill a listing's weekly hours from the schedule text or sessions its source gave.

Runs once per listing, after the source's own normalizer, so every source gets the same engine
and nobody re-implements it. A listing whose normalizer already set hours (a source that
states them in a field of its own) keeps them.
"""

from pipeline.hours import Session, estimate_hours
from schemas.listing import Listing
from schemas.vocab import HoursBasis, LevelOfCare


def _program(listing: Listing) -> str | None:
    # The hours the pipeline checks are those of the IOP, then of the PHP, a listing offers.
    for level in (LevelOfCare.IOP, LevelOfCare.PHP, LevelOfCare.OP):
        if level in listing.levels_of_care:
            return level.value
    return None


def with_hours(listing: Listing) -> Listing:
    """The listing with hours_min/max/basis/evidence filled from its schedule, when it has one."""
    if listing.hours_basis is not HoursBasis.UNKNOWN or not (listing.schedule_text or listing.schedule):
        return listing
    sessions = [Session(s.day, s.start_minute, s.end_minute, s.track) for s in listing.schedule]
    estimate = estimate_hours(listing.schedule_text, sessions=sessions, program=_program(listing))
    if estimate.basis is HoursBasis.UNKNOWN:
        return listing
    return Listing.model_validate(
        {
            **listing.model_dump(),
            "hours_min": estimate.min,
            "hours_max": estimate.max,
            "hours_basis": estimate.basis,
            "hours_evidence": estimate.evidence,
        }
    )
