"""`iopdir`'s entry point: load the configuration, parse the arguments, run the command, exit with its code.

`python -m flows.cli.commands ARGS` works too (the benchmarks use it).
"""

import os
import sys
from collections.abc import Sequence

from flows.cli.common import EXIT_OK, EXIT_USAGE, run_command, set_wide
from flows.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `iopdir` console script.

    A reader that stops reading (`iopdir flags | head -1`) ends the command quietly, exit 0: what
    it did not read is not a failure, and there is no one to tell.
    """
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit, which would fail again: point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_OK
    return code


def _main(argv: Sequence[str] | None) -> int:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from flows.config import config_path, load_settings, settings_problem

    try:
        settings = load_settings()
    except (ValidationError, SettingsError) as error:
        # One line: where the settings came from and what is wrong with them.
        where = config_path() or "environment"
        print(f"iopdir: configuration ({where}) is invalid: {settings_problem(error)}", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser(settings).parse_args(argv)
    args.settings = settings
    set_wide(getattr(args, "wide", False))
    if args.command in {"run", "serve"} and not args.source:
        args.source = list(settings.sources)
    # Messages name the command as typed: `iopdir eval hours: ...`.
    name = " ".join(part for part in (args.command, getattr(args, "target", None)) if part)
    return run_command(name, lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
