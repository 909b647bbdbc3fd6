"""File bytes → segments with locations, by format.  Extractors never raise on bad content:
problems become part of the ``Extraction`` so the caller can report the file as not read.

Extractors are imported on first use, so a scan of plain text never loads PDFium or the XML
machinery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import PurePath

from .base import Extraction, Limits
from .text import decode, extract_text

__all__ = ["FORMATS", "TEXT_SUFFIXES", "Extraction", "Limits", "decode", "extract"]

# Plain text, including configuration files, where passwords are often written down.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".csv", ".tsv", ".log", ".toml", ".ini", ".cfg",
                           ".conf", ".yaml", ".yml", ".json"})
# Binary Office formats: no well-kept pure-Python reader handles them reliably.
LEGACY_SUFFIXES = frozenset({".doc", ".xls", ".ppt", ".dot", ".xlt", ".pot"})

# suffix → "module:function" of the extractor that reads it.
FORMATS: dict[str, str] = {
    **dict.fromkeys((".docx", ".docm", ".dotx", ".dotm"), "docx:extract_docx"),
    ".pdf": "pdf:extract_pdf",
    **dict.fromkeys((".xlsx", ".xlsm", ".xltx", ".xltm"), "xlsx:extract_xlsx"),
    **dict.fromkeys((".pptx", ".pptm", ".potx", ".ppsx", ".ppsm"), "pptx:extract_pptx"),
    **dict.fromkeys((".odt", ".ods", ".odp"), "odf:extract_odf"),
    **dict.fromkeys((".html", ".htm"), "html:extract_html"),
    **dict.fromkeys((".di", ".sw", ".xml"), "di:extract_di"),
    ".eml": "eml:extract_eml",
    ".zip": "archive:extract_zip",
}

Extractor = Callable[[bytes, str, Limits], Extraction]


def _extractor(spec: str) -> Extractor:
    module_name, function = spec.split(":")
    extractor: Extractor = getattr(importlib.import_module(f"{__name__}.{module_name}"), function)
    return extractor


def extract(data: bytes, name: str, limits: Limits) -> Extraction:
    """Extract the segments of a file called ``name`` from its bytes."""
    if len(data) > limits.max_file_bytes:
        return Extraction.unreadable("too-large", f"{len(data)} > {limits.max_file_bytes} bytes")
    if not data:
        return Extraction.unreadable("empty")
    suffix = PurePath(name).suffix.lower()
    if suffix in TEXT_SUFFIXES or name == "-":
        return extract_text(data, name, limits)
    if suffix in LEGACY_SUFFIXES:
        return Extraction.unreadable("legacy-format", suffix)
    if suffix == ".msg":  # the maintained reader (extract-msg) is GPL-3.0-only: not a dependency
        return Extraction.unreadable("msg-not-read")
    spec = FORMATS.get(suffix)
    if spec is None:
        return Extraction.unreadable("unsupported-format", suffix or "(no extension)")
    return _extractor(spec)(data, name, limits)
