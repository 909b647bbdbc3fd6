"""The content filter itself: an aiosmtpd handler that scans each message and relays, rejects,
quarantines or defers it.

Every reply is given only after the message's fate is settled (relayed and accepted by the next
hop, or written to quarantine), so a 250 never hides a loss.  Whatever goes wrong inside is a
4xx by default (fail-closed): the sending MTA keeps the message and retries.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..model import ScanResult
from .engine import ProcessEngine, ScanDeadlines, ThreadEngine
from .outcome import Outcome, unscanned_header
from .quarantine import quarantine
from .relay import NextHop, add_headers, relay

log = logging.getLogger("leakscan.gateway")

ON_BLOCK = ("reject", "quarantine")
ON_WARN = ("relay", "reject", "quarantine")
OVERSIZE = ("reject", "relay")


@dataclass(frozen=True)
class FilterSettings:
    """How the filter treats each verdict and each failure.  Defaults lose nothing.

    ``quarantine_dir``: where quarantined messages go; when set, rejected messages are also
    copied there.  ``scan_timeout``: seconds a scan may take; the scanner's budget, a worker's
    kill and the handler's last-resort wait all derive from it (``deadlines``).
    ``max_pending``: messages scanned or waiting for a scanner at once; more get a 4xx.
    """

    next_hop: NextHop = field(default_factory=NextHop)
    on_block: str = "reject"
    on_warn: str = "relay"
    quarantine_dir: Path | None = None
    fail_open: bool = False
    max_message_bytes: int = 25 * 1024 * 1024
    oversize: str = "reject"
    scan_timeout: float = 60.0
    max_pending: int = 64

    def __post_init__(self) -> None:
        for name, value, allowed in (("on_block", self.on_block, ON_BLOCK),
                                     ("on_warn", self.on_warn, ON_WARN),
                                     ("oversize", self.oversize, OVERSIZE)):
            if value not in allowed:
                raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        if self.quarantine_dir is None and "quarantine" in (self.on_block, self.on_warn):
            raise ValueError("quarantine needs a quarantine folder")
        ScanDeadlines.of(self.scan_timeout)  # a limit that orders no deadlines is refused here

    @cached_property
    def deadlines(self) -> ScanDeadlines:
        """The scan's budget, kill and wait: one place decides which acts first."""
        return ScanDeadlines.of(self.scan_timeout)

    @property
    def smtp_size_limit(self) -> int:
        """What the SMTP server takes at all: oversized mail to be relayed must still arrive,
        but within a bound that keeps memory in hand."""
        return self.max_message_bytes if self.oversize == "reject" else 4 * self.max_message_bytes


class LeakscanFilter:
    """aiosmtpd handler: ``handle_DATA`` returns the reply for one message."""

    def __init__(self, engine: ThreadEngine | ProcessEngine, settings: FilterSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._pending = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message: bytes = envelope.original_content or b""
        tag = uuid.uuid4().hex[:12]
        started = time.monotonic()
        try:
            reply, what = await self._decide(message, envelope)
        except Exception as exc:  # a bug here must defer the message, not drop it
            log.error("message %s: internal error (%s)", tag, type(exc).__name__)
            reply, what = _deferred("internal-error"), "error"
        log.info("message %s: %s, %d bytes, %d recipient(s), %.2f s -> %s", tag, what, len(message),
                 len(envelope.rcpt_tos), time.monotonic() - started, reply[:3])
        return reply

    async def _decide(self, message: bytes, envelope: Any) -> tuple[str, str]:
        settings = self.settings
        if len(message) > settings.max_message_bytes:
            if settings.oversize == "reject":
                return (f"552 5.3.4 Message too big for the content filter "
                        f"(limit {settings.max_message_bytes} bytes)", "oversize")
            return await self._relay(message, envelope, unscanned_header("oversize")), "oversize"
        result, failure = await self._scan(message)
        outcome = Outcome.of(result) if result is not None else None
        # A scan that failed somewhere still decides when what it did find blocks: neither a
        # retry (451) nor --fail-open's unscanned relay is right for a message known to block.
        # Only the findings count here: with --block-unread a failed scan blocks as unread, and
        # that must stay a retry, not a permanent 550 for a message that may well be clean.
        if outcome is not None and outcome.found != "block":
            failure = outcome.failed
        if failure is not None or outcome is None:
            failure = failure or "internal-error"
            if not settings.fail_open:
                return _deferred(failure), failure
            return await self._relay(message, envelope, unscanned_header(failure)), failure
        what = f"{outcome.verdict} ({outcome.status}; rules={','.join(outcome.rules) or '-'})"
        disposition = {"allow": "relay", "warn": settings.on_warn,
                       "block": settings.on_block}[outcome.verdict]
        if disposition == "relay":
            return await self._relay(message, envelope, outcome.headers()), what
        if disposition == "quarantine":
            return await self._quarantine(message, envelope, result, outcome.verdict), what
        if settings.quarantine_dir is not None:  # a copy of what was rejected, for review
            reply = await self._quarantine(message, envelope, result, outcome.verdict)
            if not reply.startswith("250"):
                return reply, what
        return outcome.reject_reply(utf8=bool(envelope.smtp_utf8)), what

    async def _scan(self, message: bytes) -> tuple[ScanResult | None, str | None]:
        """The scan's result, or why there is none (busy, timeout, internal error)."""
        if self._pending >= self.settings.max_pending:
            return None, "busy"
        self._pending += 1
        try:
            # The last resort: the scanner's budget and the engine's kill come first (deadlines).
            result = await asyncio.wait_for(self.engine.scan(message), self.settings.deadlines.wait)
        except TimeoutError:
            return None, "timeout"
        except Exception as exc:
            log.error("scan failed: %s", type(exc).__name__)
            return None, "internal-error"
        finally:
            self._pending -= 1
        return result, None

    async def _relay(self, message: bytes, envelope: Any, headers: list[tuple[str, str]]) -> str:
        return await asyncio.to_thread(_relay_with, headers, self.settings.next_hop, message,
                                       envelope.mail_from or "", list(envelope.rcpt_tos),
                                       list(envelope.mail_options or ()))

    async def _quarantine(self, message: bytes, envelope: Any, result: ScanResult | None,
                          reason: str) -> str:
        folder = self.settings.quarantine_dir
        assert folder is not None
        try:
            name = await asyncio.to_thread(quarantine, folder, message, result=result, reason=reason,
                                           mail_from=envelope.mail_from,
                                           rcpt_tos=list(envelope.rcpt_tos))
        except OSError as exc:
            log.error("quarantine folder not writable: %s", type(exc).__name__)
            return "451 4.3.0 Quarantine unavailable, try again later"
        return f"250 2.0.0 OK: held for review as {name}"


def _relay_with(headers: list[tuple[str, str]], hop: NextHop, message: bytes, *envelope: Any) -> str:
    """``relay`` of the message with ``headers`` added, both off the event loop: adding headers
    copies the whole message (up to 100 MB when oversized mail is relayed)."""
    return relay(hop, add_headers(message, headers), *envelope)


def _deferred(reason: str) -> str:
    """The 4xx of fail-closed: the sender keeps the message and tries again."""
    texts = {"timeout": "scan took too long", "busy": "too many messages being scanned",
             "internal-error": "internal error while scanning"}
    return f"451 4.3.0 leakscan: {texts.get(reason, reason)}, message not accepted; try again later"
