"""PDF places that hold text outside the page's text layer: form fields, attached files, stamps
drawn only in their appearance, scanned pages with a footer line, custom document properties,
XMP and bookmarks.  Each is read, or the file is reported as not completely read.

Fixtures are generated here: reportlab for ordinary pages, forms and bookmarks, pypdfium2 for
attachments, and a small raw writer for the objects neither produces (custom info keys, XMP,
appearance-only annotations)."""

from __future__ import annotations

import io
import zlib

import pytest
from reportlab.pdfgen import canvas

from leakscan import Scanner
from leakscan.extract import Extraction, Limits
from leakscan.extract.pdf import extract_pdf
from leakscan.model import Location
from tests.fixtures_pdf import CID_FONT, CLASSIFIED, make_pdf

PASSWORD = "密碼：Tpe@2026!x"
ASCII_PASSWORD = "Password: Tpe@2026!x"
FOOTER = "第 1 頁，共 1 頁"


def read(data: bytes) -> Extraction:
    return extract_pdf(data, "x.pdf", Limits())


def codes(extraction: Extraction) -> list[str]:
    return [p.code for p in extraction.problems]


def texts(extraction: Extraction, part: str) -> dict[str | None, str]:
    return {s.location.name: s.text for s in extraction.segments if s.location.part == part}


# --- a raw writer for what reportlab cannot make -----------------------------------------------
def _string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _show(text: str, y: int = 760) -> str:
    return f"BT /F1 12 Tf 72 {y} Td ({text}) Tj ET\n"


def raw_pdf(content: str, *, annots: tuple[str, ...] = (), info: str = "", catalog: str = "",
            streams: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """One page with Helvetica ``content``; ``annots`` may use ``{ap}`` for an appearance stream
    that shows ``ASCII_PASSWORD``; ``streams`` are extra stream objects that the catalog and the
    annotations name as ``{s0}``, ``{s1}`` …"""
    objects: list[bytes] = []

    def add(body: bytes | str) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    def stream(head: str, data: bytes) -> int:
        return add(f"<< {head} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream")

    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    contents = stream("", content.encode("latin-1"))
    ap = stream(f"/Type /XObject /Subtype /Form /BBox [0 0 300 40] /Resources << /Font << /F1 {font} "
                f"0 R >> >>", f"BT /F1 12 Tf 5 10 Td ({ASCII_PASSWORD}) Tj ET".encode())
    names = {f"s{i}": stream(head, data) for i, (head, data) in enumerate(streams)}
    annot_ids = [add(a.format(ap=ap, **names)) for a in annots]
    page = len(objects) + 2
    pages = add(f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>")
    refs = " ".join(f"{i} 0 R" for i in annot_ids)
    add(f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 595 842] /Contents {contents} 0 R "
        f"/Resources << /Font << /F1 {font} 0 R >> >> /Annots [{refs}] >>")
    root = add(f"<< /Type /Catalog /Pages {pages} 0 R {catalog.format(**names)} >>")
    info_id = add(info) if info else None
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R " % (len(objects) + 1, root)
    out += (b"/Info %d 0 R " % info_id if info_id else b"") + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _xmp(description: str) -> bytes:
    return ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Keywords="{CLASSIFIED}">'
            '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">標題</rdf:li></rdf:Alt></dc:title>'
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt>'
            '</dc:description><xmp:CreateDate xmlns:xmp="http://ns.adobe.com/xap/1.0/">2026-01-01'
            '</xmp:CreateDate></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
            ).encode()


# --- 1. form fields ------------------------------------------------------------------------------
def _form_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.setFont(CID_FONT, 14)
    pdf.drawString(72, 770, "申請表")
    pdf.acroForm.textfield(name="applicant_id", tooltip="身分證字號", value="A123456789",
                           x=72, y=600, width=200, height=20)
    pdf.acroForm.choice(name="level", value="secret", options=["public", "secret"],
                        x=72, y=500, width=200, height=20)
    pdf.acroForm.checkbox(name="agree", checked=True, x=72, y=400)
    pdf.save()
    return buffer.getvalue()


def test_form_field_values_are_read_with_their_labels(scanner: Scanner) -> None:
    extraction = read(_form_pdf())
    assert extraction.status == "scanned"
    form = {s.location: s.text for s in extraction.segments if s.location.part == "form"}
    assert form == {Location("form", page=1, name="applicant_id"): "身分證字號：A123456789",
                    Location("form", page=1, name="level"): "level：secret"}
    result = scanner.scan_bytes(_form_pdf(), "申請表.pdf")
    assert any(f.rule == "tw-national-id" and f.location.part == "form" for f in result.findings)


def test_text_field_shown_only_in_its_appearance_is_read() -> None:
    widget = ("<< /Type /Annot /Subtype /Widget /FT /Tx /T (pw) /Rect [72 500 372 540] "
              "/AP << /N {ap} 0 R >> /F 4 >>")
    extraction = read(raw_pdf(_show("Form"), annots=(widget,)))
    assert texts(extraction, "annotation") == {"appearance": ASCII_PASSWORD}


# --- 2. attached files ---------------------------------------------------------------------------
def _with_attachment(name: str, data: bytes) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(make_pdf(["一般公告"]))
    pdf.new_attachment(name).set_data(data)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_attached_files_are_scanned_as_items(scanner: Scanner) -> None:
    data = _with_attachment("名冊.txt", f"名冊\n{PASSWORD}\n".encode())
    assert read(data).items == (("名冊.txt", f"名冊\n{PASSWORD}\n".encode()),)
    result = scanner.scan_bytes(data, "公告.pdf")
    assert [item.path for item in result.items] == ["公告.pdf!名冊.txt"]
    assert result.items[0].findings and result.decision.verdict == "block"


def test_file_attachment_annotation_is_scanned_and_a_broken_one_is_reported() -> None:
    attached = ("<< /Type /Annot /Subtype /FileAttachment /Rect [72 600 90 620] /FS << /Type "
                "/Filespec /F (a.txt) /EF << /F {s0} 0 R >> >> >>")
    streams = (("/Type /EmbeddedFile", PASSWORD.encode()),)
    data = raw_pdf(_show("See attached"), annots=(attached,), streams=streams)
    extraction = read(data)
    assert extraction.items == (("a.txt", PASSWORD.encode()),) and extraction.status == "scanned"
    broken = ("<< /Type /Annot /Subtype /FileAttachment /Rect [72 600 90 620] "
              "/FS << /Type /Filespec /F (gone.txt) >> >>")
    extraction = read(raw_pdf(_show("See attached"), annots=(broken,)))
    assert extraction.status == "partial" and codes(extraction) == ["attachment-not-read"]


# --- 3. annotations drawn only in their appearance ----------------------------------------------
@pytest.mark.parametrize("subtype", ["Stamp", "FreeText"])
def test_annotation_text_only_in_its_appearance_is_read(subtype: str) -> None:
    annot = f"<< /Type /Annot /Subtype /{subtype} /Rect [72 600 372 640] /AP << /N {{ap}} 0 R >> /F 4 >>"
    extraction = read(raw_pdf(_show("General notice"), annots=(annot,)))
    assert extraction.status == "scanned"
    assert texts(extraction, "annotation") == {"appearance": ASCII_PASSWORD}
    assert texts(extraction, "body") == {None: "General notice"}


def test_a_stamp_whose_contents_differ_from_what_it_draws_is_read_both_ways(scanner: Scanner) -> None:
    """/Contents says "Approved"; the stamp draws a password: both are read."""
    annot = ("<< /Type /Annot /Subtype /Stamp /Rect [72 600 372 640] /Contents (Approved) "
             "/AP << /N {ap} 0 R >> /F 4 >>")
    extraction = read(raw_pdf(_show("General notice"), annots=(annot,)))
    assert texts(extraction, "annotation") == {None: "Approved", "appearance": ASCII_PASSWORD}


def test_annotation_with_contents_is_not_read_twice() -> None:
    annot = (f"<< /Type /Annot /Subtype /FreeText /Rect [72 600 372 640] /Contents ({ASCII_PASSWORD}) "
             "/AP << /N {ap} 0 R >> /F 4 >>")
    extraction = read(raw_pdf(_show("General notice"), annots=(annot,)))
    assert [s.location for s in extraction.segments if s.location.part == "annotation"] == [
        Location("annotation", page=1)]


# --- 4. scanned pages with a page number -------------------------------------------------------
def _scan_page(pdf: canvas.Canvas, *, width: float = 595, height: float = 842, text: str = FOOTER) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    pdf.drawImage(ImageReader(Image.new("L", (60, 80), 200)), 0, 842 - height, width=width, height=height)
    pdf.setFont(CID_FONT, 9)
    for i, line in enumerate(text.split("\n")):
        pdf.drawString(72, 30 + 14 * i, line)
    pdf.showPage()


def _pages(*pages: dict) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    for page in pages:
        _scan_page(pdf, **page)
    pdf.save()
    return buffer.getvalue()


def test_scanned_page_with_a_footer_line_is_not_read() -> None:
    extraction = read(_pages({}))
    assert extraction.status == "unreadable"
    assert [(p.code, p.detail) for p in extraction.problems] == [("image-page", "page 1")]
    assert FOOTER in [s.text for s in extraction.segments]  # the line itself is still scanned


def test_one_scanned_page_among_text_pages_makes_the_file_partial() -> None:
    body = "\n".join([CLASSIFIED] * 5)
    extraction = read(_pages({"width": 60, "height": 40, "text": body}, {}))
    assert extraction.status == "partial"
    assert [(p.code, p.detail) for p in extraction.problems] == [("image-page", "page 2")]


@pytest.mark.parametrize(("page", "status"), [
    ({"width": 60, "height": 40, "text": "\n".join([CLASSIFIED] * 5)}, "scanned"),  # logo + text
    ({"width": 60, "height": 40, "text": "封面"}, "scanned"),  # a small logo and a short title
    ({"width": 595, "height": 842, "text": "\n".join([CLASSIFIED] * 5)}, "scanned"),  # OCR'd scan
], ids=["logo-and-text", "logo-and-title", "scan-with-text-layer"])
def test_ordinary_pages_with_pictures_stay_read(page: dict, status: str) -> None:
    assert read(_pages(page)).status == status


# --- 5. document properties, XMP and bookmarks --------------------------------------------------
def test_custom_info_keys_and_creator_are_read() -> None:
    info = f"<< /Title (T) /Classification {_string(CLASSIFIED)} /Creator {_string(PASSWORD)} " \
           "/CreationDate (D:20260101000000) >>"
    extraction = read(raw_pdf(_show("General notice"), info=info))
    assert texts(extraction, "metadata") == {"title": "T", "Classification": CLASSIFIED, "Creator": PASSWORD}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "flate"])
def test_xmp_properties_are_read(compress: bool) -> None:
    packet = zlib.compress(_xmp(PASSWORD)) if compress else _xmp(PASSWORD)
    head = "/Type /Metadata /Subtype /XML" + (" /Filter /FlateDecode" if compress else "")
    data = raw_pdf(_show("General notice"), info=f"<< /Title {_string('標題')} >>",
                   catalog="/Metadata {s0} 0 R", streams=((head, packet),))
    extraction = read(data)
    assert extraction.status == "scanned"
    # dc:title repeats /Title and is read once; the creation date is a tool's, not text.
    assert texts(extraction, "metadata") == {"title": "標題", "xmp Keywords": CLASSIFIED,
                                             "xmp description": PASSWORD}


def test_xmp_that_cannot_be_decoded_is_reported() -> None:
    data = raw_pdf(_show("General notice"), catalog="/Metadata {s0} 0 R",
                   streams=(("/Type /Metadata /Subtype /XML /Filter /LZWDecode", b"\x80\x0b\x60"),))
    extraction = read(data)
    assert extraction.status == "partial" and codes(extraction) == ["metadata-not-read"]


def test_bookmark_titles_are_read(scanner: Scanner) -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.setFont(CID_FONT, 14)
    pdf.drawString(72, 770, "會議紀錄")
    pdf.bookmarkPage("agenda")
    pdf.bookmarkPage("item")  # reportlab titles entries by key: one key per entry
    pdf.addOutlineEntry("一、議程", "agenda", level=0)
    pdf.addOutlineEntry(PASSWORD, "item", level=1)
    pdf.save()
    extraction = read(buffer.getvalue())
    assert [s.text for s in extraction.segments if s.location == Location("outline")] == [
        f"一、議程\n{PASSWORD}"]
    result = scanner.scan_bytes(buffer.getvalue(), "x.pdf")
    assert any(f.location.part == "outline" for f in result.findings)


def test_xmp_packets_are_found_in_linear_time_and_unclosed_tags_end_the_search() -> None:
    """A lazy DOTALL regex took seconds (under the PDFium lock) on opening tags with no close."""
    from leakscan.extract.pdfmeta import _packets

    assert list(_packets(b"<rdf:RDF " * 200_000)) == []
    body = b"<x:xmpmeta><rdf:RDF a='1'/></x:xmpmeta> <rdf:RDFx> <rdf:RDF b='2'></rdf:RDF >"
    assert list(_packets(body)) == [b"<x:xmpmeta><rdf:RDF a='1'/></x:xmpmeta>",
                                    b"<rdf:RDF b='2'></rdf:RDF >"]
    packet = zlib.compress(b"<rdf:RDF " * 200_000)
    data = raw_pdf(_show("General notice"), catalog="/Metadata {s0} 0 R",
                   streams=(("/Type /Metadata /Subtype /XML /Filter /FlateDecode", packet),))
    assert codes(read(data)) == ["metadata-not-read"]  # nothing decodable: reported, not dropped


def test_object_streams_share_one_inflate_allowance() -> None:
    """Object streams are inflated to look for info keys: many 16 MB streams of a small file
    stop at the file's allowance (one at a time, each dropped after it is searched)."""
    from leakscan.extract import pdfmeta

    bomb = zlib.compress(bytes(pdfmeta._MAX_INFLATE - 1), 9)
    streams = tuple(("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", bomb) for _ in range(6))
    _, failures = pdfmeta.info_key_candidates(raw_pdf(_show("General notice"), streams=streams))
    assert len(failures) == 2 and all("allowance" in f for f in failures), failures


def test_the_name_of_an_attachment_not_read_is_scanned(scanner: Scanner) -> None:
    """A file name is typed text: 身分證A123456789.txt that could not be extracted is still found."""
    broken = ("<< /Type /Annot /Subtype /FileAttachment /Rect [72 600 90 620] "
              "/FS << /Type /Filespec /F (A123456789.txt) >> >>")
    result = scanner.scan_bytes(raw_pdf(_show("See attached"), annots=(broken, broken)), "x.pdf")
    assert result.status == "partial"
    assert [(f.rule, f.location.part) for f in result.findings] == [("tw-national-id", "filename")]
    assert [p.detail for p in result.problems] == ["p1 A123456789.txt"]  # once, not per annotation


def test_an_attachment_bomb_is_refused_before_pdfium_inflates_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFium inflates a whole attachment to tell its size: 300 MB of zeros in a small PDF is
    turned away before PDFium is asked (all attachments too-large, nothing inflated in memory)."""
    import pypdfium2.raw as pdfium

    asked: list[object] = []
    real = pdfium.FPDFAttachment_GetFile
    monkeypatch.setattr(pdfium, "FPDFAttachment_GetFile", lambda *a: asked.append(a) or real(*a))
    bomb = zlib.compress(bytes(300 * 1024 * 1024), 9)
    data = raw_pdf(_show("See attached"), catalog="/Names << /EmbeddedFiles << /Names [(zeros.bin) "
                   "<< /Type /Filespec /F (zeros.bin) /EF << /F {s0} 0 R >> >>] >> >>",
                   streams=(("/Type /EmbeddedFile /Filter /FlateDecode", bomb),))
    assert len(data) < 1_000_000
    extraction = read(data)
    assert extraction.items == () and codes(extraction) == ["too-large"] and asked == []
    assert read(_with_attachment("a.txt", PASSWORD.encode())).items == (("a.txt", PASSWORD.encode()),)
    assert asked  # an ordinary attachment is still asked for and read
