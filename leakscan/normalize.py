"""Full-width folding (NFKC per character) with an offset map back to the original text.

Official documents write identifiers and amounts in full-width characters (Ａ１２３, １，２５０).
Patterns are written for ASCII, so text is folded with NFKC first; every finding must still point
at, and mask, the original characters.  NFKC is applied per code point: most characters fold to
exactly one character (full-width forms, ideographic space), which needs no bookkeeping; only
the few that expand (㈱ → (株)) or vanish are recorded as breakpoints.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# Punctuation and digits that official documents write full-width, with their ASCII forms.
_COMMON_FULL_WIDTH = tuple((char, unicodedata.normalize("NFKC", char))
                           for char in "\uff1a\uff0c\uff08\uff09\u3000\uff1b\uff0f\uff0d"
                           "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")


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
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return NormalizedText(text, text)
    # Full-width punctuation makes almost every Chinese line "not normalized".  Those forms
    # (U+FF01-U+FF5E and the ideographic space) fold one-to-one, so they are replaced with a few
    # str.replace calls at C speed; if the result is then normalized, offsets are unchanged.
    # The most common ones are replaced first without looking for them with a regex (a regex
    # pass over Chinese text costs more than a dozen str searches), which is often all it takes.
    folded = text
    for char, ascii_char in _COMMON_FULL_WIDTH:
        if char in folded:
            folded = folded.replace(char, ascii_char)
    if unicodedata.is_normalized("NFKC", folded):
        return NormalizedText(text, folded)
    for char in set(_FULL_WIDTH.findall(folded)):
        folded = folded.replace(char, unicodedata.normalize("NFKC", char))
    if unicodedata.is_normalized("NFKC", folded):
        return NormalizedText(text, folded)
    # Rarer foldings: every one-to-one character via translate, and only lines that still
    # change afterwards (expanding characters, combining sequences) walked one by one.
    folded = folded.translate(_one_to_one())
    if unicodedata.is_normalized("NFKC", folded):
        return NormalizedText(text, folded)
    pieces: list[str] = []
    breaks: list[tuple[int, int, int]] = []
    folded_len = 0
    original_pos = 0
    cache: dict[str, str] = {}
    for line, folded_line in zip(text.splitlines(keepends=True),
                                 folded.splitlines(keepends=True), strict=True):
        if unicodedata.is_normalized("NFKC", folded_line):
            pieces.append(folded_line)
            folded_len += len(line)
            original_pos += len(line)
            continue
        for char in line:
            result = cache.get(char)
            if result is None:
                result = unicodedata.normalize("NFKC", char)
                cache[char] = result
            if len(result) != 1:
                breaks.append((folded_len, original_pos, len(result)))
            pieces.append(result)
            folded_len += len(result)
            original_pos += 1
    return NormalizedText(text, "".join(pieces), tuple(breaks))


@functools.cache
def _one_to_one() -> dict[int, str]:
    """Translation table of every character whose NFKC form is one other character.

    Computed once per process from the running Python's Unicode tables (immutable, like the
    ``re`` module's pattern cache); the CJK unified ideographs, which never change, are skipped.
    """
    table: dict[int, str] = {}
    ranges = (range(0xA0, 0x3400), range(0xA000, 0xD800), range(0xF900, 0x10000),
              range(0x1D400, 0x1D800), range(0x1F100, 0x1F300), range(0x2F800, 0x2FA20))
    for block in ranges:
        for code in block:
            char = chr(code)
            result = unicodedata.normalize("NFKC", char)
            if len(result) == 1 and result != char:
                table[code] = result
    return table
