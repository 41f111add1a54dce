"""What a provider's pages say about the provider: its name, where it is, its phone, what it says about payment.

Each reader takes one parsed page; `SiteFacts` gathers them over the pages of a site, so a fact
found on any page (the home page's footer, the contact page) serves every program of the site.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from spiders.pages.sections import INSURANCE, OFFICE_HOURS, level_of
from spiders.pages.text import collapse, content_root, pieces

# schema.org types of the one who runs the site, not of the page (WebPage, WebSite, BreadcrumbList).
ORGANISATION = re.compile(
    r"(?:Organization|Business|Clinic|Hospital|Physician|Practice|Center|Centre|NGO|Corporation|Dentist|Pharmacy)$"
)
# The separators that join a page's own title to the site's name ("IOP | Acme Recovery").
TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014:\u00b7\u2022\u00bb]\s+|\s*\|\s*")
_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|District of Columbia|Florida|Georgia"
    "|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota"
    "|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina"
    "|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah"
    "|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[ADLN]|K[SY]|LA"
    "|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]"
)
# An address as a footer or contact block writes it: a street line, "City, ST 12345", or a state alone.
STREET = re.compile(
    r"^(?:[A-Za-z ]{1,20}:\s*)?\d{1,6}[A-Za-z]?\s+(?:[\w.'\u2019-]+\s+){0,6}?"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Way|Ln|Lane|Pike|Hwy|Highway|Pkwy|Parkway|Ct|Court"
    r"|Pl|Place|Ter|Terrace|Cir|Circle|Sq|Square|Trl|Trail|Plaza|Row|Turnpike|Loop)\b\.?",
)
CITY_STATE = re.compile(rf"^(?:[A-Z][\w.'\u2019 -]{{1,40}},\s*)?(?:{_STATES})\.?(?:\s+\d{{5}}(?:-\d{{4}})?)?$")
PHONE = re.compile(r"(?:\+?1[-.\s]?)?(?:\(\d{3}\)\s?|\b\d{3}[-.\s])\d{3}[-.\s]\d{4}\b")
# Pages (by URL or heading) where a site says where it is.
CONTACT = re.compile(r"contact|location|directions|visit|find[- ]us|address", re.IGNORECASE)


def organisation_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON-LD objects describing an organisation (also inside `@graph`), in page order."""
    found: list[dict[str, Any]] = []
    for block in blocks:
        for item in [block, *(block.get("@graph") or [])] if isinstance(block.get("@graph"), list) else [block]:
            types = item.get("@type") if isinstance(item, dict) else None
            names = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and ORGANISATION.search(t) for t in names):
                found.append(item)
    return found


def title_parts(title: str) -> list[str]:
    """A page title cut at its separators ("IOP | Acme Recovery" -> ["IOP", "Acme Recovery"])."""
    return [part for part in (collapse(p) for p in TITLE_SEPARATOR.split(title)) if part]


def _meta(root: etree._Element, name: str) -> str | None:
    values = root.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
    return collapse(values[0]) or None if values else None


def _logo_alt(root: etree._Element) -> str | None:
    for image in root.iter("img"):
        names = " ".join(filter(None, (image.get("class"), image.get("id"), image.get("src"), image.get("alt"))))
        parent = image.getparent()
        around = " ".join(filter(None, (parent.get("class"), parent.get("id")))) if parent is not None else ""
        if "logo" in f"{names} {around}".lower() and (alt := collapse(image.get("alt") or "")):
            name = collapse(re.sub(r"\blogo\b", "", alt, flags=re.IGNORECASE)).strip(" -|")
            if name:
                return name
    return None


def _furniture_lines(root: etree._Element) -> list[str]:
    """Lines of the page's footers (where a site puts its address and phone), then of its header."""
    parts = root.xpath(
        "//footer | //*[@role='contentinfo'] | //*[(contains(translate(@class, 'FOTER', 'foter'), 'footer')"
        " or contains(translate(@id, 'FOTER', 'foter'), 'footer')) and not(ancestor::footer)]"
        " | //header | //*[@role='banner']"
    )
    return [p.text for part in parts for p in pieces(part, furniture=True) if p.text and not p.is_heading]


def location_in(lines: list[str]) -> tuple[int, str] | None:
    """(how precise, text as written) of the best address in some lines: 3 a street, 2 a city and state, 1 a state."""
    best: tuple[int, str] | None = None
    # A footer often runs name, address and phone together on one line, between bars.
    lines = [part for line in lines for part in re.split(r"\s+[|\u2022\u00b7]\s+|\s*\|\s*", line) if part]
    for index, line in enumerate(lines):
        if len(line) > 140 or OFFICE_HOURS.search(line):
            continue
        if STREET.match(line):
            after = lines[index + 1] if index + 1 < len(lines) else ""
            found = (3, f"{line}, {after}" if CITY_STATE.match(after) and not CITY_STATE.search(line) else line)
        elif CITY_STATE.match(line):
            found = (2 if "," in line or re.search(r"\d{5}", line) else 1, line)
        else:
            continue
        if best is None or found[0] > best[0]:
            best = found
    return best


def page_lines(root: etree._Element) -> list[str]:
    """The lines of a page's main content, headings included, less office hours and furniture."""
    lines: list[str] = []
    skip_rank = 0
    for piece in pieces(content_root(root)):
        if piece.is_heading:
            if skip_rank and piece.rank > skip_rank:
                continue
            skip_rank = piece.rank if OFFICE_HOURS.search(piece.text) else 0
        if piece.text and not skip_rank and not OFFICE_HOURS.match(piece.text):
            lines.append(piece.text)
    return lines


def insurance_page_text(root: etree._Element, title: str) -> str | None:
    """The main text of a page about insurance, payment, fees, billing or coverage ("\\n" between lines); else None.

    The page's own heading (its first `<h1>`, else its title) says what it is about; a heading that
    names a level of care is a program's page, whatever it says about paying.
    """
    main = content_root(root)
    h1 = next((collapse(h.xpath("string()")) for h in main.iter("h1")), None)
    heading = h1 or (title_parts(title) or [""])[0]
    if not heading or level_of(heading) or not INSURANCE.search(heading):
        return None
    return "\n".join(page_lines(root)) or None


@dataclass
class SiteFacts:
    """What the pages of one site said about the provider, gathered page by page."""

    organisations: list[dict[str, Any]] = field(default_factory=list)
    site_names: Counter[str] = field(default_factory=Counter)
    titles: list[str] = field(default_factory=list)
    logo_alt: str | None = None
    location: tuple[int, str, str] | None = None  # (precision, text, url)
    phone: str | None = None
    insurance: list[dict[str, str]] = field(default_factory=list)

    def read(self, root: etree._Element, url: str, blocks: list[dict[str, Any]], title: str) -> None:
        """Take in one page of the site: its JSON-LD, meta, title, logo, footer and contact text."""
        self.organisations += organisation_blocks(blocks)
        if site_name := _meta(root, "og:site_name"):
            self.site_names[site_name] += 1
        if title:
            self.titles.append(title)
        self.logo_alt = self.logo_alt or _logo_alt(root)
        if self.location is not None and self.location[0] == 3 and self.phone:
            return  # a street address and a phone already: nothing more precise to find
        lines = _furniture_lines(root)
        if CONTACT.search(url) or CONTACT.search(title):
            lines += page_lines(root)
        found = location_in(lines)
        if found and (self.location is None or found[0] > self.location[0]):
            self.location = (found[0], found[1], url)
        if self.phone is None:
            self.phone = next((m[0] for line in lines for m in [PHONE.search(line)] if m), None)

    def add_insurance(self, url: str, placement: str, text: str) -> None:
        """Record an insurance text of the site (a text already recorded, e.g. a repeated FAQ, once)."""
        if text and all(known["text"] != text for known in self.insurance):
            self.insurance.append({"url": url, "placement": placement, "text": text})

    def provider_name(self) -> tuple[str | None, str | None]:
        """(name, where it came from): JSON-LD organisation, og:site_name, the site part of titles, logo alt."""
        for block in self.organisations:
            if isinstance(block.get("name"), str) and collapse(block["name"]):
                return collapse(block["name"]), "json_ld"
        if self.site_names:
            return self.site_names.most_common(1)[0][0], "og_site_name"
        if name := self.title_name():
            return name, "title"
        if self.logo_alt:
            return self.logo_alt, "logo_alt"
        return None, None

    def title_name(self) -> str | None:
        """The site's part of its page titles: the part most titles repeat, else the last part after a separator."""
        split = [title_parts(t) for t in self.titles]
        counts = Counter(part for parts in split if len(parts) > 1 for part in set(parts))
        repeated = [part for part, n in counts.most_common() if n > 1 and not level_of(part)]
        if repeated:
            return repeated[0]
        # One title only: the part after the separator, unless that part names the program ("Acme | IOP").
        named = (next((p for p in reversed(parts) if not level_of(p)), None) for parts in split if len(parts) > 1)
        return next((name for name in named if name), None)

    def organisation_json(self) -> str | None:
        """JSON text of the site's organisation block, preferring one with an address; None when none was seen."""
        blocks = sorted(self.organisations, key=lambda b: "address" not in b)
        return json.dumps(blocks[0]) if blocks else None

    def fields(self) -> dict[str, str | None]:
        """The site's facts as the text cells of a program record."""
        name, source = self.provider_name()
        return {
            "provider_name": name,
            "provider_name_from": source,
            "site_json_ld": self.organisation_json(),
            "location_text": self.location[1] if self.location else None,
            "location_url": self.location[2] if self.location else None,
            "contact_phone": self.phone,
            "insurance_texts": json.dumps(self.insurance),
        }
