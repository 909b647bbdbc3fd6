"""What the benchmark scripts share: one pinned core, MB, finding the leakscan to measure, and
the pass/fail lines of their targets."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
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


def report_checks(checks: Iterable[tuple[bool, str]]) -> int:
    """Print one ``[ok]``/``[FAIL]`` line per target; the exit status: 0 when all are met."""
    results = list(checks)
    print("\nchecks")
    for ok, text in results:
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")
    return 0 if all(ok for ok, _ in results) else 1
