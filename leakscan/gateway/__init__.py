"""leakscan as an SMTP content filter: scan every outgoing message, then relay, reject or hold it.

    from leakscan.gateway import FilterServer, FilterSettings
    with FilterServer(FilterSettings(), port=10025):   # relays to 127.0.0.1:10026
        ...

``leakscan smtp-filter`` (``python -m leakscan.gateway``) runs the same from the command line;
docs/gateway.md explains the options and the Postfix set-up.  Logging goes to the
``leakscan.gateway`` logger, which this package never configures; rule ids, counts and codes
are logged, never values, subjects or addresses.

aiosmtpd (the ``gateway`` extra) is imported only when ``FilterServer`` is used, so importing
this package, or the command, works without it.
"""

from __future__ import annotations

from .engine import ProcessEngine, ScanDeadlines, ScannerSpec, ThreadEngine
from .handler import FilterSettings, LeakscanFilter
from .outcome import Outcome
from .relay import NextHop, add_headers

__all__ = [
    "FilterServer",
    "FilterSettings",
    "LeakscanFilter",
    "NextHop",
    "Outcome",
    "ProcessEngine",
    "ScanDeadlines",
    "ScannerSpec",
    "ThreadEngine",
    "add_headers",
]


def __getattr__(name: str) -> object:
    if name == "FilterServer":
        from .server import FilterServer

        return FilterServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
