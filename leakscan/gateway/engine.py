"""Where the scanning runs, so that the asyncio loop that speaks SMTP never blocks.

``ThreadEngine``: one shared ``Scanner`` in a bounded thread pool.  Cheap to start and enough
for text and typical attachments; the GIL keeps scanning to about one core.
``ProcessEngine``: a pool of worker processes, each building its own ``Scanner`` once from the
same settings.  It uses every core for CPU-heavy attachments, and a worker that crashes in a C
library takes only its message with it (the pool is rebuilt, the message gets a 4xx).
Both return the ``ScanResult`` of ``Scanner.scan_message``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..model import ScanResult
from ..scanner import Scanner, ScannerSpec

log = logging.getLogger("leakscan.gateway")


class ThreadEngine:
    """Scans with one shared ``Scanner`` in at most ``workers`` threads."""

    def __init__(self, scanner: Scanner, workers: int) -> None:
        self.scanner = scanner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="leakscan-scan")

    async def scan(self, message: bytes) -> ScanResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.scanner.scan_message, message)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# The worker process's own Scanner, built once by the pool initializer; never used in the parent.
_worker: dict[str, Scanner] = {}


def _start_worker(settings: ScannerSpec) -> None:
    _worker["scanner"] = settings.build()


def _scan_in_worker(message: bytes) -> ScanResult:
    return _worker["scanner"].scan_message(message)


class ProcessEngine:
    """Scans in ``workers`` processes started with ``spawn`` (no forked threads or locks)."""

    def __init__(self, settings: ScannerSpec, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> Executor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(self.settings,))

    async def scan(self, message: bytes) -> ScanResult:
        loop = asyncio.get_running_loop()
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, _scan_in_worker, message)
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    log.error("a scanning process died; starting a new pool")
                    self._pool = self._new_pool()
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
