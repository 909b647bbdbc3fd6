"""Results → a SARIF 2.1.0 log for GitHub and GitLab code scanning (``--format sarif``).

One run, one ``reportingDescriptor`` per detection rule, one ``result`` per finding in every file
and every item inside a container.  Choices a reader of the log needs to know:

- ``artifactLocation.uri`` is the file's path as given, relative (``uriBaseId`` ``%SRCROOT%``)
  and percent-encoded per RFC 3986 (UTF-8, so ``簽呈 機密.txt`` → ``%E7%B0%BD%E5%91%88%20…``);
  an absolute path under ``root`` is made relative to it, any other absolute path becomes a
  ``file://`` URI.
- A finding in an item inside a container (``mail.eml!附件.docx``) points at the container file,
  the one a repository holds; the item path is its ``logicalLocations`` entry (kind ``resource``,
  ``fullyQualifiedName`` ``outer!inner``), the ``item`` property and part of the message.
- ``region`` is given only where leakscan's line is a line of that file: the body of a plain-text
  file (line and column, in Unicode code points) and the source lines of an HTML file (line only).
  Page, sheet, cell, paragraph … of a document are the result's ``properties``.
- ``partialFingerprints["leakscanFingerprint/v1"]``: a hash over a fixed prefix, the rule id, the
  path, a digest of the NFKC-normalised value and the occurrence number of that value in that
  file.  Lines take no part, so a finding keeps its alert when text moves.  With
  ``fingerprint_key`` (the CLI reads ``LEAKSCAN_FINGERPRINT_KEY``) the value digest and the
  fingerprint are HMAC-SHA-256; without a key only the *masked* value is hashed (and occurrences
  are counted per masked value), because an unkeyed hash of a short value (an ID number) can be
  reversed by trying every candidate.  Baselines (``leakscan.baseline``) use the same function.
- Files not (fully) read are ``toolExecutionNotifications`` (``error`` when the policy makes unread
  files block, else ``warning``); each file's status and decision are ``properties`` of its entry
  in ``run.artifacts`` (items are nested artifacts with ``parentIndex``).  Files the walk skipped
  (too large, special files, symlinks out of the tree …) are notifications too (``warning``;
  ``note`` for files left out by ignore rules or globs), with the reason code in ``properties``.
- With a baseline, every result has ``baselineState`` ``unchanged`` (in the baseline: does not
  fail the run) or ``new``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import posixpath
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from .. import messages
from ..extract import TEXT_SUFFIXES
from ..model import ACTIONS, Finding, ScanResult, path_below
from ..patternset import Rule
from ..policy import ALL_ACTIONS, HandlingEntry, Policy
from ..walk import CHOSEN_SKIPS, Skipped, skip_reason
from . import Known, _where, summary

__all__ = ["DIGEST_MARK", "FINGERPRINT", "SARIF_SCHEMA", "SECURITY_SEVERITY", "artifact_uri",
           "finding_fingerprints", "fingerprint", "render_sarif", "sarif_log", "value_digest"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "leakscanFingerprint/v1"
_FINGERPRINT_PREFIX = b"leakscan/sarif-fingerprint/v1\x00"
_VALUE_PREFIX = b"leakscan/value/v1\x00"
DIGEST_MARK = "\x00leakscan-digest:"  # a cached finding's value: its keyed digest, never the value
SRCROOT = "%SRCROOT%"

# GitHub reads properties["security-severity"] (0.0-10.0) of a rule tagged "security":
# 9.0 and above is shown as critical, 4.0-6.9 medium, 0.1-3.9 low, 0.0 none.
SECURITY_SEVERITY = {"high": "9.0", "medium": "6.0", "low": "3.0", "info": "0.0"}
LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
_NOTIFICATION_LEVEL = {"block": "error", "warn": "warning", "allow": "note"}
_HTML_SUFFIXES = frozenset({".html", ".htm"})
_HTML_LINE_PARTS = frozenset({"body", "attribute", "comment"})
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?"
                     r"(?:\+[0-9A-Za-z.-]+)?$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def render_sarif(results: Sequence[ScanResult], *, rules: Sequence[Rule], policy: Policy,
                 action: str, lang: str = "zh-TW", reveal: bool = False, tool_version: str,
                 root: str | None = None, fingerprint_key: bytes | None = None,
                 skipped: Sequence[Skipped] = (), known: Known | None = None) -> str:
    """The SARIF 2.1.0 log of ``results`` as JSON text (UTF-8, not ASCII-escaped).

    ``rules``: the scanner's detection rules (``Scanner.rules``); ``policy``: its policy, for the
    handling rules in each rule's help; ``action``: the action decided for (or ``all``);
    ``root``: the directory relative paths are given from (the CLI passes the working directory);
    ``fingerprint_key``: a secret that makes the fingerprints keyed hashes; ``skipped``: files
    the walk left out; ``known``: which findings the baseline holds.  Values are masked unless
    ``reveal``.  A pure function: the same inputs give the same text.
    """
    log = sarif_log(results, rules=rules, policy=policy, action=action, lang=lang, reveal=reveal,
                    tool_version=tool_version, root=root, fingerprint_key=fingerprint_key,
                    skipped=skipped, known=known)
    return json.dumps(log, ensure_ascii=False, indent=2)


def sarif_log(results: Sequence[ScanResult], *, rules: Sequence[Rule], policy: Policy, action: str,
              lang: str = "zh-TW", reveal: bool = False, tool_version: str, root: str | None = None,
              fingerprint_key: bytes | None = None, skipped: Sequence[Skipped] = (),
              known: Known | None = None) -> dict[str, Any]:
    """The SARIF log as a dictionary (see ``render_sarif``)."""
    builder = _Builder(rules, policy, action, lang, reveal, root, fingerprint_key, known)
    for result in results:
        builder.add_file(result)
    for entry in skipped:
        builder.add_skipped(entry)
    driver: dict[str, Any] = {"name": "leakscan", "version": tool_version}
    if _SEMVER.match(tool_version):
        driver["semanticVersion"] = tool_version
    driver["rules"] = builder.descriptors
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(p.code == "internal-error" for result in results
                                       for r in result.all_results() for p in r.problems),
    }
    if builder.notifications:
        invocation["toolExecutionNotifications"] = builder.notifications
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "language": lang,
        "columnKind": "unicodeCodePoints",
        "artifacts": builder.artifacts,
        "results": builder.results,
        "properties": {"action": action, "summary": summary(results, skipped=skipped, known=known)},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def artifact_uri(path: str, root: str | None = None) -> tuple[str, bool]:
    """``path`` as a percent-encoded URI reference, and whether it is relative to the source root."""
    pure = PurePath(path)
    if pure.is_absolute():
        if root is not None:
            try:
                pure = pure.relative_to(PurePath(root))
            except ValueError:
                return pure.as_uri(), False
        else:
            return pure.as_uri(), False
    relative = posixpath.normpath(pure.as_posix())
    return quote(relative, safe="/"), True


def value_digest(finding: Finding, key: bytes | None = None) -> str:
    """What a fingerprint knows of a finding's value: an HMAC of it with ``key``, else a hash of
    the masked value only.  A finding loaded from the cache carries its digest (``DIGEST_MARK``)
    instead of its value, so both give the same fingerprints."""
    if key is None:
        return hashlib.sha256(_fold(finding.masked).encode("utf-8")).hexdigest()
    if finding.value.startswith(DIGEST_MARK):
        return finding.value[len(DIGEST_MARK):]
    folded = _fold(finding.value or finding.masked)
    return hmac.new(key, _VALUE_PREFIX + folded.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _fold(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def fingerprint(rule: str, path: str, digest: str, occurrence: int, key: bytes | None = None) -> str:
    """A stable identity for a finding that never contains its value (see the module docstring);
    ``digest`` is the finding's ``value_digest``."""
    material = _FINGERPRINT_PREFIX + "\x00".join(
        (rule, path, digest, str(occurrence))).encode("utf-8", "surrogatepass")
    if key is not None:
        return hmac.new(key, material, hashlib.sha256).hexdigest()
    return hashlib.sha256(material).hexdigest()


def finding_fingerprints(findings: Sequence[Finding], path: str, key: bytes | None = None) -> list[str]:
    """The fingerprint of each finding of one file or item, in order; the n-th finding of the same
    rule and value in it gets occurrence n."""
    occurrences: dict[tuple[str, str], int] = {}
    out: list[str] = []
    for finding in findings:
        digest = value_digest(finding, key)
        occurrence = occurrences.get((finding.rule, digest), 0)
        occurrences[finding.rule, digest] = occurrence + 1
        out.append(fingerprint(finding.rule, path, digest, occurrence, key))
    return out


class _Builder:
    """Collects rules, artifacts, results and notifications in the order the files come."""

    def __init__(self, rules: Sequence[Rule], policy: Policy, action: str, lang: str, reveal: bool,
                 root: str | None, key: bytes | None, known: Known | None = None) -> None:
        self.policy = policy
        self.known = known
        self.action = action
        self.lang = lang
        self.reveal = reveal
        self.root = root
        self.key = key
        self.rules = {rule.id: rule for rule in rules}
        self.descriptors: list[dict[str, Any]] = []
        self.rule_index: dict[str, int] = {}
        for rule in rules:
            self._add_descriptor(rule.id, _descriptor(rule, policy, action, lang))
        self.artifacts: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []

    def _add_descriptor(self, rule_id: str, descriptor: dict[str, Any]) -> None:
        if rule_id not in self.rule_index:
            self.rule_index[rule_id] = len(self.descriptors)
            self.descriptors.append(descriptor)

    def add_file(self, result: ScanResult) -> None:
        """One file given to the scan, with everything inside it."""
        uri, relative = artifact_uri(result.path, self.root)
        location: dict[str, Any] = {"uri": uri}
        if relative:
            location["uriBaseId"] = SRCROOT
        file_index = len(self.artifacts)
        self.artifacts.append({"location": location, "roles": ["analysisTarget"],
                               "properties": self._file_properties(result)})
        suffix = PurePath(result.path).suffix.lower()
        for item, inner in self._walk(result, "", file_index):
            self._add_results(item, inner, location, file_index, suffix)
            # A container that is partial only because of an item leaves it to the item to say.
            if item.status != "scanned" and (item.problems or all(i.status == "scanned"
                                                                  for i in item.items)):
                self._add_notification(item, inner, location, file_index)

    def _walk(self, result: ScanResult, inner: str, index: int) -> Iterator[tuple[ScanResult, str]]:
        """The result and every item in it, depth first, each with its path inside the file;
        items are added to the artifacts as they come, nested under their parent's entry."""
        yield result, inner
        for item in result.items:
            below = path_below(item.path, result.path)
            name = item.path if below is None else below
            item_index = len(self.artifacts)
            self.artifacts.append({"location": {"uri": "/" + quote(name, safe="/")},
                                   "parentIndex": index,
                                   "properties": self._file_properties(item)})
            yield from self._walk(item, f"{inner}!{name}" if inner else name, item_index)

    def _file_properties(self, result: ScanResult) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "path": result.path,
            "status": result.status,
            "action": self.action,
            "decision": result.decision.verdict,
            "decisionReasons": [messages.explain(r, self.lang) for r in result.decision.reasons],
            "policy": [r.detail for r in result.decision.reasons if r.code == "policy"],
        }
        if result.decisions:
            properties["decisions"] = {d.action: d.verdict for d in result.decisions}
        if result.problems:
            properties["problems"] = [p.code for p in result.problems]
        return properties

    def _physical(self, uri: dict[str, Any], index: int) -> dict[str, Any]:
        return {"artifactLocation": {**uri, "index": index}}

    def _add_results(self, result: ScanResult, inner: str, uri: dict[str, Any], index: int,
                     suffix: str) -> None:
        path = uri["uri"] + (f"!{inner}" if inner else "")
        prints = finding_fingerprints(result.findings, path, self.key)
        for number, finding in enumerate(result.findings):
            if finding.rule not in self.rule_index:
                self._add_descriptor(finding.rule, _fallback_descriptor(finding))
            physical = self._physical(uri, index)
            region = None if inner else _region(finding, suffix)
            if region:
                physical["region"] = region
            location: dict[str, Any] = {"physicalLocation": physical}
            if inner:
                location["logicalLocations"] = [_logical(result.path, inner)]
            properties: dict[str, Any] = {"category": finding.category, "severity": finding.severity}
            if finding.level is not None:
                properties["level"] = finding.level
            properties.update(finding.location.to_dict())
            if inner:
                properties["item"] = inner
            entry: dict[str, Any] = {
                "ruleId": finding.rule,
                "ruleIndex": self.rule_index[finding.rule],
                "level": LEVEL.get(finding.severity, "warning"),
                "message": {"text": self._message(finding, inner)},
                "locations": [location],
                "partialFingerprints": {FINGERPRINT: prints[number]},
                "properties": properties,
            }
            if self.known is not None:
                entry["baselineState"] = "unchanged" if self.known(result, number) else "new"
            self.results.append(entry)

    def _message(self, finding: Finding, inner: str) -> str:
        en = self.lang == "en"
        rule = self.rules.get(finding.rule)
        name = rule.name(self.lang) if rule else finding.rule
        shown = finding.value if self.reveal else finding.masked
        why = "; ".join(messages.explain(r, self.lang) for r in finding.reasons)
        where = _where(finding.location, self.lang)
        if en:
            bits = [f"{name}: {shown}" + (f" ({why})." if why else ".")]
            bits += [f"Item: {inner}." if inner else "", f"Where: {where}." if where else ""]
            return " ".join(bit for bit in bits if bit)
        bits = [f"{name}：{shown}" + (f"（{why}）。" if why else "。")]
        bits += [f"項目：{inner}。" if inner else "", f"位置：{where}。" if where else ""]
        return "".join(bits)

    def add_skipped(self, entry: Skipped) -> None:
        """A file the walk did not read, as a notification with its reason."""
        en = self.lang == "en"
        reason = skip_reason(entry.reason, self.lang)
        detail = f" ({entry.detail})" if entry.detail else ""
        text = f"{entry.path}: skipped: {reason}{detail}" if en else f"{entry.path}：略過：{reason}{detail}"
        uri, relative = artifact_uri(entry.path, self.root)
        location: dict[str, Any] = {"uri": uri}
        if relative:
            location["uriBaseId"] = SRCROOT
        self.notifications.append({
            "level": "note" if entry.reason in CHOSEN_SKIPS or entry.reason == "duplicate" else "warning",
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": location}}],
            "properties": {"path": entry.path, "status": "skipped", "reason": entry.reason},
        })

    def _add_notification(self, result: ScanResult, inner: str, uri: dict[str, Any],
                          index: int) -> None:
        en = self.lang == "en"
        status = messages.word("status", result.status, self.lang)
        problems = ("; " if en else "；").join(messages.problem(p.code, p.detail, self.lang)
                                               for p in result.problems)
        text = (f"{result.path}: {status}" + (f": {problems}" if problems else "") if en
                else f"{result.path}：{status}" + (f"：{problems}" if problems else ""))
        location: dict[str, Any] = {"physicalLocation": self._physical(uri, index)}
        if inner:
            location["logicalLocations"] = [_logical(result.path, inner)]
        unread = "block" if self.policy.fail_closed else self.policy.unread
        self.notifications.append({
            "level": _NOTIFICATION_LEVEL.get(unread, "warning"),
            "message": {"text": text},
            "locations": [location],
            "properties": {"path": result.path, "status": result.status,
                           "problems": [p.code for p in result.problems]},
        })


def _logical(path: str, inner: str) -> dict[str, Any]:
    return {"name": inner.rsplit("!", 1)[-1], "fullyQualifiedName": path, "kind": "resource"}


def _region(finding: Finding, suffix: str) -> dict[str, int] | None:
    """A region only where the finding's line is a line of the file itself."""
    location = finding.location
    if location.line is None:
        return None
    if suffix in TEXT_SUFFIXES and location.part == "body":
        region = {"startLine": location.line}
        if location.column is not None:
            region["startColumn"] = location.column
        return region
    if suffix in _HTML_SUFFIXES and location.part in _HTML_LINE_PARTS:
        return {"startLine": location.line}  # columns there are of the extracted text
    return None


def _descriptor(rule: Rule, policy: Policy, action: str, lang: str) -> dict[str, Any]:
    """The reportingDescriptor of one detection rule, with its handling rules as help."""
    en = lang == "en"
    name = rule.name(lang)
    description = (rule.description_en if en else rule.description_zh) or name
    category = messages.word("category", rule.category, lang)
    severity = messages.word("severity", rule.severity, lang)
    intro = (f"{description}\nCategory: {category}; severity: {severity}." if en
             else f"{description}\n類別：{category}；風險：{severity}。")
    text_lines = [intro]
    markdown_lines = [_md(description), "",
                      (f"Category: **{_md(category)}**; severity: **{_md(severity)}**." if en
                       else f"類別：**{_md(category)}**；風險：**{_md(severity)}**。")]
    actions = ACTIONS if action == ALL_ACTIONS else (action,)
    for each in actions:
        entries = _handling_for(rule, policy, each)
        if not entries:
            continue
        word = messages.word("action", each, lang)
        heading = f"Handling rules ({word}):" if en else f"處理規定（{word}）："
        text_lines += ["", heading]
        markdown_lines += ["", f"**{_md(heading)}**", ""]
        for number, entry in enumerate(entries, 1):
            rule_text = entry.rule.text(lang) + _condition_note(entry, lang)
            sources = "; ".join(entry.rule.source)
            text_lines.append(f"{number}. {rule_text} [{sources}] ({entry.rule.id})")
            markdown_lines.append(f"{number}. {_md(rule_text)} — *{_md(sources)}* "
                                  f"(`{entry.rule.id}`)")
    return {
        "id": rule.id,
        "name": name,
        "shortDescription": {"text": name},
        "fullDescription": {"text": description},
        "help": {"text": "\n".join(text_lines), "markdown": "\n".join(markdown_lines)},
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {
            "tags": ["security", rule.category],
            "security-severity": SECURITY_SEVERITY.get(rule.severity, "0.0"),
            "category": rule.category,
            "severity": rule.severity,
        },
    }


def _fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """A descriptor for a finding whose rule was not passed in ``rules``."""
    return {
        "id": finding.rule,
        "name": finding.rule,
        "shortDescription": {"text": finding.rule},
        "defaultConfiguration": {"level": LEVEL.get(finding.severity, "warning")},
        "properties": {"tags": ["security", finding.category],
                       "security-severity": SECURITY_SEVERITY.get(finding.severity, "0.0"),
                       "category": finding.category, "severity": finding.severity},
    }


def _handling_for(rule: Rule, policy: Policy, action: str) -> list[HandlingEntry]:
    """Handling rules for ``action`` that can apply to findings of this rule's category."""
    return [e for e in policy.rules_for(action)
            if (e.condition.categories is None or rule.category in e.condition.categories)
            and (e.condition.rules is None or rule.id in e.condition.rules)]


def _condition_note(entry: HandlingEntry, lang: str) -> str:
    """What narrows an entry beyond the category: levels, rosters."""
    en = lang == "en"
    bits: list[str] = []
    condition = entry.condition
    if condition.levels:
        levels = "、".join(sorted(condition.levels, key=len))
        bits.append(f"levels {levels}" if en else f"密等：{levels}")
    if condition.roster is not None:
        bits.append(("rosters only" if condition.roster else "not rosters") if en
                    else ("僅名冊" if condition.roster else "名冊除外"))
    if not bits:
        return ""
    return f" ({'; '.join(bits)})" if en else f"（{'；'.join(bits)}）"


def _md(text: str) -> str:
    """Text safe inside Markdown: its special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
