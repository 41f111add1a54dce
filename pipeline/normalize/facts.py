"""What a listing's own words say, read once per listing after its source normalizer.

Every source gets the same treatment, and nobody re-implements it:

- weekly hours from the schedule text or sessions (the hours engine), unless the source stated
  them in a field of its own;
- `hours_level`: which level of care those hours describe, so a facility that runs both an IOP
  and a PHP is never judged on the other program's hours;
- `name_levels` / `text_levels`: the IOP/PHP levels the name and the schedule text call it;
- `php_cues`: PHP-intensity phrases in the part of the text about the listing's program.

Classification (`pipeline.flags.rules`) compares these facts with the levels the codes claim.
"""

from pipeline.hours import Session, estimate_hours
from schemas.level_names import FLAGGED_LEVELS, named_levels
from schemas.listing import Listing
from schemas.vocab import HoursBasis, LevelOfCare


def _program(claimed: set[str]) -> str | None:
    # The hours the pipeline checks are those of the IOP, then of the PHP, a listing offers.
    return next((level for level in FLAGGED_LEVELS if level in claimed), None)


def hours_level(program: str | None, claimed: set[str], text_levels: frozenset[str]) -> str | None:
    """The level the hours of a text describe, or None when that is ambiguous.

    A text naming the program is read for it; a text naming one other level describes that
    level; a text naming none describes the listing's only IOP/PHP level, if it has just one.
    """
    if text_levels:
        if program in text_levels:
            return program
        return next(iter(text_levels)) if len(text_levels) == 1 else None
    return program if len(claimed) == 1 else None


def with_facts(listing: Listing) -> Listing:
    """The listing with hours and level facts filled from its own name, schedule text and sessions."""
    claimed = {str(level) for level in listing.levels_of_care if str(level) in FLAGGED_LEVELS}
    program = _program(claimed)
    update: dict[str, object] = {
        "name_levels": named_levels(f"{listing.name} {listing.name2 or ''}") & set(FLAGGED_LEVELS)
    }
    source_hours = listing.hours_basis is not HoursBasis.UNKNOWN
    if listing.schedule_text or listing.schedule:
        sessions = [Session(s.day, s.start_minute, s.end_minute, s.track) for s in listing.schedule]
        estimate = estimate_hours(listing.schedule_text, sessions=sessions, program=program, levels=True)
        text_levels = estimate.levels_named & set(FLAGGED_LEVELS)
        update |= {"text_levels": text_levels, "php_cues": estimate.cues}
        if not source_hours and estimate.basis is not HoursBasis.UNKNOWN:
            update |= {
                "hours_min": estimate.min,
                "hours_max": estimate.max,
                "hours_basis": estimate.basis,
                "hours_evidence": estimate.evidence,
            }
            source_hours = True
        level = hours_level(program, claimed, text_levels)
    else:
        level = program if len(claimed) == 1 else None
    if source_hours and level is not None:
        update["hours_level"] = LevelOfCare(level)
    if not any(update.values()):
        return listing
    return Listing.model_validate({**listing.model_dump(), **update})
