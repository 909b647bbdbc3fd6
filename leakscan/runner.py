"""A folder scan end to end: cached results first, the rest in worker processes, in path order
(then the paths the walk could not read).

The CLI's ``scan`` and ``baseline create`` both come through here, so they see the same files and
compute the same fingerprints.  Paths in the results are made safe to print (``display_path``):
a name with a newline or bytes that are not UTF-8 cannot break a report or its JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .batch import ScannerSpec, ScanTask, run_tasks, scan_task
from .cache import ResultCache
from .model import ScanResult
from .scanner import Scanner
from .walk import NOT_READ_SKIPS, Skipped, WalkResult, display_path

__all__ = ["Run", "scan_walk"]

Progress = Callable[[int, int, int], None]  # files done, files in all, findings so far


@dataclass(slots=True)
class Run:
    """The results in walk order (paths safe to print), each file's path below its scanned
    folder (for baselines), what the walk skipped on purpose, and how many results came from
    the cache.  Paths the walk meant to read and could not (too large, an unlistable folder, an
    I/O error) are results, ``unreadable`` with that problem, after the files: a report shows
    them with a decision like any file it could not read, never only as "skipped"."""

    results: list[ScanResult] = field(default_factory=list)
    relatives: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    cache_hits: int = 0


def scan_walk(walked: WalkResult, spec: ScannerSpec, scanner: Scanner, *, jobs: int, timeout: float,
              cache: ResultCache | None = None, read_cache: bool = True, stdin: bytes = b"",
              progress: Progress | None = None, scan: Callable[..., object] = scan_task) -> Run:
    """Scan the walked files; ``read_cache=False`` rescans everything (the cache is still written)."""
    files = walked.files
    results: list[ScanResult | None] = [None] * len(files)
    tasks: list[ScanTask] = []
    task_files: list[int] = []
    counter = _Counter(len(files), progress)
    for index, entry in enumerate(files):
        hit = cache.get(entry) if cache is not None and read_cache and entry.path != "-" else None
        if hit is not None:
            results[index] = hit
            counter.add(hit)
            continue
        if entry.path == "-":
            tasks.append(ScanTask(entry.path, stdin))
        else:
            tasks.append(ScanTask(entry.path, store=cache.writer if cache is not None else None))
        task_files.append(index)

    def done(task_index: int, result: ScanResult, digest: str | None) -> None:
        index = task_files[task_index]
        results[index] = result
        counter.add(result)
        if cache is not None and digest is not None and files[index].path != "-":
            cache.remember(files[index], digest)  # the entry itself was written by the worker

    try:
        if tasks:
            run_tasks(tasks, spec, scanner, jobs=jobs, timeout=timeout, done=done,
                      scan=scan)  # type: ignore[arg-type]
    finally:
        if cache is not None:
            cache.save_index()
    final = [_displayed(r) for r in results if r is not None]
    relatives = [display_path(e.relative) for e in files]
    skipped: list[Skipped] = []
    for entry in walked.skipped:
        shown = display_path(entry.path)
        if entry.reason in NOT_READ_SKIPS:
            final.append(scanner.unreadable(shown, entry.reason, entry.detail))
            relatives.append(shown)
        else:
            skipped.append(replace(entry, path=shown))
    return Run(final, relatives, skipped, cache.hits if cache is not None else 0)


def _displayed(result: ScanResult) -> ScanResult:
    shown = display_path(result.path)
    items = tuple(_displayed(item) for item in result.items)
    if shown == result.path and all(a is b for a, b in zip(items, result.items, strict=True)):
        return result
    return replace(result, path=shown, items=items)


class _Counter:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.findings = 0
        self.progress = progress

    def add(self, result: ScanResult) -> None:
        self.done += 1
        self.findings += sum(len(r.findings) for r in result.all_results())
        if self.progress is not None:
            self.progress(self.done, self.total, self.findings)
