"""A one-line progress display for long scans (the CLI shows it on a terminal's stderr only)."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressLine"]


class ProgressLine:
    """``files done / total · findings so far``, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, lang: str = "zh-TW", *, interval: float = 0.1) -> None:
        self.stream = stream
        self.en = lang == "en"
        self.interval = interval
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, findings: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.interval:
            return
        self.last = now
        width = 24
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        text = (f"[{bar}] {done}/{total} files · {findings} finding(s)" if self.en
                else f"[{bar}] {done}/{total} 個檔案 · 發現 {findings} 項")
        self.stream.write("\r" + text)
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Clear the line so the report starts on a clean one."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
