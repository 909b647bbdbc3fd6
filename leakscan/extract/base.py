"""What every extractor returns, and the limits every extractor honours."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..model import Problem, Segment


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety limits with defaults a mail gateway can live with; all can be changed.

    ``max_file_bytes`` caps what is read into memory at all; a larger file is reported as not
    read (``too-large``) instead of being loaded.  The zip limits apply to every zip-based format
    (docx, xlsx, pptx, odt, zip): one byte budget for everything inflated from one archive, a
    ratio that real office files never reach, an entry count, and how deep containers may nest.
    """

    max_file_bytes: int = 100 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    max_entries: int = 10_000
    max_depth: int = 5
    max_pdf_pages: int = 2000  # pages past it are reported as not read (too-many-pages)
    # Time budget per file, in seconds.  Checked between pages, segments and embedded items, so a
    # slow file ends as partial (``timeout``) instead of holding a gateway; one C call that never
    # returns is beyond any in-process check, which is why folder scans run files in workers.
    max_seconds: float = 60.0
    # Findings reported per file (and per item inside it): past it the file is partial
    # (too-many-findings).  A roster of 10,000 people has about 40,000; each costs ~0.5 KB.
    max_findings: int = 100_000
    # Set by the Scanner for each scan (time.monotonic() + max_seconds); None: no deadline.
    deadline: float | None = None

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


@dataclass(frozen=True, slots=True)
class Extraction:
    """Segments of one file plus what could not be read; ``status`` says how complete it is."""

    segments: tuple[Segment, ...] = ()
    problems: tuple[Problem, ...] = ()
    status: str = "scanned"
    encoding: str | None = None
    items: tuple[tuple[str, bytes], ...] = ()  # embedded files, scanned as ``outer!inner``

    @classmethod
    def unreadable(cls, code: str, detail: str = "") -> Extraction:
        return cls(problems=(Problem(code, detail),), status="unreadable")
