"""The library API other code relies on: names, results, thread safety, read-only scanning."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import leakscan
from leakscan import (
    ConfigError,
    Finding,
    InputError,
    LeakscanError,
    PatternError,
    PolicyError,
    Scanner,
    ScanResult,
)

PUBLIC = {
    "ACTIONS", "CATEGORIES", "LEVELS", "SEVERITIES", "ConfigError", "Decision", "Finding",
    "HandlingRule", "InputError", "LeakscanError", "Limits", "Location", "PatternError",
    "PolicyError", "Problem", "Reason", "ScanResult", "Scanner", "Segment", "__version__",
}

SECRET_TEXT = ("密等及解密條件或保密期限：機密\n身分證字號A123456789\n"
               "密碼：Tpe@2026!x\n底價新臺幣1,234,000元\n")


def test_public_names_are_exactly_all() -> None:
    assert set(leakscan.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(leakscan, name)


def test_package_is_typed() -> None:
    assert (Path(leakscan.__file__).parent / "py.typed").is_file()


def test_one_exception_base() -> None:
    for error in (ConfigError, PatternError, PolicyError, InputError):
        assert issubclass(error, LeakscanError)
    assert LeakscanError.exit_code == 2


def test_doctest_in_package_docstring() -> None:
    import doctest

    assert doctest.testmod(leakscan).failed == 0


def test_result_fields_and_json_entry(scanner: Scanner) -> None:
    result = scanner.scan_text(SECRET_TEXT, name="簽呈.txt")
    assert isinstance(result, ScanResult) and result.path == "簽呈.txt"
    assert all(isinstance(f, Finding) for f in result.findings)
    entry = result.to_dict()
    assert set(entry) >= {"path", "status", "problems", "decision", "findings", "handling"}
    assert entry["decision"] == "block"
    for finding in entry["findings"]:
        assert set(finding) >= {"rule", "category", "severity", "level", "location", "masked", "why"}
        assert "value" not in finding
    serialized = repr(result) + str(entry)
    for secret in ("A123456789", "Tpe@2026!x", "1,234,000"):
        assert secret not in serialized


def test_findings_are_frozen(scanner: Scanner) -> None:
    finding = scanner.scan_text("身分證A123456789").findings[0]
    with pytest.raises(AttributeError):
        finding.severity = "low"  # type: ignore[misc]


def test_reveal_is_explicit(scanner: Scanner) -> None:
    entry = scanner.scan_text("密碼：Tpe@2026!x").to_dict(reveal=True)
    assert entry["findings"][0]["value"] == "Tpe@2026!x"


def test_one_scanner_shared_by_many_threads(scanner: Scanner) -> None:
    texts = [SECRET_TEXT * (i % 5 + 1) + f"\n第{i}份" for i in range(64)]
    expected = [scanner.scan_text(t).findings for t in texts]
    fresh = Scanner()  # its tokenizer is loaded by the racing threads themselves
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: fresh.scan_text(t).findings, texts))
    assert got == expected


def test_scan_path_never_writes(tmp_path: Path, scanner: Scanner) -> None:
    target = tmp_path / "機密_簽呈.txt"
    target.write_text(SECRET_TEXT, encoding="utf-8")
    os.chmod(target, 0o444)
    before = (hashlib.sha256(target.read_bytes()).hexdigest(), target.stat().st_mtime_ns)
    listing = sorted(os.listdir(tmp_path))
    result = scanner.scan_path(target)
    assert result.path == str(target) and result.verdict == "block"
    assert (hashlib.sha256(target.read_bytes()).hexdigest(), target.stat().st_mtime_ns) == before
    assert sorted(os.listdir(tmp_path)) == listing


def test_scan_path_problems_are_results_not_exceptions(tmp_path: Path, scanner: Scanner) -> None:
    missing = scanner.scan_path(tmp_path / "gone.txt")
    assert missing.status == "unreadable" and missing.problems[0].code == "io-error"
    folder = scanner.scan_path(tmp_path)
    assert folder.status == "unreadable" and folder.problems[0].code == "not-a-file"


def test_scan_file_gives_the_bytes_it_scanned_or_none(tmp_path: Path, scanner: Scanner) -> None:
    """The cache hashes exactly what was scanned, and never a file that could not be read."""
    path = tmp_path / "簽呈.txt"
    path.write_bytes("身分證字號A123456789\n".encode())
    result, data = scanner.scan_file(path)
    assert data == path.read_bytes() and result == scanner.scan_path(path)
    assert result.path == str(path) and result.findings
    for unreadable in (tmp_path / "gone.txt", tmp_path):
        result, data = scanner.scan_file(unreadable)
        assert result.status == "unreadable" and data is None


def test_size_limit_is_reported(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    result = Scanner(limits=leakscan.Limits(max_file_bytes=1024)).scan_path(big)
    assert result.status == "unreadable" and result.problems[0].code == "too-large"


def test_unknown_action_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        Scanner(action="teleport")


def test_actions_flow_into_the_decision(scanner: Scanner) -> None:
    result = scanner.scan_text("身分證A123456789", action="fax")
    assert result.decision.action == "fax"


def test_time_budget_ends_a_slow_scan_as_partial_not_clean() -> None:
    from tests.fixtures_pdf import make_pdf

    pages = ["密等及解密條件或保密期限：機密"] * 5
    spent = Scanner(limits=leakscan.Limits(max_seconds=0.0))
    result = spent.scan_bytes(make_pdf(pages), "簽呈.pdf")
    assert result.status in ("partial", "unreadable")
    assert "timeout" in [p.code for p in result.problems]
    assert result.verdict == "warn"
    text = spent.scan_bytes(SECRET_TEXT.encode(), "x.txt")
    assert text.status == "partial" and [p.code for p in text.problems] == ["timeout"]


def test_default_time_budget_does_not_cut_ordinary_files(scanner: Scanner) -> None:
    from tests.fixtures_pdf import make_pdf

    result = scanner.scan_bytes(make_pdf(["密等及解密條件或保密期限：機密"] * 5), "簽呈.pdf")
    assert result.status == "scanned" and len(result.findings) == 5


def test_items_of_a_file_on_disk_are_named_below_the_path_as_given(tmp_path: Path, scanner: Scanner) -> None:
    from .fixtures_mail import zip_of

    data = zip_of({"附件/名冊.txt": "身分證字號A123456789".encode()})
    (tmp_path / "共用").mkdir()
    (tmp_path / "共用" / "資料.zip").write_bytes(data)
    shown = str(tmp_path / "共用" / "資料.zip")
    result = scanner.scan_path(shown)
    assert result.path == shown
    assert [item.path for item in result.items] == [f"{shown}!附件/名冊.txt"]
    # From bytes there is no path: items are named below the file name given.
    assert [i.path for i in scanner.scan_bytes(data, "資料.zip").items] == ["資料.zip!附件/名冊.txt"]
