"""Masking: values are never rendered as they are."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakscan.mask import _mask_ends, _mask_ends_any, mask


@pytest.mark.parametrize(("text", "mode", "expected"), [
    ("A123456789", "ends", "A1******89"),
    ("0912-345-678", "ends", "09**-***-*78"),
    ("Hj7#k", "ends", "***#*"),
    ("VPNpass7x", "ends", "VP*****7x"),
    ("Tpe@2026!x", "all", "********"),
    ("新臺幣1,234,000元整", "digits", "新臺幣*,***,***元整"),
    ("捌佰壹拾貳萬元整", "digits", "******元整"),
    ("機密", "none", "機密"),
])
def test_mask_modes(text: str, mode: str, expected: str) -> None:
    assert mask(text, mode) == expected


@given(st.text(min_size=1, max_size=40), st.sampled_from(["ends", "all", "digits"]))
def test_masked_never_equals_the_value(text: str, mode: str) -> None:
    assert mask(text, mode) != text


@given(st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=60))
def test_the_ascii_path_masks_as_the_general_one(text: str) -> None:
    """Phone numbers and addresses take a faster path; it must hide exactly the same characters."""
    assert _mask_ends(text) == _mask_ends_any(text)
