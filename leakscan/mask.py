"""Masking of matched values, applied before anything is rendered, logged or cached.

Modes (chosen per rule): ``ends`` keeps a few characters at both ends so a person can recognise
the value (A1******89); ``all`` hides everything, length included (passwords); ``digits`` hides
the numerals of an amount but keeps its words (底價新臺幣*,***,***元); ``none`` is for markings
such as 機密 whose text is the finding itself, not a secret.
"""

from __future__ import annotations

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


def _mask_ends(text: str) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    count = len(positions)
    keep = 2 if count >= 8 else 1 if count >= 5 else 0
    shown = set(positions[:keep]) | set(positions[count - keep:] if keep else [])
    masked = "".join(ch if (i in shown or not ch.isalnum()) else "*" for i, ch in enumerate(text))
    if masked == text:  # nothing alphanumeric: hide every visible character instead
        masked = "".join("*" if not ch.isspace() else ch for ch in text)
    return masked if masked != text else HIDDEN
