"""Paths that fight back: unreadable files, files that vanish mid-scan, non-UTF-8 and newline names,
devices and FIFOs, links that go nowhere.  Each is reported, never fatal, and never blocks.

Tests run as root here, where ``chmod 000`` does not stop a read, so permission errors are made by
replacing ``open``/``os.stat`` in the scanner module with ones that raise: the test means the same
under root and any other user.  Folder walking (FIFOs inside a scanned folder) is tested with the
walker; these tests work on ``Scanner.scan_path``, on one walked file swapped for a FIFO before
its scan, and on single files named on the command line.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leakscan import Scanner
from leakscan.batch import ScannerSpec
from leakscan.report import render_json, render_text
from leakscan.runner import Run, scan_walk
from leakscan.walk import walk

from .fixtures_hostile import ROOT

SECRET = "密碼：Tpe@2026!x\n".encode()
NOT_UTF8 = "機密名冊".encode("cp950") + b".txt"  # a Big5 name copied from an old Windows share


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_bytes(SECRET)
    return path


def _codes(result: Any) -> list[str]:
    return [p.code for p in result.problems]


def _fail_on(monkeypatch: pytest.MonkeyPatch, name: str, target: Path,
             make: Callable[[], object]) -> None:
    """Make ``os.<name>`` misbehave for ``target`` only: ``make`` raises, or returns what the
    call returns instead.  ``fstat`` and ``fdopen`` take a descriptor, so the descriptors that
    ``os.open`` hands out for ``target`` are tracked."""
    real_open = os.open
    target_fds: set[int] = set()

    def tracking_open(path: Any, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, *args, **kwargs)
        if os.fspath(path) == os.fspath(target):
            target_fds.add(fd)
        return fd

    real = getattr(os, name)

    def fake(first: Any, *args: Any, **kwargs: Any) -> Any:
        mine = first in target_fds if isinstance(first, int) else os.fspath(first) == os.fspath(target)
        return make() if mine else real(first, *args, **kwargs)

    if name != "open":
        monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, name, fake)


def _raise(error: BaseException) -> Callable[[], object]:
    def raising() -> object:
        raise error
    return raising


@pytest.mark.parametrize("error", [
    PermissionError(errno.EACCES, "Permission denied"),
    OSError(errno.EIO, "Input/output error"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),
    OSError(errno.EMFILE, "Too many open files"),
], ids=["permission", "io", "vanished", "no-descriptors"])
def test_open_failures_are_io_errors(scanner: Scanner, secret_file: Path, error: OSError,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_on(monkeypatch, "open", secret_file, _raise(error))
    result = scanner.scan_path(secret_file)
    assert result.status == "unreadable" and _codes(result) == ["io-error"]
    assert result.problems[0].detail == error.strerror
    assert result.verdict == "warn"  # not read is never allowed as clean


def test_stat_refused(scanner: Scanner, secret_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file opens but its descriptor cannot be examined."""
    _fail_on(monkeypatch, "fstat", secret_file, _raise(PermissionError(errno.EACCES, "Permission denied")))
    result = scanner.scan_path(secret_file)
    assert result.status == "unreadable" and _codes(result) == ["io-error"]


def test_file_removed_just_before_open(scanner: Scanner, secret_file: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def remove_then_open() -> object:
        os.unlink(secret_file)
        return real_open(secret_file, os.O_RDONLY)

    _fail_on(monkeypatch, "open", secret_file, remove_then_open)
    result = scanner.scan_path(secret_file)
    assert result.status == "unreadable" and _codes(result) == ["io-error"]


def test_read_fails_midway(scanner: Scanner, secret_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A network share that drops while the file is read."""
    class Dropping:
        def __enter__(self) -> Dropping:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self, size: int = -1) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    _fail_on(monkeypatch, "fdopen", secret_file, Dropping)
    result = scanner.scan_path(secret_file)
    assert result.status == "unreadable" and _codes(result) == ["io-error"]


def test_file_vanished_before_the_scan(scanner: Scanner, tmp_path: Path) -> None:
    result = scanner.scan_path(tmp_path / "gone.txt")
    assert result.status == "unreadable" and _codes(result) == ["io-error"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/urandom"])
def test_device_files_are_not_read(scanner: Scanner, device: str, tmp_path: Path) -> None:
    if not os.path.exists(device):
        pytest.fail(f"{device} missing on this machine")
    link = tmp_path / "looks-like.docx"
    link.symlink_to(device)
    for path in (device, link):
        result = scanner.scan_path(path)
        assert result.status == "unreadable" and _codes(result) == ["not-a-file"], path


def test_folder_and_link_oddities(scanner: Scanner, tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    assert _codes(scanner.scan_path(tmp_path)) == ["not-a-file"]
    assert _codes(scanner.scan_path(tmp_path / "dangling.txt")) == ["io-error"]
    assert _codes(scanner.scan_path(tmp_path / "loop-a")) == ["io-error"]
    assert _codes(scanner.scan_path(tmp_path / ("x" * 300 + ".txt"))) == ["io-error"]  # name too long


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    yield path
    _unblock(path)


def _unblock(path: Path) -> None:
    """Open the FIFO for writing and close it: a reader stuck in open() or read() gets EOF."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader waiting: nothing to release
        return
    os.close(fd)


def _finishes(call: Callable[[], object], fifo: Path, wait: float = 10.0) -> bool:
    """Whether ``call`` returns by itself; a hang guard, released through the FIFO afterwards."""
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(wait)
    finished = not thread.is_alive()
    _unblock(fifo)
    thread.join(wait)
    return finished


def test_fifo_is_reported_without_blocking(scanner: Scanner, fifo: Path) -> None:
    results: list[Any] = []
    assert _finishes(lambda: results.append(scanner.scan_path(fifo)), fifo)
    assert results[0].status == "unreadable" and _codes(results[0]) == ["not-a-file"]


def test_file_swapped_for_a_fifo_after_stat_does_not_block(scanner: Scanner, tmp_path: Path) -> None:
    """The walk saw a regular file; by the time it is opened it is a FIFO (a real swap, no fakes)."""
    folder = tmp_path / "walked"
    folder.mkdir()
    swapped = folder / "regular.txt"
    swapped.write_bytes(SECRET)
    walked = walk([str(folder)])
    assert [entry.path for entry in walked.files] == [str(swapped)] and not walked.skipped
    swapped.unlink()
    os.mkfifo(swapped)
    runs: list[Run] = []
    try:  # jobs=0: scanned in the guarded thread, so a blocking open or read shows as a hang
        assert _finishes(lambda: runs.append(scan_walk(walked, ScannerSpec(), scanner, jobs=0, timeout=60)),
                         swapped, wait=5.0)
    finally:
        _unblock(swapped)
    [result] = runs[0].results
    assert result.path == str(swapped)
    assert result.status == "unreadable" and _codes(result) == ["not-a-file"]
    assert result.verdict != "allow"


def test_cli_reports_devices_fifos_and_broken_links_and_goes_on(fifo: Path, secret_file: Path,
                                                                 tmp_path: Path) -> None:
    """A real process, so a block on the FIFO would show as a timeout, not a hung test run."""
    dangling = tmp_path / "dangling.docx"
    dangling.symlink_to(tmp_path / "nowhere.docx")
    odd = ["/dev/null", str(fifo), str(dangling)]
    try:
        completed = subprocess.run([sys.executable, "-m", "leakscan", "scan", "--format", "json", *odd,
                                    str(secret_file)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        _unblock(fifo)
    assert completed.returncode == 1, completed.stderr  # the last file blocks
    report = json.loads(completed.stdout)
    for path in odd:
        assert json.dumps(path)[1:-1] in completed.stdout, path  # reported, in files or skipped
    [secret] = [f for f in report["files"] if f["path"] == str(secret_file)]
    assert secret["decision"] == "block"
    # The command skips them before scanning: each named with its reason, none among the files.
    skipped = {entry["path"]: entry["reason"] for entry in report["summary"]["skipped"]["files"]}
    assert skipped == {"/dev/null": "special-file", str(fifo): "special-file",
                       str(dangling): "broken-symlink"}, skipped
    assert not {entry["path"] for entry in report["files"]} & set(odd)


# ---- names ------------------------------------------------------------------------------------

def test_newline_in_a_file_name(scanner: Scanner, tmp_path: Path) -> None:
    path = tmp_path / "簽呈\n機密.txt"
    path.write_bytes(SECRET)
    result = scanner.scan_path(path)
    assert result.status == "scanned" and result.path == str(path)
    assert {f.rule for f in result.findings} >= {"password-value"}
    assert all("\n" not in f.masked for f in result.findings)
    entry = json.loads(render_json([result], "share"))["files"][0]
    assert entry["path"] == str(path)  # JSON escapes it and gives it back exactly


@pytest.fixture
def big5_named(tmp_path: Path) -> Path:
    raw = os.fsencode(tmp_path) + b"/" + NOT_UTF8
    with open(raw, "wb") as handle:
        handle.write(SECRET)
    return Path(os.fsdecode(raw))  # surrogate escapes, as Python hands such names over


def test_non_utf8_file_name_is_scanned(scanner: Scanner, big5_named: Path) -> None:
    result = scanner.scan_path(big5_named)
    assert result.status == "scanned"
    assert {f.rule for f in result.findings} >= {"password-value"}
    render_text([result], "share")  # renderers take the name as it is


def _cli(path: Path, output_format: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "leakscan", "scan", "--format", output_format,
                           os.fsencode(path)], capture_output=True, timeout=120, cwd=cwd, env=env)


def test_non_utf8_file_name_through_the_cli_text(big5_named: Path) -> None:
    completed = _cli(big5_named, "text")
    assert completed.returncode == 1, completed.stderr.decode(errors="replace")
    assert b"Traceback" not in completed.stderr


def test_non_utf8_file_name_gives_valid_json(big5_named: Path) -> None:
    completed = _cli(big5_named, "json")
    assert completed.returncode == 1, completed.stderr.decode(errors="replace")
    entry = json.loads(completed.stdout)["files"][0]
    assert entry["status"] == "scanned" and entry["decision"] == "block"


def test_non_utf8_file_name_gives_sarif(big5_named: Path) -> None:
    completed = _cli(big5_named, "sarif", cwd=big5_named.parent)
    assert b"Traceback" not in completed.stderr
    assert completed.returncode == 1, completed.stderr.decode(errors="replace")
    assert json.loads(completed.stdout)["runs"][0]["results"]


def test_name_with_a_nul_byte_is_a_result(scanner: Scanner) -> None:
    """A gateway passing a name it got from a mail or an upload form straight to scan_path."""
    result = scanner.scan_path("attachment\x00.txt")
    assert result.status == "unreadable" and _codes(result) == ["io-error"]
