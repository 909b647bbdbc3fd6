"""HTML (.html, .htm): what a browser shows, plus what the file ships without showing.

Parsed with the standard library's ``html.parser``, which never fetches anything and has no
entities to expand beyond single character references.  Segments:

- ``body``: visible text, script and style left out.  Each piece is put on the line it has in the
  source, so a finding's line number is the source line; block tags (p, td, br …) become a space
  so table cells do not run together, inline tags (span, b, font …) join nothing, so a 底價 split
  by markup is still one word.  Columns are approximate (tags are removed).
- ``title``: the ``<title>``; ``metadata``: ``<meta name=description|keywords|author|subject…>``.
- ``attribute``: ``alt`` and ``title`` attributes (tooltips and image text a reader does see),
  kept on their source lines (name ``alt/title``).
- ``comment``: ``<!-- … -->`` comments, on their source lines: not shown, but sent with the file,
  and drafts often keep the withdrawn sentence there.

Encoding: a BOM, then a ``<meta charset>`` / ``http-equiv`` / XML declaration in the first bytes
(Big5 read as CP950), then the text-file guess of :func:`~leakscan.extract.text.decode`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ..model import Location, Problem, Segment
from .base import Extraction
from .text import decode_declared

__all__ = ["extract_html"]

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "body", "head", "html", "img", "input", "select", "textarea"})
_SKIP = frozenset({"script", "style"})
_META_NAMES = frozenset({"description", "keywords", "author", "subject", "title", "classification",
                         "category", "dc.title", "dc.subject", "dc.description", "dc.creator",
                         "dcterms.title", "dcterms.subject", "dcterms.description", "dcterms.creator"})
_ATTRIBUTES = ("alt", "title")
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
        self.ends_blank = True

    def put(self, text: str, line: int, separate: bool = False) -> None:
        if line > self.line:
            self.parts.append("\n" * (line - self.line))
            self.line = line
            self.ends_blank = True
        if separate and not self.ends_blank and not text[:1].isspace():
            self.parts.append(" ")
        self.parts.append(text)
        self.line += text.count("\n")
        self.ends_blank = text[-1:].isspace()

    def text(self) -> str:
        return "".join(self.parts)


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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)
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
            if name in _META_NAMES and values.get("content", "").strip():
                self.meta.append(Segment(values["content"], Location("metadata", name=name)))
            return
        for attribute in _ATTRIBUTES:
            value = values.get(attribute, "")
            if value.strip():
                self.attributes.put(value, self.getpos()[0], separate=True)

    def segments(self) -> tuple[Segment, ...]:
        out: list[Segment] = []
        title = " ".join("".join(self.title).split())
        if title:
            out.append(Segment(title, Location("title")))
        out.extend(self.meta)
        for lines, location in ((self.body, Location("body")),
                                (self.attributes, Location("attribute", name="alt/title")),
                                (self.comments, Location("comment"))):
            text = lines.text()
            if text.strip():
                out.append(Segment(text, location))
        return tuple(out)
