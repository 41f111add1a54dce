"""Which listings of different sources are the same facility.

Candidate pairs come from blocking on five keys: the main phone, the street address with its
ZIP, the ZIP with the first word of the name, the website's host, and a ~500 m grid cell where
coordinates exist.
Each candidate pair is scored and linked only when the evidence agrees:

- same street address and ZIP, and names alike (token-set similarity ≥ 0.6) or the same phone;
- same phone and ZIP, names alike (≥ 0.6), and no street on one side to say otherwise — a shared
  phone is often an agency's central line for several sites;
- within 150 m of each other, and names very alike (≥ 0.85);
- the same website (host), and names alike, or the same ZIP or phone — how a provider's own
  program page meets its directory listings.

A listing is linked only to listings of *other* sources: two rows of one directory are two
listings by that directory's own account (often two programs at one site). Linked listings form
facilities by union-find; a facility's id is derived from its smallest member id, so it stays
the same while that member does.

Name similarity is rapidfuzz's token-set ratio: it ignores word order and extra words ("Howard
Center / Pine Street Counseling Services" vs "Howard Center"), is implemented in C, and is the
library the Python record-linkage tools build on. Splink would add a probabilistic model and a
training step; with a handful of deterministic keys and no labelled pairs, explicit rules whose
reasons a maintainer can read are the better fit.
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from urllib.parse import urlparse

from rapidfuzz import fuzz

from pipeline.clean import identity_text
from pipeline.ids import NAMESPACE

NAME_ALIKE = 0.6
NAME_SAME = 0.85
NEAR_M = 150.0
_CELL_DEG = 0.005
# A block this large is a shared switchboard or a big campus, not one facility.
MAX_BLOCK = 40

_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "highway": "hwy",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "parkway": "pkwy",
    "suite": "",
    "ste": "",
    "floor": "",
    "fl": "",
    "unit": "",
    "room": "",
    "rm": "",
    "building": "",
    "bldg": "",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}
_NAME_NOISE = {"inc", "llc", "corp", "corporation", "co", "the", "of", "and", "pc", "pllc", "ltd", "dba"}
# Words every other provider has: two names that share only these are not alike
# ("Englewood Mental Health Center" vs "Howard Brown Health Center" in one building).
_GENERIC = {
    "health",
    "healthcare",
    "center",
    "centers",
    "ctr",
    "services",
    "service",
    "servs",
    "behavioral",
    "mental",
    "counseling",
    "clinic",
    "treatment",
    "trt",
    "recovery",
    "program",
    "programs",
    "care",
    "community",
    "hospital",
    "medical",
    "family",
    "wellness",
    "outpatient",
    "systems",
    "system",
    "network",
    "substance",
    "abuse",
    "addiction",
}


def street_key(street: str | None) -> str:
    """A street address folded so spelling variants meet ("123 N. Main Street Ste 4" = "123 n main st")."""
    words = identity_text(street).split()
    out: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        mapped = _STREET_WORDS.get(word, word)
        if mapped == "" and word in {"suite", "ste", "floor", "fl", "unit", "room", "rm", "building", "bldg"}:
            skip_next = True  # the unit number that follows does not tell sites apart
            continue
        out.append(mapped)
    return " ".join(out)


def name_key(*names: str | None) -> str:
    """Names folded for comparison, without legal-form words."""
    return " ".join(w for w in identity_text(" ".join(n for n in names if n)).split() if w not in _NAME_NOISE)


def website_site(url: str | None) -> str:
    """The site of a website address: host, lower case, without "www."; "" when there is none."""
    if not url:
        return ""
    try:
        host = (urlparse(url if "//" in url else f"http://{url}").hostname or "").lower()
    except ValueError:  # "http://[x": an unparseable host is no site to block on
        return ""
    return host.removeprefix("www.")


def distance_m(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """Great-circle distance in metres, or None when a side has no coordinates."""
    if a is None or b is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class LinkInput:
    """What linking reads of one listing."""

    listing_id: str
    source: str
    name: str
    name2: str | None = None
    street: str | None = None
    zip5: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


@dataclass(frozen=True)
class Link:
    """Two listings judged the same facility, with the score and the reasons."""

    listing_a: str
    listing_b: str
    score: float
    reasons: tuple[str, ...]


@dataclass
class _Keys:
    item: LinkInput
    name: str
    street: str
    point: tuple[float, float] | None = field(default=None)
    core: str = ""
    site: str = ""


def _keys(item: LinkInput) -> _Keys:
    point = (item.latitude, item.longitude) if item.latitude is not None and item.longitude is not None else None
    name = name_key(item.name, item.name2)
    core = " ".join(w for w in name.split() if w not in _GENERIC)
    return _Keys(item, name, street_key(item.street), point, core, website_site(item.website))


def score_pair(a: LinkInput, b: LinkInput) -> Link | None:
    """The link between two listings of different sources, or None when the evidence does not agree."""
    return _score(_keys(a), _keys(b))


def _similarity(a: _Keys, b: _Keys) -> float:
    """Token-set similarity of the distinctive words of two names (all words if one has none)."""
    if not a.name or not b.name:
        return 0.0
    core_a, core_b = a.core, b.core
    if core_a and core_b:
        return fuzz.token_set_ratio(core_a, core_b) / 100
    return fuzz.token_set_ratio(a.name, b.name) / 100


def _score(a: _Keys, b: _Keys) -> Link | None:
    if a.item.source == b.item.source:
        return None
    same_zip = bool(a.item.zip5) and a.item.zip5 == b.item.zip5
    same_address = same_zip and bool(a.street) and a.street == b.street
    same_phone = bool(a.item.phone) and a.item.phone == b.item.phone
    similarity = _similarity(a, b)
    distance = distance_m(a.point, b.point)
    near = distance is not None and distance <= NEAR_M
    reasons = []
    if same_address:
        reasons.append("same street address and ZIP")
    if same_phone:
        reasons.append("same phone")
    same_site = bool(a.site) and a.site == b.site
    if near:
        reasons.append(f"{distance:.0f} m apart")
    if same_site:
        reasons.append(f"same website {a.site}")
    reasons.append(f"name similarity {similarity:.2f}")
    linked = (
        (same_address and (similarity >= NAME_ALIKE or same_phone))
        # A shared phone and ZIP are one site only when an address does not say otherwise:
        # agencies answer several sites on one number.
        or (same_phone and same_zip and similarity >= NAME_ALIKE and not (a.street and b.street))
        or (near and similarity >= NAME_SAME)
        # A provider's own page and a directory listing of that provider share its website.
        or (same_site and (similarity >= NAME_ALIKE or same_zip or same_phone))
    )
    if not linked:
        return None
    score = min(1.0, 0.4 * same_address + 0.2 * same_phone + 0.1 * near + 0.1 * same_site + 0.4 * similarity)
    first, second = sorted((a.item.listing_id, b.item.listing_id))
    return Link(first, second, round(score, 3), tuple(reasons))


def find_links(items: Iterable[LinkInput]) -> list[Link]:
    """All links between listings of different sources, each pair once, in a stable order."""
    keyed = [_keys(i) for i in items]
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, k in enumerate(keyed):
        if k.item.phone:
            blocks[("phone", k.item.phone)].append(index)
        if k.street and k.item.zip5:
            blocks[("address", f"{k.street}|{k.item.zip5}")].append(index)
        if k.name and k.item.zip5:
            blocks[("name", f"{k.name.split()[0]}|{k.item.zip5}")].append(index)
        if k.site:
            blocks[("site", k.site)].append(index)
        if k.point is not None:
            # Grid cells of about 500 m; a point joins its cell and the eight around it, so two
            # points closer than a cell always share a block.
            row, col = math.floor(k.point[0] / _CELL_DEG), math.floor(k.point[1] / _CELL_DEG)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    blocks[("cell", f"{row + dr}|{col + dc}")].append(index)
    seen: set[tuple[int, int]] = set()
    links: list[Link] = []
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for i, j in combinations(members, 2):
            pair = (i, j) if i < j else (j, i)
            if pair in seen:
                continue
            seen.add(pair)
            link = _score(keyed[i], keyed[j])
            if link is not None:
                links.append(link)
    links.sort(key=lambda link: (link.listing_a, link.listing_b))
    return links


def facilities(listing_ids: Sequence[str], links: Iterable[Link]) -> dict[str, str]:
    """listing id -> facility id: linked listings share one, an unlinked listing is its own facility."""
    parent = {i: i for i in listing_ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        if link.listing_a in parent and link.listing_b in parent:
            ra, rb = root(link.listing_a), root(link.listing_b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {i: str(uuid.uuid5(NAMESPACE, f"facility|{root(i)}")) for i in listing_ids}
