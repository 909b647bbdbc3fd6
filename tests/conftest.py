"""Shared fixtures: one Scanner for the whole session, as a gateway would hold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakscan import Scanner

ROOT = Path(__file__).resolve().parent.parent
# Copies of ../shared/guidance, the two texts the project comes from (negatives for classification).
GUIDANCE = sorted((ROOT / "tests" / "data" / "guidance").glob("*.txt"))
assert len(GUIDANCE) == 2, "tests/data/guidance must hold the two guidance texts"


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return Scanner()


def rules_found(scanner: Scanner, text: str, part: str = "body") -> dict[str, list]:
    """rule id → findings, for one text scanned as a segment of ``part``."""
    from leakscan import Location, Segment

    found: dict[str, list] = {}
    for finding in scanner.detect([Segment(text, Location(part))]):
        found.setdefault(finding.rule, []).append(finding)
    return found


@pytest.fixture
def locked_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders named ``locked`` cannot be listed (chmod 0 does not stop root, so refuse like the
    OS would)."""
    import os

    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
