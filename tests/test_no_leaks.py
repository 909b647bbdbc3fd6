"""No writes, no leaks: scanning changes no input, and planted secrets never reach any output.

A corpus of documents (txt, full-width txt, docx, xlsx, pdf, eml with an attachment, zip, html)
carries known raw values; damaged copies of them add problem details and extractor failures.
Every way a value could escape is checked: text, JSON and SARIF reports in both languages, log
records at DEBUG from every logger, messages of exceptions raised inside extractors, and the
results' repr.  ``--show-values`` must reveal them, so the test can fail.  The scan path logs
nothing today (only the gateway has a logger), so the log check scans in-process (``-j 0``: records
from worker processes would never reach the capture) and plants a DEBUG record inside the scan
to prove that what the scan logs would be seen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan import Scanner
from leakscan.cli import main

from .fixtures_hostile import (
    ROOT,
    SECRETS,
    flip,
    full_width,
    many_pages_pdf,
    secret_documents,
    secret_variants,
    truncate,
)

FORMATS = ("text", "json", "sarif")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The secret documents plus damaged copies (truncated, bit-flipped) of each."""
    folder = tmp_path_factory.mktemp("secrets")
    for name, data in secret_documents().items():
        (folder / name).write_bytes(data)
        stem, suffix = name.rsplit(".", 1)
        (folder / f"{stem}-cut.{suffix}").write_bytes(truncate(data, len(data) * 2 // 3))
        flips = [(len(data) // 2, 3), (len(data) // 3, 5)]
        (folder / f"{stem}-flipped.{suffix}").write_bytes(flip(data, flips))
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir())


def _leaked(text: str) -> list[str]:
    return sorted(v for v in secret_variants() if v in text)


def test_every_planted_secret_is_found(scanner: Scanner, corpus: Path) -> None:
    """Otherwise the leak checks below would pass for the wrong reason."""
    values = [f.value for path in _files(corpus) for r in scanner.scan_path(path).all_results()
              for f in r.findings]
    for label, secret in SECRETS.items():
        assert any(secret in v or full_width(secret) in v for v in values), label


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("output_format", FORMATS)
def test_reports_and_logs_never_carry_raw_values(corpus: Path, output_format: str, lang: str,
                                                 caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import leakscan.scanner as scanner_module

    real_extract = scanner_module.extract
    probe = logging.getLogger("leakscan.probe")

    def logged_extract(data: bytes, name: str, limits: object) -> object:
        probe.debug("probe: extracting %s", Path(name).name)  # the control: names only, no content
        return real_extract(data, name, limits)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner_module, "extract", logged_extract)
    caplog.set_level(logging.DEBUG)  # the root logger: leakscan's tree and every library below it
    # -j 0: scanned in this process, where the capture is; a worker's records would be lost.
    result = CliRunner().invoke(main, ["scan", "-j", "0", "--format", output_format, "--lang", lang,
                                       "--action", "all", *_files(corpus)])
    assert result.exit_code == 1, result.output  # the corpus blocks; a crash would be another code
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _leaked(result.output) == []
    assert _leaked(result.stderr) == []
    probed = [r for r in caplog.records if r.name == "leakscan.probe" and r.levelno == logging.DEBUG]
    assert len(probed) >= len(_files(corpus)), "DEBUG records from inside the scan must be captured"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert _leaked(logged) == []


@pytest.mark.parametrize("output_format", FORMATS)
def test_show_values_reveals_them(corpus: Path, output_format: str) -> None:
    result = CliRunner().invoke(main, ["scan", "--format", output_format, "--show-values", *_files(corpus)])
    assert result.exit_code == 1
    revealed = _leaked(result.output)
    assert set(SECRETS.values()) <= set(revealed), set(SECRETS.values()) - set(revealed)


def test_damaged_copies_are_reported_not_clean(scanner: Scanner, corpus: Path) -> None:
    """Truncated office files are not read completely, and their problem details stay clean."""
    for path in _files(corpus):
        result = scanner.scan_path(path)
        details = " ".join(f"{p.code} {p.detail}" for r in result.all_results() for p in r.problems)
        assert _leaked(details) == [], path
        assert _leaked(repr(result)) == [], path
        if path.endswith(("-cut.docx", "-cut.xlsx", "-cut.zip", "secrets-broken.html")):
            assert result.status != "scanned", path


def test_extractor_exception_messages_stay_inside(scanner: Scanner, monkeypatch: pytest.MonkeyPatch) -> None:
    """An extractor that fails with the document's text in its message: the result says only
    that something went wrong (the exception type), the message goes nowhere."""
    import leakscan.scanner as scanner_module

    def broken(data: bytes, name: str, limits: object) -> object:
        raise ValueError(f"cannot parse {data.decode()!r}")

    monkeypatch.setattr(scanner_module, "extract", broken)
    result = scanner.scan_bytes(f"密碼：{SECRETS['password']}".encode(), "x.txt")
    assert result.status == "unreadable" and [p.code for p in result.problems] == ["internal-error"]
    assert _leaked(repr(result) + json.dumps(result.to_dict(), ensure_ascii=False)) == []


def test_real_subprocess_output_is_masked(corpus: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "leakscan", "scan", "--format", "json",
                                *_files(corpus)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["summary"]["files"] == len(_files(corpus))
    assert _leaked(completed.stdout + completed.stderr) == []


# ---- no writes ---------------------------------------------------------------------------------

def _snapshot(folders: list[Path]) -> dict[str, tuple[str, int, int]]:
    """path → (sha256, size, mtime_ns) of every file below ``folders``; the listing itself too."""
    out: dict[str, tuple[str, int, int]] = {}
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                path = Path(root, name)
                info = path.stat()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[str(path)] = (digest, info.st_size, info.st_mtime_ns)
    return out


def test_scanning_everything_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    """Examples, test data, the secret corpus and hostile files: hashed, scanned by the command
    in a real process, hashed again; no file changed, none appeared or vanished."""
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "pages.pdf").write_bytes(many_pages_pdf(3000))
    from .fixtures_docx import flat_zip_bomb

    (hostile / "bomb.docx").write_bytes(flat_zip_bomb())
    folders = [ROOT / "examples", ROOT / "tests" / "data", corpus, hostile]
    before = _snapshot(folders)
    assert len(before) > 40
    command = [sys.executable, "-m", "leakscan", "scan", "--format", "json", *map(str, folders)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    assert _snapshot(folders) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile"]  # nothing left in the cwd either


@pytest.mark.parametrize("key", [None, "ci-secret-key"], ids=["unkeyed", "keyed"])
def test_cache_and_baseline_files_never_carry_raw_values(corpus: Path, tmp_path: Path, key: str | None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything leakscan writes for itself (result cache, baseline) is read back byte by byte."""
    if key is None:
        monkeypatch.delenv("LEAKSCAN_FINGERPRINT_KEY", raising=False)
    else:
        monkeypatch.setenv("LEAKSCAN_FINGERPRINT_KEY", key)
    cache, baseline = tmp_path / "cache", tmp_path / "baseline.json"
    scanned = CliRunner().invoke(main, ["scan", "-j", "0", "--cache", str(cache), "--format", "json",
                                        str(corpus)])
    assert scanned.exit_code == 1, scanned.output
    created = CliRunner().invoke(main, ["baseline", "create", "-j", "0", str(corpus), "-o", str(baseline)])
    assert created.exit_code == 0, created.output
    written = [p for p in cache.rglob("*") if p.is_file()] + [baseline]
    assert len(written) > len(_files(corpus)) // 2  # entries were really stored
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert _leaked(text) == [], path
    rerun = CliRunner().invoke(main, ["scan", "-j", "0", "--cache", str(cache), "--format", "json",
                                      "--baseline", str(baseline), str(corpus)])
    assert _leaked(rerun.output) == []
    assert rerun.exit_code == 0, rerun.output  # every finding is in the baseline now
