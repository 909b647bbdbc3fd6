"""The shared pass for keyword-less rules gives exactly the matches of separate passes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakscan import Scanner
from leakscan.merged import MergedPass, first_chars


def _chars(ranges: list[tuple[int, int]] | None) -> set[str] | None:
    if ranges is None:
        return None
    return {chr(c) for low, high in ranges for c in range(low, high + 1)}


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"A[12][0-9]", set("A")),
    (r"[A-C]x", set("ABC")),
    (r"(?:ab|c|密等)", set("ac密")),
    (r"(?P<v>(?:\+886|0)9)", set("+0")),
    (r"(?:[0-9]{3})?[甲乙]", set("0123456789甲乙")),
    (r"(?<![0-9])x?y", set("xy")),
    (r"(?=[0-9])[0-9a]", set("0123456789a")),
    (r"a*b+", set("ab")),
], ids=["literal", "range", "branch", "group", "optional-prefix", "lookbehind", "lookahead", "repeats"])
def test_first_chars(pattern: str, expected: set[str]) -> None:
    assert _chars(first_chars(re.compile(pattern))) == expected


@pytest.mark.parametrize("pattern", [
    r"^x", r"\bx", r"\dx", r"[^a]x", r".x", r"a?", r"(a)\1", r"(?i)ab", r"(?:a|)", r"(?i:a)b",
], ids=["caret", "word-boundary", "category", "negated", "any", "nullable", "backreference",
        "ignore-case", "empty-branch", "scoped-flag"])
def test_first_chars_unknown(pattern: str) -> None:
    assert first_chars(re.compile(pattern)) is None


PATTERNS = [
    re.compile(r"(?P<value>[A-Z][12][0-9]{3})(?![0-9])"),
    re.compile(r"(?P<value>(?:\(0[2-8]\)|0[2-8]-)[0-9]{2,3})"),
    re.compile(r"[3-6](?:[0-9]{3}|(?<=3)[47][0-9])"),
    re.compile(r"(?:密[ ]*等|機密)[:](?P<level>密|機密)(?=\s|$)", re.MULTILINE),
    re.compile(r"0[0-9]{2}"),  # overlaps the others: each rule keeps its own finditer order
    re.compile(r"\n[機密]"),  # starts with a line break, which ``.`` does not match
    re.compile(r"(A|B)([12])"),  # unnamed groups: the merged pass has them too
]
ALPHABET = "AB12034567890()-: \n密機等x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_merged_pass_equals_separate_passes(text: str) -> None:
    merged, chosen = MergedPass.build(PATTERNS)
    assert merged is not None and chosen == tuple(range(len(PATTERNS)))
    got = [[(m.span(), m.groups()) for m in found] for found in merged.finditer_all(text)]
    assert got == [[(m.span(), m.groups()) for m in p.finditer(text)] for p in PATTERNS]


def test_patterns_that_cannot_share_keep_their_own_pass() -> None:
    patterns = [re.compile(r"^x"), re.compile(r"\d+"), re.compile("ab"), re.compile("(?s)c."),
                re.compile("cd")]
    merged, chosen = MergedPass.build(patterns)
    assert merged is not None and chosen == (2, 4)
    assert MergedPass.build(patterns[:4]) == (None, ())


def test_detector_merges_the_builtin_keyword_less_rules(scanner: Scanner) -> None:
    body = scanner._detector._parts["body"]
    merged, rules = body.merged, body.merged_rules
    assert merged is not None
    assert {"tw-national-id", "tw-mobile", "tw-landline", "credit-card"} <= {r.id for r in rules}
    assert all(not r.keywords and r.reach is None for r in rules)
