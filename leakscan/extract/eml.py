"""E-mail messages (.eml, RFC 822 bytes): subject, address headers and bodies as segments, every
attachment as an item that the scanner reads with its own extractor (``mail.eml!簽呈.docx``).

Mail from Taiwanese clients is often labelled wrongly: raw Big5 bytes in a Subject, ``big5``
declared for text holding CP950-only characters (碁, 銹, 裏, €), Big5 bodies declared as
``iso-8859-1`` or not at all.  The standard library parses the structure (``policy.default``),
but header text and file names are decoded here from the raw values, with Big5 read as CP950 and
anything undecodable handed to :func:`.text.decode`, so 機密 in a subject is not lost to
replacement characters.  Nothing here raises on content: the email package's defects become one
``malformed-message`` problem and whatever could be read is still scanned.

Addresses are personal data, so From/To/Cc/Bcc/Reply-To/Sender are scanned as ``metadata``
segments named after the header, display names and addresses alike.  HTML bodies go through
:mod:`.html`, so alt text and ``<!-- -->`` comments left in a draft are scanned too.

Images cannot be read (no OCR), so an image attachment makes the mail ``partial``.  The exception
is decoration: a small image (at most ``DECORATION_BYTES``) that the HTML body itself shows by
``cid:``, such as the logo in a signature (clients differ on marking it inline or attachment).  Otherwise
every signed mail would be partial and a gateway would warn on all of them.  Its file name is
still scanned; a large inline image (a pasted screenshot) stays an item and the mail partial.
The ``image/*`` label is the sender's word, so decoration must also be a whole raster image by its
bytes (:mod:`.mailparts`; not SVG, which is text) with no other file appended and
no non-image file extension: a document sent as ``image/png`` is an item like any attachment.

The detached signature of a signed mail (S/MIME ``smime.p7s``, PGP/MIME) is skipped for the same
reason when it is one and nothing else: a CMS signedData that fills the whole part and carries no
content of its own, or a PGP armour around signature packets only (its armour header lines are
free text and still scanned).  An encrypted mail (``smime.p7m``) cannot be read and stays ``partial``.

Outlook .msg is not read: the maintained reader (extract-msg) is GPL-3.0 with a heavy dependency
tree; see the project notes.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import mimetypes
import re
from collections import Counter
from dataclasses import replace
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import unquote

from ..model import Location, Problem, Segment
from .archive import looks_cjk
from .base import Extraction
from .html import extract_html
from .mailparts import DECORATION_BYTES, is_cms_signature, is_decoration, pgp_armor_headers
from .safezip import CFB_MAGIC
from .text import decode, text_codec

__all__ = ["extract_eml"]

_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender"})
# Free-text headers a sender can write into, of the message or of any part.
_TEXT_HEADERS = frozenset({"keywords", "comments", "content-description", "thread-topic"})
# Declared charsets that are subsets of what clients really used.
# (Big5 names: text.BIG5_NAMES, read as CP950 by text_codec.)
_CODECS = {"big5-hkscs": "big5hkscs", "gb2312": "gbk", "x-gbk": "gbk", "ks_c_5601-1987": "cp949"}
# Declared charsets that decode any byte: a wrong label is only visible by trying stricter ones.
_PERMISSIVE = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252",
                         "cp1252"})
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t\r\n]+(?==\?[^?\s]+\?[bBqQ]\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_MAX_PART_DEPTH = 50  # multipart nesting past this is an attack, not a message
# Detached signatures of multipart/signed (S/MIME with a 政府憑證 (GCA) certificate, PGP/MIME):
# certificates and a signature over the first part, no document text.
_SIGNATURES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature",
                         "application/pgp-signature"})
_CID_REF = re.compile(r"""cid:([^"'\s<>()]+)""", re.I)


def extract_eml(data: bytes, name: str, limits: object) -> Extraction:
    """Segments and attachments of one message held in memory; never raises on content."""
    del name  # the format is known; the name is scanned by the caller
    if not data:
        return Extraction.unreadable("empty")
    if data.startswith(CFB_MAGIC):
        return Extraction.unreadable("unsupported-format", "Outlook .msg (OLE compound file), "
                                     "not an RFC 822 message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as exc:  # the parser is lenient; this is a bug in it, not our caller's
        return Extraction.unreadable("malformed-message", type(exc).__name__)
    reader = _MailReader(getattr(limits, "max_entries", 10_000))
    try:
        reader.read(message)
    except RecursionError:
        reader.problems.append(Problem("too-deep", "MIME parts nested too deeply"))
    return reader.result()


class _MailReader:
    """Walks one parsed message, collecting segments, items and problems."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self.segments: list[Segment] = []
        self.problems: list[Problem] = []
        self.items: list[tuple[str, bytes]] = []
        self.defects: Counter[str] = Counter()
        self.parts = 0
        self.shown_cids: set[str] = set()  # cid: references in HTML bodies
        self.inline_images: list[tuple[str, str, bytes]] = []  # (content id, name, bytes)

    def result(self) -> Extraction:
        for cid, name, data in self.inline_images:
            if cid in self.shown_cids:  # decoration the body displays: its name only
                self._segment(name, Location("filename", name="inline-image"))
            else:
                self._item(name, data)
        if self.defects:
            summary = ", ".join(f"{name} ({count})" if count > 1 else name
                                for name, count in sorted(self.defects.items()))
            self.problems.insert(0, Problem("malformed-message", summary))
        status = "partial" if self.problems else "scanned"
        return Extraction(segments=tuple(self.segments), problems=tuple(self.problems),
                          status=status, items=tuple(self.items))

    def read(self, message: Message) -> None:
        for key, raw in message.raw_items():
            lower = key.lower()
            if lower == "subject":
                self._segment(header_text(raw), Location("subject"))
            elif lower in _ADDRESS_HEADERS:
                self._segment(header_text(raw), Location("metadata", name=lower))
        self._part(message, 0)

    def _segment(self, text: str, location: Location) -> None:
        if text.strip():
            self.segments.append(Segment(text, location))

    def _part(self, part: Message, depth: int, data: bytes | None = None) -> None:
        """One part and its children; ``data`` is the leaf's payload when already decoded."""
        self.parts += 1
        self.defects.update(type(d).__name__ for d in part.defects)
        if depth > _MAX_PART_DEPTH:
            self.problems.append(Problem("too-deep", f"MIME parts nested more than {_MAX_PART_DEPTH}"))
            return
        for key, raw in part.raw_items():
            if key.lower() in _TEXT_HEADERS:
                self._segment(header_text(raw), Location("metadata", name=key.lower()))
        for name, text in (("preamble", part.preamble), ("epilogue", part.epilogue)):
            if isinstance(text, str):  # text around a multipart's parts, which no client shows
                self._segment(_raw_text(text), Location("metadata", name=name))
        ctype = _content_type(part)
        # A leaf's text payload is never asked for: get_payload() decodes 8-bit bytes with the
        # declared charset, and punycode or idna raise there; the leaf reads its bytes instead.
        payload = part.get_payload() if part.is_multipart() else None
        if ctype in ("message/rfc822", "message/global"):
            self._attached_message(part, payload)
        elif isinstance(payload, list):
            self._children(payload, ctype == "multipart/signed", depth)
        else:
            self._leaf(part, ctype, _payload(part) if data is None else data)

    def _children(self, payload: list[Any], signed: bool, depth: int) -> None:
        """The parts of a multipart, less the detached signature of a signed one."""
        for index, sub in enumerate(payload):
            if not isinstance(sub, Message):
                continue
            data = None
            if signed and index > 0 and _content_type(sub) in _SIGNATURES:
                data = _payload(sub)  # decoded once: a part that is no signature is read from it
                if self._is_signature(data):
                    continue
            self._part(sub, depth + 1, data)

    def _is_signature(self, data: bytes) -> bool:
        """A detached signature and nothing else; the free text of a PGP armour is scanned."""
        if len(data) > DECORATION_BYTES:
            return False
        if is_cms_signature(data):
            return True
        headers = pgp_armor_headers(data)
        if headers is None:
            return False
        self._segment(headers, Location("body", name="application/pgp-signature"))
        return True

    def _leaf(self, part: Message, ctype: str, data: bytes) -> None:
        filename = attachment_name(part)
        cid = _content_id(part)
        if cid and ctype.startswith("image/") and is_decoration(data, filename):
            self.inline_images.append((cid, filename or self._generated_name(ctype), data))
        elif filename or _disposition(part) == "attachment":
            self._item(filename or self._generated_name(ctype), data)
        elif ctype == "text/html":
            text = self._text(data, _charset(part), ctype)
            self.shown_cids.update(_cid_key(ref) for ref in _CID_REF.findall(text))
            self._html(text)
        elif ctype.startswith("text/") or ctype.startswith("multipart/"):  # a broken multipart too
            self._segment(self._text(data, _charset(part), ctype), Location("body", name=ctype))
        elif data:
            self._item(self._generated_name(ctype), data)

    def _html(self, text: str) -> None:
        """An HTML body through the HTML extractor: visible text, title, alt text, comments.

        The text is handed over as UTF-8 with a BOM so the MIME charset, already applied, wins
        over a ``<meta charset>`` that mail clients often leave wrong.
        """
        if not text.strip():
            return
        extraction = extract_html(codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass"),
                                  "body.html", None)
        self.problems.extend(extraction.problems)
        for segment in extraction.segments:
            location = segment.location
            if location.part == "body" and location.name is None:
                location = replace(location, name="text/html")
            self._segment(segment.text, location)

    def _attached_message(self, part: Message, payload: Any) -> None:
        name = attachment_name(part) or f"message-{self.parts}.eml"
        if not name.lower().endswith(".eml"):
            name += ".eml"
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            try:  # compat32 writes the parsed headers back as they came, 8-bit bytes included
                blob = payload[0].as_bytes(policy=policy.compat32)
            except Exception as exc:
                self.problems.append(Problem("malformed-message", f"{name}: {type(exc).__name__}"))
                return
        else:
            blob = _payload(part)
        self._item(name, blob)

    def _item(self, name: str, data: bytes) -> None:
        if len(self.items) < self.max_items:
            self.items.append((name, data))
        elif not any(p.code == "too-many-entries" for p in self.problems):
            self.problems.append(Problem("too-many-entries", f"more than {self.max_items} attachments"))

    def _generated_name(self, ctype: str) -> str:
        """A name for an unnamed part; its extension lets the scanner pick the extractor."""
        return f"part-{self.parts}{mimetypes.guess_extension(ctype) or '.bin'}"

    def _text(self, data: bytes, charset: str | None, ctype: str) -> str:
        if charset is None and ctype == "text/html":
            match = _META_CHARSET.search(data[:4096])
            charset = match.group(1).decode("ascii").lower() if match else None
        text, problems = decode_declared(data, charset)
        self.problems.extend(problems)
        return text


def decode_declared(data: bytes, charset: str | None) -> tuple[str, tuple[Problem, ...]]:
    """Bytes labelled ``charset`` as text, distrusting labels that Taiwanese mail gets wrong."""
    codec = text_codec(_CODECS.get(charset, charset)) if charset and charset not in _PERMISSIVE else None
    if codec is not None:
        try:
            return data.decode(codec), ()
        except (UnicodeDecodeError, ValueError):
            pass
    if data.isascii():
        if charset == "utf-7":  # real UTF-7 (CJK hidden in +…- runs) or a false label on ASCII text
            try:
                text = data.decode("utf-7")
                if looks_cjk(text):
                    return text, ()
            except UnicodeDecodeError:
                pass
        return data.decode("ascii"), ()
    if charset in _PERMISSIVE:  # a label that decodes anything: prefer UTF-8 or Big5 when the bytes are that
        try:
            return data.decode("utf-8"), ()
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("cp950")
            if looks_cjk(text):
                return text, ()
        except UnicodeDecodeError:
            pass
        return data.decode("cp1252" if charset in ("windows-1252", "cp1252") else "latin-1",
                           errors="replace"), ()
    text, _, problems = decode(data)
    return text, problems


def _raw_text(raw: str) -> str:
    """Text as the parser keeps it, its raw 8-bit bytes (surrogate escapes) decoded."""
    if any("\udc80" <= c <= "\udcff" for c in raw):
        return decode(raw.encode("utf-8", "surrogateescape"))[0]
    return raw


def header_text(raw: str) -> str:
    """A raw header value as text: unfolded, 8-bit bytes and RFC 2047 encoded words decoded."""
    raw = _FOLD.sub("", _raw_text(raw))
    raw = _BETWEEN_WORDS.sub("", raw)
    return _ENCODED_WORD.sub(_decode_word, raw).strip()


def _decode_word(match: re.Match[str]) -> str:
    charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 adds *language
    encoding, text = match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_declared(data, charset)[0]


def attachment_name(part: Message) -> str | None:
    """A part's file name: RFC 2231, RFC 2047 inside quotes (Outlook, Gmail) or raw 8-bit Big5."""
    raw = _raw_param(part, "content-disposition", "filename") or _raw_param(part, "content-type", "name")
    name: str | None = None
    if raw and (not raw.isascii() or "=?" in raw):
        name = header_text(raw)
    if not name:
        try:
            name = part.get_filename()
        except Exception:  # a header the parser chokes on: fall back to the raw value
            name = None
    if not name and raw:
        name = header_text(raw)
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # a path in a file name is not a folder
    name = "".join(c for c in name if c.isprintable()).strip()
    return name or None


def _raw_param(part: Message, header: str, param: str) -> str | None:
    """A plain (not RFC 2231) parameter of a header, taken from the raw, unparsed value."""
    for key, value in part.raw_items():
        if key.lower() != header:
            continue
        match = re.search(r'(?:^|;)\s*' + param + r'\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)',
                          _FOLD.sub("", value), re.I)
        if match:
            found = match.group(1).strip()
            if found.startswith('"'):
                found = re.sub(r"\\(.)", r"\1", found[1:-1])
            return found or None
    return None


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _content_id(part: Message) -> str | None:
    """The part's Content-ID without angle brackets, in the form ``cid:`` references use."""
    try:
        value = part.get("content-id")
    except Exception:
        return None
    value = str(value).strip().strip("<>").strip() if value else ""
    return _cid_key(value) if value else None


def _cid_key(reference: str) -> str:
    """``cid:`` URLs are %-encoded (RFC 2392) and clients differ in case: compare them folded."""
    return unquote(reference).lower()


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset.strip().lower() if isinstance(charset, str) and charset.strip() else None


def _payload(part: Message) -> bytes:
    """The part's bytes with its transfer encoding undone (best effort on broken base64)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    return data if isinstance(data, bytes) else b""
