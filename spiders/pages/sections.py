"""Program sections of a page, and its sections about insurance.

A section runs from a heading to the next heading of the same or a higher rank (a subheading
stays in its section). A heading naming a level of care (`schemas.level_names`) starts a program;
one about insurance, payment or coverage starts an insurance section, which is never part of a
program (its text is not the program's schedule); one about office hours ("Office hours", "Hours
of operation") or furniture ("Related pages", "Quick links") starts a block that is nobody's:
office hours are not program hours. Any other
heading of the same or a higher rank ends the section.

Headings that are not `<h1>`-`<h6>` get a rank from where they first appear on the page: a
`<summary>` or bold paragraph one below the heading over it (so accordion items nest under the
page title and close each other), a Wix text style its number.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

from lxml import etree

from schemas.level_names import LEVEL_NAMES
from spiders.pages.text import Piece, pieces
from spiders.redirects import site_of

OFFICE_HOURS = re.compile(
    r"\b(?:office|business|opening|clinic|visiting|billing(?: office)?|front desk)\s+hours\b|\bhours of operation\b"
    r"|\bopening times\b",
    re.IGNORECASE,
)
# Headings of page furniture that sits among the content (a sidebar column of a page builder).
FURNITURE = re.compile(
    r"^(?:related\b|quick links|useful links|share\b|follow us|recent posts|categories|tags|in this section)",
    re.IGNORECASE,
)
# A heading about paying: insurance, payment, fees, billing, coverage.
INSURANCE = re.compile(
    r"\b(?:insurance|insured|insurers?|payments?|paying|pay for|billing|bills?|fees?|costs?|coverage|covers?|covered"
    r"|health plans?|financial|financing|self[- ]pay|private pay)\b",
    re.IGNORECASE,
)
# What a statement about coverage says (a call to action "we can check your benefits" says none of it).
INSURANCE_TERMS = re.compile(
    r"\b(?:insurance|insurers?|in[- ]network|out[- ]of[- ]network|medicaid|medicare|medi-cal|health plans?"
    r"|private[- ]pay|self[- ]pay|deductibles?|co-?pays?|out[- ]of[- ]pocket)\b",
    re.IGNORECASE,
)
# A program card's blurb: a sentence or two, against a program section's schedule and details.
CARD_CHARS = 300


@dataclass
class Section:
    """A heading, the level of care it names (None for an insurance section), its lines and links."""

    heading: str
    level: str | None
    rank: int
    lines: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The section's lines run together (whitespace collapsed), as the hours engine reads them."""
        return " ".join(self.lines)


def level_of(text: str) -> str | None:
    """The level of care a heading names ("iop", "php", "op", "residential"), None when it names none."""
    return next((m.lastgroup for m in LEVEL_NAMES.finditer(text.lower()) if m.lastgroup), None)


def ranked(found: list[Piece]) -> list[Piece]:
    """The pieces with the ranks of summaries and bold paragraphs set from where each kind first appears."""
    ranks: dict[str, int] = {}
    last = 0
    for piece in found:
        if piece.kind in ("summary", "bold"):
            piece.rank = ranks.setdefault(piece.kind, min(last + 1, 6))
        elif piece.kind in ("h", "font"):
            last = piece.rank
    return found


def read_sections(root: etree._Element) -> tuple[list[Section], list[Section]]:
    """(program sections, insurance sections) of a page's content, in page order."""
    programs: list[Section] = []
    insurance: list[Section] = []
    current: Section | None = None
    mode: str | None = None  # "program", "insurance", "office" or None (a section of no interest)
    rank = 0
    for piece in ranked(list(pieces(root))):
        text = piece.text
        if not piece.is_heading:
            # A stray "Office hours: ..." line inside a section is the office's, not the program's.
            if current is not None and not OFFICE_HOURS.match(text):
                current.lines += [text] if text else []
                current.links += piece.links
            continue
        level = level_of(text)
        office = OFFICE_HOURS.search(text) is not None or FURNITURE.match(text) is not None
        paying = not level and not office and INSURANCE.search(text) is not None
        if mode == "program" and current is not None and current.heading == text and not current.lines:
            continue  # the page title repeated as the section heading
        if mode is not None and piece.rank > rank and not (level or office or paying):
            if mode == "insurance" and current is not None:
                current.lines.append(text)  # a subheading of a payment page's section is part of its text
            continue
        if current is not None and current.lines:
            (programs if mode == "program" else insurance).append(current)
        current, rank = None, piece.rank
        mode = "office" if office else "program" if level else "insurance" if paying else None
        if mode in ("program", "insurance"):
            current = Section(text, level, piece.rank, links=list(piece.links))
    if current is not None and current.lines:
        (programs if mode == "program" else insurance).append(current)
    return programs, [s for s in insurance if INSURANCE_TERMS.search(s.text)]


def is_site_root(url: str) -> bool:
    """Whether a URL is its site's home page (path "/" or empty, no query)."""
    parts = urlparse(url)
    return parts.path in ("", "/") and not parts.query


def is_card(section: Section, url: str) -> bool:
    """Whether a section is a card pointing at a program's own page: a short blurb with a link to another page."""
    if len(section.text) > CARD_CHARS:
        return False
    here = url.split("#")[0]
    for href in section.links:
        target = urljoin(url, href).split("#")[0]
        if urlparse(target).scheme in ("http", "https") and site_of(target) == site_of(url) and target != here:
            return True
    return False


def without_cards(sections: list[Section], url: str) -> list[Section]:
    """The sections of a page, less the program cards of a home page (several short blurbs linking onwards).

    A home page introducing its programs in cards describes none of them: each card links to the
    program's own page, which the crawl reads.
    """
    if not url or not is_site_root(url):
        return sections
    cards = [s for s in sections if is_card(s, url)]
    return [s for s in sections if s not in cards] if len(cards) >= 2 or len(cards) == len(sections) else sections
