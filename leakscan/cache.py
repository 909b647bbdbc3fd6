"""Remember scan results by content, so a rerun over an unchanged tree reads almost nothing.

Layout under the cache folder (``--cache DIR``)::

    v1/index.json                 sha256(path) → (size, mtime_ns, ctime_ns, inode, device, content
                                  sha256, day last used)
    v1/<version key>/<aa>/<key>   one result per (file name, content), JSON
    v1/pruned                     its modification time: when entries were last pruned

An unchanged file (same stat key) is found without being opened; a changed stat key (a fresh CI
checkout) costs one read to hash the content, no parsing.  The entry key covers the file name too,
because the name chooses the format and is scanned itself.  The version key covers what changes
findings: leakscan's version, the content of every loaded pattern file, the limits and which
fingerprint key (by a keyed hash of it) was used.  Decisions are not stored: they are made again
from the stored findings with the current policy and action, so a change of ``--action``,
``--policy`` or ``--fail-closed`` needs no rescan and can never give a stale verdict.

What is stored: no matched value, since findings keep their masked value and, when a fingerprint
key is set, a keyed digest of the value (``report.sarif.value_digest``), so baselines and SARIF
fingerprints match those of a fresh scan. But an entry does hold what a report of the file shows
besides values: rules, locations, reasons (with their context words) and problems, and the names
of the items found inside a container (the members of an archive, the attachments of an e-mail),
below their file (``內部/名冊.txt``; a hit names them below the file's current path). A scanned file's
own path and name are not stored: the index keys a file by the SHA-256 of its absolute path, and
entries by a hash of name and content. An unkeyed hash of a name that can be guessed (one holding
an ID number, say) can be confirmed by trying it, so treat a cache folder like the reports it can
reproduce.

Nothing is kept for ever: an index row unused for ``KEEP_DAYS`` days is dropped when the index is
read (a CI workspace path that is gone), and once a day, at the end of a run, entries of any
version unused for that long are deleted (a hit refreshes an entry's modification time).  So a
cache restored from run to run in CI stays the size of what recent runs use.

Writes go to a temporary file renamed into place; an entry that cannot be written costs a rescan
next time, and an entry that cannot be read or parsed is treated as missing and the file is
scanned again.  Entries are UTF-8 JSON in which names that were not UTF-8 (surrogate escapes)
are kept as such ("surrogatepass"), so such a name is stored and read back unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import write_atomic
from .baseline import key_id
from .model import Finding, Location, Problem, Reason, ScanResult, new_finding, path_below
from .report.sarif import DIGEST_MARK, value_digest
from .scanner import Scanner
from .walk import FileEntry, read_regular

__all__ = ["FORMAT", "KEEP_DAYS", "UNCACHEABLE", "EntryWriter", "ResultCache", "cacheable", "version_key"]

FORMAT = "leakscan-cache/2"  # 2: item paths stored below their file, not under its name

# Index rows and entries unused for this many days are dropped; pruning runs at most once a day.
KEEP_DAYS = 30
_DAY = 86400
_PRUNED_MARK = "pruned"  # a file in v1/ whose modification time is that of the last pruning

# Index keys are "sha256:" and a hex digest; keys without the prefix (older indexes kept the path
# itself in hex) are dropped when the index is read: those files miss once and are hashed again.
_INDEX_KEY_PREFIX = "sha256:"


def version_key(scanner: Scanner, key: bytes | None) -> str:
    """What the stored findings depend on, as one hash: leakscan's own code, and the pattern sets
    as the scanner compiled them (their files' digests, taken when they were read), not the
    files as they are now."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{scanner.limits!r}\0".encode())
    digest.update(code_digest())
    for pattern_set in scanner.pattern_sets:
        digest.update(hashlib.sha256(pattern_set.file.encode("utf-8", "surrogateescape")).digest())
        digest.update(bytes.fromhex(pattern_set.digest))
    digest.update(b"\0key:" + (key_id(key) or "-").encode())
    return digest.hexdigest()[:32]


def code_digest() -> bytes:
    """A hash of every module of this leakscan.  A cached result holds what this code read and
    found; an extractor that now reads a part it used to skip, or a fixed detector, must not be
    answered by an older result because the version number did not change (a source checkout,
    an editable install).  Reading the ~60 modules takes about a millisecond, once per run."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for module in sorted(root.rglob("*.py")):
        digest.update(module.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(module.read_bytes()).digest())
    return digest.digest()


# Problems that depend on the machine or the moment, not on the file: such results are not cached.
UNCACHEABLE = frozenset({"timeout", "rule-timeout", "internal-error", "io-error", "worker-crashed"})


def cacheable(result: ScanResult) -> bool:
    return not any(p.code in UNCACHEABLE for r in result.all_results() for p in r.problems)


class EntryWriter:
    """Writes result entries of one version key; small and picklable, so the worker process
    that scanned a file writes its entry itself and the parent only keeps the index."""

    def __init__(self, entries: Path, fingerprint_key: bytes | None) -> None:
        self.entries = entries
        self.key = fingerprint_key
        self._folder = os.fspath(entries)
        self._folders: set[Path] = set()  # made by this writer: no mkdir per entry

    def __getstate__(self) -> tuple[Path, bytes | None]:
        return self.entries, self.key

    def __setstate__(self, state: tuple[Path, bytes | None]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def path(self, name: str, digest: str) -> Path:
        key = hashlib.sha256(b"leakscan-cache\0" + os.path.basename(name).encode("utf-8", "surrogateescape")
                             + b"\0" + digest.encode()).hexdigest()
        # Plain string joins: a cached rerun looks up thousands of entries, pathlib costs 40 µs each.
        return Path(os.path.join(self._folder, key[:2], key + ".json"))

    def write(self, name: str, digest: str, result: ScanResult) -> None:
        """Store ``result`` (values dropped) unless it depends on the moment; best effort."""
        if not cacheable(result):
            return
        target = self.path(name, digest)
        try:
            if target.parent not in self._folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(target.parent)
            data = json.dumps(self._dump(result), ensure_ascii=False).encode("utf-8", "surrogatepass")
            try:
                write_atomic(target, data)
            except FileNotFoundError:  # another run pruned the (then empty) folder: make it again
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, data)
        except (OSError, ValueError):
            # A full disk, a read-only cache or an entry that cannot be encoded (a UnicodeError is
            # a ValueError) costs a rescan next time, never a result.
            return

    def _dump(self, result: ScanResult, top: str | None = None) -> dict[str, Any]:
        """The entry of ``result``; items keep only their path below the file (``top``), since
        the same content may sit at another path next time."""
        top = result.path if top is None else top
        return {
            "format": FORMAT,  # no "path": the top file's own path and name are never stored
            "status": result.status,
            "problems": [[p.code, p.detail] for p in result.problems],
            "findings": [self._dump_finding(f) for f in result.findings],
            "items": [self._dump(item, top) | {"path": _below(item.path, top)} for item in result.items],
        }

    def _dump_finding(self, finding: Finding) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "rule": finding.rule, "category": finding.category, "severity": finding.severity,
            "level": finding.level, "location": finding.location.to_dict(), "masked": finding.masked,
            "reasons": [[r.code, r.detail, list(r.words) if r.words else None] for r in finding.reasons],
        }
        if self.key is not None:
            entry["digest"] = value_digest(finding, self.key)
        return entry


class ResultCache:
    """Cached results for one version key; ``None`` from ``get`` means scan the file."""

    def __init__(self, folder: str | os.PathLike[str], version: str, scanner: Scanner,
                 fingerprint_key: bytes | None) -> None:
        self.base = Path(folder) / "v1"
        self.entries = self.base / version
        self.scanner = scanner
        self.writer = EntryWriter(self.entries, fingerprint_key)
        self.changed = False
        self.index: dict[str, list[Any]] = self._load_index()
        self.empty = not self.entries.is_dir()  # nothing to find: do not hash files before scanning
        self.hits = 0
        self._reasons: dict[tuple[str, str, tuple[str, ...] | None], Reason] = {}

    def _load_index(self) -> dict[str, list[Any]]:
        """Rows are (size, mtime, ctime, inode, device, content hash, day last used); rows of
        another shape, keys of an older format and rows unused for ``KEEP_DAYS`` are dropped."""
        try:
            data = json.loads((self.base / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        oldest = _today() - KEEP_DAYS
        index = {key: row for key, row in data.items()
                 if key.startswith(_INDEX_KEY_PREFIX) and isinstance(row, list) and len(row) == _ROW
                 and isinstance(row[-1], int) and row[-1] >= oldest}
        self.changed = len(index) != len(data)
        return index

    @staticmethod
    def _index_key(path: str) -> str:
        """A file's key in the index: a hash of its absolute path, so the index holds no names."""
        name = os.path.abspath(path).encode("utf-8", "surrogateescape")
        return _INDEX_KEY_PREFIX + hashlib.sha256(name).hexdigest()

    def _content_hash(self, entry: FileEntry) -> str | None:
        """The content hash of a file: from the index if its stat key is unchanged, else read."""
        key = self._index_key(entry.path)
        known = self.index.get(key)
        if known is not None and entry.stat_key and list(entry.stat_key) == known[:-2]:
            if known[-1] != (today := _today()):
                known[-1] = today
                self.changed = True
            return str(known[-2])
        if self.empty:
            return None
        try:
            data = read_regular(entry.path, self.scanner.limits.max_file_bytes)
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        self.remember(entry, digest)
        return digest

    def remember(self, entry: FileEntry, digest: str) -> None:
        """Record a file's stat key and content hash (saved by ``save_index``)."""
        if entry.stat_key:
            self.index[self._index_key(entry.path)] = [*entry.stat_key, digest, _today()]
            self.changed = True

    def get(self, entry: FileEntry) -> ScanResult | None:
        """The cached result of this file, or None (the worker then hashes what it scans)."""
        digest = self._content_hash(entry)
        if digest is None:
            return None
        path = self.writer.path(entry.path, digest)
        try:
            data = path.read_bytes()
            stored = json.loads(data.decode("utf-8", "surrogatepass"))
            result = self._load(stored, entry.path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: scan again
        with contextlib.suppress(OSError):  # used now: not pruned for another KEEP_DAYS
            os.utime(path)
        self.hits += 1
        return result

    def save_index(self) -> None:
        """Write the index, then prune if the last pruning is a day old; if either fails, the
        next run hashes or prunes again (nothing else is lost)."""
        if self.changed:
            with contextlib.suppress(OSError):
                self.base.mkdir(parents=True, exist_ok=True)
                write_atomic(self.base / "index.json", json.dumps(self.index).encode("utf-8"))
                self.changed = False
        with contextlib.suppress(OSError):
            self.prune()

    def prune(self, *, force: bool = False) -> int:
        """Delete entries of every version unused for ``KEEP_DAYS`` days, at most once a day
        unless ``force``; the number deleted.

        Only names of the cache's own layout are touched (``v1/<32 hex>/<2 hex>/<64 hex>.json``
        and leftover temporary files), so a ``--cache`` folder that also holds other files loses
        none of them.  Another run reading an entry deleted here scans that file again, and two
        runs pruning at once each go on past what the other deleted.
        """
        mark = self.base / _PRUNED_MARK
        now = time.time()
        try:
            if not force and now - mark.stat().st_mtime < _DAY:
                return 0
        except FileNotFoundError:
            pass
        if not self.base.is_dir() or self.base.is_symlink():  # v1/ must be the cache's own
            return 0
        oldest = now - KEEP_DAYS * _DAY
        deleted = 0
        for leftover in _listing(self.base, _ENTRY_NAME, folders=False):  # an index write cut short
            with contextlib.suppress(OSError):
                if os.stat(leftover, follow_symlinks=False).st_mtime < oldest:
                    os.unlink(leftover)
        for version in _listing(self.base, _VERSION_NAME):
            for shard in _listing(version, _SHARD_NAME):
                for entry in _listing(shard, _ENTRY_NAME, folders=False):
                    with contextlib.suppress(OSError):  # gone already, or not ours to delete
                        if os.stat(entry, follow_symlinks=False).st_mtime < oldest:
                            os.unlink(entry)
                            deleted += 1
                with contextlib.suppress(OSError):  # only succeeds once the shard is empty
                    os.rmdir(shard)
            with contextlib.suppress(OSError):
                os.rmdir(version)
        mark.touch()  # after the walk: a prune cut short is tried again by the next run
        return deleted

    # -- codec ---------------------------------------------------------------------------------

    def _load(self, stored: dict[str, Any], path: str) -> ScanResult:
        if stored.get("format") != FORMAT:
            raise ValueError("not a cache entry")
        return self._load_result(stored, path)

    def _load_result(self, stored: dict[str, Any], path: str, top: str | None = None) -> ScanResult:
        top = path if top is None else top
        items = tuple(self._load_result(item, f"{top}!{item['path']}", top) for item in stored["items"])
        findings = tuple(self._load_finding(f) for f in stored["findings"])
        nested = [f for item in items for r in item.all_results() for f in r.findings]
        decision, decisions = self.scanner.decide((*findings, *nested), stored["status"])
        return ScanResult(path=path, status=stored["status"], findings=findings,
                          problems=tuple(Problem(str(c), str(d)) for c, d in stored["problems"]),
                          decision=decision, items=items, decisions=decisions)

    def _reason(self, code: str, detail: str, words: list[str] | None) -> Reason:
        """Reasons repeat across thousands of findings (checksum-ok, a context word): built once."""
        key = (code, detail, tuple(words) if words else None)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = Reason(*key)  # type: ignore[arg-type]
        return reason

    def _load_finding(self, stored: dict[str, Any]) -> Finding:
        reasons = tuple(self._reason(code, detail, words) for code, detail, words in stored["reasons"])
        digest = stored.get("digest")
        return new_finding(stored["rule"], stored["category"], stored["severity"], stored["level"],
                        Location.from_dict(stored["location"]), stored["masked"], reasons,
                        DIGEST_MARK + digest if digest else "")


def _below(path: str, top: str) -> str:
    """An item's path without its file's (``top!``); ValueError if it is not below it, so such a
    result is not stored rather than stored under a wrong name."""
    inner = path_below(path, top)
    if inner is None:
        raise ValueError("item path not below its file")
    return inner


_ROW = 7  # an index row: five stat fields, the content hash, the day it was last used
# What the cache itself creates below v1/: version folders, shard folders, entries (and the
# temporary files of entries being written, ".tmp-<random>.json").
_VERSION_NAME = re.compile(r"[0-9a-f]{32}")
_SHARD_NAME = re.compile(r"[0-9a-f]{2}")
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json|\.tmp-[A-Za-z0-9_]+\.json")


def _listing(folder: str | os.PathLike[str], name: re.Pattern[str], *, folders: bool = True) -> list[str]:
    """Paths in ``folder`` whose names are ``name`` and that are real folders (or, with
    ``folders=False``, regular files), never symlinks; empty if it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return [item.path for item in listing if name.fullmatch(item.name)
                    and (item.is_dir(follow_symlinks=False) if folders
                         else item.is_file(follow_symlinks=False))]
    except OSError:
        return []


def _today() -> int:
    """Days since the epoch: when an index row was last used."""
    return int(time.time() // _DAY)
