"""Tests for leakscan.validators: DOMAIN.md section 5 vectors, edge cases, junk robustness."""

from __future__ import annotations

import doctest
import random
import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakscan import validators
from leakscan.validators import (
    VALIDATORS,
    luhn,
    tw_business_id,
    tw_national_id,
    tw_resident_id,
)

Validator = Callable[[str], bool]

# Test vectors from DOMAIN.md section 5, exactly as listed there.
NATIONAL_VALID = [
    "A123456789",
    "F131104093",
    "O158238845",
    "N116247806",
    "L122544270",
    "C180661564",
    "Y123456788",
    "I123456781",
    "W123456789",
    "Z123456780",
]
NATIONAL_INVALID = ["A123456788", "F131104091", "O158238842", "A323456789"]
RESIDENT_NEW_VALID = [
    "A800000014",
    "A900207177",
    "B801300667",
    "A870000015",
    "A880000018",
    "A890000011",
]
RESIDENT_NEW_INVALID = ["A800000000"]
RESIDENT_OLD_VALID = ["AA00000009", "AB23456789", "AC03095424", "BD01300667"]
RESIDENT_OLD_INVALID = ["AA00000000", "AE23456785"]
BUSINESS_VALID = [
    "00501503",
    "04595257",
    "22099131",
    "10000004",
    "10000073",
    "12345670",
    "04595252",
]
BUSINESS_INVALID = ["00501502", "04595253", "12345678"]

ARABIC_INDIC = "".maketrans(string.digits, "".join(chr(0x0660 + i) for i in range(10)))
FULL_WIDTH = "".maketrans(
    string.digits + string.ascii_uppercase,
    "".join(chr(ord(c) + 0xFEE0) for c in string.digits + string.ascii_uppercase),
)


def _cases(func: Validator, values: list[str], expected: bool) -> list[object]:
    name = func.__name__
    verdict = "valid" if expected else "invalid"
    return [pytest.param(func, v, expected, id=f"{name}-{verdict}-{v}") for v in values]


DOMAIN_VECTORS = [
    *_cases(tw_national_id, NATIONAL_VALID, True),
    *_cases(tw_national_id, NATIONAL_INVALID, False),
    *_cases(tw_resident_id, RESIDENT_NEW_VALID, True),
    *_cases(tw_resident_id, RESIDENT_NEW_INVALID, False),
    *_cases(tw_resident_id, RESIDENT_OLD_VALID, True),
    *_cases(tw_resident_id, RESIDENT_OLD_INVALID, False),
    *_cases(tw_business_id, BUSINESS_VALID, True),
    *_cases(tw_business_id, BUSINESS_INVALID, False),
]


@pytest.mark.parametrize(("func", "value", "expected"), DOMAIN_VECTORS)
def test_domain_vectors(func: Validator, value: str, expected: bool) -> None:
    assert func(value) is expected


@pytest.mark.parametrize(
    ("func", "value"),
    [
        *(
            pytest.param(tw_resident_id, v, id=f"resident-rejects-national-{v}")
            for v in NATIONAL_VALID
        ),
        *(
            pytest.param(tw_national_id, v, id=f"national-rejects-resident-{v}")
            for v in RESIDENT_NEW_VALID + RESIDENT_OLD_VALID
        ),
    ],
)
def test_national_and_resident_formats_do_not_overlap(func: Validator, value: str) -> None:
    assert func(value) is False


LUHN_CASES = [
    pytest.param("4111111111111111", True, id="visa-test-number"),
    pytest.param("4111 1111 1111 1111", True, id="spaces"),
    pytest.param("4111-1111-1111-1111", True, id="hyphens"),
    pytest.param("5555555555554444", True, id="mastercard-test-number"),
    pytest.param("378282246310005", True, id="amex-15-digits"),
    pytest.param("4222222222222", True, id="13-digits"),
    pytest.param("6011111111111117", True, id="discover"),
    pytest.param("4111111111111112", False, id="bad-check-digit"),
    pytest.param("79927398713", False, id="luhn-valid-but-11-digits"),
    pytest.param("411111111111", False, id="12-digits"),
    pytest.param("41111111111111111110", False, id="20-digits"),
    pytest.param("0000000000000000", False, id="all-zero"),
    pytest.param("0000 0000 0000 0000", False, id="all-zero-grouped"),
    pytest.param("0" * 13, False, id="all-zero-13"),
    pytest.param("5" * 18, False, id="all-same-digit"),
    pytest.param("", False, id="empty"),
    pytest.param("    ----    ", False, id="separators-only"),
    pytest.param("4111x1111x1111x1111", False, id="letters"),
    pytest.param("4111\u00a01111\u00a01111\u00a01111", False, id="no-break-space"),
    pytest.param("4111111111111111".translate(ARABIC_INDIC), False, id="arabic-indic-digits"),
    pytest.param("4111111111111111".translate(FULL_WIDTH), False, id="full-width-digits"),
]


@pytest.mark.parametrize(("value", "expected"), LUHN_CASES)
def test_luhn(value: str, expected: bool) -> None:
    assert luhn(value) is expected


def _edge_cases(func: Validator, valid: str) -> list[object]:
    name = func.__name__
    cases = [
        ("empty", ""),
        ("too-short", valid[:-1]),
        ("too-long", valid + "0"),
        ("leading-space", " " + valid),
        ("trailing-newline", valid + "\n"),
        ("arabic-indic-digits", valid.translate(ARABIC_INDIC)),
        ("full-width", valid.translate(FULL_WIDTH)),
        ("hyphenated", valid[:4] + "-" + valid[4:]),
    ]
    if valid[0].isalpha():
        cases.append(("lowercase", valid.lower()))
        cases.append(("full-width-letter-only", valid[0].translate(FULL_WIDTH) + valid[1:]))
        cases.append(("digit-for-letter", "1" + valid[1:]))
    else:
        cases.append(("letter-for-digit", "A" + valid[1:]))
    return [pytest.param(func, value, id=f"{name}-{label}") for label, value in cases]


@pytest.mark.parametrize(
    ("func", "value"),
    [
        *_edge_cases(tw_national_id, "A123456789"),
        *_edge_cases(tw_resident_id, "A800000014"),
        *_edge_cases(tw_resident_id, "AC03095424"),
        *_edge_cases(tw_business_id, "04595257"),
    ],
)
def test_malformed_input_is_rejected(func: Validator, value: str) -> None:
    assert func(value) is False


@pytest.mark.parametrize("second", ["0", "3", "7", "E", "Z", "a"], ids=lambda s: f"second-{s}")
def test_resident_rejects_other_second_characters(second: str) -> None:
    # With any last digit at most one value passes the checksum; none may pass the format.
    assert not any(tw_resident_id(f"A{second}2345678{d}") for d in "0123456789")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 7th digit 7: the product 28 may count as 1 or 0, so Z and Z + 1 are both tried.
        pytest.param("10000073", True, id="seventh-7-counts-as-1"),
        pytest.param("10000074", True, id="seventh-7-counts-as-0"),
        pytest.param("10000075", False, id="seventh-7-neither"),
        # The old %10 rule would reject these; the current %5 rule accepts them.
        pytest.param("04595252", True, id="mod5-not-mod10"),
        pytest.param("12345670", True, id="mod5-sequential"),
    ],
)
def test_business_id_rules(value: str, expected: bool) -> None:
    assert tw_business_id(value) is expected


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@given(value=st.text())
def test_junk_input_returns_bool(name: str, value: str) -> None:
    assert isinstance(VALIDATORS[name](value), bool)


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@given(value=st.from_regex(r"\A[A-Za-z0-9\- ]{0,24}\Z"))
def test_near_miss_input_returns_bool(name: str, value: str) -> None:
    assert isinstance(VALIDATORS[name](value), bool)


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@pytest.mark.parametrize(
    "value",
    [None, 123, b"A123456789", ["A123456789"], object()],
    ids=["none", "int", "bytes", "list", "object"],
)
def test_non_string_input_returns_false(name: str, value: object) -> None:
    assert VALIDATORS[name](value) is False  # type: ignore[arg-type]


def test_registry_names() -> None:
    assert set(VALIDATORS) == {"tw-national-id", "tw-resident-id", "tw-business-id", "luhn"}
    assert VALIDATORS["tw-national-id"] is tw_national_id
    assert VALIDATORS["tw-resident-id"] is tw_resident_id
    assert VALIDATORS["tw-business-id"] is tw_business_id
    assert VALIDATORS["luhn"] is luhn


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        VALIDATORS["evil"] = luhn  # type: ignore[index]
    with pytest.raises(TypeError):
        del VALIDATORS["luhn"]  # type: ignore[attr-defined]
    assert not hasattr(VALIDATORS, "update")
    assert "evil" not in VALIDATORS


@pytest.mark.parametrize("letter", list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
@pytest.mark.parametrize("gender", ["1", "2"])
def test_national_id_exactly_one_check_digit(letter: str, gender: str) -> None:
    rng = random.Random(f"{letter}{gender}")
    for _ in range(50):
        prefix = letter + gender + "".join(rng.choice(string.digits) for _ in range(7))
        passing = [d for d in string.digits if tw_national_id(prefix + d)]
        assert len(passing) == 1, prefix


@pytest.mark.parametrize("second", list("89ABCD"))
def test_resident_id_exactly_one_check_digit(second: str) -> None:
    rng = random.Random(second)
    for _ in range(200):
        letter = rng.choice(string.ascii_uppercase)
        prefix = letter + second + "".join(rng.choice(string.digits) for _ in range(7))
        passing = [d for d in string.digits if tw_resident_id(prefix + d)]
        assert len(passing) == 1, prefix


def test_luhn_exactly_one_check_digit() -> None:
    rng = random.Random(0)
    for _ in range(200):
        prefix = "".join(rng.choice(string.digits) for _ in range(rng.randint(12, 18)))
        passing = [d for d in string.digits if luhn(prefix + d)]
        if len(set(prefix)) == 1:
            assert len(passing) <= 1, prefix
        else:
            assert len(passing) == 1, prefix


def test_doctests() -> None:
    result = doctest.testmod(validators, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
