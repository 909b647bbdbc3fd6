"""Pattern sets: TOML data files, validated when loaded, compiled into ``Rule`` objects.

TOML is read with the standard library (``tomllib``), needs no dependency, keeps regexes readable
in literal strings (``'''…'''``) and allows comments.  Every problem is reported as
``file: rule-id: field: problem`` so a broken file can be fixed without guessing; unknown keys are
errors too, because a misspelt key would otherwise silently switch a check off.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import regex as user_regex

from .errors import PatternError
from .model import CATEGORIES, LEVELS, PARTS, SEVERITIES
from .userregex import UserPattern
from .validators import VALIDATORS

# A compiled regex: ``re`` for the built-in sets, time-bounded ``UserPattern`` for users' sets.
Pattern = re.Pattern[str] | UserPattern

# Stable kebab-case ids of rules and policy entries; matched whole (``$`` would let "id\n" pass
# into a mail header).
STABLE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MASKS = ("ends", "all", "digits", "none")
SIDES = ("before", "after", "both")


@dataclass(frozen=True, slots=True)
class Context:
    """A condition on the text around a match; every field that is set must hold.

    ``words``: one of them occurs within ``window`` characters on ``side``.
    ``before``: a regex that matches the same-line text just before the match, ending at it.
    ``after``: a regex that matches the same-line text just after the match, from its start.
    ``parts``: the segment is one of these parts of the document (e-mail headers, metadata …).
    """

    words: tuple[str, ...] = ()
    window: int = 20
    side: str = "both"
    before: Pattern | None = None
    after: Pattern | None = None
    severity: str | None = None
    note: str = ""
    parts: frozenset[str] | None = None  # only in segments of these parts


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    severity: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled detection rule; see README 'Writing a pattern set' for the fields."""

    id: str
    file: str
    category: str
    severity: str
    name_zh: str
    name_en: str
    regex: Pattern
    keywords: tuple[str, ...] = ()
    parts: frozenset[str] | None = None
    validator: str | None = None
    invalid_severity: str | None = None
    word: str | None = None
    value: str | None = None
    not_preceded_by: Pattern | None = None
    reach: tuple[int, int] | None = None  # characters before and after a keyword
    mask: str = "ends"
    level: str | None = None
    level_severity: Mapping[str, str] | None = None
    require: tuple[Context, ...] = ()
    exclude: tuple[Context, ...] = ()
    adjust: tuple[Context, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    match_examples: tuple[Example, ...] = ()
    no_match_examples: tuple[str, ...] = ()
    trusted: bool = True  # built-in: plain ``re``; a user's set: time-bounded regexes

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True, slots=True)
class PatternSet:
    name: str
    file: str
    rules: tuple[Rule, ...]
    digest: str = ""  # SHA-256 of the file's bytes as compiled (what a result cache depends on)


RULE_KEYS = {
    "id", "category", "severity", "name", "description", "keywords", "regex", "ignore_case",
    "multiline", "parts", "validator", "invalid_severity", "word", "value", "mask", "level",
    "level_severity", "require", "exclude", "adjust", "examples", "not_preceded_by", "reach",
}
CONTEXT_KEYS = {"words", "window", "side", "before", "after", "parts", "severity", "note"}


class _Checker:
    """Reads one file's rules, raising PatternError with file, rule and field on any problem."""

    def __init__(self, file: str, *, trusted: bool) -> None:
        self.file = file
        self.trusted = trusted
        self.shared: Mapping[str, Any] = {}  # the set's [contexts.NAME] tables, for ``use = "NAME"``
        self.rule_id: str | None = None

    def fail(self, field: str | None, problem: str) -> PatternError:
        return PatternError(self.file, self.rule_id, field, problem)

    def text(self, table: Mapping[str, Any], key: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, "must be a non-empty string")
        return value

    def choice(self, table: Mapping[str, Any], key: str, allowed: Iterable[str],
               default: str | None = None) -> str | None:
        value = table.get(key, default)
        allowed = tuple(allowed)
        if value is None:
            return None
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def strings(self, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(value)

    def regex(self, source: Any, field: str, flags: int = 0) -> Pattern:
        if not isinstance(source, str) or not source:
            raise self.fail(field, "must be a non-empty string")
        try:
            return re.compile(source, flags) if self.trusted else UserPattern(source, flags)
        except (re.error, user_regex.error) as exc:
            raise self.fail(field, str(exc)) from None

    def localized(self, table: Mapping[str, Any], key: str, *, required: bool) -> tuple[str, str]:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing (a table with zh and en)")
            return "", ""
        if (not isinstance(value, dict) or set(value) - {"zh", "en"}
                or not all(isinstance(value.get(k), str) and value.get(k) for k in ("zh", "en"))):
            raise self.fail(key, "must be a table with non-empty zh and en strings")
        return value["zh"], value["en"]

    def shared_context(self, entry: Mapping[str, Any], field: str) -> Mapping[str, Any]:
        """``entry`` with the set's ``[contexts.NAME]`` it names by ``use`` filled in (its own
        keys win), so one context serves many rules without copies drifting apart."""
        if "use" not in entry:
            return entry
        name = entry["use"]
        shared = self.shared.get(name) if isinstance(name, str) else None
        if not isinstance(shared, dict):
            raise self.fail(f"{field}.use", f"no [contexts.{name}] table in this file")
        return {**shared, **{k: v for k, v in entry.items() if k != "use"}}

    def contexts(self, table: Mapping[str, Any], key: str, *, with_severity: bool) -> tuple[Context, ...]:
        entries = table.get(key, [])
        if not isinstance(entries, list):
            raise self.fail(key, "must be an array of tables")
        out = []
        for index, entry in enumerate(entries):
            field = f"{key}[{index}]"
            if not isinstance(entry, dict):
                raise self.fail(field, "must be a table")
            entry = self.shared_context(entry, field)
            unknown = set(entry) - CONTEXT_KEYS
            if unknown:
                raise self.fail(field, f"unknown key {sorted(unknown)[0]!r}")
            words = tuple(fold(w) for w in self.strings(entry, "words"))
            window = entry.get("window", 20)
            if not isinstance(window, int) or isinstance(window, bool) or not 0 < window <= 2000:
                raise self.fail(f"{field}.window", "must be an integer from 1 to 2000")
            before = entry.get("before")
            after = entry.get("after")
            parts = None
            if "parts" in entry:
                parts = frozenset(self.strings(entry, "parts"))
                bad = sorted(parts - set(PARTS))
                if bad:
                    raise self.fail(f"{field}.parts", f"unknown part {bad[0]!r}")
            if not words and before is None and after is None and parts is None:
                raise self.fail(field, "needs words, before, after or parts")
            severity = None
            if with_severity:
                severity = self.choice(entry, "severity", SEVERITIES)
                if severity is None:
                    raise self.fail(f"{field}.severity", "missing")
            elif "severity" in entry:
                raise self.fail(f"{field}.severity", f"not allowed in {key}")
            out.append(Context(
                words=words,
                window=window,
                side=self.choice(entry, "side", SIDES, "both") or "both",
                before=None if before is None else self.regex(f"(?:{before})\\Z", f"{field}.before"),
                after=None if after is None else self.regex(f"(?:{after})", f"{field}.after"),
                severity=severity,
                note=self.text(entry, "note", required=False),
                parts=parts,
            ))
        return tuple(out)

    def examples(self, table: Mapping[str, Any]) -> tuple[tuple[Example, ...], tuple[str, ...]]:
        value = table.get("examples")
        if not isinstance(value, dict):
            raise self.fail("examples", "missing (a table with match and no_match lists)")
        unknown = set(value) - {"match", "no_match"}
        if unknown:
            raise self.fail("examples", f"unknown key {sorted(unknown)[0]!r}")
        matches = []
        for index, entry in enumerate(value.get("match", [])):
            if isinstance(entry, str) and entry:
                matches.append(Example(entry))
            elif isinstance(entry, dict) and isinstance(entry.get("text"), str) and entry["text"]:
                extra = set(entry) - {"text", "severity", "level"}
                if extra:
                    raise self.fail(f"examples.match[{index}]", f"unknown key {sorted(extra)[0]!r}")
                matches.append(Example(
                    entry["text"],
                    self.choice(entry, "severity", SEVERITIES),
                    self.choice(entry, "level", LEVELS),
                ))
            else:
                raise self.fail(f"examples.match[{index}]", "must be a string or {text = …}")
        if not matches:
            raise self.fail("examples.match", "needs at least one example")
        no_match = self.strings(value, "no_match")
        return tuple(matches), no_match

    def rule(self, table: Any, index: int) -> Rule:
        self.rule_id = None
        if not isinstance(table, dict):
            raise self.fail(f"rules[{index}]", "must be a table")
        rule_id = table.get("id")
        if not isinstance(rule_id, str) or not STABLE_ID.fullmatch(rule_id):
            raise self.fail(f"rules[{index}].id", "must be a kebab-case string like 'tw-national-id'")
        self.rule_id = rule_id
        unknown = set(table) - RULE_KEYS
        if unknown:
            raise self.fail(sorted(unknown)[0], "unknown key")
        flags = 0
        for key, flag in (("ignore_case", re.IGNORECASE), ("multiline", re.MULTILINE)):
            if not isinstance(table.get(key, False), bool):
                raise self.fail(key, "must be true or false")
            if table.get(key):
                flags |= flag
        regex = self.regex(table.get("regex"), "regex", flags)
        groups = set(regex.groupindex)
        for key in ("word", "value"):
            group = table.get(key)
            if group is not None and group not in groups:
                raise self.fail(key, f"regex has no group named {group!r}")
        validator = table.get("validator")
        if validator is not None and validator not in VALIDATORS:
            raise self.fail("validator", f"unknown validator {validator!r}; known: {', '.join(VALIDATORS)}")
        level = self.choice(table, "level", LEVELS)
        level_severity = table.get("level_severity")
        if level_severity is not None:
            if "level" not in groups:
                raise self.fail("level_severity", "needs a regex group named 'level'")
            if not isinstance(level_severity, dict) or set(level_severity) != set(LEVELS) or not all(
                    v in SEVERITIES for v in level_severity.values()):
                raise self.fail("level_severity", "must map each of 密, 機密, 極機密, 絕對機密 to a severity")
        parts = table.get("parts")
        if parts is not None:
            parts_list = self.strings(table, "parts")
            bad = [p for p in parts_list if p not in PARTS]
            if bad:
                raise self.fail("parts", f"unknown part {bad[0]!r}")
            parts = frozenset(parts_list)
        not_preceded_by = table.get("not_preceded_by")
        if not_preceded_by is not None:
            not_preceded_by = self.regex(f"[{not_preceded_by}]", "not_preceded_by")
        reach = table.get("reach")
        if reach is not None:
            if isinstance(reach, int) and not isinstance(reach, bool):
                reach = [reach, reach]
            if (not isinstance(reach, list) or len(reach) != 2
                    or not all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= 2000
                               for r in reach) or not any(reach)):
                raise self.fail("reach", "must be an integer from 1 to 2000, or [before, after]")
            reach = (reach[0], reach[1])
            if not table.get("keywords"):
                raise self.fail("reach", "needs keywords to reach from")
        name_zh, name_en = self.localized(table, "name", required=True)
        description_zh, description_en = self.localized(table, "description", required=False)
        matches, no_match = self.examples(table)
        category = self.choice(table, "category", CATEGORIES)
        severity = self.choice(table, "severity", SEVERITIES)
        if category is None:
            raise self.fail("category", "missing")
        if severity is None:
            raise self.fail("severity", "missing")
        return Rule(
            id=rule_id,
            file=self.file,
            category=category,
            severity=severity,
            name_zh=name_zh,
            name_en=name_en,
            regex=regex,
            keywords=tuple(fold(k) for k in self.strings(table, "keywords")),
            parts=parts,
            validator=validator,
            invalid_severity=self.choice(table, "invalid_severity", SEVERITIES),
            word=table.get("word"),
            value=table.get("value"),
            not_preceded_by=not_preceded_by,
            reach=reach,
            mask=self.choice(table, "mask", MASKS, "ends") or "ends",
            level=level,
            level_severity=dict(level_severity) if level_severity else None,
            require=self.contexts(table, "require", with_severity=False),
            exclude=self.contexts(table, "exclude", with_severity=False),
            adjust=self.contexts(table, "adjust", with_severity=True),
            description_zh=description_zh,
            description_en=description_en,
            match_examples=matches,
            no_match_examples=no_match,
            trusted=self.trusted,
        )


def fold(text: str) -> str:
    """Keywords and context words are compared with folded (NFKC) text."""
    return unicodedata.normalize("NFKC", text)


def parse_pattern_set(data: bytes, file: str, *, trusted: bool = False) -> PatternSet:
    """Validate and compile one pattern-set file's content; ``file`` is used in messages.

    Only the built-in sets are ``trusted``; any other set's regexes run with a time limit.
    """
    checker = _Checker(file, trusted=trusted)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise checker.fail(None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise checker.fail(None, f"not valid TOML: {exc}") from None
    unknown = set(document) - {"set", "rules", "contexts"}
    if unknown:
        raise checker.fail(sorted(unknown)[0], "unknown top-level key")
    shared = document.get("contexts", {})
    if not isinstance(shared, dict):
        raise checker.fail("contexts", "must be a table of named context tables")
    checker.shared = shared
    header = document.get("set")
    if not isinstance(header, dict) or not isinstance(header.get("name"), str):
        raise checker.fail("set.name", "missing")
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules:
        raise checker.fail("rules", "missing (at least one [[rules]] table)")
    compiled = tuple(checker.rule(table, index) for index, table in enumerate(rules))
    return PatternSet(name=header["name"], file=file, rules=compiled, digest=hashlib.sha256(data).hexdigest())


def _files_in(folder: Traversable, shown: str) -> list[tuple[str, bytes]]:
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".toml") and e.is_file()),
                     key=lambda e: e.name)
    return [(f"{shown}/{e.name}", e.read_bytes()) for e in entries]


def builtin_files() -> list[tuple[str, bytes]]:
    """The pattern sets shipped inside the package (``patterns/`` in the source tree)."""
    return _files_in(resources.files("leakscan.patterns"), "patterns")


def builtin_rule_ids() -> frozenset[str]:
    """The ids of the built-in rules, read without compiling them (a policy may name them)."""
    return frozenset(rule["id"] for _, data in builtin_files()
                     for rule in tomllib.loads(data.decode("utf-8")).get("rules", ()))


def user_files(path: str | Path) -> list[tuple[str, bytes]]:
    """Pattern sets in a user's folder (or one file); a missing path is an error, not a no-op."""
    target = Path(path)
    if target.is_file():
        return [(str(target), target.read_bytes())]
    if not target.is_dir():
        raise PatternError(str(target), None, None, "no such file or folder")
    files = [(str(p), p.read_bytes()) for p in sorted(target.glob("*.toml")) if p.is_file()]
    if not files:
        raise PatternError(str(target), None, None, "folder holds no *.toml pattern set")
    return files


def load_pattern_sets(extra: Iterable[str | Path] = (), *, builtin: bool = True) -> tuple[PatternSet, ...]:
    """Built-in sets (unless ``builtin`` is false) followed by the user's, with unique rule ids."""
    sets = [parse_pattern_set(data, name, trusted=True) for name, data in builtin_files()] if builtin else []
    for path in extra:
        sets.extend(parse_pattern_set(data, name) for name, data in user_files(path))
    seen: dict[str, str] = {}
    for pattern_set in sets:
        for rule in pattern_set.rules:
            if rule.id in seen:
                raise PatternError(pattern_set.file, rule.id, "id", f"already defined in {seen[rule.id]}")
            seen[rule.id] = pattern_set.file
    if not seen:
        raise PatternError("<patterns>", None, None, "no rules loaded")
    return tuple(sets)
