"""One scanned message boiled down to what a gateway may say about it: no values, ever.

The headers and SMTP replies are built from rule ids, policy entry ids, categories, counts and
problem codes only.  Masked values stay in the quarantine report; raw values go nowhere.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..model import CATEGORIES, SEVERITY_RANK, ScanResult

# Problems that mean the scan itself failed, not that the message is odd: fail-closed or -open.
SCAN_FAILURES = ("internal-error", "timeout")
MAX_REPLY_LINE = 500  # RFC 5321 4.5.3.1.5: 512 octets with the code and CRLF
# The English policy notes name a few terms in Chinese; an ASCII reply spells them out.  Whole
# terms only: 密 inside another word (密碼 in an agency's own note) is not "restricted".
_ASCII_TERMS = {"絕對機密": "top-secret", "極機密": "secret", "機密": "confidential", "底價": "floor price",
                "密件": "classified document", "密": "restricted"}
_ASCII_TERM = re.compile("|".join(f"(?<![\u4e00-\u9fff]){term}(?![\u4e00-\u9fff])" if len(term) == 1
                                  else term for term in _ASCII_TERMS))


@dataclass(frozen=True, slots=True)
class PolicyNote:
    """A policy entry that decided the verdict, with its zh-TW and English note."""

    id: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict of one message for the action ``email`` and the non-secret facts behind it."""

    verdict: str
    found: str  # the findings' verdict alone, without the read status (Decision.found)
    status: str
    counts: tuple[tuple[str, int], ...]  # category → findings of severity low or above
    rules: tuple[str, ...]
    policies: tuple[PolicyNote, ...]
    problems: tuple[str, ...]  # problem codes over the message and its attachments

    @classmethod
    def of(cls, result: ScanResult) -> Outcome:
        every = result.all_results()
        found = [f for r in every for f in r.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["low"]]
        per_category = Counter(f.category for f in found)
        counts = tuple((c, per_category[c]) for c in CATEGORIES if per_category[c])
        policies = tuple(PolicyNote(r.detail, *(r.words or ("", ""))) for r in result.decision.reasons
                         if r.code == "policy")
        problems = tuple(dict.fromkeys(p.code for r in every for p in r.problems))
        return cls(result.verdict, result.decision.found, result.status, counts,
                   tuple(sorted({f.rule for f in found})), policies, problems)

    @property
    def failed(self) -> str | None:
        """``internal-error`` or ``timeout`` when the scan itself did not finish, else None."""
        return next((code for code in SCAN_FAILURES if code in self.problems), None)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    def decision_header(self) -> str:
        """``X-Leakscan-Decision``: verdict, read status, the deciding policy entries, problems."""
        fields = [self.verdict, f"status={self.status}"]
        if self.policies:
            fields.append("policy=" + ",".join(p.id for p in self.policies))
        if self.problems:
            fields.append("problems=" + ",".join(self.problems))
        return "; ".join(fields)

    def findings_header(self) -> str:
        """``X-Leakscan-Findings``: the total, a count per category and the rule ids."""
        fields = [f"total={self.total}", *(f"{c}={n}" for c, n in self.counts)]
        if self.rules:
            fields.append("rules=" + ",".join(self.rules))
        return "; ".join(fields)

    def headers(self) -> list[tuple[str, str]]:
        return [("X-Leakscan-Decision", self.decision_header()),
                ("X-Leakscan-Findings", self.findings_header())]

    def reject_reply(self, *, utf8: bool) -> str:
        """A 550 multi-line reply saying why, in English, and first in zh-TW when ``utf8``.

        Without SMTPUTF8 a reply must be ASCII, so the zh-TW notes go only to clients that
        announced it; every client gets the English notes and the policy ids, which
        ``leakscan explain ID`` shows in zh-TW.
        """
        blocked = self.verdict == "block"
        lines = []
        if utf8:
            lines.append("郵件含有不得以電子郵件寄出的內容，已退回。" if blocked
                         else "郵件含有須注意的內容，依本機關設定退回。")
            lines += [f"{p.zh} [{p.id}]" for p in self.policies if p.zh]
        lines.append("Message rejected by leakscan: it may not be sent by e-mail." if blocked
                     else "Message rejected by leakscan: it needs care before it is e-mailed.")
        lines += [f"{p.en} [{p.id}]" for p in self.policies if p.en]
        if self.status != "scanned":
            lines.append(f"Not fully read ({self.status}): {', '.join(self.problems)}")
        lines.append(f"Findings: {self.findings_header()}")
        if self.policies:
            lines.append(f"Details: leakscan explain {self.policies[0].id}")
        return multiline("550", "5.7.1", lines, utf8=utf8)


def unscanned_header(reason: str) -> list[tuple[str, str]]:
    """The header of a message relayed without a verdict (fail-open, oversized)."""
    return [("X-Leakscan-Decision", f"unscanned; reason={reason}")]


def multiline(code: str, enhanced: str, lines: list[str], *, utf8: bool = False) -> str:
    """An SMTP reply of several lines (``550-…`` then ``550 …``), each within the length limit."""
    def fit(text: str) -> str:
        text = " ".join(text.split())
        if not utf8:
            text = ascii_text(text)
        while len(text.encode("utf-8")) > MAX_REPLY_LINE - len(code) - len(enhanced) - 2:
            text = text[:-2] + "…" if utf8 else text[:-4] + "..."
        return text

    body = [fit(line) for line in lines if line.strip()] or ["-"]
    return "\r\n".join(f"{code}{' ' if i == len(body) - 1 else '-'}{enhanced} {text}"
                       for i, text in enumerate(body))


def ascii_text(text: str) -> str:
    """English text for an ASCII-only reply: known Chinese terms in words, anything else ``?``."""
    text = _ASCII_TERM.sub(lambda match: _ASCII_TERMS[match.group()], text)
    return text.encode("ascii", "replace").decode("ascii")
