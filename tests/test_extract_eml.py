"""E-mail: subject, addresses and bodies located; attachments handed over; bad mail never raises."""

from __future__ import annotations

import base64
import random

import pytest

from leakscan import Scanner
from leakscan.extract import Limits, extract
from leakscan.extract.eml import DECORATION_BYTES, extract_eml
from leakscan.model import STATUSES, Location

from .fixtures_docx import flat_zip_bomb, plain_docx
from .fixtures_mail import (
    CRLF,
    P7S,
    PNG,
    SIGNED_DATA,
    der,
    encoded_word,
    mail,
    mail_message,
    multipart_raw,
    p7s,
    raw_mail,
    signed_mail,
    smime_signed,
    zip_of,
)

LIMITS = Limits()
SECRET_DOCX_TEXT = "密等及解密條件或保密期限：極機密"


def _segments(data: bytes) -> list[tuple[str, Location]]:
    return [(s.text.strip(), s.location) for s in extract_eml(data, "m.eml", LIMITS).segments]


def _names(data: bytes) -> list[str]:
    return [name for name, _ in extract_eml(data, "m.eml", LIMITS).items]


@pytest.mark.parametrize(("data", "expected"), [
    (mail("極機密：專案會議"), ("極機密：專案會議", Location("subject"))),
    (mail(plain="底價新臺幣1,234,000元"), ("底價新臺幣1,234,000元", Location("body", name="text/plain"))),
    (mail(plain=None, html="<p>密碼：<b>Tpe@2026!x</b></p><script>var x='機密';</script>"),
     ("密碼：Tpe@2026!x", Location("body", name="text/html"))),
    (mail(to="林小華 <hua@example.gov.tw>"),
     ("林小華 <hua@example.gov.tw>", Location("metadata", name="to"))),
    (mail(), ("陳大文 <chen@example.gov.tw>", Location("metadata", name="from"))),
], ids=["subject", "plain-body", "html-body", "to", "from"])
def test_text_is_found_where_it_is(data: bytes, expected: tuple[str, Location]) -> None:
    assert expected in _segments(data)


def test_html_script_is_not_text() -> None:
    html = "<p>會議</p><script>var secret='機密';</script><style>p{}</style>"
    assert not any("機密" in text for text, _ in _segments(mail(plain=None, html=html)))


@pytest.mark.parametrize(("html", "part"), [
    ('<p>附圖</p><img src="cid:1" alt="極機密">', "attribute"),
    ("<p>定稿</p><!-- 底價新臺幣1,234,000元 -->", "comment"),
], ids=["alt-text", "comment"])
def test_html_body_text_a_reader_does_not_see_is_read(html: str, part: str) -> None:
    assert part in {loc.part for _, loc in _segments(mail(plain=None, html=html))}


def test_empty_html_body_is_not_a_problem() -> None:
    assert extract_eml(mail(plain=None, html=""), "m.eml", LIMITS).problems == ()


def test_plain_and_html_alternatives_are_both_read() -> None:
    parts = {loc.name for _, loc in _segments(mail(plain="甲", html="<p>乙</p>"))
             if loc.part == "body"}
    assert parts == {"text/plain", "text/html"}


BIG5 = "機密：碁銹裏恒"  # the last four are CP950 additions that Python's big5 codec lacks


@pytest.mark.parametrize("data", [
    raw_mail([b"Subject: x"], BIG5.encode("cp950"), b"text/plain; charset=big5"),
    raw_mail([b"Subject: x"], BIG5.encode("cp950"), b"text/plain; charset=iso-8859-1"),
    raw_mail([b"Subject: x"], BIG5.encode("cp950"), b"text/plain"),
    raw_mail([b"Subject: x"], BIG5.encode("cp950"), b"text/plain; charset=utf-8"),
    raw_mail([b"Subject: x"], BIG5.encode("cp950"), b"text/plain; charset=no-such-charset"),
    raw_mail([b"Subject: x"], b"<p>" + BIG5.encode("cp950") + b"</p>",
             b"text/html; charset=big5"),
], ids=["big5", "declared-latin1", "undeclared", "declared-utf8", "unknown-charset", "big5-html"])
def test_big5_body_is_decoded_whatever_its_label_says(data: bytes) -> None:
    extraction = extract_eml(data, "m.eml", LIMITS)
    assert [s.text.strip() for s in extraction.segments if s.location.part == "body"] == [BIG5]
    assert extraction.status == "scanned"


@pytest.mark.parametrize("header", [
    b"Subject: " + encoded_word("極機密：會議", "utf-8"),
    b"Subject: " + encoded_word("極機密：", "big5") + b"\r\n " + encoded_word("會議", "big5", "Q"),
    b"Subject: " + encoded_word("極機密：會議", "cp950"),
    b"Subject: " + "極機密：會議".encode("cp950"),  # raw 8-bit, as some Taiwanese clients send
    b"Subject: " + "極機密：會議".encode(),
], ids=["rfc2047-utf8", "rfc2047-big5-folded-q", "rfc2047-cp950", "raw-big5", "raw-utf8"])
def test_encoded_subjects_come_out_right(header: bytes) -> None:
    assert _segments(raw_mail([header], b"x"))[0] == ("極機密：會議", Location("subject"))


def test_cp950_only_characters_in_a_big5_encoded_word() -> None:
    data = raw_mail([b"Subject: " + encoded_word("碁銹裏", "cp950").replace(b"cp950", b"big5")], b"x")
    assert _segments(data)[0] == ("碁銹裏", Location("subject"))


def test_attachments_are_items_with_their_bytes() -> None:
    docx = plain_docx(["內文"])
    data = mail(attachments=(("簽呈.docx", docx), ("底價 清單.xlsx", b"xlsx")),
                inline=(("機密圖.png", b"\x89PNG"),))
    extraction = extract_eml(data, "m.eml", LIMITS)
    assert extraction.items == (("簽呈.docx", docx), ("底價 清單.xlsx", b"xlsx"), ("機密圖.png", b"\x89PNG"))


@pytest.mark.parametrize("disposition", [
    b'attachment; filename="' + encoded_word("簽呈.docx", "utf-8") + b'"',     # Outlook, Gmail
    b'attachment; filename="' + encoded_word("簽呈.docx", "big5") + b'"',
    b"attachment; filename*=UTF-8''%E7%B0%BD%E5%91%88.docx",                    # RFC 2231
    b"attachment; filename*0*=UTF-8''%E7%B0%BD; filename*1*=%E5%91%88.docx",   # continued
    b'attachment; filename="' + "簽呈.docx".encode("cp950") + b'"',            # raw Big5
    b'attachment; filename="C:\\\\Users\\\\me\\\\' + "簽呈.docx".encode() + b'"',  # a path
], ids=["rfc2047-utf8", "rfc2047-big5", "rfc2231", "rfc2231-continued", "raw-big5", "path"])
def test_encoded_file_names_come_out_right(disposition: bytes) -> None:
    part = (b"Content-Type: application/octet-stream\r\nContent-Disposition: " + disposition
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nYWJj")
    assert extract_eml(multipart_raw([part]), "m.eml", LIMITS).items == (("簽呈.docx", b"abc"),)


def test_content_type_name_is_used_without_a_disposition() -> None:
    part = (b'Content-Type: application/pdf; name="' + encoded_word("公文.pdf", "big5")
            + b'"\r\n\r\n%PDF')
    assert _names(multipart_raw([part])) == ["公文.pdf"]


def test_unnamed_parts_get_a_name_that_keeps_their_type() -> None:
    part = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg=="
    [name] = _names(multipart_raw([part]))
    assert name.endswith(".pdf")


def test_attached_message_is_an_eml_item_that_reads_back() -> None:
    inner = mail_message("內層：機密", plain="內層內文")
    [(name, blob)] = extract_eml(mail(attached=(inner,)), "m.eml", LIMITS).items
    assert name.endswith(".eml")
    assert ("內層：機密", Location("subject")) in _segments(blob)


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "unsupported-format"),
    (b"From: a@b\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\nno boundary here",
     "malformed-message"),
    (b"hello world\nsecond line", "malformed-message"),
], ids=["empty", "outlook-msg-named-eml", "missing-boundary", "no-headers"])
def test_bad_mail_is_reported(data: bytes, code: str) -> None:
    extraction = extract_eml(data, "m.eml", LIMITS)
    assert [p.code for p in extraction.problems] == [code]
    assert extraction.status in ("partial", "unreadable")


def test_malformed_message_keeps_what_was_read() -> None:
    data = (b"Subject: =?utf-8?B?5qmf5a+G?=\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n"
            + "機密內文".encode())
    extraction = extract_eml(data, "m.eml", LIMITS)
    assert extraction.problems[0].detail == "MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect"
    assert [s.text.strip() for s in extraction.segments] == ["機密", "機密內文"]


def test_deeply_nested_parts_never_raise() -> None:
    depth = 300
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                    for i in range(depth))
    data = b"Subject: x\r\n" + head + b"Content-Type: text/plain\r\n\r\n" + "機密".encode()
    extraction = extract_eml(data, "m.eml", LIMITS)
    assert extraction.status in STATUSES and extraction.problems


def test_too_many_attachments_are_reported() -> None:
    data = mail(attachments=tuple((f"{i}.txt", b"x") for i in range(5)))
    extraction = extract_eml(data, "m.eml", Limits(max_entries=3))
    assert len(extraction.items) == 3 and [p.code for p in extraction.problems] == ["too-many-entries"]


def test_damaged_bytes_never_raise() -> None:
    source = mail("極機密", html="<p>底價</p>", attachments=(("a.zip", zip_of({"b.txt": b"1"})),))
    chance = random.Random(20260105)
    for _ in range(200):
        data = bytearray(source)
        for _ in range(chance.randint(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        assert extract_eml(bytes(data), "m.eml", LIMITS).status in STATUSES


def test_dispatch_reads_eml_files() -> None:
    assert extract(mail("極機密"), "m.EML", LIMITS).segments[0].location == Location("subject")


# End to end: the scanner recurses into attachments and the mail's decision covers them.


def test_secret_docx_attached_to_a_mail_blocks_the_mail(scanner: Scanner) -> None:
    data = mail("會議資料", attachments=(("簽呈.docx", plain_docx([SECRET_DOCX_TEXT])),))
    result = scanner.scan_bytes(data, "mail.eml")
    [item] = result.items
    assert item.path == "mail.eml!簽呈.docx"
    assert [(f.category, f.level) for f in item.findings if f.category == "classification"] == [
        ("classification", "極機密")]
    assert result.status == "scanned" and result.verdict == "block"


def test_docx_in_zip_in_mail(scanner: Scanner) -> None:
    archive = zip_of({"簽呈.docx": plain_docx([SECRET_DOCX_TEXT])})
    result = scanner.scan_bytes(mail(attachments=(("資料.zip", archive),)), "mail.eml")
    paths = [r.path for r in result.all_results()]
    assert paths == ["mail.eml", "mail.eml!資料.zip", "mail.eml!資料.zip!簽呈.docx"]
    assert result.verdict == "block"


def test_mail_in_mail(scanner: Scanner) -> None:
    inner = mail_message("轉寄", plain="密碼：Tpe@2026!x")
    result = scanner.scan_bytes(mail(attached=(inner,)), "mail.eml")
    [item] = result.items
    assert item.path.startswith("mail.eml!") and item.path.endswith(".eml")
    assert "password-value" in {f.rule for f in item.findings}
    assert result.verdict == "block"


def test_subject_finding_is_located_in_the_subject(scanner: Scanner) -> None:
    result = scanner.scan_bytes(raw_mail([b"Subject: " + encoded_word("極機密", "big5")], b"x"),
                                "mail.eml")
    assert "subject" in {f.location.part for f in result.findings}


def test_bomb_attached_to_a_mail_is_not_allowed() -> None:
    limits = Limits(max_uncompressed_bytes=20 * 1024 * 1024)
    data = mail(attachments=(("a.zip", flat_zip_bomb(40 * 1024 * 1024, "a.txt")),))
    result = Scanner(limits=limits).scan_bytes(data, "mail.eml")
    [item] = result.items
    assert [p.code for p in item.problems] == ["zip-bomb"]
    assert result.status == "partial" and result.verdict != "allow"


def test_empty_mail_is_not_read(scanner: Scanner) -> None:
    result = scanner.scan_bytes(b"", "mail.eml")
    assert result.status == "unreadable" and [p.code for p in result.problems] == ["empty"]


def test_mail_header_addresses_are_info_but_body_addresses_are_not(scanner: Scanner) -> None:
    message = mail(plain="請聯絡志工 wang.xm@gmail.com")
    result = scanner.scan_bytes(message, "mail.eml")
    by_part = {(f.location.part, f.severity) for f in result.findings if f.rule == "email-address"}
    assert ("metadata", "info") in by_part and ("body", "medium") in by_part
    assert not any(f.severity != "info" for f in result.findings if f.location.part == "metadata")


# ── images: a signature logo is decoration, other images are items that cannot be read ───────


@pytest.mark.parametrize(("kwargs", "items"), [
    ({}, []),
    ({"shown": False}, ["image001.png"]),
    ({"logo": b"\x89PNG" + bytes(DECORATION_BYTES)}, ["image001.png"]),
], ids=["shown-by-cid", "not-shown", "too-large-for-a-logo"])
def test_only_small_images_the_body_shows_are_decoration(kwargs: dict, items: list[str]) -> None:
    extraction = extract_eml(signed_mail(**kwargs), "m.eml", LIMITS)
    assert [name for name, _ in extraction.items] == items
    assert extraction.status == "scanned"


def test_decoration_keeps_its_name_as_text() -> None:
    segments = _segments(signed_mail(name="極機密.png"))
    assert ("極機密.png", Location("filename", name="inline-image")) in segments


def test_cid_references_match_percent_encoded_and_any_case() -> None:
    assert _names(signed_mail(src="CID:Image001%2Epng@01da1234.56789ab0")) == []
    assert _names(signed_mail(src="cid:image002.png@01DA1234.56789AB0")) == ["image001.png"]


def test_a_detached_smime_signature_is_not_an_unread_item() -> None:
    extraction = extract_eml(smime_signed("底價新臺幣1,234,000元", signature=p7s()), "m.eml", LIMITS)
    assert extraction.items == () and extraction.status == "scanned"
    assert [s.text.strip() for s in extraction.segments] == ["signed", "底價新臺幣1,234,000元"]


@pytest.mark.parametrize("signature", [
    plain_docx(["密等及解密條件或保密期限：極機密"]),   # a document under a signature's type
    b"\x30\x82\x01\x00" + bytes(300),                  # DER, but not signedData
    P7S + bytes(DECORATION_BYTES),                      # too large for a signature
], ids=["docx", "not-signed-data", "too-large"])
def test_what_only_claims_to_be_a_signature_is_read_as_an_item(signature: bytes) -> None:
    assert _names(smime_signed(signature=signature)) == ["smime.p7s"]


def test_a_smuggled_document_still_blocks() -> None:
    docx = plain_docx(["密等及解密條件或保密期限：極機密"])
    assert Scanner(action="email").scan_bytes(smime_signed(signature=docx), "m.eml").verdict != "allow"


# ── a label is the sender's word: a document must not pass as a logo or a signature ─────────

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1


def _with_chunk(png: bytes, kind: bytes, body: bytes) -> bytes:
    """``png`` with one more chunk (CRC right) just before its IEND."""
    import struct
    import zlib

    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png[:-12] + chunk + png[-12:]
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><text>密等：極機密</text></svg>'.encode()


@pytest.mark.parametrize(("logo", "name"), [
    (plain_docx([SECRET_DOCX_TEXT]), "image001.png"),     # a document under an image's type
    (PNG, "簽呈.docx"),                                   # an image's bytes, a document's name
    (PNG + plain_docx([SECRET_DOCX_TEXT]), "image001.png"),  # a document behind a real image
    (SVG, "image001.png"),                                # SVG is text, not a picture
    (b"BM" + SECRET_DOCX_TEXT.encode(), "image001.bmp"),  # a two-byte magic and nothing after
    (b"\xff\xd8\xff" + plain_docx([SECRET_DOCX_TEXT]) + b"\xff\xd9", "image001.jpg"),  # JPEG ends
    (b"GIF89a" + SECRET_DOCX_TEXT.encode() + b";", "image001.gif"),  # GIF ends
    (_with_chunk(PNG, b"tEXt", b"Comment\0" + SECRET_DOCX_TEXT.encode()), "image001.png"),  # text chunk
    (_with_chunk(PNG, b"prVt", plain_docx([SECRET_DOCX_TEXT])), "image001.png"),  # private chunk
    (GIF[:-1] + b"\x21\xfe" + bytes([len(SECRET_DOCX_TEXT.encode())]) + SECRET_DOCX_TEXT.encode()
     + b"\x00;", "image001.gif"),  # a GIF comment block
], ids=["docx-bytes", "docx-name", "appended", "svg", "bmp-magic-only", "jpeg-wrapper", "gif-wrapper",
        "png-text-chunk", "png-private-chunk", "gif-comment"])
def test_what_only_claims_to_be_a_logo_is_an_item(logo: bytes, name: str) -> None:
    extraction = extract_eml(signed_mail(logo=logo, name=name), "m.eml", LIMITS)
    assert extraction.items == ((name, logo),)


@pytest.mark.parametrize("logo", [PNG, GIF], ids=["png", "gif"])
def test_a_real_small_image_shown_by_cid_is_still_decoration(logo: bytes) -> None:
    extraction = extract_eml(signed_mail(logo=logo), "m.eml", LIMITS)
    assert extraction.items == () and extraction.status == "scanned"


def test_a_secret_docx_sent_as_a_shown_image_blocks(scanner: Scanner) -> None:
    result = scanner.scan_bytes(signed_mail(logo=plain_docx([SECRET_DOCX_TEXT]), name="簽呈.docx"),
                                "mail.eml")
    [item] = result.items
    assert item.path == "mail.eml!簽呈.docx"
    assert ("classification", "極機密") in {(f.category, f.level) for f in item.findings}
    assert result.verdict == "block"


def test_a_docx_named_as_a_shown_image_is_not_allowed(scanner: Scanner) -> None:
    result = scanner.scan_bytes(signed_mail(logo=plain_docx([SECRET_DOCX_TEXT])), "mail.eml")
    assert [item.path for item in result.items] == ["mail.eml!image001.png"]
    assert result.status == "partial" and result.verdict != "allow"


@pytest.mark.parametrize("signature", [p7s(), p7s(indefinite=True)], ids=["der", "ber-indefinite"])
def test_a_real_shaped_smime_signature_is_skipped(signature: bytes) -> None:
    extraction = extract_eml(smime_signed(signature=signature), "m.eml", LIMITS)
    assert extraction.items == () and extraction.status == "scanned"


@pytest.mark.parametrize("signature", [
    p7s() + SECRET_DOCX_TEXT.encode(),                              # text after the structure
    p7s()[:-1],                                                     # lengths past the end
    P7S[:15] + SECRET_DOCX_TEXT.encode() * 10,                      # a header, then anything
    der(0x30, SIGNED_DATA + der(0xA0, plain_docx([SECRET_DOCX_TEXT]))),  # lengths that fit
    p7s(content=plain_docx([SECRET_DOCX_TEXT])),                    # signed with its content
    p7s(content=plain_docx([SECRET_DOCX_TEXT])[:3000], indefinite=True),
], ids=["appended", "truncated", "oid-prefix", "wrapped-docx", "attached-content",
        "attached-content-ber"])
def test_a_blob_that_is_not_only_a_detached_signature_is_an_item(signature: bytes) -> None:
    assert _names(smime_signed(signature=signature)) == ["smime.p7s"]


# gpg --armor --detach-sign, with a throwaway Ed25519 key.
PGP_SIGNATURE = """-----BEGIN PGP SIGNATURE-----

iHUEABYIAB0WIQRWZRqZtu7xOSkVXRmois+1Y1U5qQUCawRfUwAKCRCois+1Y1U5
qdjoAP4mEr2OTgdVTr0LuoCDUlr34HpI6o6ayblDWWTnNr/LQQD8DJe4ZVKGzXKb
oHM3cqHbbBBlhoLmQ3ZZc0i80cTRDwI=
=7lOF
-----END PGP SIGNATURE-----
"""


def _pgp_signed(signature: str, plain: str = "請查照。") -> bytes:
    """A PGP/MIME signed mail (RFC 3156) as Thunderbird sends it, ``signature`` as signature.asc."""
    lines = [b"Subject: signed", b"MIME-Version: 1.0",
             b'Content-Type: multipart/signed; micalg=pgp-sha256; '
             b'protocol="application/pgp-signature"; boundary="S"',
             b"", b"--S", b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: 8bit",
             b"", plain.encode(), b"--S",
             b'Content-Type: application/pgp-signature; name="signature.asc"',
             b"Content-Description: OpenPGP digital signature",
             b'Content-Disposition: attachment; filename="signature.asc"', b"",
             signature.encode().replace(b"\n", CRLF), b"--S--", b""]
    return CRLF.join(lines)


def _with_header(header: str) -> str:
    return PGP_SIGNATURE.replace("\n\n", f"\n{header}\n\n", 1)


def test_a_real_pgp_signature_is_skipped() -> None:
    extraction = extract_eml(_pgp_signed(PGP_SIGNATURE), "m.eml", LIMITS)
    assert extraction.items == () and extraction.status == "scanned"
    assert [s.text.strip() for s in extraction.segments] == ["signed", "請查照。"]


def test_pgp_armour_headers_are_free_text_and_scanned() -> None:
    extraction = extract_eml(_pgp_signed(_with_header("Comment: password Tpe@2026!x")), "m.eml", LIMITS)
    assert extraction.items == ()
    assert ("Comment: password Tpe@2026!x", Location("body", name="application/pgp-signature")) in [
        (s.text, s.location) for s in extraction.segments]


FAKE_PGP = "-----BEGIN PGP SIGNATURE-----\n\n"


@pytest.mark.parametrize("signature", [
    FAKE_PGP + "底價新臺幣1,234,000元\n密等：極機密\n",               # the old test: a prefix
    FAKE_PGP + "底價新臺幣1,234,000元\n-----END PGP SIGNATURE-----\n",
    FAKE_PGP + "A123456789\nB234567890\n-----END PGP SIGNATURE-----\n",  # base64's alphabet
    _with_header("Comment: 底價新臺幣1,234,000元"),                      # not an ASCII header
    PGP_SIGNATURE + "底價新臺幣1,234,000元\n",                           # text after the armour
    PGP_SIGNATURE.replace("=7lOF", "=7lOF\n密等：極機密"),
], ids=["prefix", "text-in-armour", "ids-in-armour", "non-ascii-header", "appended", "after-crc"])
def test_what_only_claims_to_be_a_pgp_signature_is_an_item(signature: str) -> None:
    assert _names(_pgp_signed(signature)) == ["signature.asc"]


def test_a_fake_pgp_signature_is_not_allowed(scanner: Scanner) -> None:
    result = scanner.scan_bytes(_pgp_signed(FAKE_PGP + "底價新臺幣1,234,000元\n"), "mail.eml")
    assert [item.path for item in result.items] == ["mail.eml!signature.asc"]
    assert result.verdict != "allow"
