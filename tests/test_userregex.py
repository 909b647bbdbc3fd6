"""Users' regexes run with a time limit: a catastrophic pattern cannot hang a scan."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from leakscan import Scanner
from leakscan.detect import Budget
from leakscan.errors import PatternError, RuleTimeoutError
from leakscan.model import Location, Segment
from leakscan.userregex import RegexTimeout, UserPattern, deadline

# (a|aa)+$ needs exponential time on a run of a's that does not end the text.
EVIL_SET = """[set]
name = "evil"
[[rules]]
id = "evil-backtracking"
category = "credential"
severity = "high"
name = { zh = "回溯", en = "backtracking" }
regex = '''(a|aa)+$'''
[rules.examples]
match = [{ text = "aaa" }]
"""
HOSTILE_TEXT = "身分證字號A123456789\n" + "a" * 90 + "!"


@pytest.fixture(scope="module")
def evil_scanner(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    folder = tmp_path_factory.mktemp("evil")
    (folder / "evil.toml").write_text(EVIL_SET, encoding="utf-8")
    return Scanner([folder])


def test_builtin_rules_use_re_and_user_rules_are_time_bounded(evil_scanner: Scanner) -> None:
    assert isinstance(evil_scanner.rule("tw-national-id").regex, re.Pattern)
    assert evil_scanner.rule("tw-national-id").trusted
    user = evil_scanner.rule("evil-backtracking")
    assert isinstance(user.regex, UserPattern) and not user.trusted
    assert evil_scanner.check_examples() == []  # the rule itself works on normal text


def test_timed_out_user_rule_is_reported_and_other_findings_kept(evil_scanner: Scanner) -> None:
    budget = Budget(deadline=time.monotonic() + 0.2)
    findings = evil_scanner._detector.detect(Segment(HOSTILE_TEXT, Location("body")), budget)
    assert budget.timed_out_rules == ["evil-backtracking"]
    assert [f.rule for f in findings] == ["tw-national-id"]


def test_detect_without_a_report_channel_raises_a_clear_error(evil_scanner: Scanner) -> None:
    with deadline(time.monotonic() + 0.2), pytest.raises(RuleTimeoutError) as caught:
        evil_scanner.detect([Segment(HOSTILE_TEXT, Location("body"))])
    assert caught.value.rule == "evil-backtracking"
    assert "a" * 10 not in str(caught.value)  # the message names the rule, never the text
    assert caught.value.exit_code == 2


def test_scan_reports_the_timeout_as_partial_not_clean(evil_scanner: Scanner) -> None:
    result = evil_scanner.scan_text(HOSTILE_TEXT, action="share")
    assert result.status == "partial"
    assert any(p.code == "rule-timeout" and "evil-backtracking" in p.detail for p in result.problems)
    assert {f.rule for f in result.findings} == {"tw-national-id"}


def test_deadline_is_per_thread() -> None:
    """One compiled pattern, two threads: each call stops at its own thread's deadline."""
    pattern = UserPattern(r"(a|aa)+$")
    outcome: dict[str, str] = {}

    def run(name: str, text: str, seconds: float) -> None:
        with deadline(time.monotonic() + seconds):
            try:
                outcome[name] = "match" if pattern.search(text) else "none"
            except RegexTimeout:
                outcome[name] = "timeout"

    threads = [threading.Thread(target=run, args=("hostile", "a" * 90 + "!", 0.2)),
               threading.Thread(target=run, args=("normal", "aaaa", 0.2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome == {"hostile": "timeout", "normal": "match"}


def test_user_regex_syntax_error_names_file_rule_and_field(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text(EVIL_SET.replace("(a|aa)+$", "(a|aa"), encoding="utf-8")
    with pytest.raises(PatternError) as caught:
        Scanner([tmp_path])
    assert caught.value.rule == "evil-backtracking" and caught.value.field == "regex"
    assert str(caught.value).startswith(f"{tmp_path / 'broken.toml'}: evil-backtracking: regex: ")


def test_user_pattern_matches_like_re() -> None:
    source = r"(?<![0-9A-Za-z])(?P<value>[A-Z][12][0-9]{8})(?![0-9])"
    text = "甲A123456789乙B287654321X1234567890"
    ours = [(m.span(), m.group("value")) for m in UserPattern(source).finditer(text)]
    theirs = [(m.span(), m.group("value")) for m in re.compile(source).finditer(text)]
    assert ours == theirs and len(ours) == 2
    assert UserPattern(source).groupindex == re.compile(source).groupindex
