"""The database's tables and views, from the SQL files shipped with this package.

`schema.sql` creates the tables a new file needs; `migrations/NNN_*.sql`, applied in order on every
open, bring a file made by an older version up to date (each statement is idempotent, so a file
already up to date is left as it is); then the views are made again and commented, unless this
version did so already (`schema_state`). The `listings` view's
columns are `pipeline.tables.LISTING_COLUMNS`, the one list of what a listing says. Every table,
view and column gets its `COMMENT ON` from `pipeline.store.comments`.
"""

import hashlib
from functools import cache
from importlib import resources

import duckdb

from pipeline.store.comments import RELATIONS, VIEWS, apply_comments, column_comments
from pipeline.tables import LISTING_COLUMNS

#: What the store keeps of each listing besides what it says: when and in which runs it was
#: seen and changed, and whether it still is. Last in `listing_records` and in the `listings` view.
BOOKKEEPING_COLUMNS = ("first_seen", "last_seen", "last_changed", "first_run_id", "last_run_id", "active")


#: Each listing's street split into its house number and the rest, written with it by a load
#: (`pipeline.store.streets`); last in `listing_records`, not in the view.
STREET_SPLIT_COLUMNS = ("street_number", "street_rest")


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
def _scripts() -> tuple[str, str]:
    """The tables and the migrations in order, as one script; the views, as another."""
    package = resources.files(__package__)
    parts = [(package / "schema.sql").read_text(encoding="utf-8")]
    parts += [(package / "migrations" / name).read_text(encoding="utf-8") for name in migration_names()]
    return "\n".join(parts), "\n".join([listings_view_sql(), (package / "views.sql").read_text(encoding="utf-8")])


def schema_sql() -> str:
    """All of the schema as one script: the tables, the migrations in order, the views."""
    return "\n".join(_scripts())


@cache
def schema_digest() -> str:
    """A digest of the schema script and of the comments' texts: what `schema_state` records."""
    text = repr(
        (schema_sql(), sorted(RELATIONS.items()), sorted((k, sorted(v.items())) for k, v in column_comments().items()))
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Whether the views and comments are those of this version: the digest it recorded, and every view
# still commented (a view made again, by any version, has lost its comment).
_CURRENT_SQL = """
SELECT coalesce((SELECT max(digest) FROM schema_state) = $digest, false)
   AND (SELECT count(*) FROM duckdb_views() WHERE NOT internal AND NOT temporary AND comment IS NOT NULL
        AND view_name IN (SELECT unnest($views::VARCHAR[]))) = len($views::VARCHAR[])
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables that do not exist yet, bring older ones up to date, and make the views again.

    In the caller's transaction if it has one (a load, link or flag step runs it inside its own,
    so a step killed at any point leaves the schema as it was too). The tables and migrations
    run on every open. The views are made again, and every table, view and column commented
    (`pipeline.store.comments`), unless `schema_state` shows this version did so already and
    the views still have their comments: a file already up to date is only read.
    """
    tables, views = _scripts()
    con.execute(tables)
    digest = schema_digest()
    if con.execute(_CURRENT_SQL, {"digest": digest, "views": list(VIEWS)}).fetchone()[0]:
        return
    con.execute(views)
    apply_comments(con)
    con.execute("DELETE FROM schema_state; INSERT INTO schema_state VALUES ($digest)", {"digest": digest})
