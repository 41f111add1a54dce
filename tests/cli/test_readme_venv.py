"""README's "Using it" activates the project's environment as written, and `iopdir` is then on the PATH."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ACTIVATE = re.search(r"^(\. \.venv/bin/activate && iopdir --version)$", (ROOT / "README.md").read_text(), re.M)


def test_the_readme_shows_how_to_activate_the_environment() -> None:
    assert ACTIVATE, "README.md no longer shows how to activate .venv"


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(), reason="the tests do not run in the project's .venv"
)
def test_activating_the_environment_puts_iopdir_on_the_path() -> None:
    assert ACTIVATE
    done = subprocess.run(["bash", "-c", ACTIVATE[1]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"iopdir \S+\n", done.stdout), done.stdout
