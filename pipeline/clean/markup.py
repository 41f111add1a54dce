"""Markup in text: whether it holds HTML; removing tags, comments, script and style, and character references."""

import html
import re

#: HTML elements whose tags are stripped from text. Only known element names count as tags, so
#: text that merely uses angle brackets ("< 20 hours a week", "<Adults only>") is kept.
HTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "mark",
        "marquee",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "s",
        "samp",
        "script",
        "section",
        "select",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ]
)
#: Elements of SVG and MathML, which HTML pages embed inline (`<svg><text>Acme</text></svg>`), and
#: HTML elements that are obsolete or rare; their tags are stripped like HTML's. MathML's two-letter
#: token elements (mi, mn, mo, ms) are left out: they are state codes, and "<MN>" is text.
EMBEDDED_ELEMENTS = frozenset(
    [
        "acronym",
        "applet",
        "area",
        "basefont",
        "bgsound",
        "dir",
        "hgroup",
        "image",
        "isindex",
        "keygen",
        "listing",
        "map",
        "menu",
        "menuitem",
        "noembed",
        "noframes",
        "plaintext",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "search",
        "slot",
        "spacer",
        "xmp",
        "datalist",
        "animate",
        "animatemotion",
        "animatetransform",
        "circle",
        "clippath",
        "defs",
        "desc",
        "ellipse",
        "feblend",
        "fecolormatrix",
        "fecomponenttransfer",
        "fecomposite",
        "feconvolvematrix",
        "fediffuselighting",
        "fedisplacementmap",
        "fedistantlight",
        "fedropshadow",
        "feflood",
        "fefunca",
        "fefuncb",
        "fefuncg",
        "fefuncr",
        "fegaussianblur",
        "feimage",
        "femerge",
        "femergenode",
        "femorphology",
        "feoffset",
        "fepointlight",
        "fespecularlighting",
        "fespotlight",
        "fetile",
        "feturbulence",
        "filter",
        "foreignobject",
        "g",
        "line",
        "lineargradient",
        "marker",
        "mask",
        "metadata",
        "mpath",
        "path",
        "pattern",
        "polygon",
        "polyline",
        "radialgradient",
        "rect",
        "set",
        "stop",
        "switch",
        "symbol",
        "text",
        "textpath",
        "tspan",
        "use",
        "view",
        "math",
        "maction",
        "menclose",
        "merror",
        "mfenced",
        "mfrac",
        "mglyph",
        "mmultiscripts",
        "mover",
        "mpadded",
        "mphantom",
        "mroot",
        "mrow",
        "mspace",
        "msqrt",
        "mstyle",
        "msub",
        "msubsup",
        "msup",
        "mtable",
        "mtd",
        "mtext",
        "mtr",
        "munder",
        "munderover",
        "semantics",
        "annotation",
    ]
)
# Inline elements vanish without a trace ("<b>Acme</b>"); any other tag separates words ("a<br>b").
_INLINE_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "big",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "kbd",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "tt",
        "tspan",
        "u",
        "var",
    ]
)
#: A start, end or self-closing tag of a known element (attributes may hold anything but brackets).
HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
# Script and style elements are removed with their content: it is code, not text. An unclosed
# one runs to the end of the text.
_SCRIPT = re.compile(r"<(script|style)\b[^<>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# Character references with their semicolon only, so "AT&T" and "R&D;" style text stays as it is.
CHAR_REF_PATTERN = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_CHAR_REF = re.compile(CHAR_REF_PATTERN)


def _tag_replacement(match: re.Match[str]) -> str:
    element = match.group(1).lower()
    if not _known(element):
        return match.group(0)
    return "" if element in _INLINE_ELEMENTS else " "


def has_markup(text: str) -> bool:
    """Whether the text holds an HTML tag of a known element, a comment or a script/style element."""
    if "<" not in text:
        return False
    if _COMMENT.search(text) or _SCRIPT.search(text):
        return True
    return any(_known(m.group(1)) for m in HTML_TAG.finditer(text))


def _known(element: str) -> bool:
    element = element.lower()
    return element in HTML_ELEMENTS or element in EMBEDDED_ELEMENTS


def strip_markup(text: str) -> tuple[str, list[str]]:
    """Remove HTML tags (script/style with their content) and decode character references.

    Returns the text and what was done ("tags removed", "character references decoded"), for a
    warning. Escaped markup (`&lt;b&gt;`) is decoded and then removed as well. Runs until nothing
    changes, so nested tricks (`<scr<b>ipt>`) leave no tag behind.
    """
    if "<" not in text and "&" not in text:
        return text, []  # nearly every value: nothing to do
    done: list[str] = []
    for _ in range(5):
        before = text
        if "<" in text:
            stripped = _remove_tags(text)
            if stripped != text and "tags removed" not in done:
                done.append("tags removed")
            text = stripped
        if "&" in text:
            decoded = _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), text)
            if decoded != text and "character references decoded" not in done:
                done.append("character references decoded")
            text = decoded
        if text == before:
            break
    return text, done


def _remove_tags(text: str) -> str:
    text = _SCRIPT.sub(" ", _COMMENT.sub(" ", text))
    return HTML_TAG.sub(_tag_replacement, text)
