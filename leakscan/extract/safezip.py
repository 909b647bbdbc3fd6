"""Reading zip containers (docx, xlsx, pptx, odt, zip) and their XML without being bombed.

Every zip-based extractor opens its bytes through :func:`open_zip`.  The archive is refused
*before* anything is inflated when its central directory already shows a bomb: too many entries,
a declared total size over the limit, or one large entry compressed far better than real office
files are.  Declared sizes can lie, so reads go through :meth:`SafeZip.chunks`, which inflates in
small pieces and stops at a byte budget shared by every read from the archive.

XML from an archive is parsed by expat (through :mod:`xml.etree.ElementTree` or directly) with a
guard that refuses any DTD: office parts never carry one, and a DTD is the only place entity
expansion (billion laughs) and external entities can come from.  Refusals are raised as
:class:`Refused`, which carries a problem code; extractors turn it into a ``Problem`` and never
let it out.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

from ..model import Problem, Segment
from .base import Extraction

__all__ = [
    "CFB_MAGIC",
    "CHUNK_BYTES",
    "RATIO_FLOOR_BYTES",
    "PackageReader",
    "Refused",
    "SafeZip",
    "ZipLimits",
    "attach_items",
    "cfb_problem",
    "feed",
    "guarded_expat",
    "local_name",
    "open_zip",
    "parse_xml",
    "read_items",
    "read_package",
]

CHUNK_BYTES = 64 * 1024
# Entries smaller than this are never refused for their ratio: a small XML part full of repeated
# markup compresses very well and cannot hurt anyone.
RATIO_FLOOR_BYTES = 1024 * 1024


class Refused(Exception):
    """A container or part that is not read, with the problem code to report."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def problem(self) -> Problem:
        return Problem(self.code, self.detail)


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """The zip limits, taken from ``Limits`` fields when it has them (defaults otherwise)."""

    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    max_entries: int = 10_000
    max_depth: int = 5

    @classmethod
    def of(cls, limits: object) -> ZipLimits:
        """Read the fields from any limits object; missing ones keep their defaults."""
        default = cls()
        return cls(
            max_uncompressed_bytes=getattr(limits, "max_uncompressed_bytes",
                                           default.max_uncompressed_bytes),
            max_ratio=getattr(limits, "max_ratio", default.max_ratio),
            max_entries=getattr(limits, "max_entries", default.max_entries),
            max_depth=getattr(limits, "max_depth", default.max_depth),
        )


class SafeZip:
    """A zip archive whose reads share one budget of uncompressed bytes.

    Part names in office files are case-insensitive, so lookups are too.  Nothing is written to
    disk: the archive is read from memory.  Every entry a reader starts to inflate is remembered,
    so after reading, the package can tell which parts no reader looked at (:attr:`unopened`).
    """

    def __init__(self, archive: zipfile.ZipFile, limits: ZipLimits) -> None:
        self._zip = archive
        self.limits = limits
        self._budget = limits.max_uncompressed_bytes
        self._by_name: dict[str, zipfile.ZipInfo] = {}
        duplicates: list[str] = []
        for info in archive.infolist():
            if not info.is_dir():
                key = info.filename.lower().lstrip("/")
                if key in self._by_name:
                    duplicates.append(info.filename)
                self._by_name.setdefault(key, info)
        # A second entry of one name is never read (the first wins), yet another program may
        # show it instead: a tampered file could hide its real text there, so readers report it.
        self.duplicates: tuple[str, ...] = tuple(duplicates)
        self._opened: set[str] = set()

    @property
    def names(self) -> list[str]:
        """Every file entry's name, in archive order."""
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

    def find(self, name: str) -> str | None:
        """The stored spelling of ``name`` (case-insensitive), or None when it is absent."""
        info = self._by_name.get(name.lower().lstrip("/"))
        return info.filename if info is not None else None

    @property
    def unopened(self) -> list[str]:
        """Entries no read has started on (the first of duplicate names only), in archive order."""
        return [info.filename for key, info in self._by_name.items() if key not in self._opened]

    def stored_size(self, name: str) -> int:
        """An entry's size without inflating it: the larger of declared and compressed size
        (the compressed bytes are really there; the declared size can lie)."""
        info = self._by_name.get(name.lower().lstrip("/"))
        return 0 if info is None else max(info.file_size, info.compress_size)

    @property
    def remaining(self) -> int:
        """Uncompressed bytes that may still be read from this archive."""
        return self._budget

    def chunks(self, name: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """Inflate one entry piece by piece, refusing it once it passes the budget."""
        key = name.lower().lstrip("/")
        info = self._by_name.get(key)
        if info is None:
            raise Refused("corrupt", f"missing part {name}")
        self._opened.add(key)  # a refused read is recorded as a problem by the reader
        if info.flag_bits & 0x1:
            raise Refused("encrypted", info.filename)
        read = 0
        try:
            with self._zip.open(info) as stream:
                while True:
                    chunk = stream.read(chunk_bytes)
                    if not chunk:
                        return
                    read += len(chunk)
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        raise Refused("zip-bomb", f"{info.filename}: more than "
                                      f"{self.limits.max_uncompressed_bytes} bytes uncompressed")
                    if read > info.file_size:  # zipfile stops at the declared size; belt and braces
                        raise Refused("zip-bomb", f"{info.filename}: larger than declared")
                    yield chunk
        except Refused:
            raise
        except NotImplementedError:
            raise Refused("corrupt", f"{info.filename}: unsupported compression "
                          f"{info.compress_type}") from None
        except RuntimeError as exc:  # zipfile raises it for encrypted entries
            raise Refused("encrypted", f"{info.filename}: {exc}") from None
        except Exception as exc:  # zlib.error, BadZipFile, EOFError, struct.error …: damaged bytes
            raise Refused("corrupt", f"{info.filename}: {type(exc).__name__}: {exc}") from None

    def read(self, name: str) -> bytes:
        """A whole entry, under the same budget as :meth:`chunks`."""
        return b"".join(self.chunks(name))


def open_zip(data: bytes, limits: object) -> SafeZip:
    """Open an archive held in memory, refusing bombs before anything is inflated.

    Raises :class:`Refused` with code ``corrupt``, ``too-many-entries`` or ``zip-bomb``.
    """
    zip_limits = ZipLimits.of(limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError, struct.error …: not a usable zip
        raise Refused("corrupt", f"not a zip archive ({type(exc).__name__}: {exc})") from None
    infos = archive.infolist()
    if len(infos) > zip_limits.max_entries:
        raise Refused("too-many-entries", f"{len(infos)} > {zip_limits.max_entries}")
    total = sum(info.file_size for info in infos)
    if total > zip_limits.max_uncompressed_bytes:
        raise Refused("zip-bomb", f"declares {total} > {zip_limits.max_uncompressed_bytes} bytes "
                      "uncompressed")
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > zip_limits.max_ratio:
                raise Refused("zip-bomb", f"{info.filename}: compression ratio {ratio:.0f} > "
                              f"{zip_limits.max_ratio}")
    return SafeZip(archive, zip_limits)


class _RootReached(Exception):
    """Raised inside expat when the prolog is over: no DTD can follow."""


def _refuse_dtd(*_: Any) -> None:
    raise Refused("xml-entities", "DTD or entity declaration")


def guarded_expat(namespace_separator: str | None = " ") -> Any:
    """A pyexpat parser that refuses DTDs, entity declarations and external entities.

    For extractors that walk a large part with their own handlers instead of building a tree.
    """
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.buffer_text = True
    return parser


def _check_prolog(data: bytes) -> None:
    """Refuse a DTD before the tree parser sees it; stops at the root element (cheap)."""
    parser = guarded_expat(None)

    def root(*_: Any) -> None:
        raise _RootReached

    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _RootReached:
        return
    except expat.ExpatError:
        return  # malformed: the tree parser reports it as corrupt


def parse_xml(data: bytes, name: str = "") -> ET.Element:
    """Parse a small XML part into an ElementTree element, refusing DTDs and entities.

    Raises :class:`Refused` with ``xml-entities`` or ``corrupt``.
    """
    _check_prolog(data)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise Refused("corrupt", f"{name}: XML {exc}".strip(": ")) from None


def feed(parser: Any, chunks: Iterable[bytes], name: str = "") -> None:
    """Feed a guarded expat parser the chunks of one part; errors become :class:`Refused`."""
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Refused("corrupt", f"{name}: XML {expat.ErrorString(exc.code)} at line {exc.lineno}"
                      ) from None


CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cfb_problem(data: bytes, legacy: str = "legacy Office binary file") -> Problem | None:
    """Why an OLE compound file given as an OOXML file cannot be read, or None if it is not one.

    Office saves a password-protected docx/xlsx/pptx as a compound file holding an
    ``EncryptionInfo`` stream; any other compound file is a legacy binary (.doc, .xls, .ppt).
    Directory entry names are UTF-16-LE, so a byte search finds the stream name.
    """
    if not data.startswith(CFB_MAGIC):
        return None
    if "EncryptionInfo".encode("utf-16-le") in data:
        return Problem("encrypted", "password-protected Office file")
    return Problem("legacy-format", legacy)


def read_items(archive: SafeZip, folder: str) -> tuple[tuple[tuple[str, bytes], ...], tuple[Problem, ...]]:
    """Every file under ``folder`` (e.g. ``word/embeddings/``) as ``(name, bytes)`` items.

    Embedded documents are scanned by the caller as items of their own; reading them here keeps
    them under the archive's byte budget.
    """
    prefix = folder.lower().rstrip("/") + "/"
    items: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for name in archive.names:
        if not name.lower().startswith(prefix) or name.endswith("/"):
            continue
        try:
            items.append((name, archive.read(name)))
        except Refused as exc:
            problems.append(exc.problem)
            if exc.code == "zip-bomb":
                break
    return tuple(items), tuple(problems)


def local_name(tag: str) -> str:
    """An element's or attribute's name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


class PackageReader:
    """What every zip-based document reader shares: parts as trees, problems, the result.

    A refused part is recorded and reading goes on, except once the byte budget is spent
    (``exhausted``), when nothing more is inflated.  Subclasses implement ``read``.
    """

    def __init__(self, archive: SafeZip) -> None:
        self.zip = archive
        self.segments: list[Segment] = []
        self.problems: list[Problem] = [Problem("duplicate-entry", name) for name in archive.duplicates]
        self.exhausted = False

    def read(self) -> Extraction:
        raise NotImplementedError

    def fail(self, exc: Refused) -> None:
        self.problems.append(exc.problem)
        if exc.code == "zip-bomb":
            self.exhausted = True

    def xml(self, part: str) -> ET.Element | None:
        """A small part as a tree, or None (absent, or refused and recorded)."""
        found = self.zip.find(part)
        if found is None or self.exhausted:
            return None
        try:
            return parse_xml(self.zip.read(found), found)
        except Refused as exc:
            self.fail(exc)
            return None

    def stream(self, part: str, handler: Any) -> bool:
        """Feed ``part`` through the DTD-refusing expat into ``handler``'s ``start``, ``end`` and
        ``chars`` methods, a chunk at a time; False (and the problem recorded) if it was refused."""
        parser = guarded_expat()
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.chars
        try:
            feed(parser, self.zip.chunks(part), part)
        except Refused as exc:
            self.fail(exc)
            return False
        return True

    def embedded(self, folder: str) -> tuple[tuple[str, bytes], ...]:
        """Documents stored under ``folder``, to be scanned as items (nothing once exhausted)."""
        if self.exhausted:
            return ()
        items, problems = read_items(self.zip, folder)
        self.problems.extend(problems)
        return items

    def result(self, main_ok: bool, items: tuple[tuple[str, bytes], ...] = ()) -> Extraction:
        """The extraction; unreadable when the main part could not be read."""
        status = "unreadable" if not main_ok else "partial" if self.problems else "scanned"
        extraction = Extraction(segments=tuple(self.segments), problems=tuple(self.problems),
                                status=status)
        return attach_items(extraction, items)


def read_package(data: bytes, limits: object, legacy: str,
                 reader: Callable[[SafeZip], PackageReader]) -> Extraction:
    """Open a zip-based document and read it; empty, OLE (``legacy`` says what it likely is),
    corrupt and bomb files end as unreadable results, never as exceptions."""
    if not data:
        return Extraction.unreadable("empty")
    cfb = cfb_problem(data, legacy)
    if cfb is not None:
        return Extraction.unreadable(cfb.code, cfb.detail)
    try:
        archive = open_zip(data, limits)
    except Refused as exc:
        return Extraction.unreadable(exc.code, exc.detail)
    return reader(archive).read()


def attach_items(extraction: Extraction, items: tuple[tuple[str, bytes], ...]) -> Extraction:
    """Hand embedded documents to the caller, which scans each as an item of its own."""
    return replace(extraction, items=items) if items else extraction
