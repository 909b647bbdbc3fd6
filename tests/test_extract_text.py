"""Text inputs: encodings Taiwanese files use, and files that cannot be read."""

from __future__ import annotations

import codecs

import pytest

from leakscan import Scanner

TEXT = "密等及解密條件或保密期限：機密\n身分證字號A123456789\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
    (TEXT.encode("utf-16"), "utf-16-bom"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("cp950"), "big5"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_encodings_are_detected(scanner: Scanner, data: bytes, encoding: str) -> None:
    result = scanner.scan_bytes(data, "簽呈.txt")
    assert result.status == "scanned"
    assert {f.rule for f in result.findings} == {"classification-field", "tw-national-id"}
    assert next(f for f in result.findings if f.rule == "tw-national-id").location.line == 2


def test_undecodable_bytes_make_the_file_partial_not_clean(scanner: Scanner) -> None:
    data = "密碼：Tpe@2026!x\n".encode() + b"\xff\xfe\xfa\x80\x81" * 3 + "尾".encode()
    result = scanner.scan_bytes(data, "x.txt")
    assert result.status == "partial"
    assert [p.code for p in result.problems] == ["encoding"]
    assert result.verdict == "block"  # the readable part still counts


def test_empty_file_is_not_reported_clean(scanner: Scanner) -> None:
    result = scanner.scan_bytes(b"", "空白.txt")
    assert result.status == "unreadable" and result.verdict == "warn"
    assert [p.code for p in result.problems] == ["empty"]


@pytest.mark.parametrize("name", ["data.bin", "noextension", "圖.xyz"])
def test_unsupported_formats_are_not_read_and_not_clean(scanner: Scanner, name: str) -> None:
    result = scanner.scan_bytes(b"PK\x03\x04 whatever", name)
    assert result.status == "unreadable"
    assert result.problems[0].code == "unsupported-format"
    assert result.verdict in ("warn", "block")


@pytest.mark.parametrize("name", ["舊簽呈.doc", "表.xls", "簡報.ppt"])
def test_legacy_office_formats_are_reported_not_read(scanner: Scanner, name: str) -> None:
    result = scanner.scan_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), name)
    assert result.status == "unreadable" and result.problems[0].code == "legacy-format"
    assert result.verdict == "warn"


def test_fail_closed_policy_blocks_unread_files() -> None:
    from leakscan.policy import Policy

    result = Scanner(policy=Policy.load(fail_closed=True)).scan_bytes(b"\x00\x01", "a.bin")
    assert result.verdict == "block"


def test_level_in_file_name_is_found(scanner: Scanner) -> None:
    result = scanner.scan_bytes("會議紀錄".encode(), "極機密_會議紀錄.txt")
    [finding] = result.findings
    assert (finding.level, finding.location.part) == ("極機密", "filename")


def test_every_registered_format_has_its_extractor() -> None:
    import importlib

    from leakscan.extract import FORMATS

    for suffix, spec in FORMATS.items():
        module, function = spec.split(":")
        assert callable(getattr(importlib.import_module(f"leakscan.extract.{module}"), function)), suffix


def test_json_escapes_are_read_as_the_characters_they_stand_for(scanner) -> None:
    """json.dumps and most exporters write 密碼 as \\u5bc6\\u78bc: unread, nothing would match."""
    import json

    data = json.dumps({"note": "密碼：Tpe@2026!x", "id": "身分證字號A123456789", "emoji": "😀",
                       "lone": "\ud800x"}).encode()
    assert data.isascii()
    result = scanner.scan_bytes(data, "export.json")
    assert result.status == "scanned"
    assert {f.rule for f in result.findings} == {"password-value", "tw-national-id"}
    plain = scanner.scan_bytes(data, "export.txt")  # only .json files are unescaped
    assert plain.findings == ()
