"""Zip archives: members handed over as items, names as written, bombs and damage reported."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from leakscan import Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.archive import extract_zip
from leakscan.model import STATUSES, Location

from .fixtures_docx import flat_zip_bomb, many_entries_zip, plain_docx
from .fixtures_mail import (
    big5_named_zip,
    encrypted_member_zip,
    fan_out_bomb,
    nested_zip,
    patch_names,
    zip_of,
)

LIMITS = Limits()
SMALL = Limits(max_uncompressed_bytes=20 * 1024 * 1024)  # bombs small enough to build fast


def test_every_member_is_an_item_and_directories_are_skipped() -> None:
    data = zip_of({"a.txt": b"1", "folder/": b"", "folder/b.txt": "密碼".encode()})
    extraction = extract_zip(data, "x.zip", LIMITS)
    assert extraction.items == (("a.txt", b"1"), ("folder/b.txt", "密碼".encode()))
    assert (extraction.status, extraction.segments, extraction.problems) == ("scanned", (), ())


def test_the_comment_is_a_metadata_segment() -> None:
    extraction = extract_zip(zip_of({"a.txt": b"1"}, comment="解壓密碼：Tpe@2026!x".encode()),
                             "x.zip", LIMITS)
    assert [(s.text, s.location) for s in extraction.segments] == [
        ("解壓密碼：Tpe@2026!x", Location("metadata", name="comment"))]


@pytest.mark.parametrize(("data", "name"), [
    (big5_named_zip("簽呈.docx", b"x"), "簽呈.docx"),
    (big5_named_zip("碁銹資料.txt", b"x"), "碁銹資料.txt"),  # CP950-only characters
    (big5_named_zip("底價.xlsx", b"x", unicode_extra=True), "底價.xlsx"),
    (zip_of({"機密/簽呈.docx": b"x"}), "機密/簽呈.docx"),  # UTF-8 flag set
    (zip_of({"report.txt": b"x"}), "report.txt"),
], ids=["cp950-no-flag", "cp950-only-chars", "unicode-path-extra", "utf8-flag", "ascii"])
def test_member_names_come_out_as_written(data: bytes, name: str) -> None:
    assert [n for n, _ in extract_zip(data, "x.zip", LIMITS).items] == [name]


def test_cp437_name_that_is_not_cjk_is_kept() -> None:
    raw = "Résumé.txt".encode("cp437")
    data = patch_names(zip_of({"Q" * len(raw): b"1"}, stored=True), b"Q" * len(raw), raw)
    assert [n for n, _ in extract_zip(data, "x.zip", LIMITS).items] == ["Résumé.txt"]


def _codes(data: bytes, limits: Limits = LIMITS) -> tuple[str, list[str]]:
    extraction = extract_zip(data, "x.zip", limits)
    return extraction.status, [p.code for p in extraction.problems]


CASES: list[tuple[str, Callable[[], bytes], Limits, str, list[str]]] = [
    ("empty", lambda: b"", LIMITS, "unreadable", ["empty"]),
    ("not-a-zip", lambda: b"PK\x03\x04 not really", LIMITS, "unreadable", ["corrupt"]),
    ("truncated", lambda: zip_of({"a.txt": bytes(range(256)) * 100})[:200], LIMITS,
     "unreadable", ["corrupt"]),
    ("flat-bomb", lambda: flat_zip_bomb(40 * 1024 * 1024, "a.txt"), SMALL, "unreadable",
     ["zip-bomb"]),
    ("nested-flat-bomb", lambda: zip_of({"inner.zip": flat_zip_bomb(40 * 1024 * 1024, "a.txt")}),
     SMALL, "unreadable", ["zip-bomb"]),
    ("fan-out-bomb", fan_out_bomb, SMALL, "unreadable", ["zip-bomb"]),
    ("too-many-entries", lambda: many_entries_zip(10_001), LIMITS, "unreadable",
     ["too-many-entries"]),
    ("too-many-nested-entries",
     lambda: zip_of({f"{i}.zip": many_entries_zip(40) for i in range(3)}), Limits(max_entries=100),
     "partial", ["too-many-entries"]),  # the first two fit and are still handed over
    ("encrypted-member", encrypted_member_zip, LIMITS, "partial", ["encrypted"]),
]


@pytest.mark.parametrize(("make", "limits", "status", "codes"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_archives_not_fully_read_say_so(make: Callable[[], bytes], limits: Limits, status: str,
                                        codes: list[str]) -> None:
    assert _codes(make(), limits) == (status, codes)


def test_encrypted_member_is_named_and_the_others_are_read() -> None:
    extraction = extract_zip(encrypted_member_zip("機密.txt"), "x.zip", LIMITS)
    assert [(p.code, p.detail) for p in extraction.problems] == [("encrypted", "機密.txt")]
    assert [n for n, _ in extraction.items] == ["readme.txt"]


def test_fan_out_bomb_is_refused_within_one_budget() -> None:
    start = time.perf_counter()
    status, _ = _codes(fan_out_bomb(), SMALL)  # 1000 leaves of 1 MiB below the outer archive
    assert status == "unreadable" and time.perf_counter() - start < 10


def test_members_read_before_a_bomb_are_still_handed_over() -> None:
    data = zip_of({"a.txt": "密碼：Tpe@2026!x".encode(),
                   "b.zip": flat_zip_bomb(40 * 1024 * 1024, "z.txt")})
    extraction = extract_zip(data, "x.zip", SMALL)
    assert extraction.status == "partial" and [n for n, _ in extraction.items] == ["a.txt"]


def test_damaged_bytes_never_raise() -> None:
    source = zip_of({"a.txt": "機密".encode() * 200, "b.zip": zip_of({"c.txt": b"x" * 500})})
    chance = random.Random(20260105)
    for _ in range(200):
        data = bytearray(source)
        for _ in range(chance.randint(1, 10)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_zip(bytes(data), "x.zip", LIMITS)
        assert extraction.status in STATUSES
        assert extraction.status == "scanned" or extraction.problems


def test_dispatch_reads_zip_files() -> None:
    assert extract(zip_of({"a.txt": b"1"}), "x.ZIP", LIMITS).items == (("a.txt", b"1"),)


def test_big5_named_member_is_scanned_as_an_item(scanner: Scanner) -> None:
    docx = plain_docx(["密等及解密條件或保密期限：極機密"])
    result = scanner.scan_bytes(big5_named_zip("簽呈.docx", docx), "資料.zip")
    [item] = result.items
    assert item.path == "資料.zip!簽呈.docx"
    assert [f.level for f in item.findings if f.category == "classification"] == ["極機密"]
    assert result.verdict == "block"


@pytest.mark.parametrize(("data", "code"), [
    (flat_zip_bomb(40 * 1024 * 1024, "a.txt"), "zip-bomb"),
    (nested_zip(3, {"a.txt": b"1"})[:100], "corrupt"),
], ids=["bomb", "corrupt"])
def test_archives_not_read_are_not_allowed(data: bytes, code: str) -> None:
    result = Scanner(limits=SMALL).scan_bytes(data, "x.zip")
    assert result.status == "unreadable" and [p.code for p in result.problems] == [code]
    assert result.verdict != "allow"


def test_nesting_deeper_than_the_limit_is_reported_not_read() -> None:
    data = nested_zip(4, {"a.txt": "密碼：Tpe@2026!x".encode()})
    result = Scanner(limits=Limits(max_depth=2)).scan_bytes(data, "x.zip")
    deepest = result.all_results()[-1]
    assert deepest.path == "x.zip!level-1.zip!level-2.zip!level-3.zip"
    assert deepest.status == "unreadable" and [p.code for p in deepest.problems] == ["too-deep"]
    assert result.status == "partial"


def test_nesting_within_the_limit_is_read_to_the_bottom(scanner: Scanner) -> None:
    data = nested_zip(3, {"a.txt": "密碼：Tpe@2026!x".encode()})
    result = scanner.scan_bytes(data, "x.zip")
    deepest = result.all_results()[-1]
    assert deepest.path == "x.zip!level-1.zip!level-2.zip!a.txt"
    assert [f.rule for f in deepest.findings] == ["password-value"]
    assert result.status == "scanned" and result.verdict == "block"
