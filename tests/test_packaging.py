"""The built wheel carries the built-in pattern sets, handling rules and dictionary."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_wheel_contains_pattern_sets_and_dictionary(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = tmp_path.glob("leakscan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for pattern_file in sorted((ROOT / "patterns").glob("*.toml")):
        assert f"leakscan/patterns/{pattern_file.name}" in names
    for data_file in sorted((ROOT / "patterns" / "handling").glob("*.toml")):
        assert f"leakscan/patterns/handling/{data_file.name}" in names
    assert "leakscan/data/jieba_zh_tw.txt.gz" in names
    assert "leakscan/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "leakscan = leakscan.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
