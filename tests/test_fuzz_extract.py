"""Property-based tests of every extractor on damaged real files, and the crash corpus replayed.

Each sample of ``fixtures_hostile.SAMPLES`` is truncated, bit-flipped, stripped of zip entries,
given duplicate entries, odd attribute values in its XML, a declared encoding of every codec
Python knows, or a wrong extension.  Whatever comes in, ``extract`` returns and
``scan_bytes`` ends with a status; an extractor exception caught by the scanner
(``internal-error``) counts as a failure here, because it is a bug even when contained.
Inputs that once broke an extractor are kept in ``tests/data/crashes`` and replayed.
"""

from __future__ import annotations

import encodings.aliases
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakscan import Scanner, ScanResult
from leakscan.extract import Limits, extract
from leakscan.model import STATUSES

from .fixtures_hostile import (
    CRASHES,
    MAIN_PARTS,
    ODD_VALUES,
    SAMPLES,
    ZIP_BASED,
    flip,
    fuzz_settings,
    rezip,
    sample,
    truncate,
    with_attribute,
    zip_names,
)

NAMES = sorted(SAMPLES)


def check_result(scanner: Scanner, data: bytes, name: str) -> ScanResult:
    """What holds for any bytes under any name; returns the scan's result for more checks."""
    extraction = extract(data, name, Limits())  # raises here with a traceback if an extractor breaks
    assert extraction.status in STATUSES
    if extraction.status == "unreadable":
        assert extraction.problems, "unreadable without saying why"
    result = scanner.scan_bytes(data, name)
    for part in result.all_results():
        assert part.status in STATUSES
        codes = [p.code for p in part.problems]
        assert "internal-error" not in codes, (part.path, part.problems)
        if part.status == "scanned":
            assert not codes, (part.path, part.problems)
        else:
            assert codes or any(r.status != "scanned" for r in part.items), part.path
    return result


@pytest.mark.parametrize("name", NAMES)
@fuzz_settings(40)
@given(data=st.data())
def test_truncated_files(scanner: Scanner, name: str, data: st.DataObject) -> None:
    original = sample(name)
    keep = data.draw(st.integers(0, len(original) - 1), label="keep")
    result = check_result(scanner, truncate(original, keep), name)
    if name in ZIP_BASED:  # the central directory is at the end: nothing can be read completely
        assert result.status != "scanned"
    if name == "x.pdf" and keep < len(original) - 32:  # cut before the trailer and its xref
        assert result.status != "scanned"


@pytest.mark.parametrize("name", NAMES)
@fuzz_settings(40)
@given(flips=st.lists(st.tuples(st.integers(0, 2**31), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flipped_files(scanner: Scanner, name: str, flips: list[tuple[int, int]]) -> None:
    check_result(scanner, flip(sample(name), flips), name)


@pytest.mark.parametrize("name", sorted(ZIP_BASED))
@fuzz_settings(25)
@given(data=st.data())
def test_zip_entries_dropped_or_duplicated(scanner: Scanner, name: str, data: st.DataObject) -> None:
    original = sample(name)
    names = [n for n in zip_names(original) if not n.endswith("/")]
    dropped = data.draw(st.sets(st.sampled_from(names), max_size=3), label="drop")
    doubled = data.draw(st.sets(st.sampled_from(names), max_size=2), label="duplicate")
    filler = data.draw(st.sampled_from([b"", b"<x/>", "<a>機密</a>".encode(), b"\x00" * 64]), label="filler")
    damaged = rezip(original, drop=frozenset(dropped), duplicate=dict.fromkeys(doubled, filler))
    result = check_result(scanner, damaged, name)
    if MAIN_PARTS.get(name) in dropped:
        assert result.status != "scanned"
    if doubled - dropped:  # two entries of one name: which one another reader uses is unknown
        assert result.status != "scanned"


@pytest.mark.parametrize("name", sorted(MAIN_PARTS))
@fuzz_settings(60)
@given(data=st.data())
def test_odd_attribute_values(scanner: Scanner, name: str, data: st.DataObject) -> None:
    """Numbers, references and names replaced by values no writer produces (a row numbered "²"
    once crashed the xlsx reader: ``str.isdigit`` accepts it, ``int`` does not)."""
    original = sample(name)
    entries = [n for n in zip_names(original) if n.endswith((".xml", ".rels"))]
    entry = data.draw(st.sampled_from(entries), label="entry")
    index = data.draw(st.integers(0, 10_000), label="attribute")
    value = data.draw(st.one_of(st.sampled_from(ODD_VALUES),
                                st.text(st.characters(codec="utf-8", exclude_characters='"<&'), max_size=8)),
                      label="value")
    check_result(scanner, with_attribute(original, entry, index, value), name)


# Every codec Python knows under any alias, plus the odd ones (bytes-to-bytes, str-to-str, codecs
# that raise UnicodeError rather than UnicodeDecodeError: punycode and undefined once crashed the DI
# and HTML readers).
CODECS = sorted(set(encodings.aliases.aliases.values()) | {
    "punycode", "undefined", "idna", "unicode_escape", "raw_unicode_escape", "rot13", "utf-7", "base64",
    "zlib", "hex", "uu", "quopri", "bz2", "cp65001", "x-unknown"})


@pytest.mark.parametrize("codec", CODECS)
def test_declared_encodings(scanner: Scanner, codec: str) -> None:
    """Whatever a file says its encoding is, the reader decodes or falls back; it never raises."""
    for name, blob in (
        ("a.di", f'<?xml version="1.0" encoding="{codec}"?><函><主旨>機密</主旨></函>'),
        ("a.xml", f'<?xml version="1.0" encoding="{codec}"?><a>機密</a>'),
        ("a.html", f'<meta charset="{codec}"><p>機密</p>'),
        ("b.html", f'<meta http-equiv="Content-Type" content="text/html; charset={codec}"><p>機密</p>'),
    ):
        check_result(scanner, blob.encode(), name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("as_name", ["x.docx", "x.xlsx", "x.pptx", "x.odt", "x.pdf", "x.html", "x.di",
                                     "x.eml", "x.zip", "x.txt", "x.doc", "noext"])
def test_wrong_extension(scanner: Scanner, name: str, as_name: str) -> None:
    """Content of one format under another's name: reported, never a crash."""
    result = check_result(scanner, sample(name), as_name)
    office = {".docx", ".xlsx", ".pptx", ".odt"}
    suffix, as_suffix = Path(name).suffix, Path(as_name).suffix
    if as_suffix in office and suffix != as_suffix and {suffix, as_suffix} - {".odt", ".ods", ".odp"}:
        assert result.status != "scanned"  # a document without the parts its name promises
    if as_suffix == ".txt" and name in {*ZIP_BASED, "x.pdf"}:
        assert result.status != "scanned"  # binary read as text: undecodable bytes, never clean


CRASH_FILES = sorted(p for p in CRASHES.glob("*") if p.is_file() and p.name != "README.md")


def test_crash_corpus_is_there() -> None:
    assert CRASH_FILES, "tests/data/crashes lost its inputs"


@pytest.mark.parametrize("path", CRASH_FILES, ids=[p.name for p in CRASH_FILES])
def test_crash_corpus_replays_cleanly(scanner: Scanner, path: Path) -> None:
    """Every input that once crashed an extractor now ends as a result with a status."""
    result = check_result(scanner, path.read_bytes(), path.name)
    assert result.status != "scanned" or not path.name.startswith("damaged-")
