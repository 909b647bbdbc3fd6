"""What a mail part really is, by its bytes, for the parts a reader may leave unscanned.

Two kinds of part carry no document text, and scanning them would make every signed or branded
mail ``partial``: a detached signature (S/MIME ``smime.p7s``, PGP/MIME) and a small image the HTML
body shows by ``cid:`` (a logo).  Their MIME labels are the sender's word, so a part counts only
when its bytes are that and nothing else: a whole raster image, a CMS signedData without content
that fills the part, an armour around signature packets only.  Anything else is scanned.

A PNG, GIF or JPEG is walked chunk by chunk, block by block, segment by segment: comments, text
chunks and metadata segments (which can carry any text or a whole file) make it not decoration.

Left open: data hidden inside certificates, signer attributes or PGP subpackets, in the chunks of
WebP or the pixels of any format, and pictures of text (no OCR).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from pathlib import PurePosixPath

__all__ = ["DECORATION_BYTES", "is_cms_signature", "is_decoration", "pgp_armor_headers"]

_SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2, the OID's value
_MAX_BER_DEPTH = 64  # indefinite-length nesting in a real signature is a handful of levels
_PGP_BEGIN, _PGP_END = "-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----"
_ARMOR_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]*: ?[ -~]*")  # RFC 4880 6.2, ASCII only
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_CRC_LINE = re.compile(r"=[A-Za-z0-9+/]{4}")
DECORATION_BYTES = 64 * 1024  # a signature logo is a few KB; a pasted screenshot is more
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".bmp",
                             ".dib", ".ico"})


def is_decoration(data: bytes, filename: str | None) -> bool:
    """A small whole image under an image name: a document labelled ``image/*`` to pass as a
    logo has other bytes, another file appended, or its own extension."""
    suffix = PurePosixPath(filename).suffix.lower() if filename else ""
    return (len(data) <= DECORATION_BYTES and (not suffix or suffix in _IMAGE_SUFFIXES)
            and _is_raster_image(data))


def _is_raster_image(data: bytes) -> bool:
    """The bytes are one PNG, JPEG, GIF, WebP, BMP or ICO from signature to end marker.

    SVG is not here: it is XML text that can say anything.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_whole(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_whole(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif_whole(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return int.from_bytes(data[4:8], "little") + 8 == len(data)
    if data[:2] == b"BM":
        return len(data) > 26 and int.from_bytes(data[2:6], "little") == len(data)
    if data[:4] == b"\x00\x00\x01\x00":
        return _ico_fits(data)
    return False


# Chunks of a picture; text (tEXt, zTXt, iTXt), Exif and private chunks are not decoration.
_PNG_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP",
                         b"sBIT", b"sRGB", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"tIME"})


def _png_whole(data: bytes) -> bool:
    """Picture chunks only, each with its CRC, from IHDR to an IEND that ends the file."""
    at, first = 8, True
    while at + 12 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind, end = data[at + 4:at + 8], at + 12 + length
        if (kind not in _PNG_CHUNKS or (first and kind != b"IHDR") or end > len(data)
                or zlib.crc32(data[at + 4:end - 4]) != int.from_bytes(data[end - 4:end], "big")):
            return False
        if kind == b"IEND":
            return end == len(data)
        at, first = end, False
    return False


# Application extensions that only loop an animation; comments and plain text are text.
_GIF_APPS = frozenset({b"NETSCAPE2.0", b"ANIMEXTS1.0"})


def _gif_whole(data: bytes) -> bool:
    """Image descriptors, graphic controls and looping only, block by block, to a trailer that
    ends the file."""
    if len(data) < 13:
        return False
    at = 13 + _gif_table(data[10])
    while at < len(data):
        block = data[at]
        if block == 0x3B:
            return at + 1 == len(data)
        label = data[at + 1:at + 2]
        graphic_control = label == b"\xf9"
        looping = label == b"\xff" and data[at + 2:at + 3] == b"\x0b" and data[at + 3:at + 14] in _GIF_APPS
        if block == 0x21 and (graphic_control or looping):
            found = _gif_sub_blocks(data, at + 2)
        elif block == 0x2C and at + 10 < len(data):
            found = _gif_sub_blocks(data, at + 10 + _gif_table(data[at + 9]) + 1)
        else:
            return False
        if found is None:
            return False
        at = found
    return False


def _gif_table(flags: int) -> int:
    """Bytes of the colour table a GIF flags byte announces."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _gif_sub_blocks(data: bytes, at: int) -> int | None:
    """Where a chain of GIF data sub-blocks starting at ``at`` ends, or None if it runs off."""
    while at < len(data):
        size = data[at]
        at += 1 + size
        if size == 0:
            return at
    return None


# Segments a picture needs: frame and table markers; APP0 (JFIF), APP2 (ICC), APP14 (Adobe).
# Comments (FE) and other application segments (Exif, XMP) can hold any text or file.
_JPEG_APPS = frozenset({0xE0, 0xE2, 0xEE})


def _jpeg_whole(data: bytes) -> bool:
    """Segments of a picture only, scan data with its byte stuffing, to an end marker that ends
    the file."""
    at = 2
    while at + 2 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xD9:
            return at + 2 == len(data)
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xFE or (0xE0 <= marker <= 0xEF and marker not in _JPEG_APPS) or at + 4 > len(data):
            return False
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
        if marker == 0xDA:  # scan data: 0xFF only as FF00 or a restart marker, until a marker
            while at < len(data):
                found = data.find(b"\xff", at)
                if found < 0 or found + 1 >= len(data):
                    return False
                if data[found + 1] == 0 or 0xD0 <= data[found + 1] <= 0xD7:
                    at = found + 2
                    continue
                at = found
                break
    return False


def _ico_fits(data: bytes) -> bool:
    """An icon directory whose images end where the file ends."""
    count = int.from_bytes(data[4:6], "little")
    if count == 0 or len(data) < 6 + 16 * count:
        return False
    ends = [int.from_bytes(data[at + 8:at + 12], "little") + int.from_bytes(data[at + 12:at + 16], "little")
            for at in range(6, 6 + 16 * count, 16)]
    return max(ends) == len(data)


def is_cms_signature(data: bytes) -> bool:
    """A detached CMS signature (RFC 5652) that is the whole part: a document behind a DER
    header, or signed with its content attached (``openssl cms -sign -nodetach``), is not one."""
    outer = _ber(data, 0)
    if outer is None or outer[0] != 0x30 or outer[3] != len(data):
        return False
    info = _ber_children(data, outer) or []
    if [c[0] for c in info] != [0x06, 0xA0] or data[info[0][1]:info[0][2]] != _SIGNED_DATA_OID:
        return False
    wrapped = _ber_children(data, info[1]) or []
    return [c[0] for c in wrapped] == [0x30] and _is_detached_signed_data(data, wrapped[0])


def _is_detached_signed_data(data: bytes, signed_data: _Tlv) -> bool:
    """SignedData: version, digest algorithms, content info without the content, optional
    certificates and CRLs, signer infos."""
    fields = _ber_children(data, signed_data) or []
    tags = [c[0] for c in fields]
    if (len(tags) < 4 or tags[:3] != [0x02, 0x31, 0x30] or tags[-1] != 0x31
            or not set(tags[3:-1]) <= {0xA0, 0xA1}):
        return False
    return [c[0] for c in _ber_children(data, fields[2]) or []] == [0x06]  # eContentType only


_Tlv = tuple[int, int, int, int]  # tag, content start, content end, offset after the element


def _ber(data: bytes, at: int, depth: int = 0) -> _Tlv | None:
    """The BER element at ``at`` (DER lengths, or indefinite ones as OpenSSL and NSS stream),
    or None when it is malformed or runs past the data."""
    if at + 2 > len(data) or depth > _MAX_BER_DEPTH or data[at] & 0x1F == 0x1F:
        return None
    tag, first, start = data[at], data[at + 1], at + 2
    if first == 0x80 and tag & 0x20:  # indefinite length: children up to an end-of-contents
        while data[start:start + 2] != b"\x00\x00":
            child = _ber(data, start, depth + 1)
            if child is None:
                return None
            start = child[3]
        return tag, at + 2, start, start + 2
    if first < 0x80:
        length = first
    elif 0x81 <= first <= 0x84 and start + first - 0x80 <= len(data):
        length = int.from_bytes(data[start:start + first - 0x80], "big")
        start += first - 0x80
    else:
        return None
    end = start + length
    return (tag, start, end, end) if end <= len(data) else None


def _ber_children(data: bytes, parent: _Tlv) -> list[_Tlv] | None:
    """The elements inside a constructed element, exactly filling it, or None."""
    children: list[_Tlv] = []
    at = parent[1]
    while at < parent[2]:
        child = _ber(data, at)
        if child is None or child[3] > parent[2]:
            return None
        children.append(child)
        at = child[3]
    return children


def pgp_armor_headers(data: bytes) -> str | None:
    """The armour header lines of a PGP signature that is nothing but one (RFC 4880 6.2), or None.

    Between the BEGIN and END lines only ``Key: value`` headers, blank lines, base64 and the
    CRC may stand, and the base64 must be signature packets; header values are free text, so
    they are returned to be scanned.
    """
    try:
        lines = [line.rstrip() for line in data.decode("ascii").strip().splitlines()]
    except UnicodeDecodeError:
        return None
    if len(lines) < 3 or lines[0] != _PGP_BEGIN or lines[-1] != _PGP_END:
        return None
    body = lines[1:-1]
    headers = 0
    while headers < len(body) and _ARMOR_HEADER.fullmatch(body[headers]):
        headers += 1
    armored = [line for line in body[headers:] if line]
    if armored and _CRC_LINE.fullmatch(armored[-1]):
        armored.pop()
    if not armored or not all(_BASE64_LINE.fullmatch(line) for line in armored):
        return None
    try:
        packets = base64.b64decode("".join(armored), validate=True)
    except (binascii.Error, ValueError):
        return None
    return "\n".join(body[:headers]) if _only_signature_packets(packets) else None


def _only_signature_packets(data: bytes) -> bool:
    """OpenPGP packets (RFC 4880 4.2) of tag 2, Signature, exactly filling ``data``."""
    at = 0
    while at < len(data):
        head = data[at]
        if head == 0xC2:  # new format
            length, at = _new_packet_length(data, at + 1)
        elif head & 0xFC == 0x88 and head & 0x03 != 0x03:  # old format, definite length
            size = (1, 2, 4)[head & 0x03]
            length = int.from_bytes(data[at + 1:at + 1 + size], "big") if at + 1 + size <= len(data) else None
            at += 1 + size
        else:
            return False
        if length is None or length == 0 or at + length > len(data):
            return False
        at += length
    return at == len(data) > 0


def _new_packet_length(data: bytes, at: int) -> tuple[int | None, int]:
    """A new-format packet body length and where the body starts; None for partial lengths."""
    first = data[at] if at < len(data) else 255
    if first < 192:
        return first, at + 1
    if first < 224 and at + 2 <= len(data):
        return ((first - 192) << 8) + data[at + 1] + 192, at + 2
    if first == 255 and at + 5 <= len(data):
        return int.from_bytes(data[at + 1:at + 5], "big"), at + 5
    return None, at
