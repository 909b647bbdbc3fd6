"""Tables in plain text: CSV and TSV records and Markdown pipe tables, as rows of located cells.

A roster is as often a .csv as an .xlsx; its cells are found here with where they lie in the
decoded text, and :func:`.tables.labelled_text` reads each value under a personal-data header
with its label.  Records are parsed by the ``csv`` module (strict, so a stray quote is noticed);
each parsed value is then matched back to its place in the text, and the first record that does
not match (an unbalanced quote, text after a closing quote, a field over the csv field limit)
ends the table: from there the text is scanned as it is, so nothing is lost.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator

from ..model import Location, Segment
from .base import Limits
from .tables import TextCell, labelled_text

__all__ = ["DELIMITERS", "csv_rows", "markdown_rows", "text_segments"]

# Suffix → what separates the cells of a record (None: Markdown pipe tables).
DELIMITERS: dict[str, str | None] = {".csv": ",", ".tsv": "\t", ".md": None}
_PIPE = re.compile(r"(?<!\\)\|")
_SEPARATOR = re.compile(r"[|: \t-]*-[|: \t-]*\r?")  # |---|:--:| under a Markdown header


def text_segments(text: str, suffix: str, limits: Limits) -> tuple[Segment, ...]:
    """The text as one body segment; for a table format, its labelled cells as their own."""
    if suffix not in DELIMITERS:
        return (Segment(text, Location("body")),)
    delimiter = DELIMITERS[suffix]
    tables = [csv_rows(text, delimiter, limits.expired)] if delimiter else markdown_rows(text)
    body, cells = labelled_text(text, tables)
    return (Segment(body, Location("body")), *cells)


def csv_rows(text: str, delimiter: str, expired: Callable[[], bool] = bool) -> Iterator[list[TextCell]]:
    """Records of ``text`` as rows of located cells, up to the first that does not read as CSV
    or until ``expired()`` (the file's time budget is spent: the rest keeps no labels)."""
    lengths: list[int] = []  # of the lines handed to the reader so far

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            lengths.append(len(line))
            yield line

    position = consumed = 0  # offset and number of lines of the records read
    try:
        for row, record in enumerate(csv.reader(lines(), delimiter=delimiter, strict=True), 1):
            end = position + sum(lengths[consumed:])
            consumed = len(lengths)
            cells = _located(text, position, end, record, delimiter, row)
            if cells is None or expired():
                return
            yield cells
            position = end
    except csv.Error:
        return


def _located(text: str, start: int, end: int, record: list[str], delimiter: str,
             row: int) -> list[TextCell] | None:
    """The non-blank values of ``record`` with their spans in ``text[start:end]`` (inside the
    quotes of a quoted one), or None when the record is not what the text there holds."""
    cells: list[TextCell] = []
    at = start
    for col, value in enumerate(record, 1):
        if col > 1:
            if text[at:at + 1] != delimiter:
                return None
            at += 1
        if text.startswith('"', at):
            stop = at + 1 + len(value) + value.count('"')
            if text[stop:stop + 1] != '"' or text[at + 1:stop].replace('""', '"') != value:
                return None
            span, at = (at + 1, stop), stop + 1
        else:
            stop = at + len(value)
            if text[at:stop] != value:
                return None
            span, at = (at, stop), stop
        if value.strip():
            cells.append((row, col, value, (*span, None)))
    return cells if not text[at:end].strip("\r\n") else None


def markdown_rows(text: str) -> Iterator[Iterator[list[TextCell]]]:
    """Each pipe table of a Markdown text (a header line, a ``|---|`` line, then the lines with a
    ``|``) as its rows of located cells; the separator line is no row."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    index, number = 0, 0
    while index + 1 < len(lines):
        header, separator = lines[index], lines[index + 1]
        if "|" not in header or "|" not in separator or not _SEPARATOR.fullmatch(separator):
            index += 1
            continue
        number += 1
        end = index + 2
        while end < len(lines) and "|" in lines[end] and lines[end].strip():
            end += 1
        rows = [index, *range(index + 2, end)]
        yield (_pipe_cells(lines[i], offsets[i], row, number) for row, i in enumerate(rows, 1))
        index = end


def _pipe_cells(line: str, offset: int, row: int, table: int) -> list[TextCell]:
    """Cells of one ``| a | b |`` line; outer pipes are optional, ``\\|`` is no separator."""
    cells: list[TextCell] = []
    bounds = [-1, *(m.start() for m in _PIPE.finditer(line)), len(line)]
    if not line[:bounds[1]].strip():
        bounds = bounds[1:]  # a leading pipe opens the first cell
    for col, (left, right) in enumerate(itertools.pairwise(bounds), 1):
        piece = line[left + 1:right]
        value = piece.strip()
        if value:
            start = offset + left + 1 + len(piece) - len(piece.lstrip())
            cells.append((row, col, value, (start, start + len(value), table)))
    return cells
