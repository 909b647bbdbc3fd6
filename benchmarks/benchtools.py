"""What the benchmark scripts share: one pinned core, MB, and finding the leakscan to measure."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_importable() -> None:
    """leakscan from PYTHONPATH or installed comes first; this checkout is appended after it, for
    leakscan when nothing else provides it and for the ``tests.fixtures_*`` builders."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))


def pin_one_core() -> str:
    """Run on one CPU, as the targets are stated per core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def mb(nbytes: int) -> float:
    return nbytes / 1_000_000
