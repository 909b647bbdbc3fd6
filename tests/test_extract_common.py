"""What every extractor promises, checked once for all formats: it reads from memory only."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Callable

import pytest

from leakscan.extract import Limits, extract

from .fixtures_docx import rich_docx
from .fixtures_mail import mail, zip_of
from .fixtures_odf import rich_odt
from .fixtures_office import rich_pptx, rich_xlsx
from .fixtures_pdf import make_pdf
from .test_extract_html import page

SAMPLES: dict[str, Callable[[], bytes]] = {
    "x.docx": rich_docx,
    "x.xlsx": rich_xlsx,
    "x.pptx": rich_pptx,
    "x.odt": rich_odt,
    "x.html": lambda: page().encode(),
    "x.pdf": lambda: make_pdf(["密等及解密條件或保密期限：機密"]),
    "x.eml": lambda: mail("極機密"),
    "x.zip": lambda: zip_of({"a.txt": "密碼：Tpe@2026!x".encode()}),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_extractor_never_touches_the_disk(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = SAMPLES[name]()  # built before the file functions are taken away
    extract(data, name, Limits())  # first call imports the extractor module, which may read files

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"file opened: {args!r}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io, "open", refuse)
    monkeypatch.setattr(os, "open", refuse)
    assert extract(data, name, Limits()).status == "scanned"


SECRET_TEXT = "密等及解密條件或保密期限：極機密\n身分證字號A123456789\n"


def test_a_mail_body_really_in_utf7_is_read(scanner) -> None:
    """UTF-7 is all ASCII, so the CJK of a real UTF-7 body hides in +…- runs until decoded."""
    message = (b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-7\r\n\r\n"
               + SECRET_TEXT.encode("utf-7"))
    assert SECRET_TEXT.encode("utf-7").isascii()
    result = scanner.scan_message(message)
    assert {f.rule for f in result.findings} >= {"classification-field", "tw-national-id"}, result


@pytest.mark.parametrize("label", ["cp037", "utf-16", "utf-32-be", "utf-7", "raw_unicode_escape",
                                   "punycode", "idna"])
def test_a_false_charset_label_cannot_hide_text(scanner, label: str) -> None:
    """A label no ASCII-written declaration can truly carry is ignored, in a page and in a mail,
    so the UTF-8 text under it is still read and its secrets found."""
    html = f'<html><head><meta charset="{label}"></head><body><p>{SECRET_TEXT}</p></body></html>'
    message = (f"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset={label}\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + SECRET_TEXT.encode()
    for result in (scanner.scan_bytes(html.encode(), "公告.html"), scanner.scan_message(message)):
        assert {f.rule for f in result.findings} >= {"classification-field", "tw-national-id"}, result



def test_free_text_headers_and_the_text_around_mail_parts_are_read(scanner) -> None:
    """Keywords:, Comments:, a part's Content-Description and a multipart's preamble and epilogue
    hold whatever the sender wrote there."""
    places = {
        "keywords": "Keywords: {}\r\n",
        "comments": "Comments: {}\r\n",
        "content-description": "",
        "preamble": "",
        "epilogue": "",
    }
    secret = "密碼：Tpe@2026!x"
    for place, header in places.items():
        part_header = f"Content-Description: {secret}\r\n" if place == "content-description" else ""
        message = (f"Subject: x\r\n{header.format(secret)}MIME-Version: 1.0\r\n"
                   'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
                   f"{secret if place == 'preamble' else 'This is a MIME message.'}\r\n"
                   f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n{part_header}\r\n會議資料\r\n--b--\r\n"
                   f"{secret if place == 'epilogue' else ''}\r\n").encode()
        result = scanner.scan_message(message)
        assert [f.rule for f in result.findings] == ["password-value"], (place, result)
