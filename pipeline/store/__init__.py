"""The DuckDB file: connection and locks, schema, loading a run in one transaction, read queries.

`connection` opens the file (locks, memory budget, read-only sessions); `schema` applies the
shipped SQL (`schema.sql`, `migrations/`, `views.sql`); `load` loads a run, through `stage`
(the run's rows in temp tables, new/changed/unchanged) and `quality` (per-source statistics);
`runs` moves a run through its life cycle (`running`, `loaded`, `ok`/`failed`, `interrupted`);
`queries` answers read-only questions. Everything that writes listings, runs and rejects goes
through here. Imports shared rules (`tables`, `ids`, `duck`, `clean.street`) and `schemas`; never sources,
normalization, linking, flags or outputs.
"""
