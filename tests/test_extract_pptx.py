"""PowerPoint .pptx: slides in presentation order, titles, groups, tables, notes, legacy and modern
comments, master text and properties, located; broken and hostile files not read, never raised."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from leakscan import Location, Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.pptx import extract_pptx
from leakscan.model import STATUSES

from .fixtures_docx import (
    encrypted_docx,
    flat_zip_bomb,
    many_entries_zip,
    plain_docx,
    understated_size_zip,
)
from .fixtures_office import P_NS, PPTX_TEXTS, entity_part, plain_pptx, rich_pptx, roster_xlsx, with_part

pytest.importorskip("pptx")

LIMITS = Limits()


@pytest.fixture(scope="module")
def rich() -> bytes:
    return rich_pptx()


def _where(data: bytes, text: str) -> list[Location]:
    return [s.location for s in extract_pptx(data, "x.pptx", LIMITS).segments if s.text == text]


# ppt/slides/slide2.xml is listed first in p:sldIdLst: it is slide 1, slide1.xml is slide 2.
@pytest.mark.parametrize(("key", "location"), [
    ("second-slide", Location("body", slide=1, name="TextBox 1")),
    ("title", Location("title", slide=2, name="Title 1")),
    ("body", Location("body", slide=2, name="Content Placeholder 2")),
    ("group", Location("body", slide=2, name="TextBox 4")),
    ("table", Location("table", slide=2, table=1, row=2, col=2)),
    ("notes", Location("notes", slide=2)),
    ("comment-legacy", Location("comment", slide=2)),
    ("comment-modern", Location("comment", slide=2)),
    ("comment-reply", Location("comment", slide=2)),
    ("master", Location("body", name="slideMaster1.xml")),
    ("metadata-title", Location("metadata", name="title")),
    ("metadata-description", Location("metadata", name="description")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_text_in_every_part_is_found_once_where_it_is(rich: bytes, key: str, location: Location) -> None:
    assert _where(rich, PPTX_TEXTS[key]) == [location]


@pytest.mark.parametrize(("rule", "location"), [
    ("tw-resident-id", Location("body", slide=1, name="TextBox 1")),
    ("classification-stamp", Location("title", slide=2, name="Title 1")),
    ("classification-field", Location("body", slide=2, name="Content Placeholder 2")),
    ("password-value", Location("body", slide=2, name="TextBox 4")),
    ("tw-national-id", Location("table", slide=2, table=1, row=2, col=2)),
    ("bid-floor-price-amount", Location("notes", slide=2)),
    ("internal-only", Location("comment", slide=2)),
    ("restricted-reading", Location("comment", slide=2)),
    ("password-value", Location("comment", slide=2)),
    ("classification-stamp", Location("body", name="slideMaster1.xml")),
    ("classification-stamp", Location("metadata", name="title")),
], ids=["slide-order", "title", "body", "group", "table", "notes", "legacy-comment", "modern-comment",
        "comment-reply", "master", "metadata"])
def test_scanner_finds_every_part_end_to_end(rich: bytes, scanner: Scanner, rule: str,
                                             location: Location) -> None:
    result = scanner.scan_bytes(rich, "x.pptx")
    assert result.status == "scanned"
    found = [(f.rule, f.location) for f in result.findings]
    assert any(r == rule and _without_position(loc) == location for r, loc in found), found


def _without_position(location: Location) -> Location:
    return Location(location.part, location.page, location.sheet, location.slide, location.paragraph,
                    location.table, location.row, location.col, location.cell, location.name)


def test_layout_prompt_text_is_not_read(rich: bytes) -> None:
    texts = [s.text for s in extract_pptx(rich, "x.pptx", LIMITS).segments]
    assert not any("Click to edit" in text for text in texts)


def test_roster_table_on_a_slide_is_read_with_its_header(scanner: Scanner) -> None:
    segments = extract_pptx(rich_pptx(roster=True), "x.pptx", LIMITS).segments
    findings = [f for f in scanner.detect(segments) if f.rule == "tw-national-id"]
    assert len(findings) == 30 and {f.location.part for f in findings} == {"table"}


def test_embedded_document_is_handed_over_and_scanned(scanner: Scanner) -> None:
    inner = plain_docx(["密等及解密條件或保密期限：機密"])
    data = rich_pptx(embedded=inner)
    name = "ppt/embeddings/Microsoft_Word_Document.docx"
    assert extract_pptx(data, "x.pptx", LIMITS).items == ((name, inner),)
    [item] = scanner.scan_bytes(data, "簡報.pptx").items
    assert item.path == f"簡報.pptx!{name}" and [f.level for f in item.findings] == ["機密"]


def test_dispatch_reads_pptm_too(rich: bytes) -> None:
    assert extract(rich, "巨集.pptm", LIMITS).segments == extract_pptx(rich, "x.pptx", LIMITS).segments


def _cfb_ppt() -> bytes:
    from .fixtures_docx import _cfb

    return _cfb(["Root Entry", "PowerPoint Document", "Current User"])


CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "unreadable", "empty"),
    ("not-a-zip", lambda: "密碼：Tpe@2026!x".encode(), "unreadable", "corrupt"),
    ("truncated", lambda: plain_pptx(["x"])[:3000], "unreadable", "corrupt"),
    ("a-workbook", roster_xlsx, "unreadable", "corrupt"),
    ("broken-presentation", lambda: with_part(plain_pptx(["x"]), "ppt/presentation.xml", "<p:presentation"),
     "unreadable", "corrupt"),
    ("broken-slide", lambda: with_part(plain_pptx(["x"]), "ppt/slides/slide1.xml", "<p:sld>"),
     "partial", "corrupt"),
    ("encrypted", encrypted_docx, "unreadable", "encrypted"),
    ("legacy-ppt", _cfb_ppt, "unreadable", "legacy-format"),
    ("too-many-entries", lambda: many_entries_zip(10_001), "unreadable", "too-many-entries"),
    ("billion-laughs-presentation", lambda: with_part(plain_pptx(["x"]), "ppt/presentation.xml",
                                                      entity_part("presentation", P_NS)),
     "unreadable", "xml-entities"),
    ("billion-laughs-slide", lambda: with_part(plain_pptx(["x"]), "ppt/slides/slide1.xml",
                                               entity_part("sld", P_NS)), "partial", "xml-entities"),
    ("understated-size", understated_size_zip, "unreadable", "corrupt"),
    ("zip-bomb", lambda: flat_zip_bomb(name="ppt/slides/slide1.xml"), "unreadable", "zip-bomb"),
]


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_not_fully_read_say_so(make: Callable[[], bytes], status: str, code: str) -> None:
    extraction = extract_pptx(make(), "x.pptx", LIMITS)
    assert extraction.status == status
    assert [p.code for p in extraction.problems] == [code]


@pytest.mark.parametrize(("make", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scanner_reports_files_not_fully_read(scanner: Scanner, make: Callable[[], bytes], status: str,
                                              code: str) -> None:
    result = scanner.scan_bytes(make(), "x.pptx")
    assert (result.status, [p.code for p in result.problems]) == (status, [code])




def test_damaged_bytes_never_raise(rich: bytes) -> None:
    chance = random.Random(20260105)
    for _ in range(60):
        data = bytearray(rich)
        for _ in range(chance.randint(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_pptx(bytes(data), "x.pptx", LIMITS)
        assert extraction.status in STATUSES
        assert extraction.status == "scanned" or extraction.problems


def test_a_marking_typed_into_the_master_footer_is_read(scanner: Scanner) -> None:
    """A footer typed once on the slide master (機密, 限閱) marks the whole deck; the master's
    title and body placeholders hold prompt text and stay unread."""
    import io

    from pptx import Presentation
    from pptx.enum.shapes import PP_PLACEHOLDER

    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[6]).shapes.add_textbox(0, 0, 100, 100).text = "議程"
    footer = next(p for p in deck.slide_master.placeholders
                  if p.placeholder_format.type == PP_PLACEHOLDER.FOOTER)
    footer.text_frame.text = "極機密"
    out = io.BytesIO()
    deck.save(out)
    result = scanner.scan_bytes(out.getvalue(), "簡報.pptx")
    assert [(f.level, f.location.part) for f in result.findings if f.category == "classification"] == [
        ("極機密", "footer")]
    assert not any("Click to edit" in s.text for s in extract_pptx(out.getvalue(), "x.pptx", LIMITS).segments)
