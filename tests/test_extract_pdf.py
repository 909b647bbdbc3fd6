"""PDF extraction: exact CJK text from predefined-CMap fonts, where findings are, and every way a
PDF can fail to be read (garbled, scanned, encrypted, corrupt, too long) reported, never clean."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

from leakscan import Scanner
from leakscan.extract import Extraction, Limits
from leakscan.extract.pdf import DEFAULT_MAX_PDF_PAGES, extract_pdf, garble_reason
from leakscan.model import Location
from tests.conftest import GUIDANCE
from tests.fixtures_pdf import (
    BLANK,
    CLASSIFIED,
    FLOOR_PRICE,
    IMAGE,
    PDFMINER_MOJIBAKE,
    SHAPES,
    UMING,
    chinese_pages,
    make_pdf,
    uming_available,
    without_tounicode,
)

# CI installs fonts-arphic-uming (.ci/run), so there these tests always run; elsewhere they need it.
needs_uming = pytest.mark.skipif(not uming_available() and not os.environ.get("CI"),
                                 reason="fonts-arphic-uming not installed")


def PageLimits(max_pdf_pages: int) -> Limits:
    return Limits(max_pdf_pages=max_pdf_pages)


def read(data: bytes, limits: object = None) -> Extraction:
    return extract_pdf(data, "x.pdf", limits or Limits())


def body(extraction: Extraction) -> dict[int | None, str]:
    return {s.location.page: s.text for s in extraction.segments if s.location.part == "body"}


def codes(extraction: Extraction) -> list[tuple[str, str]]:
    return [(p.code, p.detail) for p in extraction.problems]


# --- text ---------------------------------------------------------------------------------------
def test_predefined_cmap_font_text_comes_out_exactly() -> None:
    extraction = read(make_pdf([CLASSIFIED, FLOOR_PRICE + "\n第二行"]))
    assert extraction.status == "scanned" and extraction.problems == ()
    assert body(extraction) == {1: CLASSIFIED, 2: FLOOR_PRICE + "\n第二行"}


@needs_uming
def test_embedded_truetype_subset_text_comes_out_exactly() -> None:
    extraction = read(make_pdf([CLASSIFIED, FLOOR_PRICE], font=UMING))
    assert extraction.status == "scanned"
    assert body(extraction) == {1: CLASSIFIED, 2: FLOOR_PRICE}


def test_pdfminer_garbles_what_pdfium_reads() -> None:
    """Why the extractor is built on PDFium: pdfminer's text for this font is wrong Han."""
    import pdfplumber

    data = make_pdf([CLASSIFIED + "\n" + FLOOR_PRICE])
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        mojibake = pdf.pages[0].extract_text()
    assert mojibake != CLASSIFIED + "\n" + FLOOR_PRICE
    assert garble_reason(mojibake) == "rare-han"
    assert body(read(data)) == {1: CLASSIFIED + "\n" + FLOOR_PRICE}


@pytest.mark.parametrize(("text", "rule", "line"), [
    (CLASSIFIED, "classification-field", 1),
    ("說明\n" + FLOOR_PRICE, "bid-floor-price-amount", 2),
    ("承辦人\n聯絡人\n身分證A123456789", "tw-national-id", 3),
], ids=["classification", "floor-price", "national-id"])
def test_findings_carry_page_and_line(scanner: Scanner, text: str, rule: str, line: int) -> None:
    extraction = read(make_pdf(["第一頁沒有問題", text]))
    [finding] = scanner.detect(extraction.segments)
    assert finding.rule == rule
    assert (finding.location.part, finding.location.page, finding.location.line) == ("body", 2, line)


@pytest.mark.parametrize(("kwargs", "location", "rule"), [
    ({"metadata": {"title": "機密"}}, Location("metadata", name="title"), "classification-stamp"),
    ({"metadata": {"author": "王小明 A123456789"}}, Location("metadata", name="author"), "tw-national-id"),
    ({"metadata": {"keywords": "密碼：Tpe@2026!x"}}, Location("metadata", name="keywords"),
     "password-value"),
    ({"metadata": {"subject": FLOOR_PRICE}}, Location("metadata", name="subject"),
     "bid-floor-price-amount"),
    ({"notes": {2: "密碼：Tpe@2026!x"}}, Location("annotation", page=2), "password-value"),
    ({"notes": {1: "承辦人身分證A123456789"}}, Location("annotation", page=1), "tw-national-id"),
], ids=["title", "author", "keywords", "subject", "note-page-2", "note-page-1"])
def test_metadata_and_annotations_are_scanned(scanner: Scanner, kwargs: dict, location: Location,
                                              rule: str) -> None:
    extraction = read(make_pdf(["一般內容", "第二頁"], **kwargs))
    found = {(f.rule, f.location.part, f.location.page, f.location.name)
             for f in scanner.detect(extraction.segments)}
    assert found == {(rule, location.part, location.page, location.name)}


def test_segments_come_in_reading_order() -> None:
    extraction = read(make_pdf(["甲", "乙"], metadata={"title": "標題"}, notes={1: "註"}))
    order = [(s.location.part, s.location.page, s.location.name) for s in extraction.segments]
    assert order.index(("metadata", None, "title")) < order.index(("body", 1, None))
    assert order[-3:] == [("body", 1, None), ("annotation", 1, None), ("body", 2, None)]


# --- garble detection ---------------------------------------------------------------------------
GOOD = {
    "guidance-1": GUIDANCE[0].read_text(encoding="utf-8"),
    "guidance-2": GUIDANCE[1].read_text(encoding="utf-8"),
    "classified-form": CLASSIFIED + "\n" + FLOOR_PRICE,
    "rare-name-chars": "承辦人：王堃、林喆、陳昇、游錡，聯絡電話(02)2345-6789",
    "self-made-chars": "申請人\ue000\ue001明，身分證A123456789，住址臺北市中正區重慶南路一段122號",
    "english": "Password: Tpe@2026!x  Meeting notes, Q3 budget review.",
    "simplified": "关于做好国家秘密载体管理工作的通知，各单位应当严格执行保密制度。",
    "symbols": "①面積120㎡ ②溫度25℃ ③第Ⅱ類 ■附件 ※備註 — 表格：│甲│乙│",
    "short": "機密",
}
GARBLED = {
    "pdfminer-msung": (PDFMINER_MOJIBAKE, "rare-han"),
    "pdfminer-msung-2": ("キ蟻孰疘キ鷶圬烿栝キ夾綔擉鏳キ\n亢(cid:25806)櫺荴", "rare-han"),
    "pdfminer-cid": ("(cid:97)(cid:98)(cid:99)(cid:100) 1,234,000", "bad-chars"),
    "subset-no-tounicode": ("\x01\x04\x01\x05\x06\x07\x08\x01\t\n\x0b\x0c\x011,234,000\x12", "bad-chars"),
    "replacement": ("密等\ufffd\ufffd\ufffd\ufffd條件", "bad-chars"),
    "private-use-only": ("\ue000\ue001", "bad-chars"),
    "big5-as-latin1": ("密等".encode("cp950").decode("latin-1") * 4 + "：機密", "unusual-chars"),
}


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_good_text_is_not_garbled(text: str) -> None:
    assert garble_reason(text) is None


@pytest.mark.parametrize(("text", "reason"), GARBLED.values(), ids=GARBLED.keys())
def test_garbled_text_is_recognised(text: str, reason: str) -> None:
    assert garble_reason(text) == reason


@pytest.mark.parametrize(("pages", "status", "detail"), [
    ([CLASSIFIED, PDFMINER_MOJIBAKE, FLOOR_PRICE], "partial", "page 2: rare-han"),
    ([CLASSIFIED, "\ue000\ue001\ue002\ue003\ue004", PDFMINER_MOJIBAKE, PDFMINER_MOJIBAKE], "partial",
     "page 2: bad-chars; pages 3-4: rare-han"),
    ([PDFMINER_MOJIBAKE, PDFMINER_MOJIBAKE], "unreadable", "pages 1-2: rare-han"),
], ids=["one-page", "two-reasons", "every-page"])
def test_garbled_pages_are_not_scanned(pages: list[str], status: str, detail: str) -> None:
    extraction = read(make_pdf(pages))
    assert extraction.status == status
    assert codes(extraction) == [("garbled", detail)]
    assert all(garble_reason(t) is None for t in body(extraction).values())


@needs_uming
def test_truetype_subset_without_tounicode_is_garbled() -> None:
    extraction = read(without_tounicode(make_pdf([CLASSIFIED, FLOOR_PRICE], font=UMING)))
    assert extraction.status == "unreadable"
    assert codes(extraction) == [("garbled", "pages 1-2: bad-chars")]


def test_garbled_property_is_reported_not_scanned() -> None:
    big5_as_latin1 = "機密會議紀錄".encode("cp950").decode("latin-1")
    extraction = read(make_pdf([CLASSIFIED], metadata={"title": big5_as_latin1}))
    assert extraction.status == "partial"
    assert codes(extraction) == [("garbled", "metadata title: unusual-chars")]
    assert Location("metadata", name="title") not in [s.location for s in extraction.segments]


def test_garbled_annotation_is_reported_not_scanned() -> None:
    extraction = read(make_pdf([CLASSIFIED], notes={1: "\ufffd" * 6}))
    assert extraction.status == "partial"
    assert codes(extraction) == [("garbled", "annotation p1: bad-chars")]
    assert [s.location.part for s in extraction.segments if s.location.page] == ["body"]


# --- pages without text -------------------------------------------------------------------------
@pytest.mark.parametrize(("pages", "status", "detail"), [
    ([CLASSIFIED, IMAGE], "partial", "page 2"),
    ([IMAGE, CLASSIFIED, SHAPES, IMAGE], "partial", "pages 1, 3-4"),
    ([IMAGE, IMAGE], "unreadable", "pages 1-2"),
    ([SHAPES], "unreadable", "page 1"),
], ids=["one-scan", "scattered", "all-scans", "outlines-only"])
def test_pages_without_text_layer_are_reported(pages: list[str], status: str, detail: str) -> None:
    extraction = read(make_pdf(pages))
    assert extraction.status == status
    assert codes(extraction) == [("no-text-layer", detail)]


def test_blank_pages_are_not_a_problem() -> None:
    extraction = read(make_pdf([CLASSIFIED, BLANK]))
    assert extraction.status == "scanned" and extraction.problems == ()


# --- files that cannot be read ------------------------------------------------------------------
GOOD_PDF = make_pdf(chinese_pages(3, lines=5))


@pytest.mark.parametrize(("data", "code"), [
    (make_pdf([CLASSIFIED], encrypt="pw"), "encrypted"),
    (b"", "empty"),
    (GOOD_PDF[: len(GOOD_PDF) // 2], "corrupt"),
    (GOOD_PDF[:100], "corrupt"),
    (bytes(range(256)) * 8, "corrupt"),
    (b"%PDF-1.7\n", "corrupt"),
    ("機密文件".encode(), "corrupt"),
], ids=["encrypted", "empty", "truncated-half", "truncated-header", "random", "header-only", "text"])
def test_unreadable_files(data: bytes, code: str) -> None:
    extraction = read(data)
    assert extraction.status == "unreadable"
    assert [p.code for p in extraction.problems] == [code]
    assert extraction.segments == ()


@pytest.mark.parametrize("seed", range(8), ids=lambda s: f"seed-{s}")
def test_damaged_pdfs_never_raise(seed: int) -> None:
    import random

    rng = random.Random(seed)
    data = bytearray(GOOD_PDF)
    for _ in range(20):
        data[rng.randrange(len(data))] = rng.randrange(256)
    extraction = read(bytes(data))
    assert extraction.status in ("scanned", "partial", "unreadable")


# --- limits, threads, disk ----------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "status", "pages", "problems"), [
    (2, "partial", {1, 2}, [("too-many-pages", "pages 3-5 not read; max_pdf_pages=2")]),
    (4, "partial", {1, 2, 3, 4}, [("too-many-pages", "page 5 not read; max_pdf_pages=4")]),
    (5, "scanned", {1, 2, 3, 4, 5}, []),
    (0, "unreadable", set(), [("too-many-pages", "pages 1-5 not read; max_pdf_pages=0")]),
], ids=["over", "one-over", "exact", "zero"])
def test_page_limit(limit: int, status: str, pages: set[int], problems: list) -> None:
    extraction = read(make_pdf(chinese_pages(5, lines=3)), PageLimits(max_pdf_pages=limit))
    assert extraction.status == status
    assert set(body(extraction)) == pages
    assert codes(extraction) == problems


def test_limits_without_the_field_use_the_default() -> None:
    assert not hasattr(Limits(), "max_pdf_pages") or Limits().max_pdf_pages == DEFAULT_MAX_PDF_PAGES
    assert read(make_pdf([CLASSIFIED]), Limits()).status == "scanned"


def test_threads_share_pdfium_safely() -> None:
    data = make_pdf([*chinese_pages(4, lines=10), IMAGE])
    expected = read(data)
    results: list[Extraction] = []

    def work() -> None:
        for _ in range(5):
            results.append(read(data))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 30 and all(r == expected for r in results)


def test_nothing_is_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    read(make_pdf([CLASSIFIED, IMAGE], notes={1: "註"}))
    read(make_pdf([CLASSIFIED], encrypt="pw"))
    assert os.listdir(tmp_path) == []


# --- end to end ---------------------------------------------------------------------------------
def test_scan_bytes_end_to_end(scanner: Scanner) -> None:
    data = make_pdf([CLASSIFIED, IMAGE, FLOOR_PRICE])
    result = scanner.scan_bytes(data, "x.pdf")
    assert result.status == "partial"
    assert [p.code for p in result.problems] == ["no-text-layer"]
    assert {(f.rule, f.location.page) for f in result.findings} == {
        ("classification-field", 1), ("bid-floor-price-amount", 3)}
