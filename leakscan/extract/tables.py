"""Tables in every format: a value under a personal-data column header is read with its label.

A roster puts the label once at the top of a column and the values below it, so a value alone
(70/01/01, 0912345678, 312345678) says nothing.  For a column whose header, in the first rows of
a table, is a personal-data or password label, each value below it is read as ``label：value``,
so the rules that look for a label near a value fire.  A value whose left neighbour is such a
label (a form laid out as label | value) is joined the same way.  :func:`labels` makes that
decision for every format; two ways hand the result to detection:

- formats read cell by cell (.xlsx, .pptx, .docx, ODF) replace the cell's segment by one segment
  ``label：value`` at the cell (:func:`joined_with_headers`, :func:`with_headers`);
- text formats (CSV, TSV, Markdown, the body of an HTML page) keep their text as one segment, so
  a row's context (檢舉人 …, a 底價 next to its amount) still holds; a labelled cell leaves it
  (blanked there, same length, so every other finding keeps its line and column) and becomes its
  own segment ``label：value`` at the cell's line and column (:func:`labelled_text`).  Writing the
  label into the text instead would let it reach the next cell (``出生日期：75.03.02,110.01.01``
  reads both dates as births).

Either way the value is read once, in full, and the label is counted as added text: a finding's
column points into the original cell (:attr:`Segment.prefix`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

from ..model import Location, Segment

__all__ = ["HEADER_LABELS", "Cell", "TextCell", "header_label", "joined_with_headers", "labelled_text",
           "labels", "with_headers"]

# Column headers whose values are personal data (or passwords) even when a value alone is weak.
# A header matches when, without spaces, brackets and a trailing colon, it contains one of these.
HEADER_LABELS: tuple[str, ...] = (
    "身分證", "身份證", "統一證號", "居留證", "出生", "生日", "手機", "行動電話", "電話", "住址",
    "地址", "戶籍", "護照", "健保", "帳號", "帳戶", "病歷", "密碼", "口令", "LINE", "Line", "password",
    "Password", "PASSWORD",
)
_LABELS = re.compile("|".join(map(re.escape, HEADER_LABELS)))
_FULL_WIDTH = re.compile("[\uff21-\uff3a\uff41-\uff5a]")  # letters NFKC makes ASCII
_MAX_HEADER_CHARS = 20  # a longer cell is a sentence, not a column header
_HEADER_ROWS = 5  # the first this many non-empty rows may hold headers
_LABEL_NOISE = re.compile(r"[\s:：]+|[(（][^)）]*[)）]")
_MAX_HEADER_DIGITS = 3  # 帳號（14碼） is a header; 身分證字號A123456789 holds its value already
_BLANK = re.compile(r"[^\r\n]")
JOIN = "："

# Parts whose segments with a row and column are a table cell's visible text.
_CELL_PARTS = frozenset({"table", "header", "footer"})

T = TypeVar("T")
Cell = tuple[int, int, str, Location]  # row, col, text, location
# row, col, text, where the text lies in the document's text (start, end) and its table's number
TextCell = tuple[int, int, str, tuple[int, int, int | None]]


def header_label(text: str) -> str | None:
    """The cell's text when it reads as a personal-data column header, else None.

    Called for every cell, so a C regex search rejects the common case before NFKC runs.
    """
    if len(text) > _MAX_HEADER_CHARS * 2 or (_LABELS.search(text) is None
                                             and _FULL_WIDTH.search(text) is None):
        return None
    bare = _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", text))
    if not bare or len(bare) > _MAX_HEADER_CHARS or _LABELS.search(bare) is None \
            or sum(char.isdigit() for char in bare) > _MAX_HEADER_DIGITS:
        return None
    return text.strip().rstrip(":：").strip()


def labels(rows: Iterable[list[tuple[int, int, str, T]]]
           ) -> Iterator[tuple[tuple[int, int, str, T], str | None]]:
    """Each cell ``(row, col, text, anything)`` of ``rows`` with the label it is read with, or None.

    Rows come in order and are streamed: only the first ``_HEADER_ROWS`` non-empty rows are held
    back until the header columns are known.  A header's label applies to the rows below it; a
    left neighbour's label to its own row.
    """
    headers: dict[int, tuple[int, str]] = {}  # col → (header row, label)
    pending: list[list[tuple[int, int, str, T]]] = []
    rows = iter(rows)
    for row in rows:
        if not row:
            continue
        pending.append(row)
        if len(pending) == _HEADER_ROWS:
            break
    for row in pending:
        for r, c, text, _ in row:
            label = header_label(text)
            if label and c not in headers:
                headers[c] = (r, label)

    def emit(row: list[tuple[int, int, str, T]]) -> Iterator[tuple[tuple[int, int, str, T], str | None]]:
        left: tuple[int, str] | None = None  # (col, label) of the previous cell when it is a label
        for cell in row:
            r, c, text, _ = cell
            header = headers.get(c)
            label = header[1] if header and header[0] < r else \
                left[1] if left and left[0] == c - 1 else None
            found = header_label(text)
            yield cell, label if found is None else None
            left = (c, found) if found else None

    for row in pending:
        yield from emit(row)
    for row in rows:
        yield from emit(row)


def _joined(label: str, text: str, location: Location) -> Segment:
    return Segment(f"{label}{JOIN}{text}", location, prefix=len(label) + len(JOIN))


def joined_with_headers(rows: Iterable[list[Cell]]) -> Iterator[Segment]:
    """One segment per cell of ``rows``, a value under (or right of) a label joined to it."""
    for (_, _, text, location), label in labels(rows):
        yield _joined(label, text, location) if label else Segment(text, location)


def with_headers(segments: Sequence[Segment]) -> list[Segment]:
    """``segments`` with each table cell's visible text (a paragraph located by row and col)
    joined to its column's label; everything else, and the order, as it was."""
    tables: dict[Hashable, list[list[tuple[int, int, str, int]]]] = {}
    for index, segment in enumerate(segments):
        where = segment.location
        if where.row is None or where.col is None or where.part not in _CELL_PARTS:
            continue
        rows = tables.setdefault((where.part, where.name, where.sheet, where.slide, where.table), [])
        if not rows or rows[-1][0][0] != where.row:
            rows.append([])
        rows[-1].append((where.row, where.col, segment.text, index))
    if not tables:
        return list(segments)
    out = list(segments)
    for rows in tables.values():
        for (_, _, text, index), label in labels(rows):
            if label:
                out[index] = _joined(label, text, segments[index].location)
    return out


def labelled_text(text: str, tables: Iterable[Iterable[list[TextCell]]]) -> tuple[str, list[Segment]]:
    """``text`` with the labelled cells of ``tables`` blanked, and a segment ``label：value`` for
    each of them at the cell's line and column.  Tables are labelled each on its own (a header
    applies to its own table), so they may nest."""
    found = sorted(((start, end, label, row, col, value, number)
                    for table in tables
                    for (row, col, value, (start, end, number)), label in labels(table) if label),
                   key=lambda item: item[0])
    if not found:
        return text, []
    pieces: list[str] = []
    segments: list[Segment] = []
    done = 0  # text before this offset is in ``pieces``
    line, line_start = 1, 0  # line of offset ``done`` and where that line starts
    for start, end, label, row, col, value, number in found:
        if start < done:
            continue
        newlines = text.count("\n", done, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", done, start) + 1
        pieces.append(text[done:start])
        newlines = text.count("\n", start, end)
        pieces.append(_BLANK.sub(" ", text[start:end]) if newlines or "\r" in text[start:end]
                      else " " * (end - start))
        segments.append(_joined(label, value, Location("table", table=number, row=row, col=col, line=line,
                                                       column=start - line_start + 1)))
        if newlines:
            line += newlines
            line_start = text.rfind("\n", start, end) + 1
        done = end
    pieces.append(text[done:])
    return "".join(pieces), segments
