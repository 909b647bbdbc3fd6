"""Masking of matched values, applied before anything is rendered, logged or cached.

Modes (chosen per rule): ``ends`` keeps a few characters at both ends so a person can recognise
the value (A1******89); ``all`` hides everything, length included (passwords); ``digits`` hides
the numerals of an amount but keeps its words (底價新臺幣*,***,***元); ``none`` is for markings
such as 機密 whose text is the finding itself, not a secret.
"""

from __future__ import annotations

import re

_VISIBLE = re.compile(r"\S")
NUMERALS = frozenset("零〇一二三四五六七八九十百千萬億兩壹貳參叁肆伍陸柒捌玖拾佰仟")
HIDDEN = "********"


def mask(text: str, mode: str) -> str:
    """``text`` masked in ``mode``; for every mode but ``none`` the result differs from ``text``."""
    if mode == "none" or not text:
        return text
    if mode == "all":
        return HIDDEN if text != HIDDEN else "*" * (len(text) + 1)
    if mode == "digits":
        masked = "".join("*" if ch.isdigit() or ch in NUMERALS else ch for ch in text)
        return masked if masked != text else _mask_ends(text)
    return _mask_ends(text)


_ASCII_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TO_STARS = bytes.maketrans(_ASCII_ALNUM, b"*" * len(_ASCII_ALNUM))


def _keep(count: int) -> int:
    """How many alphanumeric characters stay visible at each end of a value that has ``count``."""
    return 2 if count >= 8 else 1 if count >= 5 else 0


def _mask_ends(text: str) -> str:
    """Every alphanumeric character hidden but the first and last ``keep`` (separators stay)."""
    if text.isalnum():  # the common case, an identifier without separators
        count = len(text)
        keep = _keep(count)
        return text[:keep] + "*" * (count - 2 * keep) + text[count - keep:]
    if text.isascii():  # phone numbers and e-mail addresses: translated in C, not char by char
        raw = text.encode("ascii")
        count = len(raw) - len(raw.translate(None, _ASCII_ALNUM))
        if count:
            keep = _keep(count)
            head = tail = seen = 0
            while seen < keep:  # past the first ``keep`` alphanumerics
                seen += raw[head:head + 1].isalnum()
                head += 1
            tail, seen = len(raw), 0
            while seen < keep:  # before the last ``keep``
                tail -= 1
                seen += raw[tail:tail + 1].isalnum()
            return text[:head] + raw[head:tail].translate(_TO_STARS).decode("ascii") + text[tail:]
    return _mask_ends_any(text)


def _mask_ends_any(text: str) -> str:
    """``_mask_ends`` for any text, one character at a time."""
    # Alphanumeric is what ``[^\W_]`` means in ``re``: str.isalnum, which excludes ``_``.
    positions = [index for index, char in enumerate(text) if char.isalnum()]
    count = len(positions)
    if not count:  # nothing alphanumeric at all: hide every visible character instead
        masked = _VISIBLE.sub("*", text)
        return masked if masked != text else HIDDEN
    keep = _keep(count)
    chars = list(text)
    for index in positions[keep:count - keep]:
        chars[index] = "*"
    return "".join(chars)
