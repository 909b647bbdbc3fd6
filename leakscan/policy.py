"""Findings and an action → a decision, with the handling rules and liabilities that apply.

Three data files under ``patterns/handling/`` drive it, all validated when loaded:
``policy.toml`` (which verdict a finding gets for an action: first matching entry wins, the file
takes its strictest verdict), ``rules.toml`` (what to do before the action, each rule with its
source in the guidance or the law) and ``liability.toml`` (what a leak would breach).  An agency
replaces ``policy.toml`` with ``--policy FILE``; the handling rules and liabilities stay.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import PolicyError
from .model import (
    ACTIONS,
    CATEGORIES,
    LEVELS,
    SEVERITIES,
    SEVERITY_RANK,
    VERDICTS,
    Decision,
    Finding,
    HandlingRule,
    Reason,
)
from .patternset import STABLE_ID

ALL_ACTIONS = "all"
_LOW = SEVERITY_RANK["low"]
_MEDIUM = SEVERITY_RANK["medium"]
_MEMO_LIMIT = 4096  # entries per memo of a policy (far more kinds of findings than the rules make)


@dataclass(frozen=True, slots=True)
class Condition:
    """Which findings an entry is about; every filter that is set must hold."""

    categories: frozenset[str] | None = None
    rules: frozenset[str] | None = None
    levels: frozenset[str] | None = None
    min_severity: str = "low"
    roster: bool | None = None

    def matches(self, finding: Finding, is_roster: bool) -> bool:
        return ((self.categories is None or finding.category in self.categories)
                and (self.rules is None or finding.rule in self.rules)
                and (self.levels is None or finding.level in self.levels)
                and SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[self.min_severity]
                and (self.roster is None or self.roster == is_roster))


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    id: str
    actions: frozenset[str]
    condition: Condition
    verdict: str
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True, slots=True)
class HandlingEntry:
    """A handling rule or a liability, with the actions and findings it applies to."""

    rule: HandlingRule
    actions: frozenset[str]
    condition: Condition


class _Reader:
    """Field checks with messages of the form ``file: entry-id: field: problem``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.entry: str | None = None

    def fail(self, field: str | None, problem: str) -> PolicyError:
        return PolicyError(self.file, self.entry, field, problem)

    def load(self, data: bytes, schema: str) -> dict[str, Any]:
        try:
            document = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise self.fail(None, f"not valid TOML: {exc}") from None
        if document.get("schema") != schema:
            raise self.fail("schema", f"must be {schema!r}")
        return document

    def start(self, table: Any, index: int, keys: Collection[str], kind: str) -> Mapping[str, Any]:
        self.entry = None
        if not isinstance(table, dict):
            raise self.fail(f"{kind}[{index}]", "must be a table")
        entry_id = table.get("id")
        if not isinstance(entry_id, str) or not STABLE_ID.fullmatch(entry_id):
            raise self.fail(f"{kind}[{index}].id", "must be a kebab-case string")
        self.entry = entry_id
        unknown = set(table) - set(keys)
        if unknown:
            raise self.fail(sorted(unknown)[0], "unknown key")
        return table

    def names(self, table: Mapping[str, Any], key: str, allowed: Sequence[str], *,
              required: bool = False) -> frozenset[str] | None:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing")
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a non-empty list of strings")
        if allowed:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise self.fail(key, f"{bad[0]!r} is not one of {', '.join(allowed)}")
        return frozenset(value)

    def actions(self, table: Mapping[str, Any]) -> frozenset[str]:
        actions = table.get("actions")
        if actions == ["*"]:
            return frozenset(ACTIONS)
        result = self.names(table, "actions", ACTIONS, required=True)
        assert result is not None
        return result

    def condition(self, table: Mapping[str, Any]) -> Condition:
        min_severity = table.get("min_severity", "low")
        if min_severity not in SEVERITIES:
            raise self.fail("min_severity", f"{min_severity!r} is not one of {', '.join(SEVERITIES)}")
        roster = table.get("roster")
        if roster is not None and not isinstance(roster, bool):
            raise self.fail("roster", "must be true or false")
        return Condition(
            categories=self.names(table, "categories", CATEGORIES),
            rules=self.names(table, "rules", ()),
            levels=self.names(table, "levels", LEVELS),
            min_severity=min_severity,
            roster=roster,
        )

    def text(self, table: Mapping[str, Any], key: str, *, required: bool = True) -> tuple[str, str]:
        value = table.get(key)
        if value is None and not required:
            return "", ""
        if (not isinstance(value, dict) or set(value) != {"zh", "en"}
                or not all(isinstance(v, str) and v.strip() for v in value.values())):
            raise self.fail(key, "must have non-empty zh and en texts")
        return value["zh"], value["en"]

    def sources(self, table: Mapping[str, Any]) -> tuple[str, ...]:
        value = table.get("source")
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            raise self.fail("source", "must be a non-empty list of citations")
        return tuple(value)


@dataclass(frozen=True, slots=True)
class _Answers:
    """For one kind of finding: the deciding entry per action, and which handling rules and
    liabilities (by index) it makes applicable."""

    entries: Mapping[str, PolicyEntry | None]
    handling: frozenset[int]
    liabilities: frozenset[int]


def parse_policy(data: bytes, file: str) -> tuple[dict[str, Any], tuple[PolicyEntry, ...]]:
    """Settings and decision entries of one policy file."""
    reader = _Reader(file)
    document = reader.load(data, "leakscan-policy/1")
    unknown = set(document) - {"schema", "settings", "decide"}
    if unknown:
        raise reader.fail(sorted(unknown)[0], "unknown top-level key")
    settings = document.get("settings", {})
    if not isinstance(settings, dict) or set(settings) - {"roster_threshold", "roster_rules", "unread"}:
        raise reader.fail("settings", "may hold roster_threshold, roster_rules and unread only")
    threshold = settings.get("roster_threshold", 5)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise reader.fail("settings.roster_threshold", "must be a positive integer")
    roster_rules = reader.names(settings, "roster_rules", ()) or frozenset({"tw-national-id"})
    unread = settings.get("unread", "warn")
    if unread not in VERDICTS:
        raise reader.fail("settings.unread", f"must be one of {', '.join(VERDICTS)}")
    entries = []
    seen: set[str] = set()
    for index, table in enumerate(document.get("decide", [])):
        table = reader.start(table, index, {"id", "actions", "verdict", "note", "categories", "rules",
                                             "levels", "min_severity", "roster"}, "decide")
        if reader.entry in seen:
            raise reader.fail("id", "used twice")
        seen.add(str(reader.entry))
        verdict = table.get("verdict")
        if verdict not in VERDICTS:
            raise reader.fail("verdict", f"must be one of {', '.join(VERDICTS)}")
        note_zh, note_en = reader.text(table, "note", required=False)
        entries.append(PolicyEntry(str(reader.entry), reader.actions(table), reader.condition(table),
                                   verdict, note_zh, note_en))
    if not entries:
        raise reader.fail("decide", "at least one [[decide]] entry is needed")
    return {"roster_threshold": threshold, "roster_rules": roster_rules, "unread": unread}, tuple(entries)


def parse_handling(data: bytes, file: str, *, liability: bool) -> tuple[HandlingEntry, ...]:
    """Handling rules (``rules.toml``) or liabilities (``liability.toml``)."""
    reader = _Reader(file)
    kind = "liability" if liability else "rule"
    document = reader.load(data, f"leakscan-{'liability' if liability else 'handling'}/1")
    entries = []
    seen: set[str] = set()
    keys = ({"id", "categories", "levels", "law", "text", "guidance_cites"} if liability
            else {"id", "actions", "categories", "rules", "levels", "min_severity", "roster", "text",
                  "source"})
    for index, table in enumerate(document.get(kind, [])):
        table = reader.start(table, index, keys, kind)
        if reader.entry in seen:
            raise reader.fail("id", "used twice")
        seen.add(str(reader.entry))
        text_zh, text_en = reader.text(table, "text")
        if liability:
            law = table.get("law")
            if not isinstance(law, str) or not law.strip():
                raise reader.fail("law", "missing")
            note = table.get("guidance_cites", "")
            if not isinstance(note, str):
                raise reader.fail("guidance_cites", "must be a string")
            rule = HandlingRule(str(reader.entry), text_zh, text_en, (law,), note)
            actions = frozenset(ACTIONS)
        else:
            rule = HandlingRule(str(reader.entry), text_zh, text_en, reader.sources(table))
            actions = reader.actions(table)
        entries.append(HandlingEntry(rule, actions, reader.condition(table)))
    if not entries:
        raise reader.fail(kind, "no entries")
    return tuple(entries)


def _builtin(name: str) -> tuple[bytes, str]:
    data = resources.files("leakscan.patterns.handling").joinpath(name).read_bytes()
    return data, _builtin_name(name)


def _builtin_name(name: str) -> str:
    return f"patterns/handling/{name}"


@dataclass(frozen=True)
class Policy:
    """The decision table plus handling rules and liabilities; immutable, safe to share."""

    entries: tuple[PolicyEntry, ...]
    handling: tuple[HandlingEntry, ...]
    liabilities: tuple[HandlingEntry, ...]
    roster_threshold: int = 5
    roster_rules: frozenset[str] = frozenset({"tw-national-id"})
    unread: str = "warn"
    fail_closed: bool = False
    file: str = "patterns/handling/policy.toml"

    @classmethod
    def load(cls, policy_file: str | Path | None = None, *, fail_closed: bool = False) -> Policy:
        """The built-in policy, or the decision table of ``policy_file`` (a missing file is an
        error), with the built-in handling rules and liabilities."""
        if policy_file is None:
            data, shown = _builtin("policy.toml")
        else:
            path = Path(policy_file)
            if not path.is_file():
                raise PolicyError(str(path), None, None, "no such policy file")
            data, shown = path.read_bytes(), str(path)
        settings, entries = parse_policy(data, shown)
        handling = parse_handling(*_builtin("rules.toml"), liability=False)
        liabilities = parse_handling(*_builtin("liability.toml"), liability=True)
        return cls(entries, handling, liabilities, settings["roster_threshold"],
                   settings["roster_rules"], settings["unread"], fail_closed, shown)

    def check_rules(self, known: Collection[str]) -> None:
        """PolicyError for the first rule id no loaded pattern set defines: a typo in ``rules``
        would otherwise switch its entry off without a word."""
        if unknown := sorted(self.roster_rules - set(known)):
            raise PolicyError(self.file, None, "settings.roster_rules", f"unknown rule {unknown[0]!r}")
        named = [(self.file, e.id, e.condition) for e in self.entries]
        named += [(_builtin_name("rules.toml"), e.rule.id, e.condition) for e in self.handling]
        named += [(_builtin_name("liability.toml"), e.rule.id, e.condition) for e in self.liabilities]
        for file, entry_id, condition in named:
            if unknown := sorted((condition.rules or frozenset()) - set(known)):
                raise PolicyError(file, entry_id, "rules", f"unknown rule {unknown[0]!r}")

    def is_roster(self, findings: Iterable[Finding]) -> bool:
        count = sum(1 for f in findings if f.rule in self.roster_rules
                    and SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"])
        return count >= self.roster_threshold

    def verdict_for(self, finding: Finding, action: str, is_roster: bool) -> PolicyEntry | None:
        """The first entry that decides this finding for this action (None: allowed)."""
        for entry in self.entries:
            if action in entry.actions and entry.condition.matches(finding, is_roster):
                return entry
        return None

    def decide(self, findings: Sequence[Finding], status: str, action: str) -> Decision:
        """The decision for one action; ``all`` is not an action here (see ``decide_all``)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        is_roster = self.is_roster(findings)
        # Findings that agree on everything a condition looks at get the same answers, and a
        # roster has thousands of them: decide once per kind of finding.
        kinds = {(f.rule, f.category, f.severity, f.level): f for f in findings}
        # The decision depends on nothing else, and documents of one kind share their kinds of
        # findings (a letterhead's phone, e-mail and address), so most are decided once.
        memo_key = (tuple(kinds), is_roster, status, action)  # in order: it orders the reasons
        decision = self._decisions.get(memo_key)
        if decision is None:
            decision = self._decide(kinds, is_roster, status, action)
            if len(self._decisions) < _MEMO_LIMIT:
                self._decisions[memo_key] = decision
        return decision

    def _decide(self, kinds: Mapping[tuple[str, str, str, str | None], Finding], is_roster: bool,
                status: str, action: str) -> Decision:
        """The decision for one finding of each kind (see ``decide``)."""
        verdict = "allow"
        reasons: list[Reason] = []
        handling: set[int] = set()  # indices into self.handling / self.liabilities
        liability: set[int] = set()
        for key, finding in kinds.items():
            answers = self._answers_for(key, finding, is_roster)
            entry = answers.entries[action]
            if entry is not None and entry.verdict != "allow":
                verdict = max(verdict, entry.verdict, key=VERDICTS.index)
                reason = Reason("policy", entry.id, (entry.note_zh, entry.note_en))
                if reason not in reasons:
                    reasons.append(reason)
            rank = SEVERITY_RANK[finding.severity]
            if rank >= _LOW:
                handling.update(answers.handling)
                if rank >= _MEDIUM:
                    liability.update(answers.liabilities)
        found = verdict
        if status != "scanned":
            unread = "block" if self.fail_closed else self.unread
            verdict = max(verdict, unread, key=VERDICTS.index)
            reasons.append(Reason("not-read", status))
        reasons.sort(key=self._reason_order)
        return Decision(
            action=action,
            verdict=verdict,
            handling=tuple(self.handling[i].rule for i in sorted(handling)
                           if action in self.handling[i].actions),
            liability=tuple(self.liabilities[i].rule for i in sorted(liability)),
            reasons=tuple(reasons),
            found=found,
        )

    def _answers_for(self, key: tuple[str, str, str, str | None], finding: Finding,
                     is_roster: bool) -> _Answers:
        """What every entry says about findings of this kind, worked out once per kind.

        A policy is immutable, so the answers never go stale; the memo is bounded by the
        number of kinds the rules can produce (rules, severities and levels), capped anyway.
        """
        memo = self._answers
        answers = memo.get((key, is_roster))
        if answers is None:
            answers = _Answers(
                entries={action: self.verdict_for(finding, action, is_roster) for action in ACTIONS},
                handling=frozenset(i for i, e in enumerate(self.handling)
                                   if e.condition.matches(finding, is_roster)),
                liabilities=frozenset(i for i, e in enumerate(self.liabilities)
                                      if e.condition.matches(finding, is_roster)),
            )
            if len(memo) < _MEMO_LIMIT:
                memo[key, is_roster] = answers
        return answers

    def decide_all(self, findings: Sequence[Finding], status: str) -> tuple[Decision, ...]:
        return tuple(self.decide(findings, status, action) for action in ACTIONS)

    def _reason_order(self, reason: Reason) -> int:
        """Blocking entries first, then warnings, then the file's read status."""
        entry = self.entry(reason.detail) if reason.code == "policy" else None
        return 2 if entry is None else 0 if entry.verdict == "block" else 1

    def entry(self, entry_id: str) -> PolicyEntry | None:
        return self._entries_by_id.get(entry_id)

    @cached_property
    def _entries_by_id(self) -> dict[str, PolicyEntry]:
        return {e.id: e for e in self.entries}

    @cached_property
    def _answers(self) -> dict[tuple[tuple[str, str, str, str | None], bool], _Answers]:
        return {}

    @cached_property
    def _decisions(self) -> dict[tuple[tuple[tuple[str, str, str, str | None], ...], bool, str, str],
                                 Decision]:
        return {}

    def rules_for(self, action: str | None = None) -> list[HandlingEntry]:
        """Handling rules for one action (or all), for ``leakscan rules``."""
        return [e for e in self.handling if action is None or action in e.actions]

