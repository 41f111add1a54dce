"""Options checked before a command reads anything: an unknown rule, state, source or date is exit 2
with the values that would work, never an empty answer.

`flag_filters` checks `iopdir flags`' options and returns the filters `list_flags` takes beyond
the ones `cmd_flags` passes itself; `listing_sources_of` and `parse_since` serve every command
with a `--source` or a `--since`.
"""

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flows.cli.common import CommandError

if TYPE_CHECKING:
    import duckdb


def listing_sources_of(name: str | None) -> list[str] | None:
    """The listing sources a `--source` names: a spider stands for all its sources (`samhsa_directory`
    is `samhsa_su` and `samhsa_mh`); None for no `--source`. An unknown name is a `CommandError`."""
    from flows.crawl import listing_sources

    if name is None:
        return None
    try:
        return listing_sources([name])
    except ValueError as error:
        raise CommandError(f"--source: {error}") from None


def parse_since(value: str) -> datetime:
    """A `--since` date as a moment; one without a time zone is taken as UTC."""
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r} is neither a run id nor a date") from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)


def check_rule(rule: str | None) -> None:
    """Refuse a `--rule` that is no flag rule, naming the rules."""
    from pipeline.flags.rules import RULES

    if rule is not None and rule not in RULES:
        raise CommandError(f"--rule {rule!r} is not a flag rule; the rules are {', '.join(sorted(RULES))}")


def check_state(state: str | None) -> None:
    """Refuse a `--state` that is no two-letter US state or territory code, naming them."""
    from pipeline.clean.address import US_STATES

    if state is not None and state.upper() not in US_STATES:
        raise CommandError(
            f"--state {state!r} is not a US state or territory code; give one of {', '.join(sorted(US_STATES))}"
        )


def flag_filters(con: "duckdb.DuckDBPyConnection", args: argparse.Namespace) -> dict[str, Any]:
    """Check `iopdir flags`' options and return `list_flags`' `sources`, `severity`, `since` and
    `after_run` from `--source`, `--severity` and `--since` (a run id: flags first raised after it;
    a date: first raised from then on). `--rule` and `--state` are checked, not returned."""
    from pipeline.store.queries import run_ids

    check_rule(args.rule)
    check_state(args.state)
    filters: dict[str, Any] = {
        "sources": listing_sources_of(getattr(args, "source", None)),
        "severity": getattr(args, "severity", None),
    }
    since = getattr(args, "since", None)
    if since is not None:
        if since in run_ids(con):
            filters["after_run"] = since
        else:
            filters["since"] = parse_since(since)
    return filters
