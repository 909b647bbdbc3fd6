"""The engine object: built once (patterns compiled, tokenizer prepared lazily), then reused.

A ``Scanner`` holds no per-scan state, so one instance can serve many threads: every scan works
on its own local data, and the only lazily built part (the jieba dictionary) is guarded by a lock.
File problems never raise out of ``scan_*``; they are part of the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.message import Message
from pathlib import Path, PurePath

from .detect import Budget, Detector
from .extract import Extraction, Limits, extract
from .model import ACTIONS, VERDICTS, Decision, Finding, Location, Problem, ScanResult, Segment
from .patternset import PatternSet, Rule, builtin_rule_ids, load_pattern_sets
from .policy import ALL_ACTIONS, Policy
from .selfcheck import example_failures
from .tokenize import ChineseTokenizer
from .walk import FileTooLargeError, NotRegularFileError, read_regular


class Scanner:
    """Finds leak risks in text, bytes and files.

    ``patterns``: extra pattern-set folders or files, added to the built-in sets (``builtin``).
    ``action``: the default action decisions are made for (share, email, fax, …, or ``all``).
    ``policy``: the decision table and handling rules (default: the built-in ``Policy.load()``).
    """

    def __init__(
        self,
        patterns: Iterable[str | Path] = (),
        *,
        builtin: bool = True,
        action: str = "share",
        limits: Limits | None = None,
        policy: Policy | None = None,
    ) -> None:
        _check_action(action)
        self.pattern_sets: tuple[PatternSet, ...] = load_pattern_sets(patterns, builtin=builtin)
        self.rules: tuple[Rule, ...] = tuple(r for s in self.pattern_sets for r in s.rules)
        self._rules_by_id = {r.id: r for r in self.rules}
        terms = {k for r in self.rules for k in r.keywords if len(k) > 1}
        self.tokenizer = ChineseTokenizer(extra_words=terms)
        self.action = action
        self.limits = limits or Limits()
        self.policy = policy or Policy.load()
        self.policy.check_rules(self._rules_by_id.keys() | (set() if builtin else builtin_rule_ids()))
        self._detector = Detector(self.rules, self.tokenizer)

    def rule(self, rule_id: str) -> Rule:
        """The compiled rule with this id (KeyError if there is none)."""
        return self._rules_by_id[rule_id]

    def check_examples(self) -> list[str]:
        """Failures of the rules' own match / no-match examples (empty when all behave)."""
        return example_failures(self._detector, self.rules)

    def detect(self, segments: Iterable[Segment]) -> tuple[Finding, ...]:
        """Findings in already-extracted segments (for callers with their own extractors)."""
        findings: list[Finding] = []
        for segment in segments:
            findings.extend(self._detector.detect(segment))
        return tuple(findings)

    def scan_text(self, text: str, name: str = "<text>", *, action: str | None = None) -> ScanResult:
        """Scan a string as one body segment."""
        return self._result(name, Extraction(segments=(Segment(text, Location("body")),)), action)

    def scan_bytes(self, data: bytes, filename: str = "<bytes>", *,
                   action: str | None = None) -> ScanResult:
        """Scan a file's content; ``filename`` chooses the format and is scanned as a name too.

        Documents inside it (attachments, embedded files, archive members) are scanned as items
        named ``outer!inner``; the file's own decision covers everything inside it.
        """
        return self._scan_bytes(data, filename, filename, action, 0, self._with_deadline())

    def _with_deadline(self, max_seconds: float | None = None) -> Limits:
        """This scan's limits, its time budget (``max_seconds`` or the scanner's) starting now."""
        seconds = self.limits.max_seconds if max_seconds is None else max_seconds
        return replace(self.limits, max_seconds=seconds, deadline=time.monotonic() + seconds)

    def scan_message(self, raw: bytes | Message, *, action: str | None = "email",
                     name: str = "message.eml", max_seconds: float | None = None) -> ScanResult:
        """Scan one e-mail (RFC 5322 bytes or a parsed message) for the action ``email``.

        Subject, addresses, text and HTML bodies are the message's own findings (each located by
        ``part``); every attachment, recursively (mail in mail, zip, office files), is an item
        ``message.eml!附件.docx``.  The one decision covers it all.  Nothing about the message
        raises: one that cannot be parsed or serialised, or an internal error, comes back as ``partial`` or
        ``unreadable`` with the problem named, so a gateway never mistakes it for clean.
        ``max_seconds``: this message's time budget instead of the scanner's (a gateway sets it
        below its own time limit, so the scanner stops and reports first; see ``ScanDeadlines``).
        """
        _check_action(action or self.action)  # a wrong action is the caller's mistake: raise
        if max_seconds is not None and not 0 < max_seconds < float("inf"):
            raise ValueError(f"max_seconds: {max_seconds!r} is not a positive number of seconds")
        try:
            data = raw if isinstance(raw, bytes | bytearray) else _message_bytes(raw)
            return self._scan_bytes(bytes(data), name, name, action, 0, self._with_deadline(max_seconds))
        except Exception as exc:  # a gateway must get a result, never a crash
            code = "malformed-message" if isinstance(raw, Message) else "internal-error"
            return self.unreadable(name, code, type(exc).__name__, action=action)

    def _scan_bytes(self, data: bytes, filename: str, shown: str, action: str | None,
                    depth: int, limits: Limits) -> ScanResult:
        try:
            extraction = extract(data, filename, limits)
        except Exception as exc:  # an extractor bug must not take a gateway down
            extraction = Extraction.unreadable("internal-error", type(exc).__name__)
        name_segment = _filename_segment(filename)
        segments = (name_segment, *extraction.segments) if name_segment else extraction.segments
        items = tuple(self._scan_item(blob, inner, f"{shown}!{inner}", action, depth + 1, limits)
                      for inner, blob in extraction.items)
        findings, problems, status = self._detect_until(extraction, segments, limits.deadline)
        nested = [r for item in items for r in item.all_results()]
        if status == "scanned" and any(r.status != "scanned" for r in nested):
            status = "partial"
        every = findings + tuple(f for r in nested for f in r.findings)
        decision, decisions = self.decide(every, status, action)
        return ScanResult(path=shown, status=status, findings=findings,
                          problems=problems, decision=decision, items=items,
                          decisions=decisions)

    def _detect_until(self, extraction: Extraction, segments: Sequence[Segment],
                      deadline: float | None) -> tuple[tuple[Finding, ...], tuple[Problem, ...], str]:
        """Findings of what could be checked before the deadline and within the findings limit,
        with the extraction's problems plus those limits', and the status they leave the file in."""
        findings: list[Finding] = []
        budget = Budget(deadline=deadline, findings_left=self.limits.max_findings)
        left = 0
        for index, segment in enumerate(segments):
            if budget.out_of_time() or budget.capped:
                left = len(segments) - index
                break
            findings.extend(self._detector.detect(segment, budget))
        problems = list(extraction.problems)
        if budget.capped:
            problems.append(Problem("too-many-findings", f"> {self.limits.max_findings}"))
        elif left or budget.rules_cut:
            problems.append(Problem("timeout", f"{left} segment(s) not checked" if left
                                    else f"{budget.rules_cut} rule(s) not completed"))
        if budget.timed_out_rules:
            problems.append(Problem("rule-timeout", ", ".join(dict.fromkeys(budget.timed_out_rules))))
        status = extraction.status
        if status == "scanned" and len(problems) > len(extraction.problems):
            status = "partial"
        return tuple(findings), tuple(problems), status

    def _scan_item(self, data: bytes, inner: str, shown: str, action: str | None,
                   depth: int, limits: Limits) -> ScanResult:
        if depth > self.limits.max_depth:
            return self.unreadable(shown, "too-deep", f"> {self.limits.max_depth}", action=action)
        if limits.expired():
            return self.unreadable(shown, "timeout", f"max_seconds={limits.max_seconds}", action=action)
        return self._scan_bytes(data, PurePath(inner).name, shown, action, depth, limits)

    def scan_path(self, path: str | os.PathLike[str], *, action: str | None = None) -> ScanResult:
        """Scan a file on disk; it is opened read-only and never written."""
        return self.scan_file(path, action=action)[0]

    def scan_file(self, path: str | os.PathLike[str], *,
                  action: str | None = None) -> tuple[ScanResult, bytes | None]:
        """``scan_path``'s result plus the bytes it scanned (None if the file could not be read),
        for callers that also hash them (the result cache) without reading the file again."""
        shown = os.fspath(path)
        limit = self.limits.max_file_bytes
        try:
            data = read_regular(shown, limit)
        except NotRegularFileError:
            return self.unreadable(shown, "not-a-file", action=action), None
        except FileTooLargeError as exc:
            return self.unreadable(shown, "too-large", str(exc), action=action), None
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            return self.unreadable(shown, "io-error", detail, action=action), None
        if len(data) > limit:  # it grew while being read
            return self.unreadable(shown, "too-large", f"> {limit} bytes", action=action), None
        # The name chooses the format; items are named below the path as given (dir/a.zip!b.txt).
        return self._scan_bytes(data, PurePath(shown).name, shown, action, 0, self._with_deadline()), data

    def decide(self, findings: Sequence[Finding], status: str,
               action: str | None = None) -> tuple[Decision, tuple[Decision, ...]]:
        """The decision for ``action`` (default: the scanner's), and for ``all`` every action's.

        For ``all`` the first element summarises: the strictest verdict over every action.
        """
        action = action or self.action
        _check_action(action)
        if action != ALL_ACTIONS:
            return self.policy.decide(findings, status, action), ()
        decisions = self.policy.decide_all(findings, status)
        strictest = max(decisions, key=lambda d: VERDICTS.index(d.verdict))
        summary = Decision(action=ALL_ACTIONS, verdict=strictest.verdict,
                           liability=strictest.liability,
                           found=max((d.found for d in decisions), key=VERDICTS.index))
        return summary, decisions

    def unreadable(self, path: str, code: str, detail: str = "", *,
                   action: str | None = None) -> ScanResult:
        """The result for a file that could not be read at all (``code`` from the problem table),
        decided like any unread file: a worker that died, a file that vanished."""
        return self._result(path, Extraction.unreadable(code, detail), action)

    def _result(self, name: str, extraction: Extraction, action: str | None) -> ScanResult:
        deadline = time.monotonic() + self.limits.max_seconds
        findings, problems, status = self._detect_until(extraction, extraction.segments, deadline)
        decision, decisions = self.decide(findings, status, action)
        return ScanResult(path=name, status=status, findings=findings,
                          problems=problems, decision=decision, decisions=decisions)


@dataclass(frozen=True, slots=True)
class ScannerSpec:
    """What a ``Scanner`` is built from, so that a worker process builds the same one."""

    patterns: tuple[str, ...] = ()
    action: str = "share"
    policy_file: str | None = None
    fail_closed: bool = False
    limits: Limits = field(default_factory=Limits)

    def build(self) -> Scanner:
        policy = Policy.load(self.policy_file, fail_closed=self.fail_closed)
        return Scanner(self.patterns, action=self.action, policy=policy, limits=self.limits)


def _check_action(action: str) -> None:
    if action not in ACTIONS and action != ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)} or all")


def _message_bytes(message: Message) -> bytes:
    """A parsed message as bytes; 8-bit content is kept as it came (compat32 writes raw)."""
    try:
        return message.as_bytes()
    except (UnicodeError, LookupError, TypeError, ValueError):
        from email import policy

        return message.as_bytes(policy=policy.compat32)


def _filename_segment(filename: str) -> Segment | None:
    """A file's own name, where a level such as 機密 is often written."""
    name = PurePath(filename).name
    if not name or name in ("-", "<bytes>"):
        return None
    return Segment(name, Location("filename"))
