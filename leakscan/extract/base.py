"""What every extractor returns, and the limits every extractor honours."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Problem, Segment


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety limits with defaults a mail gateway can live with; all can be changed.

    ``max_file_bytes`` caps what is read into memory at all; a larger file is reported as not
    read (``too-large``) instead of being loaded.
    """

    max_file_bytes: int = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Extraction:
    """Segments of one file plus what could not be read; ``status`` says how complete it is."""

    segments: tuple[Segment, ...] = ()
    problems: tuple[Problem, ...] = ()
    status: str = "scanned"
    encoding: str | None = None

    @classmethod
    def unreadable(cls, code: str, detail: str = "") -> Extraction:
        return cls(problems=(Problem(code, detail),), status="unreadable")
