"""PDF fixtures, generated with reportlab so no binary is committed.

Text is set in reportlab's built-in CID font ``MSung-Light``: a predefined CMap, no embedded font
and no ToUnicode map, as many 公文 systems produce — the case pdfminer gets wrong.  When Debian's
``fonts-arphic-uming`` is installed, ``UMING`` also allows an embedded TrueType subset.

Run ``python -m tests.fixtures_pdf OUTDIR`` to write the fixtures out for a look in a viewer.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

CID_FONT = "MSung-Light"
UMING = "UMing"
UMING_PATH = Path("/usr/share/fonts/truetype/arphic/uming.ttc")

# Page markers for ``make_pdf``: a page that is a picture (a scan), a page of vector shapes only
# (text converted to outlines looks like this), and a page with nothing on it.
IMAGE = "<image>"
SHAPES = "<shapes>"
BLANK = "<blank>"

CLASSIFIED = "密等及解密條件或保密期限：機密"
FLOOR_PRICE = "底價新臺幣1,234,000元"
# What pdfminer (pdfplumber 0.11, pdfminer.six 20260107) returns for the two lines above in
# MSung-Light: real but wrong Han characters.
PDFMINER_MOJIBAKE = "梔岱陋恣梔斞唉計艮梔博鈷嗧淗梔\n弦牻劂揄偢1,234,000韶"

pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))


def uming_available() -> bool:
    """Whether the TrueType CJK font is installed (and registered with reportlab)."""
    if UMING in pdfmetrics.getRegisteredFontNames():
        return True
    if not UMING_PATH.exists():
        return False
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(UMING, str(UMING_PATH)))
    return True


def make_pdf(
    pages: Sequence[str],
    *,
    font: str = CID_FONT,
    metadata: Mapping[str, str] | None = None,
    notes: Mapping[int, str] | None = None,
    encrypt: str | None = None,
) -> bytes:
    """A PDF with one page per item: lines of text, or ``IMAGE`` / ``SHAPES`` / ``BLANK``.

    ``metadata`` keys: title, author, subject, keywords.  ``notes``: page number (1-based) → the
    text of a comment (a /Text annotation) on that page.
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True, encrypt=encrypt)
    for key, value in (metadata or {}).items():
        getattr(pdf, f"set{key.capitalize()}")(value)
    for number, page in enumerate(pages, start=1):
        if page == IMAGE:
            _draw_image(pdf)
        elif page == SHAPES:
            pdf.rect(72, 500, 300, 200, fill=1)
            pdf.circle(300, 300, 80)
        elif page != BLANK:
            pdf.setFont(font, 14)
            for i, line in enumerate(page.split("\n")):
                pdf.drawString(72, 770 - 22 * i, line)
        if notes and number in notes:
            pdf.textAnnotation(notes[number], Rect=(400, 700, 500, 760))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_image(pdf: canvas.Canvas) -> None:
    """A grey picture with dark stripes, standing in for a scanned page."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (200, 280), 230)
    draw = ImageDraw.Draw(image)
    for y in range(20, 260, 12):
        draw.line((20, y, 180, y), fill=40, width=3)
    pdf.drawImage(ImageReader(image), 72, 200, width=400, height=560)


def without_tounicode(data: bytes) -> bytes:
    """The same PDF with its ToUnicode maps disabled (same length, so offsets stay right).

    With an embedded TrueType subset this is the classic garbled PDF: PDFium then reports the
    subset's glyph codes, which are control characters.
    """
    return data.replace(b"/ToUnicode", b"/ToUnicodX")


def chinese_pages(count: int, lines: int = 30) -> list[str]:
    """``count`` pages of 公文-like text, with a classification and a floor price on each."""
    body = ("主旨：檢送本局辦理資訊設備採購案之開標紀錄及決標結果，請查照。"
            "說明：依政府採購法第六十一條規定辦理，本案預算金額新臺幣五百萬元，"
            "承辦人員應依規定妥善保管相關文件，不得洩漏予無關人員。")
    pages = []
    for n in range(count):
        rows = [CLASSIFIED, FLOOR_PRICE]
        while len(rows) < lines:
            start = (n * 7 + len(rows) * 11) % (len(body) - 30)
            rows.append(body[start:start + 30])
        pages.append("\n".join(rows))
    return pages


def main(argv: Sequence[str]) -> int:
    out = Path(argv[0]) if argv else Path("pdf-fixtures")
    out.mkdir(parents=True, exist_ok=True)
    fixtures = {
        "cmap-cjk.pdf": make_pdf([CLASSIFIED, FLOOR_PRICE], metadata={"title": "機密"},
                                 notes={2: "密碼：Tpe@2026!x"}),
        "scan-page.pdf": make_pdf([CLASSIFIED, IMAGE, SHAPES]),
        "encrypted.pdf": make_pdf([CLASSIFIED], encrypt="pw"),
        "fifty-pages.pdf": make_pdf(chinese_pages(50)),
    }
    if uming_available():
        fixtures["truetype-no-tounicode.pdf"] = without_tounicode(make_pdf([CLASSIFIED], font=UMING))
    for name, data in fixtures.items():
        (out / name).write_bytes(data)
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
