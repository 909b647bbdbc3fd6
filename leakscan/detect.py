"""Segments in, findings out: prefilter → regex candidates → checks → findings.

Per segment the text is folded once (``normalize``).  A keyword scan decides which rules can
match at all (gitleaks-style: a rule with keywords runs only where one occurs), then each rule's
regex proposes candidates, and small checks drop or grade them: jieba token boundaries for terms
that hide inside other words (到底價值 is not 底價), checksums, required and excluding context
words within a window of characters, and severity adjustments.  Only the jieba blocks around
candidates that need a token check are segmented, never the whole document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter

from . import userregex
from .errors import RuleTimeoutError
from .mask import mask
from .model import LEVELS, PARTS, SEVERITY_RANK, Finding, Reason, Segment
from .normalize import NormalizedText, normalize
from .patternset import Context, Rule
from .tokenize import ChineseTokenizer
from .validators import VALIDATORS


@dataclass(slots=True)
class _Candidate:
    rule: Rule
    start: int
    end: int
    severity: str
    level: str | None
    value_start: int
    value_end: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a rule needs per candidate, worked out once when the detector is built."""

    rule: Rule
    keywords: frozenset[str]
    value_group: int  # 0: the whole match
    word_group: int  # 0: no token check
    level_group: int  # 0: the regex has no ``level`` group
    validator: Callable[[str], bool] | None
    checksum_ok: Reason | None
    checksum_failed: Reason | None
    adjusted: tuple[Reason | None, ...]  # per ``adjust`` context: its reason when it has a note
    plain: bool  # no check at all: every non-empty match is a finding as it stands

    @classmethod
    def of(cls, rule: Rule) -> _Plan:
        groups = rule.regex.groupindex
        plain = not (rule.not_preceded_by or rule.word or "level" in groups or rule.validator
                     or rule.require or rule.exclude or rule.adjust)
        return cls(
            rule=rule,
            keywords=frozenset(rule.keywords),
            value_group=groups[rule.value] if rule.value else 0,
            word_group=groups[rule.word] if rule.word else 0,
            level_group=groups.get("level", 0),
            validator=VALIDATORS[rule.validator] if rule.validator else None,
            checksum_ok=Reason("checksum-ok", rule.validator) if rule.validator else None,
            checksum_failed=Reason("checksum-failed", rule.validator) if rule.validator else None,
            adjusted=tuple(Reason("adjusted", c.note) if c.note else None for c in rule.adjust),
            plain=plain,
        )


class _KeywordIndex:
    """Finds which keywords occur in a text with one regex pass.

    A leftmost alternation cannot report a keyword hidden under an overlapping one (機密 in
    機密等級 hides 密等), so a keyword that can be shadowed that way is checked directly when the
    pass did not see it but did see a keyword that can shadow it.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        words = sorted(set(keywords), key=lambda w: (-len(w), w))
        self._regex = re.compile("|".join(map(re.escape, words))) if words else None
        shadows = ((w, frozenset(o for o in words if o != w and _can_shadow(o, w))) for w in words)
        self._shadowable = tuple((w, others) for w, others in shadows if others)

    def present(self, text: str) -> set[str]:
        if self._regex is None:
            return set()
        found = set(self._regex.findall(text))
        if found:
            found.update([w for w, others in self._shadowable
                          if w not in found and not others.isdisjoint(found) and w in text])
        return found


def _can_shadow(other: str, word: str) -> bool:
    """True if a match of ``other`` can cover the start of an occurrence of ``word``."""
    if word in other:
        return True
    return any(other.endswith(word[:k]) for k in range(1, len(word)))


class Detector:
    """Compiled rules plus the tokenizer; immutable after construction, safe to share."""

    def __init__(self, rules: Sequence[Rule], tokenizer: ChineseTokenizer) -> None:
        self.rules = tuple(rules)
        self.tokenizer = tokenizer
        self._keywords = _KeywordIndex(k for r in self.rules for k in r.keywords)
        plans = tuple(_Plan.of(rule) for rule in self.rules)
        # The rules that may run in each part of a document, in rule order.
        self._plans_by_part = {
            part: tuple(p for p in plans if p.rule.parts is None or part in p.rule.parts)
            for part in PARTS
        }
        self._levels = {level: Reason("level", level) for level in LEVELS}
        self._bounded = not all(rule.trusted for rule in self.rules)

    def detect(self, segment: Segment, *, deadline: float | None = None,
               timed_out: list[str] | None = None) -> list[Finding]:
        """All findings of all rules in one segment, overlaps within a category resolved.

        Rules from users' pattern sets stop at ``deadline`` (``time.monotonic()``); the ids of
        those that did are appended to ``timed_out``, or raised as ``RuleTimeoutError`` when no
        list is given.  Findings of the other rules are kept either way.
        """
        if not segment.text:
            return []
        if not self._bounded:
            return self._detect(segment, timed_out)
        with userregex.deadline(deadline):
            return self._detect(segment, timed_out)

    def _detect(self, segment: Segment, timed_out: list[str] | None) -> list[Finding]:
        folded = normalize(segment.text)
        text = folded.text
        part = segment.location.part
        plans = self._plans_by_part.get(part)
        if plans is None:
            plans = tuple(_Plan.of(r) for r in self.rules if r.parts is None or part in r.parts)
        present = self._keywords.present(text)
        boundaries: dict[tuple[int, int], set[int]] = {}
        candidates: list[_Candidate] = []
        append = candidates.append
        for plan in plans:
            if plan.keywords and plan.keywords.isdisjoint(present):
                continue
            rule = plan.rule
            try:
                if plan.plain:
                    group = plan.value_group
                    severity, level = rule.severity, rule.level
                    for match in _matches(rule, text):
                        start, end = match.span()
                        if start == end:
                            continue
                        value_start, value_end = match.span(group)
                        append(_Candidate(rule, start, end, severity, level, value_start, value_end, ()))
                    continue
                for match in _matches(rule, text):
                    candidate = self._check(plan, match, text, boundaries, part)
                    if candidate is not None:
                        append(candidate)
            except userregex.RegexTimeout:
                if timed_out is None:
                    raise RuleTimeoutError(rule.id) from None
                timed_out.append(rule.id)
        if not candidates:
            return []
        return _findings(_resolve_overlaps(candidates), folded, segment)

    def _check(self, plan: _Plan, match: re.Match[str], text: str,
               boundaries: dict[tuple[int, int], set[int]], part: str) -> _Candidate | None:
        start, end = match.span()
        if start == end:
            return None
        rule = plan.rule
        if rule.not_preceded_by is not None and start > 0 and rule.not_preceded_by.match(text, start - 1):
            return None
        reasons: list[Reason] = []
        if plan.word_group:
            word_start, word_end = match.span(plan.word_group)
            if not self._on_token_boundaries(text, word_start, word_end, boundaries):
                return None
            reasons.append(Reason("term", text[word_start:word_end]))
        value_start, value_end = match.span(plan.value_group)
        severity = rule.severity
        level = rule.level
        if plan.level_group:
            found = match.group(plan.level_group)
            if found:
                level = "".join(found.split())
                reasons.append(self._levels.get(level) or Reason("level", level))
                if rule.level_severity:
                    severity = rule.level_severity[level]
        if plan.validator is not None:
            if plan.validator(text[value_start:value_end]):
                reasons.append(plan.checksum_ok)
            elif rule.invalid_severity is not None:
                severity = rule.invalid_severity
                reasons.append(plan.checksum_failed)
            else:
                return None
        for context in rule.require:
            detail = _holds(context, text, start, end, part)
            if detail is None:
                return None
            reasons.append(Reason("context", detail))
        for context in rule.exclude:
            if _holds(context, text, start, end, part) is not None:
                return None
        for context, reason in zip(rule.adjust, plan.adjusted, strict=True):
            detail = _holds(context, text, start, end, part)
            if detail is not None and context.severity is not None:
                severity = context.severity
                reasons.append(reason or Reason("adjusted", detail))
                break
        return _Candidate(rule, start, end, severity, level, value_start, value_end, tuple(reasons))

    def _on_token_boundaries(self, text: str, start: int, end: int,
                             cache: dict[tuple[int, int], set[int]]) -> bool:
        block = self.tokenizer.block_span(text, start, end)
        edges = cache.get(block)
        if edges is None:
            edges = cache[block] = self.tokenizer.boundaries(text, *block)
        return start in edges and end in edges


def _findings(candidates: list[_Candidate], folded: NormalizedText, segment: Segment) -> list[Finding]:
    """Findings of kept candidates (sorted by start), pointing at and masking the original text."""
    original = folded.original
    to_original = folded.span_to_original
    mapped = bool(folded.breaks)
    location = segment.location
    line, counted, line_start = 1, 0, 0  # line of offset ``counted``; ``line_start`` its start
    out: list[Finding] = []
    for candidate in candidates:
        start, end = candidate.start, candidate.end
        value_start, value_end = candidate.value_start, candidate.value_end
        if mapped:
            start, end = to_original(start, end)
            value_start, value_end = to_original(value_start, value_end)
        newlines = original.count("\n", counted, start)
        if newlines:
            line += newlines
            line_start = original.rfind("\n", counted, start) + 1
        counted = start
        rule = candidate.rule
        value = original[value_start:value_end]
        masked = original[start:value_start] + mask(value, rule.mask) + original[value_end:end]
        out.append(Finding(
            rule.id,
            rule.category,
            candidate.severity,
            candidate.level,
            location.at(line, start - line_start + 1),
            _one_line(masked) if "\n" in masked else masked,
            candidate.reasons,
            value,
        ))
    return out


def _matches(rule: Rule, text: str) -> Iterable[re.Match[str]]:
    """The rule's regex over the whole text, or only within ``reach`` of its keywords."""
    if rule.reach is None:
        return rule.regex.finditer(text)
    return _windowed(rule, text)


def _windowed(rule: Rule, text: str) -> Iterator[re.Match[str]]:
    assert rule.reach is not None
    before, after = rule.reach
    windows: list[tuple[int, int]] = []
    for keyword in rule.keywords:
        position = text.find(keyword)
        while position >= 0:
            windows.append((max(0, position - before), position + len(keyword) + after))
            position = text.find(keyword, position + 1)
    windows.sort()
    seen_end = -1
    merged: list[list[int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        for match in rule.regex.finditer(text, start, end):
            if match.start() >= seen_end:
                seen_end = match.end()
                yield match


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def _holds(context: Context, text: str, start: int, end: int, part: str) -> str | None:
    """The context word (or note) that makes ``context`` hold around ``text[start:end]``."""
    if context.parts is not None and part not in context.parts:
        return None
    if context.before is not None:
        line_start = text.rfind("\n", 0, start) + 1
        if not context.before.search(text, line_start, start):
            return None
    if context.after is not None:
        line_end = text.find("\n", end)
        if not context.after.match(text, end, len(text) if line_end < 0 else line_end):
            return None
    if not context.words:
        return context.note or "pattern"
    window = context.window
    if context.side != "after":
        region = text[max(0, start - window):start]
        for word in context.words:
            if word in region:
                return word
    if context.side != "before":
        region = text[end:end + window]
        for word in context.words:
            if word in region:
                return word
    return None


def _resolve_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Within a category, an overlapped candidate of lower (or equal, shorter) rank is dropped.

    So 底價 with an amount (high) hides the bare 底價 mention (low) at the same place, while a
    roster keeps one finding per identifier.  Categories without any overlap (most of them) keep
    every candidate as it is.
    """
    order = attrgetter("start", "end")  # stable: equal spans stay in rule order
    ordered = sorted(candidates, key=order)
    reach: dict[str, int] = {}  # per category, the furthest end so far
    overlapping: set[str] = set()
    for candidate in ordered:
        category = candidate.rule.category
        if candidate.start < reach.get(category, -1):
            overlapping.add(category)
        if candidate.end > reach.get(category, -1):
            reach[category] = candidate.end
    if not overlapping:
        return ordered

    def rank(c: _Candidate) -> tuple[int, int, int]:
        return (SEVERITY_RANK[c.severity], c.end - c.start, -c.start)

    kept: list[_Candidate] = [c for c in candidates if c.rule.category not in overlapping]
    by_category: dict[str, list[_Candidate]] = {}
    for candidate in candidates:  # in rule order: among equal ranks the first rule wins
        if candidate.rule.category in overlapping:
            by_category.setdefault(candidate.rule.category, []).append(candidate)
    for group in by_category.values():
        starts: list[int] = []  # chosen spans never overlap, so ends are sorted like starts
        ends: list[int] = []
        for candidate in sorted(group, key=rank, reverse=True):
            index = bisect_right(starts, candidate.start)
            if index > 0 and ends[index - 1] > candidate.start:
                continue
            if index < len(starts) and starts[index] < candidate.end:
                continue
            starts.insert(index, candidate.start)
            ends.insert(index, candidate.end)
            kept.append(candidate)
    kept.sort(key=order)
    return kept
