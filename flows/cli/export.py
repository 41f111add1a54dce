"""`iopdir export` (HSDS 3.0 JSON, Parquet or CSV files) and `iopdir report` (the HTML review report)."""

import argparse
import sys

from flows.cli.common import EXIT_FAILED, EXIT_OK, CommandError, require_database

# Validation errors past this many are counted, not printed.
MAX_PRINTED_ERRORS = 50


def cmd_export(args: argparse.Namespace) -> int:
    """Export the database as HSDS 3.0 (JSON tables, or a CSV data package), Parquet or CSV files."""
    from pipeline.outputs.tabular import ExportPathError, check_out_dir, mark_export

    require_database(args.db)
    try:
        # Before any work: a refused folder costs nothing, and nothing is half-written.
        check_out_dir(args.db, args.out_dir, args.format, force=args.force)
    except ExportPathError as error:
        raise CommandError(str(error)) from error
    if args.format == "hsds":
        from pipeline.outputs.hsds import export_hsds, validate_hsds
        from pipeline.outputs.hsds.export import active_listing_count

        if args.hsds_format == "csv":
            from pipeline.outputs.hsds.package import tabular_definitions
            from pipeline.outputs.hsds.tables import DEFAULT_SCHEMA_DIR

            try:
                tabular_definitions(DEFAULT_SCHEMA_DIR)  # the fields of the package's descriptor
            except OSError as error:
                raise CommandError(
                    f"the CSV data package needs the HSDS 3.0 schemas (set IOPDIR_HSDS_SCHEMAS): {error}"
                ) from error
        counts = export_hsds(
            args.db, args.out_dir, state=args.state, fmt=args.hsds_format, all_facilities=args.all_facilities
        )
        mark_export(args.out_dir, "hsds", args.state)
        print(", ".join(f"{name} {n}" for name, n in counts.items()) + f" -> {args.out_dir}")
        if not args.all_facilities:
            # Say what was left out, and how to get it: nothing leaves an export silently.
            print(
                f"{counts['location']} of {active_listing_count(args.db, args.state)} active listings: the facilities "
                "with an IOP or PHP listing or an open flag (--all-facilities writes every facility)"
            )
        if args.validate:
            errors = validate_hsds(args.out_dir, fmt=args.hsds_format)
            for error in errors[:MAX_PRINTED_ERRORS]:
                print(f"invalid: {error}", file=sys.stderr)
            print(f"HSDS 3.0 validation: {len(errors)} error(s)")
            return EXIT_FAILED if errors else EXIT_OK
        return EXIT_OK
    if args.hsds_format != "json":
        raise CommandError("--format is for hsds only (parquet and csv are formats of their own)")
    if args.all_facilities:
        raise CommandError("--all-facilities is for hsds only (parquet and csv always hold every listing)")
    from pipeline.outputs.tabular import export_files

    counts = export_files(args.db, args.out_dir, args.format, state=args.state, force=args.force)
    print(", ".join(f"{name} {n}" for name, n in counts.items()) + f" -> {args.out_dir}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML review report."""
    from pipeline.outputs.report.build import write_report
    from pipeline.thresholds import Thresholds

    require_database(args.db)
    counts = write_report(args.db, args.out, Thresholds(**args.settings.thresholds.model_dump()))
    print(f"report -> {args.out} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return EXIT_OK
