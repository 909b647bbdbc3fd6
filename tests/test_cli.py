"""The leakscan command, through CliRunner and through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import main

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
SECRET = "密等及解密條件或保密期限：機密\n身分證字號A123456789\n密碼：Tpe@2026!x\n"


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "簽呈.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_text_report_in_traditional_chinese(secret_file: Path) -> None:
    result = run("scan", str(secret_file))
    assert result.exit_code == 1
    assert "機密等級" in result.output and "第 1 行第 1 字" in result.output
    assert "分享：禁止" in result.output
    assert "A1******89" in result.output
    assert "A123456789" not in result.output and "Tpe@2026!x" not in result.output


def test_english_on_request(secret_file: Path) -> None:
    result = run("scan", str(secret_file), "--lang", "en", "--action", "fax")
    assert "classification marking" in result.output and "fax: blocked" in result.output


def test_json_is_one_object_with_the_documented_shape(secret_file: Path) -> None:
    result = run("scan", str(secret_file), "--format", "json")
    document = json.loads(result.output)
    assert document["schema"] == "leakscan/1" and document["action"] == "share"
    [entry] = document["files"]
    assert entry["path"] == str(secret_file)
    assert entry["status"] == "scanned" and entry["decision"] == "block"
    assert {f["rule"] for f in entry["findings"]} == {
        "classification-field", "tw-national-id", "password-value"}
    assert document["summary"]["findings"] == 3
    assert "A123456789" not in result.output and "Tpe@2026!x" not in result.output


def test_show_values_reveals(secret_file: Path) -> None:
    result = run("scan", str(secret_file), "--format", "json", "--show-values")
    values = {f["value"] for f in json.loads(result.output)["files"][0]["findings"]}
    assert {"A123456789", "Tpe@2026!x"} <= values


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "clean.txt"
    path.write_text("本局辦理環境教育推廣活動，歡迎參加。", encoding="utf-8")
    result = run("scan", str(path))
    assert result.exit_code == 0 and "未發現風險" in result.output


def test_standard_input() -> None:
    result = run("scan", "-", "--format", "json", input=SECRET.encode("cp950"))
    entry = json.loads(result.output)["files"][0]
    assert entry["path"] == "-" and entry["decision"] == "block"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_broken_pattern_set_exits_2_naming_the_problem(secret_file: Path) -> None:
    broken = ROOT / "tests" / "data" / "broken" / "unbalanced-regex.toml"
    result = CliRunner().invoke(main, ["scan", str(secret_file), "--patterns", str(broken)])
    assert result.exit_code == 2
    assert "unbalanced-regex.toml: tw-national-id-copy: regex:" in result.output


def test_unread_files_are_listed_not_passed(tmp_path: Path) -> None:
    (tmp_path / "a.pdfx").write_bytes(b"%PDF-1.7")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    result = run("scan", str(tmp_path), "--format", "json")
    files = json.loads(result.output)["files"]
    statuses = {Path(f["path"]).name: (f["status"], f["decision"]) for f in files}
    assert statuses == {"a.pdfx": ("unreadable", "warn"), "b.txt": ("unreadable", "warn")}
    assert run("scan", str(tmp_path), "--fail-closed").exit_code == 1


def test_folder_scan_of_examples_is_sorted_and_finds_every_kind() -> None:
    result = run("scan", str(EXAMPLES), "--format", "json")
    document = json.loads(result.output)
    paths = [f["path"] for f in document["files"]]
    assert paths == sorted(paths) and len(paths) >= 5
    categories = {f["category"] for entry in document["files"] for f in entry["findings"]}
    assert {"classification", "procurement", "personal-data", "credential", "dissemination"} <= categories
    assert result.exit_code == 1


def test_explain_and_patterns_and_check_patterns() -> None:
    explained = run("explain", "tw-national-id", "--lang", "en")
    assert explained.exit_code == 0 and "A123456789" in explained.output
    assert "patterns/personal-data.toml" in explained.output
    listing = run("patterns")
    assert "bid-floor-price-amount" in listing.output
    assert run("explain", "no-such-rule").exit_code == 2
    checked = run("check-patterns", str(ROOT / "tests" / "data" / "user"))
    assert checked.exit_code == 0 and "0 failing" in checked.output
    failing = CliRunner().invoke(main, ["check-patterns", str(ROOT / "tests" / "data" / "failing")])
    assert failing.exit_code == 2


def test_real_subprocess(secret_file: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "leakscan", "scan", str(secret_file), "--format", "json"],
                          capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["files"][0]["decision"] == "block"
    assert done.stderr == b""


def test_sarif_output_for_code_scanning(secret_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAKSCAN_FINGERPRINT_KEY", raising=False)
    unkeyed = json.loads(run("scan", str(secret_file), "--format", "sarif").output)
    assert unkeyed["version"] == "2.1.0"
    [run_] = unkeyed["runs"]
    assert {r["ruleId"] for r in run_["results"]} == {
        "classification-field", "tw-national-id", "password-value"}
    text = json.dumps(unkeyed, ensure_ascii=False)
    assert "A123456789" not in text and "Tpe@2026!x" not in text
    monkeypatch.setenv("LEAKSCAN_FINGERPRINT_KEY", "agency-secret")
    keyed = json.loads(run("scan", str(secret_file), "--format", "sarif").output)

    def prints(log: dict) -> list[str]:
        return [r["partialFingerprints"]["leakscanFingerprint/v1"] for r in log["runs"][0]["results"]]

    assert prints(keyed) != prints(unkeyed)


# -- folders in CI: walk, workers, cache, baseline, fail-on, skipped files (issue #5) ------------


def ci_tree(root: Path) -> Path:
    (root / "docs" / "old").mkdir(parents=True)
    (root / "docs" / "簽呈.txt").write_text(SECRET, encoding="utf-8")
    (root / "docs" / "一般.txt").write_text("一般公文。\n", encoding="utf-8")
    (root / "docs" / "old" / "名單.txt").write_text("身分證字號A123456789\n", encoding="utf-8")
    (root / "docs" / "big.log").write_text("x" * 2000, encoding="utf-8")
    (root / "docs" / ".leakscanignore").write_text("old/\n", encoding="utf-8")
    return root / "docs"


def test_folder_scan_reports_skipped_files_and_the_summary(tmp_path: Path) -> None:
    docs = ci_tree(tmp_path)
    result = run("scan", str(docs), "--max-size", "1000", "-j", "1", "--lang", "en")
    assert result.exit_code == 1
    # Too large to read is not a skip by choice: the file is reported unread, with a decision.
    assert f"== {docs / 'big.log'} (not read)" in result.output
    assert "not read: file exceeds the size limit, not read (2000 > 1000 bytes)" in result.output
    assert "Skipped 1: ignored by .leakscanignore 1" in result.output
    assert "名單" not in result.output  # ignored folders are counted, not listed
    assert "Findings by category: classification marking 1, personal data 1, credential 1" in result.output
    document = json.loads(run("scan", str(docs), "--max-size", "1000", "-j", "0", "--format", "json").output)
    assert document["summary"]["skipped"]["by_reason"] == {"ignored": 1}
    assert [f["path"] for f in document["files"]] == [str(docs / "一般.txt"), str(docs / "簽呈.txt"),
                                                     str(docs / "big.log")]
    big = document["files"][2]
    assert (big["status"], big["decision"], [p["code"] for p in big["problems"]]) == (
        "unreadable", "warn", ["too-large"])
    assert document["summary"]["not_read"] == [
        {"path": str(docs / "big.log"), "status": "unreadable", "problems": ["too-large"]}]


def test_too_large_file_blocks_with_fail_closed_and_says_so(tmp_path: Path) -> None:
    """The report's verdict and the exit status agree for a file the size limit kept out."""
    (tmp_path / "big.txt").write_text("普通內容" * 500, encoding="utf-8")
    open_run = run("scan", str(tmp_path), "--max-size", "100", "-j", "0", "--format", "json")
    closed = run("scan", str(tmp_path), "--max-size", "100", "-j", "0", "--format", "json", "--fail-closed")
    assert (open_run.exit_code, closed.exit_code) == (0, 1)
    assert json.loads(open_run.output)["files"][0]["decision"] == "warn"
    assert json.loads(closed.output)["files"][0]["decision"] == "block"
    text = run("scan", str(tmp_path), "--max-size", "100", "-j", "0", "--fail-closed")
    assert "分享：禁止" in text.output and "允許" not in text.output


def test_exclude_and_include_globs(tmp_path: Path) -> None:
    docs = ci_tree(tmp_path)
    only_clean = run("scan", str(docs), "--include", "一般.*", "-j", "0", "--format", "json")
    assert [Path(f["path"]).name for f in json.loads(only_clean.output)["files"]] == ["一般.txt"]
    assert only_clean.exit_code == 0
    excluded = run("scan", str(docs), "--exclude", "簽呈.txt", "--exclude", "*.log", "-j", "0")
    assert excluded.exit_code == 0 and "簽呈" not in excluded.output.split("略過")[0]


@pytest.mark.parametrize(("options", "code"), [
    ((), 1), (("--fail-on", "block"), 1), (("--fail-on", "warn"), 1), (("--fail-on", "allow"), 1),
], ids=["default", "block", "warn", "allow"])
def test_fail_on_with_a_blocking_file(secret_file: Path, options: tuple[str, ...], code: int) -> None:
    assert run("scan", str(secret_file), "-j", "0", *options).exit_code == code


def test_fail_on_decides_which_verdict_fails(tmp_path: Path) -> None:
    warned = tmp_path / "名單.txt"
    warned.write_text("身分證字號A123456789\n", encoding="utf-8")
    assert run("scan", str(warned), "-j", "0").exit_code == 0
    assert run("scan", str(warned), "-j", "0", "--fail-on", "warn").exit_code == 1
    clean = tmp_path / "clean.txt"
    clean.write_text("一般公文。\n", encoding="utf-8")
    assert run("scan", str(clean), "-j", "0", "--fail-on", "warn").exit_code == 0
    assert run("scan", str(clean), "-j", "0", "--fail-on", "allow").exit_code == 1


def test_an_oversize_file_counts_as_unread_for_fail_closed(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 100, encoding="utf-8")
    assert run("scan", str(tmp_path), "--max-size", "10", "-j", "0").exit_code == 0
    assert run("scan", str(tmp_path), "--max-size", "10", "-j", "0", "--fail-on", "warn").exit_code == 1
    assert run("scan", str(tmp_path), "--max-size", "10", "-j", "0", "--fail-closed").exit_code == 1


def test_baseline_create_then_scan_passes_and_a_new_finding_fails(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKSCAN_FINGERPRINT_KEY", "agency-secret")
    docs = ci_tree(tmp_path)
    baseline = tmp_path / "baseline.json"
    created = CliRunner().invoke(main, ["baseline", "create", str(docs), "-o", str(baseline), "-j", "0",
                                        "--lang", "en"], catch_exceptions=False)
    assert created.exit_code == 0 and "3 finding(s) from 3 file(s)" in created.output
    text = baseline.read_text(encoding="utf-8")
    assert "A123456789" not in text and "Tpe@2026!x" not in text and "A1******89" not in text
    passed = run("scan", str(docs), "--baseline", str(baseline), "-j", "0", "--lang", "en")
    assert passed.exit_code == 0, passed.output
    assert "(in baseline)" in passed.output and "Baseline: 3 finding(s) already listed" in passed.output
    assert "share: blocked" in passed.output  # the real decision is still shown
    (docs / "新.txt").write_text("密碼：Other#2026\n", encoding="utf-8")
    failed = run("scan", str(docs), "--baseline", str(baseline), "-j", "0", "--format", "json")
    assert failed.exit_code == 1
    summary = json.loads(failed.output)["summary"]
    assert summary["baseline"] == {"known": 3, "new": 1}


def test_baseline_without_a_key_warns_and_another_key_is_refused(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAKSCAN_FINGERPRINT_KEY", raising=False)
    docs = ci_tree(tmp_path)
    baseline = tmp_path / "b.json"
    created = CliRunner().invoke(main, ["baseline", "create", str(docs), "-o", str(baseline), "-j", "0"])
    assert created.exit_code == 0 and "LEAKSCAN_FINGERPRINT_KEY" in created.output
    assert run("scan", str(docs), "--baseline", str(baseline), "-j", "0").exit_code == 0
    monkeypatch.setenv("LEAKSCAN_FINGERPRINT_KEY", "k")
    refused = CliRunner().invoke(main, ["scan", str(docs), "--baseline", str(baseline)])
    assert refused.exit_code == 2 and "fingerprint key" in refused.output


def test_cache_gives_the_same_report_and_show_values_rescans(tmp_path: Path) -> None:
    docs = ci_tree(tmp_path)
    cache = str(tmp_path / "cache")
    first = run("scan", str(docs), "--cache", cache, "-j", "1", "--format", "json")
    second = run("scan", str(docs), "--cache", cache, "-j", "1", "--format", "json")
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output
    revealed = run("scan", str(docs), "--cache", cache, "-j", "0", "--show-values")
    assert "A123456789" in revealed.output
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*.json"))
    assert b"A123456789" not in stored and b"Tpe@2026!x" not in stored


def test_hostile_names_do_not_break_reports(tmp_path: Path) -> None:
    (tmp_path / "a\n== forged.txt").write_text(SECRET, encoding="utf-8")
    raw = os.path.join(os.fsencode(tmp_path), b"big5-\xbe\xf7.txt")
    with open(raw, "wb") as handle:
        handle.write(SECRET.encode())
    text = run("scan", str(tmp_path), "-j", "0")
    assert text.exit_code == 1
    assert "a\\n== forged.txt" in text.output and not any(
        line.startswith("== forged") for line in text.output.splitlines())
    assert "big5-\\xbe\\xf7.txt" in text.output
    shown = sorted([f"{tmp_path}/a\\n== forged.txt", f"{tmp_path}/big5-\\xbe\\xf7.txt"])
    files = json.loads(run("scan", str(tmp_path), "-j", "0", "--format", "json").output)["files"]
    assert sorted(f["path"] for f in files) == shown  # both there, each name escaped on one line
    assert [(f["status"], f["decision"]) for f in files] == [("scanned", "block")] * 2
    sarif = json.loads(run("scan", str(tmp_path), "-j", "0", "--format", "sarif").output)["runs"][0]
    assert sarif["results"] and {r["ruleId"] for r in sarif["results"]} >= {"password-value"}
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["results"]
            for loc in r["locations"]}
    assert len(uris) == 2 and not any("\n" in uri for uri in uris), uris  # findings in both files
    assert sorted(a["properties"]["path"] for a in sarif["artifacts"]) == shown


def test_ci_run_over_examples_writes_valid_sarif_with_unread_files(tmp_path: Path) -> None:
    from .test_report_sarif import validate

    result = run("scan", str(EXAMPLES), "--format", "sarif", "--max-size", "20000", "-j", "2",
                 "--cache", str(tmp_path / "cache"), "--lang", "en")
    assert result.exit_code == 1
    log = json.loads(result.output)
    validate(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    unread = {n["properties"]["path"]: n for n in notes if n["properties"]["status"] == "unreadable"}
    too_large = [p for p in EXAMPLES.iterdir() if p.is_file() and p.stat().st_size > 20000]
    assert too_large, "the examples must hold a file over the size limit given above"
    assert {str(p) for p in too_large} <= set(unread)
    assert not [n for n in notes if n["properties"]["status"] == "skipped"
                and n["properties"].get("reason") == "too-large"]


def test_ci_run_with_a_baseline_marks_sarif_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_report_sarif import validate

    monkeypatch.setenv("LEAKSCAN_FINGERPRINT_KEY", "k")
    docs = ci_tree(tmp_path)
    baseline = tmp_path / "b.json"
    CliRunner().invoke(main, ["baseline", "create", str(docs), "-o", str(baseline), "-j", "0"])
    (docs / "新.txt").write_text("密碼：Other#2026\n", encoding="utf-8")
    result = run("scan", str(docs), "--format", "sarif", "--baseline", str(baseline), "-j", "0")
    log = json.loads(result.output)
    validate(log)
    states = sorted(r["baselineState"] for r in log["runs"][0]["results"])
    assert states == ["new", "unchanged", "unchanged", "unchanged"]


def test_real_subprocess_parallel_cached_sarif(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "leakscan", "scan", str(EXAMPLES), "--format", "sarif", "-j", "2",
               "--cache", str(tmp_path / "cache")]
    outputs = []
    for _ in range(2):
        done = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)
        assert done.returncode == 1, done.stderr
        assert done.stderr == b""  # no progress display when stderr is not a terminal
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0]["runs"][0]["results"]


def test_baseline_written_where_it_cannot_be_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("一般公文\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["baseline", "create", str(tmp_path / "a.txt"), "-j", "0",
                                       "-o", str(tmp_path / "no" / "such" / "folder" / "b.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "b.json" in result.output


def test_sarif_names_items_once_below_their_file(tmp_path: Path) -> None:
    from .fixtures_mail import zip_of

    (tmp_path / "共用").mkdir()
    (tmp_path / "共用" / "資料.zip").write_bytes(zip_of({"附件/名冊.txt": "身分證字號A123456789".encode()}))
    log = json.loads(run("scan", str(tmp_path / "共用"), "--format", "sarif", "-j", "0").output)
    [result] = log["runs"][0]["results"]
    assert result["properties"]["item"] == "附件/名冊.txt"
    name = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert name.endswith("共用/資料.zip!附件/名冊.txt") and name.count("!") == 1, name
    document = json.loads(run("scan", str(tmp_path / "共用"), "--format", "json", "-j", "0").output)
    assert document["files"][0]["items"][0]["path"] == f"{tmp_path / '共用' / '資料.zip'}!附件/名冊.txt"
