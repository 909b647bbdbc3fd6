"""PDF: one segment per page from PDFium's text layer, plus document properties and annotations.

Why PDFium (``pypdfium2``) and not pdfminer/pdfplumber: Taiwanese 公文 systems often set text in
a CJK font with a predefined CMap and neither an embedded font nor a ToUnicode map (reportlab's
``MSung-Light`` is one).  pdfminer turns such text into plausible-looking but wrong Han
characters, so 機密 would silently pass as clean; PDFium decodes it, and is far faster.

Text is checked before it is scanned.  A page whose text layer is garbled (replacement or
private-use characters, or text no Chinese writer would produce, see ``garble_reason``) and a
page with content but no text at all (a scan) are reported as not read, never as clean.
"""

from __future__ import annotations

import ctypes
import functools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import Location, Problem, Segment
from .base import Extraction, Limits

__all__ = ["DEFAULT_MAX_PDF_PAGES", "extract_pdf", "garble_reason"]

DEFAULT_MAX_PDF_PAGES = 2000

# Document properties that people type into (Creator/Producer are written by software).
METADATA_KEYS: tuple[tuple[str, str], ...] = (
    ("Title", "title"), ("Subject", "subject"), ("Keywords", "keywords"), ("Author", "author"))

_PDFIUM_LOCK = threading.Lock()
"""Serialises every PDFium call in this process.

PDFium is one C library per process with global state and no locking of its own; pypdfium2
documents that no two PDFium calls may run at the same time, even on different documents, or the
process may crash.  A ``Scanner`` is shared between threads, so the lock cannot live in it (two
scanners would still collide) — it must be as process-wide as the library it guards.  Besides
immutable tables it is the only module-level state in leakscan.  (Other code in the host program
that calls PDFium without this lock is outside leakscan's control.)
"""

# --- garble detection --------------------------------------------------------------------------
# Thresholds are shares of the non-space characters of one text (a page, a property, a note).
# Measured: correctly decoded 公文 text has 0-2 % Han characters outside the common sets below;
# pdfminer's mojibake of the same text has 28-45 %, plus stray compatibility symbols.
_BAD_SHARE = 0.05      # replacement / private-use / control characters (a few 造字 are normal)
_UNUSUAL_SHARE = 0.30  # characters no Traditional-Chinese office text uses in bulk
_RARE_HAN_SHARE = 0.20  # Han characters outside the ~5,400 common Big5 and GB2312 level-1 sets
_MIN_COUNT = 4         # fewer odd characters than this never make a text garbled (names, 造字)

_SPACE = re.compile(r"\s+")
_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's mark for a glyph it could not map
_BAD = re.compile("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_PLAUSIBLE = re.compile(
    "[\x20-\x7e\u00b0\u00b1\u00b7\u00d7\u00f7\u0391-\u03c9"  # ASCII, a few Latin-1 signs, Greek
    "\u2010-\u206f\u2100-\u23ff\u2460-\u27bf"  # punctuation, ℃ Ⅱ → ∑, ① ─ ■ ★
    "\u3000-\u30ff\u3100-\u312f\u31a0-\u31bf\u3200-\u33ff"  # CJK punctuation, kana, 注音, ㈠ ㎡
    "\ufe30-\ufe6f\uff00-\uffef"  # vertical and small forms, full-width forms
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")  # Han


@functools.cache  # an immutable table built on first use (~10 ms), like a compiled pattern
def _common_han() -> frozenset[str]:
    """Big5 level 1 (常用字) and GB2312 level 1: the characters ordinary text is made of."""
    chars: set[str] = set()
    for codec, leads, trails, last in (
        ("cp950", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], 0xC67E),
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF), 0xD7F9),
    ):
        for lead in leads:
            for trail in trails:
                if (lead << 8 | trail) <= last:
                    try:
                        chars.add(bytes((lead, trail)).decode(codec))
                    except UnicodeDecodeError:
                        continue
    return frozenset(chars)


def garble_reason(text: str) -> str | None:
    """Why ``text`` looks mis-decoded (``bad-chars``, ``unusual-chars``, ``rare-han``), or None.

    Cheap and explainable: three shares of the text's non-space characters, each with a floor of
    ``_MIN_COUNT`` so a name written with a rare or self-made (造字) character is not enough.
    """
    text = _CID.sub("\ufffd", text)
    chars = _SPACE.sub("", text)
    if not chars:
        return None
    total = len(chars)
    bad = len(_BAD.findall(chars))
    if bad and bad >= max(1, total * _BAD_SHARE) and (bad >= _MIN_COUNT or bad == total):
        return "bad-chars"
    unusual = total - bad - len(_PLAUSIBLE.findall(chars))
    if unusual >= _MIN_COUNT and unusual > total * _UNUSUAL_SHARE:
        return "unusual-chars"
    han = _HAN.findall(chars)
    common = _common_han()
    rare = sum(ch not in common for ch in han)
    if rare >= _MIN_COUNT and rare > len(han) * _RARE_HAN_SHARE:
        return "rare-han"
    return None


# --- reading with PDFium -----------------------------------------------------------------------
@dataclass
class _Page:
    number: int
    text: str = ""
    has_content: bool = False  # any page object (image, path, text); a blank page has none
    notes: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class _Read:
    page_count: int = 0
    metadata: list[tuple[str, str]] = field(default_factory=list)
    pages: list[_Page] = field(default_factory=list)
    timed_out: bool = False


class _OpenError(Exception):
    """PDFium refused the whole file; ``code`` and ``detail`` become its one problem."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def extract_pdf(data: bytes, name: str, limits: Limits) -> Extraction:
    """Segments of a PDF: properties, then each page's text followed by its annotations.

    Never raises; the PDF is read from memory and nothing is written.  ``limits.max_pdf_pages``
    (default ``DEFAULT_MAX_PDF_PAGES``) caps the pages read; the rest are reported as not read.
    """
    if not data:
        return Extraction.unreadable("empty")
    max_pages = getattr(limits, "max_pdf_pages", DEFAULT_MAX_PDF_PAGES)
    try:
        with _PDFIUM_LOCK:
            read = _read(data, max_pages, limits)
    except _OpenError as exc:
        return Extraction.unreadable(exc.code, exc.detail)
    except Exception as exc:  # a hostile file must not take the caller down
        return Extraction.unreadable("corrupt", type(exc).__name__)
    return _assemble(read, max_pages)


def _read(data: bytes, max_pages: int, limits: Limits) -> _Read:
    """Everything PDFium has to say about the file; called with ``_PDFIUM_LOCK`` held."""
    import pypdfium2 as pdfium  # imported on first PDF, so leakscan imports fast without it
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = exc.err_code
        if code == raw.FPDF_ERR_PASSWORD:
            raise _OpenError("encrypted", "password required") from None
        if code == raw.FPDF_ERR_SECURITY:
            raise _OpenError("encrypted", "unsupported security handler") from None
        if code == raw.FPDF_ERR_SUCCESS:  # parsed, but there is not a single page
            raise _OpenError("empty", "no pages") from None
        raise _OpenError("corrupt", str(exc).removeprefix("Failed to load document ")) from None
    try:
        read = _Read(page_count=len(pdf))
        for key, part_name in METADATA_KEYS:
            value = _utf16(lambda buf, n, k=key: raw.FPDF_GetMetaText(pdf, k.encode(), buf, n))
            read.metadata.append((part_name, value))
        for index in range(min(read.page_count, max_pages)):
            if limits.expired():
                read.timed_out = True
                break
            read.pages.append(_read_page(pdf, index, raw))
        return read
    finally:
        pdf.close()  # closes every page and text page still open, inside the lock


def _read_page(pdf: Any, index: int, raw: Any) -> _Page:
    page_info = _Page(index + 1)
    try:
        page = pdf[index]
    except Exception:
        page_info.failed = True
        return page_info
    try:
        page_info.has_content = raw.FPDFPage_CountObjects(page) > 0
        textpage = page.get_textpage()
        try:
            page_info.text = textpage.get_text_range(errors="replace")
        finally:
            textpage.close()
        for i in range(max(raw.FPDFPage_GetAnnotCount(page), 0)):
            annot = raw.FPDFPage_GetAnnot(page, i)
            if not annot:
                continue
            try:
                note = _utf16(lambda buf, n, a=annot: raw.FPDFAnnot_GetStringValue(
                    a, b"Contents", ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)), n))
            finally:
                raw.FPDFPage_CloseAnnot(annot)
            if note.strip():
                page_info.notes.append(note)
    except Exception:
        page_info.failed = True
    finally:
        page.close()
    return page_info


def _utf16(call: Callable[[Any, int], int]) -> str:
    """A PDFium string getter's value: ask for the length, then fill a buffer (UTF-16LE + NUL)."""
    size = call(None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    call(buffer, size)
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")


# --- turning what was read into an Extraction -------------------------------------------------
def _assemble(read: _Read, max_pages: int) -> Extraction:
    segments: list[Segment] = []
    garbled: dict[str, tuple[list[int], list[str]]] = {}  # reason → (pages, other places)
    garbled_pages: set[int] = set()
    no_text: list[int] = []
    failed: list[int] = []
    text_pages = 0

    def add(text: str, location: Location, where: str = "") -> bool:
        reason = garble_reason(text)
        if reason is not None:
            pages, places = garbled.setdefault(reason, ([], []))
            if where:
                places.append(where)
            else:
                pages.append(location.page or 0)
            return False
        segments.append(Segment(text, location))
        return True

    for key, value in read.metadata:
        if value.strip():
            add(value, Location("metadata", name=key), f"metadata {key}")
    for page in read.pages:
        if page.failed:
            failed.append(page.number)
            continue
        text = page.text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            if add(text, Location("body", page=page.number)):
                text_pages += 1
            else:
                garbled_pages.add(page.number)
        elif page.has_content:
            no_text.append(page.number)
        for note in page.notes:
            add(note, Location("annotation", page=page.number), f"annotation p{page.number}")

    problems: list[Problem] = []
    if garbled:
        problems.append(Problem("garbled", "; ".join(
            f"{_where(*places)}: {reason}" for reason, places in garbled.items())))
    if no_text:
        problems.append(Problem("no-text-layer", _pages(no_text)))
    if failed:
        problems.append(Problem("corrupt", _pages(failed)))
    skipped = max(read.page_count - max_pages, 0)
    if skipped:
        first, last = max_pages + 1, read.page_count
        pages = f"page {first}" if first == last else f"pages {first}-{last}"
        problems.append(Problem("too-many-pages", f"{pages} not read; max_pdf_pages={max_pages}"))
    late = min(read.page_count, max_pages) - len(read.pages) if read.timed_out else 0
    if late:
        first, last = len(read.pages) + 1, len(read.pages) + late
        pages = f"page {first}" if first == last else f"pages {first}-{last}"
        problems.append(Problem("timeout", f"{pages} not read"))
    unread_pages = len(garbled_pages) + len(no_text) + len(failed) + skipped + late
    if unread_pages and not text_pages:
        status = "unreadable"
    elif problems:
        status = "partial"
    else:
        status = "scanned"
    return Extraction(segments=tuple(segments), problems=tuple(problems), status=status)


def _where(pages: list[int], places: list[str]) -> str:
    """``pages 2-4, title``: where garbled text was, page numbers compressed into ranges."""
    return ", ".join(([_pages(pages)] if pages else []) + places)


def _pages(numbers: list[int]) -> str:
    return ("page " if len(set(numbers)) == 1 else "pages ") + _ranges(numbers)


def _ranges(numbers: Iterable[int]) -> str:
    """``[1, 2, 3, 7]`` → ``1-3, 7``: a 2,000-page scan stays a short detail."""
    out: list[str] = []
    start = prev = None
    for n in sorted(set(numbers)):
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            out.append(f"{start}-{prev}" if prev != start else f"{start}")
        start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else f"{start}")
    return ", ".join(out)
