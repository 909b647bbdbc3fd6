"""Runs every rule's own must-match / must-not-match examples (gitleaks and semgrep style).

Used by the test suite for the built-in sets and by ``leakscan check-patterns`` for a user's.
"""

from __future__ import annotations

from collections.abc import Iterable

from .detect import Detector
from .model import Location, Segment
from .patternset import Rule


def example_failures(detector: Detector, rules: Iterable[Rule]) -> list[str]:
    """One line per example that does not behave as its rule says (empty list: all good)."""
    failures: list[str] = []
    for rule in rules:
        part = sorted(rule.parts)[0] if rule.parts else "body"
        for example in rule.match_examples:
            found = [f for f in detector.detect(Segment(example.text, Location(part)))
                     if f.rule == rule.id]
            if not found:
                failures.append(f"{rule.file}: {rule.id}: examples.match: no match in {example.text!r}")
                continue
            if example.severity and all(f.severity != example.severity for f in found):
                got = ", ".join(sorted({f.severity for f in found}))
                failures.append(f"{rule.file}: {rule.id}: examples.match: {example.text!r} "
                                f"has severity {got}, expected {example.severity}")
            if example.level and all(f.level != example.level for f in found):
                failures.append(f"{rule.file}: {rule.id}: examples.match: {example.text!r} "
                                f"does not carry level {example.level}")
        for text in rule.no_match_examples:
            if any(f.rule == rule.id for f in detector.detect(Segment(text, Location(part)))):
                failures.append(f"{rule.file}: {rule.id}: examples.no_match: matched {text!r}")
    return failures
