"""Builds the .docx fixtures the docx and safe-zip tests use; no binary is committed.

python-docx writes the body, tables, headers and footers of two sections, styles and the core
properties; what it cannot write (tracked changes, comments, foot- and endnotes, text boxes,
hidden text, custom properties, embedded documents) is added by editing the package's XML.
``python tests/fixtures_docx.py DIR`` writes them out for a look in Word.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import sys
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"

# One finding-bearing text per place a .docx hides text.
TEXTS = {
    "title": "機密採購案",
    "body": "密等及解密條件或保密期限：機密",
    "table": "身分證字號A123456789",
    "header": "機密",
    "header-first": "極機密",
    "footer": "限閱",
    "footnote": "密碼：Tpe@2026!x",
    "endnote": "底價新臺幣2,000,000元",
    "comment": "請勿外流",
    "tracked-deletion": "底價新臺幣1,234,000元",
    "tracked-insertion": "預算金額新臺幣5,000,000元",
    "textbox": "密碼：Box@2026!x",
    "hidden": "統一證號A800000014",
    "metadata-title": "機密文件",
    "metadata-description": "內部限閱",
    "metadata-custom": "絕對機密",
}

_NOTE = ('<w:{kind} w:id="{id}"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
         '</w:{kind}>')
_SEPARATORS = ('<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
               '<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
               '</w:r></w:p></w:{kind}>')


def _docx_bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def plain_docx(paragraphs: list[str]) -> bytes:
    """A python-docx document with these body paragraphs and nothing else."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return _docx_bytes(document)


def table_docx(rows: list[list[str]]) -> bytes:
    """A python-docx document holding one table of these rows (the first is the header)."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    return _docx_bytes(document)


def _replace_run(xml: str, marker: str, replacement: str) -> str:
    """Swap the python-docx run holding ``marker`` for hand-written run XML."""
    pattern = re.compile(r"<w:r>(?:(?!</w:r>).)*?" + re.escape(marker) + r".*?</w:r>", re.S)
    new, count = pattern.subn(lambda _: replacement, xml, count=1)
    assert count == 1, marker
    return new


def _rewrite(data: bytes, edits: dict[str, str | bytes | None]) -> bytes:
    """A copy of a zip with some entries replaced (None drops one) and new ones appended."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in edits:
                value = edits.pop(info.filename)
                if value is not None:
                    target.writestr(info.filename, value)
            else:
                target.writestr(info.filename, source.read(info))
        for name, value in edits.items():
            if value is not None:
                target.writestr(name, value)
    return out.getvalue()


def _add_parts(files: dict[str, str], parts: list[tuple[str, str, str, str]]) -> None:
    """Register new parts: (path, xml, relationship type, content type)."""
    for index, (path, xml, rel_type, content_type) in enumerate(parts, start=100):
        files[path] = xml
        files["word/_rels/document.xml.rels"] = files["word/_rels/document.xml.rels"].replace(
            "</Relationships>",
            f'<Relationship Id="rId{index}" Type="{REL}/{rel_type}" '
            f'Target="{path.removeprefix("word/")}"/></Relationships>')
        files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
            "</Types>", f'<Override PartName="/{path}" ContentType="{content_type}"/></Types>')


def rich_docx(*, localized_title_style: bool = False, embedded: bytes | None = None) -> bytes:
    """Every place of ``TEXTS`` filled, in the places a real Word document keeps them."""
    import docx

    document = docx.Document()
    core = document.core_properties
    core.title = TEXTS["metadata-title"]
    core.comments = TEXTS["metadata-description"]
    core.subject = "採購"
    core.author = "王小明"
    document.add_paragraph(TEXTS["title"], style="Title")
    document.add_paragraph(TEXTS["body"])
    document.add_paragraph("@@DEL@@")
    document.add_paragraph("@@REPLACE@@")
    document.add_paragraph("@@BOX@@")
    document.add_paragraph("@@HIDDEN@@")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(1, 1).text = TEXTS["table"]
    section = document.sections[0]
    section.header.paragraphs[0].text = TEXTS["header"]
    section.footer.paragraphs[0].text = TEXTS["footer"]
    second = document.add_section()
    second.different_first_page_header_footer = True
    second.first_page_header.is_linked_to_previous = False
    second.first_page_header.paragraphs[0].text = TEXTS["header-first"]
    document.add_paragraph("第二節")
    data = _docx_bytes(document)

    source = zipfile.ZipFile(io.BytesIO(data))
    files = {name: source.read(name).decode("utf-8") for name in (
        "word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml", "word/styles.xml",
        "_rels/.rels")}
    xml = files["word/document.xml"]
    deleted = TEXTS["tracked-deletion"]
    xml = _replace_run(xml, "@@DEL@@",
                       '<w:del w:id="1" w:author="承辦人" w:date="2026-01-05T10:00:00Z"><w:r>'
                       f'<w:delText>{deleted[:2]}</w:delText></w:r></w:del>'
                       '<w:del w:id="2" w:author="承辦人" w:date="2026-01-05T10:00:00Z"><w:r><w:rPr><w:b/>'
                       f'</w:rPr><w:delText>{deleted[2:]}</w:delText></w:r></w:del>')
    inserted = TEXTS["tracked-insertion"]
    xml = _replace_run(xml, "@@REPLACE@@",
                       f'<w:r><w:t>{inserted[:4]}</w:t></w:r>'
                       '<w:del w:id="3" w:author="a"><w:r><w:delText>舊值</w:delText></w:r></w:del>'
                       f'<w:ins w:id="4" w:author="a"><w:r><w:t>{inserted[4:]}</w:t></w:r></w:ins>')
    box = (f'<w:txbxContent><w:p><w:r><w:t>{TEXTS["textbox"]}</w:t></w:r></w:p></w:txbxContent>')
    xml = _replace_run(xml, "@@BOX@@",
                       '<w:r><w:t>見附框</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
                       '<w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>'
                       f'{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
                       '</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
                       f'{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    xml = _replace_run(xml, "@@HIDDEN@@",
                       '<w:r><w:t>附件</w:t></w:r>'
                       f'<w:r><w:rPr><w:vanish/></w:rPr><w:t>{TEXTS["hidden"]}</w:t></w:r>'
                       '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>如後</w:t></w:r>')
    # Namespaces python-docx's template may not declare for the text box markup.
    for prefix, uri in (("wp", "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"),
                        ("a", "http://schemas.openxmlformats.org/drawingml/2006/main"),
                        ("v", "urn:schemas-microsoft-com:vml"), ("mc", MC_NS), ("wps", WPS_NS)):
        if f"xmlns:{prefix}=" not in xml:
            xml = xml.replace("<w:document ", f'<w:document xmlns:{prefix}="{uri}" ', 1)
    if localized_title_style:
        assert '<w:pStyle w:val="Title"/>' in xml and 'w:styleId="Title"' in files["word/styles.xml"]
        xml = xml.replace('<w:pStyle w:val="Title"/>', '<w:pStyle w:val="a3"/>')
        files["word/styles.xml"] = files["word/styles.xml"].replace(
            'w:styleId="Title"', 'w:styleId="a3"')
    files["word/document.xml"] = xml

    notes = []
    for kind, part, rel in (("footnote", "footnotes", "footnotes"), ("endnote", "endnotes", "endnotes")):
        body = _SEPARATORS.format(kind=kind) + _NOTE.format(kind=kind, id=1, text=TEXTS[kind])
        notes.append((f"word/{part}.xml", f'<w:{part} xmlns:w="{W_NS}">{body}</w:{part}>', rel,
                      f"{CT}.{part}+xml"))
    comment = (f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="0" w:author="科長" w:initials="K">'
               f'<w:p><w:r><w:t>{TEXTS["comment"]}</w:t></w:r></w:p></w:comment></w:comments>')
    notes.append(("word/comments.xml", comment, "comments", f"{CT}.comments+xml"))
    _add_parts(files, notes)

    custom = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="密等">'
              f'<vt:lpwstr>{TEXTS["metadata-custom"]}</vt:lpwstr></property></Properties>')
    files["docProps/custom.xml"] = custom
    files["_rels/.rels"] = files["_rels/.rels"].replace(
        "</Relationships>", '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
        "</Relationships>")
    edits: dict[str, str | bytes | None] = dict(files)
    if embedded is not None:
        edits["word/embeddings/Microsoft_Word_Document.docx"] = embedded
    return _rewrite(data, edits)


def tracked_deletion_docx(text: str) -> bytes:
    """A one-paragraph document whose only content is a tracked deletion of ``text``."""
    data = plain_docx(["@@DEL@@"])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    xml = _replace_run(xml, "@@DEL@@", f'<w:del w:id="1" w:author="x"><w:r><w:delText>{text}'
                       '</w:delText></w:r></w:del>')
    return _rewrite(data, {"word/document.xml": xml})


def with_document_xml(xml: str) -> bytes:
    """A valid package whose word/document.xml is replaced by ``xml`` (broken or hostile)."""
    return _rewrite(plain_docx(["x"]), {"word/document.xml": xml})


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + f']>\n<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
    "</w:body></w:document>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'
)


@functools.cache  # 1.5 s to deflate; two test modules use it
def flat_zip_bomb(size: int = 300 * 1024 * 1024, name: str = "word/document.xml") -> bytes:
    """One entry of ``size`` zero bytes deflated at level 9 (about a thousandth of its size)."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open(name, "w", force_zip64=True) as entry:
        for _ in range(size // len(chunk)):
            entry.write(chunk)
    return out.getvalue()


def many_entries_zip(count: int) -> bytes:
    """A zip of ``count`` tiny entries, stored, to trip the entry limit."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for index in range(count):
            archive.writestr(f"e/{index}", b"")
    return out.getvalue()


def understated_size_zip(actual: int = 5 * 1024 * 1024, declared: int = 1000) -> bytes:
    """A deflated entry whose local and central headers declare far fewer bytes than it holds."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"A" * actual)
    data = bytearray(out.getvalue())
    packed = struct.pack("<I", actual)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        assert data[at + offset:at + offset + 4] == packed
        data[at + offset:at + offset + 4] = struct.pack("<I", declared)
    return bytes(data)


def _cfb(stream_names: list[str]) -> bytes:
    """Enough of an OLE compound file to be recognised: the magic and UTF-16 directory names."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in stream_names)
    return header + entries.ljust(4096, b"\0")


def encrypted_docx() -> bytes:
    """What Word saves for a password-protected .docx: a compound file with EncryptionInfo."""
    return _cfb(["Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])


def legacy_doc() -> bytes:
    """A Word 97-2003 .doc: a compound file with a WordDocument stream."""
    return _cfb(["Root Entry", "WordDocument", "1Table", "\x05SummaryInformation"])


def big_docx(target_bytes: int = 200 * 1024) -> bytes:
    """A body-heavy document of about ``target_bytes`` on disk, for timing."""
    import docx

    document = docx.Document()
    line = ("本案依政府採購法第三十四條辦理，承辦人王小明，聯絡電話02-2345-6789，"
            "預算金額新臺幣1,000,000元，會議紀錄如附件。")
    index = 0
    while True:
        for _ in range(200):
            index += 1
            document.add_paragraph(f"{index}. {line}")
        table = document.add_table(rows=5, cols=4)
        for cell in table._cells:
            cell.text = f"欄位{index}"
        data = _docx_bytes(document)
        if len(data) >= target_bytes:
            return data


def main(argv: list[str]) -> None:
    """Write the fixtures to a folder (for a look in Word); tests build them in memory."""
    folder = Path(argv[1] if len(argv) > 1 else "docx-fixtures")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("rich.docx", rich_docx(embedded=plain_docx(["內嵌：機密"]))),
                       ("tracked-deletion.docx", tracked_deletion_docx(TEXTS["tracked-deletion"])),
                       ("big.docx", big_docx())):
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv)
