"""What the Office Open XML readers (docx, xlsx, pptx) share: relationships and properties."""

from __future__ import annotations

import posixpath

from ..model import Location, Segment
from .base import Extraction
from .safezip import PackageReader
from .safezip import local_name as _local

__all__ = ["Package"]

_CORE_FIELDS = frozenset({"title", "subject", "keywords", "description", "creator",
                          "lastModifiedBy", "category", "contentStatus"})
_APP_FIELDS = {"Company": "company", "Manager": "manager"}


class Package(PackageReader):
    """One opened OOXML package: relationships and properties on top of the shared reader.

    Shared by the docx, xlsx and pptx readers.
    """

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """``(id, type, stored target)`` of ``part``'s internal relationships that exist."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        out = []
        for rel in root if root is not None else ():
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            stored = self.zip.find(resolved)
            if stored is not None:
                out.append((rel.get("Id", ""), rel.get("Type", "").rsplit("/", 1)[-1], stored))
        return out

    def main_part(self, fallback: str) -> str | None:
        """The package's officeDocument part, or ``fallback`` when the relationship is missing."""
        main = next((t for _, kind, t in self.rels("") if kind == "officeDocument"), None)
        return main or self.zip.find(fallback)

    def metadata(self) -> None:
        """Title, subject, keywords, comments, author … and custom properties (labels live there)."""
        targets = {kind: target for _, kind, target in self.rels("")}
        core = self.xml(targets.get("core-properties", "docProps/core.xml"))
        for child in core if core is not None else ():
            local = _local(child.tag)
            if local in _CORE_FIELDS and child.text and child.text.strip():
                self.segments.append(Segment(child.text, Location("metadata", name=local)))
        app = self.xml(targets.get("extended-properties", "docProps/app.xml"))
        for child in app if app is not None else ():
            local = _APP_FIELDS.get(_local(child.tag))
            if local and child.text and child.text.strip():
                self.segments.append(Segment(child.text, Location("metadata", name=local)))
        custom = self.xml(targets.get("custom-properties", "docProps/custom.xml"))
        for prop in custom if custom is not None else ():
            text = "".join(prop.itertext()).strip()
            if text:
                self.segments.append(Segment(text, Location("metadata",
                                                             name=f"custom:{prop.get('name', '')}")))

    def finish(self, main_ok: bool, embeddings: str) -> Extraction:
        """The extraction, embedded documents attached; unreadable when the main part was not read."""
        return self.result(main_ok, self.embedded(embeddings))
