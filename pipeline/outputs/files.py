"""Writing output files safely: never through a symbolic link, never half a file.

Every file an export or the report writes goes through `safe_file`: the content is written to a
new temporary file in the same folder (created exclusively, so it cannot be a link someone left
there) and then renamed over the destination. A rename replaces a symbolic link at the
destination itself, never the file it points to, so a `listings.csv` that links to the database
leaves the database untouched; and a reader never sees half a file.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

#: How temporary files are named: `.<name>.<random>.tmp`, hidden, next to the file they become.
TEMP_SUFFIX = ".tmp"


class ExportPathError(ValueError):
    """An output folder an export refuses to write to (the message says why)."""


def is_temp_of(name: str, final_names: set[str]) -> bool:
    """Whether `name` is a temporary file `safe_file` makes for one of `final_names` (a crash may leave one)."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return False
    parts = name[1:].rsplit(".", 2)  # final name, mkstemp's random part (no dots), "tmp"
    return len(parts) == 3 and parts[0] in final_names


def symlinks_in(folder: Path) -> list[str]:
    """The names of the symbolic links directly in `folder` (dangling ones too)."""
    return sorted(entry.name for entry in folder.iterdir() if entry.is_symlink())


def _umask() -> int:
    """The process's umask, so the files get the mode a plain open() gives (mkstemp makes them 0600)."""
    # Linux reports it; setting it and back (os has no getter) would briefly change it for every
    # thread of the process (a Prefect flow runs tasks in threads).
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@contextmanager
def safe_file(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a new file that becomes `path` when the block ends without an error.

    Text mode is UTF-8 with no newline translation (what the `csv` module needs). The file is
    renamed into place, replacing whatever is at `path` (a link is replaced, its target is not
    touched); on an error the temporary file is removed and `path` is left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
