"""What the Office Open XML readers (docx, xlsx, pptx) share: relationships, properties, and a
safety net for the parts no reader opened.

A package holds many more parts than its reader walks: SmartArt, charts, pivot caches, external
links, data connections, the glossary, customXml, altChunk imports, macros and pictures.  Each
of them can hold the text a person meant to remove, so after the reader is done, every part it
did not open is either known to hold no user text (``_NO_USER_TEXT``), read here generically
(XML: text nodes and data-carrying attributes), handed back as an item for its own extractor
(altChunk .htm/.txt/.docx …), or named in a ``part-not-read`` problem, which makes the file
``partial``: it is never reported clean while something in it went unread.
"""

from __future__ import annotations

import posixpath
import re

from ..model import Location, Problem, Segment
from . import FORMATS, TEXT_SUFFIXES
from .base import Extraction
from .safezip import CHUNK_BYTES, PackageReader, Refused
from .safezip import local_name as _local

__all__ = ["Package"]

_CORE_FIELDS = frozenset({"title", "subject", "keywords", "description", "creator",
                          "lastModifiedBy", "category", "contentStatus"})
_APP_FIELDS = {"Company": "company", "Manager": "manager"}

# Parts that hold no text a person wrote (formatting, ids, printer and view settings, rendered
# thumbnails, fonts, schema references, chart and SmartArt styles), or only a copy of text that
# is read elsewhere (Excel table column names repeat the header cells; person lists and comment
# authors repeat names already in the comments), or digital signatures (digests, certificates:
# a signed 公文 must not turn partial).  Notes and handout masters are PowerPoint masters: their
# placeholders hold prompt text (按一下以編輯母片), which only the pptx reader can tell from a
# real text box, so they are its to read.  Matched against the lower-cased part name.
_NO_USER_TEXT = re.compile(r"""(?x)
    \[content_types\]\.xml
  | (?:.*/)?_rels/[^/]*\.rels
  | docprops/thumbnail\.[a-z]+
  | (?:.*/)?(?:styles|styleswitheffects|fonttable|settings|websettings|numbering|presprops
             |viewprops|tablestyles|calcchain|commentauthors|authors|people|commentsextended
             |commentsids|commentsextensible|metadata|vbadata)\.xml
  | (?:.*/)?theme/[^/]+\.xml
  | (?:.*/)?printersettings/[^/]+
  | (?:.*/)?fonts/[^/]+
  | customxml/itemprops[0-9]*\.xml
  | (?:.*/)?charts/(?:style|colors)[0-9]*\.xml
  | (?:.*/)?diagrams/(?:layout|quickstyle|colors)[0-9]*\.xml
  | xl/persons/[^/]+\.xml
  | xl/tables/table[0-9]*\.xml
  | _xmlsignatures/[^/]+
  | ppt/(?:notesmasters|handoutmasters)/[^/]+\.xml
""")
_XML_SUFFIXES = frozenset({".xml", ".vml"})
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".tif",
                             ".tiff", ".emf", ".wmf", ".emz", ".wmz", ".wdp", ".hdp", ".jxr", ".webp",
                             ".ico", ".pict", ".pct"})
# A picture this small is a logo, seal or icon on a letterhead (typically 5-40 KB); a pasted scan
# or screenshot of a page is 100 KB and up.  Pictures cannot be read, so a larger one makes the
# file partial; below this a letterhead would make every letter partial and the word meaningless.
IMAGE_FREE_BYTES = 64 * 1024
# Attributes that carry data rather than markup: cached values (pivot ``s/@v``), connection
# strings and queries, field and item names, alt text, WordArt and watermark text (VML
# ``textpath/@string``), tooltips and labels.  Ids, rsids, styling ``val``s and numbers are not
# read.  Any other attribute whose value is not plain ASCII is read too: technical values in
# OOXML (ids, enums, colours, numbers) are ASCII by schema, so non-ASCII means a person wrote it.
_DATA_ATTRIBUTES = frozenset({"v", "value", "name", "caption", "string", "connection", "command",
                              "descr", "description", "title", "tooltip", "label", "text", "password"})
# Word's settings hold one kind of typed text, its document variables (w:docVar name and value,
# which templates and macros fill: passwords and case numbers end up there); the rest is flags.
_WORD_SETTINGS = re.compile(r"word/settings\.xml")
_PARAGRAPH = "p"  # DrawingML a:p, WordprocessingML w:p, XHTML p: runs inside are one line
_RUN_CHARS = {"br": "\n", "cr": "\n", "tab": "\t"}
_LISTED = 5  # part names written into a part-not-read problem before "+N more"


class Package(PackageReader):
    """One opened OOXML package: relationships and properties on top of the shared reader.

    Shared by the docx, xlsx and pptx readers.
    """

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """``(id, type, stored target)`` of ``part``'s internal relationships that exist."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        out = []
        for rel in root if root is not None else ():
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            stored = self.zip.find(resolved)
            if stored is not None:
                out.append((rel.get("Id", ""), rel.get("Type", "").rsplit("/", 1)[-1], stored))
        return out

    def main_part(self, fallback: str) -> str | None:
        """The package's officeDocument part, or ``fallback`` when the relationship is missing."""
        main = next((t for _, kind, t in self.rels("") if kind == "officeDocument"), None)
        return main or self.zip.find(fallback)

    def metadata(self) -> None:
        """Title, subject, keywords, comments, author … and custom properties (labels live there)."""
        targets = {kind: target for _, kind, target in self.rels("")}
        core = self.xml(targets.get("core-properties", "docProps/core.xml"))
        for child in core if core is not None else ():
            local = _local(child.tag)
            if local in _CORE_FIELDS and child.text and child.text.strip():
                self.segments.append(Segment(child.text, Location("metadata", name=local)))
        app = self.xml(targets.get("extended-properties", "docProps/app.xml"))
        for child in app if app is not None else ():
            local = _APP_FIELDS.get(_local(child.tag))
            if local and child.text and child.text.strip():
                self.segments.append(Segment(child.text, Location("metadata", name=local)))
        custom = self.xml(targets.get("custom-properties", "docProps/custom.xml"))
        for prop in custom if custom is not None else ():
            text = "".join(prop.itertext()).strip()
            if text:
                self.segments.append(Segment(text, Location("metadata",
                                                             name=f"custom:{prop.get('name', '')}")))

    def finish(self, main_ok: bool, embeddings: str) -> Extraction:
        """The extraction, embedded documents attached; unreadable when the main part was not read."""
        return self.result(main_ok, self.embedded(embeddings))

    def result(self, main_ok: bool, items: tuple[tuple[str, bytes], ...] = ()) -> Extraction:
        """The reader's extraction after the safety net has dealt with every unopened part."""
        if main_ok and not self.exhausted:
            items = (*items, *self.unread_parts())
        return super().result(main_ok, items)

    def unread_parts(self) -> tuple[tuple[str, bytes], ...]:
        """Read what the reader left unopened; returns the parts to scan as items of their own.

        XML parts become one ``package-part`` segment each; parts another extractor reads (an
        altChunk ``.htm``, ``.txt``, ``.docx``) are items; binaries, large pictures and parts of
        unknown kind are named in one ``part-not-read`` problem.
        """
        items: list[tuple[str, bytes]] = []
        not_read: list[str] = []
        seen: set[str] | None = None  # texts already read: a copy of them adds no finding
        for part in self.zip.unopened:
            lower = part.lower()
            suffix = posixpath.splitext(lower)[1]
            if _WORD_SETTINGS.fullmatch(lower):
                self._doc_variables(part)
                continue
            if _NO_USER_TEXT.fullmatch(lower) or self.zip.stored_size(part) == 0:
                continue
            if suffix in _IMAGE_SUFFIXES:
                size = self.zip.stored_size(part)
                if size >= IMAGE_FREE_BYTES:
                    not_read.append(f"{part} ({size // 1024} KB)")
                continue
            if suffix not in _XML_SUFFIXES and (suffix in FORMATS or suffix in TEXT_SUFFIXES):
                try:
                    items.append((part, self.zip.read(part)))
                except Refused as exc:
                    self.fail(exc)
                continue
            if suffix not in _XML_SUFFIXES and not self._looks_like_xml(part):
                not_read.append(part)
                continue
            if seen is None:
                seen = {segment.text.strip() for segment in self.segments}
            self._generic(part, seen)
            if self.exhausted:
                return tuple(items)
        for part in not_read:  # a name is typed too (media/身分證A123456789.png): scan it
            self.segments.append(Segment(part.rsplit(" (", 1)[0], Location("filename", name="part")))
        if not_read:
            more = f", +{len(not_read) - _LISTED} more" if len(not_read) > _LISTED else ""
            self.problems.append(Problem("part-not-read", ", ".join(not_read[:_LISTED]) + more))
        return tuple(items)

    def _doc_variables(self, part: str) -> None:
        """The document variables of Word's settings, as one segment of that part."""
        variables = _DocVariables()
        self.stream(part, variables)
        if variables.lines:
            self.segments.append(Segment("\n".join(variables.lines), Location("package-part", name=part)))

    def _looks_like_xml(self, part: str) -> bool:
        """Whether a part of unknown kind starts like markup (read from its first chunk only)."""
        try:
            head = next(iter(self.zip.chunks(part, CHUNK_BYTES)), b"")
        except Refused as exc:
            self.fail(exc)
            return False
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")

    def _generic(self, part: str, seen: set[str]) -> None:
        """One segment of a part's text nodes and data attributes, lines not read before."""
        text = _PartText()
        self.stream(part, text)  # guarded expat and the byte budget; a failure is recorded
        lines = [line for line in text.lines if line not in seen]
        seen.update(lines)
        if lines:
            self.segments.append(Segment("\n".join(lines), Location("package-part", name=part)))


class _DocVariables:
    """expat handlers keeping every attribute of ``w:docVar`` (its name and value)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag.rsplit(" ", 1)[-1] == "docVar":
            self.lines.extend(value.strip() for value in attrs.values() if value.strip())

    def end(self, tag: str) -> None:
        pass

    def chars(self, data: str) -> None:
        pass


class _PartText:
    """expat handlers gathering the text of an XML part of any schema, one line per text.

    Runs inside a paragraph (any namespace's ``p``) are joined into one line, as the reader of
    that schema would; every other text node and every data attribute is a line of its own.
    Whitespace between elements is indentation, except in a leaf (a run holding a space).
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.line: list[str] = []
        self.pending: list[str] = []
        self.paragraphs = 0
        self.leaf = False

    def chars(self, data: str) -> None:
        self.pending.append(data)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._take(leaf=False)
        self.leaf = True
        local = tag.rsplit(" ", 1)[-1]
        if local == _PARAGRAPH:
            if not self.paragraphs:
                self._flush()
            self.paragraphs += 1
        elif self.paragraphs and local in _RUN_CHARS:
            self.line.append(_RUN_CHARS[local])
        elif not self.paragraphs:
            self._flush()
        if local == "x":  # a pivot record's index into the shared items read with the cache
            return
        for key, value in attrs.items():
            if (key.rsplit(" ", 1)[-1] in _DATA_ATTRIBUTES or not value.isascii()) and value.strip():
                self.lines.append(value.strip())

    def end(self, tag: str) -> None:
        self._take(leaf=self.leaf)
        self.leaf = False
        if tag.rsplit(" ", 1)[-1] == _PARAGRAPH and self.paragraphs:
            self.paragraphs -= 1
        if not self.paragraphs:
            self._flush()

    def _take(self, *, leaf: bool) -> None:
        """Move the characters since the last tag into the line (whitespace only in a leaf)."""
        if self.pending:
            data = "".join(self.pending)
            self.pending.clear()
            if leaf or not data.isspace():
                self.line.append(data)

    def _flush(self) -> None:
        text = "".join(self.line).strip()
        self.line.clear()
        if text:
            self.lines.append(text)
