"""Zip archives: every member is handed to the scanner as an item, read under one byte budget.

An archive has no text of its own worth scanning except its comment; what matters is inside, and
the scanner scans each member as ``archive.zip!member`` with the member's own extractor.  Members
are inflated through :mod:`.safezip`, so a flat bomb, an entry-count bomb or a member that
inflates past its declared size ends as a problem.

Nested archives (zip in zip in zip) are the other bomb: each level alone looks harmless and the
scanner gives every level a fresh budget.  So before handing members over, the members that are
themselves zips are opened here and their members read, recursively to ``max_depth``, against
*this* archive's budget and entry count.  A nested bomb is therefore refused at the outermost
archive, and everything the scanner inflates below it fits in one budget.

Member names: zips written without the UTF-8 flag (bit 11) store names in the writer's code page.
The spec says CP437, but Taiwanese Windows writes CP950 (Big5) and macOS writes UTF-8; an
Info-ZIP Unicode Path extra field, when present, is authoritative.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import replace

from ..model import Location, Problem, Segment
from .base import Extraction
from .safezip import Refused, SafeZip, ZipLimits, attach_items, open_zip
from .text import decode

__all__ = ["ZIP_MAGIC", "extract_zip", "looks_cjk", "member_name"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a member that starts so is opened as a nested zip
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH = 0x7075


def extract_zip(data: bytes, name: str, limits: object) -> Extraction:
    """Members of a zip as items, plus its comment; never raises on content."""
    del name  # the format is known; the name is scanned by the caller
    if not data:
        return Extraction.unreadable("empty")
    try:
        archive = open_zip(data, limits)
    except Refused as exc:
        return Extraction.unreadable(exc.code, exc.detail)
    directory = zipfile.ZipFile(io.BytesIO(data))  # flags, raw names, extras: what safezip hides
    infos = [info for info in directory.infolist() if not info.is_dir()]
    tree = _Tree(archive, len(infos))
    problems: list[Problem] = []
    items: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for info in infos:
        shown = member_name(info)
        key = info.filename.lower().lstrip("/")
        if key in seen:  # safezip reads by name: a second entry of that name cannot be reached
            problems.append(Problem("duplicate-entry", shown))
            continue
        seen.add(key)
        if info.flag_bits & _ENCRYPTED_FLAG:
            problems.append(Problem("encrypted", shown))
            continue
        try:
            blob = archive.read(info.filename)
            tree.check()
            if blob.startswith(ZIP_MAGIC):
                tree.charge(blob, 1)
        except Refused as exc:
            problems.append(Problem(exc.code, _renamed(exc.detail, info.filename, shown)))
            if exc.code in ("zip-bomb", "too-many-entries"):
                break  # the budget is spent: members already read are still scanned
            continue
        items.append((shown, blob))
    bombed = any(p.code in ("zip-bomb", "too-many-entries") for p in problems)
    status = "unreadable" if bombed and not items else "partial" if problems else "scanned"
    extraction = Extraction(segments=_comment(directory), problems=tuple(problems), status=status)
    return attach_items(extraction, tuple(items))


class _Tree:
    """Bytes and entries of the archives nested below one outer archive, against its limits.

    Nested members are inflated here only to be counted (and dropped): the scanner reads them
    again when it reaches them, but never more than one budget's worth below this archive.
    """

    def __init__(self, outer: SafeZip, entries: int) -> None:
        self.outer = outer
        self.limits: ZipLimits = outer.limits
        self.entries = entries
        self.spent = 0  # inflated from nested archives, on top of the outer archive's own reads

    @property
    def remaining(self) -> int:
        return self.outer.remaining - self.spent

    def check(self) -> None:
        if self.remaining < 0:
            raise Refused("zip-bomb", f"archive and nested archives inflate to more than "
                          f"{self.limits.max_uncompressed_bytes} bytes")

    def charge(self, blob: bytes, depth: int) -> None:
        """Inflate a nested zip's members under what is left of the budget, recursively.

        Raises :class:`Refused` (``zip-bomb``, ``too-many-entries``) when the tree is a bomb.
        A member that is not a usable zip is left for its own extractor to report.
        """
        if depth > self.limits.max_depth:
            return  # the scanner reports it as too-deep
        limits = replace(self.limits, max_uncompressed_bytes=max(self.remaining, 0),
                         max_entries=self.limits.max_entries - self.entries)
        try:
            nested = open_zip(blob, limits)
        except Refused as exc:
            if exc.code == "corrupt":
                return
            if exc.code == "too-many-entries":
                raise Refused(exc.code, f"nested archives hold more than "
                              f"{self.limits.max_entries} entries in all") from None
            raise Refused(exc.code, f"nested archive: {exc.detail}") from None
        self.entries += len(nested.names)
        for member in nested.names:
            try:
                inner = nested.read(member)
            except Refused as exc:
                if exc.code == "zip-bomb":
                    raise Refused("zip-bomb", f"nested archive: {exc.detail}") from None
                continue  # damaged or encrypted: reported when the scanner reaches it
            self.spent += len(inner)
            self.check()
            if inner.startswith(ZIP_MAGIC):
                self.charge(inner, depth + 1)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it, whatever code page the writer used."""
    unicode_path = _unicode_path_extra(info)
    if unicode_path is not None:
        return unicode_path
    name = info.filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "cp950"):
        try:
            decoded = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" or looks_cjk(decoded):
            return decoded
    return name


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    """The Info-ZIP Unicode Path field (0x7075), if present and matching the stored name."""
    extra = info.extra
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4:at + 4 + size]
        at += 4 + size
        if kind != _UNICODE_PATH or len(body) < 5 or body[0] != 1:
            continue
        (crc,) = struct.unpack_from("<I", body, 1)
        try:
            raw = info.filename.encode("utf-8" if info.flag_bits & _UTF8_FLAG else "cp437")
            if zlib.crc32(raw) != crc:
                return None  # the name was changed after the field was written: stale
            return body[5:].decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
    return None


def looks_cjk(text: str) -> bool:
    """True when the non-ASCII characters are CJK: CP437 mojibake decoded as CP950 rarely is."""
    wide = [c for c in text if not c.isascii()]
    return bool(wide) and all(
        "\u3000" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef"
        for c in wide)


def _renamed(detail: str, stored: str, shown: str) -> str:
    """A safezip detail that names the member by its stored (maybe mis-decoded) name."""
    return detail.replace(stored, shown) if stored != shown else detail


def _comment(directory: zipfile.ZipFile) -> tuple[Segment, ...]:
    """The archive comment, where a sender sometimes writes the password or a level."""
    raw = directory.comment
    if not raw.strip():
        return ()
    text, _, _ = decode(raw)
    return (Segment(text, Location("metadata", name="comment")),)
