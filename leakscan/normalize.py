"""Full-width folding (NFKC per character) with an offset map back to the original text.

Official documents write identifiers and amounts in full-width characters (Ａ１２３, １，２５０).
Patterns are written for ASCII, so text is folded with NFKC first; every finding must still point
at, and mask, the original characters.  NFKC is applied per code point: most characters fold to
exactly one character (full-width forms, ideographic space), which needs no bookkeeping; only
the few that expand (㈱ → (株)) or vanish are recorded as breakpoints.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Folded ``text`` of ``original``; ``breaks`` holds (folded index, original index, width)
    for every original character whose folded form is not exactly one character long."""

    original: str
    text: str
    breaks: tuple[tuple[int, int, int], ...] = ()

    def to_original(self, index: int) -> int:
        """Original index of the folded character at ``index``."""
        if not self.breaks:
            return index
        pos = bisect_right(self.breaks, (index, len(self.original) + 1, 0)) - 1
        if pos < 0:
            return index
        folded_at, original_at, width = self.breaks[pos]
        if index < folded_at + width:
            return original_at
        return original_at + 1 + (index - folded_at - width)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span covering the folded span ``[start, end)``."""
        if not self.breaks:
            return start, end
        if end <= start:
            origin = self.to_original(start)
            return origin, origin
        return self.to_original(start), self.to_original(end - 1) + 1


def normalize(text: str) -> NormalizedText:
    """Fold ``text`` with per-character NFKC, keeping a map back to the original offsets."""
    if unicodedata.is_normalized("NFKC", text):
        return NormalizedText(text, text)
    pieces: list[str] = []
    breaks: list[tuple[int, int, int]] = []
    folded_len = 0
    original_pos = 0
    cache: dict[str, str] = {}
    for line in text.splitlines(keepends=True):
        if unicodedata.is_normalized("NFKC", line):
            pieces.append(line)
            folded_len += len(line)
            original_pos += len(line)
            continue
        for char in line:
            folded = cache.get(char)
            if folded is None:
                folded = unicodedata.normalize("NFKC", char)
                cache[char] = folded
            if len(folded) != 1:
                breaks.append((folded_len, original_pos, len(folded)))
            pieces.append(folded)
            folded_len += len(folded)
            original_pos += 1
    return NormalizedText(text, "".join(pieces), tuple(breaks))
