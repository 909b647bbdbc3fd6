"""Regexes from users' pattern sets, which run with a time limit.

Python's ``re`` cannot be interrupted: one catastrophic-backtracking regex in a user's pattern set
(``(a|aa)+$``) would hang a folder scan or a mail gateway for ever.  The built-in rules are ours
and tested, so they stay on ``re``; a user's regexes are compiled with the ``regex`` module, which
accepts the same syntax and can stop a match after a timeout.

The time limit is the scan's deadline, kept in a context variable so that one compiled pattern
can serve many threads and asyncio tasks at once, each with its own deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import regex

# Seconds a user's regex may run when no deadline is set (a library call outside a scan).
DEFAULT_SECONDS = 10.0
# The smallest timeout handed to ``regex``: a deadline that has just passed still gets a try.
_MIN_SECONDS = 0.001

_deadline: ContextVar[float | None] = ContextVar("leakscan_regex_deadline", default=None)


class RegexTimeout(Exception):
    """A user's regex ran past the scan's deadline (caught by the detector, never shown raw)."""

    def __init__(self, pattern: UserPattern) -> None:
        super().__init__("a pattern-set regex ran past the scan's time limit")
        self.pattern = pattern


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """User regexes started inside this block stop at ``at`` (a ``time.monotonic()`` value)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def _timeout() -> float:
    at = _deadline.get()
    if at is None:
        return DEFAULT_SECONDS
    return max(at - time.monotonic(), _MIN_SECONDS)


class UserPattern:
    """A compiled user regex with the ``re.Pattern`` methods the detector uses, time-bounded.

    Each call gets the time left until the current deadline; running past it raises
    ``RegexTimeout``.  Matches are ``regex`` match objects, which offer the same
    ``span``/``group``/``start``/``end`` as ``re``'s.
    """

    __slots__ = ("_compiled",)

    def __init__(self, source: str, flags: int = 0) -> None:
        """Compile ``source``; raises ``regex.error`` like ``re.compile`` raises ``re.error``."""
        self._compiled = regex.compile(source, flags | regex.VERSION0)

    @property
    def pattern(self) -> str:
        return self._compiled.pattern

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self._compiled.groupindex

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        try:
            yield from self._compiled.finditer(text, pos, _end(text, endpos), timeout=_timeout())
        except TimeoutError:
            raise RegexTimeout(self) from None

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        try:
            return self._compiled.search(text, pos, _end(text, endpos), timeout=_timeout())
        except TimeoutError:
            raise RegexTimeout(self) from None

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        try:
            return self._compiled.match(text, pos, _end(text, endpos), timeout=_timeout())
        except TimeoutError:
            raise RegexTimeout(self) from None

    def __repr__(self) -> str:
        return f"UserPattern({self.pattern!r})"


def _end(text: str, endpos: int | None) -> int:
    return len(text) if endpos is None else endpos
