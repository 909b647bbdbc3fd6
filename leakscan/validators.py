"""Checksum validators for identifiers found in Taiwanese documents.

A regular expression finds *candidates*; the functions here decide whether a candidate's check
digit is right, which removes most false positives (a random ten-character string of the right
shape passes a mod-10 check only one time in ten). Each function:

* takes a candidate the caller has already normalised to ASCII (NFKC folds the full-width
  letters and digits common in official documents to ``A-Z`` and ``0-9``), so nothing here
  deals with Unicode forms;
* returns ``True`` or ``False`` and never raises, whatever it is given: junk, the empty
  string, the wrong length, lowercase letters, non-ASCII digits (``str.isdigit`` accepts
  U+0661 ARABIC-INDIC DIGIT ONE, so digits are checked against ``'0123456789'`` explicitly)
  or even a non-``str`` object;
* is pure: there is no module-level mutable state.

:data:`VALIDATORS` maps the kebab-case names that pattern files use (``validator: luhn``) to the
functions; it is a read-only mapping.

>>> sorted(VALIDATORS)
['luhn', 'tw-business-id', 'tw-national-id', 'tw-resident-id']
>>> VALIDATORS['tw-national-id']('F131104093')
True

The algorithms are those published by the Ministry of the Interior (身分證統一編號,
外來人口統一證號), the Ministry of Finance (統一編號, rule in force since 2023-04-01) and ISO/IEC
7812-1 (Luhn).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

__all__ = [
    "VALIDATORS",
    "luhn",
    "tw_business_id",
    "tw_national_id",
    "tw_resident_id",
]

# The area letter's code is 10 + its index here. The order is not alphabetical: I, O, W and Z
# come after the other 22 letters, so they take the codes 34, 35, 32 and 33.
_AREA_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"

_TW_ID_LENGTH = 10

# Old-format resident certificates use a letter in the second position; it counts as the units
# digit of its area code (A=10 -> 0, B=11 -> 1, C=12 -> 2, D=13 -> 3).
_OLD_RESIDENT_SECOND = "ABCD"

_BUSINESS_ID_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)
_BUSINESS_ID_LENGTH = len(_BUSINESS_ID_WEIGHTS)

_CARD_SEPARATORS = " -"
# ISO/IEC 7812 primary account numbers are 13 to 19 digits long (issuer prefix, account, check).
_CARD_LENGTHS = range(13, 20)


def _is_ascii_digits(value: str) -> bool:
    """Return whether ``value`` is non-empty and made only of the ASCII digits 0-9.

    ``str.isdigit`` and ``str.isdecimal`` are not enough: they accept Arabic-Indic, full-width
    and other Unicode digits, which ``int`` would then silently convert.

    >>> _is_ascii_digits('0123')
    True
    >>> _is_ascii_digits(chr(0x0661) + chr(0x0662))  # Arabic-Indic 1 2
    False
    >>> _is_ascii_digits('')
    False
    """
    return value.isascii() and value.isdigit()


def _tw_id_checksum_ok(code: int, digits: str) -> bool:
    """Check the shared mod-10 checksum of national and resident identifiers.

    ``code`` is the two-digit area code (10-35) of the first letter and ``digits`` the nine
    characters that follow it, already reduced to ASCII digits.  The weights of X1 X2 D1 … D9
    are 1 9 8 7 6 5 4 3 2 1 1, written out because this runs once per candidate in a roster.
    """
    d = [ord(char) - 48 for char in digits]  # ASCII digits, checked by the caller
    total = (code // 10 + (code % 10) * 9 + d[0] * 8 + d[1] * 7 + d[2] * 6 + d[3] * 5 + d[4] * 4
             + d[5] * 3 + d[6] * 2 + d[7] + d[8])
    return total % 10 == 0


def tw_national_id(value: str) -> bool:
    """Validate a 國民身分證統一編號 (national identification number).

    The format is ``[A-Z][12][0-9]{8}``: an area letter, 1 (male) or 2 (female), and eight
    digits of which the last is a check digit. The letter becomes a two-digit code X1 X2
    (10 + its index in ``ABCDEFGHJKLMNPQRSTUVXYWZIO``) and the number is valid when
    ``X1*1 + X2*9 + D1*8 + D2*7 + ... + D7*2 + D8*1 + D9*1`` is a multiple of 10.

    Second characters 8 and 9 belong to resident certificates (:func:`tw_resident_id`) and are
    rejected here, as is lowercase: numbers are issued and printed in capitals, and the caller
    normalises width, not case.

    >>> tw_national_id('A123456789')
    True
    >>> tw_national_id('A123456788')
    False
    >>> tw_national_id('A323456789')
    False
    >>> tw_national_id('a123456789')
    False
    """
    if not isinstance(value, str) or len(value) != _TW_ID_LENGTH:
        return False
    letter, rest = value[0], value[1:]
    if letter not in _AREA_LETTERS or rest[0] not in "12" or not _is_ascii_digits(rest):
        return False
    return _tw_id_checksum_ok(10 + _AREA_LETTERS.index(letter), rest)


def tw_resident_id(value: str) -> bool:
    """Validate a 外來人口統一證號 (resident certificate number for foreign nationals).

    Two formats are in use:

    * new (issued since 2021-01-02): ``[A-Z][89][0-9]{8}``, shaped like a national ID with 8 or
      9 in the gender position, and the same checksum;
    * old (valid until 2031-01-01): ``[A-Z][A-D][0-9]{8}``. The second letter counts as the
      units digit of its own area code (A -> 0, B -> 1, C -> 2, D -> 3) and then the same
      checksum applies.

    Both are accepted because documents written before 2031 may quote either.

    >>> tw_resident_id('A800000014')
    True
    >>> tw_resident_id('A800000000')
    False
    >>> tw_resident_id('AC03095424')
    True
    >>> tw_resident_id('AE23456785')
    False
    """
    if not isinstance(value, str) or len(value) != _TW_ID_LENGTH:
        return False
    letter, second, tail = value[0], value[1], value[2:]
    if letter not in _AREA_LETTERS or not _is_ascii_digits(tail):
        return False
    if second in "89":
        digits = second + tail
    elif second in _OLD_RESIDENT_SECOND:
        digits = str(_OLD_RESIDENT_SECOND.index(second)) + tail
    else:
        return False
    return _tw_id_checksum_ok(10 + _AREA_LETTERS.index(letter), digits)


def tw_business_id(value: str) -> bool:
    """Validate a 統一編號 (unified business number).

    Eight digits are multiplied by the weights 1, 2, 1, 2, 1, 2, 4, 1; the two digits of each
    product are added, and those sums are added to give Z. Since 2023-04-01 the number is valid
    when ``Z % 5 == 0``, or, when the 7th digit is 7, when ``(Z + 1) % 5 == 0`` (its product 28
    may count as 1 or 0). The rule before that date used ``% 10``; the Ministry of Finance
    widened it to ``% 5`` because the old space was running out, and numbers issued since then
    fail the old check (python-stdnum 2.2 still implements the old rule).

    A random eight-digit number passes about one time in five, so pattern files should require
    a label nearby (統一編號, 統編, ...) rather than rely on this check alone.

    >>> tw_business_id('04595257')
    True
    >>> tw_business_id('04595252')
    True
    >>> tw_business_id('10000073')
    True
    >>> tw_business_id('04595253')
    False
    """
    if (
        not isinstance(value, str)
        or len(value) != _BUSINESS_ID_LENGTH
        or not _is_ascii_digits(value)
    ):
        return False
    total = 0
    for char, weight in zip(value, _BUSINESS_ID_WEIGHTS, strict=True):
        product = int(char) * weight
        total += product // 10 + product % 10
    if total % 5 == 0:
        return True
    return value[6] == "7" and (total + 1) % 5 == 0


def luhn(value: str) -> bool:
    """Validate a payment card number with the Luhn (mod 10) algorithm.

    Spaces and hyphens, the usual ways of grouping a card number, are removed first; what is
    left must be 13 to 19 ASCII digits (the ISO/IEC 7812 range). Strings made of a single
    repeated digit are rejected even when the checksum works out (``0000 0000 0000 0000``
    passes Luhn): they are placeholders and test values, never real cards.

    >>> luhn('4111 1111 1111 1111')
    True
    >>> luhn('4111-1111-1111-1112')
    False
    >>> luhn('0000000000000000')
    False
    >>> luhn('79927398713')  # passes the checksum, but too short for a card
    False
    """
    if not isinstance(value, str):
        return False
    digits = "".join(char for char in value if char not in _CARD_SEPARATORS)
    if len(digits) not in _CARD_LENGTHS or not _is_ascii_digits(digits):
        return False
    if len(set(digits)) == 1:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        # Every second digit from the right is doubled; a two-digit result counts as its
        # digit sum (16 -> 1 + 6).
        digit = int(char) * (2 if position % 2 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


VALIDATORS: Mapping[str, Callable[[str], bool]] = MappingProxyType(
    {
        "tw-national-id": tw_national_id,
        "tw-resident-id": tw_resident_id,
        "tw-business-id": tw_business_id,
        "luhn": luhn,
    }
)
