"""Word .docx: text in every place Word keeps it, located; broken and hostile files not read."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest

from leakscan import Location, Scanner
from leakscan.extract import Limits
from leakscan.extract.docx import extract_docx
from leakscan.model import STATUSES

from .fixtures_docx import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    TEXTS,
    encrypted_docx,
    flat_zip_bomb,
    legacy_doc,
    many_entries_zip,
    plain_docx,
    rich_docx,
    tracked_deletion_docx,
    understated_size_zip,
    with_document_xml,
)
from .fixtures_hostile import rezip
from .fixtures_office import plain_pptx

pytest.importorskip("docx")

LIMITS = Limits()


@pytest.fixture(scope="module")
def rich() -> bytes:
    return rich_docx()


def _where(data: bytes, text: str) -> list[Location]:
    return [s.location for s in extract_docx(data, "x.docx", LIMITS).segments if s.text == text]


@pytest.mark.parametrize(("key", "location"), [
    ("title", Location("title", paragraph=1)),
    ("body", Location("body", paragraph=2)),
    ("tracked-deletion", Location("tracked-deletion", paragraph=3)),
    ("tracked-insertion", Location("body", paragraph=4)),  # inserted text is visible text
    ("textbox", Location("textbox", paragraph=1)),
    ("hidden", Location("hidden", paragraph=6)),
    ("table", Location("table", paragraph=1, table=1, row=2, col=2)),
    ("header", Location("header", paragraph=1, name="header1.xml")),
    ("header-first", Location("header", paragraph=1, name="header2.xml")),
    ("footer", Location("footer", paragraph=1, name="footer1.xml")),
    ("footnote", Location("footnote", paragraph=1, name="1")),
    ("endnote", Location("endnote", paragraph=1, name="1")),
    ("comment", Location("comment", paragraph=1, name="1")),
    ("metadata-title", Location("metadata", name="title")),
    ("metadata-description", Location("metadata", name="description")),
    ("metadata-custom", Location("metadata", name="custom:密等")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_text_in_every_part_is_found_once_where_it_is(rich: bytes, key: str, location: Location) -> None:
    assert _where(rich, TEXTS[key]) == [location]


def test_whole_document_is_scanned_when_all_parts_read(rich: bytes) -> None:
    extraction = extract_docx(rich, "x.docx", LIMITS)
    assert extraction.status == "scanned" and extraction.problems == ()


def test_title_style_is_found_by_name_when_word_localised_its_id() -> None:
    assert _where(rich_docx(localized_title_style=True), TEXTS["title"]) == [Location("title", paragraph=1)]


def test_tracked_deletion_of_floor_price_is_its_own_segment() -> None:
    extraction = extract_docx(tracked_deletion_docx("底價新臺幣1,234,000元"), "x.docx", LIMITS)
    assert [(s.text, s.location) for s in extraction.segments if s.location.part != "metadata"] == [
        ("底價新臺幣1,234,000元", Location("tracked-deletion", paragraph=1))]


def test_tracked_deletion_is_found_by_the_scanner(scanner: Scanner) -> None:
    extraction = extract_docx(tracked_deletion_docx("底價新臺幣1,234,000元"), "x.docx", LIMITS)
    findings = [f for f in scanner.detect(extraction.segments) if f.rule == "bid-floor-price-amount"]
    assert [f.location.part for f in findings] == ["tracked-deletion"]
    assert findings[0].severity == "high"


@pytest.mark.parametrize(("text", "part"), [
    ("預算金額新臺幣5,000,000元", "body"),     # deletion between inserted runs is left out
    ("舊值", "tracked-deletion"),
    ("附件如後", "body"),                       # w:vanish w:val="0" is not hidden
    ("見附框", "body"),                         # the text box is not part of its host paragraph
], ids=["visible-without-deletion", "deletion-alone", "vanish-off-visible", "host-without-textbox"])
def test_visible_text_excludes_deleted_and_hidden_runs(rich: bytes, text: str, part: str) -> None:
    segments = extract_docx(rich, "x.docx", LIMITS).segments
    assert [s.location.part for s in segments if s.text == text] == [part]


def test_segments_are_found_by_every_rule_where_they_are(rich: bytes, scanner: Scanner) -> None:
    found = {(f.rule, f.location.part) for f in scanner.detect(extract_docx(rich, "x.docx", LIMITS).segments)}
    assert {("bid-floor-price-amount", "tracked-deletion"), ("password-value", "textbox"),
            ("tw-national-id", "table"), ("classification-stamp", "header"),
            ("restricted-reading", "footer"), ("password-value", "footnote"),
            ("bid-floor-price-amount", "endnote"), ("internal-only", "comment"),
            ("tw-resident-id", "hidden"), ("classification-field", "body")} <= found


def test_embedded_document_is_handed_over_not_ignored() -> None:
    inner = plain_docx(["內嵌：機密"])
    extraction = extract_docx(rich_docx(embedded=inner), "x.docx", LIMITS)
    name = "word/embeddings/Microsoft_Word_Document.docx"
    assert extraction.items == ((name, inner),)


def _zip_without(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
    return out.getvalue()


def _broken_comments(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, b"<w:comments" if info.filename == "word/comments.xml"
                            else source.read(info))
    return out.getvalue()


CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "unreadable", "empty"),
    ("not-a-zip", lambda: "密碼：Tpe@2026!x".encode(), "unreadable", "corrupt"),
    ("truncated", lambda: plain_docx(["x"])[:3000], "unreadable", "corrupt"),
    ("no-document-part", lambda: _zip_without(plain_docx(["x"]), "word/document.xml"),
     "unreadable", "corrupt"),
    ("broken-xml", lambda: with_document_xml("<w:document><w:body>"), "unreadable", "corrupt"),
    ("encrypted", encrypted_docx, "unreadable", "encrypted"),
    ("legacy-doc", legacy_doc, "unreadable", "legacy-format"),
    ("too-many-entries", lambda: many_entries_zip(10_001), "unreadable", "too-many-entries"),
    ("billion-laughs", lambda: with_document_xml(BILLION_LAUGHS), "unreadable", "xml-entities"),
    ("external-entity", lambda: with_document_xml(EXTERNAL_ENTITY), "unreadable", "xml-entities"),
    ("understated-size", understated_size_zip, "unreadable", "corrupt"),
    ("broken-comments-part", lambda: _broken_comments(rich_docx()), "partial", "corrupt"),
    # Found by tests/test_fuzz_extract.py: both were reported as completely read.
    ("presentation-named-docx", lambda: plain_pptx(["機密"]), "unreadable", "corrupt"),
    ("duplicate-main-part", lambda: rezip(plain_docx(["x"]), duplicate={"word/document.xml": b"<x/>"}),
     "partial", "duplicate-entry"),
]


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_not_fully_read_say_so(make: Callable[[], bytes], status: str, code: str) -> None:
    extraction = extract_docx(make(), "x.docx", LIMITS)
    assert extraction.status == status
    assert [p.code for p in extraction.problems] == [code]


def test_flat_zip_bomb_is_refused_before_inflating() -> None:
    extraction = extract_docx(flat_zip_bomb(), "x.docx", LIMITS)
    assert (extraction.status, [p.code for p in extraction.problems]) == ("unreadable", ["zip-bomb"])


def test_partial_file_keeps_what_was_read() -> None:
    extraction = extract_docx(_broken_comments(rich_docx()), "x.docx", LIMITS)
    assert any(TEXTS["body"] == s.text for s in extraction.segments)




def test_damaged_bytes_never_raise(rich: bytes) -> None:
    chance = random.Random(20260105)
    for _ in range(60):
        data = bytearray(rich)
        for _ in range(chance.randint(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_docx(bytes(data), "x.docx", LIMITS)
        assert extraction.status in STATUSES
        assert extraction.status == "scanned" or extraction.problems


def test_end_to_end_through_the_scanner(rich: bytes, scanner: Scanner) -> None:
    result = scanner.scan_bytes(tracked_deletion_docx("底價新臺幣1,234,000元"), "x.docx")
    assert result.status == "scanned"
    assert [(f.rule, f.location.part) for f in result.findings] == [
        ("bid-floor-price-amount", "tracked-deletion")]
    assert result.verdict == "block"


def _with_embedded(outer_text: str, inner: bytes) -> bytes:
    from .fixtures_docx import _rewrite

    return _rewrite(plain_docx([outer_text]), {"word/embeddings/inner.docx": inner})


def test_embedded_document_is_scanned_as_an_item_and_decides_the_outer(scanner: Scanner) -> None:
    inner = plain_docx(["密等及解密條件或保密期限：機密"])
    result = scanner.scan_bytes(_with_embedded("會議資料如附", inner), "簽呈.docx")
    [item] = result.items
    assert item.path == "簽呈.docx!word/embeddings/inner.docx"
    assert [f.level for f in item.findings] == ["機密"]
    assert result.findings == () and result.verdict == "block"
    assert result.to_dict()["items"][0]["path"] == item.path


def test_nesting_deeper_than_the_limit_is_reported_not_read() -> None:
    from leakscan import Limits

    deepest = plain_docx(["密碼：Tpe@2026!x"])
    nested = _with_embedded("第二層", _with_embedded("第三層", deepest))
    result = Scanner(limits=Limits(max_depth=1)).scan_bytes(nested, "x.docx")
    second = result.items[0]
    [third] = second.items
    assert third.status == "unreadable" and third.problems[0].code == "too-deep"
    assert result.status == "partial" and result.verdict == "warn"


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_a_watermark_alt_text_and_tooltip_are_read(scanner: Scanner) -> None:
    """Word's 浮水印 is WordArt: its text lives only in ``v:textpath/@string``, so a document whose
    only marking is the watermark 極機密 passed as clean; alt text and tooltips are typed too."""
    import docx

    from .fixtures_office import with_part

    document = docx.Document()
    document.add_paragraph("會議資料")
    document.sections[0].header.paragraphs[0].text = ""
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        header_name = next(n for n in archive.namelist() if n.startswith("word/header"))
    watermark = (f'<w:hdr xmlns:w="{_W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"><w:p><w:r><w:pict>'
                 '<v:shape type="#_x0000_t136"><v:textpath string="極機密"/></v:shape>'
                 '</w:pict></w:r></w:p></w:hdr>')
    body = (f'<w:document xmlns:w="{_W_NS}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
            'wordprocessingDrawing"><w:body><w:p><w:r><w:t>會議資料</w:t></w:r></w:p><w:p><w:r><w:drawing>'
            '<wp:inline><wp:docPr id="1" name="圖片 1" descr="密碼：Tpe@2026!x"/></wp:inline></w:drawing>'
            '</w:r></w:p><w:p><w:hyperlink w:tooltip="身分證字號A123456789"><w:r><w:t>連結</w:t></w:r>'
            '</w:hyperlink></w:p></w:body></w:document>')
    data = with_part(with_part(buffer.getvalue(), header_name, watermark), "word/document.xml", body)
    result = scanner.scan_bytes(data, "簽.docx")
    found = {(f.rule, f.location.part) for f in result.findings}
    assert {r for r, _ in found} >= {"password-value", "tw-national-id"}, found
    assert any(f.category == "classification" and f.level == "極機密" and f.location.part == "header"
               for f in result.findings), found
    assert result.verdict == "block"
