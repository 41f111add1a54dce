"""A page's readable content as a flat run of headings and lines, without the page's furniture.

Provider sites are built with very different tools (WordPress page builders, Squarespace, hospital
CMSs, Wix, hand-written HTML), so nothing here keys on one tool: the reader knows HTML's own
vocabulary (headings, tables, tab panels, `<details>`), ARIA roles, and the class names the page
furniture is given everywhere (sidebar, widget, cookie, breadcrumb, testimonial...).

A heading is an `<h1>`-`<h6>`, or what a page builder uses instead: a `<summary>` (the title of an
accordion item), a paragraph styled as a heading (`<p class="font_2">`, Wix's numbered text
styles 0-6) or a short paragraph entirely in bold. A line is the text of a block element with its
inline children (spans, links, bold) run together as the browser shows them; a `<br>` starts a
new line; a table row is one line with its cells joined, so a day and its times stay together.
Hidden tab panels and closed accordions are read: their text is on the page, one click away.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

SPACE = re.compile(r"\s+")
# Elements whose text runs on with their neighbours' (the browser does not break lines around them).
INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
# Never content: page chrome, scripts, forms and controls (the "Call now" button, tab labels).
SKIP_TAGS = frozenset(
    [
        "aside",
        "audio",
        "button",
        "canvas",
        "dialog",
        "form",
        "head",
        "iframe",
        "input",
        "link",
        "map",
        "meta",
        "nav",
        "noscript",
        "object",
        "option",
        "script",
        "select",
        "style",
        "svg",
        "template",
        "textarea",
        "title",
        "video",
    ]
)
SKIP_ROLES = frozenset(
    [
        "alert",
        "alertdialog",
        "banner",
        "complementary",
        "contentinfo",
        "dialog",
        "menu",
        "menubar",
        "navigation",
        "search",
        "tablist",
    ]
)
# Class or id words of furniture: sidebars and their widgets (WordPress puts them inside <main>
# too), banners, breadcrumbs, testimonials and quotes, share bars, buttons ("Call now"). Whole
# words only: Elementor calls every content block "elementor-widget", which is content.
NOISE = re.compile(
    r"(?:^|\s)(?:[\w-]*(?:sidebar|cookie|consent|breadcrumbs?|testimonials?|quote|newsletter|social|share|button)[\w-]*"
    r"|widget|widget-area|widget_[\w-]+|header|site-header|masthead|[\w-]*footer[\w-]*|[\w-]*location-header"
    r"|[\w-]*alert[\w-]*|banner|[\w-]*-banner|skip-link|left-nav|utility-nav|sub-nav|subnav|cta-band)(?=\s|$)",
    re.IGNORECASE,
)
FONT_CLASS = re.compile(r"(?:^|\s)font_(\d+)(?=\s|$)")
BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)


@dataclass
class Piece:
    """A heading (rank 1-7, `kind` h/summary/font/bold) or a line of text (rank 0), with the links in it.

    A line without text carries the links of a button (where a block leads, e.g. a card's "Learn more").
    """

    text: str
    rank: int = 0
    kind: str = "line"
    links: list[str] = field(default_factory=list)

    @property
    def is_heading(self) -> bool:
        """Whether the piece is a heading."""
        return self.rank > 0


def collapse(text: str) -> str:
    """Whitespace collapsed to single spaces, trimmed."""
    return SPACE.sub(" ", text).strip()


def is_noise(element: etree._Element) -> bool:
    """Whether an element is page furniture, never content (by tag, ARIA role or class words)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in SKIP_TAGS:
        return True
    if tag in ("header", "footer"):
        # A header inside <main> or an article is the article's own (it may hold the page's h1).
        return tag == "footer" or not any(a.tag in ("main", "article") for a in element.iterancestors())
    if element.get("role") in SKIP_ROLES:
        return True
    if tag == "figure" and element.find("blockquote") is not None:
        return True  # a pull quote: what a client said, not what the program is
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(names.strip()) and NOISE.search(names) is not None


def content_root(root: etree._Element) -> etree._Element:
    """The page's `<main>` (its role="main"), else its body, else the document."""
    for found in root.iter("main"):
        return found
    for found in root.iterfind(".//*[@role='main']"):
        return found
    for found in root.iter("body"):
        return found
    return root


def _inline_text(element: etree._Element, lines: list[str], links: list[str]) -> None:
    # Appends the element's text to the current (last) line; a <br> opens a new one. A loop, not
    # recursion: a page may nest thousands of spans, as deep as the parser goes.
    todo: list[etree._Element | str] = [element]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            lines[-1] += node
        elif node.tag == "br":
            lines.append("")
        elif isinstance(node.tag, str) and not is_noise(node):
            if node.tag == "a" and node.get("href"):
                links.append(node.get("href", ""))
            lines[-1] += node.text or ""
            for child in reversed(node):
                todo += [child.tail or "", child]


def _heading_kind(element: etree._Element, text: str) -> tuple[int, str] | None:
    # (rank, kind) of an element that is a heading; ranks of summaries and bold paragraphs are set later.
    tag = element.tag
    if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
        return int(tag[1]), "h"
    if tag == "summary":
        return 7, "summary"
    if tag != "p" or not text or len(text) > 120:
        return None
    if match := FONT_CLASS.search(element.get("class", "")):
        return (max(1, int(match[1])), "font") if int(match[1]) <= 6 else None
    bold = [
        collapse(e.xpath("string()"))
        for e in element.iter("strong", "b", "span")
        if e.tag != "span" or BOLD_STYLE.search(e.get("style", ""))
    ]
    return (7, "bold") if text in bold and len(text.split()) <= 14 else None


def is_unseen(element: etree._Element) -> bool:
    """Whether an element is never shown as text (scripts, styles, forms' controls): skipped even in furniture."""
    return element.tag in SKIP_TAGS and element.tag not in ("aside", "nav", "form", "dialog")


def pieces(root: etree._Element, furniture: bool = False) -> Iterator[Piece]:
    """The headings and lines of `root`'s content in document order; furniture left out unless asked for.

    With `furniture`, the text of footers, sidebars and banners is read too (the site's address and
    phone are there), scripts and styles still not.
    """
    yield from _walk(root, is_unseen if furniture else is_noise)


def _row(row: etree._Element, skip: Callable[[etree._Element], bool]) -> Iterator[Piece]:
    # A table row is one line: its cells joined, so a day and its times stay together.
    cells = [collapse(c.xpath("string()")) for c in row if c.tag in ("td", "th") and not skip(c)]
    if text := " ".join(c for c in cells if c):
        yield Piece(text, links=[a.get("href", "") for a in row.iter("a") if a.get("href")])


def _walk(root: etree._Element, skip: Callable[[etree._Element], bool]) -> Iterator[Piece]:
    # Depth first with a stack of open elements, not recursion: content nested as deep as the
    # parser reads (2,048 levels) must not exhaust Python's stack. Each open element keeps the
    # text read since its last block child; a block child flushes it first.
    if root.tag == "tr":
        yield from _row(root, skip)
        return
    frames = [(root, iter(root), [root.text or ""], [])]
    while frames:
        element, children, lines, links = frames[-1]
        for child in children:
            if not isinstance(child.tag, str):  # comments, processing instructions
                lines[-1] += child.tail or ""
            elif child.tag in INLINE or child.tag == "br":
                _inline_text(child, lines, links)
                lines[-1] += child.tail or ""
            elif skip(child):
                # A button's target still tells where a block leads (a program card's "Learn more").
                if "button" in f"{child.tag} {child.get('class', '')}".lower():
                    yield Piece("", links=[a.get("href", "") for a in child.iter("a") if a.get("href")])
                lines[-1] += child.tail or ""
            else:
                yield from _flush(element, lines, links)
                lines[:], links[:] = [child.tail or ""], []  # the tail follows the child's own content
                if child.tag == "tr":
                    yield from _row(child, skip)
                    continue
                frames.append((child, iter(child), [child.text or ""], []))
                break
        else:
            frames.pop()
            yield from _flush(element, lines, links)


def _flush(element: etree._Element, lines: list[str], links: list[str]) -> Iterator[Piece]:
    texts = [t for t in (collapse(line) for line in lines) if t]
    if not texts:
        return
    if (
        element.tag == "li"
        and links
        and collapse("".join(a.xpath("string()") for a in element.iter("a"))) == " ".join(texts)
    ):
        return  # an item of a list of links: a menu, wherever it is
    heading = _heading_kind(element, " ".join(texts))
    if heading:
        yield Piece(" ".join(texts), heading[0], heading[1], list(links))
        return
    for text in texts:
        yield Piece(text, links=list(links))
