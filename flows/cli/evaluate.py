"""`iopdir eval hours`, `eval flags` and `eval links`: the hours engine, the flag rules and linking
scored on labelled data."""

import argparse
import os
from collections.abc import Callable
from typing import Any

from flows.cli.common import EXIT_OK, CommandError


def _run_evaluation(path: str, evaluate: Callable[[str], list[Any]]) -> list[Any]:
    """Results of `evaluate(path)`; `CommandError` when the file is missing or not labelled data."""
    if not os.path.isfile(path):
        raise CommandError(f"no file {path!r}")
    try:
        return evaluate(path)
    except (ValueError, OSError) as error:
        raise CommandError(f"{path}: {error}") from error


def cmd_eval_hours(args: argparse.Namespace) -> int:
    """Score the hours engine on a labelled JSON-lines file; one line per item, then the total."""
    from pipeline.hours.evaluate import evaluate, format_range

    results = _run_evaluation(args.file, evaluate)
    for result in results:
        got = result.got
        print(
            f"{result.item.id}\texpected {format_range(*result.item.expected)}"
            f"\tgot {format_range(got.min, got.max)} ({got.basis})\t{'ok' if result.ok else 'miss'}"
        )
        if args.verbose:
            for piece in got.evidence:
                print(f"\t  evidence: {piece}")
    good = sum(r.ok for r in results)
    print(f"hours: {good}/{len(results)} within 0.5 h")
    return EXIT_OK


def cmd_eval_flags(args: argparse.Namespace) -> int:
    """Score the flag rules on a labelled JSON-lines file: items, confusion table, precision and recall
    per rule and per minimum confidence, and last the php_as_iop line."""
    from pipeline.flags.evaluate import (
        confusion,
        evaluate_flags,
        precision_recall,
        scores_by_confidence,
        scores_by_rule,
    )
    from pipeline.thresholds import Thresholds, load_thresholds

    # --thresholds FILE, else the configured ones (iopdir.toml, $IOPDIR_THRESHOLDS, IOPDIR_THRESHOLDS__*).
    configured = getattr(args, "settings", None)
    if args.thresholds or configured is None:
        thresholds = load_thresholds(args.thresholds)
    else:
        thresholds = Thresholds(**configured.thresholds.model_dump())
    results = _run_evaluation(args.file, lambda path: evaluate_flags(path, thresholds))
    for result in results:
        verdict = "ok" if result.expected == result.got else "miss"
        # The confidence of the raised flag last: the first columns stay as scripts read them.
        confidence = f"\tconfidence {result.confidence}" if result.confidence else ""
        print(f"{result.id}\texpected {result.expected}\tgot {result.got}\t{verdict}{confidence}")
        if args.verbose:
            for message in result.messages:
                print(f"\t  {message}")
    labels, counts = confusion(results)
    width = max(len(label) for label in labels) + 2
    print()
    print("expected \\ raised".ljust(width) + "".join(label.rjust(width) for label in labels))
    for expected in labels:
        print(expected.ljust(width) + "".join(str(counts[(expected, got)]).rjust(width) for got in labels))
    print()
    for heading, scores in (("rule", scores_by_rule(results)), ("min confidence", scores_by_confidence(results))):
        for key, s in scores.items():
            print(
                f"{heading} {key}:".ljust(width + 16)
                + f"precision {s.precision:.2f} recall {s.recall:.2f} (tp {s.tp} fp {s.fp} fn {s.fn})"
            )
    print()
    precision, recall, tp, fp, fn = precision_recall(results)
    print(f"php_as_iop: precision {precision:.2f} recall {recall:.2f} (tp {tp} fp {fp} fn {fn})")
    return EXIT_OK


def cmd_eval_links(args: argparse.Namespace) -> int:
    """Score the database's facilities on labelled pairs of listings: one line per pair, the scores
    per stratum, and last the `links:` line."""
    from pipeline.link.evaluate import evaluate_links, scores, scores_by_stratum

    if not os.path.isfile(args.db):
        raise CommandError(f"no database {args.db!r}: run `iopdir run` first")
    results = _run_evaluation(args.file, lambda path: evaluate_links(path, args.db))
    for result in results:
        pair = result.pair
        expected = {True: "same", False: "different", None: "unlabelled"}[pair.same]
        verdict = {True: "ok", False: "miss", None: "not scored"}[result.ok]
        got = "same" if result.linked else "different"
        print(f"{pair.listing_a} {pair.listing_b}\t{pair.stratum}\texpected {expected}\tgot {got}\t{verdict}")
        if args.verbose and pair.reason:
            print(f"\t  label: {pair.reason}")
    print()
    for stratum, counts in scores_by_stratum(results).items():
        print(counts.line(f"stratum {stratum}"))
    print(scores(results).line("links"))
    return EXIT_OK
