"""File bytes → segments with locations, by format.  Extractors never raise on bad content:
problems become part of the ``Extraction`` so the caller can report the file as not read."""

from __future__ import annotations

from pathlib import PurePath

from .base import Extraction, Limits
from .text import decode, extract_text

__all__ = ["TEXT_SUFFIXES", "Extraction", "Limits", "decode", "extract"]

# Plain text, including configuration files, where passwords are often written down.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".csv", ".tsv", ".log", ".toml", ".ini", ".cfg",
                           ".conf", ".yaml", ".yml", ".json"})


def extract(data: bytes, name: str, limits: Limits) -> Extraction:
    """Extract the segments of a file called ``name`` from its bytes."""
    if len(data) > limits.max_file_bytes:
        return Extraction.unreadable("too-large", f"{len(data)} > {limits.max_file_bytes} bytes")
    if not data:
        return Extraction.unreadable("empty")
    suffix = PurePath(name).suffix.lower()
    if suffix in TEXT_SUFFIXES or name == "-":
        return extract_text(data, name)
    return Extraction.unreadable("unsupported-format", suffix or "(no extension)")
