"""The exceptions leakscan raises, all under one base.

    LeakscanError            anything leakscan raises on purpose (exit code 2 in the CLI)
    ├── ConfigError          a configuration the user gave is wrong
    │   ├── PatternError     a pattern set cannot be loaded (file, rule and field named)
    │   └── PolicyError      a policy or handling-rule file cannot be loaded
    ├── InputError           a path the user named does not exist or is not a file/folder
    └── RuleTimeoutError     a user's rule ran past the time limit in a call that has no result
                             to report it in (``Scanner.detect``); ``scan_*`` report it instead

Problems with the *content* of a scanned file (corrupt, encrypted, undecodable) are never raised:
they become part of the file's ``ScanResult`` so that a folder scan goes on and the file is
reported as not (fully) read.  Messages never contain matched values.
"""

from __future__ import annotations


class LeakscanError(Exception):
    """Base class; ``exit_code`` is what the command line exits with."""

    exit_code = 2


class ConfigError(LeakscanError):
    """A configuration file or option is wrong."""


class PatternError(ConfigError):
    """A pattern set is broken: the message reads ``file: rule-id: field: problem``."""

    def __init__(self, file: str, rule: str | None, field: str | None, problem: str) -> None:
        self.file = file
        self.rule = rule
        self.field = field
        self.problem = problem
        parts = [file] + [p for p in (rule, field) if p] + [problem]
        super().__init__(": ".join(parts))


class PolicyError(PatternError):
    """A policy or handling-rule file is broken (same message shape as PatternError)."""


class InputError(LeakscanError):
    """A path given by the user cannot be scanned at all (missing, not a file or folder)."""


class RuleTimeoutError(LeakscanError):
    """A rule from a user's pattern set ran past the time limit (catastrophic backtracking?)."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: regex: ran past the time limit; simplify the pattern")
