"""Baselines: created from a scan, they let known findings pass and catch new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leakscan import Scanner, ScanResult
from leakscan.baseline import FORMAT, Baseline, Matcher, key_id
from leakscan.batch import ScannerSpec
from leakscan.errors import ConfigError
from leakscan.runner import Run, scan_walk
from leakscan.walk import walk

ID = "A123456789"
OTHER_ID = "F131104093"
SECRET = f"密等及解密條件或保密期限：機密\n身分證字號{ID}\n"


def scan(root: Path, scanner: Scanner) -> Run:
    return scan_walk(walk([str(root)]), ScannerSpec(), scanner, jobs=0, timeout=60)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "簽呈.txt").write_text(SECRET, encoding="utf-8")
    (root / "一般.txt").write_text("一般公文。\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("key", [None, b"agency-secret"], ids=["unkeyed", "keyed"])
def test_a_rescan_of_the_baselined_tree_passes(folder: Path, scanner: Scanner, key: bytes | None) -> None:
    run = scan(folder, scanner)
    baseline, _ = Baseline.create(run.results, run.relatives, key)
    again = scan(folder, scanner)
    known = Matcher(baseline, again.results, again.relatives, key)
    assert [known.gate_verdict(r, scanner) for r in again.results] == ["allow", "allow"]
    assert [r.verdict for r in again.results] == ["block", "allow"]  # the real decision stays
    assert all(known(again.results[0], i) for i in range(len(again.results[0].findings)))


def test_the_baseline_is_relative_to_the_scanned_folder(folder: Path, tmp_path: Path,
                                                        scanner: Scanner) -> None:
    run = scan(folder, scanner)
    baseline, text = Baseline.create(run.results, run.relatives, b"k")
    moved = tmp_path / "elsewhere"
    folder.rename(moved)
    again = scan(moved, scanner)
    known = Matcher(baseline, again.results, again.relatives, b"k")
    assert known.gate_verdict(again.results[0], scanner) == "allow"
    assert {row["path"] for row in json.loads(text)["findings"]} == {"sub/簽呈.txt"}


def edit_after_baseline(folder: Path, scanner: Scanner, text: str) -> tuple[ScanResult, Matcher]:
    """Baseline the folder (keyed), rewrite the secret file with ``text``, scan again."""
    run = scan(folder, scanner)
    baseline, _ = Baseline.create(run.results, run.relatives, b"k")
    (folder / "sub" / "簽呈.txt").write_text(text, encoding="utf-8")
    again = scan(folder, scanner)
    return again.results[0], Matcher(baseline, again.results, again.relatives, b"k")


def test_a_new_finding_fails_and_only_it_is_new(folder: Path, scanner: Scanner) -> None:
    result, known = edit_after_baseline(folder, scanner, SECRET + f"身分證字號{OTHER_ID}\n")
    new = [f.masked for i, f in enumerate(result.findings) if not known(result, i)]
    assert new == ["F1******93"]
    assert known.gate_verdict(result, scanner) == "warn"  # one ID alone: personal data, warn


def test_a_second_copy_of_a_known_value_is_new(folder: Path, scanner: Scanner) -> None:
    result, known = edit_after_baseline(folder, scanner, SECRET + f"身分證字號{ID}\n")
    assert [known(result, i) for i in range(len(result.findings))] == [True, True, False]


def test_the_file_holds_fingerprints_never_values(folder: Path, scanner: Scanner, tmp_path: Path) -> None:
    run = scan(folder, scanner)
    for key in (None, b"k"):
        _, text = Baseline.create(run.results, run.relatives, key)
        document = json.loads(text)
        assert document["schema"] == FORMAT and document["keyed"] is (key is not None)
        assert ID not in text and "A1******89" not in text and "機密（" not in text
        assert all(set(row) == {"path", "rule", "fingerprint"} for row in document["findings"])
        path = tmp_path / "b.json"
        path.write_text(text, encoding="utf-8")
        assert Baseline.load(path, key).fingerprints == {r["fingerprint"] for r in document["findings"]}


def test_a_baseline_made_with_another_key_is_refused(folder: Path, scanner: Scanner, tmp_path: Path) -> None:
    run = scan(folder, scanner)
    _, text = Baseline.create(run.results, run.relatives, b"one")
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="fingerprint key"):
        Baseline.load(path, b"two")
    with pytest.raises(ConfigError, match="fingerprint key"):
        Baseline.load(path, None)
    assert key_id(b"one") != key_id(b"two") and key_id(None) is None


@pytest.mark.parametrize("content", ["", "[]", '{"schema": "other"}', '{"schema": "leakscan-baseline/1"}'],
                         ids=["empty", "list", "other-schema", "no-findings"])
def test_a_broken_baseline_is_a_configuration_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable leakscan baseline"):
        Baseline.load(path, None)
    with pytest.raises(ConfigError):
        Baseline.load(tmp_path / "missing.json", None)


def test_two_scanned_folders_holding_the_same_name_are_two_files(tmp_path: Path, scanner: Scanner,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding baselined in a/簽呈.txt must not let the same finding in b/簽呈.txt pass."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "簽呈.txt").write_text(SECRET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    first = scan_walk(walk(["a", "b"]), ScannerSpec(), scanner, jobs=0, timeout=60)
    baseline, text = Baseline.create(first.results, first.relatives, None)
    assert {row["path"] for row in json.loads(text)["findings"]} == {"a/簽呈.txt"}
    (tmp_path / "b" / "簽呈.txt").write_text(SECRET, encoding="utf-8")  # the same text, copied
    again = scan_walk(walk(["a", "b"]), ScannerSpec(), scanner, jobs=0, timeout=60)
    known = Matcher(baseline, again.results, again.relatives, None)
    assert [known.gate_verdict(r, scanner) for r in again.results] == ["allow", "block"]


def test_two_files_named_alike_on_the_command_line_are_two_files(tmp_path: Path, scanner: Scanner,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "簽呈.txt").write_text(SECRET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = scan_walk(walk(["a/簽呈.txt", "./b/簽呈.txt"]), ScannerSpec(), scanner, jobs=0, timeout=60)
    assert run.relatives == ["a/簽呈.txt", "b/簽呈.txt"]
    only_a = Baseline.create(run.results[:1], run.relatives[:1], b"k")[0]
    known = Matcher(only_a, run.results, run.relatives, b"k")
    assert [known.gate_verdict(r, scanner) for r in run.results] == ["allow", "block"]


def test_items_keep_their_baseline_entries_when_the_folder_moves(tmp_path: Path, scanner: Scanner) -> None:
    """Items are keyed by the file below the scanned folder plus the path inside it, whatever the
    folder is called, '!' included (a CI workspace named build!7), and the file name too."""
    from .fixtures_mail import zip_of

    data = zip_of({"內部!舊/名冊.txt": SECRET.encode()})
    first, second = tmp_path / "build!6" / "share", tmp_path / "build!7" / "share"
    for root in (first, second):
        root.mkdir(parents=True)
        (root / "資料!v2.zip").write_bytes(data)
    run = scan(first, scanner)
    baseline, text = Baseline.create(run.results, run.relatives, None)
    assert {row["path"] for row in json.loads(text)["findings"]} == {"資料!v2.zip!內部!舊/名冊.txt"}
    again = scan(second, scanner)
    known = Matcher(baseline, again.results, again.relatives, None)
    assert again.results[0].verdict == "block" and known.gate_verdict(again.results[0], scanner) == "allow"
