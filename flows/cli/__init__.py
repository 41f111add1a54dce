"""The `iopdir` command line, the top layer: parses arguments and calls flows and pipeline functions.
Nothing imports it.

`commands` is the entry point (`main`), `parser` the arguments, `common` what every command
shares (exit codes, the read-only database, printing rows); one module per group of commands
(`run`, `query`, `review`, `export`, `evaluate`); `stream` runs `iopdir query` (time limit, Ctrl-C,
rows printed as they come). Commands read the database through the
store's named queries (`pipeline.store.queries`); only `iopdir query` runs the user's SQL.
"""

from flows.cli.commands import main

__all__ = ["main"]
