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


MAX_MODULE_LINES = 420


def test_ruff_is_clean() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


# Inside `pipeline/`: stage or source package -> packages it must never import. Sources and the
# store sit below normalization, linking, flags and outputs; outputs read the store, never sources.
PIPELINE_FORBIDDEN = {
    "pipeline.clean": {
        "pipeline.sources",
        "pipeline.normalize",
        "pipeline.hours",
        "pipeline.store",
        "pipeline.link",
        "pipeline.flags",
        "pipeline.outputs",
    },
    "pipeline.hours": {
        "pipeline.clean",
        "pipeline.sources",
        "pipeline.normalize",
        "pipeline.store",
        "pipeline.link",
        "pipeline.flags",
        "pipeline.outputs",
    },
    "pipeline.sources": {"pipeline.normalize", "pipeline.store", "pipeline.link", "pipeline.flags", "pipeline.outputs"},
    "pipeline.store": {"pipeline.sources", "pipeline.normalize", "pipeline.link", "pipeline.flags", "pipeline.outputs"},
    "pipeline.normalize": {"pipeline.store", "pipeline.link", "pipeline.flags", "pipeline.outputs"},
    "pipeline.link": {"pipeline.sources", "pipeline.normalize", "pipeline.flags", "pipeline.outputs"},
    "pipeline.flags": {"pipeline.sources", "pipeline.link", "pipeline.outputs"},
    "pipeline.outputs": {"pipeline.sources", "pipeline.normalize", "pipeline.link"},
}
# Top-level modules of `pipeline/` hold rules every stage shares, so they import no stage.
PIPELINE_STAGES = {p.split(".")[1] for p in PIPELINE_FORBIDDEN}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert offenders == []


@pytest.mark.parametrize("package", sorted(PIPELINE_FORBIDDEN))
def test_pipeline_stages_import_only_what_they_may(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package.replace(".", "/")).rglob("*.py")
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in PIPELINE_FORBIDDEN[package])
    ]
    assert offenders == []


def test_shared_pipeline_modules_import_no_stage() -> None:
    top = [p for p in (ROOT / "pipeline").glob("*.py") if p.name != "__init__.py"]
    offenders = [
        f"{_module(p)}: {name}" for p in top for name in _imports(p) if name.split(".")[:2][-1] in PIPELINE_STAGES
    ]
    assert offenders == []


def test_pipeline_has_few_top_level_modules_and_every_package_says_what_it_holds() -> None:
    top = sorted(p.name for p in (ROOT / "pipeline").glob("*.py") if p.name != "__init__.py")
    assert len(top) <= 6, top
    for init in (ROOT / "pipeline").rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and len(docstring.splitlines()) >= 2, f"{init.relative_to(ROOT)} says too little"


@pytest.mark.parametrize("folder", ["pipeline", "flows", "spiders"])
def test_modules_stay_small(folder: str) -> None:
    # Small modules named for what they do; data files (SQL, JSON, templates) are not counted.
    large = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert large == {}


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
