"""Shared fixtures: one Scanner for the whole session, as a gateway would hold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakscan import Scanner

ROOT = Path(__file__).resolve().parent.parent
GUIDANCE = sorted((ROOT.parent / "shared" / "guidance").glob("*.txt"))


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
