"""`iopdir`'s entry point: load the configuration, parse the arguments, run the command, exit with its code.

`python -m flows.cli.commands ARGS` works too (the benchmarks use it).
"""

import sys
from collections.abc import Sequence

from flows.cli.common import EXIT_USAGE, run_command
from flows.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `iopdir` console script."""
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
    if args.command in {"run", "serve"} and not args.source:
        args.source = list(settings.sources)
    # Messages name the command as typed: `iopdir eval hours: ...`.
    name = " ".join(part for part in (args.command, getattr(args, "target", None)) if part)
    return run_command(name, lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
