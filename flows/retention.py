"""Keeping the crawl output of the last few runs, not of every run (`iopdir run --keep-crawls N`).

Each run writes its crawls into `<work root>/<run id>/` (tens of MB a national run). After a
successful run, `prune_crawls` removes the older run folders, keeping the newest N (the current
run's among them, whatever N). Only folders this project made are touched: a name that is a run id
(`20261205T001251Z-0094f5`) and either the marker file a run writes first (`RUN_MARKER`), or, for
folders of runs from before the marker, nothing inside but crawl folders of known spiders and the
program_pages seeds. Symbolic links are never followed nor removed; a failed run prunes nothing
(its predecessors' output is what one compares it with).
"""

import re
import shutil
from pathlib import Path

from flows.crawl import SPIDER_SOURCES

#: Written into a run's folder when the run starts: the folder is the project's to remove.
RUN_MARKER = ".iopdir-run"
#: How many runs' crawl output `iopdir run` keeps by default.
DEFAULT_KEEP_CRAWLS = 3
_RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
_LEGACY_CONTENTS = {*SPIDER_SOURCES, "program_pages_seeds.txt"}


def mark_run(run_dir: Path, run_id: str) -> None:
    """Make the run's folder and mark it as the project's."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / RUN_MARKER).write_text(run_id + "\n", encoding="utf-8")


def is_run_folder(path: Path) -> bool:
    """True for a run folder this project made (see the module); never for a symbolic link."""
    if path.is_symlink() or not path.is_dir() or not _RUN_ID.fullmatch(path.name):
        return False
    marker = path / RUN_MARKER
    if marker.is_file() and not marker.is_symlink():
        return True
    entries = list(path.iterdir())
    return bool(entries) and all(e.name in _LEGACY_CONTENTS and not e.is_symlink() for e in entries)


def prune_crawls(work_root: Path, keep: int, current: str) -> list[Path]:
    """Remove run folders older than the newest `keep` (the `current` run's is always kept); returns them."""
    if not work_root.is_dir():
        return []
    # Only older runs: a run another process started since is not this one's to judge.
    others = sorted((p for p in work_root.iterdir() if p.name < current and is_run_folder(p)), reverse=True)
    removed = others[max(keep - 1, 0) :]
    for path in removed:
        shutil.rmtree(path)
    return removed
