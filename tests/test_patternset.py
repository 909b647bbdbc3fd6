"""Pattern sets: every built-in rule's own examples, and exact errors for broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leakscan import PatternError, Scanner
from leakscan.model import CATEGORIES
from leakscan.patternset import load_pattern_sets

DATA = Path(__file__).parent / "data"
BUILTIN = [rule for pattern_set in load_pattern_sets() for rule in pattern_set.rules]


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.id)
def test_builtin_rule_examples(scanner: Scanner, rule) -> None:
    from leakscan.selfcheck import example_failures

    assert example_failures(scanner._detector, [rule]) == []


def test_builtin_sets_cover_every_category() -> None:
    assert {r.category for r in BUILTIN} == set(CATEGORIES)


def test_every_builtin_rule_has_negative_examples() -> None:
    missing = [r.id for r in BUILTIN if not r.no_match_examples]
    assert missing == []


@pytest.mark.parametrize(("name", "message"), [
    ("unbalanced-regex",
     "unbalanced-regex.toml: tw-national-id-copy: regex: missing ) at position 27"),
    ("unknown-category", "unknown-category.toml: odd-rule: category: 'gossip' is not one of"),
    ("bad-id", "bad-id.toml: rules[0].id: must be a kebab-case string"),
    ("unknown-validator", "unknown-validator.toml: weird-check: validator: unknown validator 'tw-magic'"),
    ("misspelt-key", "misspelt-key.toml: typo-rule: keyword: unknown key"),
    ("missing-examples", "missing-examples.toml: no-examples: examples: missing"),
    ("missing-group", "missing-group.toml: no-group: value: regex has no group named 'secret'"),
    ("duplicate-id", "duplicate-id.toml: password-value: id: already defined in patterns/credential.toml"),
    ("not-toml", "not-toml.toml: not valid TOML"),
    ("bad-severity", "bad-severity.toml: loud-rule: severity: 'critical' is not one of"),
    ("bad-reach", "bad-reach.toml: far-reach: reach: must be an integer from 1 to 2000, or [before, after]"),
    ("unknown-context", "unknown-context.toml: phone-like: adjust[0].use: no [contexts.near-lable] table"),
])
def test_broken_pattern_files_name_file_rule_and_field(name: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        Scanner([DATA / "broken" / f"{name}.toml"])
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("bad", ["good-id\n", "good-id\r\n", " good-id"])
def test_an_id_with_a_line_break_is_refused(tmp_path: Path, bad: str) -> None:
    """Ids go into mail headers (X-Leakscan-Findings): a newline there would forge a header."""
    text = (DATA / "broken" / "bad-id.toml").read_text(encoding="utf-8").replace('"Bad_ID"', json.dumps(bad))
    (tmp_path / "ids.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PatternError, match="must be a kebab-case string"):
        Scanner([tmp_path / "ids.toml"])


def test_missing_user_pattern_path_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="no such file or folder"):
        Scanner([tmp_path / "nowhere"])
    with pytest.raises(PatternError, match="holds no"):
        Scanner([tmp_path])


def test_user_pattern_set_adds_rules(tmp_path: Path) -> None:
    scanner = Scanner([DATA / "user"])
    assert scanner.check_examples() == []
    [finding] = scanner.scan_text("本案為青鳥專案之一").findings
    assert finding.rule == "agency-project-codename"


def test_user_rule_with_a_failing_example_is_reported() -> None:
    scanner = Scanner([DATA / "failing"])
    assert scanner.check_examples() == [
        f"{DATA / 'failing' / 'failing-example.toml'}: fails-own-example: examples.match: no match in 'xyz'"
    ]
