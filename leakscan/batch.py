"""Scan many files in worker processes that can be killed one at a time.

The scanner's time budget is cooperative: one call into a C library (PDFium, a regex on hostile
text) that never returns cannot be stopped in-process, and a crash in one takes the process with
it.  So every file is scanned in a worker process; the parent gives each worker one file at a time
and a hard deadline.  A worker past its deadline is killed and replaced, one that dies is
replaced, and the file is reported ``unreadable`` (``timeout`` / ``worker-crashed``); the scan goes
on.  ``concurrent.futures`` cannot kill one stuck task, hence this small pool over
``multiprocessing`` pipes, with the ``spawn`` start method (no fork of a threaded parent).

``jobs=1`` still uses one worker process, so the hard limit holds; ``jobs=0`` scans in the
calling process (no hard limit: for debugging and for embedding).  Results come back in the
order of the tasks, whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from .cache import EntryWriter
from .errors import LeakscanError
from .model import ScanResult
from .scanner import Scanner, ScannerSpec

__all__ = ["ScanTask", "ScannerSpec", "Worker", "WorkerLostError", "WorkerStartError", "default_timeout",
           "run_tasks", "scan_task"]

_START_FAILURES = 3  # workers that die before they are ready, in a row, before giving up


class WorkerStartError(LeakscanError):
    """Workers die before they are ready, again and again: nothing can be scanned."""


class WorkerLostError(LeakscanError):
    """A worker process died (a crash in a C library, killed by the OS) before it answered."""


@dataclass(frozen=True, slots=True)
class ScanTask:
    """One file to scan (``data`` set for standard input, which has no path to open)."""

    path: str
    data: bytes | None = None
    store: EntryWriter | None = None  # where the worker writes the result for the cache
    max_seconds: float | None = None  # this task's time budget, if not the scanner's own


ScanFunction = Callable[[Scanner, ScanTask], tuple[ScanResult, str | None]]


def default_timeout(scanner: Scanner) -> float:
    """The hard per-file limit: the cooperative budget plus room for the last step to finish."""
    return scanner.limits.max_seconds + 30.0


def scan_task(scanner: Scanner, task: ScanTask) -> tuple[ScanResult, str | None]:
    """Scan one task; with a cache writer, also the SHA-256 of the bytes scanned (else None)."""
    if task.data is not None:  # standard input: never cached
        return scanner.scan_bytes(task.data, task.path), None
    result, data = scanner.scan_file(task.path)
    if task.store is None or data is None:
        return result, None
    digest = hashlib.sha256(data).hexdigest()
    task.store.write(task.path, digest, result)  # here, in parallel, not by the parent one by one
    return result, digest


def _worker_main(conn: Connection, spec: ScannerSpec, scan: ScanFunction) -> None:
    """A worker: build the scanner once, say so, then scan one task per message until told to stop."""
    scanner = spec.build()
    conn.send(None)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, task = message
        try:
            result, digest = scan(scanner, task)
        except Exception as exc:  # a scanner bug is this file's problem, not the run's
            result, digest = scanner.unreadable(task.path, "internal-error", type(exc).__name__), None
        conn.send((index, result, digest))


class Worker:
    """One worker process and its pipe: started at once, ready when its scanner is built."""

    def __init__(self, context: Any, spec: ScannerSpec, scan: ScanFunction) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, spec, scan), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.task: int | None = None
        self.deadline = 0.0

    def call(self, task: ScanTask, deadline: float) -> ScanResult:
        """Scan ``task`` and wait for its result until ``deadline`` (a ``time.monotonic()``).

        Raises TimeoutError when the deadline passes first (the worker is then still busy: the
        caller must stop it) and WorkerLostError when the process dies.  For one caller at a time.
        """
        if not self.ready_by(deadline):
            raise TimeoutError
        try:
            self.conn.send((0, task))
            self._await(deadline)
            _, result, _ = self.conn.recv()
        except TimeoutError:  # an OSError too, but not a lost worker
            raise
        except (EOFError, OSError):
            raise WorkerLostError(f"exit code {self.process.exitcode}") from None
        return result

    def ready_by(self, deadline: float) -> bool:
        """Whether the worker has built its scanner by ``deadline``; WorkerLostError if it died."""
        try:
            while not self.ready:
                self._await(deadline)
                self.ready = self.conn.recv() is None
        except TimeoutError:  # an OSError too, but the worker is only slow to start
            return False
        except (EOFError, OSError):
            raise WorkerLostError(f"exit code {self.process.exitcode}") from None
        return True

    def _await(self, deadline: float) -> None:
        if not self.conn.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


Done = Callable[[int, ScanResult, str | None], None]


def run_tasks(tasks: Sequence[ScanTask], spec: ScannerSpec, scanner: Scanner, *, jobs: int,
              timeout: float, done: Done, scan: ScanFunction = scan_task) -> None:
    """Scan every task, calling ``done(index, result, digest)`` as each finishes (any order).

    ``scanner`` is the caller's own, used only to decide for files whose worker failed.  ``scan``
    must be a module-level function (workers are spawned and import it).
    """
    if jobs <= 0:
        for index, task in enumerate(tasks):
            result, digest = scan(scanner, task)
            done(index, result, digest)
        return
    _Pool(tasks, spec, scanner, jobs, timeout, done, scan).run()


class _Pool:
    def __init__(self, tasks: Sequence[ScanTask], spec: ScannerSpec, scanner: Scanner, jobs: int,
                 timeout: float, done: Done, scan: ScanFunction) -> None:
        self.tasks = tasks
        self.spec = spec
        self.scanner = scanner
        self.size = max(1, min(jobs, len(tasks)))
        self.timeout = timeout
        self.done = done
        self.scan = scan
        self.context = multiprocessing.get_context("spawn")
        self.pending = deque(range(len(tasks)))
        self.left = len(tasks)
        self.workers: list[Worker] = []
        self.start_failures = 0
        self.finished: deque[tuple[int, ScanResult, str | None]] = deque()

    def run(self) -> None:
        try:
            while self.left:
                self._fill()
                self._dispatch()
                self._wait()
                # Idle workers get their next file before the results are handed on: the
                # caller's work on them (writing the cache) then overlaps with scanning.
                self._dispatch()
                self._hand_on()
        finally:
            for worker in self.workers:
                worker.stop(kill=worker.task is not None)

    def _fill(self) -> None:
        wanted = min(self.size, self.left)
        while len(self.workers) < wanted:
            self.workers.append(Worker(self.context, self.spec, self.scan))

    def _dispatch(self) -> None:
        for worker in self.workers:
            if worker.ready and worker.task is None and self.pending:
                index = self.pending.popleft()
                worker.task = index
                worker.deadline = time.monotonic() + self.timeout
                with contextlib.suppress(OSError):  # it died: its sentinel says so on the next wait
                    worker.conn.send((index, self.tasks[index]))

    def _wait(self) -> None:
        busy = [w.deadline for w in self.workers if w.task is not None]
        wait_for = max(0.0, min(busy) - time.monotonic()) if busy else None
        handles: list[Any] = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
        wait(handles, wait_for)
        for worker in list(self.workers):
            self._check(worker)

    def _check(self, worker: Worker) -> None:
        gone = not worker.process.is_alive()  # checked first: a result sent before dying is read
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message is None:
                    worker.ready = True
                    self.start_failures = 0
                    continue
                index, result, digest = message
                worker.task = None
                self._finish(index, result, digest)
        except (EOFError, OSError):
            gone = True  # the pipe is closed: the process is gone or going
        if gone:
            worker.process.join(5)
            self._lost(worker, "worker-crashed", f"exit code {worker.process.exitcode}")
        elif worker.task is not None and time.monotonic() >= worker.deadline:
            self._lost(worker, "timeout", f"killed after {self.timeout:g} s")

    def _lost(self, worker: Worker, code: str, detail: str) -> None:
        """Drop a dead or stuck worker; its file is reported, a new worker takes its place."""
        self.workers.remove(worker)
        worker.stop(kill=True)
        if worker.task is not None:
            self._finish(worker.task, self.scanner.unreadable(self.tasks[worker.task].path, code, detail),
                         None)
        elif not worker.ready:
            self.start_failures += 1
            if self.start_failures >= _START_FAILURES:
                raise WorkerStartError(f"worker processes exit while starting (exit code "
                                       f"{worker.process.exitcode}); a program that runs leakscan's "
                                       "pool must guard its main module with if __name__ == '__main__'")

    def _finish(self, index: int, result: ScanResult, digest: str | None) -> None:
        self.left -= 1
        self.finished.append((index, result, digest))

    def _hand_on(self) -> None:
        while self.finished:
            self.done(*self.finished.popleft())
