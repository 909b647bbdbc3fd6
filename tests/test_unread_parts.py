"""The OOXML safety net: parts no reader opens are read generically, or the file is partial.

Each document is made with python-docx, openpyxl or python-pptx and given the part Office would
write (SmartArt data, a pivot cache, a connection, an altChunk, a glossary, a macro project, a
picture); the marker sits only there, so before the net every one of them was ``scanned`` and
``allow``.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest

from leakscan import Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.base import Extraction
from leakscan.extract.ooxml import IMAGE_FREE_BYTES, Package
from leakscan.extract.safezip import SafeZip, ZipLimits
from leakscan.model import Location, ScanResult

from .fixtures_docx import REL, plain_docx
from .fixtures_office import entity_part, plain_pptx, with_part

SECRET = "密碼：Tpe@2026!x"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "經費表"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _png(side: int) -> bytes:
    """A noise picture (noise does not compress, so ``side`` fixes its size)."""
    from PIL import Image

    image = Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _docx_with_picture(side: int) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("附件掃描如下：")
    document.add_picture(io.BytesIO(_png(side)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _edit(data: bytes, name: str, change: Callable[[str], str]) -> bytes:
    return with_part(data, name, change(zipfile.ZipFile(io.BytesIO(data)).read(name).decode()))


def _rules(result: ScanResult) -> dict[str, list[Location]]:
    """rule → locations of its findings, over the file and every item inside it."""
    found: dict[str, list[Location]] = {}
    for each in result.all_results():
        for finding in each.findings:
            found.setdefault(finding.rule, []).append(finding.location)
    return found


# SmartArt: pretty-printed, the secret split over two runs, as Office writes a typed-in node.
SMARTART = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A}">
  <dgm:ptLst>
    <dgm:pt modelId="{{6F1B}}" type="doc"><dgm:prSet phldrT="[文字]"/></dgm:pt>
    <dgm:pt modelId="{{7A2C}}">
      <dgm:t>
        <a:bodyPr/>
        <a:p>
          <a:r><a:rPr lang="zh-TW"/><a:t>密碼：</a:t></a:r>
          <a:r><a:rPr lang="en-US"/><a:t>Tpe@2026!x</a:t></a:r>
        </a:p>
      </dgm:t>
    </dgm:pt>
  </dgm:ptLst>
</dgm:dataModel>"""

PIVOT_CACHE = f"""<pivotCacheDefinition xmlns="{S}" recordCount="2">
<cacheFields count="2">
<cacheField name="姓名" numFmtId="0"><sharedItems><s v="王小明"/><s v="林美玉"/></sharedItems></cacheField>
<cacheField name="身分證字號" numFmtId="0"><sharedItems><s v="A123456789"/><s v="B120000009"/>
</sharedItems></cacheField>
</cacheFields></pivotCacheDefinition>"""

CONNECTIONS = (f'<connections xmlns="{S}"><connection id="1" name="hr" type="1" refreshedVersion="6">'
               '<dbPr connection="DSN=hr;UID=sa;Password=Tpe@2026!x;" command="SELECT * FROM staff"/>'
               '</connection></connections>')

GLOSSARY = (f'<w:glossaryDocument xmlns:w="{W}"><w:docParts><w:docPart><w:docPartPr>'
            '<w:name w:val="簽名檔"/></w:docPartPr><w:docPartBody><w:p><w:r>'
            f'<w:t>{SECRET}</w:t></w:r></w:p></w:docPartBody></w:docPart></w:docParts>'
            '</w:glossaryDocument>')


def _smartart_docx() -> bytes:
    return with_part(plain_docx(["組織圖如下"]), "word/diagrams/data1.xml", SMARTART)


def _pivot_xlsx() -> bytes:
    return with_part(_xlsx(), "xl/pivotCache/pivotCacheDefinition1.xml", PIVOT_CACHE)


def _connections_xlsx() -> bytes:
    return with_part(_xlsx(), "xl/connections.xml", CONNECTIONS)


def _glossary_docx() -> bytes:
    return with_part(plain_docx(["一般內文"]), "word/glossary/document.xml", GLOSSARY)


def _chart_pptx() -> bytes:
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    data = CategoryChartData()
    data.categories = ["一月", "二月"]
    data.add_series("件數", (1, 2))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, 0, 0, Inches(4), Inches(3), data)
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = SECRET
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("make", "name", "rule", "part"), [
    (_smartart_docx, "x.docx", "password-value", "word/diagrams/data1.xml"),
    (_chart_pptx, "x.pptx", "password-value", "ppt/charts/chart1.xml"),
    (_pivot_xlsx, "x.xlsx", "tw-national-id", "xl/pivotCache/pivotCacheDefinition1.xml"),
    (_connections_xlsx, "x.xlsx", "password-value", "xl/connections.xml"),
    (_glossary_docx, "x.docx", "password-value", "word/glossary/document.xml"),
], ids=["smartart-docx", "chart-title-pptx", "pivot-cache-xlsx", "connection-xlsx", "glossary-docx"])
def test_text_in_parts_no_reader_opens_is_found(scanner: Scanner, make: Callable[[], bytes],
                                                 name: str, rule: str, part: str) -> None:
    result = scanner.scan_bytes(make(), name)
    assert result.status == "scanned"
    assert Location("package-part", name=part) in [
        Location(loc.part, name=loc.name) for loc in _rules(result).get(rule, [])]
    assert result.decision.verdict != "allow"


def test_pivot_cache_values_are_found_once_each(scanner: Scanner) -> None:
    result = scanner.scan_bytes(_pivot_xlsx(), "x.xlsx")
    assert len(_rules(result)["tw-national-id"]) == 2


def test_altchunk_html_is_scanned_as_an_item(scanner: Scanner) -> None:
    data = _edit(plain_docx(["匯入內容如下"]), "word/document.xml",
                 lambda xml: xml.replace("</w:body>", '<w:altChunk r:id="rIdAC"/></w:body>'))
    data = _edit(data, "word/_rels/document.xml.rels", lambda xml: xml.replace(
        "</Relationships>", f'<Relationship Id="rIdAC" Type="{REL}/aFChunk" Target="afchunk.htm"/>'
        "</Relationships>"))
    data = with_part(data, "word/afchunk.htm", f"<html><body><p>{SECRET}</p></body></html>")
    result = scanner.scan_bytes(data, "x.docx")
    assert [item.path for item in result.items] == ["x.docx!word/afchunk.htm"]
    assert "password-value" in _rules(result)
    assert result.decision.verdict == "block"


def test_altchunk_in_a_format_not_read_makes_the_file_partial(scanner: Scanner) -> None:
    data = with_part(plain_docx(["匯入內容如下"]), "word/afchunk.rtf", r"{\rtf1 " + SECRET + "}")
    result = scanner.scan_bytes(data, "x.docx")
    assert result.status == "partial"
    assert [(p.code, p.detail) for p in result.problems] == [("part-not-read", "word/afchunk.rtf")]


def test_macro_project_makes_the_file_partial(scanner: Scanner) -> None:
    data = with_part(plain_docx(["巨集文件"]), "word/vbaProject.bin",
                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))  # type: ignore[arg-type]
    result = scanner.scan_bytes(data, "x.docm")
    assert result.status == "partial"
    assert [(p.code, p.detail) for p in result.problems] == [("part-not-read", "word/vbaProject.bin")]
    assert result.decision.verdict != "allow"


def test_large_picture_makes_the_file_partial(scanner: Scanner) -> None:
    data = _docx_with_picture(260)  # about 200 KB of noise: a pasted scan
    result = scanner.scan_bytes(data, "x.docx")
    assert result.status == "partial"
    [problem] = result.problems
    assert problem.code == "part-not-read"
    assert problem.detail.startswith("word/media/image1.png (")


def test_small_logo_keeps_the_file_scanned(scanner: Scanner) -> None:
    data = _docx_with_picture(40)  # about 5 KB: a letterhead logo
    assert len(_png(40)) < IMAGE_FREE_BYTES
    result = scanner.scan_bytes(data, "x.docx")
    assert (result.status, result.problems) == ("scanned", ())


@pytest.mark.parametrize(("make", "name"), [
    (lambda: plain_docx(["本文"]), "x.docx"), (_xlsx, "x.xlsx"), (lambda: plain_pptx(["本文"]), "x.pptx"),
], ids=["python-docx", "openpyxl", "python-pptx"])
def test_plain_generated_files_stay_scanned(make: Callable[[], bytes], name: str) -> None:
    extraction = extract(make(), name, Limits())
    assert (extraction.status, extraction.problems) == ("scanned", ())


def test_generic_parts_refuse_a_dtd() -> None:
    data = with_part(plain_docx(["本文"]), "customXml/item9.xml", entity_part("root", "urn:x"))
    extraction = extract(data, "x.docx", Limits())
    assert extraction.status == "partial"
    assert [p.code for p in extraction.problems] == ["xml-entities"]


class _OpensNothing(Package):
    """A reader that leaves every part to the net."""

    def read(self) -> Extraction:
        return self.result(True)


def test_generic_parts_share_the_byte_budget() -> None:
    """Declared sizes can lie, so the net's reads count against the budget as they inflate."""
    item = ("<r>" + "<v>一二三四五六七八九十</v>" * 20_000 + "</r>").encode()
    data = with_part(plain_docx(["本文"]), "customXml/item9.xml", item)  # type: ignore[arg-type]
    archive = SafeZip(zipfile.ZipFile(io.BytesIO(data)), ZipLimits(max_uncompressed_bytes=len(item) // 2))
    extraction = _OpensNothing(archive).read()
    assert extraction.status == "partial"
    assert [p.code for p in extraction.problems] == ["zip-bomb"]
    assert archive.remaining < 0


def test_document_variables_in_settings_are_read(scanner: Scanner) -> None:
    """w:docVar name and value are typed (templates and macros fill them), ASCII or not."""
    settings = ('<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                '<w:zoom w:percent="100"/><w:docVars><w:docVar w:name="dbpw" w:val="Password=Tpe@2026!x"/>'
                '<w:docVar w:name="案號" w:val="身分證字號A123456789"/></w:docVars></w:settings>')
    data = with_part(plain_docx(["本文"]), "word/settings.xml", settings)
    result = scanner.scan_bytes(data, "x.docx")
    assert {f.rule for f in result.findings} == {"password-value", "tw-national-id"}
    assert {f.location.part for f in result.findings} == {"package-part"}


def test_names_of_parts_not_read_are_scanned_and_printed_on_one_line(scanner: Scanner) -> None:
    from leakscan import messages

    data = _docx_with_picture(300)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        media = next(n for n in archive.namelist() if n.startswith("word/media/"))
        picture = archive.read(media)
    renamed = _with_bytes(data, "word/media/身分證A123456789\n== 假.png", picture)  # beside it
    result = scanner.scan_bytes(renamed, "x.docx")
    assert ("tw-national-id", "filename") in {(f.rule, f.location.part) for f in result.findings}
    [problem] = [p for p in result.problems if p.code == "part-not-read"]
    assert "\n" in problem.detail and "\n" not in messages.problem(problem.code, problem.detail)


def _with_bytes(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        target.writestr(name, content)
    return out.getvalue()
