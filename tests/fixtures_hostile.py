"""Hostile inputs for the fuzz, limit, leak and path tests: real files of every format, ways to
damage them, bombs, a long PDF written object by object, a corpus of planted secrets, and a
helper that measures a scan's peak memory in a child process.  No binary is committed.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, settings

from .fixtures_docx import plain_docx, rich_docx
from .fixtures_mail import mail, nested_zip, zip_of
from .fixtures_odf import di, rewrite, rich_odp, rich_ods, rich_odt
from .fixtures_office import rich_pptx, rich_xlsx
from .fixtures_pdf import make_pdf

ROOT = Path(__file__).resolve().parent.parent
CRASHES = Path(__file__).resolve().parent / "data" / "crashes"


def fuzz_settings(examples: int) -> settings:
    """Reproducible hypothesis settings for CI: fixed seed, no example database written into the
    repository, no per-example deadline on a busy machine.  ``LEAKSCAN_FUZZ_SCALE`` multiplies
    the example count for a longer local run (with a random seed, to find new inputs)."""
    scale = float(os.environ.get("LEAKSCAN_FUZZ_SCALE", "1"))
    return settings(max_examples=max(1, int(examples * scale)), deadline=None, database=None,
                    derandomize=scale == 1,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# ---- real files of every format ---------------------------------------------------------------

HTML = ("<html><head><title>機密</title><meta name='description' content='內部限閱'></head><body>"
        "<p>密碼：Tpe@2026!x</p><img alt='身分證字號A123456789'><!-- 底價新臺幣1,234,000元 --></body></html>")
TEXT = "密等及解密條件或保密期限：機密\n身分證字號A123456789\n密碼：Tpe@2026!x\n底價新臺幣1,234,000元\n"

SAMPLES: dict[str, Callable[[], bytes]] = {
    "x.txt": lambda: TEXT.encode(),
    "x-big5.txt": lambda: TEXT.encode("cp950"),
    "x.docx": rich_docx,
    "x.xlsx": rich_xlsx,
    "x.pptx": rich_pptx,
    "x.odt": lambda: rich_odt(embedded=False),
    "x.ods": rich_ods,
    "x.odp": rich_odp,
    "x.pdf": lambda: make_pdf(["密等及解密條件或保密期限：機密", "密碼：Tpe@2026!x"],
                              metadata={"Title": "機密"}, notes={0: "底價新臺幣1,234,000元"}),
    "x.html": HTML.encode,
    "x.di": lambda: di().encode(),
    "x.eml": lambda: mail("極機密", plain="密碼：Tpe@2026!x",
                          attachments=(("a.docx", plain_docx(["身分證字號A123456789"])),)),
    "x.zip": lambda: zip_of({"a.txt": TEXT.encode(), "b.docx": plain_docx(["極機密"])}),
}

# The part without which a zip-based document has no content: dropping it must not read as clean.
MAIN_PARTS = {
    "x.docx": "word/document.xml",
    "x.xlsx": "xl/workbook.xml",
    "x.pptx": "ppt/presentation.xml",
    "x.odt": "content.xml",
    "x.ods": "content.xml",
    "x.odp": "content.xml",
}
ZIP_BASED = frozenset({*MAIN_PARTS, "x.zip"})


@functools.cache
def sample(name: str) -> bytes:
    """The sample file ``name`` (built once per test session)."""
    return SAMPLES[name]()


# ---- ways to damage a file --------------------------------------------------------------------

def truncate(data: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes (a download cut short, a disk full while saving)."""
    return data[:keep]


def flip(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    """``data`` with bit ``bit`` of byte ``index % len`` inverted for each pair."""
    damaged = bytearray(data)
    for index, bit in flips:
        damaged[index % len(damaged)] ^= 1 << (bit % 8)
    return bytes(damaged)


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [info.filename for info in archive.infolist()]


def rezip(data: bytes, *, drop: frozenset[str] = frozenset(), duplicate: dict[str, bytes] | None = None
          ) -> bytes:
    """A copy of a zip without the ``drop`` entries and with a second entry of the same name for
    each ``duplicate`` (appended after the first, as a tampering tool would)."""
    out = io.BytesIO(rewrite(data, dict.fromkeys(drop)))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names: that is the point
        for name, content in (duplicate or {}).items():
            target.writestr(name, content)
    return out.getvalue()


# ---- bombs and limits -------------------------------------------------------------------------

def deep_zip(levels: int) -> bytes:
    """A secret at the bottom of ``levels`` zips, one inside the next."""
    return nested_zip(levels, {"deep.txt": "密碼：Deep@2026!x".encode()})


def many_pages_pdf(pages: int, text: str = "page") -> bytes:
    """A PDF of ``pages`` pages written object by object (seconds faster than reportlab): every
    page shows ``text`` (ASCII, Helvetica) through one shared content stream."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>"
        % (pages, b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>")
    objects.extend(page for _ in range(pages))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (holes read as zeros)."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


_RSS_CHILD = """
import json, resource, sys
from leakscan import Scanner
scanner = Scanner()
scanner.scan_bytes(sys.argv[1].encode(), "warm-up.txt")  # load jieba, compile, import
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for path in sys.argv[2:]:
    result = scanner.scan_path(path)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"path": path, "status": result.status, "before_kib": before, "after_kib": after,
                      "codes": sorted({p.code for r in result.all_results() for p in r.problems})}))
"""


def scan_in_child(paths: list[Path], timeout: float = 300) -> dict[str, dict[str, object]]:
    """Scan ``paths`` one after the other in a fresh interpreter: path → status, problem codes and
    peak RSS (KiB) after the warm-up and after that file.  ``ru_maxrss`` is a high-water mark, so
    ``after - before`` bounds what the scans so far added on top of a warmed-up scanner; scanning
    every file in one child keeps the heavy tests to one interpreter start."""
    completed = subprocess.run([sys.executable, "-c", _RSS_CHILD, TEXT, *map(str, paths)],
                               capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=True)
    reports = [json.loads(line) for line in completed.stdout.splitlines()]
    return {report["path"]: report for report in reports}


# ---- a corpus of planted secrets --------------------------------------------------------------

# Raw values leakscan must find and must never print unless asked: valid ID numbers (checksums
# hold), passwords, a floor price, a mobile number.  Each is masked by its rule.
SECRETS: dict[str, str] = {
    "national-id": "A123456789",
    "resident-id": "A800000014",
    "password": "Tpe@2026!x",
    "password-2": "Wq7#kLm29z",
    "floor-price": "7,654,321",
    "mobile": "0912-345-678",
}
SECRET_LINES = (
    f"承辦人身分證字號{SECRETS['national-id']}",
    f"統一證號{SECRETS['resident-id']}",
    f"系統帳號密碼：{SECRETS['password']}",
    f"密碼: {SECRETS['password-2']}",
    f"本案底價新臺幣{SECRETS['floor-price']}元",
    f"聯絡手機：{SECRETS['mobile']}",
)


def full_width(text: str) -> str:
    """ASCII letters, digits and signs as their full-width forms (Ａ１２３，…)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def secret_variants() -> set[str]:
    """Every planted value as written, full-width and NFKC-folded: none may be printed."""
    variants: set[str] = set()
    for value in SECRETS.values():
        variants |= {value, full_width(value), unicodedata.normalize("NFKC", full_width(value))}
    return variants


def secret_documents() -> dict[str, bytes]:
    """The planted secrets in each format a civil servant sends: file name → bytes."""
    lines = list(SECRET_LINES)
    half = len(lines) // 2
    return {
        "secrets.txt": "\n".join(lines).encode(),
        "secrets-fw.txt": "\n".join(full_width(line) for line in lines).encode(),
        "secrets.docx": plain_docx(lines),
        "secrets.xlsx": _xlsx(lines),
        "secrets.pdf": make_pdf(["\n".join(lines[:half]), "\n".join(lines[half:])]),
        "secrets.eml": mail("公文", plain="\n".join(lines[:half]),
                            attachments=(("附件.docx", plain_docx(lines[half:])),)),
        "secrets.zip": zip_of({"a.txt": "\n".join(lines).encode()}),
        "secrets.html": ("<p>" + "</p><p>".join(lines) + "</p>").encode(),
        # html.parser gives up at a marked section it cannot name and quotes the page in its error.
        "secrets-broken.html": (f"<p>{lines[0]}</p><![密碼：{SECRETS['password']} [x]]>").encode(),
    }


def _xlsx(lines: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row, line in enumerate(lines, 1):
        sheet.cell(row=row, column=1, value=line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- structured damage: odd values in the XML of a package -----------------------------------

# Attribute values a hand-edited or generated file may carry where a number, a reference or a
# name is expected.
ODD_VALUES = ("", "²", "٣", "-1", "0", "1e309", "NaN", "99999999999999999999", "A0", "XFD1048577",
              "ZZZZZZZZZZ1", "../../../etc/passwd", "/", "#", "rId999", "&amp;", "&#12354;", " ", "機密",
              "1048576", "2147483648", "-2147483649", "true", "1.5")

_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def with_attribute(data: bytes, entry: str, index: int, value: str) -> bytes:
    """A copy of a package whose ``index``-th attribute (modulo their count) in ``entry`` is ``value``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(entry)
    found = list(_ATTRIBUTE.finditer(xml))
    if not found:
        return data
    match = found[index % len(found)]
    changed = xml[:match.start(2)] + value.encode() + xml[match.end(2):]
    return rewrite(data, {entry: changed})
