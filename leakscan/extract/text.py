"""Plain text (.txt, .md, .csv …): detect the encoding Taiwanese files actually use.

Order matters: a BOM is certain; UTF-8 decodes strictly only when it is UTF-8; UTF-16 without a
BOM shows itself by NUL bytes in every other position; Big5 (as Microsoft's CP950, which adds the
characters Windows uses) is the older Taiwanese default.  Bytes that fit none of these are decoded
with replacement characters and the file is reported as partial, never as clean.
"""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from ..model import Problem
from .base import Extraction, Limits
from .texttables import text_segments


def decode(data: bytes) -> tuple[str, str, tuple[Problem, ...]]:
    """``(text, encoding, problems)`` for raw bytes of a text file."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict_or_replace(data[len(codecs.BOM_UTF8):], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict_or_replace(data, "utf-16")
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _strict_or_replace(data, utf16)
    for encoding in ("cp950", "big5hkscs"):
        try:
            return data.decode(encoding), encoding, ()
        except UnicodeDecodeError:
            continue
    return _strict_or_replace(data, "utf-8")


# Names generators write for Big5; CP950 is the superset Windows actually writes.
BIG5_NAMES = frozenset({"big5", "big-5", "x-big5", "cn-big5", "csbig5", "cp950", "ms950", "windows-950",
                        "x-windows-950"})


# ASCII-compatible codecs that still turn plain text into something else (escapes, IDNA).
_NOT_TEXT_CODECS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode"})
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def text_codec(name: str) -> str | None:
    """The codec a declared charset ``name`` may be decoded with, or None.

    Only codecs that read ASCII as ASCII qualify: the label was itself written in ASCII, so a
    label naming EBCDIC (cp037) or UTF-16/32 is false, and trusting it would turn readable text
    (a secret included) into gibberish that matches nothing.  Big5 names read as CP950.
    """
    codec = "cp950" if name in BIG5_NAMES else name
    try:
        info = codecs.lookup(codec)
        if info.name in _NOT_TEXT_CODECS or _PRINTABLE_ASCII.decode(codec) != _PRINTABLE_ASCII.decode():
            return None
    except (LookupError, ValueError):  # ValueError: UnicodeError of codecs such as punycode
        return None
    return codec


def decode_declared(data: bytes, declared: bytes | None,
                    aliases: dict[str, str] | None = None) -> tuple[str, str, tuple[Problem, ...]]:
    """Text of a markup file (XML, HTML): BOM first, then the ``declared`` encoding strictly,
    then the text-file guess of ``decode``.

    A label that is not an ASCII-compatible text codec is ignored (``text_codec``), as is a
    declaration the bytes do not fit (a Big5 page saying utf-8).
    """
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding, problems = decode(data)
        return text.lstrip("\ufeff"), encoding, problems
    if declared:
        name = declared.decode("ascii", "replace").lower()
        codec = text_codec((aliases or {}).get(name, name))
        if codec is not None:
            try:
                return data.decode(codec), codec, ()
            except (UnicodeDecodeError, ValueError):  # a Big5 page saying utf-8
                pass
    text, encoding, problems = decode(data)
    return text.lstrip("\ufeff"), encoding, problems


_JSON_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
                          r"|\\u([0-9a-fA-F]{4})")


def _unescape_json(text: str) -> str:
    """JSON written by most tools escapes every non-ASCII character (\\u5bc6\\u78bc is 密碼):
    the escapes are read as the characters they stand for, surrogate pairs joined."""
    def char(match: re.Match[str]) -> str:
        if match.group(3):
            code = int(match.group(3), 16)
            return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))

    return _JSON_ESCAPE.sub(char, text)


def _strict_or_replace(data: bytes, encoding: str) -> tuple[str, str, tuple[Problem, ...]]:
    try:
        return data.decode(encoding), encoding, ()
    except UnicodeDecodeError as exc:
        text = data.decode(encoding, errors="replace")
        return text, encoding, (Problem("encoding", f"{encoding} @ byte {exc.start}"),)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NULs sit in alternate bytes, as in UTF-16 text."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def extract_text(data: bytes, name: str, limits: Limits) -> Extraction:
    """One body segment holding the whole decoded text (lines are located per finding); in a
    table (.csv, .tsv, a Markdown table) a value under a personal-data header is read with it."""
    text, encoding, problems = decode(data)
    status = "partial" if problems else "scanned"
    suffix = PurePath(name).suffix.lower()
    if suffix == ".json" and "\\u" in text:
        text = _unescape_json(text)
    return Extraction(segments=text_segments(text, suffix, limits),
                      problems=problems, status=status, encoding=encoding)
