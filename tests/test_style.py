"""Repository-wide checks: ruff clean, and the layers import only downwards."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# package -> packages of ours it must never import
FORBIDDEN = {
    "schemas": {"spiders", "pipeline", "flows"},
    "spiders": {"pipeline", "flows"},
    "pipeline": {"spiders", "flows"},
}


def test_ruff_is_clean() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN[package]]
    assert offenders == []


def test_nothing_imports_the_cli() -> None:
    users = [
        str(p.relative_to(ROOT))
        for folder in ("schemas", "spiders", "pipeline", "flows")
        for p in (ROOT / folder).rglob("*.py")
        if (ROOT / "flows" / "cli") not in p.parents and "flows.cli" in p.read_text(encoding="utf-8")
    ]
    assert users == []


def test_shared_data_is_never_copied_into_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert not [Path(p) for p in tracked.splitlines() if p.endswith((".csv", ".jsonl")) and "fixtures" not in p]
