"""Baselines: the findings a team has already seen, so CI fails only on new ones.

A baseline file is versioned JSON (``leakscan-baseline/1``) holding, per finding, its rule id,
the file's path relative to the scanned folder and a fingerprint (``report.sarif.fingerprint``
over rule, that path plus the item inside the file, the value's digest and the occurrence) —
never a value.  With ``LEAKSCAN_FINGERPRINT_KEY`` the fingerprint is an HMAC of the value; the
file records an identifier of the key (an HMAC of a fixed text, not the key) so a run with another
key is refused instead of failing on every finding.  Without a key only the masked value is used:
two different values with the same mask (``A1******89``) count as the same finding, so a new ID
number that masks like a listed one passes — the CLI warns about this.

A finding whose fingerprint is in the baseline does not count toward the exit code: the file is
decided again on its other findings (``Scanner.decide``).  Reports still show the real decision
and mark such findings as already listed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import ConfigError
from .model import ScanResult, path_below
from .report.sarif import finding_fingerprints
from .scanner import Scanner

__all__ = ["FORMAT", "Baseline", "Matcher", "entries", "key_id"]

FORMAT = "leakscan-baseline/1"


def key_id(key: bytes | None) -> str | None:
    """A public identifier of a fingerprint key (an HMAC of a fixed text): equal keys, equal ids."""
    if key is None:
        return None
    return hmac.new(key, b"leakscan/key-id/v1", hashlib.sha256).hexdigest()[:16]


def _item_path(relative: str, top: ScanResult, result: ScanResult) -> str:
    """The path a fingerprint is computed over: the file below the scanned folder, then the item."""
    if result is top:
        return relative
    inner = path_below(result.path, top.path)  # items are named below their file: dir/a.zip!b.txt
    if inner is None:  # results built by a caller from scan_bytes (a.zip!b.txt) for dir/a.zip
        inner = result.path.split("!", 1)[1] if "!" in result.path else result.path
    return f"{relative}!{inner}"


def entries(results: Sequence[ScanResult], relatives: Sequence[str],
            key: bytes | None) -> Iterator[tuple[ScanResult, int, str, str]]:
    """(result or item, finding index, path, fingerprint) for every finding of every file."""
    for top, relative in zip(results, relatives, strict=True):
        for result in top.all_results():
            path = _item_path(relative, top, result)
            for index, print_ in enumerate(finding_fingerprints(result.findings, path, key)):
                yield result, index, path, print_


@dataclass(frozen=True, slots=True)
class Baseline:
    """The fingerprints of accepted findings (the key they were made with is checked on load)."""

    fingerprints: frozenset[str]

    @classmethod
    def create(cls, results: Sequence[ScanResult], relatives: Sequence[str],
               key: bytes | None) -> tuple[Baseline, str]:
        """The baseline of these results and its file text."""
        rows = sorted({(path, result.findings[index].rule, print_)
                       for result, index, path, print_ in entries(results, relatives, key)})
        document = {
            "schema": FORMAT,
            "leakscan": __version__,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "keyed": key is not None,
            "key_id": key_id(key),
            "findings": [{"path": p, "rule": r, "fingerprint": f} for p, r, f in rows],
        }
        baseline = cls(frozenset(f for _, _, f in rows))
        return baseline, json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def load(cls, file: str | Path, key: bytes | None) -> Baseline:
        """Read a baseline file; a missing, malformed or other-key file is a configuration error."""
        try:
            document = json.loads(Path(file).read_text(encoding="utf-8"))
            if document.get("schema") != FORMAT:
                raise ValueError(f"schema is not {FORMAT}")
            prints = frozenset(str(row["fingerprint"]) for row in document["findings"])
            stored = document.get("key_id")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{file}: not a readable leakscan baseline ({exc})") from None
        if stored != key_id(key):
            have = "with a fingerprint key" if stored else "without a fingerprint key"
            raise ConfigError(f"{file}: the baseline was created {have}; set "
                              "LEAKSCAN_FINGERPRINT_KEY as it was then")
        return cls(prints)


class Matcher:
    """Which findings of a run the baseline holds, and each file's verdict without them."""

    def __init__(self, baseline: Baseline, results: Sequence[ScanResult], relatives: Sequence[str],
                 key: bytes | None) -> None:
        self._known: dict[int, set[int]] = {}
        self._results = results  # keeps the objects alive, so their ids stay theirs
        for result, index, _, print_ in entries(results, relatives, key):
            if print_ in baseline.fingerprints:
                self._known.setdefault(id(result), set()).add(index)

    def __call__(self, result: ScanResult, index: int) -> bool:
        return index in self._known.get(id(result), ())

    def gate_verdict(self, top: ScanResult, scanner: Scanner) -> str:
        """The file's verdict on the findings the baseline does not hold (for the exit code)."""
        every = top.all_results()
        if not any(id(r) in self._known for r in every):
            return top.verdict
        remaining = [f for r in every for i, f in enumerate(r.findings) if not self(r, i)]
        decision, _ = scanner.decide(remaining, top.status)
        return decision.verdict
