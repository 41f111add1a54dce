"""Every file or module of the repository that README.md or docs/ names exists (the docs follow moves)."""

import re
from importlib.util import find_spec

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Paths into our own folders, and dotted names of our own modules (`pipeline.store.connection`).
PATH = re.compile(r"(?<![\w./-])((?:pipeline|flows|spiders|schemas|tests|benchmarks|scripts)/[\w./-]*\w)")
MODULE = re.compile(r"(?<![\w./-])((?:pipeline|flows|spiders|schemas)(?:\.[a-z_][a-z0-9_]*)+)")


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    return [(doc.name, match.group(1)) for doc in DOCS for match in pattern.finditer(doc.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(("doc", "path"), _mentions(PATH))
def test_named_paths_exist(doc: str, path: str) -> None:
    assert (ROOT / path).exists(), f"{doc} names {path}, which does not exist"


def _is_module_or_attribute(dotted: str) -> bool:
    # `pipeline.store.connect` names a function of a module: the longest module prefix must exist
    # and hold the rest as an attribute.
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found = find_spec(name) is not None
        except ModuleNotFoundError:  # a prefix is a module, not a package: `name` is an attribute
            found = False
        if found:
            obj = __import__(name, fromlist=["_"])
            for attribute in parts[cut:]:
                if not hasattr(obj, attribute):
                    return False
                obj = getattr(obj, attribute)
            return True
    return False


@pytest.mark.parametrize(("doc", "dotted"), _mentions(MODULE))
def test_named_modules_exist(doc: str, dotted: str) -> None:
    assert _is_module_or_attribute(dotted), f"{doc} names {dotted}, which is no module or attribute of ours"
