"""Builds the .xlsx and .pptx fixtures the extractor tests use; no binary is committed.

openpyxl writes sheets (hidden and very hidden), cells, notes, defined names, print headers and
properties; python-pptx writes slides, placeholders, tables, groups, notes and properties.  What
they cannot write is added by editing the package's XML: shared strings (openpyxl writes inline
strings, Excel does not), threaded comments, a drawn text box on a sheet, legacy and modern
slide comments, a text box on the slide master, embedded documents, a shuffled slide order.
``python tests/fixtures_office.py DIR`` writes them out for a look in Excel or PowerPoint.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from leakscan.validators import tw_national_id

from .fixtures_docx import _rewrite

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
P188_NS = "http://schemas.microsoft.com/office/powerpoint/2018/8/main"

# One finding-bearing text per place a workbook hides text.
XLSX_TEXTS = {
    "table": "密碼：Tpe@2026!x",
    "hidden": "底價新臺幣2,000,000元",
    "very-hidden": "統一證號A800000014",
    "comment": "請勿外流",
    "threaded-comment": "限閱",
    "sheet-name": "機密",
    "defined-name": "Tpe@2026!y",
    "header": "機密",
    "footer": "限閱",
    "textbox": "極機密",
    "metadata-title": "極機密",
    "metadata-subject": "內部限閱",
    "metadata-keywords": "機密",
    "metadata-description": "請勿外流",
    "metadata-creator": "限閱",
    "metadata-lastModifiedBy": "機密",
    "metadata-category": "極機密",
}

PPTX_TEXTS = {
    "title": "機密",
    "body": "密等及解密條件或保密期限：機密",
    "group": "密碼：Grp@2026!x",
    "table": "身分證字號A123456789",
    "notes": "底價新臺幣2,000,000元",
    "comment-legacy": "請勿外流",
    "comment-modern": "限閱",
    "comment-reply": "密碼：Rep@2026!x",
    "master": "絕對機密",
    "second-slide": "統一證號A800000014",
    "metadata-title": "極機密",
    "metadata-description": "內部限閱",
}


def _bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def national_ids(count: int, *, valid: bool = True) -> list[str]:
    """``count`` distinct national ID numbers whose checksum passes (or fails)."""
    out: list[str] = []
    serial = 2345670
    while len(out) < count:
        serial += 1
        for last in range(10):
            candidate = f"A1{serial}{last}"
            if tw_national_id(candidate) == valid:
                out.append(candidate)
                break
    return out


def roster_rows(count: int) -> list[list[object]]:
    """A roster as an agency keeps one: values that say little without their column header."""
    ids = national_ids(count)
    return [[f"學員{i + 1}", ids[i], f"{70 + i % 20}/01/{1 + i % 28:02d}", f"09{12345600 + i}",
             f"臺北市中正區重慶南路1段{i + 1}號"] for i in range(count)]


ROSTER_HEADER = ["姓名", "身分證字號", "出生年月日", "手機", "住址"]


def roster_xlsx(rows: list[list[object]] | None = None, *, title_rows: int = 0,
                header: list[str] | None = None) -> bytes:
    """One sheet: optional title rows, a header row, then the roster."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名冊"
    for index in range(title_rows):
        sheet.append([f"○○訓練班學員名冊（第{index + 1}頁）"])
    sheet.append(header or ROSTER_HEADER)
    for row in roster_rows(30) if rows is None else rows:
        sheet.append(row)
    return _bytes(workbook)


def rich_xlsx(*, embedded: bytes | None = None, shared_strings: bool = True) -> bytes:
    """Every place of ``XLSX_TEXTS`` filled, where a real workbook keeps them."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName

    workbook = openpyxl.Workbook()
    visible = workbook.active
    visible.title = "公開"
    visible["A1"] = "項目"
    visible["B3"] = XLSX_TEXTS["table"]
    visible["B3"].comment = Comment(XLSX_TEXTS["comment"], "科長")
    visible.oddHeader.center.text = XLSX_TEXTS["header"]
    visible.oddFooter.right.text = XLSX_TEXTS["footer"]
    hidden = workbook.create_sheet("隱藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = XLSX_TEXTS["hidden"]
    very = workbook.create_sheet("極隱藏")
    very.sheet_state = "veryHidden"
    very["C2"] = XLSX_TEXTS["very-hidden"]
    workbook.create_sheet(XLSX_TEXTS["sheet-name"])["A1"] = "附表"
    dates = workbook.create_sheet("日期")
    dates.append(["姓名", "出生年月日", "手機"])
    dates.append(["王小明", dt.date(1981, 1, 1), 912345678])
    dates["C2"].number_format = "0000000000"
    workbook.defined_names["密碼"] = DefinedName("密碼", attr_text=f'"{XLSX_TEXTS["defined-name"]}"')
    workbook.defined_names["範圍"] = DefinedName("範圍", attr_text="公開!$A$1:$B$3")
    props = workbook.properties
    for field in ("title", "subject", "keywords", "description", "creator", "lastModifiedBy",
                  "category"):
        setattr(props, field, XLSX_TEXTS[f"metadata-{field}"])
    data = _bytes(workbook)
    data = _add_sheet_extras(data)
    if shared_strings:
        data = with_shared_strings(data)
    if embedded is not None:
        data = _rewrite(data, {"xl/embeddings/Microsoft_Word_Document.docx": embedded})
    return data


def _add_sheet_extras(data: bytes) -> bytes:
    """A drawn text box on the first sheet and a threaded comment (with Excel's legacy copy)
    on the hidden one: parts openpyxl does not write."""
    source = zipfile.ZipFile(io.BytesIO(data))
    rels_name = "xl/worksheets/_rels/sheet1.xml.rels"
    rels = source.read(rels_name).decode()
    rels = rels.replace("</Relationships>", f'<Relationship Id="rIdD1" Type="{REL}/drawing" '
                        'Target="/xl/drawings/drawing1.xml"/></Relationships>')
    drawing = (f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}"><xdr:twoCellAnchor><xdr:sp>'
               '<xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
               f'<xdr:txBody><a:bodyPr/><a:p><a:r><a:t>{XLSX_TEXTS["textbox"]}</a:t></a:r></a:p>'
               '</xdr:txBody></xdr:sp></xdr:twoCellAnchor></xdr:wsDr>')
    threaded = ('<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
                'threadedcomments"><threadedComment ref="A1" id="{1}" personId="{2}">'
                f'<text>{XLSX_TEXTS["threaded-comment"]}</text></threadedComment></ThreadedComments>')
    legacy = (f'<comments xmlns="{S_NS}"><authors><author>tc={{1}}</author></authors><commentList>'
              '<comment ref="A1" authorId="0"><text><t>[Threaded comment]\n\nYour version of Excel '
              f'allows you to read this threaded comment.\n\nComment:\n    {XLSX_TEXTS["threaded-comment"]}'
              '</t></text></comment></commentList></comments>')
    sheet2_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rIdT1" Type="http://schemas.microsoft.com/office/2017/10/'
                   'relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/>'
                   f'<Relationship Id="rIdC1" Type="{REL}/comments" Target="../comments2.xml"/>'
                   '</Relationships>')
    return _rewrite(data, {rels_name: rels, "xl/drawings/drawing1.xml": drawing,
                           "xl/threadedComments/threadedComment1.xml": threaded,
                           "xl/comments2.xml": legacy,
                           "xl/worksheets/_rels/sheet2.xml.rels": sheet2_rels})


_INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t>(.*?)</t></is></c>',
                     re.S)


def with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel saves it: cell strings moved into xl/sharedStrings.xml."""
    source = zipfile.ZipFile(io.BytesIO(data))
    strings: dict[str, int] = {}
    edits: dict[str, str | bytes | None] = {}

    def shared(match: re.Match[str]) -> str:
        index = strings.setdefault(match.group(3), len(strings))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{index}</v></c>'

    for name in source.namelist():
        if name.startswith("xl/worksheets/sheet"):
            edits[name] = _INLINE.sub(shared, source.read(name).decode())
    # The first string carries a phonetic guide (rPh), a reading that is not text of its own.
    items = "".join(f'<si><t xml:space="preserve">{text}</t>'
                    + ('<rPh sb="0" eb="1"><t>ㄒㄧㄤˋ</t></rPh>' if index == 0 else "") + "</si>"
                    for index, text in enumerate(strings))
    edits["xl/sharedStrings.xml"] = (f'<sst xmlns="{S_NS}" count="{len(strings)}" '
                                     f'uniqueCount="{len(strings)}">{items}</sst>')
    edits["xl/_rels/workbook.xml.rels"] = source.read("xl/_rels/workbook.xml.rels").decode().replace(
        "</Relationships>", f'<Relationship Id="rIdSS" Type="{REL}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>')
    edits["[Content_Types].xml"] = source.read("[Content_Types].xml").decode().replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return _rewrite(data, edits)


def big_xlsx(rows: int = 20_000, *, shared_strings: bool = True) -> bytes:
    """A roster-like sheet of ``rows`` rows and six text columns, for timing."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("資料")
    sheet.append(["編號", "姓名", "單位", "職稱", "說明", "備註"])
    for index in range(rows):
        sheet.append([f"N{index:06d}", f"王小明{index}", "資訊處第二科", "約聘人員",
                      f"本案依政府採購法辦理，第{index}項", f"會議紀錄如附件{index % 97}"])
    data = _bytes(workbook)
    return with_shared_strings(data) if shared_strings else data


# --- PowerPoint ---------------------------------------------------------------------------------

def _textbox(slide: object, text: str) -> None:
    from pptx.util import Inches

    slide.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1)).text_frame.text = text  # type: ignore[attr-defined]


def plain_pptx(texts: list[str]) -> bytes:
    """One blank slide per text, the text in a text box."""
    from pptx import Presentation

    presentation = Presentation()
    for text in texts:
        _textbox(presentation.slides.add_slide(presentation.slide_layouts[6]), text)
    return _bytes(presentation)


def rich_pptx(*, embedded: bytes | None = None, roster: bool = False) -> bytes:
    """Every place of ``PPTX_TEXTS`` filled.  The file ppt/slides/slide2.xml is shown first:
    presentation order, not file names, numbers the slides."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.core_properties.title = PPTX_TEXTS["metadata-title"]
    presentation.core_properties.comments = PPTX_TEXTS["metadata-description"]
    first = presentation.slides.add_slide(presentation.slide_layouts[1])  # slide1.xml, shown 2nd
    first.shapes.title.text = PPTX_TEXTS["title"]
    first.placeholders[1].text = PPTX_TEXTS["body"]
    group = first.shapes.add_group_shape()
    inner = group.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1))
    inner.text_frame.text = PPTX_TEXTS["group"]
    rows = [ROSTER_HEADER[:2], *[[r[0], r[1]] for r in roster_rows(30)]] if roster else \
        [["姓名", "備註"], ["王小明", PPTX_TEXTS["table"]]]
    table = first.shapes.add_table(len(rows), 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = str(text)
    first.notes_slide.notes_text_frame.text = PPTX_TEXTS["notes"]
    second = presentation.slides.add_slide(presentation.slide_layouts[6])  # slide2.xml, shown 1st
    _textbox(second, PPTX_TEXTS["second-slide"])
    data = _bytes(presentation)

    source = zipfile.ZipFile(io.BytesIO(data))
    edits: dict[str, str | bytes | None] = {}
    pres = source.read("ppt/presentation.xml").decode()
    ids = re.search(r"<p:sldIdLst>(<p:sldId [^>]*/>)(<p:sldId [^>]*/>)</p:sldIdLst>", pres)
    assert ids is not None
    edits["ppt/presentation.xml"] = pres.replace(ids.group(0),
                                                 f"<p:sldIdLst>{ids.group(2)}{ids.group(1)}</p:sldIdLst>")
    legacy = (f'<p:cmLst xmlns:p="{P_NS}"><p:cm authorId="0" dt="2026-01-05T10:00:00" idx="1">'
              f'<p:pos x="10" y="10"/><p:text>{PPTX_TEXTS["comment-legacy"]}</p:text></p:cm></p:cmLst>')
    modern = (f'<p188:cmLst xmlns:a="{A_NS}" xmlns:p188="{P188_NS}"><p188:cm id="{{A}}" '
              'authorId="{B}" created="2026-01-05T10:00:00"><p188:replyLst><p188:reply id="{C}" '
              'authorId="{B}" created="2026-01-05T11:00:00"><p188:txBody><a:bodyPr/><a:p><a:r>'
              f'<a:t>{PPTX_TEXTS["comment-reply"]}</a:t></a:r></a:p></p188:txBody></p188:reply>'
              '</p188:replyLst><p188:txBody><a:bodyPr/><a:p><a:r>'
              f'<a:t>{PPTX_TEXTS["comment-modern"]}</a:t></a:r></a:p></p188:txBody></p188:cm>'
              '</p188:cmLst>')
    edits["ppt/comments/comment1.xml"] = legacy
    edits["ppt/comments/modernComment_100_1.xml"] = modern
    rels = source.read("ppt/slides/_rels/slide1.xml.rels").decode()
    edits["ppt/slides/_rels/slide1.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdC1" Type="{REL}/comments" '
        'Target="../comments/comment1.xml"/><Relationship Id="rIdC2" Type="http://schemas.microsoft.com/'
        'office/2018/10/relationships/comments" Target="../comments/modernComment_100_1.xml"/>'
        "</Relationships>")
    master = source.read("ppt/slideMasters/slideMaster1.xml").decode()
    stamp = ('<p:sp><p:nvSpPr><p:cNvPr id="99" name="密等"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
             f'<p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{PPTX_TEXTS["master"]}</a:t></a:r></a:p>'
             "</p:txBody></p:sp></p:spTree>")
    edits["ppt/slideMasters/slideMaster1.xml"] = master.replace("</p:spTree>", stamp, 1)
    if embedded is not None:
        edits["ppt/embeddings/Microsoft_Word_Document.docx"] = embedded
    return _rewrite(data, edits)


def with_part(data: bytes, name: str, xml: str) -> bytes:
    """A valid package with one part replaced by ``xml`` (broken or hostile)."""
    return _rewrite(data, {name: xml})


def entity_part(root: str, ns: str) -> str:
    """A billion-laughs part with the given root element (for any OOXML main part)."""
    lol = "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                  for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n{lol}]>\n'
            f'<{root} xmlns="{ns}">&lol9;</{root}>')


def main(argv: list[str]) -> None:
    """Write the fixtures to a folder (for a look in Office); tests build them in memory."""
    from .fixtures_docx import plain_docx

    folder = Path(argv[1] if len(argv) > 1 else "office-fixtures")
    folder.mkdir(parents=True, exist_ok=True)
    inner = plain_docx(["內嵌：機密"])
    for name, data in (("rich.xlsx", rich_xlsx(embedded=inner)), ("roster.xlsx", roster_xlsx()),
                       ("rich.pptx", rich_pptx(embedded=inner)), ("big.xlsx", big_xlsx())):
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv)
