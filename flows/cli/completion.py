"""`iopdir completion bash|zsh` (a shell completion script made from the parser by `shtab`) and
`iopdir --version` (the installed package's version)."""

import argparse
import sys

from flows.cli.common import EXIT_OK

SHELLS = ("bash", "zsh")


def package_version() -> str:
    """The installed `iop-directory` package's version, or "unknown" when it runs from a source tree not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iop-directory")
    except PackageNotFoundError:
        return "unknown"


def cmd_completion(args: argparse.Namespace) -> int:
    """Print the completion script for `args.shell`, generated from the same parser `iopdir` uses."""
    import shtab

    from flows.cli.parser import build_parser

    sys.stdout.write(shtab.complete(build_parser(args.settings), shell=args.shell))
    return EXIT_OK
