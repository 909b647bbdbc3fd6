"""PDF metadata PDFium has no API for: the names of the document-info keys, and XMP packets.

PDFium returns a document-info value for a key it is given (``FPDF_GetMetaText``) but cannot
list the keys, so a custom ``/Classification`` key would go unread; and it does not expose the
catalog's ``/Metadata`` stream (XMP) at all.  Both are found by a byte-level look at the file:

* every name followed by a string is a *candidate* key; PDFium then looks it up in the real
  info dictionary and decodes it, so a wrong guess costs one lookup and never yields text.
  Object streams (``/ObjStm``, where PDF 1.5 files may pack the info dictionary) are inflated
  and looked at too.
* metadata streams (``/Type /Metadata``) are never inside object streams, so every one is found;
  each is inflated when Flate-compressed and its XMP parsed with the DTD-refusing parser.

What cannot be decoded (another filter, an encrypted stream, broken XML) is returned as a
failure for the caller to report, never dropped silently.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from .safezip import Refused, local_name, parse_xml

__all__ = ["info_key_candidates", "xmp_properties"]

_MAX_INFLATE = 16 * 1024 * 1024  # per stream; XMP packets and object streams are far smaller
_MAX_STREAMS = 50_000  # a 1-million-object file has ~10,000 object streams

_NAME_BEFORE_STRING = re.compile(rb"/([A-Za-z][A-Za-z0-9_.+#-]{0,126})\s*(?:\((?!\))|<(?![<>]))")
_STREAM_TYPE = re.compile(rb"/Type\s*/(Metadata|ObjStm)(?![A-Za-z0-9])")
_STREAM_START = re.compile(rb"stream\r?\n")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PACKET = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta\s*>|<rdf:RDF\b.*?</rdf:RDF\s*>", re.DOTALL)

# XMP properties that tools write (dates, identifiers, formats), not people.
_MACHINE_PROPERTIES = frozenset({
    "about", "CreateDate", "ModifyDate", "MetadataDate", "DocumentID", "InstanceID",
    "OriginalDocumentID", "VersionID", "RenditionClass", "instanceID", "documentID", "when",
    "format", "PDFVersion", "Trapped", "lang", "xmptk"})
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def info_key_candidates(data: bytes) -> set[str]:
    """Names that may be document-info keys: every ``/Name`` followed by a string."""
    texts = [data]
    texts.extend(body for kind, body, _ in _streams(data) if kind == b"ObjStm" and body)
    return {_name(m.group(1)) for text in texts for m in _NAME_BEFORE_STRING.finditer(text)}


def xmp_properties(data: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """``(property, text)`` of every XMP packet in the file, and what could not be read."""
    found: list[tuple[str, str]] = []
    failures: list[str] = []
    for kind, body, detail in _streams(data):
        if kind != b"Metadata":
            continue
        if body is None:
            failures.append(f"XMP {detail}")
            continue
        packets = _PACKET.findall(body)
        if not packets and body.strip():
            failures.append("XMP not decoded (encrypted?)")
        for packet in packets:
            try:
                found.extend(_properties(parse_xml(packet, "XMP")))
            except Refused as exc:
                failures.append(f"XMP {exc.detail or exc.code}")
    return found, failures


def _streams(data: bytes) -> Iterator[tuple[bytes, bytes | None, str]]:
    """``(kind, decoded body or None, why not)`` of each metadata and object stream.

    Bounded for hostile files: each match looks at most 4 KB either side, a match inside a
    stream already read is skipped (bodies never overlap), and past ``_MAX_STREAMS`` the rest
    is reported.
    """
    end = -1
    for count, match in enumerate(_STREAM_TYPE.finditer(data)):
        if match.start() < end:  # inside the body of the stream before
            continue
        if count == _MAX_STREAMS:
            yield b"Metadata", None, f"more than {_MAX_STREAMS} stream types marked, rest not read"
            return
        start = _STREAM_START.search(data, match.end(), match.end() + 4096)
        if start is None:
            continue
        head_start = data.rfind(b"obj", max(0, match.start() - 4096), match.start())
        head = data[head_start:start.start()]
        if b"endobj" in head or b"endstream" in head:  # the type and the stream are not one object
            continue
        end = data.find(b"endstream", start.end())
        if end < 0:
            return
        yield (match.group(1), *_decode(head, data[start.end():end]))


def _decode(head: bytes, body: bytes) -> tuple[bytes | None, str]:
    filters = re.findall(rb"/(\w+Decode|Fl|AHx|A85|LZW|RL|Crypt)\b", head.split(b"/DecodeParms")[0])
    if not filters:
        return body, ""
    if filters not in ([b"FlateDecode"], [b"Fl"]):
        return None, "filter " + "+".join(f.decode("ascii") for f in filters) + " not read"
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, _MAX_INFLATE)
    except zlib.error:
        return None, "not decoded (encrypted or damaged)"
    if inflater.unconsumed_tail:
        return None, f"larger than {_MAX_INFLATE} bytes, not read"
    return out, ""


def _properties(root: ET.Element) -> Iterator[tuple[str, str]]:
    """Text of each XMP property, attribute form (``pdf:Keywords="…"``) included.

    ``rdf:Alt``/``rdf:li`` wrappers take the name of the property they hold (``title``).
    """
    stack = [(root, "")]
    while stack:  # a loop, not recursion: a hostile packet may nest thousands deep
        element, held = stack.pop()
        for key, value in element.attrib.items():
            name = local_name(key)
            if not key.startswith("{" + _RDF) and name not in _MACHINE_PROPERTIES and value.strip():
                yield name, value
        name = held if element.tag.startswith("{" + _RDF) else local_name(element.tag)
        text = (element.text or "").strip()
        if text and name not in _MACHINE_PROPERTIES:
            yield name or "xmp", text
        stack.extend((child, name) for child in reversed(element))


def _name(raw: bytes) -> str:
    """A PDF name's characters (``#20`` is a space)."""
    return _HEX_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), raw).decode("latin-1")
