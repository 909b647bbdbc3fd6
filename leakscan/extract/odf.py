"""OpenDocument .odt, .ods, .odp (the government's mandated format): every place text hides.

The parts are read directly with the safe-zip reader and a DTD-refusing expat pass, not with
odfpy: odfpy inflates every entry with no shared byte budget and builds a DOM of the whole
document (slow and memory-hungry on a large sheet), and its text helpers skip exactly what leaks:
headers, annotations, tracked deletions.  A streaming walk keeps locations as it goes.

- ``content.xml``: body paragraphs (``body``, numbered; heading level 1 and paragraphs styled
  Title are ``title``), tables (``table`` with table/row/col/paragraph; in .ods ``sheet`` and
  ``cell`` such as ``B3``, plus each sheet's name as ``sheet-name``; a cell under a personal-data
  column header is read as ``label：value``, see :mod:`.tables`), text boxes and shapes
  (``textbox``), foot- and endnotes, annotations (``comment``, numbered in ``name``), tracked
  deletions (``tracked-deletion``, at the paragraph that shows the change mark; their text is not
  part of the visible paragraph), .odp slides (``slide``=N, the title placeholder as ``title``,
  speaker notes as ``notes``, the footer declarations as ``footer``/``header``).
- ``styles.xml``: headers and footers live in the master pages (``name`` = master page); on
  .odp master slides a free text box (a 機密 on every slide) is a ``header``.
- ``meta.xml``: title, subject, keywords, description, initial-creator, creator and user-defined
  fields (``custom:<name>``) as ``metadata``.
- Embedded ODF objects (``Object 1/content.xml``: charts, formulas, embedded documents) are in the
  same archive and budget, so they are walked here as segments with ``name`` = the object folder;
  embedded OLE objects (binary, e.g. a Word file inside a Writer file) are handed over as items.

A package whose manifest carries ``manifest:encryption-data`` is password-protected: its XML is
ciphertext, so it is reported ``encrypted`` rather than as damaged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import Location, Problem, Segment
from .base import Extraction
from .safezip import PackageReader, Refused, read_package
from .safezip import local_name as _local
from .tables import with_headers

__all__ = ["extract_odf"]

_NS = {
    "urn:oasis:names:tc:opendocument:xmlns:office:1.0": "office",
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0": "text",
    "urn:oasis:names:tc:opendocument:xmlns:table:1.0": "table",
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0": "draw",
    "urn:oasis:names:tc:opendocument:xmlns:style:1.0": "style",
    "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0": "presentation",
    "urn:oasis:names:tc:opendocument:xmlns:meta:1.0": "meta",
    "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0": "manifest",
    "http://openoffice.org/2009/office": "officeooo",
    "http://www.w3.org/XML/1998/namespace": "xml",
    "http://purl.org/dc/elements/1.1/": "dc",
}
_MODES = {"office:text": "text", "office:spreadsheet": "spreadsheet",
          "office:presentation": "presentation", "office:drawing": "drawing", "office:chart": "text"}
_HEADERS = {f"style:{kind}{variant}": kind for kind in ("header", "footer")
            for variant in ("", "-left", "-first")}
# Elements whose text is not document text (the note's number, comment and change authors).
_SKIP = frozenset({"text:note-citation", "office:change-info", "svg:title", "svg:desc", "dc:creator",
                   "dc:date", "meta:date-string", "text:insertion", "text:format-change", "office:forms",
                   "office:scripts"})
# Fields whose text lives in an attribute: hidden text, both branches of conditional text, user
# fields and variables (a template's 承辦人 ID or a password set once and shown nowhere).
_FIELD_TEXT = {"text:hidden-text": ("text:string-value",),
               "text:conditional-text": ("text:string-value-if-true", "text:string-value-if-false"),
               "text:user-field-decl": ("office:string-value",),
               "text:variable-set": ("office:string-value",), "text:user-defined": ("office:string-value",)}
_META = {"title": "title", "subject": "subject", "keyword": "keywords", "description": "description",
         "initial-creator": "initial-creator", "creator": "creator"}
_OLE = "application/vnd.sun.star.oleobject"
_MAX_SPACES = 1000  # text:s c="…": a count is markup, not a reason to allocate


def extract_odf(data: bytes, name: str, limits: object) -> Extraction:
    """Segments of every text-bearing part of an .odt/.ods/.odp in memory; never raises on content."""
    del name  # the format is known from the content; the name is scanned by the caller
    return read_package(data, limits, "OLE compound file (legacy Office binary), not OpenDocument",
                        _OdfReader)


def _column(number: int) -> str:
    """Spreadsheet column letters: 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _natural(name: str) -> tuple[int, str]:
    match = re.search(r"(\d+)", name)
    return (int(match.group(1)) if match else 0, name)


class _OdfReader(PackageReader):
    """Reads the parts of one opened package, collecting segments and problems."""

    def read(self) -> Extraction:
        manifest = self.xml("META-INF/manifest.xml")
        entries = [] if manifest is None else [
            {_local(k): v for k, v in entry.attrib.items()} | {"encrypted": any(
                _local(child.tag) == "encryption-data" for child in entry)}
            for entry in manifest if _local(entry.tag) == "file-entry"]
        if any(entry["encrypted"] for entry in entries):
            return Extraction.unreadable("encrypted", "password-protected OpenDocument file")
        content = self.zip.find("content.xml")
        if content is None:
            return Extraction.unreadable("corrupt", "no content.xml: not an OpenDocument file")
        title_styles: set[str] = {"Title"}
        header_segments = self._walk("styles.xml", "styles", None, title_styles)[1]
        main_ok, body = self._walk(content, "content", None, title_styles)
        self.segments.extend(body)
        self.segments.extend(header_segments)
        self._metadata()
        for folder in self._objects():
            self.segments.extend(self._walk(f"{folder}/content.xml", "content", folder, {"Title"})[1])
        items = self._ole_items(entries)
        return self.result(main_ok, items)

    def _walk(self, part: str, kind: str, obj: str | None,
              title_styles: set[str]) -> tuple[bool, list[Segment]]:
        """Stream one part through the walker: (read to the end, segments read)."""
        found = self.zip.find(part)
        if found is None:
            return kind == "styles", []  # styles.xml is optional; content.xml was checked
        if self.exhausted:
            return False, []
        walker = _Walker(kind, obj, title_styles)
        read_to_end = self.stream(found, walker)
        if kind == "content" and walker.root not in (None, "office:document-content"):
            self.problems.append(Problem("corrupt", f"{found} is <{walker.root}>, not document content"))
            return False, []
        return read_to_end, walker.finish()  # what was read before a failure is real text too

    def _metadata(self) -> None:
        root = self.xml("meta.xml")
        for meta in root if root is not None else ():
            for child in meta:
                local = _local(child.tag)
                text = "".join(child.itertext())
                if not text.strip():
                    continue
                if local == "user-defined":
                    label = next((v for k, v in child.attrib.items() if _local(k) == "name"), "")
                    self.segments.append(Segment(text, Location("metadata", name=f"custom:{label}")))
                elif local in _META:
                    self.segments.append(Segment(text, Location("metadata", name=_META[local])))

    def _objects(self) -> list[str]:
        """Folders of embedded ODF objects (``Object 1``), each with its own content.xml."""
        folders = {name[: -len("/content.xml")] for name in self.zip.names
                   if name.lower().endswith("/content.xml")}
        return sorted(folders, key=_natural)

    def _ole_items(self, entries: list[dict[str, Any]]) -> tuple[tuple[str, bytes], ...]:
        """Embedded OLE objects, handed to the caller to scan as items of their own."""
        items: list[tuple[str, bytes]] = []
        for entry in entries:
            path = entry.get("full-path", "")
            stored = self.zip.find(path) if entry.get("media-type") == _OLE else None
            if stored is None or self.exhausted:
                continue
            try:
                items.append((stored, self.zip.read(stored)))
            except Refused as exc:
                self.fail(exc)
        return tuple(items)




def _qname(tag: str) -> str:
    """``uri local`` from expat → ``prefix:local`` (unknown namespaces keep their uri)."""
    uri, _, local = tag.rpartition(" ")
    return f"{_NS.get(uri, uri)}:{local}" if uri else local


@dataclass(slots=True)
class _Scope:
    """Where paragraphs opened now belong: their location and their own paragraph count."""

    base: Location
    numbered: bool = True
    count: int = 0
    change: str | None = None  # inside a tracked deletion with this id


@dataclass(slots=True)
class _Paragraph:
    location: Location
    scope: _Scope
    text: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    number: int
    sheet: str | None  # set for the sheets of a spreadsheet
    rows_done: int = 0  # rows before the open one, repeats counted
    cols_done: int = 0
    row: int = 0  # the open row and cell, 1-based
    col: int = 0
    row_repeat: int = 1
    col_repeat: int = 1


class _Walker:
    """expat handlers for content.xml or styles.xml of one document or embedded object."""

    def __init__(self, kind: str, obj: str | None, title_styles: set[str]) -> None:
        self.kind = kind
        self.obj = obj
        self.title_styles = title_styles
        self.segments: list[Segment] = []
        self.mode = "text"
        root = [_Scope(Location("body", name=obj))] if kind == "content" else []
        self.scopes: list[_Scope] = root
        self.stack: list[tuple[str, bool, bool]] = []  # (name, pushed a scope, opened a paragraph)
        self.paragraphs: list[_Paragraph] = []
        self.tables: list[_Table] = []
        self.frames: list[str] = []  # presentation:class of the open draw:frames
        self.textbox = _Scope(Location("textbox", name=obj))
        self.names: dict[str, str] = {}  # expat name → prefix:local, a handful per document
        self.skip = 0
        self.table_count = 0
        self.slide = 0
        self.master: str | None = None
        self.notes: dict[str, int] = {}
        self.comments = 0
        self.region: str | None = None  # id of the open text:changed-region
        self.deletions: dict[str, list[str]] = {}
        self.hosts: dict[str, Location] = {}
        self.root: str | None = None  # the part's root element (prefix:local)
        self.fields: list[str] = []  # field text kept in attributes (_FIELD_TEXT)

    def chars(self, data: str) -> None:
        if not self.skip and self.paragraphs:
            self.paragraphs[-1].text.append(data)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.skip:
            self.skip += 1
            return
        names = self.names
        name = names.get(tag) or names.setdefault(tag, _qname(tag))
        if self.root is None:
            self.root = name
        if name in _SKIP or (name == "presentation:notes" and self.kind == "styles"):
            self.skip = 1
            return
        attr = {(names.get(k) or names.setdefault(k, _qname(k))): v for k, v in attrs.items()} \
            if attrs else attrs
        if (name == "draw:frame" and self.kind == "styles" and self.master is not None
                and not self.scopes and attr.get("presentation:class", "") not in ("", "header", "footer")):
            self.skip = 1  # a placeholder of the master slide: prompt text, not document text
            return
        for key in _FIELD_TEXT.get(name, ()):
            if attr.get(key, "").strip():
                self.fields.append(attr[key])
        scope = self._scope(name, attr)
        if scope is not None:
            self.scopes.append(scope)
        opened = self._open(name, attr)
        self.stack.append((name, scope is not None, opened))

    def end(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        name, pushed, opened = self.stack.pop()
        if opened:
            self._close()
        if pushed:
            self.scopes.pop()
        if name in ("table:table-cell", "table:covered-table-cell") and self.tables:
            self.tables[-1].cols_done = self.tables[-1].col - 1 + self.tables[-1].col_repeat
        elif name == "table:table-row" and self.tables:
            table = self.tables[-1]
            table.rows_done = table.row - 1 + table.row_repeat
        elif name == "table:table":
            self.tables.pop()
        elif name == "draw:frame":
            self.frames.pop()
        elif name == "style:master-page":
            self.master = None
        elif name == "text:changed-region":
            self.region = None

    def _scope(self, name: str, attr: dict[str, str]) -> _Scope | None:
        """The scope an element opens, if any; also keeps tables, slides and frames counted."""
        outer = self.scopes[-1] if self.scopes else None
        if name in _MODES:
            self.mode = _MODES[name]
        elif name == "style:style":
            if attr.get("style:family") == "paragraph" and (
                    attr.get("style:name") in self.title_styles
                    or attr.get("style:parent-style-name") in self.title_styles):
                self.title_styles.add(attr.get("style:name", ""))
        elif name == "style:master-page":
            self.master = attr.get("style:name")
        elif name in _HEADERS and self.master is not None:
            return _Scope(Location(_HEADERS[name], name=self.master))
        elif name == "draw:frame":
            cls = attr.get("presentation:class", "")
            self.frames.append(cls)
            if self.kind == "styles" and self.master is not None and outer is None:
                return _Scope(Location(cls or "header", name=self.master))
        elif name == "draw:page" and self.mode == "presentation" and self.kind == "content":
            self.slide += 1
            return _Scope(Location("body", slide=self.slide, name=self.obj))
        elif name == "presentation:notes" and outer is not None:
            return _Scope(Location("notes", slide=outer.base.slide, name=self.obj))
        elif (name in ("draw:text-box", "draw:custom-shape") and self.mode == "text"
              and self.kind == "content" and outer):
            return self.textbox
        elif name == "text:note" and outer is not None:
            kind = "endnote" if attr.get("text:note-class") == "endnote" else "footnote"
            self.notes[kind] = self.notes.get(kind, 0) + 1
            return _Scope(replace(outer.base, part=kind, name=str(self.notes[kind])), change=outer.change)
        elif name in ("office:annotation", "officeooo:annotation") and outer is not None:
            self.comments += 1
            base = outer.base
            return _Scope(Location("comment", sheet=base.sheet, slide=base.slide, cell=base.cell,
                                   name=str(self.comments)), change=outer.change)
        elif name == "text:changed-region":
            self.region = attr.get("text:id") or attr.get("xml:id") or ""
        elif name == "text:deletion" and self.region is not None:
            self.deletions.setdefault(self.region, [])
            return _Scope(Location("tracked-deletion", name=self.obj), change=self.region)
        elif name in ("text:change", "text:change-start"):
            change = attr.get("text:change-id", "")
            where = self.paragraphs[-1].location if self.paragraphs else outer.base if outer else None
            if where is not None:
                self.hosts.setdefault(change, where)
        elif name == "table:table":
            self._table(attr)
        elif name == "table:table-row" and self.tables:
            table = self.tables[-1]
            table.row = table.rows_done + 1
            table.row_repeat = _count(attr.get("table:number-rows-repeated"))
            table.cols_done = 0
        elif name in ("table:table-cell", "table:covered-table-cell") and self.tables and outer:
            return self._cell(attr, outer)
        return None

    def _table(self, attr: dict[str, str]) -> None:
        """Open a table: in a spreadsheet a top-level table is a sheet, named not numbered."""
        sheet = None
        if self.mode == "spreadsheet" and not self.tables:
            sheet = attr.get("table:name", "")
            if sheet.strip():
                self.segments.append(Segment(sheet, Location("sheet-name", sheet=sheet, name=self.obj)))
        else:
            self.table_count += 1
        self.tables.append(_Table(self.table_count, sheet))

    def _cell(self, attr: dict[str, str], outer: _Scope) -> _Scope:
        table = self.tables[-1]
        table.col = table.cols_done + 1
        table.col_repeat = _count(attr.get("table:number-columns-repeated"))
        part = "table" if outer.base.part in ("body", "title") else outer.base.part
        if table.sheet is not None:
            base = Location(part, sheet=table.sheet, row=table.row, col=table.col,
                            cell=f"{_column(table.col)}{table.row}", name=self.obj)
            return _Scope(base, numbered=False, change=outer.change)
        base = Location(part, slide=outer.base.slide, table=table.number, row=table.row,
                        col=table.col, name=outer.base.name)
        return _Scope(base, change=outer.change)

    def _open(self, name: str, attr: dict[str, str]) -> bool:
        """Open a paragraph (or a run character); True when a paragraph was opened."""
        if name in ("text:p", "text:h"):
            if not self.scopes:
                return False
            scope = self.scopes[-1]
            scope.count += 1
            location = replace(scope.base, paragraph=scope.count) if scope.numbered else scope.base
            if location.part == "body" and not self.tables and (
                    (name == "text:h" and attr.get("text:outline-level", "1") == "1")
                    or attr.get("text:style-name") in self.title_styles
                    or (self.frames and self.frames[-1] == "title")):
                location = replace(location, part="title")
            self.paragraphs.append(_Paragraph(location, scope))
            return True
        if name in ("presentation:header-decl", "presentation:footer-decl"):
            part = "header" if name == "presentation:header-decl" else "footer"
            location = Location(part, name=attr.get("presentation:name"))
            self.paragraphs.append(_Paragraph(location, _Scope(location)))
            return True
        if self.paragraphs:
            if name == "text:s":
                self.chars(" " * min(_count(attr.get("text:c")), _MAX_SPACES))
            elif name == "text:tab":
                self.chars("\t")
            elif name == "text:line-break":
                self.chars("\n")
        return False

    def _close(self) -> None:
        paragraph = self.paragraphs.pop()
        text = "".join(paragraph.text)
        if not text.strip():
            return
        if paragraph.scope.change is not None:
            self.deletions.setdefault(paragraph.scope.change, []).append(text)
        else:
            self.segments.append(Segment(text, paragraph.location))

    def finish(self) -> list[Segment]:
        """Segments in document order, then each deletion at the paragraph showing its mark."""
        out = with_headers(self.segments)
        for change, texts in self.deletions.items():
            if not texts:
                continue
            host = self.hosts.get(change)
            location = replace(host, part="tracked-deletion") if host else Location(
                "tracked-deletion", name=change)
            out.append(Segment("\n".join(texts), location))
        if self.fields:
            out.append(Segment("\n".join(self.fields), Location("attribute", name="fields")))
        return out


def _count(value: str | None) -> int:
    """A repeat count attribute; anything odd counts as 1."""
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
