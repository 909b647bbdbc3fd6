"""Builds the OpenDocument, HTML and DI fixtures the extractor tests use; no binary is committed.

odfpy writes .odt/.ods/.odp with every part where text hides (headers in master pages,
annotations, notes, tracked deletions, text boxes, embedded objects, slide notes, metadata);
what it cannot write (an encrypted manifest) is added by editing the package.  DI files are
hand-written XML strings, as 公文 systems emit them.  ``python tests/fixtures_odf.py DIR`` writes
them out for a look in LibreOffice.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from typing import Any

# One finding-bearing text per place an ODF document hides text.
TEXTS = {
    "title": "機密 採購案",
    "title-style": "極機密簡報",
    "body": "密等及解密條件或保密期限：機密",
    "heading-2": "第二章",
    "table": "身分證字號A123456789",
    "header": "機密",
    "footer": "限閱",
    "footnote": "密碼：Tpe@2026!x",
    "endnote": "底價新臺幣2,000,000元",
    "comment": "請勿外流",
    "tracked-deletion": "底價新臺幣1,234,000元",
    "textbox": "密碼：Box@2026!x",
    "object": "內嵌：密碼：Obj@2026!x",
    "metadata-title": "機密文件",
    "metadata-subject": "底價",
    "metadata-keywords": "內部限閱",
    "metadata-description": "僅供內部參考",
    "metadata-initial-creator": "陳承辦",
    "metadata-creator": "李大華",
    "metadata-custom": "絕對機密",
}
SHEET_TEXTS = {
    "sheet-name": "底價表",
    "cell": "身分證字號A123456789",
    "cell-comment": "請勿外流",
    "header": "機密",
}
SLIDE_TEXTS = {
    "title": "機密　簡報",
    "body": "底價新臺幣2,000,000元",
    "notes": "密碼：Tpe@2026!x",
    "table": "身分證字號A123456789",
    "footer": "限閱",
    "master": "極機密",
}
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def _bytes(document: Any) -> bytes:
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _master_page(document: Any, header: str, footer: str | None = None, *, regions: bool = False) -> None:
    """A master page 'Standard' whose header (and footer) hold these texts."""
    from odf.style import Footer, Header, MasterPage, PageLayout, RegionLeft
    from odf.text import P

    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    head = Header()
    if regions:  # spreadsheets put header text in left/centre/right regions
        region = RegionLeft()
        region.addElement(P(text=header))
        head.addElement(region)
    else:
        head.addElement(P(text=header))
    master.addElement(head)
    if footer is not None:
        foot = Footer()
        foot.addElement(P(text=footer))
        master.addElement(foot)
    document.masterstyles.addElement(master)


def plain_odt(paragraphs: list[str]) -> bytes:
    """An .odt with these body paragraphs and nothing else."""
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for text in paragraphs:
        document.text.addElement(P(text=text))
    return _bytes(document)


def _table(name: str, rows: list[list[str]]) -> Any:
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    table = Table(name=name)
    for row in rows:
        element = TableRow()
        for text in row:
            cell = TableCell()
            cell.addElement(P(text=text))
            element.addElement(cell)
        table.addElement(element)
    return table


def table_odt(rows: list[list[str]]) -> bytes:
    """An .odt whose body is one table of these rows (the first is the header)."""
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.text.addElement(_table("表格1", rows))
    return _bytes(document)


def table_ods(rows: list[list[str]]) -> bytes:
    """An .ods whose one sheet 名冊 holds these rows from A1 (the first is the header)."""
    from odf.opendocument import OpenDocumentSpreadsheet

    document = OpenDocumentSpreadsheet()
    document.spreadsheet.addElement(_table("名冊", rows))
    return _bytes(document)


def _metadata(document: Any) -> None:
    from odf import dc, meta

    document.meta.addElement(dc.Title(text=TEXTS["metadata-title"]))
    document.meta.addElement(dc.Subject(text=TEXTS["metadata-subject"]))
    document.meta.addElement(meta.Keyword(text=TEXTS["metadata-keywords"]))
    document.meta.addElement(dc.Description(text=TEXTS["metadata-description"]))
    document.meta.addElement(meta.InitialCreator(text=TEXTS["metadata-initial-creator"]))
    document.meta.addElement(dc.Creator(text=TEXTS["metadata-creator"]))
    document.meta.addElement(meta.UserDefined(name="密等", text=TEXTS["metadata-custom"]))


def rich_odt(*, embedded: bool = True) -> bytes:
    """An .odt with one text of ``TEXTS`` in each part; body paragraphs are numbered in order.

    1 heading level 1, 2 Title-styled, 3 body, 4 heading level 2, 5 host of an annotation,
    6 host of a foot- and an endnote, 7 host of a tracked deletion, 8 host of a text box.
    """
    from odf import dc, office
    from odf.draw import Frame, TextBox
    from odf.namespaces import TEXTNS, XMLNS
    from odf.opendocument import OpenDocumentText
    from odf.style import Style
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import Change, ChangedRegion, Deletion, H, Note, NoteBody, NoteCitation, P, TrackedChanges

    document = OpenDocumentText()
    title_style = Style(name="Title", family="paragraph")
    document.styles.addElement(title_style)
    derived = Style(name="P1", family="paragraph", parentstylename="Title")
    document.automaticstyles.addElement(derived)
    _master_page(document, TEXTS["header"], TEXTS["footer"])
    _metadata(document)

    text = document.text
    changes = TrackedChanges()
    region = ChangedRegion(qattributes={(XMLNS, "id"): "ct1", (TEXTNS, "id"): "ct1"})
    deletion = Deletion()
    info = office.ChangeInfo()
    info.addElement(dc.Creator(text="王小明"))
    info.addElement(dc.Date(text="2026-01-05T10:00:00"))
    deletion.addElement(info)
    deletion.addElement(P(text=TEXTS["tracked-deletion"]))
    region.addElement(deletion)
    changes.addElement(region)
    text.addElement(changes)

    text.addElement(H(outlinelevel=1, text=TEXTS["title"]))
    text.addElement(P(stylename=derived, text=TEXTS["title-style"]))
    text.addElement(P(text=TEXTS["body"]))
    text.addElement(H(outlinelevel=2, text=TEXTS["heading-2"]))

    host = P(text="見附註")
    annotation = office.Annotation()
    annotation.addElement(dc.Creator(text="李大華"))
    annotation.addElement(P(text=TEXTS["comment"]))
    host.addElement(annotation)
    text.addElement(host)

    host = P(text="見註")
    for note_class, key in (("footnote", "footnote"), ("endnote", "endnote")):
        note = Note(noteclass=note_class, id=f"n-{key}")
        note.addElement(NoteCitation(text="1"))
        body = NoteBody()
        body.addElement(P(text=TEXTS[key]))
        note.addElement(body)
        host.addElement(note)
    text.addElement(host)

    host = P(text="預算金額新臺幣5,000,000元")
    host.addElement(Change(changeid="ct1"))
    text.addElement(host)

    host = P(text="見附框")
    frame = Frame(anchortype="as-char", width="5cm", height="2cm")
    box = TextBox()
    box.addElement(P(text=TEXTS["textbox"]))
    frame.addElement(box)
    host.addElement(frame)
    text.addElement(host)

    table = Table(name="表格1")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row_texts in (["姓名", "證號"], ["王小明", TEXTS["table"]]):
        row = TableRow()
        for cell_text in row_texts:
            cell = TableCell()
            cell.addElement(P(text=cell_text))
            row.addElement(cell)
        table.addElement(row)
    text.addElement(table)

    if embedded:
        inner = OpenDocumentText()
        inner.text.addElement(P(text=TEXTS["object"]))
        document.addObject(inner)
    return _bytes(document)


def rich_ods() -> bytes:
    """An .ods: sheet 底價表 with repeated rows and columns, C5 holding an ID, D5 a comment."""
    from odf import office
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    _master_page(document, SHEET_TEXTS["header"], regions=True)
    table = Table(name=SHEET_TEXTS["sheet-name"])
    row = TableRow()
    cell = TableCell()
    cell.addElement(P(text="姓名"))
    row.addElement(cell)
    table.addElement(row)
    table.addElement(TableRow(numberrowsrepeated=3))  # rows 2-4, empty
    row = TableRow()
    row.addElement(TableCell(numbercolumnsrepeated=2))  # A5:B5, empty
    cell = TableCell()
    cell.addElement(P(text=SHEET_TEXTS["cell"]))
    row.addElement(cell)
    cell = TableCell()
    annotation = office.Annotation()
    annotation.addElement(P(text=SHEET_TEXTS["cell-comment"]))
    cell.addElement(annotation)
    cell.addElement(P(text="備註"))
    row.addElement(cell)
    table.addElement(row)
    document.spreadsheet.addElement(table)
    return _bytes(document)


def rich_odp() -> bytes:
    """An .odp: slide 1 with a title, body text and notes; slide 2 with a table; a footer
    declaration and a free text box on the master slide."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import FooterDecl, Notes
    from odf.style import MasterPage, PageLayout
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="PM1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    for cls, text in (("title", "按一下以編輯標題"), (None, SLIDE_TEXTS["master"])):
        frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
        if cls:
            frame.setAttribute("class", cls)
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        master.addElement(frame)
    document.masterstyles.addElement(master)
    document.presentation.addElement(FooterDecl(name="ftr1", text=SLIDE_TEXTS["footer"]))

    def frame_with(text: str, cls: str | None) -> Any:
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        if cls:
            frame.setAttribute("class", cls)
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        return frame

    slide = Page(name="page1", masterpagename=master)
    slide.addElement(frame_with(SLIDE_TEXTS["title"], "title"))
    slide.addElement(frame_with(SLIDE_TEXTS["body"], "outline"))
    notes = Notes()
    notes.addElement(frame_with(SLIDE_TEXTS["notes"], "notes"))
    slide.addElement(notes)
    document.presentation.addElement(slide)

    slide = Page(name="page2", masterpagename=master)
    frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    table = Table()
    row = TableRow()
    cell = TableCell()
    cell.addElement(P(text=SLIDE_TEXTS["table"]))
    row.addElement(cell)
    table.addElement(row)
    frame.addElement(table)
    slide.addElement(frame)
    document.presentation.addElement(slide)
    return _bytes(document)


def rewrite(data: bytes, edits: dict[str, bytes | str | None]) -> bytes:
    """A copy of a zip with some entries replaced (None drops one) and new ones appended."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in edits:
                new = edits.pop(info.filename)
                if new is not None:
                    target.writestr(info, new)
            else:
                target.writestr(info, source.read(info))
        for name, new in edits.items():
            if new is not None:
                target.writestr(name, new)
    return out.getvalue()


def encrypted_odt() -> bytes:
    """An .odt whose manifest says content.xml is encrypted (as LibreOffice's 'save with password')."""
    data = plain_odt(["密碼：Tpe@2026!x"])
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("META-INF/manifest.xml").decode()
    encrypted = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
        'manifest:size="1234"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
        'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="AAAA"/><manifest:key-derivation '
        'manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="AAAA"/>'
        "</manifest:encryption-data></manifest:file-entry>")
    manifest = manifest.replace("</manifest:manifest>", encrypted + "</manifest:manifest>")
    return rewrite(data, {"META-INF/manifest.xml": manifest,
                          "content.xml": bytes(range(256)) * 4})


def with_ole_object(data: bytes, blob: bytes, name: str = "Object 2") -> bytes:
    """A package with an embedded OLE object (a binary file listed in the manifest), as
    LibreOffice stores a Word document pasted into a Writer file."""
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("META-INF/manifest.xml").decode()
    entry = (f'<manifest:file-entry manifest:full-path="{name}" '
             'manifest:media-type="application/vnd.sun.star.oleobject"/>')
    manifest = manifest.replace("</manifest:manifest>", entry + "</manifest:manifest>")
    return rewrite(data, {"META-INF/manifest.xml": manifest, name: blob})


def small_bomb(size: int = 8 * 1024 * 1024) -> bytes:
    """An .odt whose content.xml inflates ~1000-fold: refused by ratio before inflating."""
    return rewrite(plain_odt(["x"]), {"content.xml": b"<" + b" " * size})


def with_content(xml: str, name: str = "content.xml") -> bytes:
    """A valid .odt with one part replaced by this XML."""
    return rewrite(plain_odt(["x"]), {name: xml})


ODF_BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + ']>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
    "<text:p>&lol9;</text:p></office:text></office:body></office:document-content>"
)


# ---- 電子公文 DI -------------------------------------------------------------------------------

def di(level: str = '<密等 代碼="機密"/>', *, group: str = "密等及解密條件或保密期限",
       condition: str = "<解密條件或保密期限>本件於公布時解密</解密條件或保密期限>",
       root: str = "函", encoding: str = "utf-8", prolog: str = "", body: str = "") -> str:
    """A DI document in the 104 format: attachments declared as external NDATA entities."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<!DOCTYPE {root} SYSTEM "104_2_utf8.dtd" [\n'
        '<!ENTITY ATTCH1 SYSTEM "底價表.pdf" NDATA _X>\n'
        '<!NOTATION _X SYSTEM "">\n'
        f"{prolog}]>\n"
        f"<{root}>\n"
        "<發文機關><全銜>某某市政府</全銜><機關代碼>379000000A</機關代碼></發文機關>\n"
        '<函類別 代碼="函"/>\n'
        '<速別 代碼="普通件"/>\n'
        f"<{group}>{level}{condition}</{group}>\n"
        '<附件><文字>如文</文字><附件檔名 附件名="ATTCH1"/></附件>\n'
        "<主旨><文字>檢送本府採購案底價新臺幣1,234,000元，請查照。</文字></主旨>\n"
        '<段落 段名="說明："><文字/>\n'
        '<條列 序號="一、"><文字>依據採購法辦理。</文字></條列>\n'
        '<條列 序號="二、"><文字>承辦人身分證字號A123456789。</文字></條列>\n'
        "</段落>\n"
        '<段落 段名="辦法："><文字>帳號密碼：Tpe@2026!x</文字></段落>\n'
        "<正本><全銜>某某公司</全銜></正本>\n"
        f"{body}"
        f"</{root}>\n"
    )


DI_BILLION_LAUGHS = di(prolog='<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)),
    body="<主旨>&lol9;</主旨>\n")
DI_EXTERNAL_ENTITY = di(prolog='<!ENTITY x SYSTEM "file:///etc/passwd">\n',
                        body="<附註>&x;</附註>\n")
DI_PARAMETER_ENTITY = di(prolog='<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">\n%remote;\n')


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rich.odt").write_bytes(rich_odt())
    (folder / "rich.ods").write_bytes(rich_ods())
    (folder / "rich.odp").write_bytes(rich_odp())
    (folder / "encrypted.odt").write_bytes(encrypted_odt())
    (folder / "sample.di").write_text(di(), encoding="utf-8")
    (folder / "big5.di").write_bytes(di(encoding="big5").encode("cp950"))


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "odf-fixtures"))
