"""電子公文 DI/SW XML: the 密等 attribute judged as a header field, every text located by its
element path; entity tricks refused, nothing outside the bytes ever read."""

from __future__ import annotations

import builtins
import codecs
import io
import os
import random
import urllib.request

import pytest

from leakscan import Location, Scanner, Segment
from leakscan.extract import Limits, extract
from leakscan.extract.di import extract_di, is_di_root
from leakscan.model import STATUSES

from .fixtures_odf import DI_BILLION_LAUGHS, DI_EXTERNAL_ENTITY, DI_PARAMETER_ENTITY, di

LIMITS = Limits()


def _levels(scanner: Scanner, data: bytes, name: str = "x.di") -> list[str | None]:
    segments = extract_di(data, name, LIMITS).segments
    return [f.level for f in scanner.detect(segments) if f.rule == "classification-field"]


@pytest.mark.parametrize("level", ["密", "機密", "極機密", "絕對機密"])
def test_level_from_code_attribute_is_a_classification_field(scanner: Scanner, level: str) -> None:
    data = di(f'<密等 代碼="{level}"/>').encode()
    extraction = extract_di(data, "x.di", LIMITS)
    assert extraction.segments[0] == Segment(f"密等及解密條件或保密期限：{level}（本件於公布時解密）",
                                             Location("attribute", name="密等"))
    findings = [f for f in scanner.detect(extraction.segments) if f.rule == "classification-field"]
    assert [(f.level, f.location.part, f.location.name) for f in findings] == [(level, "attribute", "密等")]


@pytest.mark.parametrize(("level", "group", "condition", "expected"), [
    ("<密等>密</密等>", "密等及解密條件或保密期限", "", ["密"]),
    ('<密等 代碼="機密"/>', "密等及解密條件", "<解密條件>本件至115年12月31日解密</解密條件>", ["機密"]),
    ("<密等>極機密</密等>", "密等及解密條件", "<解密條件/>", ["極機密"]),
    ('<密等 代碼=" 密 "/>', "密等及解密條件或保密期限", "", ["密"]),
    ('<密等 代碼="普通"/>', "密等及解密條件或保密期限", "", []),
    ('<密等 代碼=""/>', "密等及解密條件或保密期限", "", []),
    ("<密等/>", "密等及解密條件或保密期限", "<解密條件或保密期限/>", []),
    ("<密等>普通</密等>", "密等及解密條件", "", []),
    ("", "密等及解密條件或保密期限", "", []),
], ids=["text", "old-group-with-condition", "old-group-text", "padded-code", "plain-code", "empty-code",
        "empty-element", "plain-text", "absent"])
def test_level_variants(scanner: Scanner, level: str, group: str, condition: str,
                        expected: list[str]) -> None:
    assert _levels(scanner, di(level, group=group, condition=condition).encode()) == expected


def test_declassification_condition_follows_the_level() -> None:
    data = di('<密等 代碼="機密"/>', group="密等及解密條件",
              condition="<解密條件>本件至115年12月31日解密</解密條件>").encode()
    assert extract_di(data, "x.di", LIMITS).segments[0].text == \
        "密等及解密條件或保密期限：機密（本件至115年12月31日解密）"


def test_level_text_is_not_scanned_twice(scanner: Scanner) -> None:
    segments = extract_di(di("<密等>機密</密等>").encode(), "x.di", LIMITS).segments
    assert [f.rule for f in scanner.detect(segments) if f.category == "classification"] == [
        "classification-field"]


@pytest.fixture(scope="module")
def sample() -> bytes:
    return di().encode()


@pytest.mark.parametrize(("text", "location"), [
    ("檢送本府採購案底價新臺幣1,234,000元，請查照。", Location("body", name="主旨/文字")),
    ("依據採購法辦理。", Location("body", name="說明/條列/文字")),
    ("承辦人身分證字號A123456789。", Location("body", name="說明/條列[2]/文字")),
    ("帳號密碼：Tpe@2026!x", Location("body", name="辦法/文字")),
    ("某某公司", Location("body", name="正本/全銜")),
    ("某某市政府", Location("body", name="發文機關/全銜")),
    ("底價表.pdf", Location("filename", name="ATTCH1")),
], ids=["subject", "item-1", "item-2", "method", "recipient", "sender", "attachment-name"])
def test_every_text_element_is_located_by_its_path(sample: bytes, text: str, location: Location) -> None:
    assert [s.location for s in extract_di(sample, "x.di", LIMITS).segments if s.text == text] == [location]


def test_findings_in_a_di_file(sample: bytes, scanner: Scanner) -> None:
    found = {(f.rule, f.location.name) for f in scanner.detect(extract_di(sample, "x.di", LIMITS).segments)}
    assert {("classification-field", "密等"), ("bid-floor-price-amount", "主旨/文字"),
            ("tw-national-id", "說明/條列[2]/文字"), ("password-value", "辦法/文字")} <= found


@pytest.mark.parametrize(("data", "encoding"), [
    (di(encoding="big5").encode("cp950"), "cp950"),
    (di(encoding="BIG5").encode("cp950"), "cp950"),
    (di(encoding="utf-8").replace('encoding="utf-8"', "").encode("cp950"), "cp950"),  # undeclared
    (codecs.BOM_UTF8 + di().encode(), "utf-8"),
    (codecs.BOM_UTF16_LE + di(encoding="utf-16").encode("utf-16-le"), "utf-16"),
    (di(encoding="utf-8").encode("cp950"), "cp950"),  # declared UTF-8, written in Big5
], ids=["big5", "big5-upper", "big5-undeclared", "utf8-bom", "utf16-bom", "wrong-declaration"])
def test_encodings(scanner: Scanner, data: bytes, encoding: str) -> None:
    extraction = extract_di(data, "x.di", LIMITS)
    assert (extraction.status, extraction.encoding) == ("scanned", encoding)
    assert _levels(scanner, data) == ["機密"]
    assert any(s.text == "承辦人身分證字號A123456789。" for s in extraction.segments)


def test_billion_laughs_is_refused_before_expanding() -> None:
    extraction = extract_di(DI_BILLION_LAUGHS.encode(), "x.di", LIMITS)
    assert (extraction.status, [p.code for p in extraction.problems]) == ("unreadable", ["xml-entities"])


def test_parameter_entity_is_refused() -> None:
    extraction = extract_di(DI_PARAMETER_ENTITY.encode(), "x.di", LIMITS)
    assert (extraction.status, [p.code for p in extraction.problems]) == ("unreadable", ["xml-entities"])


def test_external_entity_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened: {args!r}")

    for module, attribute in ((builtins, "open"), (io, "open"), (os, "open"),
                              (urllib.request, "urlopen")):
        monkeypatch.setattr(module, attribute, refuse)
    extraction = extract_di(DI_EXTERNAL_ENTITY.encode(), "x.di", LIMITS)
    assert extraction.status == "partial"
    assert [(p.code, p.detail) for p in extraction.problems] == [
        ("xml-entities", "external entity file:///etc/passwd not read")]
    assert not any("root:" in s.text for s in extraction.segments)
    assert any(s.location.name == "主旨/文字" for s in extraction.segments)  # the rest is read


def test_external_dtd_is_not_loaded() -> None:
    """The DOCTYPE names 104_2_utf8.dtd; it is never fetched and the file reads cleanly."""
    assert extract_di(di().encode(), "x.di", LIMITS).status == "scanned"


@pytest.mark.parametrize(("xml", "name", "expected"), [
    ('<?xml version="1.0"?><設定><帳號>admin</帳號><密碼說明>密碼：Tpe@2026!x</密碼說明></設定>', "c.xml",
     [("admin", "帳號"), ("密碼：Tpe@2026!x", "密碼說明")]),
    ("<a>底價<b>新臺幣</b>1元</a>", "c.xml", [("新臺幣", "b"), ("底價1元", "a")]),
    ("<r><密等 代碼=\"機密\"/><x>甲</x><x>乙</x></r>", "c.xml", [("甲", "x"), ("乙", "x[2]")]),
], ids=["config", "mixed-content", "not-a-di-root"])
def test_other_xml_is_scanned_as_element_text(xml: str, name: str, expected: list[tuple[str, str]]) -> None:
    extraction = extract_di(xml.encode(), name, LIMITS)
    assert [(s.text, s.location.name) for s in extraction.segments] == expected
    assert all(s.location.part == "body" for s in extraction.segments)


@pytest.mark.parametrize("root", ["函", "書函", "簽", "令", "公告", "開會通知單", "簽稿會核單", "會勘通知單"])
def test_xml_with_a_di_root_is_read_as_di(scanner: Scanner, root: str) -> None:
    assert is_di_root(root)
    assert _levels(scanner, di(root=root).encode(), "公文.xml") == ["機密"]


CASES: list[tuple[str, bytes, str, str]] = [
    ("empty", b"", "unreadable", "empty"),
    ("broken", "<函><主旨>".encode(), "unreadable", "corrupt"),
    ("not-xml", "密碼：Tpe@2026!x".encode(), "unreadable", "corrupt"),
    ("two-roots", "<函/><函/>".encode(), "unreadable", "corrupt"),
    ("truncated", di()[:400].encode(), "unreadable", "corrupt"),
    ("undecodable", b'<?xml version="1.0" encoding="nonesuch"?><a>\xff\xfe\xfa</a>', "partial", "encoding"),
]


@pytest.mark.parametrize(("data", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_not_fully_read_say_so(data: bytes, status: str, code: str) -> None:
    extraction = extract_di(data, "x.di", LIMITS)
    assert extraction.status == status
    assert [p.code for p in extraction.problems] == [code]


def test_whitespace_only_file_is_scanned_and_empty() -> None:
    assert extract_di(b"  \n", "x.di", LIMITS).segments == ()


def test_truncated_file_keeps_what_was_read(scanner: Scanner) -> None:
    data = di().encode()
    cut = data[: data.index("<正本>".encode())]
    extraction = extract_di(cut, "x.di", LIMITS)
    assert extraction.status == "unreadable"
    assert _levels(scanner, cut) == ["機密"]  # the level seen before the damage still counts


def test_damaged_bytes_never_raise(sample: bytes) -> None:
    chance = random.Random(20260105)
    for _ in range(200):
        data = bytearray(sample)
        for _ in range(chance.randint(1, 10)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        extraction = extract_di(bytes(data), "x.di", LIMITS)
        assert extraction.status in STATUSES


@pytest.mark.parametrize("name", ["x.di", "x.sw", "x.DI", "公文.xml"])
def test_end_to_end_through_the_scanner(scanner: Scanner, sample: bytes, name: str) -> None:
    result = scanner.scan_bytes(sample, name)
    assert result.status == "scanned"
    assert ("classification-field", "attribute") in {(f.rule, f.location.part) for f in result.findings}
    assert result.verdict == "block"


def test_dispatch_refuses_billion_laughs() -> None:
    assert extract(DI_BILLION_LAUGHS.encode(), "x.di", LIMITS).problems[0].code == "xml-entities"


def test_attribute_values_and_comments_are_read(scanner) -> None:
    """A configuration's connectionString carries a password; a comment keeps a withdrawn draft."""
    xml = ('<?xml version="1.0" encoding="utf-8"?><configuration><connectionStrings>'
           '<add name="hr" connectionString="Server=db;User Id=sa;Password=Tpe@2026!x;"/>'
           '</connectionStrings><!-- 原稿：承辦人身分證字號A123456789 --></configuration>')
    result = scanner.scan_bytes(xml.encode(), "web.xml")
    assert {(f.rule, f.location.part) for f in result.findings} == {
        ("password-value", "attribute"), ("tw-national-id", "comment")}
