"""What every benchmark shares: where the real data is, peak memory, and how figures are printed.

Each benchmark prints its figures last, one per line as `name: value`, so a script (or a person
comparing runs) can pick them out of whatever else was printed before.
"""

import resource
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The shared real data, read in place (never copied into the repository).
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MB of this process, or of its largest finished child process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    # Linux reports kilobytes (macOS bytes); this project runs on Linux.
    return usage.ru_maxrss / 1024


def emit(figures: dict[str, float | int | str]) -> None:
    """Print the figures, one `name: value` line each, after everything else."""
    sys.stdout.flush()
    for name, value in figures.items():
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{name}: {text}")
    sys.stdout.flush()
