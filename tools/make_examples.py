"""(Re)generate the binary example documents in ``examples/`` (the README's ``leakscan scan examples/``).

Rerun from the repository root, in an environment with the test extras installed
(python-docx, openpyxl, python-pptx, odfpy, reportlab, Pillow)::

    python tools/make_examples.py            # writes into examples/
    python tools/make_examples.py OUTDIR     # or somewhere else

Each file is a short, plausible Taiwanese government document that hides a leak where its format
hides text: a tracked deletion and a comment in a .docx, a hidden sheet in a .xlsx, speaker notes
in a .pptx, an HTML comment, an attachment of an e-mail, a Big5-named member of a zip, a scanned
PDF page.  Names, ID numbers and phone numbers are made up (IDs carry valid checksums).

The output is deterministic: fixed dates in document properties, comments and mail headers, a
fixed MIME boundary, fixed zip timestamps, reportlab's invariant mode.  Rerunning gives identical
bytes as long as the library versions (and zlib) stay the same.  The plain-text examples and
``examples/policies/`` are written by hand and are not touched.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "examples"

ZIP_TIME = (2026, 4, 1, 9, 0, 0)
WHEN = dt.datetime(2026, 4, 1, 9, 0, 0)  # document properties, comments
W3CDTF = "2026-04-01T09:00:00Z"

# --- identifiers with valid checksums (DOMAIN.md §5) -----------------------------------------------

_ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def national_id(letter: str, sex: int, serial: str) -> str:
    """國民身分證統一編號 ``letter sex serial`` (7 digits) with its check digit."""
    code = 10 + _ID_LETTERS.index(letter)
    digits = [sex, *map(int, serial)]
    total = code // 10 + (code % 10) * 9 + sum(d * w for d, w in zip(digits, range(8, 0, -1), strict=True))
    return f"{letter}{sex}{serial}{(10 - total % 10) % 10}"


def business_id(prefix: str) -> str:
    """統一編號 ``prefix`` (7 digits) completed with the first check digit that passes."""
    from leakscan.validators import tw_business_id

    return next(f"{prefix}{d}" for d in range(10) if tw_business_id(f"{prefix}{d}"))


# --- determinism --------------------------------------------------------------------------------

_STAMP = rb"\g<1>" + W3CDTF.encode() + rb"\2"
_DATES = [
    (re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)"), _STAMP),
    (re.compile(rb"(<cp:lastPrinted>)[^<]*(</cp:lastPrinted>)"), _STAMP),
    (re.compile(rb'( w:date=")[^"]*(")'), _STAMP),
    (re.compile(rb"(<meta:creation-date>)[^<]*(</meta:creation-date>)"), rb"\g<1>2026-04-01T09:00:00\2"),
    (re.compile(rb"(<dc:date>)[^<]*(</dc:date>)"), rb"\g<1>2026-04-01T09:00:00\2"),
]


def stable_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and attributes, member order and methods kept
    (an ODF ``mimetype`` stays first and stored), and dates inside XML parts fixed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for pattern, replacement in _DATES:
                    body = pattern.sub(replacement, body)
            new = zipfile.ZipInfo(info.filename, ZIP_TIME)
            new.compress_type = info.compress_type
            new.create_system = 0
            new.external_attr = 0
            target.writestr(new, body)
    return out.getvalue()


def _saved(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return stable_zip(out.getvalue())


def _core(props: object, **values: object) -> None:
    """Fixed OOXML core properties (python-docx / python-pptx objects)."""
    for name, value in {"created": WHEN, "modified": WHEN, "last_printed": WHEN, "revision": 1,
                        "last_modified_by": values.get("author", ""), "comments": "", **values}.items():
        setattr(props, name, value)


# --- .docx ------------------------------------------------------------------------------------

def _docx_paragraphs(document: object, lines: list[str]) -> None:
    for line in lines:
        document.add_paragraph(line)  # type: ignore[attr-defined]


def floor_price_memo_docx() -> bytes:
    """簽呈-底價核定.docx: a 簽 whose amount survives only as a tracked deletion."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    _core(document.core_properties, title="簽：115年度資訊設備汰換採購案底價核定（密）",
          subject="採購", author="林怡君", keywords="底價核定")
    header = document.sections[0].header.paragraphs[0]
    header.text = "密"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _docx_paragraphs(document, [
        "檔　　號：",
        "保存年限：",
        "簽　　於資訊室",
        "密等及解密條件或保密期限：密（本件於公布時解密）",
        "主旨：有關本室「115年度資訊設備汰換」採購案底價核定事宜，簽請核示。",
        "說明：",
        "一、本案預算金額新臺幣3,500,000元，業於115年3月2日公告招標，115年3月23日截止投標。",
        "二、截至截止投標日止，計有3家廠商領標，名單如下表：",
    ])
    table = document.add_table(rows=5, cols=3)
    table.style = "Table Grid"
    title = table.cell(0, 0).merge(table.cell(0, 2))
    title.text = "領標廠商名單"
    for row, values in enumerate((
            ("廠商名稱", "統一編號", "領標日期"),
            ("達新資訊股份有限公司", business_id("5312846"), "115年3月5日"),
            ("聯群科技有限公司", business_id("2870413"), "115年3月9日"),
            ("宇恆系統整合股份有限公司", business_id("8046625"), "115年3月16日")), start=1):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    point = document.add_paragraph()
    lead = point.add_run("三、經參考市場行情及歷年決標資料，")
    # Word's tracked changes: python-docx's paragraph.text leaves the deletion out.
    point._p.append(parse_xml(
        f'<w:del {nsdecls("w")} w:id="901" w:author="林怡君" w:date="{W3CDTF}"><w:r>'
        "<w:delText>建議底價新臺幣3,280,000元</w:delText></w:r></w:del>"))
    point._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="902" w:author="林怡君" w:date="{W3CDTF}"><w:r>'
        "<w:t>擬另以密封底價單陳核</w:t></w:r></w:ins>"))
    point.add_run("。")
    _docx_paragraphs(document, [
        "擬辦：奉核後由主計室會同開標，開標時當場拆封。",
        "承辦人：林怡君　分機2231",
    ])
    document.add_comment(lead, text="本簽限閱，請以密件陳核，勿放共用資料夾。", author="王科長",
                         initials="王")
    return _saved(document)


def attached_memo_docx() -> bytes:
    """The 簽呈.docx inside the e-mail example: a 極機密 簽."""
    import docx

    document = docx.Document()
    _core(document.core_properties, title="簽呈", author="張志偉")
    _docx_paragraphs(document, [
        "簽　　於作戰計畫處",
        "密等及解密條件或保密期限：極機密（本件至125年12月31日解密）",
        "主旨：有關「115年度聯合演習通信系統」採購案辦理方式，簽請核示。",
        "說明：本案涉及演習通信頻率規劃，採限制性招標，邀請1家廠商議價。",
    ])
    return _saved(document)


def draft_memo_docx() -> bytes:
    """The docx nested in the zip example: a draft 簽 with a 底價 amount."""
    import docx

    document = docx.Document()
    _core(document.core_properties, title="簽稿", author="林怡君")
    _docx_paragraphs(document, [
        "簽　　於秘書室",
        "主旨：有關本處「115年度公務車租賃」案核定底價，簽請核示。",
        "說明：經參考前案決標金額，擬核定底價新臺幣1,960,000元整。",
    ])
    return _saved(document)


def broken_docx() -> bytes:
    """損壞檔案.docx: a package cut off in the middle, as an interrupted copy leaves it."""
    import docx

    document = docx.Document()
    _core(document.core_properties, title="會議資料", author="林怡君")
    _docx_paragraphs(document, ["資訊室週會會議資料", "一、報告事項：機房門禁卡換發。"])
    data = _saved(document)
    return data[: len(data) // 2]


# --- .pdf -------------------------------------------------------------------------------------

def meeting_minutes_pdf() -> bytes:
    """會議紀錄-機密.pdf: CID-font text (no embedded font), a 機密 stamp, a committee list and
    a scanned page that has no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "MSung-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.setTitle("115年度資訊設備汰換採購案評選委員會第1次會議紀錄")
    pdf.setAuthor("採購組")
    pdf.setSubject("會議紀錄")

    def page(lines: list[str], *, stamp: str | None = None) -> None:
        if stamp:
            pdf.setFont(font, 20)
            pdf.drawRightString(523, 790, stamp)
        pdf.setFont(font, 13)
        for index, line in enumerate(lines):
            pdf.drawString(72, 750 - 22 * index, line)
        pdf.showPage()

    page([
        "115年度資訊設備汰換採購案評選委員會第1次會議紀錄",
        "密等及解密條件或保密期限：機密（本件至115年12月31日解密）",
        "時間：115年3月25日（星期三）下午2時",
        "地點：本局5樓第一會議室",
        "主席：林副局長志明　　　　記錄：陳怡君",
        "出席委員：詳如簽到表（第3頁）",
        "一、主席致詞：（略）",
        "二、業務單位報告：本案於115年3月23日截止投標，計有3家廠商投標，",
        "　　經資格審查均符合招標文件規定。",
        "三、討論事項：評選項目及配分依評選須知辦理，委員評分如附表。",
        "四、決議：評選結果依序為達新資訊、聯群科技、宇恆系統，",
        "　　簽報機關首長核定後辦理議價。",
        "五、散會：下午4時30分。",
    ], stamp="機密")
    page([
        "附件一　本案評選委員名單",
        "編號　姓名　　服務單位　　　　　　　　　　職稱　　類別",
        "1　　林志明　本局　　　　　　　　　　　　副局長　內聘（召集人）",
        "2　　黃建國　國立臺灣科技大學資訊管理系　教授　　外聘",
        "3　　吳淑貞　國立政治大學資訊科學系　　　副教授　外聘",
        "4　　鄭文雄　本局資訊室　　　　　　　　　主任　　內聘",
        "5　　蔡佩君　財團法人資訊工業策進會　　　組長　　外聘",
        "備註：委員名單於評選結束前不得公開。",
    ], stamp="機密")
    # Page 3: the signed attendance sheet, scanned: an image and no text.
    image = Image.new("L", (300, 420), 235)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 280, 400), outline=60, width=2)
    for y in range(60, 390, 30):
        draw.line((20, y, 280, y), fill=90, width=1)
        draw.line((40, y - 12, 40 + (y * 7) % 120, y - 14), fill=30, width=2)  # a signature stroke
    draw.line((140, 20, 140, 400), fill=90, width=1)
    pdf.drawImage(ImageReader(image), 72, 120, width=450, height=630)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- .xlsx ------------------------------------------------------------------------------------

ROSTER = [  # 姓名, 身分證字號 parts, 出生年月日, 手機
    ("王志明", ("A", 1, "2837465"), "民國69年3月14日", "0912-386-204"),
    ("李怡君", ("F", 2, "3048172"), "民國75年11月2日", "0928-517-630"),
    ("陳建宏", ("H", 1, "2590834"), "民國72年6月21日", "0937-204-851"),
    ("林雅婷", ("B", 2, "6713025"), "民國80年1月9日", "0955-730-418"),
    ("黃俊傑", ("E", 1, "4182906"), "民國67年8月30日", "0916-842-375"),
    ("張淑芬", ("D", 2, "2965140"), "民國64年12月5日", "0963-158-027"),
    ("吳家豪", ("N", 1, "3306587"), "民國78年4月17日", "0982-603-749"),
    ("劉佩珊", ("R", 2, "5427391"), "民國83年10月26日", "0921-475-306"),
]


def training_roster_xlsx() -> bytes:
    """研習名冊.xlsx: a roster, a note on a cell and a hidden sheet with a password."""
    import openpyxl
    from openpyxl.comments import Comment

    workbook = openpyxl.Workbook()
    props = workbook.properties
    props.title = "115年度公文寫作研習學員名冊"
    props.creator = props.lastModifiedBy = "人事室"
    props.created = props.modified = WHEN
    sheet = workbook.active
    sheet.title = "學員名冊"
    sheet.append(["115年度公文寫作研習學員名冊（115年4月14日至15日）"])
    sheet.append(["編號", "姓名", "身分證字號", "出生年月日", "手機"])
    for number, (name, id_parts, born, mobile) in enumerate(ROSTER, start=1):
        sheet.append([number, name, national_id(*id_parts), born, mobile])
    for column, width in zip("ABCDE", (6, 10, 14, 18, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet["B3"].comment = Comment("王志明另留緊急聯絡人：配偶 0935-112-447", "人事室")
    settings = workbook.create_sheet("系統設定")
    settings.sheet_state = "hidden"
    settings.append(["報名系統", "https://training.example.gov.tw/admin"])
    settings.append(["系統管理員帳號：admin"])
    settings.append(["系統管理員密碼：Adm!n2026"])
    out = io.BytesIO()
    workbook.save(out)
    return stable_zip(out.getvalue())


# --- .pptx ------------------------------------------------------------------------------------

def security_briefing_pptx() -> bytes:
    """簡報-資安說明.pptx: a title slide, a table slide, and a password in the speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    presentation = Presentation()
    _core(presentation.core_properties, title="115年度資通安全宣導", author="資訊室")
    first = presentation.slides.add_slide(presentation.slide_layouts[0])
    first.shapes.title.text = "115年度資通安全宣導"
    first.placeholders[1].text = "資訊室　115年4月"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "遠端連線帳號盤點"
    rows = [("系統", "管理單位", "帳號數", "備註"),
            ("VPN 遠端連線", "資訊室", "42", "每季清查"),
            ("公文系統", "秘書室", "318", "離職帳號已停用"),
            ("差勤系統", "人事室", "305", "")]
    table = second.shapes.add_table(len(rows), 4, Inches(0.6), Inches(1.8), Inches(8.8),
                                    Inches(2)).table
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            for run in cell.text_frame.paragraphs[0].runs:
                run.font.size = Pt(18)
    second.notes_slide.notes_text_frame.text = (
        "講者備註：現場示範連線時使用 VPN 帳號 admin 密碼 Hj7#k2Qz，簡報結束後立即變更。")
    third = presentation.slides.add_slide(presentation.slide_layouts[1])
    third.shapes.title.text = "密碼設定原則"
    third.placeholders[1].text = "密碼長度至少12碼\n每90天變更一次\n不得與帳號相同"
    return _saved(presentation)


# --- OpenDocument -----------------------------------------------------------------------------

def _odf_bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.write(out)  # type: ignore[attr-defined]
    return stable_zip(out.getvalue())


def _odf_meta(document: object, title: str, creator: str) -> None:
    from odf import dc, meta

    document.meta.addElement(dc.Title(text=title))  # type: ignore[attr-defined]
    document.meta.addElement(dc.Creator(text=creator))  # type: ignore[attr-defined]
    document.meta.addElement(meta.InitialCreator(text=creator))  # type: ignore[attr-defined]
    document.meta.addElement(meta.CreationDate(text="2026-04-01T09:00:00"))  # type: ignore[attr-defined]
    document.meta.addElement(dc.Date(text="2026-04-01T09:00:00"))  # type: ignore[attr-defined]


def open_data_notice_odt() -> bytes:
    """公告-開放文件.odt: a draft 公告 marked 限閱 in its page header, with a reviewer's note."""
    from odf import dc, office
    from odf.opendocument import OpenDocumentText
    from odf.style import Header, MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentText()
    _odf_meta(document, "公告（草案）：本府115年度開放資料集上架", "研考科")
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    head = Header()
    head.addElement(P(text="內部限閱（草案，未經核定）"))
    master.addElement(head)
    document.masterstyles.addElement(master)
    body = document.text
    for line in ("○○市政府　公告",
                 "發文日期：中華民國115年4月20日",
                 "發文字號：府研資字第1150012345號",
                 "主旨：公告本府115年度新增開放資料集，歡迎各界下載利用。",
                 "依據：政府資料開放進階行動方案。",
                 "公告事項：",
                 "一、新增資料集計12項，詳如附表，已上架於本府資料開放平臺。"):
        body.addElement(P(text=line))
    host = P(text="二、資料集聯絡窗口：研考科資料治理股，承辦人：林佳蓉，電話：(02)2720-8889分機5120。")
    note = office.Annotation()
    note.addElement(dc.Creator(text="研考科科長"))
    note.addElement(dc.Date(text="2026-04-01T09:00:00"))
    note.addElement(P(text="窗口原列承辦人私人手機0933-215-408，定稿前請刪除。"))
    host.addElement(note)
    body.addElement(host)
    body.addElement(P(text="三、資料授權採政府資料開放授權條款第1版。"))
    return _odf_bytes(document)


def budget_sheet_ods() -> bytes:
    """經費表.ods: lecturer fees with the payees' ID numbers (needed for the tax return)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    _odf_meta(document, "115年度公文寫作研習經費表", "人事室")
    table = Table(name="講座鐘點費")
    table.addElement(TableColumn(numbercolumnsrepeated=6))
    rows: list[tuple[object, ...]] = [
        ("115年度公文寫作研習　講座鐘點費印領清冊",),
        ("講座", "身分證字號", "服務單位", "時數", "單價", "金額"),
        ("黃建國", national_id("A", 1, "0385462"), "國立臺灣科技大學", 3, 2000, 6000),
        ("吳淑貞", national_id("F", 2, "2516094"), "國立政治大學", 3, 2000, 6000),
        ("合計", "", "", 6, "", 12000),
    ]
    for values in rows:
        row = TableRow()
        for value in values:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    return _odf_bytes(document)


def procurement_slides_odp() -> bytes:
    """簡報.odp: two slides; the floor price is only in the speaker notes."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    _odf_meta(document, "115年度公務車租賃案執行說明", "秘書室")
    layout = PageLayout(name="PM1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    document.masterstyles.addElement(master)

    def frame(lines: list[str], cls: str, y: str) -> Frame:
        box_frame = Frame(width="24cm", height="3cm", x="2cm", y=y)
        box_frame.setAttribute("class", cls)
        box = TextBox()
        for line in lines:
            box.addElement(P(text=line))
        box_frame.addElement(box)
        return box_frame

    slides = [
        (["115年度公務車租賃案執行說明"], ["秘書室　115年4月"], None),
        (["採購時程"], ["115年4月公告招標", "115年5月開標、決標", "115年7月起租"],
         "講者備忘：本案底價新臺幣1,850,000元，簡報時勿提及。"),
    ]
    for number, (title, lines, notes_text) in enumerate(slides, start=1):
        slide = Page(name=f"page{number}", masterpagename=master)
        slide.addElement(frame(title, "title", "1cm"))
        slide.addElement(frame(lines, "outline", "5cm"))
        if notes_text:
            notes = Notes()
            notes.addElement(frame([notes_text], "notes", "15cm"))
            slide.addElement(notes)
        document.presentation.addElement(slide)
    return _odf_bytes(document)


# --- DI, HTML, e-mail, zip --------------------------------------------------------------------

def classified_letter_di() -> bytes:
    """函-電子公文.di: a 104-format DI 函 marked 機密 by the 代碼 attribute."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE 函 SYSTEM "104_2_utf8.dtd" [\n'
        '<!ENTITY ATTCH1 SYSTEM "稽核缺失改善追蹤表.pdf" NDATA _X>\n'
        '<!NOTATION _X SYSTEM "">\n'
        "]>\n"
        "<函>\n"
        "<發文機關><全銜>○○市政府資訊局</全銜><機關代碼>379130000C</機關代碼></發文機關>\n"
        '<函類別 代碼="函"/>\n'
        "<地址>11008臺北市信義區市府路1號</地址>\n"
        "<聯絡方式>承辦人：周冠宇</聯絡方式>\n"
        "<聯絡方式>電話：(02)2720-8889分機7251</聯絡方式>\n"
        "<受文者><交換表 交換表單=\"表單\">如正副本</交換表></受文者>\n"
        '<發文日期><年月日>中華民國115年4月8日</年月日></發文日期>\n'
        '<發文字號><字>北市資安</字><文號><年度>115</年度><流水號>3000812</流水號></文號></發文字號>\n'
        '<速別 代碼="速件"/>\n'
        '<密等及解密條件或保密期限><密等 代碼="機密"/>'
        "<解密條件或保密期限>本件至115年12月31日解密</解密條件或保密期限></密等及解密條件或保密期限>\n"
        '<附件><文字>稽核缺失改善追蹤表1份</文字><附件檔名 附件名="ATTCH1"/></附件>\n'
        "<主旨><文字>檢送本府115年度資通安全稽核缺失改善追蹤表1份，請依限完成改善並回復，請查照。</文字></主旨>\n"
        '<段落 段名="說明："><文字/>\n'
        '<條列 序號="一、"><文字>依資通安全管理法第13條及本府115年3月資安稽核結果辦理。</文字></條列>\n'
        '<條列 序號="二、"><文字>貴處防火牆管理介面對外開放及預設帳號未停用等缺失，'
        "請於115年5月15日前完成改善。</文字></條列>\n"
        '<條列 序號="三、"><文字>本案涉及系統弱點，請以密件處理，勿以電子郵件轉寄。</文字></條列>\n'
        "</段落>\n"
        "<正本><全銜>本府工務局、本府社會局</全銜></正本>\n"
        "<副本><全銜>本局資安稽核科</全銜></副本>\n"
        "</函>\n"
    ).encode()


def notice_page_html() -> bytes:
    """網頁-公告.html: a district office notice with a private volunteer's e-mail and a password
    left in an HTML comment."""
    return """<!DOCTYPE html>
<html lang="zh-Hant-TW">
<head>
<meta charset="utf-8">
<title>115年度社區防災演練報名公告－○○區公所</title>
</head>
<body>
<!-- 網站後台：帳號 cmsadmin 密碼：Cms@2026!tw（上線前請刪除此註解） -->
<header><h1>○○區公所</h1></header>
<main>
<h2>115年度社區防災演練報名公告</h2>
<p>發布日期：115年4月10日　發布單位：民政課</p>
<ol>
<li>演練日期：115年5月20日上午9時至12時。</li>
<li>地點：本區各里活動中心。</li>
<li>報名方式：請於115年5月8日前以電子郵件報名，報名資料請寄社區志工隊隊長陳美玉，
電子信箱：meiyu.chen1985@gmail.com，手機0928-331-506。</li>
</ol>
</main>
<footer>○○區公所　地址：新北市○○區中山路一段1號</footer>
</body>
</html>
""".encode()


def mail_with_attachment_eml() -> bytes:
    """郵件-附件.eml: an RFC 2047 subject, a body about 底價, a 極機密 簽 attached."""
    message = EmailMessage()
    message["Subject"] = "轉寄：通信系統採購案簽呈及底價資料"
    message["From"] = "張志偉 <cw.chang@example.gov.tw>"
    message["To"] = "陳科長 <chen.kz@example.gov.tw>"
    taipei = dt.timezone(dt.timedelta(hours=8))
    message["Date"] = format_datetime(dt.datetime(2026, 4, 9, 16, 42, 0, tzinfo=taipei))
    message["Message-ID"] = "<20260409164200.3481@mail.example.gov.tw>"
    message.set_content("陳科長您好：\n\n附件為通信系統採購案簽呈，底價資料已併附於簽內，請於開標前核示。\n\n"
                        "張志偉　分機3305\n")
    message.add_attachment(attached_memo_docx(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename="簽呈.docx")
    message.set_boundary("==leakscan-example-0001==")
    data = message.as_bytes()
    assert b"=?utf-8?" in data, "subject must go out RFC 2047-encoded"
    return data


def folder_zip() -> bytes:
    """資料夾.zip: member names in CP950 without the UTF-8 flag (as Windows Explorer in Taiwan
    writes them): a Big5 roster and a nested draft .docx."""
    lines = ["115年度志工研習學員名冊", "姓名,身分證字號,手機"]
    people = [("許文彬", ("T", 1, "4866552"), "0931-402-118"),
              ("鄭淑惠", ("F", 2, "8038740"), "0938-455-209"),
              ("蔡宗翰", ("P", 1, "4938778"), "0945-508-300"),
              ("楊佩珊", ("R", 2, "3352718"), "0952-561-391"),
              ("周明哲", ("S", 1, "2047315"), "0959-614-482")]
    lines += [f"{name},{national_id(*id_parts)},{mobile}" for name, id_parts, mobile in people]
    members = {"志工資料/研習名冊.txt": ("\r\n".join(lines) + "\r\n").encode("cp950"),
               "志工資料/簽稿.docx": draft_memo_docx()}
    out = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members.items()):
            raw = name.encode("cp950")
            placeholder = (chr(ord("Q") + index) * len(raw)).encode("ascii")
            placeholders[placeholder] = raw
            info = zipfile.ZipInfo(placeholder.decode("ascii"), ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            archive.writestr(info, data)
    data = out.getvalue()
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2, "local and central header"
        data = data.replace(placeholder, raw)
    return data


# --- main -------------------------------------------------------------------------------------

EXAMPLES: dict[str, Callable[[], bytes]] = {
    "簽呈-底價核定.docx": floor_price_memo_docx,
    "會議紀錄-機密.pdf": meeting_minutes_pdf,
    "研習名冊.xlsx": training_roster_xlsx,
    "簡報-資安說明.pptx": security_briefing_pptx,
    "公告-開放文件.odt": open_data_notice_odt,
    "經費表.ods": budget_sheet_ods,
    "簡報.odp": procurement_slides_odp,
    "函-電子公文.di": classified_letter_di,
    "網頁-公告.html": notice_page_html,
    "郵件-附件.eml": mail_with_attachment_eml,
    "資料夾.zip": folder_zip,
    "損壞檔案.docx": broken_docx,
}


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else OUT
    folder.mkdir(parents=True, exist_ok=True)
    for name, build in EXAMPLES.items():
        data = build()
        (folder / name).write_bytes(data)
        print(f"{len(data):>7,}  {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
