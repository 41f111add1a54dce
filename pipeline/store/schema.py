"""The database's tables and views, from the SQL files shipped with this package.

`schema.sql` creates the tables a new file needs; `migrations/NNN_*.sql`, applied in order on every
open, bring a file made by an older version up to date (each statement is idempotent, so a file
already up to date is left as it is); then the views are made again. The `listings` view's
columns are `pipeline.tables.LISTING_COLUMNS`, the one list of what a listing says. Every table,
view and column gets its `COMMENT ON` from `pipeline.store.comments`.
"""

from functools import cache
from importlib import resources

import duckdb

from pipeline.store.comments import apply_comments
from pipeline.tables import LISTING_COLUMNS

#: What the store keeps of each listing besides what it says: when and in which runs it was
#: seen and changed, and whether it still is. Last in `listing_records` and in the `listings` view.
BOOKKEEPING_COLUMNS = ("first_seen", "last_seen", "last_changed", "first_run_id", "last_run_id", "active")


#: Each listing's street split into its house number and the rest, written with it by a load
#: (`pipeline.store.streets`); last in `listing_records`, not in the view.
STREET_SPLIT_COLUMNS = ("street_number", "street_rest")

#: The components of each listing's street address (`pipeline.clean.street`), last in the view;
#: NULL on rows an older version wrote until the next load or link has split and parsed them.
STREET_COLUMNS = (
    "street_number",
    "street_predirectional",
    "street_name",
    "street_suffix",
    "street_postdirectional",
    "street_unit",
    "street_parser",
)


def listings_view_sql() -> str:
    """The `listings` view: every stored listing, what it says, its bookkeeping (not the content
    hash), then its parsed street address."""
    columns = ", ".join(f"l.{c}" for c in (*LISTING_COLUMNS, *BOOKKEEPING_COLUMNS))
    parts = ", ".join(
        f"s.{c} AS street_{c}" for c in ("predirectional", "name", "suffix", "postdirectional", "unit", "parser")
    )
    return (
        f"CREATE OR REPLACE VIEW listings AS\nSELECT {columns}, l.street_number, {parts}\n"
        "FROM listing_records l LEFT JOIN street_names s ON s.rest = l.street_rest;\n"
    )


def migration_names() -> list[str]:
    """The migrations' file names, in the order they are applied."""
    folder = resources.files(__package__) / "migrations"
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".sql"))


@cache
def schema_sql() -> str:
    """All of the schema as one script: the tables, the migrations in order, the views."""
    package = resources.files(__package__)
    parts = [(package / "schema.sql").read_text(encoding="utf-8")]
    parts += [(package / "migrations" / name).read_text(encoding="utf-8") for name in migration_names()]
    parts += [listings_view_sql(), (package / "views.sql").read_text(encoding="utf-8")]
    return "\n".join(parts)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables that do not exist yet, bring older ones up to date, and make the views again.

    One script in one call, in the caller's transaction if it has one (a load, link or flag step
    runs it inside its own, so a step killed at any point leaves the schema as it was too). The
    script ends by commenting every table, view and column (`pipeline.store.comments`): the views
    are made again, which drops their comments, so they are written on every open.
    """
    con.execute(schema_sql())
    apply_comments(con)
