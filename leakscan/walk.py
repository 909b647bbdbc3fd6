"""Which files a scan of folders reads, and which it skips and why.

A shared drive holds symlinks, FIFOs, folders nobody may read and names that are not UTF-8.  The
walker never opens anything but regular files, follows no symlink to a folder (so loops cannot
happen and nothing outside the tree is reached), reads a symlink to a file only when its target
is inside the scanned tree, and reads each file once (by device and inode).  Everything it does
not read is a ``Skipped`` entry with a reason code, so a report can say what it left out.

Ignore rules: a ``.leakscanignore`` file in any folder, in gitignore syntax (pathspec's
``GitIgnoreSpec``), relative to the folder that holds it; deeper files override shallower ones,
as in git.  ``--exclude`` patterns (gitignore syntax, relative to the scanned folder) apply after
them; with ``--include`` patterns only files matching one of them are read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import pathspec

from . import messages
from .errors import ConfigError

__all__ = [
    "CHOSEN_SKIPS",
    "IGNORE_FILE",
    "NOT_READ_SKIPS",
    "FileEntry",
    "FileTooLargeError",
    "NotRegularFileError",
    "Skipped",
    "WalkOptions",
    "WalkResult",
    "display_path",
    "read_regular",
    "skip_reason",
    "walk",
]

IGNORE_FILE = ".leakscanignore"


# Reasons that are the user's own choice: counted in reports, not listed file by file.
CHOSEN_SKIPS = frozenset({"ignored", "excluded", "not-included"})


# Reasons that mean a file was meant to be read and was not: they count as unread files.
NOT_READ_SKIPS = frozenset({"too-large", "unreadable-folder", "io-error"})


def skip_reason(code: str, lang: str = "zh-TW") -> str:
    """The reason code in words (``messages``' skip table); an unknown code is shown as itself."""
    return messages.word("skip", code, lang)


def display_path(path: str) -> str:
    """``path`` safe to print on one line and to encode as UTF-8.

    Bytes that are not UTF-8 (kept by Python as surrogate escapes) become ``\\xNN``; control
    characters such as a newline become ``\\n`` or ``\\x1b``, so a hostile name cannot forge a
    report line.
    """
    if path.isprintable():
        try:
            path.encode("utf-8")
            return path
        except UnicodeEncodeError:
            pass  # surrogate escapes: bytes that were not UTF-8
    out: list[str] = []
    for char in path:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif not char.isprintable() and char != " ":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """What to leave out: ignore files, globs, and files over ``max_size`` bytes."""

    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    max_size: int | None = None
    own_folders: tuple[str, ...] = ()  # leakscan's own (the cache): never scanned, real paths


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file to scan: its path as found and its baseline path.

    ``relative`` is what baselines key a file by: its path below the one folder scanned (so a
    baseline holds wherever the tree is checked out), or, when several paths are scanned, its
    path below the current folder (two scanned folders may both hold ``x.txt``).
    """

    path: str
    relative: str
    stat_key: tuple[int, ...] = ()  # (size, mtime_ns, ctime_ns, inode, device): unchanged-file check


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path the walk did not read, with a reason code (``messages``' skip table) and a detail."""

    path: str
    reason: str
    detail: str = ""


@dataclass(slots=True)
class WalkResult:
    files: list[FileEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def walk(paths: Sequence[str], options: WalkOptions = WalkOptions()) -> WalkResult:
    """Files to scan for each argument in the order given; a folder's files sorted by path.

    ``-`` (standard input) is passed through as a file entry.  A path that does not exist is
    the caller's to reject before walking (a usage error, not a skip).
    """
    result = WalkResult()
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if path == "-":
            result.files.append(FileEntry("-", "-"))
        elif os.path.isdir(path):  # a folder named explicitly is walked even through a symlink
            _Walker(path, options, result, seen).run()
        else:
            _add_argument_file(path, options, result, seen)
    if len(paths) > 1:
        # Paths below each root can collide, and a finding baselined in a/x.txt must not pass
        # in b/x.txt: key each file by its path below the working folder instead.
        cwd = os.getcwd()
        result.files = [replace(e, relative=_below(e.path, cwd)) if e.path != "-" else e
                        for e in result.files]
    return result


def _below(path: str, cwd: str) -> str:
    """``path`` relative to the working folder ``cwd``, in ``/`` form; absolute if it has none
    (Windows drives differ)."""
    try:
        below = os.path.relpath(path, cwd)
    except ValueError:
        below = os.path.abspath(path)
    return below.replace(os.sep, "/")


def _add_argument_file(path: str, options: WalkOptions, out: WalkResult,
                       seen: set[tuple[int, int]]) -> None:
    """A file named on the command line: read even when ignored, never when special or too big."""
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = "broken-symlink" if os.path.islink(path) else "io-error"
        out.skipped.append(Skipped(path, reason, exc.strerror or ""))
        return
    if stat.S_ISDIR(info.st_mode):
        out.skipped.append(Skipped(path, "symlink-folder"))
        return
    _add_regular(path, os.path.basename(path), info, options, out, seen)


def _add_regular(path: str, relative: str, info: os.stat_result, options: WalkOptions,
                 out: WalkResult, seen: set[tuple[int, int]]) -> None:
    if not stat.S_ISREG(info.st_mode):
        out.skipped.append(Skipped(path, "special-file", _kind(info.st_mode)))
        return
    if options.max_size is not None and info.st_size > options.max_size:
        out.skipped.append(Skipped(path, "too-large", f"{info.st_size} > {options.max_size} bytes"))
        return
    identity = (info.st_dev, info.st_ino)
    if identity in seen:
        out.skipped.append(Skipped(path, "duplicate"))
        return
    seen.add(identity)
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
    out.files.append(FileEntry(path, relative, key))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def _spec(lines: Iterable[str], source: str) -> pathspec.GitIgnoreSpec:
    """Compiled gitignore patterns; a pattern pathspec refuses (a lone ``!``) is a ConfigError."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError as exc:  # pathspec's GitIgnorePatternError
        raise ConfigError(f"{source}: invalid pattern: {exc}") from None


_Specs = list[tuple[str, pathspec.GitIgnoreSpec]]  # (folder relative to the root, its ignore rules)


class _Walker:
    """One folder argument walked depth first; collects entries, then sorts them by path.

    The walk keeps its own stack of open folders rather than recursing, so a tree nested
    thousands of folders deep is walked like any other.  It visits entries in the order a
    recursive walk would (each folder's entries by name, a subfolder's in full before its next
    sibling), which decides which of two links to one file is the duplicate.
    """

    def __init__(self, root: str, options: WalkOptions, out: WalkResult,
                 seen: set[tuple[int, int]]) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.options = options
        self.out = out
        self.seen = seen
        self.exclude = _spec(options.exclude, "--exclude") if options.exclude else None
        self.include = _spec(options.include, "--include") if options.include else None
        self.files: list[FileEntry] = []
        self.skipped: list[Skipped] = []
        self.links: list[tuple[str, str, os.stat_result]] = []  # symlinks to files in the tree

    def run(self) -> None:
        stack: list[tuple[Iterator[os.DirEntry[str]], str, _Specs]] = []
        self._open(self.root, "", [], stack)
        while stack:
            entries, relative, specs = stack[-1]
            entry = next(entries, None)
            if entry is None:  # this folder is done: back to the one that holds it
                stack.pop()
                continue
            if entry.name == IGNORE_FILE:
                continue
            folder = self._entry(entry, relative + entry.name, specs)
            if folder is not None:
                self._open(folder, relative + entry.name + "/", specs, stack)
        sink = WalkResult(self.files, self.skipped)
        for path, relative, info in self.links:  # after real files, so the link is the duplicate
            _add_regular(path, relative, info, self.options, sink, self.seen)
        self.files.sort(key=lambda e: e.path)
        self.skipped.sort(key=lambda s: s.path)
        self.out.files.extend(self.files)
        self.out.skipped.extend(self.skipped)

    def _ignored(self, relative: str, is_dir: bool,
                 specs: Sequence[tuple[str, pathspec.GitIgnoreSpec]]) -> str | None:
        """The skip reason for a path relative to the root, or None to keep it."""
        probe = relative + "/" if is_dir else relative
        ignored = False
        for base, spec in specs:  # shallow to deep: the deepest file that has a say wins
            below = probe[len(base):] if base else probe
            check = spec.check_file(below)
            if check.include is not None:
                ignored = check.include
        if ignored:
            return "ignored"
        if self.exclude is not None and self.exclude.match_file(probe):
            return "excluded"
        if not is_dir and self.include is not None and not self.include.match_file(relative):
            return "not-included"
        return None

    def _open(self, folder: str, relative: str, specs: _Specs,
              stack: list[tuple[Iterator[os.DirEntry[str]], str, _Specs]]) -> None:
        """List a folder (by name) and read its ignore file; push it onto ``stack`` to walk."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append(Skipped(folder, "unreadable-folder", exc.strerror or ""))
            return
        specs = self._with_ignore_file(folder, relative, specs)
        stack.append((iter(entries), relative, specs))

    def _with_ignore_file(self, folder: str, relative: str, specs: _Specs) -> _Specs:
        ignore = os.path.join(folder, IGNORE_FILE)
        try:
            if not os.path.isfile(ignore) or os.path.islink(ignore):
                return specs
            with open(ignore, encoding="utf-8", errors="replace") as handle:
                return [*specs, (relative, _spec(handle.read().splitlines(), ignore))]
        except OSError as exc:  # not a file left unread: the folder is scanned as if it had none
            self.skipped.append(Skipped(ignore, "unreadable-ignore-file", exc.strerror or ""))
        except ConfigError:  # its rules are not applied: the folder is scanned as if it had none
            self.skipped.append(Skipped(ignore, "bad-ignore-file"))
        return specs

    def _entry(self, entry: os.DirEntry[str], relative: str, specs: _Specs) -> str | None:
        """Record a file or a skip; for a folder to walk, return its path (the caller opens it)."""
        path = entry.path
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            self.skipped.append(Skipped(path, "io-error", exc.strerror or ""))
            return None
        reason = self._ignored(relative, is_dir, specs)
        if reason is not None:
            self.skipped.append(Skipped(path, reason))
            return None
        if is_dir:
            if self.options.own_folders and os.path.realpath(path) in self.options.own_folders:
                self.skipped.append(Skipped(path, "excluded", "leakscan cache"))
                return None
            return path
        try:
            info = os.stat(path) if is_link else entry.stat(follow_symlinks=False)
        except OSError as exc:
            reason = "broken-symlink" if is_link else "io-error"
            self.skipped.append(Skipped(path, reason, exc.strerror or ""))
            return None
        if is_link:
            if stat.S_ISDIR(info.st_mode):
                self.skipped.append(Skipped(path, "symlink-folder"))
                return None
            target = os.path.realpath(path)
            if os.path.commonpath([self.real_root, target]) != self.real_root:
                self.skipped.append(Skipped(path, "symlink-outside"))
                return None
            self.links.append((path, relative, info))
            return None
        sink = WalkResult(self.files, self.skipped)
        _add_regular(path, relative, info, self.options, sink, self.seen)
        return None


class NotRegularFileError(OSError):
    """The path is a FIFO, device, socket or folder: it was opened without blocking, never read."""


class FileTooLargeError(OSError):
    """The file is larger than the limit: refused by its size, before anything is read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} > {limit} bytes")
        self.size = size
        self.limit = limit


_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_regular(path: str, limit: int) -> bytes:
    """A regular file's bytes; never blocks on a FIFO swapped in after a stat or the walk.

    The file is opened without blocking and checked through its descriptor, so what is checked
    is what is read.  Raises ``NotRegularFileError``, ``FileTooLargeError`` (by size, before
    reading), or any other ``OSError``; the result may still exceed ``limit`` (by one byte) if
    the file grew while being read.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(0, "not a regular file")
        if info.st_size > limit:
            raise FileTooLargeError(info.st_size, limit)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)
