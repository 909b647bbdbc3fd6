"""The data that flows through leakscan: segments in, findings and results out.

Everything here is a frozen dataclass with a stable JSON form (``to_dict``), so results can be
shared between threads, cached and compared.  Raw matched values live only in ``Finding.value``,
which is kept out of ``repr`` and out of ``to_dict`` unless the caller asks to reveal it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "classification",
    "dissemination",
    "procurement",
    "personal-data",
    "sensitive-personal-data",
    "trade-secret",
    "credential",
)
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high")
LEVELS: tuple[str, ...] = ("密", "機密", "極機密", "絕對機密")
STATUSES: tuple[str, ...] = ("scanned", "partial", "unreadable")
VERDICTS: tuple[str, ...] = ("allow", "warn", "block")
ACTIONS: tuple[str, ...] = (
    "share",
    "email",
    "fax",
    "print",
    "upload",
    "hand-carry",
    "meeting",
    "dispose",
)
PARTS: tuple[str, ...] = (
    "body",
    "table",
    "header",
    "footer",
    "title",
    "comment",
    "footnote",
    "endnote",
    "tracked-deletion",
    "tracked-insertion",
    "textbox",
    "hidden",
    "notes",
    "annotation",
    "metadata",
    "sheet-name",
    "defined-name",
    "subject",
    "filename",
    "attribute",
    "package-part",
    "form",
    "outline",
)


SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Position of a severity in ``info < low < medium < high``."""
    return SEVERITY_RANK[severity]


def level_rank(level: str | None) -> int:
    """0 for no level, then 密 < 機密 < 極機密 < 絕對機密."""
    return 0 if level is None else LEVELS.index(level) + 1


@dataclass(frozen=True, slots=True)
class Location:
    """Where a piece of text sits in its document; unset fields are left out of JSON."""

    part: str = "body"
    page: int | None = None
    sheet: str | None = None
    slide: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    cell: str | None = None
    name: str | None = None
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Location:
        """The inverse of ``to_dict`` (a cached rerun rebuilds tens of thousands of these)."""
        new = _new_object(cls)
        for name, setter in _SETTERS:
            setter(new, data.get(name))
        if new.part is None:
            _set_part(new, "body")
        return new

    def at(self, line: int, column: int) -> Location:
        """This location narrowed to a line and column inside the segment (both 1-based).

        A segment that starts inside a text (a CSV cell) has that line and column set: the
        result counts from there.
        """
        if self.line is not None:
            if line == 1 and self.column is not None:
                column += self.column - 1
            line += self.line - 1
        # One per finding, so it is built by setting its slots directly: about twice as fast as
        # the generated __init__, which goes through object.__setattr__ field by field.
        new = _new_object(Location)
        _set_part(new, self.part)
        _set_page(new, self.page)
        _set_sheet(new, self.sheet)
        _set_slide(new, self.slide)
        _set_paragraph(new, self.paragraph)
        _set_table(new, self.table)
        _set_row(new, self.row)
        _set_col(new, self.col)
        _set_cell(new, self.cell)
        _set_name(new, self.name)
        _set_line(new, line)
        _set_column(new, column)
        return new


_new_object = object.__new__
_SETTERS = tuple((f.name, vars(Location)[f.name].__set__) for f in fields(Location))
(_set_part, _set_page, _set_sheet, _set_slide, _set_paragraph, _set_table, _set_row, _set_col,
 _set_cell, _set_name, _set_line, _set_column) = (setter for _, setter in _SETTERS)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text from one place in a document, as an extractor produced it."""

    text: str
    location: Location = Location()
    # Characters at the start that the extractor added (a column's label in ``label：value``):
    # a finding's column does not count them, so it points into the document's own text.
    prefix: int = 0


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of why a finding was reported: a code (rendered per language) and a detail.

    Details are rule terms or context words, never matched values.
    """

    code: str
    detail: str = ""
    words: tuple[str, str] | None = None  # (zh, en) text that explains it, when data supplies one


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file was not (fully) read: a code rendered per language and a non-secret detail."""

    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One match of one rule.  ``value`` is the raw text and is never rendered by default."""

    rule: str
    category: str
    severity: str
    level: str | None
    location: Location
    masked: str
    reasons: tuple[Reason, ...] = ()
    value: str = field(default="", repr=False, compare=False)

    def to_dict(self, *, reveal: bool = False, why: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "level": self.level,
            "location": self.location.to_dict(),
            "masked": self.masked,
            "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons],
        }
        if why is not None:
            entry["why"] = why
        if reveal:
            entry["value"] = self.value
        return entry


# Taken by name, and checked against the fields: a field added, renamed or moved in Finding fails
# here, at import, not silently in new_finding.
_FINDING_FIELDS = ("rule", "category", "severity", "level", "location", "masked", "reasons", "value")
if tuple(f.name for f in fields(Finding)) != _FINDING_FIELDS:
    raise TypeError("Finding's fields changed: new_finding must set every one of them")
(_set_rule, _set_category, _set_severity, _set_level, _set_location, _set_masked, _set_reasons,
 _set_value) = (vars(Finding)[name].__set__ for name in _FINDING_FIELDS)


def path_below(path: str, outer: str) -> str | None:
    """The part of an item's ``path`` below the result ``outer`` it sits in (items are named
    ``outer!inner``), or None if it is not named below it."""
    prefix = outer + "!"
    return path[len(prefix):] if path.startswith(prefix) else None


def new_finding(rule: str, category: str, severity: str, level: str | None, location: Location,
                masked: str, reasons: tuple[Reason, ...], value: str) -> Finding:
    """``Finding(...)`` built by setting its slots directly, for the detector and cached reruns.

    A roster yields thousands of findings, and the frozen dataclass's ``__init__`` goes through
    ``object.__setattr__`` field by field (about four times slower), as ``Location.at`` notes.
    """
    finding = _new_object(Finding)
    _set_rule(finding, rule)
    _set_category(finding, category)
    _set_severity(finding, severity)
    _set_level(finding, level)
    _set_location(finding, location)
    _set_masked(finding, masked)
    _set_reasons(finding, reasons)
    _set_value(finding, value)
    return finding


@dataclass(frozen=True, slots=True)
class HandlingRule:
    """A rule the user must follow for an action, with where it comes from."""

    id: str
    text_zh: str
    text_en: str
    source: tuple[str, ...]
    note: str = ""  # e.g. the older article number the guidance cites for a liability

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh


@dataclass(frozen=True, slots=True)
class Decision:
    """What the user may do with the document for one action, and why."""

    action: str
    verdict: str
    handling: tuple[HandlingRule, ...] = ()
    liability: tuple[HandlingRule, ...] = ()
    reasons: tuple[Reason, ...] = ()
    # The verdict of the findings alone, before an incomplete read is weighed: a gateway whose
    # scan failed must tell "blocks for what it found" (reject) from "blocks as unread" (retry).
    found: str = "allow"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything leakscan knows about one file (or one item inside a container)."""

    path: str
    status: str
    findings: tuple[Finding, ...] = ()
    problems: tuple[Problem, ...] = ()
    decision: Decision = Decision(action="share", verdict="allow")
    items: tuple[ScanResult, ...] = ()
    decisions: tuple[Decision, ...] = ()  # one per action when every action was asked for

    @property
    def verdict(self) -> str:
        return self.decision.verdict

    def all_results(self) -> tuple[ScanResult, ...]:
        """This result followed by every result nested inside it, depth first."""
        out: list[ScanResult] = [self]
        for item in self.items:
            out.extend(item.all_results())
        return tuple(out)

    def to_dict(self, *, lang: str = "zh-TW", reveal: bool = False) -> dict[str, Any]:
        """The file's entry in the ``leakscan/1`` JSON report; values masked unless ``reveal``."""
        from . import messages  # words only; imported here to keep this module dependency-free

        def finding_entry(finding: Finding) -> dict[str, Any]:
            why = "; ".join(messages.explain(r, lang) for r in finding.reasons)
            return finding.to_dict(reveal=reveal, why=why)

        def rule_entry(rule: HandlingRule) -> dict[str, Any]:
            entry = {"id": rule.id, "text": rule.text(lang), "source": list(rule.source)}
            if rule.note:
                entry["guidance_cites"] = rule.note
            return entry

        def decision_entry(decision: Decision) -> dict[str, Any]:
            return {
                "action": decision.action,
                "decision": decision.verdict,
                "decision_reasons": [messages.explain(r, lang) for r in decision.reasons],
                "policy": [r.detail for r in decision.reasons if r.code == "policy"],
                "handling": [rule_entry(r) for r in decision.handling],
                "liability": [rule_entry(r) for r in decision.liability],
            }

        entry: dict[str, Any] = {
            "path": self.path,
            "status": self.status,
            "problems": [
                {"code": p.code, "detail": p.detail,
                 "message": messages.problem(p.code, p.detail, lang)}
                for p in self.problems
            ],
            **decision_entry(self.decision),
            "findings": [finding_entry(f) for f in self.findings],
            "items": [item.to_dict(lang=lang, reveal=reveal) for item in self.items],
        }
        if self.decisions:
            entry["decisions"] = [decision_entry(d) for d in self.decisions]
        return entry
