"""The parts of a schedule text about one level of care, when the text names several ("PHP ... IOP ...")."""

import re
from bisect import bisect_right
from collections.abc import Sequence

from pipeline.hours.model import Kind, Mention
from pipeline.hours.positions import clause_start

# Connectors between two names of levels of care that make them one subject ("PHP and IOP").
# The separator runs are possessive: giving their characters back to `[\s,()]*$` only repeats a
# failing match, quadratically in the length of a long run of separators.
_JOINED = re.compile(
    r"^[\s,()/&-]*+(?:(?:programs?|treatment|services?|level)[\s,()/&-]*+)*(?:(?:and|or|&|/)\s*)?"
    r"(?:the\s+|our\s+)?[\s,()]*$"
)
# A level named after these words is a reference ("step down from PHP"), not the subject.
_REFERENCE = re.compile(
    r"(?:\b(?:from|than|to|unlike|after|before|vs|versus|into|towards?|of)\s+(?:an?\s+|the\s+|our\s+)?"
    # "the gap between intensive residential care and ...", "the most intensive outpatient service":
    # a comparison or a description, not the program the text is about.
    r"|\bbetween\s+(?:[a-z]+\s+){0,2}|\b(?:most|more|less|least)\s+)$"
)
# ... except a move to a level, which starts the part about it: "patients then step down to
# intensive outpatient, three days a week".
_TRANSITION = re.compile(
    r"\b(?:steps?|stepped|stepping)\s+(?:down|up)\s+(?:in)?to\s+(?:an?\s+|the\s+|our\s+)?$"
    r"|\b(?:transitions?|transitioning|moves?|moving|progress(?:es)?|progressing|graduates?|graduating)\s+"
    r"(?:in)?to\s+(?:an?\s+|the\s+|our\s+)?$"
)
_TAG_BEFORE = re.compile(r"\(\s*$")
_TAG_AFTER = re.compile(r"\s*\)\s*(?:[.;!?\n|]|$)")
# The second of two names joined by "and"/"or" is a reference when the first is ("between
# inpatient care and weekly outpatient therapy").
_PAIRED = re.compile(r"^[\s,]*(?:[a-z]+\s+){0,2}?(?:and|or|&)\s+(?:[a-z]+\s+){0,2}$")


def select_program(mentions: Sequence[Mention], text: str, program: str | None) -> list[Mention]:
    """The mentions about `program` when the text names more than one level of care.

    A name starts a segment that runs to the next name of another level; names joined by
    "and"/"or" share one segment; the part before the first name is shared by all.
    """
    names = [m for m in mentions if m.kind is Kind.PROGRAM]
    others = [m for m in mentions if m.kind is not Kind.PROGRAM]
    if program is None or len({m.program for m in names}) < 2 or program not in {m.program for m in names}:
        return others
    # Group names into subjects: (start offset, set of programs).
    subjects: list[tuple[int, set[str]]] = []
    previous: Mention | None = None
    previous_reference = False
    for name in names:
        between = text[previous.end : name.start] if previous is not None else ""
        before = text[max(0, name.start - 30) : name.start]
        reference = (bool(_REFERENCE.search(before)) and not _TRANSITION.search(before)) or (
            previous_reference and bool(_PAIRED.match(between))
        )
        if previous is not None and not previous_reference and _JOINED.match(between):
            subjects[-1][1].add(name.program or "")
        elif reference and subjects:
            pass
        elif _TAG_BEFORE.search(text, max(0, name.start - 3), name.start) and _TAG_AFTER.match(text, name.end):
            # A name in parentheses that ends its sentence labels the sentence it ends: "Weeks 1-2:
            # Monday-Friday, 9 am - 3 pm (PHP). Weeks 3-6: three days a week, 9 am - noon (IOP)."
            start = clause_start(text, 0, name.start)
            subjects.append((max(start, subjects[-1][0] + 1 if subjects else 0), {name.program or ""}))
        else:
            subjects.append((name.start, {name.program or ""}))
        previous, previous_reference = name, reference
    if not subjects:
        return others
    # A mention belongs to the last subject that starts at or before it (subjects are in text order).
    subject_starts = [start for start, _ in subjects]
    keep: list[Mention] = []
    for mention in others:
        index = bisect_right(subject_starts, mention.start) - 1
        if index < 0 or program in subjects[index][1]:
            keep.append(mention)
    return keep
