"""PowerPoint .pptx (and .pptm, .potx, .ppsx): slides, tables, notes, comments and properties.

The package is read directly, not through python-pptx, for the same reasons as Word and Excel:
it must open only what :func:`open_zip` has vetted, and what leaks is often what a slide show
does not show — speaker notes, review comments (legacy ``p:cmLst`` and the modern threaded
``p188:cmLst`` with replies), a hidden slide, a 機密 text box placed on the slide master.

Slides are numbered 1-based in presentation order (``p:sldIdLst``), not by file name: a moved
slide keeps its file.  Each shape with text is one segment (its paragraphs are its lines) named
after the shape; titles get part ``title``, table cells part ``table`` with table, row and col,
and a table column headed by a personal-data label joins its values to the label as in Excel.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from ..model import Location, Segment
from .base import Extraction
from .ooxml import Package
from .safezip import local_name as _local
from .safezip import read_package
from .tables import Cell, joined_with_headers
from .xlsx import drawing_paragraphs

__all__ = ["extract_pptx"]

_TITLE_TYPES = frozenset({"title", "ctrTitle"})
_PLACEHOLDER_PARTS = {"ftr": "footer", "hdr": "header"}
_NO_TEXT_TYPES = frozenset({"sldNum", "sldImg"})  # the slide number and the notes page picture
_LOOSE_PARTS = re.compile(r"ppt/(slideMasters|slideLayouts|notesMasters|handoutMasters)/[^/]+\.xml$", re.I)
_SLIDE_FILE = re.compile(r"ppt/slides/slide(\d+)\.xml$", re.I)


def extract_pptx(data: bytes, name: str, limits: object) -> Extraction:
    """Segments of every text-bearing part of a .pptx held in memory; never raises on content."""
    del name  # the format is known; the name is scanned by the caller
    return read_package(data, limits,
                        "PowerPoint 97-2003 .ppt or other OLE compound file, not a .pptx", _PptxReader)



def _child(element: ET.Element, *path: str) -> ET.Element | None:
    """The first descendant along ``path`` of local names, namespaces ignored."""
    for local in path:
        element = next((c for c in element if _local(c.tag) == local), None)  # type: ignore[assignment]
        if element is None:
            return None
    return element


def _shape_info(shape: ET.Element) -> tuple[str, str | None]:
    """A shape's name and its placeholder type (None when it is not a placeholder)."""
    props = next((c for c in shape if _local(c.tag).startswith("nv")), None)
    if props is None:
        return "", None
    name = next((c.get("name", "") for c in props if _local(c.tag) == "cNvPr"), "")
    placeholder = _child(props, "nvPr", "ph")
    return name, None if placeholder is None else placeholder.get("type", "body")


def _shapes(tree: ET.Element) -> Iterator[ET.Element]:
    """Shapes of a shape tree in z-order, groups opened, one branch of each mc:AlternateContent."""
    for child in tree:
        local = _local(child.tag)
        if local == "grpSp":
            yield from _shapes(child)
        elif local == "AlternateContent":
            branches = {_local(c.tag): c for c in reversed(child)}  # the first of each kind
            branch = branches.get("Choice", branches.get("Fallback"))
            if branch is not None:
                yield from _shapes(branch)
        elif local in ("sp", "graphicFrame", "cxnSp", "pic"):
            yield child


class _PptxReader(Package):
    """Reads the parts of one opened presentation package."""

    def read(self) -> Extraction:
        main = self.main_part("ppt/presentation.xml")
        presentation = self.xml(main) if main else None
        if presentation is None:
            if not self.problems:
                return Extraction.unreadable("corrupt", "no ppt/presentation.xml: not a presentation")
            return Extraction(problems=tuple(self.problems), status="unreadable")
        assert main is not None
        if _local(presentation.tag) != "presentation":  # a Word or Excel file named .pptx
            return Extraction.unreadable("corrupt", f"{main} is <{_local(presentation.tag)}>, "
                                         "not a presentation")
        by_id = {rel_id: target for rel_id, kind, target in self.rels(main) if kind == "slide"}
        listed = _child(presentation, "sldIdLst")
        order = [by_id[rel_id] for slide in (listed if listed is not None else ())
                 if (rel_id := next((v for k, v in slide.attrib.items() if _local(k) == "id"
                                     and k.startswith("{")), None)) in by_id]
        for number, part in enumerate(dict.fromkeys(order), start=1):
            self._slide(part, number, None)
        # Slides left out of the show's list still hold text: read them, named by their file.
        seen = {p.lower() for p in order}
        for stored in sorted((n for n in self.zip.names if _SLIDE_FILE.fullmatch(n)
                              and n.lower() not in seen), key=lambda n: int(
                                  _SLIDE_FILE.fullmatch(n).group(1))):  # type: ignore[union-attr]
            self._slide(stored, None, posixpath.basename(stored))
        for stored in self.zip.names:
            if _LOOSE_PARTS.fullmatch(stored):
                self._master(stored)
        self.metadata()
        return self.finish(True, posixpath.join(posixpath.dirname(main), "embeddings"))

    def _slide(self, part: str, number: int | None, file: str | None) -> None:
        root = self.xml(part)
        tree = _child(root, "cSld", "spTree") if root is not None else None
        if tree is not None:
            self._shape_tree(tree, number, file)
        for _, kind, target in self.rels(part):
            if kind == "notesSlide":
                self._notes(target, number, file)
            elif kind == "comments":
                self._comments(target, number, file)

    def _shape_tree(self, tree: ET.Element, number: int | None, file: str | None) -> None:
        tables = 0
        for shape in _shapes(tree):
            name, placeholder = _shape_info(shape)
            if _local(shape.tag) == "graphicFrame":
                for table in shape.iter():
                    if _local(table.tag) == "tbl":
                        tables += 1
                        self.segments.extend(_table(table, tables, number, file))
                continue
            body = _child(shape, "txBody")
            if body is None or placeholder in _NO_TEXT_TYPES:
                continue
            text = drawing_paragraphs(body)
            if text.strip():
                part = "title" if placeholder in _TITLE_TYPES else \
                    _PLACEHOLDER_PARTS.get(placeholder or "", "body")
                self.segments.append(Segment(text, Location(part, slide=number, name=file or name or None)))

    def _notes(self, part: str, number: int | None, file: str | None) -> None:
        root = self.xml(part)
        tree = _child(root, "cSld", "spTree") if root is not None else None
        for shape in _shapes(tree) if tree is not None else ():
            _, placeholder = _shape_info(shape)
            body = _child(shape, "txBody")
            if body is None or placeholder in _NO_TEXT_TYPES:
                continue
            text = drawing_paragraphs(body)
            if text.strip():
                self.segments.append(Segment(text, Location("notes", slide=number, name=file)))

    def _comments(self, part: str, number: int | None, file: str | None) -> None:
        """Legacy comments (``p:cm/p:text``) and modern ones (``p188:cm/p188:txBody``, replies)."""
        root = self.xml(part)
        for node in root.iter() if root is not None else ():
            if _local(node.tag) not in ("cm", "reply"):
                continue
            for child in node:
                local = _local(child.tag)
                text = "".join(child.itertext()) if local == "text" else \
                    drawing_paragraphs(child) if local == "txBody" else ""
                if text.strip():
                    self.segments.append(Segment(text, Location("comment", slide=number, name=file)))

    def _master(self, part: str) -> None:
        """Text boxes on masters and layouts appear on every slide.  Of their placeholders only
        the header and footer are read (where a 機密 marking is typed once for the whole deck);
        the others hold prompt text (按一下以新增標題)."""
        root = self.xml(part)
        tree = _child(root, "cSld", "spTree") if root is not None else None
        for shape in _shapes(tree) if tree is not None else ():
            _, placeholder = _shape_info(shape)
            body = _child(shape, "txBody")
            if body is None or (placeholder is not None and placeholder not in _PLACEHOLDER_PARTS):
                continue
            text = drawing_paragraphs(body)
            if text.strip():
                self.segments.append(Segment(text, Location(_PLACEHOLDER_PARTS.get(placeholder or "", "body"),
                                                            name=posixpath.basename(part))))


def _table(table: ET.Element, number: int, slide: int | None, file: str | None) -> Iterator[Segment]:
    rows: list[list[Cell]] = []
    row_number = 0
    for row in table:
        if _local(row.tag) != "tr":
            continue
        row_number += 1
        cells: list[Cell] = []
        col = 0
        for cell in row:
            if _local(cell.tag) != "tc":
                continue
            col += 1
            body = _child(cell, "txBody")
            text = drawing_paragraphs(body) if body is not None else ""
            if text.strip():
                cells.append((row_number, col, text, Location("table", slide=slide, table=number,
                                                              row=row_number, col=col, name=file)))
        rows.append(cells)
    return joined_with_headers(rows)
