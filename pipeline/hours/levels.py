"""The parts of a schedule text about one level of care, when the text names several ("PHP ... IOP ...")."""

import re
from bisect import bisect_right
from collections.abc import Sequence

from pipeline.hours.model import Kind, Mention

# Connectors between two names of levels of care that make them one subject ("PHP and IOP").
# The separator runs are possessive: giving their characters back to `[\s,()]*$` only repeats a
# failing match, quadratically in the length of a long run of separators.
_JOINED = re.compile(
    r"^[\s,()/&-]*+(?:(?:programs?|treatment|services?|level)[\s,()/&-]*+)*(?:(?:and|or|&|/)\s*)?"
    r"(?:the\s+|our\s+)?[\s,()]*$"
)
# A level named after these words is a reference ("step down from PHP"), not the subject.
_REFERENCE = re.compile(
    r"\b(?:from|than|to|unlike|after|before|vs|versus|into|towards?|of)\s+(?:an?\s+|the\s+|our\s+)?$"
)


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
    for name in names:
        if previous is not None and _JOINED.match(text[previous.end : name.start]):
            subjects[-1][1].add(name.program or "")
        elif _REFERENCE.search(text[max(0, name.start - 20) : name.start]) and subjects:
            pass
        else:
            subjects.append((name.start, {name.program or ""}))
        previous = name
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
