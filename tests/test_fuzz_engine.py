"""Property-based tests of the detection engine on text nobody would write on purpose.

Random Unicode (every plane, control characters, full-width forms, mixed scripts) is mixed with
fragments that make rules fire, so the properties are checked on real findings and not only on
noise: no exception, every location points inside the segment at the value found there, values
are masked wherever their rule masks, and the same text always gives the same result.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakscan import Location, Scanner, Segment

from .fixtures_hostile import full_width, fuzz_settings

# Text around which rules fire: labels, values with valid and broken checksums, separators.
FRAGMENTS = (
    "身分證字號", "A123456789", "A800000014", "F131104093", "a123456789", "密碼：", "密碼:", "Tpe@2026!x",
    "底價", "新臺幣", "1,234,000", "元", "壹佰萬", "機密", "極機密", "絕對機密", "密等及解密條件或保密期限：",
    "（密）", "限閱", "請勿外流", "0912345678", "0912-345-678", "(02)2345-6789", "4111111111111111",
    "出生年月日", "病歷", "營業秘密", "統一編號", "04595257", "ming@example.gov.tw",
    "台北市中正區重慶南路一段122號",
    "\n", "\r\n", "\t", " ", "\u3000", "：", "，", "\u200b", "\ufeff", "\u0301", "\x00", "\x1b", "\ud7ff",
)

# Characters from every category, including controls; lone surrogates come only from ODD_CHAR, as
# in a file name Python decoded with surrogateescape (a Big5 name on a UTF-8 system).
ANY_CHAR = st.characters(codec="utf-8")
ODD_CHAR = st.sampled_from("\x00\x07\x0b\x0c\x1c\x85\u2028\u2029\ufffd\ue000\U000f0000\U0010fffd"
                           "\u0300\u202e\u200d\ufe0f\u2160\u00bd\u3007ﾃｽﾄＡ１０\udcb0\udcff")
PIECE = st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHAR, max_size=12), st.text(ODD_CHAR, max_size=4))


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """Fragments and noise glued together, some of it turned full-width."""
    pieces = draw(st.lists(PIECE, max_size=40))
    return "".join(full_width(p) if draw(st.booleans()) and len(p) < 20 else p for p in pieces)


PARTS = st.sampled_from(("body", "table", "header", "footer", "title", "filename", "comment", "metadata"))


def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column in ``text`` (lines end at ``\\n`` only)."""
    lines = text.split("\n")
    assert 1 <= line <= len(lines), (line, len(lines))
    assert 1 <= column <= len(lines[line - 1]) + 1, (column, lines[line - 1])
    return sum(len(part) + 1 for part in lines[: line - 1]) + column - 1


def check_findings(scanner: Scanner, text: str, part: str) -> None:
    """The engine's promises for one segment; raises AssertionError naming the broken one."""
    findings = scanner.detect([Segment(text, Location(part))])
    for finding in findings:
        start = _offset(text, finding.location.line or 0, finding.location.column or 0)
        value = finding.value
        assert value, finding
        # The value is the original text (never the folded one), at or after where the match starts
        # and beginning on the finding's own line.
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        found_at = text.find(value, start)
        assert start <= found_at < line_end, (finding, value, found_at, start, line_end)
        rule = scanner.rule(finding.rule)
        if rule.mask != "none":
            assert finding.masked != value, (finding.rule, rule.mask, finding.masked)
            if len(value) >= 4:
                assert value not in finding.masked, finding.masked
        assert "\n" not in finding.masked


@fuzz_settings(300)
@given(text=hostile_text(), part=PARTS)
def test_engine_properties_on_hostile_text(scanner: Scanner, text: str, part: str) -> None:
    check_findings(scanner, text, part)


@fuzz_settings(150)
@given(text=hostile_text())
def test_results_are_deterministic(scanner: Scanner, text: str) -> None:
    first = scanner.scan_text(text).to_dict(reveal=True)
    assert scanner.scan_text(text).to_dict(reveal=True) == first


@fuzz_settings(150)
@given(text=st.text(ANY_CHAR, max_size=200))
def test_pure_noise_never_raises(scanner: Scanner, text: str) -> None:
    result = scanner.scan_text(text)
    assert result.status == "scanned"
    check_findings(scanner, text, "body")


@fuzz_settings(100)
@given(text=hostile_text())
def test_full_width_text_finds_what_half_width_finds(scanner: Scanner, text: str) -> None:
    """NFKC folding: a full-width copy of ASCII text is found by the same rules."""
    ascii_only = "".join(ch for ch in text if ch.isascii() and ch.isprintable())
    half = {f.rule for f in scanner.detect([Segment(ascii_only)])}
    full = {f.rule for f in scanner.detect([Segment(full_width(ascii_only))])}
    assert half == full


@pytest.mark.parametrize("text", [
    "密碼：Tpe@2026!x" + "A" * 500_000,  # one huge line with a match at its start
    "x" * 300_000 + "身分證字號A123456789" + "y" * 300_000,  # …in its middle
    "身分證字號" * 50_000,  # a keyword repeated with no value after it
    "密碼：" * 50_000 + "Tpe@2026!x",
    "\n" * 200_000 + "底價新臺幣1,234,000元",  # a match on line 200,001
    "".join(chr(c) for c in range(0x20, 0x3000)) * 20,  # every BMP character up to CJK
    full_width("A123456789 Tpe@2026!x ") * 10_000,
    "\u0301" * 100_000 + "A123456789",  # combining marks that NFKC folds away or onto others
    "ﾃﾞ" * 50_000,  # half-width kana that NFKC joins: offsets must still map back
], ids=["long-line-start", "long-line-middle", "keyword-storm", "label-storm", "many-lines",
        "bmp-sweep", "full-width-storm", "combining-storm", "kana-fold"])
def test_huge_and_pathological_lines(scanner: Scanner, text: str) -> None:
    check_findings(scanner, text, "body")


def test_folding_changes_lengths_and_offsets_still_map(scanner: Scanner) -> None:
    """A ligature and a half-width kana pair fold to other lengths before the value."""
    text = "\ufb01\ufb01ﾃﾞﾃﾞ㍻身分證字號Ａ１２３４５６７８９"
    assert len(unicodedata.normalize("NFKC", text)) != len(text)
    check_findings(scanner, text, "body")
    [finding] = [f for f in scanner.detect([Segment(text)]) if f.rule == "tw-national-id"]
    assert finding.value == "Ａ１２３４５６７８９"
