"""Findings and an action → a decision.

This is the interim severity policy that the handling-rules work replaces with a data-driven
one: any high finding blocks, any medium finding warns, and a file that was not fully read warns
(or blocks with ``fail_closed``), because what was not read cannot be called clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import ACTIONS, VERDICTS, Decision, Finding, Reason, severity_rank


@dataclass(frozen=True, slots=True)
class Policy:
    fail_closed: bool = False

    def decide(self, findings: Iterable[Finding], status: str, action: str) -> Decision:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        verdict = "allow"
        reasons: list[Reason] = []
        top = max((severity_rank(f.severity) for f in findings), default=-1)
        if top >= severity_rank("high"):
            verdict = "block"
            reasons.append(Reason("severity", "high"))
        elif top >= severity_rank("medium"):
            verdict = "warn"
            reasons.append(Reason("severity", "medium"))
        if status != "scanned":
            unread = "block" if self.fail_closed else "warn"
            verdict = max(verdict, unread, key=VERDICTS.index)
            reasons.append(Reason("not-read", status))
        return Decision(action=action, verdict=verdict, reasons=tuple(reasons))
