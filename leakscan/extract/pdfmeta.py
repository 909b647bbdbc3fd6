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

__all__ = ["embedded_file_over", "info_key_candidates", "xmp_properties"]

_MAX_INFLATE = 16 * 1024 * 1024  # per stream; XMP packets and object streams are far smaller
_MAX_TOTAL_INFLATE = 64 * 1024 * 1024  # over all streams of a file: a bomb of many streams stops here
_CHUNK = 1024 * 1024  # inflated at a time when only a stream's size is wanted
_MAX_STREAMS = 50_000  # a 1-million-object file has ~10,000 object streams

_NAME_BEFORE_STRING = re.compile(rb"/([A-Za-z][A-Za-z0-9_.+#-]{0,126})\s*(?:\((?!\))|<(?![<>]))")
_STREAM_TYPE = re.compile(rb"/Type\s*/(Metadata|ObjStm)(?![A-Za-z0-9])")
_EMBEDDED_FILE = re.compile(rb"/Type\s*/(EmbeddedFile)(?![A-Za-z0-9])")
_STREAM_START = re.compile(rb"stream\r?\n")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# XMP packets, found with find() (a lazy DOTALL regex is quadratic on opening tags without a close).
_PACKET_TAGS = ((b"<x:xmpmeta", b"</x:xmpmeta"), (b"<rdf:RDF", b"</rdf:RDF"))

# XMP properties that tools write (dates, identifiers, formats), not people.
_MACHINE_PROPERTIES = frozenset({
    "about", "CreateDate", "ModifyDate", "MetadataDate", "DocumentID", "InstanceID",
    "OriginalDocumentID", "VersionID", "RenditionClass", "instanceID", "documentID", "when",
    "format", "PDFVersion", "Trapped", "lang", "xmptk"})
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def info_key_candidates(data: bytes) -> tuple[set[str], list[str]]:
    """Names that may be document-info keys (every ``/Name`` followed by a string), and object
    streams that could not be looked into.  Each stream is searched and dropped at once."""
    names = {_name(m.group(1)) for m in _NAME_BEFORE_STRING.finditer(data)}
    failures: list[str] = []
    for kind, body, detail in _streams(data):
        if kind != b"ObjStm":
            continue
        if body is None:
            failures.append(f"object stream {detail}")
        else:
            names.update(_name(m.group(1)) for m in _NAME_BEFORE_STRING.finditer(body))
    return names, failures


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
        packets = list(_packets(body))
        if not packets and body.strip():
            failures.append("XMP not decoded (encrypted?)")
        for packet in packets:
            try:
                found.extend(_properties(parse_xml(packet, "XMP")))
            except Refused as exc:
                failures.append(f"XMP {exc.detail or exc.code}")
    return found, failures


def _packets(body: bytes) -> Iterator[bytes]:
    """Each ``<x:xmpmeta>…</x:xmpmeta>`` (or bare ``<rdf:RDF>``) packet, in linear time: a tag
    with no closing tag after it is dropped for good (none after it can close either)."""
    pos, tags = 0, list(_PACKET_TAGS)
    while tags:
        starts = [(_opening(body, open_tag, pos), open_tag, close_tag) for open_tag, close_tag in tags]
        starts = [found for found in starts if found[0] >= 0]
        if not starts:
            return
        start, open_tag, close_tag = min(starts)
        close = body.find(close_tag, start)
        end = body.find(b">", close) if close >= 0 else -1
        if end < 0:
            tags.remove((open_tag, close_tag))
            continue
        yield body[start:end + 1]
        pos = end + 1


def _opening(body: bytes, tag: bytes, pos: int) -> int:
    """Where ``tag`` next opens an element (not a longer name such as ``<rdf:RDFx``), or -1."""
    while (found := body.find(tag, pos)) >= 0:
        if not body[found + len(tag):found + len(tag) + 1].isalnum():
            return found
        pos = found + len(tag)
    return -1


def _streams(data: bytes) -> Iterator[tuple[bytes, bytes | None, str]]:
    """``(kind, decoded body or None, why not)`` of each metadata and object stream, within
    one inflate allowance for the file."""
    budget = [_MAX_TOTAL_INFLATE]
    for found in _raw_streams(data, _STREAM_TYPE):
        if found is None:
            yield b"Metadata", None, f"more than {_MAX_STREAMS} stream types marked, rest not read"
            return
        kind, head, body = found
        yield (kind, *_decode(head, body, budget))


def embedded_file_over(data: bytes, limit: int) -> bool:
    """Whether an attached file's stream inflates past ``limit`` bytes.  PDFium inflates a whole
    attachment just to tell its size, so a 1 MB PDF holding 1 GB of zeros must be turned away
    before PDFium is asked; this inflates in chunks and keeps none of it."""
    for found in _raw_streams(data, _EMBEDDED_FILE):
        if found is None:
            return True
        _, head, body = found
        filters = _filters(head)
        if not filters:
            if len(body) > limit:
                return True
            continue
        if filters not in ([b"FlateDecode"], [b"Fl"]):
            continue  # PDFium decodes the other filters; they are not the bombs people send
        inflater, size = zlib.decompressobj(), 0
        try:
            size += len(inflater.decompress(body, _CHUNK))
            while inflater.unconsumed_tail and size <= limit:
                size += len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
        except zlib.error:
            continue
        if size > limit:
            return True
    return False


def _raw_streams(data: bytes, types: re.Pattern[bytes]) -> Iterator[tuple[bytes, bytes, bytes] | None]:
    """``(kind, dictionary, raw body)`` of each stream whose ``/Type`` ``types`` matches; None
    once more than ``_MAX_STREAMS`` are marked.

    Bounded for hostile files: each match looks at most 4 KB either side and a match inside a
    stream already read is skipped (bodies never overlap).
    """
    end = -1
    for count, match in enumerate(types.finditer(data)):
        if match.start() < end:  # inside the body of the stream before
            continue
        if count == _MAX_STREAMS:
            yield None
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
        yield match.group(1), head, data[start.end():end]


def _filters(head: bytes) -> list[bytes]:
    return re.findall(rb"/(\w+Decode|Fl|AHx|A85|LZW|RL|Crypt)\b", head.split(b"/DecodeParms")[0])


def _decode(head: bytes, body: bytes, budget: list[int]) -> tuple[bytes | None, str]:
    """The stream's bytes; ``budget`` holds what is left of the file's inflate allowance."""
    filters = _filters(head)
    if not filters:
        return body, ""
    if filters not in ([b"FlateDecode"], [b"Fl"]):
        return None, "filter " + "+".join(f.decode("ascii") for f in filters) + " not read"
    spent = f"not read: the file's {_MAX_TOTAL_INFLATE >> 20} MB inflate allowance is spent"
    limit = min(_MAX_INFLATE, budget[0])
    if limit <= 0:
        return None, spent
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, limit)
    except zlib.error:
        return None, "not decoded (encrypted or damaged)"
    budget[0] -= len(out)
    if inflater.unconsumed_tail:
        return None, spent if limit < _MAX_INFLATE else f"larger than {limit} bytes, not read"
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
