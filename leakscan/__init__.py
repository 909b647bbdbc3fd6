"""leakscan: finds what could leak from a Traditional-Chinese office document before it is sent.

    >>> from leakscan import Scanner
    >>> scanner = Scanner()                       # built once, reusable, thread-safe
    >>> result = scanner.scan_text("密碼：Tpe@2026!x")
    >>> [(f.rule, f.severity, f.masked) for f in result.findings]
    [('password-value', 'high', '密碼：********')]
    >>> result.decision.verdict
    'block'
"""

from __future__ import annotations

from .errors import ConfigError, InputError, LeakscanError, PatternError, PolicyError
from .extract import Limits
from .model import (
    ACTIONS,
    CATEGORIES,
    LEVELS,
    SEVERITIES,
    Decision,
    Finding,
    HandlingRule,
    Location,
    Problem,
    Reason,
    ScanResult,
    Segment,
)
from .scanner import Scanner

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "LEVELS",
    "SEVERITIES",
    "ConfigError",
    "Decision",
    "Finding",
    "HandlingRule",
    "InputError",
    "LeakscanError",
    "Limits",
    "Location",
    "PatternError",
    "PolicyError",
    "Problem",
    "Reason",
    "ScanResult",
    "Scanner",
    "Segment",
    "__version__",
]
