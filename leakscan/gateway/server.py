"""Running the filter: an aiosmtpd server on its own event-loop thread, started and stopped."""

from __future__ import annotations

import socket
from types import TracebackType

from aiosmtpd.controller import Controller

from ..scanner import Scanner
from .engine import ProcessEngine, ScannerSpec, ThreadEngine
from .handler import FilterSettings, LeakscanFilter


class FilterServer:
    """The content filter listening on ``host:port``; a context manager for tests and embedding.

    ``scanner``: the settings to build the Scanner from, or (threads only) a Scanner to share.
    ``processes``: scan in worker processes (all cores, crash isolation) instead of threads.
    The scan time limits come from ``settings.deadlines``: each message gets the budget, whatever
    the ``max_seconds`` of the Scanner or ScannerSpec given (a shared Scanner keeps its own for
    its other uses).
    """

    def __init__(self, settings: FilterSettings, scanner: ScannerSpec | Scanner | None = None, *,
                 host: str = "127.0.0.1", port: int = 10025, workers: int = 2,
                 processes: bool = False) -> None:
        scanner = scanner or ScannerSpec(action="email")
        if processes and isinstance(scanner, Scanner):
            raise ValueError("worker processes build their own Scanner: pass ScannerSpec")
        self.engine: ThreadEngine | ProcessEngine = (
            ProcessEngine(scanner, workers, settings.deadlines)
            if isinstance(scanner, ScannerSpec) and processes
            else ThreadEngine(scanner if isinstance(scanner, Scanner) else scanner.build(), workers,
                              settings.deadlines))
        self.handler = LeakscanFilter(self.engine, settings)
        self.host, self.port = host, port
        self._controller = Controller(self.handler, hostname=host, port=port,
                                      data_size_limit=settings.smtp_size_limit,
                                      enable_SMTPUTF8=True, ident="leakscan smtp-filter",
                                      ready_timeout=30.0)

    def start(self) -> FilterServer:
        """Listen; an address in use raises OSError at once (aiosmtpd would wait its timeout)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((self.host, self.port))
        self._controller.start()
        return self

    def stop(self) -> None:
        try:
            self._controller.stop()
        finally:
            self.engine.close()

    def __enter__(self) -> FilterServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
