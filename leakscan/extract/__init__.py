"""File bytes → segments with locations, by format.  Extractors never raise on bad content:
problems become part of the ``Extraction`` so the caller can report the file as not read."""

from __future__ import annotations

from pathlib import PurePath

from .base import Extraction, Limits
from .docx import extract_docx
from .pdf import extract_pdf
from .text import decode, extract_text

__all__ = ["TEXT_SUFFIXES", "Extraction", "Limits", "decode", "extract"]

# Plain text, including configuration files, where passwords are often written down.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".csv", ".tsv", ".log", ".toml", ".ini", ".cfg",
                           ".conf", ".yaml", ".yml", ".json"})


WORD_SUFFIXES = frozenset({".docx", ".docm", ".dotx", ".dotm"})
# Binary Office formats: no well-kept pure-Python reader handles them reliably.
LEGACY_SUFFIXES = frozenset({".doc", ".xls", ".ppt", ".dot", ".xlt", ".pot"})


def extract(data: bytes, name: str, limits: Limits) -> Extraction:
    """Extract the segments of a file called ``name`` from its bytes."""
    if len(data) > limits.max_file_bytes:
        return Extraction.unreadable("too-large", f"{len(data)} > {limits.max_file_bytes} bytes")
    if not data:
        return Extraction.unreadable("empty")
    suffix = PurePath(name).suffix.lower()
    if suffix in TEXT_SUFFIXES or name == "-":
        return extract_text(data, name)
    if suffix == ".pdf":
        return extract_pdf(data, name, limits)
    if suffix in WORD_SUFFIXES:
        return extract_docx(data, name, limits)
    if suffix in LEGACY_SUFFIXES:
        return Extraction.unreadable("legacy-format", suffix)
    return Extraction.unreadable("unsupported-format", suffix or "(no extension)")
