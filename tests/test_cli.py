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
