"""The `iopdir` command line, the top layer: parses arguments and calls flows and pipeline functions.
Nothing imports it.
"""

from flows.cli.commands import main

__all__ = ["main"]
