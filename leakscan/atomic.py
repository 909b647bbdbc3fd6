"""Writing a file so that readers see the old content or the new, never half of it.

Used for leakscan's own files (cache entries and index, quarantined mail); scanned files are
never written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(target: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``target`` (whose folder exists) through a temporary file and a rename.

    The temporary file is private (mode 0600) and uniquely named.  ``durable`` also flushes it to
    disk before the rename and the folder after it (the rename itself can be lost otherwise), for
    what must survive a crash (quarantined mail); a cache entry can be rebuilt and skips that cost.
    """
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the OS lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows cannot open a folder; its rename is durable on its own there
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
