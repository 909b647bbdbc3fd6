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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .mask import mask
from .model import Finding, Location, Reason, Segment, severity_rank
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
    value_span: tuple[int, int]
    reasons: list[Reason]


class _KeywordIndex:
    """Finds which keywords occur in a text with one regex pass.

    A leftmost alternation cannot report a keyword hidden under an overlapping one (機密 in
    機密等級 hides 密等), so keywords that can be shadowed that way are checked directly when the
    pass did not see them.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        words = sorted(set(keywords), key=lambda w: (-len(w), w))
        self._regex = re.compile("|".join(map(re.escape, words))) if words else None
        self._shadowable = tuple(w for w in words if any(_can_shadow(o, w) for o in words if o != w))

    def present(self, text: str) -> set[str]:
        if self._regex is None:
            return set()
        found = set(self._regex.findall(text))
        found.update(w for w in self._shadowable if w not in found and w in text)
        return found


def _can_shadow(other: str, word: str) -> bool:
    """True if a match of ``other`` can cover the start of an occurrence of ``word``."""
    if word in other:
        return True
    return any(other.endswith(word[:k]) for k in range(1, len(word)))


class _Lines:
    """Line and column of offsets in one text, computed only when a finding needs them."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


class Detector:
    """Compiled rules plus the tokenizer; immutable after construction, safe to share."""

    def __init__(self, rules: Sequence[Rule], tokenizer: ChineseTokenizer) -> None:
        self.rules = tuple(rules)
        self.tokenizer = tokenizer
        self._keywords = _KeywordIndex(k for r in self.rules for k in r.keywords)

    def detect(self, segment: Segment) -> list[Finding]:
        """All findings of all rules in one segment, overlaps within a category resolved."""
        if not segment.text:
            return []
        folded = normalize(segment.text)
        text = folded.text
        part = segment.location.part
        present = self._keywords.present(text)
        boundaries: dict[tuple[int, int], set[int]] = {}
        candidates: list[_Candidate] = []
        for rule in self.rules:
            if rule.parts is not None and part not in rule.parts:
                continue
            if rule.keywords and not any(k in present for k in rule.keywords):
                continue
            for match in _matches(rule, text):
                candidate = self._check(rule, match, text, boundaries)
                if candidate is not None:
                    candidates.append(candidate)
        if not candidates:
            return []
        lines = _Lines(segment.text)
        return [self._finding(c, folded, segment, lines) for c in _resolve_overlaps(candidates)]

    def _check(self, rule: Rule, match: re.Match[str], text: str,
               boundaries: dict[tuple[int, int], set[int]]) -> _Candidate | None:
        start, end = match.span()
        if start == end:
            return None
        if rule.not_preceded_by is not None and start > 0 and rule.not_preceded_by.match(text, start - 1):
            return None
        reasons: list[Reason] = []
        if rule.word is not None:
            word_start, word_end = match.span(rule.word)
            if not self._on_token_boundaries(text, word_start, word_end, boundaries):
                return None
            reasons.append(Reason("term", match.group(rule.word)))
        value_span = match.span(rule.value) if rule.value else (start, end)
        severity = rule.severity
        level = rule.level
        if "level" in rule.regex.groupindex and match.group("level"):
            level = re.sub(r"\s+", "", match.group("level"))
            reasons.append(Reason("level", level))
            if rule.level_severity:
                severity = rule.level_severity[level]
        if rule.validator is not None:
            if VALIDATORS[rule.validator](text[value_span[0]:value_span[1]]):
                reasons.append(Reason("checksum-ok", rule.validator))
            elif rule.invalid_severity is not None:
                severity = rule.invalid_severity
                reasons.append(Reason("checksum-failed", rule.validator))
            else:
                return None
        for context in rule.require:
            detail = _holds(context, text, start, end)
            if detail is None:
                return None
            reasons.append(Reason("context", detail))
        for context in rule.exclude:
            if _holds(context, text, start, end) is not None:
                return None
        for context in rule.adjust:
            detail = _holds(context, text, start, end)
            if detail is not None and context.severity is not None:
                severity = context.severity
                reasons.append(Reason("adjusted", context.note or detail))
                break
        return _Candidate(rule, start, end, severity, level, value_span, reasons)

    def _on_token_boundaries(self, text: str, start: int, end: int,
                             cache: dict[tuple[int, int], set[int]]) -> bool:
        left, right = self.tokenizer.block_span(text, start, end)
        edges = cache.get((left, right))
        if edges is None:
            edges, _ = self.tokenizer.boundaries(text, start, end)
            cache[(left, right)] = edges
        return start in edges and end in edges

    @staticmethod
    def _finding(candidate: _Candidate, folded: NormalizedText, segment: Segment,
                 lines: _Lines) -> Finding:
        original = folded.original
        start, end = folded.span_to_original(candidate.start, candidate.end)
        value_start, value_end = folded.span_to_original(*candidate.value_span)
        line, column = lines.at(start)
        rule = candidate.rule
        masked = (original[start:value_start]
                  + mask(original[value_start:value_end], rule.mask)
                  + original[value_end:end])
        location: Location = segment.location.at(line, column)
        return Finding(
            rule=rule.id,
            category=rule.category,
            severity=candidate.severity,
            level=candidate.level,
            location=location,
            masked=_one_line(masked) if "\n" in masked else masked,
            reasons=tuple(candidate.reasons),
            value=original[value_start:value_end],
        )


def _matches(rule: Rule, text: str) -> Iterator[re.Match[str]]:
    """The rule's regex over the whole text, or only within ``reach`` of its keywords."""
    if rule.reach is None:
        yield from rule.regex.finditer(text)
        return
    windows: list[tuple[int, int]] = []
    for keyword in rule.keywords:
        position = text.find(keyword)
        while position >= 0:
            windows.append((max(0, position - rule.reach), position + len(keyword) + rule.reach))
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


def _holds(context: Context, text: str, start: int, end: int) -> str | None:
    """The context word (or note) that makes ``context`` hold around ``text[start:end]``."""
    if context.before is not None or context.after is not None:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if context.before is not None and not context.before.search(text, line_start, start):
            return None
        if context.after is not None and not context.after.match(text, end, line_end):
            return None
    if not context.words:
        return context.note or "pattern"
    regions = []
    if context.side in ("before", "both"):
        regions.append(text[max(0, start - context.window):start])
    if context.side in ("after", "both"):
        regions.append(text[end:end + context.window])
    for region in regions:
        for word in context.words:
            if word in region:
                return word
    return None


def _resolve_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Within a category, an overlapped candidate of lower (or equal, shorter) rank is dropped.

    So 底價 with an amount (high) hides the bare 底價 mention (low) at the same place, while a
    roster keeps one finding per identifier.
    """
    def rank(c: _Candidate) -> tuple[int, int, int]:
        return (severity_rank(c.severity), c.end - c.start, -c.start)

    kept: list[_Candidate] = []
    by_category: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
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
    kept.sort(key=lambda c: (c.start, c.end, c.rule.id))
    return kept
