"""Builds the mail and zip fixtures the eml and archive tests use; no binary is committed.

Messages are written with :class:`email.message.EmailMessage` where it can say what clients
send, and as raw bytes where real clients break the rules (8-bit Big5 headers, a wrong charset
label).  Zips are written with :mod:`zipfile` and patched where Windows tools differ from it
(Big5 names without the UTF-8 flag, encrypted members).
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from email.message import EmailMessage

CRLF = b"\r\n"


def mail(subject: str = "會議通知", *, plain: str | None = "請查收附件。", html: str | None = None,
         attachments: tuple[tuple[str, bytes], ...] = (), to: str = "王小明 <ming@example.gov.tw>",
         inline: tuple[tuple[str, bytes], ...] = (), attached: tuple[EmailMessage, ...] = ()) -> bytes:
    """A message as a Taiwanese client writes it; non-ASCII file names go out RFC 2231-encoded."""
    message = mail_message(subject, plain=plain, html=html, to=to)
    for filename, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream",
                               filename=filename)
    for filename, data in inline:
        message.add_attachment(data, maintype="image", subtype="png", filename=filename,
                               disposition="inline")
    for inner in attached:
        message.add_attachment(inner)
    return message.as_bytes()


def mail_message(subject: str, *, plain: str | None = "內文", html: str | None = None,
                 to: str = "王小明 <ming@example.gov.tw>") -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "陳大文 <chen@example.gov.tw>"
    message["To"] = to
    if plain is not None:
        message.set_content(plain)
    if html is not None:
        if plain is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


# A 1x1 PNG: what a signature logo is to the scanner (an image it cannot read).
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                       "60e6kgAAAABJRU5ErkJggg==")


def signed_mail(html: str = "<p>請查照。</p>", *, logo: bytes = PNG, shown: bool = True,
                plain: str = "請查照。", name: str = "image001.png", src: str | None = None) -> bytes:
    """An Outlook-style HTML mail whose signature logo is a related image shown by ``cid:``.

    ``shown=False`` leaves the ``<img src="cid:…">`` out, so the image is not decoration;
    ``src`` is the reference the HTML uses instead of the plain ``cid:`` URL.
    """
    cid = "image001.png@01DA1234.56789AB0"
    img = f'<img src="{src or "cid:" + cid}" alt="logo">'
    signature = f"<p>陳大文<br>{img}</p>" if shown else "<p>陳大文</p>"
    message = mail_message("會議通知", plain=plain, html=html + signature)
    related = message.get_payload()[-1]
    related.add_related(logo, maintype="image", subtype="png", cid=f"<{cid}>", filename=name,
                        disposition="inline")
    return message.as_bytes()


def der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length (short or long form), content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _ber(tag: int, content: bytes) -> bytes:
    """One BER element of indefinite length, as OpenSSL and NSS stream constructed ones."""
    return bytes([tag, 0x80]) + content + b"\x00\x00"


SIGNED_DATA = der(0x06, bytes.fromhex("2a864886f70d010702"))
DATA = der(0x06, bytes.fromhex("2a864886f70d010701"))
SHA256 = der(0x30, der(0x06, bytes.fromhex("608648016503040201")) + b"\x05\x00")


def p7s(*, content: bytes | None = None, indefinite: bool = False) -> bytes:
    """A CMS signedData as a client writes smime.p7s: detached unless ``content`` is given.

    The certificate and signer info are stand-ins of the right type; only the shape matters.
    """
    wrap = _ber if indefinite else der
    encapsulated = DATA + (der(0xA0, der(0x04, content)) if content is not None else b"")
    certificate = der(0x30, der(0x30, bytes(400)) + SHA256 + der(0x03, b"\x00" + bytes(256)))
    signer = der(0x30, der(0x02, b"\x01") + der(0x30, bytes(30)) + SHA256
                  + der(0xA0, bytes(80)) + SHA256 + der(0x04, bytes(256)))
    signed = wrap(0x30, der(0x02, b"\x01") + der(0x31, SHA256) + wrap(0x30, encapsulated)
                  + wrap(0xA0, certificate) + der(0x31, signer))
    return wrap(0x30, SIGNED_DATA + wrap(0xA0, signed))


P7S = p7s()  # a well-formed detached signature, as in every smime.p7s


def smime_signed(plain: str = "請查照。", *, signature: bytes = P7S,
                 ctype: bytes = b"application/pkcs7-signature") -> bytes:
    """A multipart/signed mail (S/MIME, as signed with a 政府憑證) with ``signature`` as smime.p7s."""
    def b64(data: bytes) -> bytes:
        return base64.encodebytes(data).replace(b"\n", CRLF)

    lines = [b"Subject: signed", b"MIME-Version: 1.0",
             b'Content-Type: multipart/signed; protocol="' + ctype + b'"; micalg=sha-256; boundary="S"',
             b"", b"--S", b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: base64",
             b"", b64(plain.encode()), b"--S", b'Content-Type: ' + ctype + b'; name="smime.p7s"',
             b"Content-Transfer-Encoding: base64", b'Content-Disposition: attachment; filename="smime.p7s"',
             b"", b64(signature), b"--S--", b""]
    return CRLF.join(lines)


def crlf(data: bytes) -> bytes:
    """A message with CRLF line ends, as it travels over SMTP."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def raw_mail(headers: list[bytes], body: bytes, content_type: bytes = b"text/plain") -> bytes:
    """A single-part message from raw header lines, for what EmailMessage refuses to write."""
    lines = [*headers, b"MIME-Version: 1.0", b"Content-Type: " + content_type,
             b"Content-Transfer-Encoding: 8bit"]
    return CRLF.join(lines) + CRLF + CRLF + body + CRLF


def encoded_word(text: str, charset: str, encoding: str = "B") -> bytes:
    """RFC 2047: ``=?charset?B?…?=`` (or Q) around ``text`` encoded in ``charset``."""
    data = text.encode(charset)
    if encoding == "B":
        payload = base64.b64encode(data)
    else:
        payload = b"".join(bytes([b]) if 0x30 <= b <= 0x7A and b not in (0x3D, 0x3F, 0x5F)
                           else b"=%02X" % b for b in data)
    return b"=?" + charset.encode() + b"?" + encoding.encode() + b"?" + payload + b"?="


def multipart_raw(parts: list[bytes], boundary: bytes = b"BOUNDARY") -> bytes:
    """A multipart/mixed message from raw part bytes (each: header lines, blank line, body)."""
    out = [b"Subject: raw", b"MIME-Version: 1.0",
           b"Content-Type: multipart/mixed; boundary=" + boundary, b""]
    for part in parts:
        out += [b"--" + boundary, part]
    out.append(b"--" + boundary + b"--")
    return CRLF.join(out) + CRLF


def zip_of(members: dict[str, bytes], *, comment: bytes = b"", stored: bool = False) -> bytes:
    """A zip with these members (UTF-8 flag set for non-ASCII names, as zipfile writes)."""
    out = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = comment
    return out.getvalue()


def patch_names(data: bytes, placeholder: bytes, raw: bytes) -> bytes:
    """Swap an ASCII placeholder name for raw bytes of the same length in every header."""
    assert len(placeholder) == len(raw)
    assert data.count(placeholder) == 2, "local and central header"
    return data.replace(placeholder, raw)


def big5_named_zip(name: str, data: bytes, *, unicode_extra: bool = False) -> bytes:
    """A member named in CP950 without the UTF-8 flag, as Windows Explorer in Taiwan writes it.

    ``unicode_extra`` adds the Info-ZIP Unicode Path field (WinRAR, 7-Zip) with the true name.
    """
    raw = name.encode("cp950")
    placeholder = b"Q" * len(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(placeholder.decode("ascii"))
        info.compress_type = zipfile.ZIP_DEFLATED
        if unicode_extra:
            field = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + name.encode("utf-8")
            info.extra = struct.pack("<HH", 0x7075, len(field)) + field
        archive.writestr(info, data)
    return patch_names(out.getvalue(), placeholder, raw)


def encrypted_member_zip(secret: str = "secret.txt", plain: str = "readme.txt") -> bytes:
    """A zip whose member ``secret`` has the encrypted flag (bit 0) set, next to a plain one."""
    data = bytearray(zip_of({plain: "說明".encode(), secret: b"\x00" * 40}, stored=True))
    raw = secret.encode()
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(raw)] == raw:
                (flags,) = struct.unpack_from("<H", data, at + offset)
                struct.pack_into("<H", data, at + offset, flags | 0x1)
            at = data.find(signature, at + 4)
    return bytes(data)


def nested_zip(levels: int, leaf: dict[str, bytes]) -> bytes:
    """``leaf`` zipped, then that zip zipped ``levels - 1`` more times (level-1.zip inside …)."""
    data = zip_of(leaf)
    for level in range(levels - 1, 0, -1):
        data = zip_of({f"level-{level}.zip": data})
    return data


def fan_out_bomb(fan: int = 10, levels: int = 3, leaf_bytes: int = 1024 * 1024) -> bytes:
    """42.zip in small: ``fan`` copies of a zip at each level, ``fan`` zero-filled leaves.

    Every archive alone is modest (no entry over the ratio floor, small declared totals); the
    tree inflates to ``fan ** levels * leaf_bytes``.
    """
    data = zip_of({f"{i}.bin": bytes(leaf_bytes) for i in range(fan)})
    for _ in range(levels - 1):
        data = zip_of({f"{i}.zip": data for i in range(fan)})
    return data
