"""Where the scanning runs, so that the asyncio loop that speaks SMTP never blocks.

``ThreadEngine``: one shared ``Scanner`` in a bounded thread pool.  Cheap to start and enough
for text and typical attachments; the GIL keeps scanning to about one core.
``ProcessEngine``: a pool of worker processes, each building its own ``Scanner`` once from the
same settings.  It uses every core for CPU-heavy attachments, and a worker that crashes or hangs
in a C library takes only its message with it (the worker is replaced, the message gets a 4xx).
Both return the ``ScanResult`` of ``Scanner.scan_message``.

``ScanDeadlines`` turns the one scan time limit the user sets into the three that enforce it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..batch import ScanFunction, ScanTask, Worker, WorkerLostError
from ..model import ScanResult
from ..scanner import Scanner, ScannerSpec

log = logging.getLogger("leakscan.gateway")


def _margin(limit: float, fraction: float, floor: float, ceiling: float) -> float:
    """``fraction`` of ``limit`` kept within ``floor``..``ceiling`` seconds, and never more than
    ``2 * fraction`` of it, so that a tiny limit still leaves most of itself to the scan."""
    return min(max(limit * fraction, floor), ceiling, limit * 2 * fraction)


@dataclass(frozen=True, slots=True)
class ScanDeadlines:
    """The three time limits of one message's scan, all derived from the one the user sets.

    All in seconds from when the message is handed to the engine, ordered
    ``budget < kill < wait == limit`` so that which one acts is decided, not raced:

    * ``budget`` (``Limits.max_seconds``): the scanner stops itself between pages, segments and
      attachments and returns what it found as ``partial`` with the problem ``timeout``.  The
      policy then decides: a message whose findings already block is rejected (550), not retried.
    * ``kill`` (``ProcessEngine``): a worker process still busy, stuck in a C call the
      budget cannot interrupt, is killed and replaced; the message gets the timeout outcome.
    * ``wait`` (the handler's ``asyncio.wait_for``): the last resort, for a thread stuck in C,
      which nothing can stop.  It is the user's limit itself, so ``--scan-timeout`` stays the
      longest a client waits for a scan (an MTA's own timeout can be set just above it).

    The gaps: ``budget`` to ``kill`` is the time the scanner needs to notice the deadline at its
    next check, finish that step and send its result back (10 %, 0.1-5 s); ``kill`` to ``wait``
    is the time the engine needs to kill a worker and report it (5 %, 0.05-2 s).  For the default
    60 s that is 53 / 58 / 60 s; for a 2 s test limit 1.7 / 1.9 / 2 s; the floors hold from about
    1 s down to 0.5 s, below which both gaps shrink in proportion (0.2 s: 0.14 / 0.18 / 0.2 s).
    Time a message waits for a free scanner counts against all three: under a backlog its scan
    gets what is left of the budget (a message with almost nothing left is not started and gets
    the timeout outcome), so a healthy worker still answers before the kill and is never killed.
    """

    budget: float
    kill: float
    wait: float

    @classmethod
    def of(cls, limit: float) -> ScanDeadlines:
        """The deadlines for a scan time limit of ``limit`` seconds (``--scan-timeout``)."""
        if not 0 < limit < math.inf:
            raise ValueError(f"scan_timeout: {limit!r} is not a positive number of seconds")
        kill = limit - _margin(limit, 0.05, 0.05, 2.0)
        return cls(budget=kill - _margin(limit, 0.10, 0.10, 5.0), kill=kill, wait=float(limit))


# Below this many seconds of budget left, a message is not handed to a worker at all.
_MIN_SCAN_SECONDS = 0.05


class _NoTimeLeft(TimeoutError):
    """The message waited so long for a scanner that no scan of it could finish in time."""


def _budget_left(asked: float, budget: float) -> float:
    """What is left of a message's ``budget`` (seconds from ``asked``, a ``time.monotonic()``);
    _NoTimeLeft if too little for a scan that could finish."""
    left = asked + budget - time.monotonic()
    if left < _MIN_SCAN_SECONDS:
        raise _NoTimeLeft
    return left


class ThreadEngine:
    """Scans with one shared ``Scanner`` in at most ``workers`` threads; each message gets the
    ``deadlines.budget`` (whatever the scanner's own ``max_seconds``, kept for its other uses)."""

    def __init__(self, scanner: Scanner, workers: int, deadlines: ScanDeadlines) -> None:
        self.scanner = scanner
        self.deadlines = deadlines
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="leakscan-scan")

    async def scan(self, message: bytes) -> ScanResult:
        asked = time.monotonic()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._scan, message, asked)

    def _scan(self, message: bytes, asked: float) -> ScanResult:
        # Counted from when the message was asked for, as the handler's wait is.
        return self.scanner.scan_message(message,
                                         max_seconds=_budget_left(asked, self.deadlines.budget))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def scan_message_task(scanner: Scanner, task: ScanTask) -> tuple[ScanResult, None]:
    """What a gateway worker does with a task: scan its bytes as one mail message."""
    return scanner.scan_message(task.data or b"", max_seconds=task.max_seconds), None


class ProcessEngine:
    """Scans in ``workers`` processes started with ``spawn``, each killable on its own.

    Every limit counts from when the message is asked for.  The scanner stops itself
    ``deadlines.budget`` seconds after that, whenever a worker took the message up (a message
    that waited for a free worker under a backlog gets what is left), so a healthy worker always
    answers before ``deadlines.kill``; a worker still busy then (stuck in a C call no budget
    interrupts) is killed and replaced, so hostile mail cannot use up the pool one stuck worker
    at a time.  A worker that dies is replaced as well.  Either way only that message fails
    (TimeoutError, WorkerLostError).
    """

    def __init__(self, settings: ScannerSpec, workers: int, deadlines: ScanDeadlines, *,
                 scan: ScanFunction = scan_message_task) -> None:
        self.settings = settings
        self.deadlines = deadlines
        self._scan_function = scan  # module-level: the spawned workers import it
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._workers: set[Worker] = set()
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        for _ in range(workers):  # started now: the first messages do not wait for a spawn
            self._start()
        # One thread per worker process, so a thread that runs a scan finds a worker idle (or
        # one being replaced).
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="leakscan-worker")

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                return
            worker = Worker(self._context, self.settings, self._scan_function)
            self._workers.add(worker)
        self._idle.put(worker)

    async def scan(self, message: bytes) -> ScanResult:
        asked = time.monotonic()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._scan, message, asked)

    def _scan(self, message: bytes, asked: float) -> ScanResult:
        deadlines = self.deadlines
        # No scan can start once too little of the budget is left: wait no longer.
        start_by = asked + deadlines.budget - _MIN_SCAN_SECONDS
        try:  # a thread's worker is idle, or being replaced after a timeout
            worker = self._idle.get(timeout=max(0.0, start_by - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        try:
            if not worker.ready_by(start_by):  # a replacement still building its scanner
                raise _NoTimeLeft
            task = ScanTask("<message>", message, max_seconds=_budget_left(asked, deadlines.budget))
            result = worker.call(task, asked + deadlines.kill)
        except _NoTimeLeft:  # too late for a scan that could finish: the worker is healthy, stays
            self._idle.put(worker)
            raise
        except (TimeoutError, WorkerLostError) as exc:
            what = "killed after the scan timeout" if isinstance(exc, TimeoutError) else "died"
            log.error("a scanning process %s; starting a new one", what)
            self._replace(worker)
            raise
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        return result

    def _replace(self, worker: Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.stop(kill=True)
        self._start()

    def close(self) -> None:
        """Stop every worker at once; scans still running fail (their messages get a 4xx)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
        self._threads.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.stop(kill=True)
