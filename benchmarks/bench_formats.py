"""Benchmark leakscan's document extractors against the usual Python readers, in one run.

Usage (from the repository root)::

    python benchmarks/bench_formats.py [--repeat R] [--pdf-pages N] [--xlsx-rows N] [--no-extra]

Every input is generated in memory from fixed seeds (the same content on every run), with the
repository's fixture builders (``tests/fixtures_*.py``) and prose from ``benchmarks/corpus.py``.
Each line is the best of ``--repeat`` passes (default 3) with the median shown, on one core (the
process is pinned to one CPU where the OS allows it).  Baselines run in the same process on the
same bytes:

* PDF: a 50-page Traditional-Chinese 公文 PDF set in ``MSung-Light`` (a predefined CMap, no
  embedded font, no ToUnicode: what many 公文 systems produce).  Pages/s of ``extract_pdf``
  against pdfplumber's ``page.extract_text()`` over every page (open included in both), and of
  a whole ``Scanner().scan_bytes(data, "x.pdf")`` for information.  pdfplumber's text for this
  font is mojibake; the run measures how much of it matches the source text.
  Target: ``extract_pdf`` >= 10x pdfplumber.
* DOCX: a ~200 KB document with body paragraphs, tables, a header and comments.  ``extract_docx``
  (every part) against python-docx ``Document(...).paragraphs`` text (body paragraphs only).
  Target: all-parts extraction no slower than python-docx body-only (ratio >= 1.0).
* XLSX: one sheet of 20,000 roster rows x 6 columns, with shared strings as Excel saves it.
  ``extract_xlsx`` against openpyxl read-only ``iter_rows(values_only=True)``; information only.
  If ``leakscan.extract.xlsx`` cannot be imported the section prints ``xlsx: not available``.
* PPTX and ODT (information only, ``--no-extra`` skips them): ``extract_pptx`` against
  python-pptx shape and table text, ``extract_odf`` against odfpy's ``teletype.extractText`` of
  the body paragraphs.

Rates are given per input (MB/s of the file's bytes, or pages/s) and per output (MB/s of the
UTF-8 text each reader produced, which differs: leakscan reads more parts).  Ratios compare the
two readers' times on the same file.  The exit status is 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import gc
import importlib
import importlib.util
import io
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import corpus
from benchtools import ensure_importable, mb, pin_one_core, report_checks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

TARGET_PDF_RATIO = 10.0
TARGET_DOCX_RATIO = 1.0
PDF_LINE_CHARS = 32  # what fits a line of A4 at 14 pt between 1-inch margins
PDF_PAGE_LINES = 30
MIN_PASS_SECONDS = 0.25  # small documents are read several times per pass to reach this
FIXED_TIME = dt.datetime(2026, 1, 5, 10, 0, 0)
_SPACE = re.compile(r"\s+")
_CID = re.compile(r"\(cid:\d+\)")


def _utf8(texts: Sequence[str]) -> int:
    return sum(len(text.encode("utf-8")) for text in texts)


@dataclass
class Timing:
    """Per-call times (each pass divided by the calls it made) and the text one call produced."""

    label: str
    times: list[float]
    texts: list[str]

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def text_bytes(self) -> int:
        return _utf8(self.texts)


def _measure(label: str, run: Callable[[], list[str]], repeat: int) -> Timing:
    """Time ``run``: one untimed warm-up call, then ``repeat`` passes of enough calls each."""
    start = time.perf_counter()
    texts = run()
    once = time.perf_counter() - start
    calls = max(1, round(MIN_PASS_SECONDS / max(once, 1e-6)))
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            run()
        times.append((time.perf_counter() - start) / calls)
    return Timing(label, times, texts)


def _rate_row(timing: Timing, file_bytes: int, pages: int | None = None) -> str:
    """One line: best time per file, input rate (pages/s or MB/s), text rate, medians."""
    best, median = timing.best, timing.median
    if pages:
        rate = f"{pages / best:8.1f} pages/s (median {pages / median:7.1f})"
    else:
        rate = f"{mb(file_bytes) / best:8.2f} MB/s   (median {mb(file_bytes) / median:7.2f})"
    text = f"{mb(timing.text_bytes) / best:7.2f} MB/s text"
    return f"  {timing.label:<44} {best * 1000:8.1f} ms {rate} {text}"


def _ratio_row(label: str, fast: Timing, slow: Timing, target: float | None = None) -> str:
    ratio = slow.best / fast.best
    median = slow.median / fast.median
    note = f"target >= {target:g}x" if target is not None else "information"
    return f"  {label:<44} {ratio:8.1f}x   (median {median:.1f}x)  {note}"


def _prose(seed: int, chars: int) -> list[str]:
    """Ordinary 公文 prose (函, 公告, 會議紀錄, 工作報告) from the engine benchmark's corpus."""
    docs = corpus.generate(seed, chars * 2)
    return [text for name, text in docs if corpus.kind_of(name) == "prose"]


def _lines(texts: Sequence[str], width: int) -> list[str]:
    """The texts' non-empty lines, broken every ``width`` characters as a page would set them."""
    out = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            out.extend(line[i:i + width] for i in range(0, len(line), width))
    return out


# --- inputs --------------------------------------------------------------------------------------

def build_pdf(pages: int, seed: int) -> tuple[bytes, list[str]]:
    """A ``pages``-page 公文 PDF in MSung-Light, and each page's source text."""
    from tests.fixtures_pdf import make_pdf

    need = pages * PDF_PAGE_LINES
    lines: list[str] = []
    chars = need * PDF_LINE_CHARS
    while len(lines) < need:
        lines = _lines(_prose(seed, chars), PDF_LINE_CHARS)
        chars *= 2
    sources = ["\n".join(lines[p * PDF_PAGE_LINES:(p + 1) * PDF_PAGE_LINES]) for p in range(pages)]
    return make_pdf(sources, metadata={"title": "公文彙編"}), sources


def build_docx(seed: int, target_bytes: int = 200 * 1024) -> bytes:
    """Body paragraphs and roster tables up to ``target_bytes``, a header and a comment per page."""
    import docx

    rng = random.Random(seed)
    document = docx.Document()
    core = document.core_properties
    core.title, core.author = "工作報告彙編", "王小明"
    core.created = core.modified = FIXED_TIME
    document.sections[0].header.paragraphs[0].text = "○○部資訊處　內部文件"
    paragraphs = [line for line in _lines(_prose(seed, 400_000), 400) if line]
    index = blocks = 0
    add = 4  # blocks before the first save; then as many as the size so far says are missing
    while True:
        for _ in range(add):
            index = _docx_block(document, paragraphs, index, rng)
        blocks += add
        out = io.BytesIO()
        document.save(out)
        if out.tell() >= target_bytes:
            return out.getvalue()
        add = max(1, -(-(target_bytes - out.tell()) * blocks // out.tell()))


def _docx_block(document: Any, paragraphs: list[str], index: int, rng: random.Random) -> int:
    """40 body paragraphs (a comment on every 20th) and a 6 x 4 table; returns the next index."""
    for _ in range(40):
        paragraph = document.add_paragraph(paragraphs[index % len(paragraphs)])
        if index % 20 == 0:
            document.add_comment(paragraph.runs, text=f"請承辦人確認第{index}段文字。",
                                 author="科長", initials="K")
        index += 1
    table = document.add_table(rows=6, cols=4)
    for r, row in enumerate(table.rows):
        values = ("姓名", "職稱", "電話", "備註") if r == 0 else (
            f"{rng.choice(corpus.SURNAMES)}{rng.choice(corpus.GIVEN)}", rng.choice(corpus.TITLES),
            f"02-2{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}", f"第{index}案")
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    return index


def build_xlsx(rows: int, seed: int) -> bytes:
    """One sheet of ``rows`` roster rows x 6 columns, strings shared as Excel saves them."""
    import openpyxl

    from tests.fixtures_office import with_shared_strings

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    sheet = workbook.create_sheet("名冊")
    sheet.append(["編號", "姓名", "身分證字號", "出生年月日", "手機", "住址"])
    for index in range(rows):
        sheet.append([
            f"{index + 1:05d}",
            f"{rng.choice(corpus.SURNAMES)}{rng.choice(corpus.GIVEN)}",
            corpus.tw_national_id(rng),
            f"{rng.randrange(50, 95)}/{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}",
            f"09{rng.randrange(10, 100)}-{rng.randrange(100, 1000)}-{rng.randrange(100, 1000)}",
            f"{rng.choice(corpus.CITIES)}{rng.choice(corpus.ROADS)}{rng.randrange(1, 300)}號",
        ])
    out = io.BytesIO()
    workbook.save(out)
    return with_shared_strings(out.getvalue())


def build_pptx(seed: int, slides: int = 40) -> bytes:
    """``slides`` slides, each a title, a body text box and a small table."""
    from pptx import Presentation
    from pptx.util import Inches

    rng = random.Random(seed)
    lines = _lines(_prose(seed, slides * 600), 60)
    presentation = Presentation()
    presentation.core_properties.created = presentation.core_properties.modified = FIXED_TIME
    for number in range(slides):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = f"第{number + 1}案　工作報告"
        box = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(3)).text_frame
        box.text = lines[(number * 6) % len(lines)]
        for k in range(1, 6):
            box.add_paragraph().text = lines[(number * 6 + k) % len(lines)]
        table = slide.shapes.add_table(4, 3, Inches(0.5), Inches(5), Inches(9), Inches(2)).table
        for r in range(4):
            for c in range(3):
                table.cell(r, c).text = ("姓名", "職稱", "單位")[c] if r == 0 else (
                    f"{rng.choice(corpus.SURNAMES)}{rng.choice(corpus.GIVEN)}",
                    rng.choice(corpus.TITLES), rng.choice(corpus.UNITS))[c]
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def build_odt(seed: int, chars: int = 60_000) -> bytes:
    """Body paragraphs of 公文 prose, about ``chars`` characters."""
    from tests.fixtures_odf import plain_odt

    paragraphs: list[str] = []
    total = 0
    for line in _lines(_prose(seed, chars), 400):
        paragraphs.append(line)
        total += len(line)
        if total >= chars:
            break
    return plain_odt(paragraphs)


# --- readers -------------------------------------------------------------------------------------

def _leakscan_reader(module: str, function: str, name: str, data: bytes) -> Callable[[], list[str]]:
    from leakscan.extract import Limits

    extractor = getattr(importlib.import_module(f"leakscan.extract.{module}"), function)
    limits = Limits()

    def run() -> list[str]:
        return [segment.text for segment in extractor(data, name, limits).segments]

    return run


def _pdfplumber_reader(data: bytes) -> Callable[[], list[str]]:
    import pdfplumber

    def run() -> list[str]:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_text() or "" for page in pdf.pages]

    return run


def _python_docx_reader(data: bytes) -> Callable[[], list[str]]:
    import docx

    def run() -> list[str]:
        return [paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs]

    return run


def _openpyxl_reader(data: bytes) -> Callable[[], list[str]]:
    import openpyxl

    def run() -> list[str]:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return ["\t".join(str(v) for v in row if v is not None)
                    for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()

    return run


def _python_pptx_reader(data: bytes) -> Callable[[], list[str]]:
    from pptx import Presentation

    def run() -> list[str]:
        texts = []
        for slide in Presentation(io.BytesIO(data)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    texts.append(shape.text_frame.text)
                elif shape.has_table:
                    texts.extend(cell.text for row in shape.table.rows for cell in row.cells)
        return texts

    return run


def _odfpy_reader(data: bytes) -> Callable[[], list[str]]:
    from odf import teletype, text
    from odf.opendocument import load

    def run() -> list[str]:
        document = load(io.BytesIO(data))
        return [teletype.extractText(p) for kind in (text.H, text.P)
                for p in document.getElementsByType(kind)]

    return run


# --- sections ------------------------------------------------------------------------------------

def _matching_share(sources: Sequence[str], outputs: Sequence[str]) -> float:
    """Share of the sources' non-space characters found in order in the outputs, page by page."""
    matched = total = 0
    for source, output in zip(sources, outputs, strict=True):
        a, b = _SPACE.sub("", source), _SPACE.sub("", output)
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        matched += sum(block.size for block in matcher.get_matching_blocks())
        total += len(a)
    return matched / total if total else 1.0


def bench_pdf(args: argparse.Namespace) -> list[tuple[bool, str]]:
    import leakscan
    from leakscan.extract.pdf import garble_reason

    data, sources = build_pdf(args.pdf_pages, args.seed)
    pages = len(sources)
    chars = sum(len(_SPACE.sub("", s)) for s in sources)
    print(f"\nPDF: {pages} pages of 公文 prose in MSung-Light (CMap, no ToUnicode), "
          f"{chars:,} characters, {len(data) / 1024:.0f} KB")
    ours = _measure("leakscan extract_pdf", _leakscan_reader("pdf", "extract_pdf", "x.pdf", data),
                    args.repeat)
    plumber = _measure("pdfplumber page.extract_text(), all pages", _pdfplumber_reader(data),
                       args.repeat)
    scanner = leakscan.Scanner()
    scanner.scan_text("密等及解密條件或保密期限：機密", name="warmup.txt")  # lazy dictionary load

    def scan() -> list[str]:
        scanner.scan_bytes(data, "x.pdf")
        return []

    whole = _measure("leakscan Scanner().scan_bytes (information)", scan, args.repeat)
    whole.texts = ours.texts
    for timing in (ours, plumber, whole):
        print(_rate_row(timing, len(data), pages))
    print(_ratio_row("ratio extract_pdf / pdfplumber", ours, plumber, TARGET_PDF_RATIO))

    page_texts = _pdf_page_texts(data)
    plumber_texts = plumber.texts
    cids = sum(len(_CID.findall(t)) for t in plumber_texts)
    fffd = sum(t.count("\ufffd") for t in plumber_texts)
    garbled = sum(garble_reason(t) is not None for t in plumber_texts)
    ours_garbled = sum(garble_reason(t) is not None for t in page_texts)
    print(f"  text quality (same bytes): source characters found in order, page by page: "
          f"extract_pdf {_matching_share(sources, page_texts):.1%}, "
          f"pdfplumber {_matching_share(sources, plumber_texts):.1%}")
    print(f"  pdfplumber's text is mojibake for this font: {garbled}/{pages} pages flagged by "
          f"garble_reason (extract_pdf: {ours_garbled}/{pages}), {cids} (cid:N), "
          f"{fffd} U+FFFD; e.g. 「{plumber_texts[0].splitlines()[0][:16]}」 "
          f"for 「{sources[0].splitlines()[0][:16]}」")
    ratio = plumber.best / ours.best
    return [(ratio >= TARGET_PDF_RATIO,
             f"target: extract_pdf >= {TARGET_PDF_RATIO:g}x pdfplumber pages/s ({ratio:.1f}x)")]


def _pdf_page_texts(data: bytes) -> list[str]:
    """The text of each page as ``extract_pdf`` reads it (not properties or annotations)."""
    from leakscan.extract import Limits
    from leakscan.extract.pdf import extract_pdf

    pages = {s.location.page: s.text for s in extract_pdf(data, "x.pdf", Limits()).segments
             if s.location.page is not None and s.location.part == "body"}
    return [pages[number] for number in sorted(pages)]


def bench_docx(args: argparse.Namespace) -> list[tuple[bool, str]]:
    data = build_docx(args.seed)
    ours = _measure("leakscan extract_docx, all parts", _leakscan_reader("docx", "extract_docx",
                                                                         "x.docx", data), args.repeat)
    body = _measure("python-docx Document().paragraphs, body only", _python_docx_reader(data),
                    args.repeat)
    print(f"\nDOCX: {len(data) / 1024:.0f} KB, body paragraphs, tables, a header, comments; "
          f"text {mb(ours.text_bytes):.2f} MB (leakscan) vs {mb(body.text_bytes):.2f} MB "
          "(python-docx body)")
    print(_rate_row(ours, len(data)))
    print(_rate_row(body, len(data)))
    print(_ratio_row("ratio extract_docx / python-docx (time)", ours, body, TARGET_DOCX_RATIO))
    ratio = body.best / ours.best
    return [(ratio >= TARGET_DOCX_RATIO,
             f"target: extract_docx (all parts) no slower than python-docx body only ({ratio:.2f}x)")]


def bench_xlsx(args: argparse.Namespace) -> list[tuple[bool, str]]:
    try:
        importlib.import_module("leakscan.extract.xlsx")
    except ImportError as exc:
        print(f"\nxlsx: not available ({exc})")
        return []
    data = build_xlsx(args.xlsx_rows, args.seed)
    ours = _measure("leakscan extract_xlsx", _leakscan_reader("xlsx", "extract_xlsx", "x.xlsx", data),
                    args.repeat)
    base = _measure("openpyxl read-only iter_rows(values_only)", _openpyxl_reader(data), args.repeat)
    print(f"\nXLSX: {args.xlsx_rows:,} roster rows x 6 columns, shared strings, "
          f"{len(data) / 1024:.0f} KB; text {mb(ours.text_bytes):.2f} MB (leakscan, label：value "
          f"per cell) vs {mb(base.text_bytes):.2f} MB (openpyxl values)")
    print(_rate_row(ours, len(data)))
    print(_rate_row(base, len(data)))
    print(_ratio_row("ratio extract_xlsx / openpyxl (time)", ours, base))
    return []


def bench_extra(args: argparse.Namespace) -> None:
    for title, build, module, function, name, baseline, label, short in (
        ("PPTX: 40 slides, title, text box and table each", build_pptx, "pptx", "extract_pptx",
         "x.pptx", _python_pptx_reader, "python-pptx shapes and tables", "python-pptx"),
        ("ODT: about 60,000 characters of body paragraphs", build_odt, "odf", "extract_odf",
         "x.odt", _odfpy_reader, "odfpy load + teletype.extractText", "odfpy"),
    ):
        data = build(args.seed)
        ours = _measure(f"leakscan {function}", _leakscan_reader(module, function, name, data),
                        args.repeat)
        base = _measure(label, baseline(data), args.repeat)
        print(f"\n{title}, {len(data) / 1024:.0f} KB (information)")
        print(_rate_row(ours, len(data)))
        print(_rate_row(base, len(data)))
        print(_ratio_row(f"ratio {function} / {short} (time)", ours, base))


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes per measurement (>= 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated text")
    parser.add_argument("--pdf-pages", type=int, default=50, help="pages of the PDF")
    parser.add_argument("--xlsx-rows", type=int, default=20_000, help="rows of the sheet")
    parser.add_argument("--no-extra", action="store_true", help="skip the pptx and odt lines")
    args = parser.parse_args(argv)
    args.repeat = max(3, args.repeat)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the report; exit status 1 if a target is missed."""
    args = _parse(argv)
    pinned = pin_one_core()
    started = time.perf_counter()
    ensure_importable()
    leakscan = importlib.import_module("leakscan")
    print("leakscan extractor benchmark")
    print(f"  python {sys.version.split()[0]}, {pinned}, leakscan from {leakscan.__file__}")
    print(f"  per file: best of {args.repeat} passes (median in brackets); ratio = baseline time / "
          "leakscan time on the same bytes")
    checks = [*bench_pdf(args), *bench_docx(args), *bench_xlsx(args)]
    if not args.no_extra:
        bench_extra(args)
    status = report_checks(checks)
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
