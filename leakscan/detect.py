"""Segments in, findings out: prefilter → regex candidates → checks → findings.

Per segment the text is folded once (``normalize``).  A keyword scan decides which rules can
match at all (gitleaks-style: a rule with keywords runs only where one occurs), then each rule's
regex proposes candidates, and small checks drop or grade them: jieba token boundaries for terms
that hide inside other words (到底價值 is not 底價), checksums, required and excluding context
words within a window of characters, and severity adjustments.  Only the jieba blocks around
candidates that need a token check are segmented, never the whole document.

Rules without keywords would each cost a full regex pass; those that can share one do
(``merged.MergedPass``), with exactly the matches their own passes would give.  Contexts that many
rules share (檢舉人, a letter's header) have their words found by the keyword scan too, and are
skipped in segments without them.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from operator import attrgetter

from . import userregex
from .errors import RuleTimeoutError
from .mask import mask
from .merged import MergedPass
from .model import LEVELS, PARTS, SEVERITY_RANK, Finding, Reason, Segment, new_finding
from .normalize import NormalizedText, normalize
from .patternset import Context, Rule
from .tokenize import ChineseTokenizer
from .validators import VALIDATORS

# A context, compiled: (text, start, end, part) -> the word or note that makes it hold, or None.
_Test = Callable[[str, int, int, str], "str | None"]
# Contexts that at least this many rules check have their words looked for in the keyword pass,
# so a segment holding none of them skips those contexts for all its candidates.  Such contexts
# (檢舉人, 申請人, a letter's header) are checked for nearly every identifier, phone and address,
# and their words are absent from most segments.  On the benchmark corpus a pass went from 0.497
# to 0.478 s (best of 12); with a threshold of 4 or 5 (fewer contexts) it saved less.
_SCREEN_SHARED_BY = 3


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
    require: tuple[_Test, ...]
    exclude: tuple[_Test, ...]
    adjust: tuple[tuple[_Test, str | None, Reason | None], ...]  # test, severity, reason if noted
    plain: bool  # no check at all: every non-empty match is a finding as it stands
    # Per context of require, exclude and adjust: its words if the keyword pass looks for them
    # (then it cannot hold in a segment that has none of them), else None.
    screens: tuple[tuple[frozenset[str] | None, ...], ...] = ((), (), ())
    screened: frozenset[str] = frozenset()  # all of those words: what ``in_segment`` depends on

    @classmethod
    def of(cls, rule: Rule, screened: frozenset[str] = frozenset()) -> _Plan:
        groups = rule.regex.groupindex

        def screen(context: Context) -> frozenset[str] | None:
            words = frozenset(context.words)
            return words if words and words <= screened else None

        screens = tuple(tuple(map(screen, contexts))
                        for contexts in (rule.require, rule.exclude, rule.adjust))
        return cls(
            rule=rule,
            keywords=frozenset(rule.keywords),
            value_group=groups[rule.value] if rule.value else 0,
            word_group=groups[rule.word] if rule.word else 0,
            level_group=groups.get("level", 0),
            validator=VALIDATORS[rule.validator] if rule.validator else None,
            checksum_ok=Reason("checksum-ok", rule.validator) if rule.validator else None,
            checksum_failed=Reason("checksum-failed", rule.validator) if rule.validator else None,
            require=tuple(map(_context_test, rule.require)),
            exclude=tuple(map(_context_test, rule.exclude)),
            adjust=tuple((_context_test(c), c.severity, Reason("adjusted", c.note) if c.note else None)
                         for c in rule.adjust),
            plain=_checks_nothing(rule, rule.require, rule.exclude, rule.adjust),
            screens=screens,
            screened=frozenset(word for group in screens for words in group if words for word in words),
        )

    def in_segment(self, present: set[str] | frozenset[str]) -> _Plan | None:
        """This plan without the contexts that cannot hold where only ``present`` words occur;
        None if a required one cannot, so the rule can find nothing there."""
        require, exclude, adjust = self.screens
        if not any(words is not None and not words & present for words in (*require, *exclude, *adjust)):
            return self
        if any(words is not None and not words & present for words in require):
            return None
        kept_exclude = tuple(test for test, words in zip(self.exclude, exclude, strict=True)
                             if words is None or words & present)
        kept_adjust = tuple(entry for entry, words in zip(self.adjust, adjust, strict=True)
                            if words is None or words & present)
        return replace(self, exclude=kept_exclude, adjust=kept_adjust, screens=((), (), ()),
                       screened=frozenset(),
                       plain=_checks_nothing(self.rule, self.require, kept_exclude, kept_adjust))


def _checks_nothing(rule: Rule, require: Sequence[object], exclude: Sequence[object],
                    adjust: Sequence[object]) -> bool:
    """Whether every non-empty match of ``rule`` is a finding as it stands, with these contexts."""
    return not (rule.not_preceded_by or rule.word or "level" in rule.regex.groupindex or rule.validator
                or require or exclude or adjust)


_CHOSEN_LIMIT = 4096  # sets of keywords whose plans a part remembers


@dataclass(frozen=True, slots=True)
class _PartRules:
    """The plans that may run in one part of a document, with what picks and speeds them up."""

    plans: tuple[_Plan, ...]  # in rule order
    always: tuple[int, ...]  # positions of the plans without keywords
    by_keyword: Mapping[str, tuple[int, ...]]  # keyword → positions of the plans it switches on
    merged: MergedPass | None  # one pass for the keyword-less rules that can share it
    merged_rules: tuple[Rule, ...]
    chosen: dict[frozenset[str], tuple[_Plan, ...]] = field(default_factory=dict)  # memo of active()
    # Plans as ``in_segment`` left them, by position and the screened words present: shared by
    # every memo entry, so that remembering a set of keywords costs a tuple, not new plans.
    variants: dict[tuple[int, frozenset[str]], _Plan | None] = field(default_factory=dict)

    @classmethod
    def of(cls, plans: tuple[_Plan, ...],
           passes: dict[tuple[int, ...], tuple[MergedPass | None, tuple[Rule, ...]]] | None) -> _PartRules:
        """Prepare ``plans``; ``passes`` caches merged passes by the rules they serve (None: no
        merged pass, every rule keeps its own)."""
        by_keyword: dict[str, list[int]] = {}
        for index, plan in enumerate(plans):
            for keyword in plan.keywords:
                by_keyword.setdefault(keyword, []).append(index)
        everywhere = [p.rule for p in plans if not p.keywords and p.rule.reach is None]
        key = tuple(map(id, everywhere))
        if passes is None:
            passes = {key: (None, ())}
        if key not in passes:
            merged, chosen = MergedPass.build([rule.regex for rule in everywhere])
            passes[key] = (merged, tuple(everywhere[i] for i in chosen))
        return cls(plans, tuple(i for i, p in enumerate(plans) if not p.keywords),
                   {k: tuple(v) for k, v in by_keyword.items()}, *passes[key])

    def active(self, present: set[str]) -> Sequence[_Plan]:
        """The plans without keywords and those with a keyword in ``present``, in rule order,
        each without the contexts whose screened words are not in ``present``."""
        key = frozenset(present)
        plans = self.chosen.get(key)
        if plans is None:
            indices = set(self.always)
            for keyword in present:
                indices.update(self.by_keyword.get(keyword, ()))
            plans = tuple(plan for plan in (self._in_segment(i, present) for i in sorted(indices))
                          if plan is not None)
            if len(self.chosen) < _CHOSEN_LIMIT:  # documents of a kind share their keywords
                self.chosen[key] = plans
        return plans

    def _in_segment(self, index: int, present: set[str]) -> _Plan | None:
        plan = self.plans[index]
        if not plan.screened:
            return plan
        key = (index, plan.screened.intersection(present))
        if key in self.variants:
            return self.variants[key]
        variant = plan.in_segment(present)
        if len(self.variants) < _CHOSEN_LIMIT:  # hostile text cannot make it grow without end
            self.variants[key] = variant
        return variant


class _KeywordIndex:
    """Finds which keywords occur in a text with one regex pass.

    A leftmost alternation cannot report a keyword hidden under an overlapping one (機密 in
    機密等級 hides 密等), so a keyword that can be shadowed that way is checked directly when the
    pass did not see it but did see a keyword that can shadow it.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        words = sorted(set(keywords), key=lambda w: (-len(w), w))
        self._regex = re.compile("|".join(map(re.escape, words))) if words else None
        # Per keyword, the keywords a match of it can hide (most hide none): those it contains,
        # and those whose start it can end with (機密 hides 密等).  Looked up by prefix, not
        # pair by pair: a scanner is built with some 140 keywords.
        order = {word: index for index, word in enumerate(words)}
        by_prefix: dict[str, list[str]] = {}
        for word in words:
            for k in range(1, len(word)):
                by_prefix.setdefault(word[:k], []).append(word)
        shadowed: dict[str, tuple[str, ...]] = {}
        for other in words:
            hidden = {word for word in words if word in other}
            for k in range(1, len(other) + 1):
                hidden.update(by_prefix.get(other[-k:], ()))
            hidden.discard(other)
            if hidden:
                shadowed[other] = tuple(sorted(hidden, key=order.__getitem__))
        self._shadowed = shadowed

    def present(self, text: str) -> set[str]:
        if self._regex is None:
            return set()
        found = set(self._regex.findall(text))
        hidden = [w for other in found for w in self._shadowed.get(other, ()) if w not in found]
        if hidden:
            found.update([w for w in hidden if w in text])
        return found


def _screened_words(rules: Sequence[Rule]) -> frozenset[str]:
    """The words of contexts (same words) that at least ``_SCREEN_SHARED_BY`` rules check."""
    users: dict[tuple[str, ...], set[str]] = {}
    for rule in rules:
        for context in (*rule.require, *rule.exclude, *rule.adjust):
            if context.words:
                users.setdefault(tuple(sorted(context.words)), set()).add(rule.id)
    return frozenset(word for words, ids in users.items() if len(ids) >= _SCREEN_SHARED_BY for word in words)


@dataclass(slots=True)
class Budget:
    """One scan's limits, shared by its ``detect`` calls, and what they could not complete.

    ``deadline``: a ``time.monotonic()`` value; ``findings_left``: findings the scan may still
    report (a roster of a million IDs would otherwise cost gigabytes).  The detector fills in
    the rest, so the scanner can report the file as not fully checked.
    """

    deadline: float | None = None
    findings_left: int | None = None
    timed_out_rules: list[str] = field(default_factory=list)  # users' regexes stopped mid-match
    rules_cut: int = 0  # rules stopped or skipped at the deadline or the findings limit
    capped: bool = False  # the findings limit was reached

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def stop(self, rules: int, *, capped: bool) -> None:
        self.rules_cut += rules
        self.capped = self.capped or capped

    def stopped(self, candidates: int, rules: int) -> bool:
        """Whether to stop now, with ``candidates`` found so far; records the ``rules`` cut off."""
        capped = self.findings_left is not None and candidates > self.findings_left
        if capped or self.out_of_time():
            self.stop(rules, capped=capped)
            return True
        return False


# How many matches a rule may go through between two looks at the clock and the findings limit.
_CHECK_EVERY = 256
# Texts shorter than this are checked before they start only (by the scanner, between segments):
# all their rules together cannot run far past the deadline (a match costs 10-20 µs, so at most
# about 0.1 s), and most segments are that short, where looking at the clock between rules and
# within them cost more than the checks of a short letter.
_CHECK_WITHIN_FROM = 8192


def _bounded(matches: Iterable[re.Match[str]], budget: Budget,
             candidates: list[_Candidate]) -> Iterator[list[re.Match[str]]]:
    """``matches`` in lists, until the deadline passes or the candidates exceed the room for findings.

    A dense text (a roster of 100,000 IDs in one segment) can keep one rule busy for seconds,
    so the clock is read every few hundred matches, not only between rules.  Lists, because a
    generator step per match costs more than the rest of what most matches need.
    """
    iterator = iter(matches)
    while chunk := list(islice(iterator, _CHECK_EVERY)):
        yield chunk
        if len(chunk) < _CHECK_EVERY or budget.stopped(len(candidates), 1):
            return


class Detector:
    """Compiled rules plus the tokenizer; immutable after construction, safe to share."""

    def __init__(self, rules: Sequence[Rule], tokenizer: ChineseTokenizer) -> None:
        self.rules = tuple(rules)
        self.tokenizer = tokenizer
        self._screened = _screened_words(self.rules)
        self._keywords = _KeywordIndex([*(k for r in self.rules for k in r.keywords), *self._screened])
        plans = tuple(_Plan.of(rule, self._screened) for rule in self.rules)
        # The rules that may run in each part of a document; parts with the same keyword-less
        # rules share one merged pass.
        passes: dict[tuple[int, ...], tuple[MergedPass | None, tuple[Rule, ...]]] = {}
        self._parts = {part: _PartRules.of(tuple(p for p in plans if p.rule.parts is None
                                                 or part in p.rule.parts), passes)
                       for part in PARTS}
        self._levels = {level: Reason("level", level) for level in LEVELS}
        self._has_user_rules = not all(rule.trusted for rule in self.rules)

    def detect(self, segment: Segment, budget: Budget | None = None) -> list[Finding]:
        """All findings of all rules in one segment, overlaps within a category resolved.

        With a ``budget``, detection stops at its deadline and at its number of findings, and
        records what it could not complete there; without one, there is no deadline, and a
        user's rule that runs past ``userregex.DEFAULT_SECONDS`` raises ``RuleTimeoutError``.
        """
        if not segment.text:
            return []
        if not self._has_user_rules:
            return self._detect(segment, budget)
        with userregex.deadline(budget.deadline if budget is not None else None):
            return self._detect(segment, budget)

    def _detect(self, segment: Segment, budget: Budget | None) -> list[Finding]:
        folded = normalize(segment.text)
        text = folded.text
        part = segment.location.part
        present = self._keywords.present(text)
        rules = self._parts.get(part)
        if rules is None:  # a part this version does not know: every rule that is not limited
            rules = _PartRules.of(tuple(_Plan.of(r, self._screened) for r in self.rules if r.parts is None),
                                  None)
        plans = rules.active(present)
        room = budget.findings_left if budget is not None else None
        within_rules = (budget is not None and len(text) >= _CHECK_WITHIN_FROM
                        and (budget.deadline is not None or room is not None))
        found: dict[int, list[re.Match[str]]] = {}  # by id() of the rule: rules are unhashable
        if rules.merged is not None:
            # Cut short at the deadline, the shared pass leaves its rules' matches incomplete;
            # the rule loop below then stops at once and records the rules it could not finish.
            stop = budget.out_of_time if within_rules else None  # type: ignore[union-attr]
            found = dict(zip(map(id, rules.merged_rules),
                             rules.merged.finditer_all(text, stop, _CHECK_EVERY), strict=True))
        boundaries: dict[str, set[int]] = {}
        candidates: list[_Candidate] = []
        append = candidates.append
        for index, plan in enumerate(plans):
            rule = plan.rule
            if within_rules and budget.stopped(len(candidates), len(plans) - index):  # type: ignore[union-attr]
                break
            try:
                matches = found.get(id(rule))
                if matches is None:
                    matches = _matches(rule, text, present)
                chunks: Iterable[Iterable[re.Match[str]]] = (matches,)
                if within_rules:
                    chunks = _bounded(matches, budget, candidates)  # type: ignore[arg-type]
                if plan.plain:
                    group = plan.value_group
                    severity, level = rule.severity, rule.level
                    for chunk in chunks:
                        for match in chunk:
                            start, end = match.span()
                            if start == end:
                                continue
                            value_start, value_end = match.span(group)
                            append(_Candidate(rule, start, end, severity, level, value_start, value_end,
                                              ()))
                    continue
                check = self._check
                for chunk in chunks:
                    for match in chunk:
                        candidate = check(plan, match, text, boundaries, part)
                        if candidate is not None:
                            append(candidate)
            except userregex.RegexTimeout:
                if budget is None:
                    raise RuleTimeoutError(rule.id) from None
                budget.timed_out_rules.append(rule.id)
        if not candidates:
            return []
        kept = _resolve_overlaps(candidates)
        if room is not None and len(kept) > room:
            kept = kept[:room]
            budget.stop(0, capped=True)  # type: ignore[union-attr]
        findings = _findings(kept, folded, segment)
        if budget is not None and budget.findings_left is not None:
            budget.findings_left -= len(findings)
        return findings

    def _check(self, plan: _Plan, match: re.Match[str], text: str,
               boundaries: dict[str, set[int]], part: str) -> _Candidate | None:
        start, end = match.span()
        if start == end:
            return None
        rule = plan.rule
        not_preceded_by = rule.not_preceded_by
        if not_preceded_by is not None and start > 0 and not_preceded_by.match(text, start - 1):
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
        for holds in plan.require:
            detail = holds(text, start, end, part)
            if detail is None:
                return None
            reasons.append(Reason("context", detail))
        for holds in plan.exclude:
            if holds(text, start, end, part) is not None:
                return None
        for holds, adjusted, reason in plan.adjust:
            detail = holds(text, start, end, part)
            if detail is not None and adjusted is not None:
                severity = adjusted
                reasons.append(reason or Reason("adjusted", detail))
                break
        return _Candidate(rule, start, end, severity, level, value_start, value_end, tuple(reasons))

    def _on_token_boundaries(self, text: str, start: int, end: int, cache: dict[str, set[int]]) -> bool:
        left, right = self.tokenizer.block_span(text, start, end)
        # Keyed by the block's text, offsets relative to it: a block's tokens depend on its text
        # only, and documents repeat blocks (boilerplate, the same clause in every section).
        block = text[left:right]
        edges = cache.get(block)
        if edges is None:
            edges = cache[block] = {edge - left for edge in self.tokenizer.boundaries(text, left, right)}
        return start - left in edges and end - left in edges


def _findings(candidates: list[_Candidate], folded: NormalizedText, segment: Segment) -> list[Finding]:
    """Findings of kept candidates (sorted by start), pointing at and masking the original text."""
    original = folded.original
    to_original = folded.span_to_original
    mapped = bool(folded.breaks)
    location = segment.location
    prefix = segment.prefix
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
        column = start - line_start + 1
        if prefix and line == 1:
            column = column - prefix if column > prefix else 1
        rule = candidate.rule
        value = original[value_start:value_end]
        masked = original[start:value_start] + mask(value, rule.mask) + original[value_end:end]
        out.append(new_finding(
            rule.id,
            rule.category,
            candidate.severity,
            candidate.level,
            location.at(line, column),
            _one_line(masked) if "\n" in masked else masked,
            candidate.reasons,
            value,
        ))
    return out




def _matches(rule: Rule, text: str, present: set[str]) -> Iterable[re.Match[str]]:
    """The rule's regex over the whole text, or only within ``reach`` of its keywords."""
    if rule.reach is None:
        return rule.regex.finditer(text)
    return _windowed(rule, text, present)


def _windowed(rule: Rule, text: str, present: set[str]) -> Iterator[re.Match[str]]:
    """Matches within ``reach`` of the rule's keywords that occur in ``text`` (``present``)."""
    assert rule.reach is not None
    before, after = rule.reach
    windows: list[tuple[int, int]] = []
    for keyword in rule.keywords:
        if keyword not in present:
            continue
        size = len(keyword) + after
        position = text.find(keyword)
        while position >= 0:
            windows.append((position - before if position > before else 0, position + size))
            position = text.find(keyword, position + 1)
    windows.sort()
    merged: list[tuple[int, int]] = []  # overlapping or touching windows are searched as one
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    finditer = rule.regex.finditer
    seen_end = -1
    for start, end in merged:
        for match in finditer(text, start, end):
            if match.start() >= seen_end:
                seen_end = match.end()
                yield match


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def _context_test(context: Context) -> _Test:
    """``holds(text, start, end, part)``: the context word (or note) that makes ``context`` hold
    around ``text[start:end]``, or None.

    Built once per context, so a call reads no fields: a letter's phone numbers go through five
    contexts each, and the field reads were about a fifth of the time spent in contexts.
    """
    parts, before, after, words = context.parts, context.before, context.after, context.words
    window, note = context.window, context.note or "pattern"
    look_before, look_after = context.side != "after", context.side != "before"

    def holds(text: str, start: int, end: int, part: str) -> str | None:
        if parts is not None and part not in parts:
            return None
        # The words first: a short window, and most contexts fail there before any regex runs.
        found = None if words else note
        if words and look_before:
            region = text[start - window if start > window else 0:start]
            for word in words:
                if word in region:
                    found = word
                    break
        if found is None and words and look_after:
            region = text[end:end + window]
            for word in words:
                if word in region:
                    found = word
                    break
        if found is None:
            return None
        # At most _BEFORE_REACH characters back: on a line of a million characters (a one-line
        # JSON export) a search from the line's start for every candidate is quadratic.
        reach = start - _BEFORE_REACH if start > _BEFORE_REACH else 0
        if before is not None and not before.search(text, max(text.rfind("\n", reach, start) + 1, reach),
                                                    start):
            return None
        if after is not None:
            line_end = text.find("\n", end)
            if not after.match(text, end, len(text) if line_end < 0 else line_end):
                return None
        return found

    return holds


# How far back on its line a context's ``before`` regex looks (labels and clauses are far shorter).
_BEFORE_REACH = 256


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
