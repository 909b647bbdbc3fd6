"""The private Traditional-Chinese tokenizer: right words, same tokens as a whole-document pass,
and no side effects on the host program's jieba or logging."""

from __future__ import annotations

import logging
import random
import re

import jieba
import pytest

from leakscan import Scanner
from leakscan.tokenize import BLOCK_CHARS, ChineseTokenizer

from .conftest import GUIDANCE, ROOT


def test_block_class_is_jiebas_own() -> None:
    ours = re.compile(f"[{BLOCK_CHARS}]")
    for code in range(0x10000):
        char = chr(code)
        assert bool(ours.fullmatch(char)) == bool(jieba.re_han_default.fullmatch(char)), hex(code)


@pytest.mark.parametrize(("text", "tokens"), [
    ("洩漏底價", ["洩漏", "底價"]),
    ("到底價值", ["到底", "價值"]),
    ("國民身分證統一編號", ["國民", "身分證", "統一編號"]),
])
def test_traditional_dictionary_segments_traditional_text(
        scanner: Scanner, text: str, tokens: list[str]) -> None:
    assert scanner.tokenizer.cut(text) == tokens


def _corpus() -> list[str]:
    """The guidance texts plus generated documents from the benchmark's corpus generator."""
    import importlib.util

    texts = [p.read_text(encoding="utf-8") for p in GUIDANCE]
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    texts.extend(text for _, text in module.generate(seed=3, total_chars=120_000))
    return texts


def test_candidate_blocks_give_exactly_the_whole_document_tokens(scanner: Scanner) -> None:
    """For every candidate the engine would check, and for random positions, the tokens of its
    block are the whole-document tokens over the same span."""
    from leakscan.normalize import normalize

    tokenizer = scanner.tokenizer
    rng = random.Random(5)
    checked = 0
    for document in _corpus():
        text = normalize(document).text
        whole = tokenizer.spans(text)
        starts = {start: (token, end) for token, start, end in whole}
        positions = [m.start() for m in re.finditer("底價|機密|密碼|限閱|病歷|營業秘密|標單", text)]
        positions += [rng.randrange(len(text)) for _ in range(20)] if text else []
        for position in positions:
            left, right = tokenizer.block_span(text, position, position + 1)
            if left == right:
                continue
            block_tokens = tokenizer.spans(text[left:right], offset=left)
            expected = [(starts[s][0], s, starts[s][1]) for s in sorted(starts) if left <= s < right]
            assert block_tokens == expected
            checked += 1
    assert checked > 500


def test_private_tokenizer_leaves_global_jieba_and_logging_alone(capfd: pytest.CaptureFixture[str]) -> None:
    jieba_logger = logging.getLogger("jieba")
    handlers_before = list(jieba_logger.handlers)
    level_before = jieba_logger.level
    root_handlers = list(logging.getLogger().handlers)
    was_initialized = jieba.dt.initialized
    freq_before = len(jieba.dt.FREQ)
    tokenizer = ChineseTokenizer(extra_words=["青鳥專案"])
    assert tokenizer.cut("青鳥專案之底價") == ["青鳥專案", "之", "底價"]
    assert jieba.dt.initialized == was_initialized
    assert len(jieba.dt.FREQ) == freq_before
    assert "青鳥專案" not in jieba.dt.FREQ
    assert jieba_logger.handlers == handlers_before and jieba_logger.level == level_before
    assert logging.getLogger().handlers == root_handlers
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_scanning_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    Scanner().scan_text("如洩漏底價，依法究辦")
    assert capfd.readouterr() == ("", "")
