"""HTML (.html, .htm): what a browser shows, plus what the file ships without showing.

Parsed with the standard library's ``html.parser``, which never fetches anything and has no
entities to expand beyond single character references.  Segments:

- ``body``: visible text, script and style left out.  Each piece is put on the line it has in the
  source, so a finding's line number is the source line; block tags (p, td, br …) become a space
  so table cells do not run together, inline tags (span, b, font …) join nothing, so a 底價 split
  by markup is still one word.  Columns are approximate (tags are removed).
- ``table``: a cell under a personal-data column header (a ``<th>`` or first-row 出生日期, 護照號碼
  …) or right of such a label, read as ``label：value`` on its source line; it is blanked in the
  body, which keeps its lines and columns (:func:`~leakscan.extract.tables.labelled_text`).
- ``title``: the ``<title>``; ``metadata``: ``<meta name=description|keywords|author|subject…>``.
- ``attribute``: attributes a person types or a reader sees (``alt``, ``title``, form ``value``
  and ``placeholder``, ``aria-label``, ``label``, ``summary``, ``data-*``), kept on their source
  lines (name ``attributes``); ``<meta>`` content of any name but technical ones (viewport,
  robots …).
- ``<script>`` and ``<style>`` are left out: a saved page carries whole libraries, whose code
  (``pw: e.target.value``) would read as passwords and block ordinary pages.
- ``comment``: ``<!-- … -->`` comments, on their source lines: not shown, but sent with the file,
  and drafts often keep the withdrawn sentence there.

Encoding: a BOM, then a ``<meta charset>`` / ``http-equiv`` / XML declaration in the first bytes
(Big5 read as CP950), then the text-file guess of :func:`~leakscan.extract.text.decode`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..model import Location, Problem, Segment
from .base import Extraction
from .tables import TextCell, labelled_text
from .text import decode_declared

__all__ = ["extract_html"]

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "body", "head", "html", "img", "input", "select", "textarea"})
_SKIP = frozenset({"script", "style"})
# <meta> names whose content is for machines (layout, crawlers, verification); any other is read.
_TECHNICAL_META = frozenset({"viewport", "robots", "googlebot", "generator", "theme-color",
                             "format-detection", "referrer", "color-scheme", "msapplication-tilecolor",
                             "apple-mobile-web-app-capable", "apple-mobile-web-app-status-bar-style",
                             "mobile-web-app-capable", "handheldfriendly", "og:type", "og:image",
                             "og:url", "twitter:card", "csrf-token", "csrf-param"})
_ATTRIBUTES = ("alt", "title", "value", "placeholder", "aria-label", "label", "summary")
_CELLS = frozenset({"td", "th"})
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
                      rb"""|<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_WHATWG = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def extract_html(data: bytes, name: str, limits: object) -> Extraction:
    """Segments of an HTML page held in memory; never raises on content."""
    del name, limits  # one file in memory, already under max_file_bytes
    if not data:
        return Extraction.unreadable("empty")
    text, encoding, problems = _decode_html(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = _Reader()
    try:
        reader.feed(text)
        reader.close()
    except Exception as exc:  # html.parser is lenient; an assertion on odd markup ends the read
        # Only the type: html.parser's messages quote the page ("expected name token at '<![密碼：…'"),
        # and a detail is printed in every report.
        problems += (Problem("corrupt", f"HTML {type(exc).__name__}"),)
    segments = reader.segments()
    status = "partial" if problems else "scanned"
    return Extraction(segments=segments, problems=problems, status=status, encoding=encoding)


def _decode_html(data: bytes) -> tuple[str, str, tuple[Problem, ...]]:
    """Text of a page: BOM, then the declared charset (strictly), then the text-file guess."""
    match = _CHARSET.search(data[:4096])
    return decode_declared(data, (match.group(1) or match.group(2)) if match else None, _WHATWG)


class _Lines:
    """Text pieces placed on their source lines: a finding's line is the source line."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.line = 1  # line the next character will be on
        self.length = 0  # characters so far: the offset the next one will have
        self.ends_blank = True

    def put(self, text: str, line: int, separate: bool = False) -> None:
        if line > self.line:
            self.parts.append("\n" * (line - self.line))
            self.length += line - self.line
            self.line = line
            self.ends_blank = True
        if separate and not self.ends_blank and not text[:1].isspace():
            self.parts.append(" ")
            self.length += 1
        self.parts.append(text)
        self.length += len(text)
        self.line += text.count("\n")
        self.ends_blank = text[-1:].isspace()

    def text(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class _Table:
    """One open ``<table>``: its cells' spans in the body text, row by row."""

    number: int
    rows: list[list[tuple[int, int, int, int]]] = field(default_factory=list)  # row, col, start, end
    next_col: int = 1
    cell: tuple[int, int, int] | None = None  # row, col and start offset of the open cell
    nested: bool = False  # the open cell holds a table: its text is that table's

    def open(self, offset: int, span: int) -> None:
        if not self.rows:
            self.rows.append([])  # a cell without a <tr>
        self.cell = (len(self.rows), self.next_col, offset)
        self.next_col += span

    def close(self, offset: int) -> None:
        if self.cell is not None and not self.nested:
            row, col, start = self.cell
            self.rows[-1].append((row, col, start, offset))
        self.cell, self.nested = None, False


class _Reader(HTMLParser):
    """Collects body text, title, meta fields, alt/title attributes and comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body = _Lines()
        self.comments = _Lines()
        self.attributes = _Lines()
        self.title: list[str] = []
        self.meta: list[Segment] = []
        self.skip: str | None = None  # inside script or style
        self.in_title = False
        self.boundary = False  # a block tag since the last text
        self.tables: list[_Table] = []  # open tables, innermost last
        self.table_rows: list[tuple[int, list[list[tuple[int, int, int, int]]]]] = []
        self.table_count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)
        if tag == "table" or (self.tables and tag in ("tr", *_CELLS)):
            self._table_tag(tag, attrs)
        if tag in _SKIP:
            self.skip = tag
        elif tag == "title":
            self.in_title = True
        elif tag == "body":
            self.in_title = False  # an unclosed <title> does not swallow the page

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == self.skip:
            self.skip = None
        elif tag in ("title", "head"):
            self.in_title = False
        if self.tables and tag in ("table", "tr", *_CELLS):
            self.tables[-1].close(self.body.length)
            if tag == "table":
                self._end_table()
        if tag in _BLOCK:
            self.boundary = True

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.in_title:
            self.title.append(data)
            return
        self.body.put(data, self.getpos()[0], self.boundary)
        self.boundary = False

    def handle_comment(self, data: str) -> None:
        if data.strip():
            self.comments.put(data, self.getpos()[0], separate=True)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.boundary = True
        values = {key: value for key, value in attrs if value}
        if tag == "meta":
            name = (values.get("name") or values.get("property") or "").lower()
            if name and name not in _TECHNICAL_META and values.get("content", "").strip():
                self.meta.append(Segment(values["content"], Location("metadata", name=name)))
            return
        for key, value in values.items():
            if (key in _ATTRIBUTES or key.startswith("data-")) and value.strip():
                self.attributes.put(value, self.getpos()[0], separate=True)

    def _table_tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep count of tables, rows and cells (end tags are optional: a new one closes)."""
        if tag == "table":
            if self.tables and self.tables[-1].cell is not None:
                self.tables[-1].nested = True
            self.table_count += 1
            self.tables.append(_Table(self.table_count))
            return
        table = self.tables[-1]
        table.close(self.body.length)
        if tag == "tr":
            table.rows.append([])
            table.next_col = 1
            return
        span = next((v for k, v in attrs if k == "colspan"), None) or "1"
        table.open(self.body.length, int(span) if span.isdigit() and 0 < int(span) < 1000 else 1)

    def _end_table(self) -> None:
        table = self.tables.pop()
        self.table_rows.append((table.number, table.rows))

    def _cells(self, text: str) -> Iterator[list[list[TextCell]]]:
        """Each table's rows of cells located in the body ``text``."""
        for number, rows in self.table_rows:
            yield [_located(text, row, number) for row in rows]

    def segments(self) -> tuple[Segment, ...]:
        while self.tables:  # tables the page never closed
            self.tables[-1].close(self.body.length)
            self._end_table()
        out: list[Segment] = []
        title = " ".join("".join(self.title).split())
        if title:
            out.append(Segment(title, Location("title")))
        out.extend(self.meta)
        text = self.body.text()
        body, cells = labelled_text(text, self._cells(text))
        for text, location in ((body, Location("body")),
                               (self.attributes.text(), Location("attribute", name="attributes")),
                               (self.comments.text(), Location("comment"))):
            if text.strip():
                out.append(Segment(text, location))
            if location.part == "body":
                out.extend(cells)
        return tuple(out)


def _located(text: str, row: list[tuple[int, int, int, int]], table: int) -> list[TextCell]:
    """The non-blank cells of ``row`` with their spans in ``text``, surrounding whitespace off."""
    cells: list[TextCell] = []
    for r, c, start, end in row:
        raw = text[start:end]
        value = raw.strip()
        if value:
            first = start + len(raw) - len(raw.lstrip())
            cells.append((r, c, value, (first, first + len(value), table)))
    return cells
