"""The safe zip and XML reader every zip-based extractor uses: bombs refused, DTDs refused."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest

from leakscan.extract import Extraction, Limits
from leakscan.extract.safezip import (
    PackageReader,
    Refused,
    ZipLimits,
    attach_items,
    cfb_problem,
    guarded_expat,
    open_zip,
    parse_xml,
    read_items,
)

from .fixtures_docx import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    encrypted_docx,
    flat_zip_bomb,
    legacy_doc,
    many_entries_zip,
    understated_size_zip,
)
from .fixtures_hostile import rezip


def _zip(entries: dict[str, bytes], level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refusal(call: object, *args: object) -> str:
    with pytest.raises(Refused) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.code


def test_limits_come_from_the_limits_object_or_defaults() -> None:
    assert ZipLimits.of(Limits()) == ZipLimits()
    assert ZipLimits.of(SimpleNamespace(max_entries=3)).max_entries == 3
    assert ZipLimits().max_uncompressed_bytes == 200 * 1024 * 1024


@pytest.mark.parametrize(("data", "limits", "code"), [
    (b"not a zip", Limits(), "corrupt"),
    (b"PK\x03\x04" + bytes(40), Limits(), "corrupt"),
    (many_entries_zip(10_001), Limits(), "too-many-entries"),
    (many_entries_zip(4), SimpleNamespace(max_entries=3), "too-many-entries"),
    (_zip({"a": bytes(3 * 1024 * 1024)}), Limits(), "zip-bomb"),   # ratio ~1000 on a large entry
    (_zip({"a": b"x" * 600, "b": b"y" * 600}), SimpleNamespace(max_uncompressed_bytes=1000), "zip-bomb"),
], ids=["not-zip", "truncated-header", "too-many-default", "too-many-custom", "ratio", "declared-total"])
def test_open_zip_refuses_before_inflating(data: bytes, limits: object, code: str) -> None:
    assert _refusal(open_zip, data, limits) == code


def test_flat_300mb_bomb_refused_from_its_directory_alone() -> None:
    data = flat_zip_bomb()
    assert len(data) < 1024 * 1024  # 300 MB of zeros in ~300 KB
    with pytest.raises(Refused) as caught:
        open_zip(data, Limits())
    assert caught.value.code == "zip-bomb" and "314572800" in caught.value.detail


def test_small_well_compressed_parts_are_fine() -> None:
    archive = open_zip(_zip({"word/document.xml": b" " * 512 * 1024}), Limits())
    assert archive.read("WORD/Document.xml") == b" " * 512 * 1024  # part names ignore case


def test_reads_share_one_budget_and_stop_at_it() -> None:
    archive = open_zip(_zip({"a": b"x" * 1000}), SimpleNamespace(max_uncompressed_bytes=1500))
    assert len(archive.read("a")) == 1000
    assert _refusal(archive.read, "a") == "zip-bomb"


def test_understated_sizes_are_not_inflated_past_the_declaration() -> None:
    archive = open_zip(understated_size_zip(), Limits())
    read = 0
    with pytest.raises(Refused) as caught:
        for chunk in archive.chunks("word/document.xml"):
            read += len(chunk)
    assert caught.value.code == "corrupt" and read <= 1000


def test_missing_part_is_corrupt() -> None:
    assert _refusal(open_zip(_zip({"a": b"1"}), Limits()).read, "b") == "corrupt"


@pytest.mark.parametrize("xml", [
    BILLION_LAUGHS.encode(),
    EXTERNAL_ENTITY.encode(),
    BILLION_LAUGHS.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    .encode("utf-16"),
    b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>',
], ids=["billion-laughs", "external-entity", "utf16-billion-laughs", "external-dtd"])
def test_xml_with_a_dtd_is_refused(xml: bytes) -> None:
    assert _refusal(parse_xml, xml) == "xml-entities"
    parser = guarded_expat()
    assert _refusal(parser.Parse, xml, True) == "xml-entities"


def test_plain_xml_parses_and_broken_xml_is_corrupt() -> None:
    assert parse_xml(b'<?xml version="1.0"?><a><b>\xe6\xa9\x9f</b></a>')[0].text == "機"
    assert _refusal(parse_xml, b"<a><b></a>") == "corrupt"


@pytest.mark.parametrize(("data", "code"), [
    (encrypted_docx(), "encrypted"),
    (legacy_doc(), "legacy-format"),
    (b"PK\x03\x04", None),
], ids=["encrypted-ooxml", "legacy-binary", "zip"])
def test_compound_files_are_told_apart(data: bytes, code: str | None) -> None:
    problem = cfb_problem(data)
    assert (problem.code if problem else None) == code


def test_embedded_items_are_read_under_the_budget() -> None:
    archive = open_zip(_zip({"word/embeddings/a.docx": b"1", "word/embeddings/b.xlsx": b"22",
                             "word/media/c.png": b"3"}), Limits())
    items, problems = read_items(archive, "word/embeddings")
    assert items == (("word/embeddings/a.docx", b"1"), ("word/embeddings/b.xlsx", b"22"))
    assert problems == ()
    attached = attach_items(Extraction(), items)
    assert attached.items == items


def test_duplicate_entries_are_named_and_the_first_is_read() -> None:
    """A second entry of one name (case-insensitive) cannot be read by name; another program may
    show it instead, so every package reader reports it."""
    data = rezip(_zip({"word/document.xml": b"<a>1</a>"}),
                 duplicate={"word/document.xml": b"<a>2</a>", "Word/Document.XML": b"<a>3</a>"})
    archive = open_zip(data, Limits())
    assert archive.duplicates == ("word/document.xml", "Word/Document.XML")
    assert archive.read("word/document.xml") == b"<a>1</a>"
    assert [p.code for p in PackageReader(archive).problems] == ["duplicate-entry"] * 2
