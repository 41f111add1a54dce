"""The crawl-stats key names: their format (users read stats.json) and that they are written once."""

import ast

import pytest

from schemas.crawl_stats import SOURCE_PREFIX, is_error_key, source_key
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("ny_omh", "complete"), "iopdir/source/ny_omh/complete"),
        (("samhsa_su", "records", "samhsa_facility"), "iopdir/source/samhsa_su/records/samhsa_facility"),
        (("findtreatment", "query", "VA", "rows"), "iopdir/source/findtreatment/query/VA/rows"),
    ],
)
def test_source_keys(args: tuple[str, ...], key: str) -> None:
    assert source_key(*args) == key


def test_error_keys() -> None:
    assert is_error_key("iopdir/source/ny_omh/error")
    assert not is_error_key("iopdir/source/ny_omh/complete")
    assert not is_error_key("downloader/exception_type_count/error")


def test_no_code_outside_schemas_spells_a_stats_key() -> None:
    # String literals and f-string pieces in code (docstrings aside) must build keys with source_key.
    offenders = []
    for folder in ("spiders", "pipeline", "flows"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and node.value.startswith(("iopdir/", SOURCE_PREFIX))
            ]
    assert offenders == []
