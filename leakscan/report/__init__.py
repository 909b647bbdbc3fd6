"""Renderers: results → text for a person, or the ``leakscan/1`` JSON document.

Masking has already happened in detection (``Finding.masked``); renderers show raw values only
when asked to ``reveal`` them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .. import messages
from ..model import CATEGORIES, SEVERITIES, STATUSES, VERDICTS, Decision, Location, ScanResult
from ..walk import CHOSEN_SKIPS, Skipped, skip_reason

SCHEMA = "leakscan/1"

__all__ = ["SCHEMA", "Known", "render_json", "render_text", "summary"]

# Whether the finding at this index of this result (a file or an item) is in the baseline.
Known = Callable[[ScanResult, int], bool]


def summary(results: Sequence[ScanResult], *, skipped: Sequence[Skipped] = (),
            known: Known | None = None) -> dict[str, Any]:
    """Counts per file (statuses, decisions) and over every item inside them (findings); the
    files not (fully) read with their problems, the files skipped with their reasons, and with a
    baseline how many findings it already holds."""
    every = [r for result in results for r in result.all_results()]
    statuses = Counter(r.status for r in results)
    verdicts = Counter(r.verdict for r in results)
    categories = Counter(f.category for r in every for f in r.findings)
    severities = Counter(f.severity for r in every for f in r.findings)
    reasons = Counter(s.reason for s in skipped)
    out: dict[str, Any] = {
        "files": len(results),
        "items": len(every),
        "status": {s: statuses.get(s, 0) for s in STATUSES},
        "findings": sum(categories.values()),
        "by_category": {c: categories[c] for c in CATEGORIES if categories.get(c)},
        "by_severity": {s: severities.get(s, 0) for s in SEVERITIES},
        "decisions": {v: verdicts.get(v, 0) for v in VERDICTS},
        "not_read": [{"path": r.path, "status": r.status, "problems": [p.code for p in r.problems]}
                     for r in every if r.status != "scanned" and r.problems],
        "skipped": {
            "count": len(skipped),
            "by_reason": dict(sorted(reasons.items())),
            "files": [{"path": s.path, "reason": s.reason, "detail": s.detail} for s in skipped],
        },
    }
    if known is not None:
        held = sum(1 for r in every for index in range(len(r.findings)) if known(r, index))
        out["baseline"] = {"known": held, "new": out["findings"] - held}
    return out


def render_json(results: Sequence[ScanResult], action: str, *, lang: str = "zh-TW",
                reveal: bool = False, skipped: Sequence[Skipped] = (),
                known: Known | None = None) -> str:
    """The ``leakscan/1`` document; with a baseline every finding has ``"baseline": true|false``."""
    files = []
    for result in results:
        entry = result.to_dict(lang=lang, reveal=reveal)
        if known is not None:
            _mark_known(result, entry, known)
        files.append(entry)
    document = {
        "schema": SCHEMA,
        "action": action,
        "lang": lang,
        "files": files,
        "summary": summary(results, skipped=skipped, known=known),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _mark_known(result: ScanResult, entry: dict[str, Any], known: Known) -> None:
    for index, finding in enumerate(entry["findings"]):
        finding["baseline"] = known(result, index)
    for item, item_entry in zip(result.items, entry["items"], strict=True):
        _mark_known(item, item_entry, known)


def _where(location: Location, lang: str) -> str:
    en = lang == "en"
    bits: list[str] = []
    if location.part != "body":
        bits.append(messages.word("part", location.part, lang))
    if location.name:
        bits.append(location.name)
    if location.page is not None:
        bits.append(f"page {location.page}" if en else f"第 {location.page} 頁")
    if location.sheet is not None:
        bits.append(f"sheet {location.sheet}" if en else f"工作表 {location.sheet}")
    if location.slide is not None:
        bits.append(f"slide {location.slide}" if en else f"第 {location.slide} 張投影片")
    if location.table is not None:
        bits.append(f"table {location.table}" if en else f"表格 {location.table}")
    if location.cell is not None:
        bits.append(f"cell {location.cell}" if en else f"儲存格 {location.cell}")
    elif location.row is not None and location.col is not None:
        bits.append(f"row {location.row} col {location.col}" if en
                    else f"第 {location.row} 列第 {location.col} 欄")
    if location.paragraph is not None:
        bits.append(f"paragraph {location.paragraph}" if en else f"第 {location.paragraph} 段")
    if location.line is not None:
        bits.append(f"line {location.line}, col {location.column}" if en
                    else f"第 {location.line} 行第 {location.column} 字")
    return " · ".join(bits)


def _file_lines(result: ScanResult, lang: str, reveal: bool, rules: dict[str, str],
                indent: str = "", known: Known | None = None) -> list[str]:
    en = lang == "en"
    status = messages.word("status", result.status, lang)
    lines = [f"{indent}== {result.path} ({status})" if en else f"{indent}== {result.path}（{status}）"]
    for problem in result.problems:
        label = "not read" if en else "未讀取"
        lines.append(f"{indent}  ! {label}: {messages.problem(problem.code, problem.detail, lang)}"
                     if en else
                     f"{indent}  ！{label}：{messages.problem(problem.code, problem.detail, lang)}")
    for number, finding in enumerate(result.findings, 1):
        severity = messages.word("severity", finding.severity, lang)
        category = messages.word("category", finding.category, lang)
        shown = finding.value if reveal else finding.masked
        name = rules.get(finding.rule, finding.rule)
        mark = ""
        if known is not None and known(result, number - 1):
            mark = " (in baseline)" if en else "（基準線已列）"
        lines.append(f"{indent}  {number}. [{severity}] {category} · {name} · "
                     f"{_where(finding.location, lang)}{mark}")
        lines.append(f"{indent}     {'value' if en else '內容'}: {shown}" if en
                     else f"{indent}     內容：{shown}")
        why = "; ".join(messages.explain(r, lang) for r in finding.reasons)
        if why:
            lines.append(f"{indent}     why: {why}" if en else f"{indent}     理由：{why}")
    for decision in result.decisions or (result.decision,):
        lines.extend(_decision_lines(decision, lang, indent, quiet=not result.findings
                                     and result.status == "scanned"))
    for item in result.items:
        lines.extend(_file_lines(item, lang, reveal, rules, indent + "    ", known))
    return lines


def _decision_lines(decision: Decision, lang: str, indent: str, *, quiet: bool) -> list[str]:
    """The verdict line for one action, then its numbered handling rules and the liabilities."""
    en = lang == "en"
    action = messages.word("action", decision.action, lang)
    verdict = messages.word("verdict", decision.verdict, lang)
    because = "; ".join(messages.explain(r, lang) for r in decision.reasons)
    if quiet and not because:
        because = "no findings" if en else "未發現風險"
    if en:
        lines = [f"{indent}  → {action}: {verdict}" + (f" ({because})" if because else "")]
    else:
        lines = [f"{indent}  → {action}：{verdict}" + (f"（{because}）" if because else "")]
    for number, rule in enumerate(decision.handling, 1):
        lines.append(f"{indent}     {number}) {rule.text(lang)} [{'; '.join(rule.source)}]")
    if decision.liability:
        lines.append(f"{indent}     Liability:" if en else f"{indent}     法律責任：")
        for rule in decision.liability:
            cites = ""
            if rule.note:
                cites = f" (the guidance cites {rule.note})" if en else f"（宣導資料引用 {rule.note}）"
            separator = ": " if en else "："
            lines.append(f"{indent}       - {rule.source[0]}{separator}{rule.text(lang)}{cites}")
    return lines


def render_text(results: Sequence[ScanResult], action: str, *, lang: str = "zh-TW",
                reveal: bool = False, rule_names: dict[str, str] | None = None,
                skipped: Sequence[Skipped] = (), known: Known | None = None) -> str:
    """A report per file, then what was not read or skipped and why, then one summary line."""
    rules = rule_names or {}
    lines: list[str] = []
    for result in results:
        lines.extend(_file_lines(result, lang, reveal, rules, known=known))
        lines.append("")
    counts = summary(results, skipped=skipped, known=known)
    lines.extend(_summary_lines(counts, lang))
    en = lang == "en"
    severities = ", ".join(f"{messages.word('severity', s, lang)} {n}"
                           for s, n in reversed(counts["by_severity"].items()) if n)
    verdicts = ", ".join(f"{messages.word('verdict', v, lang)} {n}"
                         for v, n in counts["decisions"].items() if n)
    status = counts["status"]
    inside = counts["items"] - counts["files"]
    if en:
        lines.append(
            f"{counts['files']} file(s)"
            + (f" ({inside} item(s) inside)" if inside else "")
            + f": {status['scanned']} read, {status['partial']} partial, "
            f"{status['unreadable']} not read; {counts['findings']} finding(s)"
            + (f" ({severities})" if severities else "")
            + f"; {messages.word('action', action, lang)}: {verdicts}")
    else:
        lines.append(
            f"共 {counts['files']} 個檔案"
            + (f"（含內嵌項目 {inside} 個）" if inside else "")
            + f"：完整讀取 {status['scanned']}、部分讀取 "
            f"{status['partial']}、無法讀取 {status['unreadable']}；發現 {counts['findings']} 項"
            + (f"（{severities}）" if severities else "")
            + f"；{messages.word('action', action, lang)}判定：{verdicts}")
    return "\n".join(lines) + "\n"


def _summary_lines(counts: dict[str, Any], lang: str) -> list[str]:
    """The summary block: files not read (with reasons), files skipped, findings by category,
    and the baseline; each part only when it has something to say."""
    en = lang == "en"
    colon = ": " if en else "："
    comma = ", " if en else "、"
    lines: list[str] = []
    if counts["not_read"]:
        lines.append("Not read completely:" if en else "未完整讀取：")
        for entry in counts["not_read"]:
            why = comma.join(messages.word("problem", code, lang) for code in entry["problems"])
            lines.append(f"  - {entry['path']}{colon}{messages.word('status', entry['status'], lang)}"
                         f"{colon}{why}")
    skipped = counts["skipped"]
    if skipped["count"]:
        by_reason = comma.join(f"{skip_reason(code, lang)} {n}" for code, n in skipped["by_reason"].items())
        lines.append(f"Skipped {skipped['count']}: {by_reason}" if en
                     else f"略過 {skipped['count']} 個：{by_reason}")
        for entry in skipped["files"]:
            if entry["reason"] in CHOSEN_SKIPS:
                continue
            detail = f" ({entry['detail']})" if entry["detail"] else ""
            lines.append(f"  - {entry['path']}{colon}{skip_reason(entry['reason'], lang)}{detail}")
    if counts["by_category"]:
        words = comma.join(f"{messages.word('category', c, lang)} {n}"
                           for c, n in counts["by_category"].items())
        lines.append(f"Findings by category: {words}" if en else f"依類別：{words}")
    if "baseline" in counts:
        held, new = counts["baseline"]["known"], counts["baseline"]["new"]
        lines.append(f"Baseline: {held} finding(s) already listed (they do not fail the run), {new} new"
                     if en else f"基準線：已列 {held} 項（不影響結束碼），新發現 {new} 項")
    return lines
