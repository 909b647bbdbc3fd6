"""Word .docx (and .docm, .dotx, .dotm): every place text hides, one segment per paragraph.

The XML parts are read directly, not through python-docx, because what leaks is often what Word
does not show: a withdrawn 底價 survives as a tracked deletion (``w:delText``, which python-docx's
``paragraph.text`` skips), a 密等 sits in a header of the second section, a text box, a comment,
hidden text or the document properties.  Each part is walked in one streaming expat pass, so the
whole document is read faster than python-docx reads the body alone, and a huge part never
becomes a tree in memory.

Visible text excludes deleted and hidden runs; those become their own segments (parts
``tracked-deletion`` and ``hidden``) with the paragraph's location, so a finding says where it
was and a deleted amount is not glued to the text that replaced it.  Inserted runs are visible
text and are not repeated.  Paragraphs styled Title get part ``title``.  A table cell under a
personal-data column header (出生日期, 護照號碼 …) is read as ``label：value`` (:mod:`.tables`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from ..model import Location, Problem, Segment
from .base import Extraction
from .ooxml import Package
from .safezip import local_name as _local
from .safezip import read_package
from .tables import with_headers

__all__ = ["extract_docx"]

_W = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "http://purl.oclc.org/ooxml/wordprocessingml/main")
_M = ("http://schemas.openxmlformats.org/officeDocument/2006/math",
      "http://purl.oclc.org/ooxml/officeDocument/math")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# expat reports "namespace-uri localname"; map the names the walker cares about to short tokens.
_TOKENS: dict[str, str] = {
    **{f"{uri} {local}": local for uri in _W for local in (
        "p", "r", "t", "delText", "tab", "br", "cr", "noBreakHyphen", "tbl", "tr", "tc",
        "txbxContent", "del", "moveFrom", "rPr", "pPr", "vanish", "pStyle", "footnote", "endnote",
        "comment")},
    **{f"{uri} t": "mt" for uri in _M},
    **{f"{_MC} {local}": local for local in ("AlternateContent", "Choice", "Fallback")},
}
# Text a person typed that Word keeps in an attribute: a watermark or WordArt (VML textpath,
# Word 的「設計 > 浮水印」"機密"), a picture's alt text, a hyperlink's tooltip.  Each is a segment.
_ATTRIBUTE_TEXT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "urn:schemas-microsoft-com:vml textpath": ("watermark", "", ("string",)),
    **{f"{uri} docPr": ("alt-text", "", ("descr", "title")) for uri in (
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing")},
    **{f"{uri} hyperlink": ("tooltip", uri, ("tooltip",)) for uri in _W},
}
_VAL = tuple(f"{uri} val" for uri in _W)
_TYPE = tuple(f"{uri} type" for uri in _W)
_SEPARATOR_NOTES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_RUN_CHARS = {"tab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
_OFF = frozenset({"0", "false", "off"})

# Relationship types (their last path component) → the part kind they hold.
_PART_KINDS = {"header": "header", "footer": "footer", "footnotes": "footnote",
               "endnotes": "endnote", "comments": "comment"}
_PART_FILES = re.compile(r"(header|footer)(\d*)\.xml$|(footnotes|endnotes|comments)\.xml$")
_PART_ORDER = ("header", "footer", "footnote", "endnote", "comment")



def extract_docx(data: bytes, name: str, limits: object) -> Extraction:
    """Segments of every text-bearing part of a .docx held in memory; never raises on content."""
    del name  # the format is known; the name is scanned by the caller
    return read_package(data, limits, "Word 97-2003 .doc or other OLE compound file, not a .docx",
                        _DocxReader)




def _natural(name: str) -> tuple[str, int]:
    match = re.search(r"(\d+)\.xml$", name)
    return (re.sub(r"\d+\.xml$", "", name), int(match.group(1)) if match else 0)


class _DocxReader(Package):
    """Reads the parts of one opened package, collecting segments and problems."""

    def read(self) -> Extraction:
        package_rels = self._rels("_rels/.rels", "")
        main = next((t for kind, t in package_rels if kind == "officeDocument"), None)
        main = self.zip.find(main or "") or self.zip.find("word/document.xml")
        if main is None:
            return Extraction.unreadable("corrupt", "no word/document.xml: not a Word document")
        folder = posixpath.dirname(main)
        parts = self._parts(main, folder)
        title_styles = self._title_styles(parts.pop("styles", []))
        main_ok = self._walk(main, "body", None, title_styles)
        for kind in _PART_ORDER:
            for part in parts.get(kind, []):
                self._walk(part, kind, posixpath.basename(part) if kind in ("header", "footer") else None,
                           title_styles)
        self.metadata()
        return self.result(main_ok, self.embedded(f"{folder}/embeddings"))

    def _rels(self, rels_part: str, base: str) -> list[tuple[str, str]]:
        """``(type, target part)`` of internal relationships, targets resolved against ``base``."""
        root = self.xml(rels_part)
        if root is None:
            return []
        out = []
        for rel in root:
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(base, target))
            out.append((rel.get("Type", "").rsplit("/", 1)[-1], resolved))
        return out

    def _parts(self, main: str, folder: str) -> dict[str, list[str]]:
        """Headers, footers, notes, comments and styles: from the relationships, plus any part
        of those names that nothing refers to (an orphaned header still holds text)."""
        found: dict[str, set[str]] = {}
        rels = f"{folder}/_rels/{posixpath.basename(main)}.rels" if folder else \
            f"_rels/{main}.rels"
        for kind, target in self._rels(rels, folder):
            stored = self.zip.find(target)
            if stored is None:
                continue
            if kind == "styles":
                found.setdefault("styles", set()).add(stored)
            elif kind in _PART_KINDS:
                found.setdefault(_PART_KINDS[kind], set()).add(stored)
        prefix = f"{folder}/".lower() if folder else ""
        for stored in self.zip.names:
            lower = stored.lower()
            if not lower.startswith(prefix) or "/" in lower[len(prefix):]:
                continue
            match = _PART_FILES.fullmatch(lower[len(prefix):])
            if match:
                kind = match.group(1) or _PART_KINDS[match.group(3)]
                found.setdefault(kind, set()).add(stored)
        return {kind: sorted(names, key=_natural) for kind, names in found.items()}

    def _title_styles(self, styles: list[str]) -> frozenset[str]:
        """Style ids named Title (Word localises the id, e.g. ``a3``, but not the name)."""
        ids = {"Title"}
        for part in styles:
            root = self.xml(part)
            for style in root if root is not None else ():
                style_id = next((v for k, v in style.attrib.items() if _local(k) == "styleId"), None)
                for child in style:
                    if _local(child.tag) == "name" and style_id and any(
                            v.lower() == "title" for k, v in child.attrib.items() if _local(k) == "val"):
                        ids.add(style_id)
        return frozenset(ids)

    def _walk(self, part: str, kind: str, name: str | None, title_styles: frozenset[str]) -> bool:
        """Stream one part through the walker; False when it could not be read to the end."""
        if self.exhausted:
            return False
        walker = _Walker(kind, name, title_styles)
        read_to_end = self.stream(part, walker)
        root = (walker.root or "").rsplit(" ", 1)[-1]
        if kind == "body" and root and root != "document":  # a presentation or workbook named .docx
            self.problems.append(Problem("corrupt", f"{part} is <{root}>, not a Word document"))
            return False
        # what was read before a failure is real text too; a roster's values get their header
        self.segments.extend(with_headers(walker.segments))
        return read_to_end


@dataclass(slots=True)
class _Paragraph:
    """Text of one open paragraph, split by how Word shows it."""

    location: Location
    style: str | None = None
    visible: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    last: str = "visible"

    def add(self, kind: str, text: str) -> None:
        buf = self.visible if kind == "visible" else self.deleted if kind == "deleted" else self.hidden
        if buf and self.last != kind and kind != "visible":
            buf.append("\n")  # two deletions with visible text between them are not one phrase
        buf.append(text)
        self.last = kind


class _Walker:
    """expat handlers for one WordprocessingML part; state is kept in counters and stacks.

    Locations: body paragraphs are numbered outside tables and text boxes; table paragraphs by
    table (in document order, nested ones too), row, cell and paragraph in the cell; text-box
    paragraphs in their own sequence; headers and footers carry their part file in ``name``;
    notes and comments carry their number in ``name`` and the paragraph within the note.
    """

    def __init__(self, part: str, name: str | None, title_styles: frozenset[str]) -> None:
        self.part = part
        self.name = name
        self.title_styles = title_styles
        self.segments: list[Segment] = []
        self.stack: list[str | None] = []
        self.paragraphs: list[_Paragraph] = []
        self.tables: list[list[int]] = []  # [table number, row, col, paragraph in cell]
        self.table_count = 0
        self.paragraph_count = 0  # paragraphs outside tables and text boxes (per note in notes)
        self.note_count = 0  # real notes or comments so far, not separators
        self.textbox_count = 0  # paragraphs inside text boxes
        self.textbox_depth = 0
        self.deleted_depth = 0
        self.runs: list[bool] = []  # per open run: is it hidden
        self.choices: list[bool] = []  # per open mc:AlternateContent: was a Choice read
        self.skip = 0  # depth inside an mc:Fallback that repeats its Choice
        self.capture: list[str] | None = None
        self.root: str | None = None  # the part's root element, to tell a Word body from others

    def chars(self, data: str) -> None:
        if self.capture is not None:
            self.capture.append(data)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
        if self.skip:
            self.skip += 1
            return
        token = _TOKENS.get(tag)
        if token == "Fallback" and self.choices and self.choices[-1]:
            self.skip = 1
            return
        if tag in _ATTRIBUTE_TEXT:
            self._attribute_text(tag, attrs)
        self.stack.append(token)
        if token is None:
            return
        if token in ("t", "delText", "mt"):
            self.capture = []
        elif token == "r":
            self.runs.append(False)
        elif token == "p":
            self._open_paragraph()
        elif token in _RUN_CHARS:
            if len(self.stack) > 1 and self.stack[-2] == "r":
                self._add(_RUN_CHARS[token], self.deleted_depth > 0)
        elif token == "vanish":
            if (len(self.stack) > 2 and self.stack[-2] == "rPr" and self.stack[-3] == "r"
                    and self.runs and next((attrs[k] for k in _VAL if k in attrs), "1") not in _OFF):
                self.runs[-1] = True
        elif token in ("del", "moveFrom"):
            self.deleted_depth += 1
        elif token == "pStyle":
            if self.paragraphs and len(self.stack) > 1 and self.stack[-2] == "pPr":
                self.paragraphs[-1].style = next((attrs[k] for k in _VAL if k in attrs), None)
        elif token == "tbl":
            self.table_count += 1
            self.tables.append([self.table_count, 0, 0, 0])
        elif token == "tr":
            if self.tables:
                self.tables[-1][1] += 1
                self.tables[-1][2] = 0
        elif token == "tc":
            if self.tables:
                self.tables[-1][2] += 1
                self.tables[-1][3] = 0
        elif token == "txbxContent":
            self.textbox_depth += 1
        elif token == "AlternateContent":
            self.choices.append(False)
        elif token == self.part:  # a footnote, endnote or comment: number them as Word shows them
            if next((attrs[k] for k in _TYPE if k in attrs), "normal") not in _SEPARATOR_NOTES:
                self.note_count += 1
                self.name = str(self.note_count)
            self.paragraph_count = 0
        elif token == "Choice" and self.choices:
            self.choices[-1] = True

    def end(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        token = self.stack.pop()
        if token is None:
            return
        if token in ("t", "delText", "mt"):
            if self.capture:
                self._add("".join(self.capture), token == "delText" or self.deleted_depth > 0)
            self.capture = None
        elif token == "r":
            self.runs.pop()
        elif token == "p":
            self._close_paragraph()
        elif token in ("del", "moveFrom"):
            self.deleted_depth -= 1
        elif token == "tbl":
            self.tables.pop()
        elif token == "txbxContent":
            self.textbox_depth -= 1
        elif token == "AlternateContent":
            self.choices.pop()

    def _attribute_text(self, tag: str, attrs: dict[str, str]) -> None:
        """A watermark, alt text or tooltip: in a header or footer it stays there (a watermark
        "機密" is the header's level); elsewhere it is an ``attribute`` named by its kind."""
        kind, uri, names = _ATTRIBUTE_TEXT[tag]
        for name in names:
            value = attrs.get(f"{uri} {name}" if uri else name, "")
            if value.strip():
                location = (Location(self.part, name=self.name) if self.part in ("header", "footer")
                            else Location("attribute", name=kind))
                self.segments.append(Segment(value, location))

    def _add(self, text: str, deleted: bool) -> None:
        if not self.paragraphs:
            return
        kind = "deleted" if deleted else "hidden" if self.runs and self.runs[-1] else "visible"
        self.paragraphs[-1].add(kind, text)

    def _open_paragraph(self) -> None:
        if self.textbox_depth:
            self.textbox_count += 1
            location = Location("textbox", paragraph=self.textbox_count, name=self.name)
        elif self.tables:
            cell = self.tables[-1]
            cell[3] += 1
            location = Location("table" if self.part == "body" else self.part, table=cell[0],
                                row=cell[1], col=cell[2], paragraph=cell[3], name=self.name)
        else:
            self.paragraph_count += 1
            location = Location(self.part, paragraph=self.paragraph_count, name=self.name)
        self.paragraphs.append(_Paragraph(location))

    def _close_paragraph(self) -> None:
        paragraph = self.paragraphs.pop()
        location = paragraph.location
        if location.part == "body" and paragraph.style in self.title_styles:
            location = replace(location, part="title")
        for kind, parts in (("visible", paragraph.visible), ("tracked-deletion", paragraph.deleted),
                            ("hidden", paragraph.hidden)):
            if not parts:
                continue
            text = "".join(parts)
            if text.strip():
                self.segments.append(Segment(text, location if kind == "visible"
                                             else replace(location, part=kind)))
