"""Atomic writes of leakscan's own files: old or new content, never half; durable when asked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from leakscan.atomic import write_atomic


def _record_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    kinds: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        kinds.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return kinds


def test_a_durable_write_flushes_the_file_and_then_its_folder(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the folder's fsync a crash can lose the rename, and with it a quarantined mail."""
    kinds = _record_fsyncs(monkeypatch)
    write_atomic(tmp_path / "held.eml", b"mail", durable=True)
    assert kinds == ["file", "folder"]
    assert (tmp_path / "held.eml").read_bytes() == b"mail"
    assert stat.S_IMODE((tmp_path / "held.eml").stat().st_mode) == 0o600


def test_an_ordinary_write_flushes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = _record_fsyncs(monkeypatch)
    write_atomic(tmp_path / "entry.json", b"{}")
    assert kinds == []


def test_a_failed_write_keeps_the_old_content_and_no_temporary(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "index.json"
    target.write_bytes(b"old")

    def broken(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json"]
