"""電子公文 DI/SW XML (and any other XML): the 密等 attribute as a header field, then every text.

A DI file carries its level as an attribute, ``<密等 代碼="機密"/>``, which no text rule can see;
it is turned into the header line a printed 公文 shows (``密等及解密條件或保密期限：機密（…）``,
part ``attribute``, name ``密等``) so the ``classification-field`` rule judges it like paper.
Older files put the level in the text (``<密等>密</密等>``) or use ``<密等及解密條件>`` and
``<解密條件>``; ``普通`` or blank means unclassified and yields no line.  Every other element's
own text is a segment named by its path below the root (``主旨/文字``, ``說明/條列[2]/文字``:
a 段落 is named by its 段名, ``[n]`` marks the n-th same-named sibling from the second on).

DI files declare their attachments as external entities in an internal DTD subset, so a DTD
cannot be refused outright as in office parts.  Expat is set up to read nothing outside the
bytes: no external DTD or parameter entities, external entity references skipped (never
resolved), and every internal entity declaration refused, which is where billion laughs lives.
Attachment file names from the declarations are scanned as ``filename`` segments (a 機密 in an
attachment's name is a marking); every other attribute value (a ``connectionString`` with its
password) is one ``attribute`` segment, a line per value, and comments one ``comment`` segment.
Expat knows no Big5, so the text is decoded in Python (the declared encoding, a BOM, or
:func:`~leakscan.extract.text.decode`) and parsed as UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

from ..model import Location, Problem, Segment
from .base import Extraction
from .safezip import Refused
from .text import decode_declared

__all__ = ["DI_ROOTS", "DI_SUFFIXES", "extract_di", "is_di_root"]

# Root elements of the 公文 document types (文書處理手冊 電子公文格式).
DI_ROOTS = frozenset({"函", "書函", "簽", "令", "公告", "開會通知單", "簽稿會核單", "會勘通知單"})
DI_SUFFIXES = frozenset({".di", ".sw"})
_LEVEL_GROUPS = frozenset({"密等及解密條件或保密期限", "密等及解密條件"})
_CONDITIONS = frozenset({"解密條件或保密期限", "解密條件", "保密期限"})
_UNCLASSIFIED = frozenset({"", "普通", "普通件", "一般"})
_LABEL = "密等及解密條件或保密期限"

_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def is_di_root(tag: str) -> bool:
    """Whether an XML root element names a 公文 type (for dispatching ``.xml`` files)."""
    return tag in DI_ROOTS


def extract_di(data: bytes, name: str, limits: object) -> Extraction:
    """Segments of a DI/SW file, or of any XML file as plain element text; never raises on content."""
    del limits  # one file in memory, already under max_file_bytes; expat streams it
    if not data:
        return Extraction.unreadable("empty")
    text, encoding, problems = _decode_xml(data)
    if not text.strip():
        return Extraction(problems=problems, status="partial" if problems else "scanned",
                          encoding=encoding)
    walker = _Walker(PurePath(name).suffix.lower() in DI_SUFFIXES)
    failure = walker.parse(text)
    segments = walker.finish()
    all_problems = problems + tuple(walker.problems) + ((failure,) if failure else ())
    status = "unreadable" if failure else "partial" if all_problems else "scanned"
    return Extraction(segments=segments, problems=all_problems, status=status, encoding=encoding)


def _decode_xml(data: bytes) -> tuple[str, str, tuple[Problem, ...]]:
    """Text of an XML file: BOM first, then the declared encoding, then the text-file guess."""
    match = _DECLARED.match(data[:512])
    return decode_declared(data, match.group(1) if match else None)


@dataclass(slots=True)
class _Open:
    """One open element: its path component, children seen so far and its own text."""

    path: str
    tag: str
    children: dict[str, int] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


class _Walker:
    """expat handlers: element text by path, the 密等 level and condition, attachment names."""

    def __init__(self, di: bool) -> None:
        self.di = di  # decided by suffix; an .xml becomes DI when its root is a 公文 type
        self.stack: list[_Open] = []
        self.segments: list[Segment] = []
        self.problems: list[Problem] = []
        self.attachments: list[Segment] = []
        self.attribute_values: list[str] = []  # every attribute but 密等's code: typed text too
        self.comments: list[str] = []
        self.levels: list[tuple[int, str]] = []  # (group, level) in document order
        self.conditions: dict[int, str] = {}  # group → 解密條件 text
        self.group = 0  # number of the current 密等 group element (0: outside any)
        self.groups = 0

    def parse(self, text: str) -> Problem | None:
        """Run expat over the text; the problem that stopped it, or None."""
        parser: Any = expat.ParserCreate(encoding="UTF-8")  # overrides a declared Big5
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.UseForeignDTD(False)
        parser.buffer_text = True
        parser.EntityDeclHandler = self.entity
        parser.ExternalEntityRefHandler = self.external_ref
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.CommentHandler = self.comment
        try:
            parser.Parse(text.encode("utf-8"), True)
        except Refused as exc:
            return exc.problem
        except expat.ExpatError as exc:
            return Problem("corrupt", f"XML {expat.ErrorString(exc.code)} at line {exc.lineno}")
        return None

    def entity(self, name: str, is_parameter: int, value: str | None, base: str | None,
               system_id: str | None, public_id: str | None, notation: str | None) -> None:
        """Allow only external entities (attachments); an internal one could expand exponentially."""
        del base, public_id, notation
        if is_parameter or value is not None or system_id is None:
            raise Refused("xml-entities", f"internal entity declaration {name}")
        if self.di and system_id.strip():
            self.attachments.append(Segment(system_id, Location("filename", name=name)))

    def external_ref(self, context: str | None, base: str | None, system_id: str | None,
                     public_id: str | None) -> int:
        """An external entity used in content: never fetched, reported so the gap is known."""
        del context, base, public_id
        self.problems.append(Problem("xml-entities", f"external entity {system_id} not read"))
        return 1  # handled: expat goes on without reading anything

    def comment(self, data: str) -> None:
        if data.strip():  # not shown, but shipped: drafts keep the withdrawn sentence there
            self.comments.append(data)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.attribute_values.extend(value for key, value in attrs.items()
                                     if value.strip() and not (tag == "密等" and key == "代碼"))
        if not self.stack:
            self.di = self.di or is_di_root(tag)
            self.stack.append(_Open("", tag))
            return
        parent = self.stack[-1]
        count = parent.children[tag] = parent.children.get(tag, 0) + 1
        component = tag if count == 1 else f"{tag}[{count}]"
        if tag == "段落" and self.di and attrs.get("段名", "").strip(" ：:　"):
            component = attrs["段名"].strip(" ：:　")
        path = f"{parent.path}/{component}" if parent.path else component
        self.stack.append(_Open(path, tag))
        if not self.di:
            return
        if tag in _LEVEL_GROUPS:
            self.groups += 1
            self.group = self.groups
        elif tag == "密等":
            self.levels.append((self.group, attrs.get("代碼", "").strip()))

    def chars(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def end(self, tag: str) -> None:
        element = self.stack.pop()
        text = "".join(element.text)
        if self.di and tag == "密等":
            group, code = self.levels[-1]
            self.levels[-1] = (group, code or text.strip())
            return
        if self.di and tag in _CONDITIONS:
            self.conditions[self.group] = text.strip()
            return
        if self.di and tag in _LEVEL_GROUPS:
            self.group = 0
        if text.strip():
            self.segments.append(Segment(text, Location("body", name=element.path or tag)))

    def finish(self) -> tuple[Segment, ...]:
        """The synthesised 密等 lines first (they decide the document), then text, then names."""
        fields: list[Segment] = []
        for group, level in self.levels:
            if level in _UNCLASSIFIED:
                continue
            condition = self.conditions.get(group, "")
            line = f"{_LABEL}：{level}（{condition}）" if condition else f"{_LABEL}：{level}"
            fields.append(Segment(line, Location("attribute", name="密等")))
        extra = [Segment(text, location) for text, location in (
            ("\n".join(self.attribute_values), Location("attribute", name="attributes")),
            ("\n".join(self.comments), Location("comment"))) if text.strip()]
        return (*fields, *self.segments, *extra, *self.attachments)
