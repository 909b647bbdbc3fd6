"""One regex pass for several keyword-less rules, with exactly the matches of separate passes.

A rule without keywords costs a full pass over every segment, and Python's ``re`` moves through
text at about 8-15 ns a character when a pattern starts with a character set (only a literal
start is much faster): 15-30 ms per rule on the 4.9 MB benchmark corpus.  So those rules share
one pass: a character set of every character any of them can start with, then, at such a
character, a lookahead per rule that notes which rules match there.  Each noted rule is then
matched on its own at that position (``regex.match(text, i)`` sees the whole text, so
lookbehinds, ``^`` and ``$`` behave as in a search), and matches that start inside the rule's
previous match are skipped, which is what ``finditer`` does.  The result is therefore the same
list of matches, found in one pass instead of one per rule.

Only patterns whose possible first characters can be worked out exactly take part (no case
folding, no categories such as ``\\d`` or negated sets at the start, no back-references, no
leading ``^``/``\\b``, never an empty match); any other rule keeps its own pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

try:  # the parser is internal to ``re``: without it every rule simply keeps its own pass
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - every supported Python has them
    _sre = _sre_parse = None  # type: ignore[assignment]

# Flags a pattern may carry into the shared pass (scoped as ``(?ms:…)``); UNICODE is the default.
_SCOPED = {re.MULTILINE: "m", re.DOTALL: "s"}
_ALLOWED_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL
_MARKER = "leakscan_rule_{}"


class _Unsupported(Exception):
    """The first characters of a pattern cannot be worked out exactly."""


def first_chars(pattern: re.Pattern[str]) -> list[tuple[int, int]] | None:
    """Code-point ranges holding every character a match of ``pattern`` can start with.

    None when they cannot be worked out exactly or the pattern could match the empty string.
    """
    if _sre_parse is None or pattern.flags & ~_ALLOWED_FLAGS:
        return None
    try:
        tree = _sre_parse.parse(pattern.pattern, pattern.flags)
        if _has_backreference(tree):
            return None
        ranges, nullable = _first_of_sequence(tree)
    except (_Unsupported, re.error, TypeError, ValueError, AttributeError):
        return None
    return None if nullable or not ranges else ranges


def _first_of_sequence(items: Sequence[tuple[object, object]]) -> tuple[list[tuple[int, int]], bool]:
    ranges: list[tuple[int, int]] = []
    for op, av in items:
        found, nullable = _first_of_item(op, av)
        ranges.extend(found)
        if not nullable:
            return ranges, False
    return ranges, True


def _first_of_item(op: object, av: object) -> tuple[list[tuple[int, int]], bool]:
    if op is _sre.LITERAL:
        return [(av, av)], False  # type: ignore[list-item]
    if op is _sre.IN:
        ranges = []
        for kind, value in av:  # type: ignore[attr-defined]
            if kind is _sre.LITERAL:
                ranges.append((value, value))
            elif kind is _sre.RANGE:
                ranges.append(value)
            else:  # NEGATE, CATEGORY (\d, \w …): not worth spelling out
                raise _Unsupported(kind)
        return ranges, False
    if op is _sre.BRANCH:
        ranges, nullable = [], False
        for alternative in av[1]:  # type: ignore[index]
            found, empty = _first_of_sequence(alternative)
            ranges.extend(found)
            nullable = nullable or empty
        return ranges, nullable
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av  # type: ignore[misc]
        if add_flags or del_flags:
            raise _Unsupported(op)
        return _first_of_sequence(sub)
    if op is _sre.ATOMIC_GROUP:
        return _first_of_sequence(av)  # type: ignore[arg-type]
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        low, high, sub = av  # type: ignore[misc]
        if high == 0:
            return [], True
        found, nullable = _first_of_sequence(sub)
        return found, nullable or low == 0
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [], True  # zero width: the next item decides (a superset is still exact)
    raise _Unsupported(op)  # AT (^, \b), ANY, NOT_LITERAL, …


def _has_backreference(items: object) -> bool:
    """True if a parsed pattern refers back to a group (numbers would shift once merged)."""
    if isinstance(items, _sre_parse.SubPattern):
        return any(op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS) or _has_backreference(av)
                   for op, av in items)
    if isinstance(items, list | tuple):
        return any(_has_backreference(item) for item in items)
    return False


def _character_class(ranges: Sequence[tuple[int, int]]) -> str:
    parts = []
    for low, high in sorted(set(ranges)):
        first = re.escape(chr(low))
        parts.append(first if low == high else f"{first}-{re.escape(chr(high))}")
    return "[" + "".join(parts) + "]"


def _without_names(pattern: re.Pattern[str]) -> str | None:
    """The pattern's source with named groups made non-capturing, scoped to its flags."""
    source = pattern.pattern
    for name in pattern.groupindex:
        source = source.replace(f"(?P<{name}>", "(?:")
    letters = "".join(letter for flag, letter in _SCOPED.items() if pattern.flags & flag)
    if letters:
        source = f"(?{letters}:{source})"
    try:  # inside a group, as in the shared pass: inline global flags (``(?s)``) fail here
        plain = re.compile(f"(?:{source})")
    except re.error:
        return None
    return source if plain.groups == pattern.groups - len(pattern.groupindex) else None


class MergedPass:
    """The matches of several keyword-less rules' regexes, found with one shared pass."""

    def __init__(self, patterns: Sequence[re.Pattern[str]], starts: Sequence[Sequence[tuple[int, int]]],
                 sources: Sequence[str]) -> None:
        """Use ``MergedPass.build``; the arguments are the patterns and what it worked out."""
        if len(patterns) < 2:  # ``Match.group`` of one marker would not give a tuple
            raise ValueError("a merged pass needs at least two patterns")
        self.patterns = tuple(patterns)
        guard = "|".join(f"(?:{s})" for s in sources)
        notes = "".join(f"(?:(?={s})(?P<{_MARKER.format(k)}>))?" for k, s in enumerate(sources))
        ranges = [r for start in starts for r in start]
        # The set makes ``re`` skip ahead at C speed; the lookbehind steps back over the
        # character it consumed, so the lookaheads look at the rules' own start position.
        self._regex = re.compile(f"{_character_class(ranges)}(?<=(?={guard}){notes}(?s:.))")
        self._markers = tuple(self._regex.groupindex[_MARKER.format(k)] for k in range(len(sources)))

    @classmethod
    def build(cls, patterns: Sequence[re.Pattern[str]]) -> tuple[MergedPass | None, tuple[int, ...]]:
        """A pass for those of ``patterns`` that can share one, and their indices in ``patterns``.

        None when fewer than two can: a pass of its own is then just as fast.
        """
        chosen: list[int] = []
        starts: list[list[tuple[int, int]]] = []
        sources: list[str] = []
        for index, pattern in enumerate(patterns):
            if not isinstance(pattern, re.Pattern):
                continue
            start = first_chars(pattern)
            source = _without_names(pattern) if start else None
            if start and source:
                chosen.append(index)
                starts.append(start)
                sources.append(source)
        if len(chosen) < 2:
            return None, ()
        try:
            merged = cls([patterns[i] for i in chosen], starts, sources)
        except re.error:
            return None, ()
        return merged, tuple(chosen)

    def finditer_all(self, text: str, stop: Callable[[], bool] | None = None,
                     every: int = 256) -> list[list[re.Match[str]]]:
        """Per pattern, the list ``pattern.finditer(text)`` would give.

        With ``stop``, it is asked every ``every`` places where some pattern matches, and the
        lists end where it said yes (the matches so far, from the start of the text).
        """
        patterns, markers = self.patterns, self._markers
        others = len(markers) - 1
        found: list[list[re.Match[str]]] = [[] for _ in patterns]
        ends = [0] * len(patterns)
        for count, hit in enumerate(self._regex.finditer(text), 1):
            if stop is not None and not count % every and stop():
                break
            position = hit.start()
            noted = hit.group(*markers)  # "" for a rule that matches here, None for one that does not
            # Mostly one rule matches at a place; otherwise each of them is tried, in rule order.
            indices = (noted.index(""),) if noted.count(None) == others else range(len(noted))
            for index in indices:
                if noted[index] is None or position < ends[index]:
                    continue
                match = patterns[index].match(text, position)
                if match is not None:  # always, unless the lookahead saw more than the rule
                    found[index].append(match)
                    ends[index] = match.end()
        return found
