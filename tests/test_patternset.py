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


# ── every match of a keyword rule holds a keyword ───────────────────────────────────────────
# A rule with keywords runs its regex only near keyword hits, so a branch of the regex that can
# match without any keyword (請勿轉傳 when 轉傳 was missing) silently never fires.

_EXPAND_LIMIT = 500  # strings a run of literals may expand to before the check gives up on it


def _expand(item: tuple) -> list[str] | None:
    """Every string one parsed regex item matches, when that is a short finite list."""
    from re import _constants as c  # type: ignore[attr-defined]

    op, arg = item
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):  # zero-width: adds no characters to a run
        return [""]
    if op is c.LITERAL:
        return [chr(arg)]
    if op is c.IN:
        chars = [chr(a) for o, a in arg if o is c.LITERAL]
        return chars if len(chars) == len(arg) else None
    if op is c.SUBPATTERN:
        return _expand_seq(list(arg[-1]))
    if op is c.BRANCH:
        out: list[str] = []
        for branch in arg[1]:
            strings = _expand_seq(list(branch))
            if strings is None:
                return None
            out += strings
        return out if len(out) <= _EXPAND_LIMIT else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[1] <= 3:  # x{2}, x?, x{1,3}
        strings = _expand_seq(list(arg[2]))
        if strings is None:
            return None
        out, every = [""], ["" for _ in range(arg[0] == 0)]
        for count in range(1, arg[1] + 1):
            out = [a + b for a in out for b in strings]
            if len(every) + len(out) > _EXPAND_LIMIT:
                return None
            every += out if count >= arg[0] else []
        return every
    return None


def _expand_seq(items: list) -> list[str] | None:
    out = [""]
    for item in items:
        strings = _expand(item)
        if strings is None or len(out) * len(strings) > _EXPAND_LIMIT:
            return None
        out = [a + b for a in out for b in strings]
    return out


def _always_holds_keyword(items: list, keywords: tuple[str, ...]) -> bool:
    """True when every match of this sequence contains one of ``keywords`` (a sufficient test).

    Groups are inlined and alternatives the sequence cannot expand are split into one sequence
    per branch, prefix and suffix included (re factors 底價|底 價 into 底(?:價| 價)); then a run
    of expandable items, the first copies of a repeat, or a lookahead must hold a keyword.
    """
    from re import _constants as c  # type: ignore[attr-defined]

    flat: list = []
    for item in items:
        flat += list(item[1][-1]) if item[0] is c.SUBPATTERN else [item]
    for index, (op, arg) in enumerate(flat):
        if op is c.BRANCH and _expand((op, arg)) is None:
            return all(_always_holds_keyword(flat[:index] + list(branch) + flat[index + 1:], keywords)
                       for branch in arg[1])

    def has_keyword(strings: list[str] | None) -> bool:
        return strings is not None and all(any(k in s for k in keywords) for s in strings)

    run: list = []
    for item in [*flat, None]:  # runs of expandable items, and any item that is covered itself
        if item is not None and item[0] is c.ASSERT and _always_holds_keyword(list(item[1][1]), keywords):
            return True  # a lookahead that needs a keyword
        if item is not None and _expand(item) is not None:
            run.append(item)
            continue
        if run and has_keyword(_expand_seq(run)):
            return True
        if item is None:
            break
        op, arg = item
        repeated = op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1  # the run goes on into x+
        if repeated and (has_keyword(_expand_seq(run + list(arg[2]) * arg[0]))
                         or _always_holds_keyword(list(arg[2]), keywords)):
            return True
        run = []
    return False


def _keywords_are_context(rule) -> bool:
    """The keywords are words a ``require`` context looks for near the match (出生 before a date)."""
    return set(rule.keywords) <= {word for context in rule.require for word in context.words or ()}


@pytest.mark.parametrize("rule", [r for r in BUILTIN if r.keywords and not _keywords_are_context(r)],
                         ids=lambda r: r.id)
def test_every_match_of_a_keyword_rule_holds_one_of_its_keywords(rule) -> None:
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(rule.regex.pattern, rule.regex.flags)
    assert _always_holds_keyword(list(parsed), rule.keywords), \
        f"{rule.id}: a branch of the regex can match without any of {rule.keywords}"


def test_the_keyword_check_finds_a_branch_without_a_keyword() -> None:
    from re import _parser  # type: ignore[attr-defined]

    def holds(regex: str, keywords: tuple[str, ...]) -> bool:
        return _always_holds_keyword(list(_parser.parse(regex)), keywords)

    assert holds("(?:請勿|不得)(?:外流|外傳)", ("外流", "外傳"))
    assert not holds("(?:請勿|不得)(?:外流|外傳|轉傳)", ("外流", "外傳"))
    assert holds("[0-9]+底價[:：]?[0-9]+", ("底價",))
    assert not holds("底價|[0-9]{3}元", ("底價",))
    assert holds("底(?:價|[ \t]+價)", ("底價", "底 ", "底\t"))
    assert not holds("底(?:價|[ \t]+價)", ("底價",))
    assert holds("(?<![A-Za-z])[Pp]ass ?[Ww]ord", ("assword", "ass word", "ass Word", "assWord"))
    assert not holds("(?<![A-Za-z])[Pp]ass ?[Ww]ord", ("assword", "ass word"))
