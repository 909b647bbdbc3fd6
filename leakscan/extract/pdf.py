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
from .pdfmeta import embedded_file_over, info_key_candidates, xmp_properties

__all__ = ["DEFAULT_MAX_PDF_PAGES", "extract_pdf", "garble_reason"]

DEFAULT_MAX_PDF_PAGES = 2000

# The standard document properties people type into, read first and named in lower case.  Every
# other string in the info dictionary (Creator, custom keys such as /Classification) is read too,
# under its own name, except the dates and flags below.
METADATA_KEYS: tuple[tuple[str, str], ...] = (
    ("Title", "title"), ("Subject", "subject"), ("Keywords", "keywords"), ("Author", "author"))
_MACHINE_INFO_KEYS = frozenset(("CreationDate", "ModDate", "Trapped"))

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
# A page whose images cover at least this share of it and whose text is shorter than this is a
# scan with a page number or print stamp on it: its body is a picture, so it is not read.
_IMAGE_PAGE_SHARE = 0.5
_IMAGE_PAGE_TEXT = 40
_MAX_BOOKMARKS = 100_000
_MAX_FORM_NESTING = 8


@dataclass
class _Page:
    number: int
    text: str = ""
    has_content: bool = False  # any page object (image, path, text); a blank page has none
    image_share: float = 0.0  # of the page area under images; measured only when text is short
    notes: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)  # (field name, "label：value")
    appearance: list[int] = field(default_factory=list)  # annotations whose drawn text is read
    appearance_text: str = ""
    appearance_failed: bool = False
    failed: bool = False


@dataclass
class _Read:
    page_count: int = 0
    metadata: list[tuple[str, str]] = field(default_factory=list)
    outline: str = ""
    pages: list[_Page] = field(default_factory=list)
    items: list[tuple[str, bytes]] = field(default_factory=list)
    unread_names: list[str] = field(default_factory=list)  # attachments not read: their names
    problems: list[Problem] = field(default_factory=list)
    timed_out: bool = False


class _OpenError(Exception):
    """PDFium refused the whole file; ``code`` and ``detail`` become its one problem."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def extract_pdf(data: bytes, name: str, limits: Limits) -> Extraction:
    """Segments of a PDF: properties, bookmarks, then each page's text, form fields and
    annotations; attached files become items.

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
        read.metadata = _metadata(pdf, data, raw, read.problems)
        read.outline = _outline(pdf, raw)
        form = _form_handle(pdf, raw, read.problems)
        attachments = _Attachments(limits, data)
        for index in range(raw.FPDFDoc_GetAttachmentCount(pdf)):
            attachments.add(raw, raw.FPDFDoc_GetAttachment(pdf, index), "")
        seen_fields: set[tuple[str, str]] = set()
        for index in range(min(read.page_count, max_pages)):
            if limits.expired():
                read.timed_out = True
                break
            read.pages.append(_read_page(pdf, index, raw, form, attachments, seen_fields))
        _read_appearances(pdf, read.pages, raw)  # last: it edits the pages in memory
        read.items = attachments.items
        read.unread_names = attachments.unread_names
        read.problems.extend(attachments.problems())
        return read
    finally:
        pdf.close()  # closes every page and text page still open, inside the lock


def _metadata(pdf: Any, data: bytes, raw: Any, problems: list[Problem]) -> list[tuple[str, str]]:
    """Every document-info string (custom keys too) and every XMP property not already there."""
    known = {key for key, _ in METADATA_KEYS}
    candidates, failures = info_key_candidates(data)
    keys = [*METADATA_KEYS, *((key, key) for key in sorted(candidates - known)
                              if key not in _MACHINE_INFO_KEYS)]
    found: list[tuple[str, str]] = []
    for key, part_name in keys:
        try:
            tag = key.encode("latin-1")
        except UnicodeEncodeError:
            continue
        value = _utf16(lambda buf, n, t=tag: raw.FPDF_GetMetaText(pdf, t, buf, n))
        if value.strip():
            found.append((part_name, value))
    values = {value.strip() for _, value in found}
    properties, xmp_failures = xmp_properties(data)
    failures += xmp_failures
    for name, value in properties:
        if value.strip() not in values:  # dc:title repeats /Title: one finding, not two
            values.add(value.strip())
            found.append((f"xmp {name}", value))
    if failures:
        problems.append(Problem("metadata-not-read", "; ".join(dict.fromkeys(failures))))
    return found


def _outline(pdf: Any, raw: Any) -> str:
    """Bookmark titles in document order, one per line (a cycle or a huge tree cannot stall)."""
    titles: list[str] = []
    seen: set[int | None] = set()
    stack = [raw.FPDFBookmark_GetFirstChild(pdf, None)]
    while stack and len(titles) < _MAX_BOOKMARKS:
        bookmark = stack.pop()
        address = ctypes.cast(bookmark, ctypes.c_void_p).value
        if not address or address in seen:
            continue
        seen.add(address)
        titles.append(_utf16(lambda buf, n, b=bookmark: raw.FPDFBookmark_GetTitle(b, buf, n)))
        stack.append(raw.FPDFBookmark_GetNextSibling(pdf, bookmark))
        stack.append(raw.FPDFBookmark_GetFirstChild(pdf, bookmark))
    return "\n".join(title for title in titles if title.strip())


def _form_handle(pdf: Any, raw: Any, problems: list[Problem]) -> Any:
    """PDFium's form handle when the file has an AcroForm (field values need it), else None."""
    kind = raw.FPDF_GetFormType(pdf)
    if kind == raw.FORMTYPE_XFA_FULL:  # this PDFium has no XFA: the form's content is not read
        problems.append(Problem("xfa-form", "XFA form data not read"))
    if kind == raw.FORMTYPE_NONE:
        return None
    pdf.init_forms()
    return pdf.formenv.raw


class _Attachments:
    """Attached files as items, within the byte and count limits zip members have."""

    def __init__(self, limits: Limits, data: bytes) -> None:
        self.items: list[tuple[str, bytes]] = []
        self.bytes_left = getattr(limits, "max_uncompressed_bytes", 200 * 1024 * 1024)
        # PDFium inflates a whole attachment to tell its size: a file holding one larger than the
        # limit (a bomb) has none of its attachments asked for, and all that PDFium inflates for
        # size questions (one stream named by 50 annotations) is counted against twice the limit.
        self.refused = embedded_file_over(data, self.bytes_left)
        self.inflate_left = 2 * self.bytes_left
        self.max_items = getattr(limits, "max_entries", 10_000)
        self.unread: list[str] = []
        self.too_large: list[str] = []
        self.unread_names: list[str] = []  # names of attachments not read, scanned as filenames
        self.names: set[str] = set()

    def add(self, raw: Any, attachment: Any, where: str) -> None:
        if not attachment:
            self.unread.append(where or "attachment")
            return
        name = _utf16(lambda buf, n: raw.FPDFAttachment_GetName(attachment, _wide(buf), n))
        shown = f"{where} {name}".strip()
        if self.refused or self.inflate_left <= 0:
            self._not_read(self.too_large, shown, name)
            return
        size = ctypes.c_ulong(0)
        if not raw.FPDFAttachment_GetFile(attachment, None, 0, ctypes.byref(size)):
            self._not_read(self.unread, shown, name)
            return
        self.inflate_left -= size.value
        if len(self.items) >= self.max_items or size.value > self.bytes_left:
            self._not_read(self.too_large, shown, name)
            return
        buffer = ctypes.create_string_buffer(max(size.value, 1))
        if not raw.FPDFAttachment_GetFile(attachment, buffer, size.value, ctypes.byref(size)):
            self._not_read(self.unread, shown, name)
            return
        self.bytes_left -= size.value
        self.items.append((self._unique(name or f"attachment-{len(self.items) + 1}.bin"),
                           buffer.raw[: size.value]))

    def _not_read(self, where: list[str], shown: str, name: str) -> None:
        """Record an attachment not read once (50 annotations may name one file)."""
        if (shown or "attachment") not in where:
            where.append(shown or "attachment")
        if name.strip() and name not in self.unread_names:
            self.unread_names.append(name)

    def _unique(self, name: str) -> str:
        """Two attachments may share a name; each item needs its own (``a~2.xlsx``)."""
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidate, n = name, 1
        while candidate in self.names:
            n += 1
            candidate = f"{stem}~{n}{dot}{suffix}"
        self.names.add(candidate)
        return candidate

    def problems(self) -> list[Problem]:
        out = []
        if self.unread:
            out.append(Problem("attachment-not-read", ", ".join(self.unread)))
        if self.too_large:
            out.append(Problem("too-large", "attachments not read: " + ", ".join(self.too_large)))
        return out


def _read_page(pdf: Any, index: int, raw: Any, form: Any, attachments: _Attachments,
               seen_fields: set[tuple[str, str]]) -> _Page:
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
        if page_info.has_content and len(_SPACE.sub("", page_info.text)) < _IMAGE_PAGE_TEXT:
            page_info.image_share = _image_share(page, raw)
        for i in range(max(raw.FPDFPage_GetAnnotCount(page), 0)):
            annot = raw.FPDFPage_GetAnnot(page, i)
            if not annot:
                continue
            try:
                _read_annotation(raw, annot, i, page_info, form, attachments, seen_fields)
            finally:
                raw.FPDFPage_CloseAnnot(annot)
    except Exception:
        page_info.failed = True
    finally:
        page.close()
    return page_info


# Annotations whose appearance is an icon or a mark over page text, never text of their own.
_NO_TEXT_APPEARANCE = frozenset(("FPDF_ANNOT_LINK", "FPDF_ANNOT_POPUP", "FPDF_ANNOT_TEXT",
                                 "FPDF_ANNOT_HIGHLIGHT", "FPDF_ANNOT_UNDERLINE", "FPDF_ANNOT_SQUIGGLY",
                                 "FPDF_ANNOT_STRIKEOUT", "FPDF_ANNOT_INK", "FPDF_ANNOT_CARET",
                                 "FPDF_ANNOT_FILEATTACHMENT", "FPDF_ANNOT_SOUND"))


def _read_annotation(raw: Any, annot: Any, index: int, page_info: _Page, form: Any,
                     attachments: _Attachments, seen_fields: set[tuple[str, str]]) -> None:
    """An annotation's note, form-field value or attached file; if its text is only in its
    appearance stream (a stamp, a FreeText box without /Contents), mark it for the second pass."""
    note = _utf16(lambda buf, n: raw.FPDFAnnot_GetStringValue(annot, b"Contents", _wide(buf), n))
    if note.strip():
        page_info.notes.append(note)
    subtype = raw.FPDFAnnot_GetSubtype(annot)
    shows_text = not any(subtype == getattr(raw, name) for name in _NO_TEXT_APPEARANCE)
    if subtype == raw.FPDF_ANNOT_WIDGET:
        value, shows_text = _field(raw, form, annot)
        if value is not None and value not in seen_fields:  # a field's widgets share its value
            seen_fields.add(value)
            page_info.fields.append(value)
    elif subtype == raw.FPDF_ANNOT_FILEATTACHMENT:
        attachments.add(raw, raw.FPDFAnnot_GetFileAttachment(annot), f"p{page_info.number}")
    # A stamp or text box draws what it likes, whatever its /Contents says ("Approved" over a
    # drawn password): its appearance is read too; lines equal to its notes are dropped later.
    drawn = subtype in (raw.FPDF_ANNOT_STAMP, raw.FPDF_ANNOT_FREETEXT)
    if shows_text and (drawn or not note.strip()) and _utf16(lambda buf, n: raw.FPDFAnnot_GetAP(
            annot, raw.FPDF_ANNOT_APPEARANCEMODE_NORMAL, _wide(buf), n)).strip():
        page_info.appearance.append(index)


def _field(raw: Any, form: Any, annot: Any) -> tuple[tuple[str, str] | None, bool]:
    """``(field name, "label：value")`` of a text or choice field (None if empty or another kind),
    and whether its appearance should be read instead (a text field with no value)."""
    def text(getter: Any) -> str:
        if form is None:
            return ""
        return _utf16(lambda buf, n: getter(form, annot, _wide(buf), n))

    kind = raw.FPDFAnnot_GetFormFieldType(form, annot) if form is not None else -1
    if kind not in (-1, raw.FPDF_FORMFIELD_TEXTFIELD, raw.FPDF_FORMFIELD_COMBOBOX,
                    raw.FPDF_FORMFIELD_LISTBOX):
        return None, False  # check boxes, radio and push buttons, signatures
    if form is None:  # a widget outside any AcroForm: its own /V and /T
        value = _utf16(lambda buf, n: raw.FPDFAnnot_GetStringValue(annot, b"V", _wide(buf), n))
        name = _utf16(lambda buf, n: raw.FPDFAnnot_GetStringValue(annot, b"T", _wide(buf), n))
        label = name
    else:
        value = text(raw.FPDFAnnot_GetFormFieldValue)
        name = text(raw.FPDFAnnot_GetFormFieldName)
        label = text(raw.FPDFAnnot_GetFormFieldAlternateName) or name
    if not value.strip():
        return None, True
    return (name, f"{label}：{value}" if label.strip() else value), False


def _image_share(page: Any, raw: Any) -> float:
    """The share of the (crop box) page area under images, directly or inside form XObjects."""
    left, bottom, right, top = page.get_cropbox()
    area = (right - left) * (top - bottom)
    if area <= 0:
        return 0.0
    covered = 0.0
    corners = [ctypes.c_float() for _ in range(4)]
    for i in range(raw.FPDFPage_CountObjects(page)):
        obj = raw.FPDFPage_GetObject(page, i)
        if not _holds_image(raw, obj, 0) or not raw.FPDFPageObj_GetBounds(
                obj, *(ctypes.byref(c) for c in corners)):
            continue
        x0, y0, x1, y1 = (c.value for c in corners)
        width = min(x1, right) - max(x0, left)
        height = min(y1, top) - max(y0, bottom)
        if width > 0 and height > 0:
            covered += width * height  # overlaps count twice; the share is capped below
    return min(covered / area, 1.0)


def _holds_image(raw: Any, obj: Any, depth: int) -> bool:
    kind = raw.FPDFPageObj_GetType(obj)
    if kind == raw.FPDF_PAGEOBJ_IMAGE:
        return True
    if kind != raw.FPDF_PAGEOBJ_FORM or depth >= _MAX_FORM_NESTING:
        return False
    return any(_holds_image(raw, raw.FPDFFormObj_GetObject(obj, i), depth + 1)
               for i in range(raw.FPDFFormObj_CountObjects(obj)))


def _read_appearances(pdf: Any, pages: list[_Page], raw: Any) -> None:
    """The drawn text of annotations marked by the first pass, by PDFium's own rendering model.

    PDFium has no call for an appearance stream's text, but it can flatten annotations into
    their page.  So, after every page was read: empty the page, drop the other annotations,
    flatten, reload, and take the page's text — which is then the appearances' text only.  The
    document lives in memory and is closed right after; nothing is saved.
    """
    for info in pages:
        if not info.appearance or info.failed:
            continue
        try:
            page = pdf[info.number - 1]
            try:
                keep = set(info.appearance)
                for i in reversed(range(raw.FPDFPage_GetAnnotCount(page))):
                    if i not in keep:
                        raw.FPDFPage_RemoveAnnot(page, i)
                for i in reversed(range(raw.FPDFPage_CountObjects(page))):
                    obj = raw.FPDFPage_GetObject(page, i)
                    if raw.FPDFPage_RemoveObject(page, obj):
                        raw.FPDFPageObj_Destroy(obj)
                flattened = (raw.FPDFPage_GenerateContent(page)
                             and raw.FPDFPage_Flatten(page, raw.FLAT_NORMALDISPLAY) != raw.FLATTEN_FAIL)
            finally:
                page.close()
            if not flattened:
                info.appearance_failed = True
                continue
            page = pdf[info.number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    info.appearance_text = textpage.get_text_range(errors="replace")
                finally:
                    textpage.close()
            finally:
                page.close()
        except Exception:
            info.appearance_failed = True


def _wide(buffer: Any) -> Any:
    """A byte buffer (or None) as the ``FPDF_WCHAR*`` some PDFium getters are typed with."""
    import pypdfium2.raw as raw

    return ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR))


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

    for name in read.unread_names:  # an attachment not read still has a name someone typed
        add(name, Location("filename", name="attachment"), "attachment name")
    for key, value in read.metadata:
        if value.strip():
            add(value, Location("metadata", name=key), f"metadata {key}")
    if read.outline:
        add(read.outline, Location("outline"), "bookmarks")
    image_pages: list[int] = []
    unread_appearance: list[int] = []
    for page in read.pages:
        if page.failed:
            failed.append(page.number)
            continue
        text = page.text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            if not add(text, Location("body", page=page.number)):
                garbled_pages.add(page.number)
            elif page.image_share >= _IMAGE_PAGE_SHARE:  # a scan with a page number on it
                image_pages.append(page.number)
            else:
                text_pages += 1
        elif page.has_content:
            no_text.append(page.number)
        for name, value in page.fields:
            add(value, Location("form", page=page.number, name=name), f"form field p{page.number}")
        for note in page.notes:
            add(note, Location("annotation", page=page.number), f"annotation p{page.number}")
        notes = {" ".join(note.split()) for note in page.notes}
        drawn = "\n".join(line for line in page.appearance_text.splitlines()
                          if " ".join(line.split()) not in notes)  # a note drawn as it is: once
        if drawn.strip():
            add(drawn, Location("annotation", page=page.number, name="appearance"),
                f"annotation appearance p{page.number}")
        if page.appearance_failed:
            unread_appearance.append(page.number)

    problems: list[Problem] = list(read.problems)
    if garbled:
        problems.append(Problem("garbled", "; ".join(
            f"{_where(*places)}: {reason}" for reason, places in garbled.items())))
    if no_text:
        problems.append(Problem("no-text-layer", _pages(no_text)))
    if image_pages:
        problems.append(Problem("image-page", _pages(image_pages)))
    if unread_appearance:
        problems.append(Problem("annotation-not-read", "appearance on " + _pages(unread_appearance)))
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
    unread_pages = len(garbled_pages) + len(no_text) + len(image_pages) + len(failed) + skipped + late
    if unread_pages and not text_pages:
        status = "unreadable"
    elif problems:
        status = "partial"
    else:
        status = "scanned"
    return Extraction(segments=tuple(segments), problems=tuple(problems), status=status,
                      items=tuple(read.items))


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
