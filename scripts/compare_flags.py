"""Compare the active flags of two iop-directory databases, e.g. before and after a change to the rules.

    .venv/bin/python scripts/compare_flags.py BEFORE_DB AFTER_DB

Prints the active flags per rule and confidence in each (a database made before flags had a
confidence counts them as `unknown`), then every flag that appeared or disappeared (by flag id:
a flag whose evidence changed is one of each), with its listing's name and source, rule and
message, and the flags kept under the same id whose severity or confidence changed. Both files
are opened read-only.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

import duckdb

Flag = dict[str, str | None]


def read_flags(db: Path) -> dict[str, Flag]:
    """The active flags of `db` by flag id, read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = {r[0] for r in con.execute("DESCRIBE flag_records").fetchall()}
        confidence = "f.confidence" if "confidence" in columns else "NULL"
        rows = con.execute(
            f"""
            SELECT f.flag_id, f.rule_id, f.severity, {confidence}, l.source,
                   l.name || coalesce(' / ' || l.name2, ''), f.message
            FROM flag_records f JOIN listing_records l USING (listing_id)
            WHERE f.active
            """
        ).fetchall()
    finally:
        con.close()
    keys = ("flag_id", "rule_id", "severity", "confidence", "source", "name", "message")
    return {row[0]: {**dict(zip(keys, row, strict=True)), "confidence": row[3] or "unknown"} for row in rows}


def _line(flag: Flag) -> str:
    where = f"{flag['source']}: {flag['name']}"
    return f"  {flag['rule_id']} [{flag['severity']}, {flag['confidence']}] {where} — {flag['message']}"


def _sorted(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: (str(f["rule_id"]), str(f["source"]), str(f["name"]), str(f["message"])))


def compare(before: dict[str, Flag], after: dict[str, Flag]) -> list[str]:
    """The report's lines."""
    counts = {
        name: Counter((f["rule_id"], f["confidence"]) for f in flags.values())
        for name, flags in (("before", before), ("after", after))
    }
    keys = sorted(set(counts["before"]) | set(counts["after"]))
    lines = [f"{'rule':32}{'confidence':12}{'before':>8}{'after':>8}"]
    for rule, confidence in keys:
        lines.append(
            f"{rule:32}{confidence:12}{counts['before'][(rule, confidence)]:>8}{counts['after'][(rule, confidence)]:>8}"
        )
    lines.append(f"{'all':44}{len(before):>8}{len(after):>8}")
    appeared = _sorted([f for i, f in after.items() if i not in before])
    gone = _sorted([f for i, f in before.items() if i not in after])
    changed = _sorted([f for i, f in after.items() if i in before and before[i]["severity"] != f["severity"]])
    lines += ["", f"appeared ({len(appeared)}):", *map(_line, appeared)]
    lines += ["", f"disappeared ({len(gone)}):", *map(_line, gone)]
    lines += ["", f"kept, severity changed ({len(changed)}):"]
    lines += [f"{_line(f)} (was {before[str(f['flag_id'])]['severity']})" for f in changed]
    kept = sum(1 for i in after if i in before)
    lines += ["", f"kept under the same id: {kept}"]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the comparison of two databases' active flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    for db in (args.before, args.after):
        if not db.is_file():
            print(f"compare_flags: no database {db}", file=sys.stderr)
            return 2
    print("\n".join(compare(read_flags(args.before), read_flags(args.after))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
