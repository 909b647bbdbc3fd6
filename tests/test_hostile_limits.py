"""Bombs and limits end to end: each hostile file is scanned from disk in a fresh interpreter, ends
with a clear status and the limit it hit, and the scan's peak memory stays bounded.

The per-format refusals are tested next to each extractor (tests/test_extract_*.py,
tests/test_safezip.py); this layer checks the whole path a gateway takes (``scan_path`` → extract
→ items → decision) and measures memory with ``resource.getrusage`` in a child process, where
earlier tests cannot have raised the high-water mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from leakscan import Limits, Scanner
from leakscan.extract import extract

from .fixtures_docx import BILLION_LAUGHS, EXTERNAL_ENTITY, flat_zip_bomb, with_document_xml
from .fixtures_hostile import ROOT, deep_zip, many_pages_pdf, scan_in_child, sparse_file
from .fixtures_mail import fan_out_bomb, zip_of
from .fixtures_odf import DI_BILLION_LAUGHS, DI_EXTERNAL_ENTITY, ODF_BILLION_LAUGHS, with_content

MIB = 1024  # ru_maxrss is in KiB on Linux
# What a scan may add to a warmed-up scanner's peak: the file itself (up to max_file_bytes, 100 MB)
# is never reached by these inputs, so anything near it means a bomb was inflated.
RSS_BOUND_KIB = 64 * MIB
TWO_GB = 2 * 1024**3

# name → (builder, expected status of the file, problem codes that must appear anywhere inside)
CASES: dict[str, tuple[Callable[[], bytes], str, set[str]]] = {
    "flat-bomb.docx": (flat_zip_bomb, "unreadable", {"zip-bomb"}),
    "flat-bomb.zip": (lambda: flat_zip_bomb(name="zeros.txt"), "unreadable", {"zip-bomb"}),
    "fan-out-bomb.zip": (lambda: fan_out_bomb(fan=10, levels=3), "partial", {"zip-bomb"}),
    "bomb-in-zip.zip": (lambda: zip_of({"a.docx": flat_zip_bomb()}), "unreadable", {"zip-bomb"}),
    "deep-30.zip": (lambda: deep_zip(30), "partial", {"too-deep"}),
    "billion-laughs.docx": (lambda: with_document_xml(BILLION_LAUGHS), "unreadable", {"xml-entities"}),
    "external-entity.docx": (lambda: with_document_xml(EXTERNAL_ENTITY), "unreadable", {"xml-entities"}),
    "billion-laughs.odt": (lambda: with_content(ODF_BILLION_LAUGHS), "unreadable", {"xml-entities"}),
    "billion-laughs.di": (DI_BILLION_LAUGHS.encode, "unreadable", {"xml-entities"}),
    "external-entity.di": (DI_EXTERNAL_ENTITY.encode, "partial", {"xml-entities"}),
    "10000-pages.pdf": (lambda: many_pages_pdf(10_000, "password: x"), "partial", {"too-many-pages"}),
}


SPARSE = ("big.txt", "big.docx", "big.pdf", "big.zip")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Every hostile file scanned from disk in one child process, in a fixed order."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = []
    for name, (build, _, _) in sorted(CASES.items()):
        (folder / name).write_bytes(build())
        paths.append(folder / name)
    paths.extend(sparse_file(folder / name, TWO_GB) for name in SPARSE)
    return {Path(path).name: report for path, report in scan_in_child(paths).items()}


def _check(report: dict[str, object], status: str, codes: set[str]) -> None:
    assert report["status"] == status, report
    assert codes <= set(report["codes"]), report  # type: ignore[arg-type]
    assert "internal-error" not in report["codes"], report  # type: ignore[operator]
    grown = int(report["after_kib"]) - int(report["before_kib"])  # type: ignore[call-overload]
    assert grown < RSS_BOUND_KIB, f"peak RSS grew by {grown} KiB"


@pytest.mark.heavy
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_finishes_with_its_limit_and_bounded_memory(reports: dict[str, dict[str, object]],
                                                                 name: str) -> None:
    _, status, codes = CASES[name]
    _check(reports[name], status, codes)


@pytest.mark.heavy
@pytest.mark.parametrize("name", SPARSE)
def test_two_gigabyte_sparse_file_is_refused_by_size_unread(reports: dict[str, dict[str, object]],
                                                            name: str) -> None:
    _check(reports[name], "unreadable", {"too-large"})


@pytest.mark.heavy
def test_two_gigabyte_file_through_the_cli(tmp_path: Path) -> None:
    """The command reports it and goes on to the next file (exit 1: the next one blocks)."""
    big = sparse_file(tmp_path / "big.txt", TWO_GB)
    secret = tmp_path / "after.txt"
    secret.write_text("密碼：Tpe@2026!x", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "leakscan", "scan", "--lang", "en", "--format", "json",
                                str(big), str(secret)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert report["summary"]["skipped"]["count"] == 0, report["summary"]
    entries = {entry["path"]: entry for entry in report["files"]}
    assert list(entries) == [str(secret), str(big)], "the big file is reported unread after the others"
    assert entries[str(secret)]["decision"] == "block"
    refused = entries[str(big)]
    assert (refused["status"], refused["decision"]) == ("unreadable", "warn"), refused
    assert [p["code"] for p in refused["problems"]] == ["too-large"], refused
    assert str(TWO_GB) in refused["problems"][0]["detail"], refused  # the size it was refused for
    assert "password-value" in {f["rule"] for f in entries[str(secret)]["findings"]}


def test_pdf_page_limit_reads_the_pages_before_it() -> None:
    """Pages up to the limit are scanned, the rest named in the problem, nothing more."""
    extraction = extract(many_pages_pdf(10_000, "password: x"), "p.pdf", Limits())
    pages = [s.location.page for s in extraction.segments if s.location.part == "body"]
    assert pages == list(range(1, 2001))
    assert [p.code for p in extraction.problems] == ["too-many-pages"]
    assert "2001-10000" in extraction.problems[0].detail


def test_limits_can_be_lowered_for_a_gateway() -> None:
    scanner = Scanner(limits=Limits(max_pdf_pages=10, max_depth=2, max_file_bytes=10_000))
    pdf = scanner.scan_bytes(many_pages_pdf(50), "p.pdf")
    assert pdf.status == "partial" and [p.code for p in pdf.problems] == ["too-many-pages"]
    deep = scanner.scan_bytes(deep_zip(5), "d.zip")
    assert "too-deep" in {p.code for r in deep.all_results() for p in r.problems}
    assert scanner.scan_bytes(b"x" * 10_001, "a.txt").problems[0].code == "too-large"


def test_cooperative_deadline_ends_a_slow_file_as_partial() -> None:
    """A spent time budget turns everything not yet checked into a timeout problem, not silence."""
    scanner = Scanner(limits=Limits(max_seconds=0.0))
    result = scanner.scan_bytes(many_pages_pdf(20, "password: x"), "p.pdf")
    assert result.status != "scanned"
    assert {p.code for p in result.problems} & {"timeout"}


@pytest.mark.heavy
def test_one_huge_segment_dense_with_findings_stops_at_the_deadline() -> None:
    line = "承辦人身分證字號A123456789，密碼：Tpe@2026!x\n"
    text = line * (1024 * 1024 // len(line.encode()))
    result = Scanner(limits=Limits(max_seconds=0.2)).scan_bytes(text.encode(), "roster.txt")
    assert result.status == "partial" and "timeout" in {p.code for p in result.problems}


@pytest.mark.heavy
def test_the_shared_regex_pass_stops_at_the_deadline_too() -> None:
    """11 MB of phone numbers: the pass that finds IDs and numbers took 5 s past a 1 s budget."""
    text = "0912345678 " * 1_000_000
    started = time.monotonic()
    result = Scanner(limits=Limits(max_seconds=0.3)).scan_text(text, name="numbers.txt")
    elapsed = time.monotonic() - started
    assert result.status == "partial" and "timeout" in {p.code for p in result.problems}
    assert elapsed < 2.5, f"{elapsed:.1f} s for a 0.3 s budget"  # generous: a loaded CI machine


def test_findings_past_the_limit_make_the_file_partial() -> None:
    """A roster far larger than any real one is cut at ``max_findings``, never silently."""
    line = "承辦人身分證字號A123456789\n"
    scanner = Scanner(limits=Limits(max_findings=500))
    result = scanner.scan_bytes((line * 2000).encode(), "roster.txt")
    assert result.status == "partial" and "too-many-findings" in {p.code for p in result.problems}
    assert 0 < len(result.findings) <= 500
    small = scanner.scan_bytes((line * 100).encode(), "roster.txt")
    assert small.status == "scanned" and len(small.findings) == 100
    assert small.verdict != "allow" and result.verdict == small.verdict  # what was found still decides
