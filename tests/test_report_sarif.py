"""SARIF 2.1.0 output: valid against the OASIS schema, masked, stable, and what GitHub needs."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from leakscan import Finding, Scanner, ScanResult, __version__
from leakscan.policy import Policy
from leakscan.report.sarif import FINGERPRINT, SECURITY_SEVERITY, artifact_uri, render_sarif

from .fixtures_docx import plain_docx
from .fixtures_mail import mail, zip_of

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
TEXT = ("密等及解密條件或保密期限：機密（本件至115年12月31日解密）\n"
        "承辦人身分證字號A123456789\n"
        "系統密碼：Tpe@2026!x\n"
        "底價新臺幣1,234,567元整\n")
URI = re.compile(r"^[A-Za-z0-9\-._~%/]+$")  # unreserved characters, slashes, percent-escapes


def sarif(scanner: Scanner, results: list[ScanResult], **options: Any) -> dict[str, Any]:
    options = {"action": "share", "tool_version": __version__, **options}
    text = render_sarif(results, rules=scanner.rules, policy=options.pop("policy", scanner.policy),
                        **options)
    log: dict[str, Any] = json.loads(text)
    return log


def validate(log: dict[str, Any]) -> None:
    """Against the vendored schema, with draft-07 (as asked) and the draft it declares (04)."""
    for validator in (jsonschema.Draft7Validator, jsonschema.validators.validator_for(SCHEMA)):
        validator.check_schema(SCHEMA)
        errors = list(validator(SCHEMA, format_checker=validator.FORMAT_CHECKER).iter_errors(log))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def files(scanner: Scanner) -> list[ScanResult]:
    """Real scans: a text file with a CJK name, a docx, an unreadable file, a zip and a mail."""
    archive = zip_of({"內部/名冊.txt": "密碼：abcd1234XY\n".encode(), "舊檔.doc": b"\xd0\xcf\x11\xe0"})
    message = mail("會議通知", plain="請查收。",
                   attachments=(("附件 底價.txt", "底價新臺幣9,870,000元".encode()),))
    return [
        scanner.scan_text(TEXT, name="公文/簽呈 機密.txt"),
        scanner.scan_bytes(plain_docx(["會議紀錄", "密碼：Tpe@2026!x"]), filename="docs/紀錄.docx"),
        scanner.scan_bytes(b"\xd0\xcf\x11\xe0 legacy", filename="舊/公文.doc"),
        scanner.scan_bytes(archive, filename="共用/資料.zip"),
        scanner.scan_bytes(message, filename="mail/通知.eml"),
    ]


@pytest.fixture(scope="module")
def log(scanner: Scanner, files: list[ScanResult]) -> dict[str, Any]:
    return sarif(scanner, files)


def every_finding(results: list[ScanResult]) -> list[Finding]:
    return [f for result in results for r in result.all_results() for f in r.findings]


def test_the_log_is_valid_sarif_2_1_0(log: dict[str, Any]) -> None:
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    validate(log)


@pytest.mark.parametrize("options", [
    {"lang": "en"}, {"action": "all"}, {"action": "fax", "reveal": True}, {"root": "/work"},
], ids=["en", "all-actions", "fax-revealed", "root"])
def test_every_option_gives_valid_sarif(scanner: Scanner, files: list[ScanResult],
                                        options: dict[str, Any]) -> None:
    results = files
    if options.get("action") == "all":
        results = [scanner.scan_text(TEXT, name="a.txt", action="all")]
    validate(sarif(scanner, results, **options))


def test_an_empty_scan_is_valid(scanner: Scanner) -> None:
    log = sarif(scanner, [])
    validate(log)
    assert log["runs"][0]["results"] == []


def test_driver_describes_leakscan_and_every_rule(scanner: Scanner, log: dict[str, Any]) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "leakscan"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert [r["id"] for r in driver["rules"]] == [r.id for r in scanner.rules]
    for descriptor, rule in zip(driver["rules"], scanner.rules, strict=True):
        assert descriptor["name"] == descriptor["shortDescription"]["text"] == rule.name_zh
        assert descriptor["fullDescription"]["text"] == (rule.description_zh or rule.name_zh)
        assert descriptor["properties"]["security-severity"] == SECURITY_SEVERITY[rule.severity]
        assert {"security", rule.category} <= set(descriptor["properties"]["tags"])
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_security_severity_follows_github_bands() -> None:
    assert SECURITY_SEVERITY == {"high": "9.0", "medium": "6.0", "low": "3.0", "info": "0.0"}
    for score in SECURITY_SEVERITY.values():
        assert 0.0 <= float(score) <= 10.0


def test_english_descriptors_use_english_texts(scanner: Scanner, files: list[ScanResult]) -> None:
    driver = sarif(scanner, files, lang="en")["runs"][0]["tool"]["driver"]
    rule = scanner.rule("password-value")
    descriptor = next(r for r in driver["rules"] if r["id"] == rule.id)
    assert descriptor["name"] == rule.name_en
    assert "Handling rules (share):" in descriptor["help"]["text"]


def test_help_lists_the_handling_rules_of_the_category_with_sources(scanner: Scanner,
                                                                     log: dict[str, Any]) -> None:
    descriptor = next(r for r in log["runs"][0]["tool"]["driver"]["rules"]
                      if r["id"] == "password-value")
    expected = [e.rule for e in scanner.policy.rules_for("share")
                if e.condition.categories is None or "credential" in e.condition.categories]
    assert expected
    for rule in expected:
        assert rule.text_zh in descriptor["help"]["text"]
        assert "; ".join(rule.source) in descriptor["help"]["text"]
        assert f"`{rule.id}`" in descriptor["help"]["markdown"]
    fax_only = [e.rule.id for e in scanner.policy.rules_for("fax")
                if e.rule.id not in {r.id for r in expected}]
    assert not any(rule_id in descriptor["help"]["text"] for rule_id in fax_only)
    assert "處理規定（分享）" in descriptor["help"]["text"]


def test_help_for_every_action_has_a_section_per_action(scanner: Scanner) -> None:
    driver = sarif(scanner, [], action="all")["runs"][0]["tool"]["driver"]
    text = next(r for r in driver["rules"] if r["id"] == "password-value")["help"]["text"]
    for word in ("分享", "電子郵件", "傳真", "上傳"):
        assert f"處理規定（{word}）" in text


def test_one_result_per_finding_in_order_across_items(files: list[ScanResult],
                                                      log: dict[str, Any]) -> None:
    run = log["runs"][0]
    findings = every_finding(files)
    assert [r["ruleId"] for r in run["results"]] == [f.rule for f in findings]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_levels_follow_severity(files: list[ScanResult], log: dict[str, Any]) -> None:
    expected = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
    for finding, result in zip(every_finding(files), log["runs"][0]["results"], strict=True):
        assert result["level"] == expected[finding.severity]
        assert result["properties"]["severity"] == finding.severity


def test_github_required_fields_are_present(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] and result["message"]["text"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and URI.match(uri)
        assert len(result["partialFingerprints"][FINGERPRINT]) == 64
    for rule in run["tool"]["driver"]["rules"]:
        assert float(rule["properties"]["security-severity"]) >= 0.0


def test_values_are_masked_unless_revealed(scanner: Scanner, files: list[ScanResult],
                                           log: dict[str, Any]) -> None:
    hidden = {f.value for f in every_finding(files) if f.value and f.value not in f.masked}
    assert {"A123456789", "Tpe@2026!x", "abcd1234XY"} <= hidden
    text = json.dumps(log, ensure_ascii=False)
    for value in hidden:
        assert value not in text
        assert hashlib.sha256(value.encode()).hexdigest() not in text
    assert "A1******89" in text
    revealed = json.dumps(sarif(scanner, files, reveal=True), ensure_ascii=False)
    assert all(value in revealed for value in hidden)


def test_messages_say_what_and_why(log: dict[str, Any]) -> None:
    messages = [r["message"]["text"] for r in log["runs"][0]["results"]]
    assert any("A1******89" in m and "檢查碼正確" in m for m in messages)
    assert any("密等為「機密」" in m for m in messages)


def test_output_is_stable(scanner: Scanner, files: list[ScanResult]) -> None:
    first = render_sarif(files, rules=scanner.rules, policy=scanner.policy, action="share",
                         tool_version=__version__)
    again = render_sarif(files, rules=scanner.rules, policy=scanner.policy, action="share",
                         tool_version=__version__)
    rescanned = [scanner.scan_text(TEXT, name="公文/簽呈 機密.txt")]
    assert first == again
    assert (sarif(scanner, rescanned)["runs"][0]["results"]
            == sarif(scanner, files[:1])["runs"][0]["results"])


def fingerprints(scanner: Scanner, text: str, name: str = "a.txt", **options: Any) -> list[str]:
    log = sarif(scanner, [scanner.scan_text(text, name=name)], **options)
    return [r["partialFingerprints"][FINGERPRINT] for r in log["runs"][0]["results"]]


def test_fingerprints_are_stable_and_tell_values_apart(scanner: Scanner) -> None:
    one = fingerprints(scanner, "身分證字號A123456789")
    assert len(one) == 1
    assert fingerprints(scanner, "身分證字號A123456789") == one
    assert fingerprints(scanner, "\n\n前言\n身分證字號A123456789") == one  # lines take no part
    assert fingerprints(scanner, "身分證字號F131104093") != one
    assert fingerprints(scanner, "身分證字號A123456789", name="b.txt") != one
    assert fingerprints(scanner, "身分證字號A123456789", fingerprint_key=b"k") != one
    assert (fingerprints(scanner, "身分證字號A123456789", fingerprint_key=b"k")
            == fingerprints(scanner, "身分證字號A123456789", fingerprint_key=b"k"))


def test_the_same_value_twice_gets_two_fingerprints(scanner: Scanner) -> None:
    twice = fingerprints(scanner, "身分證字號A123456789\n身分證字號A123456789")
    assert len(twice) == len(set(twice)) == 2


def test_fingerprints_ignore_how_the_path_is_written(scanner: Scanner) -> None:
    assert fingerprints(scanner, "密碼：Tpe@2026!x", name="./docs/a.txt") == fingerprints(
        scanner, "密碼：Tpe@2026!x", name="docs/a.txt")


def test_cjk_and_spaces_are_percent_encoded(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    first = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert first["uri"] == "%E5%85%AC%E6%96%87/%E7%B0%BD%E5%91%88%20%E6%A9%9F%E5%AF%86.txt"
    assert unquote(first["uri"]) == "公文/簽呈 機密.txt"
    assert first["uriBaseId"] == "%SRCROOT%"
    for artifact in run["artifacts"]:
        assert URI.match(artifact["location"]["uri"])


@pytest.mark.parametrize(("path", "root", "uri", "relative"), [
    ("./公文/a b.txt", None, "%E5%85%AC%E6%96%87/a%20b.txt", True),
    ("/srv/repo/公文/a.txt", "/srv/repo", "%E5%85%AC%E6%96%87/a.txt", True),
    ("/elsewhere/a#1.txt", "/srv/repo", "file:///elsewhere/a%231.txt", False),
    ("a:b?.txt", None, "a%3Ab%3F.txt", True),
])
def test_artifact_uris(path: str, root: str | None, uri: str, relative: bool) -> None:
    assert artifact_uri(path, root) == (uri, relative)


def test_regions_only_where_the_line_is_a_line_of_the_file(files: list[ScanResult],
                                                           log: dict[str, Any]) -> None:
    results = log["runs"][0]["results"]
    text_results = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]
                    ["index"] == 0]
    id_result = next(r for r in text_results if r["ruleId"] == "tw-national-id")
    assert id_result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 9}
    docx = [r for r in results if unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]
                                          ["uri"]) == "docs/紀錄.docx"]
    assert docx
    for result in docx:
        assert "region" not in result["locations"][0]["physicalLocation"]
        assert result["properties"]["paragraph"] == 2
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_html_findings_give_the_source_line_only(scanner: Scanner) -> None:
    html = "<html><body>\n<p>會議</p>\n<p>密碼：Tpe@2026!x</p>\n</body></html>".encode()
    result = sarif(scanner, [scanner.scan_bytes(html, filename="a.html")])["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}


def test_items_point_at_their_container(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    inside = [r for r in run["results"] if "item" in r["properties"]]
    assert {r["properties"]["item"] for r in inside} == {"內部/名冊.txt", "附件 底價.txt"}
    for result in inside:
        location = result["locations"][0]
        assert "region" not in location["physicalLocation"]
        container = unquote(location["physicalLocation"]["artifactLocation"]["uri"])
        assert container in ("共用/資料.zip", "mail/通知.eml")
        logical = location["logicalLocations"][0]
        assert logical["fullyQualifiedName"] == f"{container}!{result['properties']['item']}"
        assert result["properties"]["item"] in result["message"]["text"]


def test_artifacts_carry_status_and_decision(files: list[ScanResult], log: dict[str, Any]) -> None:
    artifacts = log["runs"][0]["artifacts"]
    top = [a for a in artifacts if "parentIndex" not in a]
    assert [a["properties"]["path"] for a in top] == [r.path for r in files]
    for artifact, result in zip(top, files, strict=True):
        assert artifact["roles"] == ["analysisTarget"]
        assert artifact["properties"]["decision"] == result.decision.verdict
        assert artifact["properties"]["action"] == "share"
        assert artifact["properties"]["status"] == result.status
    nested = {a["properties"]["path"]: a for a in artifacts if "parentIndex" in a}
    member = nested["共用/資料.zip!內部/名冊.txt"]
    assert artifacts[member["parentIndex"]]["properties"]["path"] == "共用/資料.zip"
    assert member["properties"]["decision"] == "block"
    assert nested["共用/資料.zip!舊檔.doc"]["properties"]["problems"] == ["legacy-format"]


def test_files_not_read_are_notifications(log: dict[str, Any]) -> None:
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = {n["properties"]["path"]: n for n in invocation["toolExecutionNotifications"]}
    assert set(notes) == {"舊/公文.doc", "共用/資料.zip!舊檔.doc"}
    unread = notes["舊/公文.doc"]
    assert unread["level"] == "warning"
    assert unread["properties"] == {"path": "舊/公文.doc", "status": "unreadable",
                                    "problems": ["legacy-format"]}
    assert "舊版 Office" in unread["message"]["text"]
    inner = notes["共用/資料.zip!舊檔.doc"]["locations"][0]
    assert unquote(inner["physicalLocation"]["artifactLocation"]["uri"]) == "共用/資料.zip"
    assert inner["logicalLocations"][0]["name"] == "舊檔.doc"


def test_fail_closed_makes_unread_files_errors(scanner: Scanner, files: list[ScanResult]) -> None:
    log = sarif(scanner, files[2:3], policy=Policy.load(fail_closed=True))
    notification = log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["level"] == "error"


def test_every_action_puts_each_verdict_on_the_artifact(scanner: Scanner) -> None:
    result = scanner.scan_text("密碼：Tpe@2026!x", name="a.txt", action="all")
    artifact = sarif(scanner, [result], action="all")["runs"][0]["artifacts"][0]
    assert artifact["properties"]["action"] == "all"
    assert set(artifact["properties"]["decisions"]) >= {"share", "email", "fax", "dispose"}


def test_run_summary_counts_files_and_findings(files: list[ScanResult], log: dict[str, Any]) -> None:
    properties = log["runs"][0]["properties"]
    assert properties["action"] == "share"
    assert properties["summary"]["files"] == len(files)
    assert properties["summary"]["findings"] == len(log["runs"][0]["results"])


def test_the_schema_rejects_a_broken_log(log: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["invocations"][0]["executionSuccessful"]
    with pytest.raises(AssertionError):
        validate(broken)


# -- skipped files, baselines and cached findings (issue #5) -------------------------------------


def test_skipped_files_are_notifications_and_the_log_stays_valid(scanner: Scanner,
                                                                 files: list[ScanResult]) -> None:
    from leakscan.walk import Skipped

    skipped = [Skipped("共用/大檔.pdf", "too-large", "200 > 100 bytes"), Skipped("build", "excluded"),
               Skipped("a\\nb.txt", "special-file", "fifo")]
    log = sarif(scanner, files, skipped=skipped, lang="en")
    validate(log)
    notes = [n for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
             if n["properties"]["status"] == "skipped"]
    assert [(n["properties"]["reason"], n["level"]) for n in notes] == [
        ("too-large", "warning"), ("excluded", "note"), ("special-file", "warning")]
    assert notes[0]["message"]["text"] == (
        "共用/大檔.pdf: skipped: over the size limit, not read (200 > 100 bytes)")
    assert log["runs"][0]["properties"]["summary"]["skipped"]["count"] == 3


def test_with_a_baseline_every_result_has_a_baseline_state(scanner: Scanner, files: list[ScanResult]) -> None:
    first = files[0]

    def known(result: ScanResult, index: int) -> bool:
        return result is first and index == 0

    log = sarif(scanner, files, known=known)
    validate(log)
    states = [r["baselineState"] for r in log["runs"][0]["results"]]
    assert states[0] == "unchanged" and set(states[1:]) == {"new"}
    assert "baselineState" not in sarif(scanner, files)["runs"][0]["results"][0]


def test_a_cached_finding_carries_a_keyed_digest_with_the_same_fingerprint(scanner: Scanner) -> None:
    from dataclasses import replace

    from leakscan.report.sarif import DIGEST_MARK, finding_fingerprints, value_digest

    [finding] = scanner.scan_text("身分證字號A123456789").findings
    digest = value_digest(finding, b"k")
    cached = replace(finding, value=DIGEST_MARK + digest)
    assert finding_fingerprints([cached], "p", b"k") == finding_fingerprints([finding], "p", b"k")
    assert digest != hashlib.sha256(b"A123456789").hexdigest()  # keyed: no dictionary attack
    assert value_digest(finding, b"other") != digest
    unkeyed = value_digest(finding)
    assert unkeyed == value_digest(replace(finding, value="A1xxxxxx89"))  # only the mask counts
