"""A private jieba tokenizer with a Traditional-Chinese dictionary, used only around candidates.

jieba's bundled dictionary is Simplified and mis-segments Traditional text (洩漏底價 → 洩/漏底/價).
leakscan ships a dictionary derived from jieba's own with OpenCC (``tools/build_jieba_dict.py``)
and loads it into its own ``jieba.Tokenizer``: the host program's global jieba tokenizer, its
dictionary and its logging are never touched, nothing is printed and no cache file is written.

jieba cuts text into blocks at every character outside ``jieba.re_han_default`` and segments each
block on its own, so the tokens of the block around a candidate are exactly the tokens a
whole-document pass would give there.  That is what makes candidate-only tokenization correct.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

DICTIONARY = "jieba_zh_tw.txt.gz"
# jieba's own block class (jieba.re_han_default); a test checks the two stay identical.
BLOCK_CHARS = "\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-"
# Frequency given to a rule term the dictionary does not know: enough to be kept whole, low
# enough that it does not win over common words around it (到底價值 stays 到底/價值).
ADDED_TERM_FREQ = 50


class ChineseTokenizer:
    """Segments Traditional-Chinese blocks; built lazily on first use, then read-only."""

    def __init__(self, extra_words: Iterable[str] = (), dictionary: Path | None = None) -> None:
        self._extra_words = tuple(sorted(set(extra_words)))
        self._dictionary = dictionary
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._block_char = re.compile(f"[{BLOCK_CHARS}]")
        self._block_run = re.compile(f"[{BLOCK_CHARS}]*")

    @property
    def jieba(self) -> jieba.Tokenizer:
        """The private ``jieba.Tokenizer``, loaded on first access (thread-safe)."""
        tokenizer = self._tokenizer
        if tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._load()
                tokenizer = self._tokenizer
        return tokenizer

    def _load(self) -> jieba.Tokenizer:
        import jieba

        tokenizer = jieba.Tokenizer(dictionary=None)
        if self._dictionary is not None:
            with gzip.open(self._dictionary, "rb") as handle:
                freq, total = tokenizer.gen_pfdict(handle)
        else:
            source = resources.files("leakscan.data").joinpath(DICTIONARY)
            with source.open("rb") as raw, gzip.open(raw, "rb") as handle:
                freq, total = tokenizer.gen_pfdict(handle)
        tokenizer.FREQ, tokenizer.total = freq, total
        # Marking it initialised stops jieba from loading its own dictionary, logging and
        # writing its cache file; add_word below then only touches this private instance.
        tokenizer.initialized = True
        for word in self._extra_words:
            if not freq.get(word):
                tokenizer.add_word(word, ADDED_TERM_FREQ)
        return tokenizer

    def block_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The jieba block(s) covering ``text[start:end]``: maximal runs of block characters."""
        left = start
        while left > 0 and self._block_char.match(text, left - 1):
            left -= 1
        run = self._block_run.match(text, end)
        right = run.end() if run else end
        return left, right

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` exactly as jieba gives them (no HMM, so the result is stable)."""
        return list(self.jieba.cut(text, HMM=False))

    def spans(self, text: str, offset: int = 0) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` for every token of ``text``, shifted by ``offset``."""
        out: list[tuple[str, int, int]] = []
        position = offset
        for token in self.jieba.cut(text, HMM=False):
            out.append((token, position, position + len(token)))
            position += len(token)
        return out

    def boundaries(self, text: str, left: int, right: int) -> set[int]:
        """Token boundary offsets (in ``text``) of the block ``text[left:right]`` (see
        ``block_span``)."""
        edges = {left}
        position = left
        for token in self.jieba.cut(text[left:right], HMM=False):
            position += len(token)
            edges.add(position)
        return edges
