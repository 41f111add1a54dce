"""The `iopdir` command line, the top layer: parses arguments and calls flows and pipeline functions.
Nothing imports it.

`commands` is the entry point (`main`), `parser` the arguments, `common` what every command
shares (exit codes, the read-only database, printing rows); one module per group of commands
(`run`, `query`, `review`, `export`, `evaluate`, `show` for show/runs/sources, `completion` for
completion and --version); `checks` refuses unknown rules, states, sources and dates; `stream` runs
`iopdir query` (time limit, Ctrl-C, rows printed as they come). `main` ends quietly when the
reader of its output stops reading (a closed pipe). Commands read the database through the
store's named queries (`pipeline.store.queries`); only `iopdir query` runs the user's SQL.
"""

from flows.cli.commands import main

__all__ = ["main"]
