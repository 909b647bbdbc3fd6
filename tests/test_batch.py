"""The worker pool and the folder run: order, hard time limit, crashed workers."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from leakscan import Scanner
from leakscan.batch import ScannerSpec, ScanTask, WorkerStartError, run_tasks, scan_task
from leakscan.model import ScanResult
from leakscan.progress import ProgressLine
from leakscan.runner import scan_walk
from leakscan.walk import WalkOptions, walk

SECRET = "密等及解密條件或保密期限：機密\n身分證字號A123456789\n"


def misbehaving_scan(scanner: Scanner, task: ScanTask) -> tuple[ScanResult, str | None]:
    """A test-only scan function: files named hang-* never finish, crash-* kill their worker."""
    name = Path(task.path).name
    if name.startswith("hang"):
        time.sleep(3600)
    if name.startswith("crash"):
        os._exit(7)
    return scan_task(scanner, task)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for number in range(7):
        (tmp_path / f"d{number % 3}").mkdir(exist_ok=True)
        text = SECRET if number % 2 else f"第 {number} 號一般公文\n"
        (tmp_path / f"d{number % 3}" / f"{number}.txt").write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, scanner: Scanner, jobs: int, timeout: float = 60.0, scan=scan_task) -> list[ScanResult]:
    return scan_walk(walk([str(root)]), ScannerSpec(), scanner, jobs=jobs, timeout=timeout,
                     scan=scan).results


def shape(results: list[ScanResult]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(r.path, r.status, r.verdict, tuple(f.rule for f in r.findings)) for r in results]


def test_order_and_results_are_the_same_whatever_the_parallelism(folder: Path, scanner: Scanner) -> None:
    in_process = run(folder, scanner, jobs=0)
    one = run(folder, scanner, jobs=1)
    two = run(folder, scanner, jobs=2)
    assert [r.path for r in in_process] == sorted(r.path for r in in_process)
    assert shape(one) == shape(two) == shape(in_process)
    assert sum(r.verdict == "block" for r in two) == 3


def test_a_hanging_file_is_killed_reported_and_the_scan_goes_on(folder: Path, scanner: Scanner) -> None:
    (folder / "d1" / "hang-1.txt").write_text("x", encoding="utf-8")
    results = run(folder, scanner, jobs=2, timeout=3, scan=misbehaving_scan)
    by_name = {Path(r.path).name: r for r in results}
    hung = by_name["hang-1.txt"]
    assert hung.status == "unreadable" and [p.code for p in hung.problems] == ["timeout"]
    assert hung.verdict == "warn"  # not read is never clean
    assert len(results) == 8 and all(r.status == "scanned" for n, r in by_name.items() if n != "hang-1.txt")


def test_a_crashing_worker_is_replaced_and_its_file_reported(folder: Path, scanner: Scanner) -> None:
    (folder / "d0" / "crash-a.txt").write_text("x", encoding="utf-8")
    (folder / "d2" / "crash-b.txt").write_text("x", encoding="utf-8")
    results = run(folder, scanner, jobs=1, scan=misbehaving_scan)
    crashed = [r for r in results if Path(r.path).name.startswith("crash")]
    assert [(r.status, r.problems[0].code) for r in crashed] == [("unreadable", "worker-crashed")] * 2
    assert "exit code 7" in crashed[0].problems[0].detail
    assert [r.path for r in results] == sorted(r.path for r in results)
    assert sum(r.status == "scanned" for r in results) == 7


def test_standard_input_is_scanned_in_a_worker(scanner: Scanner) -> None:
    got: dict[int, ScanResult] = {}
    run_tasks([ScanTask("-", SECRET.encode())], ScannerSpec(), scanner, jobs=1, timeout=60,
              done=lambda index, result, digest: got.setdefault(index, result))
    assert got[0].path == "-" and got[0].verdict == "block"


def test_every_worker_uses_the_scanner_arguments(tmp_path: Path, scanner: Scanner) -> None:
    """The caller's scanner is the default one (share, fail open): what the results show can only
    come from the spec the workers were given."""
    (tmp_path / "a.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "b.pdfx").write_bytes(b"%PDF-1.7")  # unsupported: not read, so only fail_closed blocks it
    spec = ScannerSpec(action="fax", fail_closed=True)
    results = scan_walk(walk([str(tmp_path)]), spec, scanner, jobs=1, timeout=60).results
    by_name = {Path(r.path).name: r for r in results}
    assert sorted(by_name) == ["a.txt", "b.pdfx"]
    secret, unread = by_name["a.txt"], by_name["b.pdfx"]
    assert secret.decision.action == "fax" and secret.verdict == "block"
    assert unread.status == "unreadable" and unread.decision.action == "fax"
    assert unread.verdict == "block"  # fail open would warn: see the default run below
    default = scan_walk(walk([str(tmp_path)]), ScannerSpec(), scanner, jobs=1, timeout=60).results
    assert [(Path(r.path).name, r.verdict) for r in default] == [("a.txt", "block"), ("b.pdfx", "warn")]


def test_a_file_that_vanished_after_the_walk_is_unreadable(tmp_path: Path, scanner: Scanner) -> None:
    (tmp_path / "gone.txt").write_text("x", encoding="utf-8")
    walked = walk([str(tmp_path)])
    (tmp_path / "gone.txt").unlink()
    [result] = scan_walk(walked, ScannerSpec(), scanner, jobs=1, timeout=60).results
    assert result.status == "unreadable" and result.problems[0].code == "io-error"


def never_starts(conn: object, spec: object, scan: object) -> None:
    raise SystemExit(3)


def test_workers_that_never_start_end_the_run_with_an_error(scanner: Scanner,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import leakscan.batch

    monkeypatch.setattr(leakscan.batch, "_worker_main", never_starts)
    with pytest.raises(WorkerStartError, match="exit while starting"):
        run_tasks([ScanTask("-", b"x")], ScannerSpec(), scanner, jobs=1, timeout=60,
                  done=lambda *_: None)


def test_the_progress_line_counts_files_and_findings() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream, "en", interval=3600)
    progress(1, 3, 2)
    progress(2, 3, 2)  # within the interval: not drawn
    progress(3, 3, 5)  # the last one always is
    progress.close()
    drawn = stream.getvalue().split("\r")
    assert [d for d in drawn if "files" in d] == [
        "[########----------------] 1/3 files · 2 finding(s)",
        "[########################] 3/3 files · 5 finding(s)"]
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.usefixtures("locked_folders")
def test_paths_the_walk_could_not_read_are_unreadable_results(tmp_path: Path) -> None:
    """A folder that cannot be listed and a file over the size limit come back as unread files,
    decided as such (warn, or block when failing closed), not only as skipped paths."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "名冊.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "big.txt").write_text("一般公文" * 100, encoding="utf-8")
    (tmp_path / "a.txt").write_text("一般公文", encoding="utf-8")
    (tmp_path / "b.tmp").write_text(SECRET, encoding="utf-8")
    walked = walk([str(tmp_path)], WalkOptions(exclude=("*.tmp",), max_size=100))
    for fail_closed, verdict in ((False, "warn"), (True, "block")):
        spec = ScannerSpec(fail_closed=fail_closed)
        run_ = scan_walk(walked, spec, spec.build(), jobs=0, timeout=60)
        shown = [(Path(r.path).name, r.status, r.verdict, [p.code for p in r.problems]) for r in run_.results]
        assert shown == [("a.txt", "scanned", "allow", []),
                         ("big.txt", "unreadable", verdict, ["too-large"]),
                         ("locked", "unreadable", verdict, ["unreadable-folder"])]
        assert [(Path(s.path).name, s.reason) for s in run_.skipped] == [("b.tmp", "excluded")]
        assert len(run_.relatives) == len(run_.results)
