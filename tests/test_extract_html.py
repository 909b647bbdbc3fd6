"""HTML pages: visible text on its source lines, title, meta, alt/title and comments located;
any encoding a Taiwanese page uses; broken markup never raises."""

from __future__ import annotations

import codecs
import random

import pytest

from leakscan import Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.html import extract_html
from leakscan.model import STATUSES

LIMITS = Limits()

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>機密 會議資料</title>
<meta name="description" content="內部限閱">
<meta name="keywords" content="底價,評選委員名單">
<style>p {{ content: "密碼：Css@2026!x"; }}</style>
<script>var secret = "密碼：Js@2026!x";</script>
</head>
<body>
<p>底<b>價</b>新臺幣1,234,000元</p>
<table><tr><td>身分證字號</td><td>A123456789</td></tr></table>
<!-- 密碼：Tpe@2026!x -->
<img src="a.png" alt="機密">
<p title="請勿外流">附件</p>
</body></html>
"""


def page(charset: str = "utf-8") -> str:
    return PAGE.format(charset=charset)


@pytest.fixture(scope="module")
def findings(scanner: Scanner) -> dict[str, tuple[str, int | None, str | None]]:
    """rule → (part, line, name) of its one finding in the page."""
    segments = extract_html(page().encode(), "x.html", LIMITS).segments
    return {f.rule: (f.location.part, f.location.line, f.location.name) for f in scanner.detect(segments)}


@pytest.mark.parametrize(("rule", "where"), [
    ("classification-level-in-header", ("title", 1, None)),
    ("restricted-reading", ("metadata", 1, "description")),
    ("bid-floor-price-amount", ("body", 10, None)),          # split by <b>, still one word
    ("tw-national-id", ("table", 11, None)),                  # number read with the label left of it
    ("password-value", ("comment", 12, None)),                 # not shown, but shipped
    ("classification-stamp", ("attribute", 13, "attributes")),
    ("internal-only", ("attribute", 14, "attributes")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_findings_are_located_on_their_source_line(findings: dict[str, tuple[str, int | None, str | None]],
                                                   rule: str, where: tuple[str, int, str | None]) -> None:
    assert findings[rule] == where


def test_typed_attributes_and_any_non_technical_meta_are_read(scanner: Scanner) -> None:
    """A saved, filled-in form shows its input values; placeholders, labels and data-* carry
    typed text; a <meta name="classification"> or any agency-defined name is metadata."""
    html = ('<html><head><meta name="viewport" content="width=device-width">'
            '<meta name="doc-level" content="密等：極機密"></head><body><form>'
            '<input name="id" value="A123456789"><input placeholder="密碼：Tpe@2026!x">'
            '<select><option value="0912345678">手機</option></select>'
            '<div data-owner="E120987656" aria-label="請勿外流">x</div></form></body></html>')
    result = scanner.scan_bytes(html.encode(), "表單.html")
    assert {f.rule for f in result.findings} >= {"tw-national-id", "password-value", "tw-mobile",
                                                  "internal-only", "classification-field"}
    assert len([f for f in result.findings if f.rule == "tw-national-id"]) == 2


def test_script_and_style_are_not_text() -> None:
    texts = " ".join(s.text for s in extract_html(page().encode(), "x.html", LIMITS).segments)
    assert "Js@2026" not in texts and "Css@2026" not in texts


def test_meta_keywords_and_title_segments() -> None:
    segments = extract_html(page().encode(), "x.html", LIMITS).segments
    assert [(s.location.part, s.location.name, s.text) for s in segments[:3]] == [
        ("title", None, "機密 會議資料"), ("metadata", "description", "內部限閱"),
        ("metadata", "keywords", "底價,評選委員名單")]


@pytest.mark.parametrize(("data", "encoding"), [
    (page("big5").encode("cp950"), "cp950"),
    (page("utf-8").replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" '
                           'content="text/html; charset=big5">').encode("cp950"), "cp950"),
    (page("utf-8").replace('<meta charset="utf-8">', "").encode("cp950"), "cp950"),  # no declaration
    (page("utf-8").encode("cp950"), "cp950"),  # says utf-8, is Big5
    (codecs.BOM_UTF8 + page().encode(), "utf-8"),
    (codecs.BOM_UTF16_LE + page("utf-16").encode("utf-16-le"), "utf-16"),
    (page().replace("\n", "\r\n").encode(), "utf-8"),
], ids=["meta-charset-big5", "http-equiv-big5", "undeclared-big5", "wrong-declaration", "utf8-bom",
        "utf16-bom", "crlf"])
def test_encodings_and_line_ends(scanner: Scanner, data: bytes, encoding: str) -> None:
    extraction = extract_html(data, "x.html", LIMITS)
    assert (extraction.status, extraction.encoding) == ("scanned", encoding)
    ids = [f for f in scanner.detect(extraction.segments) if f.rule == "tw-national-id"]
    assert [(f.location.part, f.location.line) for f in ids] == [("table", 11)]


def test_multiline_tags_keep_later_lines_in_place(scanner: Scanner) -> None:
    html = '<p\n class="x"\n>甲</p>\n<div>\n身分證字號A123456789</div>'
    found = scanner.detect(extract_html(html.encode(), "x.html", LIMITS).segments)
    assert [(f.rule, f.location.line) for f in found] == [("tw-national-id", 5)]


def test_block_tags_separate_and_inline_tags_join() -> None:
    body = extract_html("<td>甲</td><td>乙</td><p><span>丙</span><i>丁</i></p>".encode(), "x.html", LIMITS)
    assert body.segments[0].text == "甲 乙 丙丁"


def test_unclosed_title_does_not_swallow_the_page() -> None:
    segments = extract_html("<title>會議<body><p>底價新臺幣1元</p>".encode(), "x.html", LIMITS).segments
    assert [(s.location.part, s.text) for s in segments] == [("title", "會議"), ("body", "底價新臺幣1元")]


def test_character_references_are_decoded() -> None:
    segment = extract_html(b"<p>&#24213;&#x50F9;&amp;&lt;</p>", "x.html", LIMITS).segments[0]
    assert segment.text == "底價&<"


@pytest.mark.parametrize(("data", "status", "codes"), [
    (b"", "unreadable", ["empty"]),
    (b"   \n", "scanned", []),
    (b"<html><body><p>unclosed <b>tags <![CDATA[ <!-- ", "scanned", []),
    (b"<p>\xff\xfe\xfa\x80", "partial", ["encoding"]),  # bytes no encoding explains
], ids=["empty", "blank", "broken-markup", "junk-bytes"])
def test_odd_files(data: bytes, status: str, codes: list[str]) -> None:
    extraction = extract_html(data, "x.html", LIMITS)
    assert (extraction.status, [p.code for p in extraction.problems]) == (status, codes)


def test_damaged_bytes_never_raise() -> None:
    good = page().encode()
    chance = random.Random(20260105)
    for _ in range(200):
        data = bytearray(good)
        for _ in range(chance.randint(1, 30)):
            data[chance.randrange(len(data))] = chance.choice(b"<>&!-/\"'=;#x\xff\x00 ")
        assert extract_html(bytes(data), "x.html", LIMITS).status in STATUSES




@pytest.mark.parametrize("name", ["x.html", "x.htm", "X.HTML"])
def test_end_to_end_through_the_scanner(scanner: Scanner, name: str) -> None:
    result = scanner.scan_bytes(page().encode(), name)
    assert result.status == "scanned"
    assert ("tw-national-id", "table", 11) in {(f.rule, f.location.part, f.location.line)
                                              for f in result.findings}
    assert result.verdict == "block"
    assert extract(page().encode(), name, LIMITS).encoding == "utf-8"
