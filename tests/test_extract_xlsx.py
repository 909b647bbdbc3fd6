"""Excel .xlsx: every sheet (hidden ones too), cell, note, name, print header and property, located;
roster columns read with their headers; broken and hostile files not read, never raised."""

from __future__ import annotations

import io
import random
import zipfile
from collections import Counter
from collections.abc import Callable

import pytest

from leakscan import Location, Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.xlsx import extract_xlsx
from leakscan.model import STATUSES

from .fixtures_docx import (
    encrypted_docx,
    flat_zip_bomb,
    many_entries_zip,
    plain_docx,
    understated_size_zip,
)
from .fixtures_office import (
    S_NS,
    XLSX_TEXTS,
    entity_part,
    national_ids,
    roster_rows,
    roster_xlsx,
    with_part,
    with_shared_strings,
)
from .fixtures_office import (
    rich_xlsx as make_rich,
)

pytest.importorskip("openpyxl")

LIMITS = Limits()


@pytest.fixture(scope="module")
def rich() -> bytes:
    return make_rich()


def _where(data: bytes, text: str) -> list[Location]:
    return [s.location for s in extract_xlsx(data, "x.xlsx", LIMITS).segments if s.text == text]


@pytest.mark.parametrize(("key", "location"), [
    ("table", Location("table", sheet="公開", cell="B3", row=3, col=2)),
    ("hidden", Location("table", sheet="隱藏", cell="A1", row=1, col=1)),
    ("very-hidden", Location("table", sheet="極隱藏", cell="C2", row=2, col=3)),
    ("comment", Location("comment", sheet="公開", cell="B3", row=3, col=2)),
    ("threaded-comment", Location("comment", sheet="隱藏", cell="A1", row=1, col=1)),
    ("sheet-name", Location("sheet-name", sheet="機密")),
    ("header", Location("header", sheet="公開", name="oddHeader")),
    ("footer", Location("footer", sheet="公開", name="oddFooter")),
    ("textbox", Location("textbox", sheet="公開")),
    *[(f"metadata-{field}", Location("metadata", name=field)) for field in (
        "title", "subject", "keywords", "description", "creator", "lastModifiedBy", "category")],
], ids=lambda v: v if isinstance(v, str) else None)
def test_text_in_every_part_is_found_where_it_is(rich: bytes, key: str, location: Location) -> None:
    assert location in _where(rich, XLSX_TEXTS[key])


def test_defined_name_constant_reads_as_name_and_value(rich: bytes) -> None:
    assert _where(rich, f"密碼：{XLSX_TEXTS['defined-name']}") == [Location("defined-name", name="密碼")]


@pytest.mark.parametrize(("rule", "location"), [
    ("password-value", Location("table", sheet="公開", cell="B3", row=3, col=2)),
    ("bid-floor-price-amount", Location("table", sheet="隱藏", cell="A1", row=1, col=1)),
    ("tw-resident-id", Location("table", sheet="極隱藏", cell="C2", row=2, col=3)),
    ("internal-only", Location("comment", sheet="公開", cell="B3", row=3, col=2)),
    ("restricted-reading", Location("comment", sheet="隱藏", cell="A1", row=1, col=1)),
    ("classification-stamp", Location("sheet-name", sheet="機密")),
    ("password-value", Location("defined-name", name="密碼")),
    ("classification-stamp", Location("header", sheet="公開", name="oddHeader")),
    ("restricted-reading", Location("footer", sheet="公開", name="oddFooter")),
    ("classification-stamp", Location("textbox", sheet="公開")),
    ("classification-stamp", Location("metadata", name="title")),
    ("restricted-reading", Location("metadata", name="subject")),
    ("date-of-birth", Location("table", sheet="日期", cell="B2", row=2, col=2)),
    ("tw-mobile", Location("table", sheet="日期", cell="C2", row=2, col=3)),
], ids=["cell", "hidden-sheet", "very-hidden-sheet", "note", "threaded-comment", "sheet-name",
        "defined-name", "print-header", "print-footer", "textbox", "metadata-title", "metadata-subject",
        "date-cell-under-header", "zero-padded-phone-under-header"])
def test_scanner_finds_every_part_end_to_end(rich: bytes, scanner: Scanner, rule: str,
                                             location: Location) -> None:
    result = scanner.scan_bytes(rich, "x.xlsx")
    assert result.status == "scanned"
    found = [(f.rule, f.location) for f in result.findings]
    assert any(r == rule and _without_position(loc) == location for r, loc in found), found


def _without_position(location: Location) -> Location:
    return Location(location.part, location.page, location.sheet, location.slide, location.paragraph,
                    location.table, location.row, location.col, location.cell, location.name)


def test_legacy_copy_of_a_threaded_comment_is_not_read_twice(rich: bytes) -> None:
    texts = [s.text for s in extract_xlsx(rich, "x.xlsx", LIMITS).segments if s.location.sheet == "隱藏"
             and s.location.part == "comment"]
    assert texts == [XLSX_TEXTS["threaded-comment"]]


def test_inline_and_shared_strings_read_alike_and_phonetic_guides_are_left_out() -> None:
    inline = make_rich(shared_strings=False)
    shared = with_shared_strings(inline)
    assert b"<rPh" in zipfile.ZipFile(io.BytesIO(shared)).read("xl/sharedStrings.xml")
    texts = [s.text for s in extract_xlsx(inline, "x.xlsx", LIMITS).segments]
    assert [s.text for s in extract_xlsx(shared, "x.xlsx", LIMITS).segments] == texts
    assert not any("ㄒㄧㄤˋ" in text for text in texts)


def _counts(scanner: Scanner, data: bytes) -> Counter[tuple[str, str]]:
    findings = scanner.detect(extract_xlsx(data, "x.xlsx", LIMITS).segments)
    return Counter((f.rule, f.severity) for f in findings)


@pytest.mark.parametrize("title_rows", [0, 3], ids=["header-in-row-1", "header-under-title-rows"])
def test_roster_columns_are_read_with_their_header(scanner: Scanner, title_rows: int) -> None:
    counts = _counts(scanner, roster_xlsx(title_rows=title_rows))
    assert counts[("tw-national-id", "medium")] == 30
    assert counts[("date-of-birth", "medium")] == 30      # 70/01/01 alone is no finding
    assert counts[("tw-mobile", "medium")] == 30
    assert counts[("home-address", "medium")] == 30       # 住址 header: labelled as a home address


def test_roster_values_are_not_found_twice_and_keep_their_cell(scanner: Scanner) -> None:
    segments = extract_xlsx(roster_xlsx(), "x.xlsx", LIMITS).segments
    cells = [s.location.cell for s in segments if s.location.part == "table"]
    assert len(cells) == len(set(cells)) == 5 * 31
    first = next(s for s in segments if s.location.cell == "C2")
    assert first.text == f"出生年月日：{roster_rows(1)[0][2]}"


def test_failing_checksum_ids_under_the_header_are_still_reported(scanner: Scanner) -> None:
    rows = [[f"學員{i}", national_id] for i, national_id in enumerate(national_ids(30, valid=False))]
    counts = _counts(scanner, roster_xlsx(rows, header=["姓名", "身分證字號"]))
    assert counts[("tw-national-id", "low")] == 30


def test_values_without_a_personal_data_header_stay_alone(scanner: Scanner) -> None:
    rows = [["第1案", "70/01/01"], ["第2案", "0912345678"]]
    segments = extract_xlsx(roster_xlsx(rows, header=["案號", "日期"]), "x.xlsx", LIMITS).segments
    assert [s.text for s in segments if s.location.part == "table"] == [
        "案號", "日期", "第1案", "70/01/01", "第2案", "0912345678"]
    assert "date-of-birth" not in {f.rule for f in scanner.detect(segments)}


def test_form_label_left_of_a_value_joins_it(scanner: Scanner) -> None:
    rows = [["出生日期", "70/01/01"]]
    segments = extract_xlsx(roster_xlsx(rows, header=["申請表"]), "x.xlsx", LIMITS).segments
    assert "出生日期：70/01/01" in [s.text for s in segments]


def test_embedded_document_is_handed_over_not_ignored() -> None:
    inner = plain_docx(["內嵌：機密"])
    extraction = extract_xlsx(make_rich(embedded=inner), "x.xlsx", LIMITS)
    assert extraction.items == (("xl/embeddings/Microsoft_Word_Document.docx", inner),)


def test_embedded_document_is_scanned_as_an_item(scanner: Scanner) -> None:
    inner = plain_docx(["密等及解密條件或保密期限：機密"])
    result = scanner.scan_bytes(make_rich(embedded=inner), "名冊.xlsx")
    [item] = result.items
    assert item.path == "名冊.xlsx!xl/embeddings/Microsoft_Word_Document.docx"
    assert [f.level for f in item.findings] == ["機密"]


def test_dispatch_reads_xlsm_too(rich: bytes) -> None:
    assert extract(rich, "巨集.xlsm", LIMITS).segments == extract_xlsx(rich, "x.xlsx", LIMITS).segments


def _broken_sheet(xml: str) -> bytes:
    return with_part(make_rich(), "xl/worksheets/sheet2.xml", xml)


CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "unreadable", "empty"),
    ("not-a-zip", lambda: "密碼：Tpe@2026!x".encode(), "unreadable", "corrupt"),
    ("truncated", lambda: roster_xlsx()[:3000], "unreadable", "corrupt"),
    ("a-word-file", lambda: plain_docx(["x"]), "unreadable", "corrupt"),
    ("broken-workbook", lambda: with_part(roster_xlsx(), "xl/workbook.xml", "<workbook>"),
     "unreadable", "corrupt"),
    ("broken-sheet", lambda: _broken_sheet(f'<worksheet xmlns="{S_NS}"><sheetData><row>'),
     "partial", "corrupt"),
    ("encrypted", encrypted_docx, "unreadable", "encrypted"),
    ("legacy-xls", lambda: _cfb_xls(), "unreadable", "legacy-format"),
    ("too-many-entries", lambda: many_entries_zip(10_001), "unreadable", "too-many-entries"),
    ("billion-laughs-workbook", lambda: with_part(roster_xlsx(), "xl/workbook.xml",
                                                  entity_part("workbook", S_NS)),
     "unreadable", "xml-entities"),
    ("billion-laughs-sheet", lambda: _broken_sheet(entity_part("worksheet", S_NS)),
     "partial", "xml-entities"),
    ("understated-size", understated_size_zip, "unreadable", "corrupt"),
    ("zip-bomb", lambda: flat_zip_bomb(name="xl/worksheets/sheet1.xml"), "unreadable", "zip-bomb"),
]


def _cfb_xls() -> bytes:
    from .fixtures_docx import _cfb

    return _cfb(["Root Entry", "Workbook", "\x05SummaryInformation"])


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_not_fully_read_say_so(make: Callable[[], bytes], status: str, code: str) -> None:
    extraction = extract_xlsx(make(), "x.xlsx", LIMITS)
    assert extraction.status == status
    assert [p.code for p in extraction.problems] == [code]


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scanner_reports_files_not_fully_read(scanner: Scanner, make: Callable[[], bytes], status: str,
                                              code: str) -> None:
    result = scanner.scan_bytes(make(), "x.xlsx")
    assert (result.status, [p.code for p in result.problems]) == (status, [code])


def test_budget_spent_mid_workbook_keeps_what_was_read() -> None:
    data = roster_xlsx()
    extraction = extract_xlsx(data, "x.xlsx", Limits(max_uncompressed_bytes=9_000))
    assert extraction.status in ("partial", "unreadable")
    assert "zip-bomb" in [p.code for p in extraction.problems]




def test_damaged_bytes_never_raise(rich: bytes) -> None:
    chance = random.Random(20260105)
    for _ in range(60):
        data = bytearray(rich)
        for _ in range(chance.randint(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_xlsx(bytes(data), "x.xlsx", LIMITS)
        assert extraction.status in STATUSES
        assert extraction.status == "scanned" or extraction.problems


def test_row_number_in_non_ascii_digits_is_counted_not_parsed() -> None:
    """``"²".isdigit()`` holds but ``int("²")`` raises: found by tests/test_fuzz_extract.py."""
    sheet = (f'<worksheet xmlns="{S_NS}"><sheetData><row r="²"><c r="A1" t="inlineStr"><is><t>機密</t>'
             '</is></c></row></sheetData></worksheet>')
    extraction = extract_xlsx(_broken_sheet(sheet), "x.xlsx", Limits())
    assert extraction.status == "scanned"
    assert "機密" in [s.text for s in extraction.segments]


def test_a_formula_saved_without_its_value_is_read_by_its_strings(scanner) -> None:
    """openpyxl and report generators store formulas without a cached value: the strings in the
    formula are what the cell shows."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["B2"] = '="密碼："&"Tpe@2026!x"'
    workbook.active["B3"] = '=IF(A1="","身分證字號A123456789","")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = scanner.scan_bytes(buffer.getvalue(), "帳號.xlsx")
    assert {(f.rule, f.location.cell) for f in result.findings} == {("password-value", "B2"),
                                                                      ("tw-national-id", "B3")}
