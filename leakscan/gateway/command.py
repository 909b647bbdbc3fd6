"""``leakscan smtp-filter``: run the content filter until SIGTERM or Ctrl-C.

The command configures logging for its own process (to stderr); the library never does.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import click

from ..errors import LeakscanError
from ..extract import Limits
from .engine import ScannerSpec
from .handler import ON_BLOCK, ON_WARN, OVERSIZE, FilterSettings
from .relay import NextHop


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


@click.command("smtp-filter", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=10025, show_default=True,
              help="Port to listen on.")
@click.option("--next-hop", default="127.0.0.1:10026", show_default=True, metavar="HOST:PORT",
              help="Where allowed mail is relayed (Postfix: the re-injection smtpd).")
@click.option("--on-block", type=click.Choice(ON_BLOCK), default="reject", show_default=True,
              help="Blocked mail: 550 reply, or accept and hold it in the quarantine folder.")
@click.option("--on-warn", type=click.Choice(ON_WARN), default="relay", show_default=True,
              help="Mail that needs care (warn, also mail not fully read).")
@click.option("--quarantine-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Quarantine folder; when set, rejected mail is copied there too.")
@click.option("--fail-open", is_flag=True,
              help="On internal errors and timeouts relay unscanned (default: 451, sender retries).")
@click.option("--max-message-bytes", type=click.IntRange(1), default=25 * 1024 * 1024,
              show_default=True, help="Largest message scanned.")
@click.option("--oversize", type=click.Choice(OVERSIZE), default="reject", show_default=True,
              help="Larger mail: 552 reply, or relay it unscanned (accepted up to 4x the limit).")
@click.option("--scan-timeout", type=click.FloatRange(0.1), default=60.0, show_default=True,
              help="Seconds a scan may take; the scanner stops itself a little before (mail that "
                   "already blocks is rejected), the rest is deferred (451) or, with --fail-open, "
                   "relayed.")
@click.option("--workers", type=click.IntRange(1), default=os.cpu_count() or 1, show_default="CPU count",
              help="Messages scanned at once.")
@click.option("--processes", is_flag=True,
              help="Scan in worker processes (uses every core; isolates crashes) instead of threads.")
@click.option("--patterns", "pattern_paths", multiple=True, metavar="DIR",
              help="Extra pattern-set folder or file (repeatable).")
@click.option("--policy", "policy_file", metavar="FILE", help="Decision table replacing the built-in policy.")
@click.option("--block-unread", is_flag=True, help="Mail not fully read blocks instead of warns.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
def smtp_filter(host: str, port: int, next_hop: str, on_block: str, on_warn: str,
                quarantine_dir: Path | None, fail_open: bool, max_message_bytes: int, oversize: str,
                scan_timeout: float, workers: int, processes: bool, pattern_paths: Sequence[str],
                policy_file: str | None, block_unread: bool, log_level: str) -> None:
    """SMTP content filter: scan each message for the action e-mail, then relay it with
    X-Leakscan-* headers, reject it (550), hold it in quarantine or defer it (451)."""
    hop_host, hop_port = _host_port(next_hop)
    try:
        settings = FilterSettings(NextHop(hop_host, hop_port), on_block, on_warn, quarantine_dir,
                                  fail_open, max_message_bytes, oversize, scan_timeout,
                                  max_pending=4 * workers + 16)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    # Each message's scan budget comes from --scan-timeout through settings.deadlines.
    scanner = ScannerSpec(tuple(pattern_paths), "email", policy_file, block_unread,
                          replace(Limits(), max_file_bytes=max(max_message_bytes, Limits().max_file_bytes)))
    # Other loggers stay at warning: aiosmtpd's "mail.log" writes addresses at info.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("leakscan.gateway").setLevel(log_level.upper())
    try:
        from .server import FilterServer

        built = scanner.build()  # a broken pattern set or policy stops here, before listening
        # Threads share the Scanner just built; worker processes build their own from the spec.
        server = FilterServer(settings, scanner if processes else built, host=host, port=port,
                              workers=workers, processes=processes)
    except ImportError:
        click.echo("leakscan: smtp-filter needs aiosmtpd: pip install 'leakscan[gateway]'", err=True)
        sys.exit(2)
    except LeakscanError as error:
        click.echo(f"leakscan: {error}", err=True)
        sys.exit(error.exit_code)
    try:
        server.start()
    except OSError as exc:
        server.engine.close()
        click.echo(f"leakscan: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"leakscan smtp-filter: listening on {host}:{port}, relaying to {hop_host}:{hop_port}",
               err=True)
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
        click.echo("leakscan smtp-filter: stopped", err=True)
