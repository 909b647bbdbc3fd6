"""OpenDocument .odt/.ods/.odp: text in every place it hides, located; broken and hostile files not read."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from leakscan import Location, Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.odf import extract_odf
from leakscan.model import STATUSES

from .fixtures_docx import legacy_doc, many_entries_zip
from .fixtures_odf import (
    ODF_BILLION_LAUGHS,
    SHEET_TEXTS,
    SLIDE_TEXTS,
    TEXTS,
    encrypted_odt,
    plain_odt,
    rewrite,
    rich_odp,
    rich_ods,
    rich_odt,
    small_bomb,
    with_content,
    with_ole_object,
)

pytest.importorskip("odf")

LIMITS = Limits()


@pytest.fixture(scope="module")
def odt() -> bytes:
    return rich_odt()


@pytest.fixture(scope="module")
def ods() -> bytes:
    return rich_ods()


@pytest.fixture(scope="module")
def odp() -> bytes:
    return rich_odp()


def _where(data: bytes, text: str) -> list[Location]:
    return [s.location for s in extract_odf(data, "x", LIMITS).segments if s.text == text]


@pytest.mark.parametrize(("key", "location"), [
    ("title", Location("title", paragraph=1)),
    ("title-style", Location("title", paragraph=2)),
    ("body", Location("body", paragraph=3)),
    ("heading-2", Location("body", paragraph=4)),
    ("comment", Location("comment", paragraph=1, name="1")),
    ("footnote", Location("footnote", paragraph=1, name="1")),
    ("endnote", Location("endnote", paragraph=1, name="1")),
    ("tracked-deletion", Location("tracked-deletion", paragraph=7)),
    ("textbox", Location("textbox", paragraph=1)),
    ("table", Location("table", paragraph=1, table=1, row=2, col=2)),
    ("header", Location("header", paragraph=1, name="Standard")),
    ("footer", Location("footer", paragraph=1, name="Standard")),
    ("object", Location("body", paragraph=1, name="Object 1")),
    ("metadata-title", Location("metadata", name="title")),
    ("metadata-subject", Location("metadata", name="subject")),
    ("metadata-keywords", Location("metadata", name="keywords")),
    ("metadata-description", Location("metadata", name="description")),
    ("metadata-initial-creator", Location("metadata", name="initial-creator")),
    ("metadata-creator", Location("metadata", name="creator")),
    ("metadata-custom", Location("metadata", name="custom:密等")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_odt_text_in_every_part_is_found_once_where_it_is(odt: bytes, key: str, location: Location) -> None:
    assert _where(odt, TEXTS[key]) == [location]


@pytest.mark.parametrize(("key", "location"), [
    ("sheet-name", Location("sheet-name", sheet="底價表")),
    ("cell", Location("table", sheet="底價表", row=5, col=3, cell="C5")),
    ("cell-comment", Location("comment", sheet="底價表", cell="D5", paragraph=1, name="1")),
    ("header", Location("header", paragraph=1, name="Standard")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_ods_cells_are_located_by_sheet_and_address(ods: bytes, key: str, location: Location) -> None:
    assert _where(ods, SHEET_TEXTS[key]) == [location]


@pytest.mark.parametrize(("key", "location"), [
    ("title", Location("title", slide=1, paragraph=1)),
    ("body", Location("body", slide=1, paragraph=2)),
    ("notes", Location("notes", slide=1, paragraph=1)),
    ("table", Location("table", slide=2, table=1, row=1, col=1, paragraph=1)),
    ("footer", Location("footer", name="ftr1")),
    ("master", Location("header", paragraph=1, name="Default")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_odp_slides_notes_and_master_are_located(odp: bytes, key: str, location: Location) -> None:
    assert _where(odp, SLIDE_TEXTS[key]) == [location]


def test_master_slide_placeholder_prompts_are_not_text(odp: bytes) -> None:
    assert not _where(odp, "按一下以編輯標題")


@pytest.mark.parametrize("make", [rich_odt, rich_ods, rich_odp], ids=["odt", "ods", "odp"])
def test_whole_document_is_scanned_when_all_parts_read(make: Callable[[], bytes]) -> None:
    extraction = extract_odf(make(), "x", LIMITS)
    assert (extraction.status, extraction.problems, extraction.items) == ("scanned", (), ())


@pytest.mark.parametrize(("text", "part"), [
    ("預算金額新臺幣5,000,000元", "body"),  # the deletion is not glued to the text that replaced it
    ("見附註", "body"),                     # the comment and its author are not in the host paragraph
    ("見註", "body"),                       # nor the note's citation and body
    ("見附框", "body"),                     # nor the text box
], ids=["without-deletion", "without-comment", "without-notes", "without-textbox"])
def test_visible_paragraph_excludes_what_hangs_off_it(odt: bytes, text: str, part: str) -> None:
    assert [loc.part for loc in _where(odt, text)] == [part]


@pytest.mark.parametrize(("make", "expected"), [
    (rich_odt, {("classification-field", "body"), ("tw-national-id", "table"),
                ("classification-stamp", "header"), ("restricted-reading", "footer"),
                ("password-value", "footnote"), ("bid-floor-price-amount", "endnote"),
                ("internal-only", "comment"), ("bid-floor-price-amount", "tracked-deletion"),
                ("password-value", "textbox"), ("classification-level-in-header", "title")}),
    (rich_ods, {("tw-national-id", "table"), ("internal-only", "comment"),
                ("classification-stamp", "header")}),
    (rich_odp, {("classification-level-in-header", "title"), ("bid-floor-price-amount", "body"),
                ("password-value", "notes"), ("tw-national-id", "table"),
                ("restricted-reading", "footer"), ("classification-stamp", "header")}),
], ids=["odt", "ods", "odp"])
def test_segments_are_found_by_every_rule_where_they_are(scanner: Scanner, make: Callable[[], bytes],
                                                          expected: set[tuple[str, str]]) -> None:
    found = {(f.rule, f.location.part) for f in scanner.detect(extract_odf(make(), "x", LIMITS).segments)}
    assert expected <= found


def test_spreadsheet_finding_names_sheet_and_cell(ods: bytes, scanner: Scanner) -> None:
    findings = [f for f in scanner.detect(extract_odf(ods, "x", LIMITS).segments)
                if f.rule == "tw-national-id"]
    assert [(f.location.sheet, f.location.cell) for f in findings] == [("底價表", "C5")]


def test_embedded_ole_object_is_handed_over_not_ignored() -> None:
    blob = legacy_doc()
    extraction = extract_odf(with_ole_object(plain_odt(["x"]), blob), "x", LIMITS)
    assert extraction.items == (("Object 2", blob),)


def test_spaces_tabs_and_breaks_are_kept() -> None:
    xml = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
           '<text:p>密等：<text:s text:c="2"/>機密<text:tab/>甲<text:line-break/>乙'
           '<text:s text:c="999999999"/></text:p></office:text></office:body></office:document-content>')
    text = extract_odf(with_content(xml), "x", LIMITS).segments[0].text
    assert text.startswith("密等：  機密\t甲\n乙") and len(text) < 2000


CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "unreadable", "empty"),
    ("not-a-zip", lambda: "密碼：Tpe@2026!x".encode(), "unreadable", "corrupt"),
    ("truncated", lambda: rich_odt()[:2000], "unreadable", "corrupt"),
    ("no-content-part", lambda: rewrite(plain_odt(["x"]), {"content.xml": None}), "unreadable", "corrupt"),
    ("broken-xml", lambda: with_content("<office:document-content><office:body>"), "unreadable", "corrupt"),
    ("encrypted", encrypted_odt, "unreadable", "encrypted"),
    ("legacy-doc", legacy_doc, "unreadable", "legacy-format"),
    ("too-many-entries", lambda: many_entries_zip(10_001), "unreadable", "too-many-entries"),
    ("zip-bomb", small_bomb, "unreadable", "zip-bomb"),
    ("billion-laughs", lambda: with_content(ODF_BILLION_LAUGHS), "unreadable", "xml-entities"),
    ("broken-styles-part", lambda: rewrite(rich_odt(), {"styles.xml": "<office:document-styles"}),
     "partial", "corrupt"),
    ("billion-laughs-meta", lambda: rewrite(plain_odt(["x"]), {"meta.xml": ODF_BILLION_LAUGHS}),
     "partial", "xml-entities"),
    # Found by tests/test_fuzz_extract.py: read as the body and reported as completely read.
    ("content-not-document", lambda: rewrite(plain_odt(["x"]), {"content.xml": "<a>機密</a>"}),
     "unreadable", "corrupt"),
]


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_not_fully_read_say_so(make: Callable[[], bytes], status: str, code: str) -> None:
    extraction = extract_odf(make(), "x.odt", LIMITS)
    assert extraction.status == status
    assert [p.code for p in extraction.problems] == [code]


def test_partial_file_keeps_what_was_read() -> None:
    extraction = extract_odf(rewrite(rich_odt(), {"styles.xml": "<office:document-styles"}), "x", LIMITS)
    assert any(s.text == TEXTS["body"] for s in extraction.segments)




@pytest.mark.parametrize("make", [rich_odt, rich_ods, rich_odp], ids=["odt", "ods", "odp"])
def test_damaged_bytes_never_raise(make: Callable[[], bytes]) -> None:
    good = make()
    chance = random.Random(20260105)
    for _ in range(40):
        data = bytearray(good)
        for _ in range(chance.randint(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_odf(bytes(data), "x.odt", LIMITS)
        assert extraction.status in STATUSES
        assert extraction.status == "scanned" or extraction.problems


@pytest.mark.parametrize(("make", "name", "rule", "part"), [
    (rich_odt, "x.odt", "bid-floor-price-amount", "tracked-deletion"),
    (rich_ods, "x.ods", "tw-national-id", "table"),
    (rich_odp, "x.odp", "password-value", "notes"),
], ids=["odt", "ods", "odp"])
def test_end_to_end_through_the_scanner(scanner: Scanner, make: Callable[[], bytes], name: str,
                                        rule: str, part: str) -> None:
    result = scanner.scan_bytes(make(), name)
    assert result.status == "scanned"
    assert (rule, part) in {(f.rule, f.location.part) for f in result.findings}
    assert result.verdict == "block"


def test_dispatch_reaches_the_odf_reader() -> None:
    for suffix in (".odt", ".ods", ".odp", ".ODT"):
        assert extract(encrypted_odt(), f"x{suffix}", LIMITS).problems[0].code == "encrypted"


def test_field_text_kept_in_attributes_is_read(scanner) -> None:
    """Hidden text, both branches of conditional text and user fields carry their text in
    attributes; a password set once in a user field and shown nowhere passed as clean."""
    xml = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
           '<text:user-field-decls><text:user-field-decl text:name="pw" office:value-type="string" '
           'office:string-value="密碼：Tpe@2026!x"/></text:user-field-decls>'
           '<text:p>會議<text:hidden-text text:condition="ooow:1" text:string-value="身分證字號A123456789"/>'
           '<text:conditional-text text:condition="ooow:0" text:string-value-if-true="一般" '
           'text:string-value-if-false="密等：極機密">一般</text:conditional-text></text:p>'
           '</office:text></office:body></office:document-content>')
    result = scanner.scan_bytes(with_content(xml), "x.odt")
    assert {f.rule for f in result.findings} >= {"password-value", "tw-national-id", "classification-field"}
    assert {f.location.part for f in result.findings} == {"attribute"}
