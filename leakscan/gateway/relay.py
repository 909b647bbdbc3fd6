"""Handing a message to the next hop over SMTP, and turning the answer into our own reply.

The filter answers its client only after the next hop has answered, so a message is never
acknowledged that the next hop did not take: a next hop that is down, slow or answers 4xx gives
the client a 4xx (it keeps the message and retries), a 5xx is passed on as a 5xx.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass

log = logging.getLogger("leakscan.gateway")

# MAIL FROM parameters worth passing on; SIZE changes with our headers, the rest we do not speak.
_PASSED_OPTIONS = ("BODY=8BITMIME", "SMTPUTF8")


@dataclass(frozen=True, slots=True)
class NextHop:
    host: str = "127.0.0.1"
    port: int = 10026
    timeout: float = 60.0


def add_headers(message: bytes, headers: list[tuple[str, str]]) -> bytes:
    """``message`` with ``headers`` put on top and any X-Leakscan-* it came with removed.

    Nothing else changes, byte for byte.  Headers a sender wrote themselves must not pass as
    ours, so earlier ``X-Leakscan-`` fields (with their continuation lines) are dropped.
    """
    first = message.find(b"\n")
    newline = b"\r\n" if first > 0 and message[first - 1:first] == b"\r" else b"\n"
    end = _header_end(message)
    head, body = message[:end], message[end:]
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):  # a continuation belongs to the field above it
            if not dropping:
                kept.append(line)
            continue
        dropping = line.lower().startswith(b"x-leakscan-")
        if not dropping:
            kept.append(line)
    ours = b"".join(_fold(name, value, newline) for name, value in headers)
    return ours + b"".join(kept) + body


def _fold(name: str, value: str, newline: bytes) -> bytes:
    """One header field, folded after ``; `` so lines stay near 78 characters (RFC 5322 2.2.3)."""
    lines = [f"{name}:"]
    for index, piece in enumerate(value.split("; ")):
        piece += ";" if index < value.count("; ") else ""
        if len(lines[-1]) + 1 + len(piece) > 78 and index:
            lines.append("")
        lines[-1] += " " + piece
    return newline.join(line.encode("ascii") for line in lines) + newline


_BLANK_LINE = re.compile(rb"\r\n\r\n|\n\n")


def _header_end(message: bytes) -> int:
    """Offset of the blank line that ends the header block (the whole message if there is none).

    One search for either line ending: looking for each in turn read a CRLF message to its end.
    """
    found = _BLANK_LINE.search(message)
    if found is None:
        return len(message)
    at = found.start()
    return at + (2 if message.startswith(b"\r\n", at) else 1)


def relay(hop: NextHop, message: bytes, mail_from: str, rcpt_tos: list[str],
          mail_options: list[str]) -> str:
    """Send ``message`` to the next hop; the SMTP reply to give our client (blocking)."""
    options = [o for o in mail_options if o.upper() in _PASSED_OPTIONS]
    try:
        with smtplib.SMTP(hop.host, hop.port, timeout=hop.timeout) as client:
            refused = client.sendmail(mail_from, rcpt_tos, message, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return _passed_on(max(codes), "next hop refused every recipient")
    except smtplib.SMTPResponseException as exc:
        return _passed_on(exc.smtp_code, "next hop refused the message")
    except smtplib.SMTPNotSupportedError:  # SMTPUTF8 asked for and not offered: it never will be
        log.warning("next hop %s:%s does not offer SMTPUTF8", hop.host, hop.port)
        return "550 5.6.7 Next hop does not support SMTPUTF8 for this message"
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("next hop %s:%s unavailable: %s", hop.host, hop.port, type(exc).__name__)
        return "451 4.4.1 Next hop unavailable, try again later"
    if refused:
        codes = [code for code, _ in refused.values()]
        if any(400 <= code < 500 for code in codes):
            # A DATA reply is one answer for every recipient: a retry may deliver twice to those
            # that took it, but nothing is lost.
            log.warning("next hop deferred %d of %d recipient(s)", len(refused), len(rcpt_tos))
            return "451 4.4.0 Next hop deferred some recipients, try again later"
        log.warning("next hop refused %d of %d recipient(s) permanently", len(refused), len(rcpt_tos))
    return "250 2.0.0 OK: relayed"


def _passed_on(code: int, text: str) -> str:
    if 500 <= code < 600:
        return f"{code} 5.0.0 {text}"
    return f"451 4.4.0 {text} ({code}), try again later"
