"""Scanner.scan_message: one result per mail, every part located, never a crash, safe to share."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from fnmatch import fnmatchcase as fnmatch

import pytest

from leakscan import Scanner, ScanResult

from .fixtures_docx import plain_docx
from .fixtures_mail import mail, mail_message, multipart_raw, signed_mail, smime_signed, zip_of
from .fixtures_pdf import make_pdf

SECRET_DOCX = plain_docx(["密等及解密條件或保密期限：極機密", "主旨：專案會議"])
FLOOR = "底價新臺幣1,234,000元"
RAW_VALUES = ("1,234,000", "A123456789", "Tpe@2026!x")


def _fingerprint(result: ScanResult) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """What must not differ between two scans of one message: per part, its findings."""
    return [(r.path, r.status, r.verdict, tuple(f"{f.rule}@{f.location}" for f in r.findings))
            for r in result.all_results()]


def _no_internal_error(result: ScanResult) -> None:
    """scan_message turns any exception into an ``internal-error`` result: that is a bug, not
    a contained failure, so a test meaning "never raises" must also say "never caught one"."""
    for part in result.all_results():
        codes = [p.code for p in part.problems]
        assert "internal-error" not in codes, (part.path, part.problems)


@pytest.fixture(scope="module")
def messages() -> dict[str, bytes]:
    inner = mail_message("轉寄：密碼", plain="密碼：Tpe@2026!x")
    return {
        "clean": mail(),
        "floor-in-body": mail(plain=f"本案{FLOOR}，請勿外流。"),
        "secret-docx": mail(attachments=(("簽呈.docx", SECRET_DOCX),)),
        "zip-docx": mail(attachments=(("附件.zip", zip_of({"內層/簽呈.docx": SECRET_DOCX})),)),
        "eml-in-eml": mail(attached=(inner,)),
        "pdf": mail(attachments=(("紀錄.pdf", make_pdf(["會議紀錄", "身分證字號A123456789"])),)),
        "html-subject": mail("密等：極機密 專案會議", plain=None, html="<p>附件</p>"),
        "signed": signed_mail(),
        "smime": smime_signed("會議改期，請查照。"),
    }


@pytest.mark.parametrize(("name", "verdict", "where"), [
    ("clean", "allow", None),
    ("floor-in-body", "block", ("message.eml", "body")),
    ("secret-docx", "block", ("message.eml!簽呈.docx", "body")),
    ("zip-docx", "block", ("message.eml!附件.zip!內層/簽呈.docx", "body")),
    ("eml-in-eml", "block", ("message.eml!message-*.eml", "body")),
    ("html-subject", "block", ("message.eml", "subject")),
    ("signed", "allow", None),
    ("smime", "allow", None),
], ids=lambda v: v if isinstance(v, str) else None)
def test_one_result_with_findings_per_part(scanner: Scanner, messages: dict[str, bytes], name: str,
                                           verdict: str, where: tuple[str, str] | None) -> None:
    result = scanner.scan_message(messages[name])
    assert result.decision.action == "email" and result.verdict == verdict
    assert result.status == "scanned"
    located = {(r.path, f.location.part) for r in result.all_results() for f in r.findings
               if f.severity != "info"}
    if where is None:
        assert located == set()
    else:
        assert any(fnmatch(path, where[0]) and part == where[1] for path, part in located), located
    if verdict == "block":
        assert result.decision.handling, "a blocked mail says what to do instead"


def test_the_message_decision_covers_its_attachments(scanner: Scanner, messages: dict[str, bytes]) -> None:
    result = scanner.scan_message(messages["secret-docx"])
    assert result.findings == () or all(f.severity == "info" for f in result.findings)
    assert [item.verdict for item in result.items] == ["block"]
    assert result.verdict == "block"


def test_values_are_masked_in_the_result(scanner: Scanner, messages: dict[str, bytes]) -> None:
    for name in ("floor-in-body", "eml-in-eml", "pdf"):
        shown = repr(scanner.scan_message(messages[name])) + str(
            scanner.scan_message(messages[name]).to_dict())
        for value in RAW_VALUES:
            assert value not in shown, (name, value)


def test_parsed_message_gives_the_same_result_as_its_bytes(scanner: Scanner,
                                                            messages: dict[str, bytes]) -> None:
    for name in ("floor-in-body", "secret-docx", "eml-in-eml"):
        parsed = message_from_bytes(messages[name], policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert _fingerprint(scanner.scan_message(parsed)) == _fingerprint(
            scanner.scan_message(messages[name]))


def test_action_can_be_changed_and_must_exist(scanner: Scanner, messages: dict[str, bytes]) -> None:
    assert scanner.scan_message(messages["secret-docx"], action="hand-carry").decision.action == "hand-carry"
    with pytest.raises(ValueError, match="unknown action"):
        scanner.scan_message(messages["clean"], action="carrier-pigeon")


class _Unwritable(Message):
    def as_bytes(self, *args: object, **kwargs: object) -> bytes:
        raise UnicodeEncodeError("ascii", "機", 0, 1, "cannot")


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff" * 500,
    b"Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain",
    multipart_raw([b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@!!\r\n"]),
    b"Subject: " + b"=?utf-8?B?" + b"\xff" * 40 + b"?=\r\n\r\n" + FLOOR.encode(),
], ids=["empty", "binary", "truncated-multipart", "broken-base64", "broken-encoded-word"])
def test_malformed_messages_are_results_never_exceptions(scanner: Scanner, raw: bytes) -> None:
    result = scanner.scan_message(raw)
    assert isinstance(result, ScanResult)
    _no_internal_error(result)
    if result.status == "scanned":  # read in full after all: then what was in it was found
        assert result.verdict in ("allow", "block")
    else:
        assert result.problems and result.verdict != "allow"


def test_floor_price_survives_a_broken_header(scanner: Scanner) -> None:
    raw = b"Subject: =?utf-8?B?\xff\xff?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + FLOOR.encode()
    assert scanner.scan_message(raw).verdict == "block"


def test_a_message_that_cannot_be_serialised_is_not_read_not_clean(scanner: Scanner) -> None:
    result = scanner.scan_message(_Unwritable())
    assert result.status == "unreadable"
    assert [p.code for p in result.problems] == ["malformed-message"]
    assert result.verdict != "allow"


def test_random_mutations_never_raise(scanner: Scanner, messages: dict[str, bytes]) -> None:
    rng = random.Random(6)
    base = messages["secret-docx"]
    for _ in range(30):
        data = bytearray(base)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[: rng.randrange(len(data))])
        for raw in (bytes(data), cut):
            result = scanner.scan_message(raw)
            assert result.status in ("scanned", "partial", "unreadable")
            _no_internal_error(result)


@pytest.mark.parametrize(("kwargs", "status", "items"), [
    ({}, "scanned", []),
    ({"shown": False}, "partial", ["message.eml!image001.png"]),
    ({"logo": b"\x89PNG" + bytes(70 * 1024)}, "partial", ["message.eml!image001.png"]),
], ids=["logo-shown-by-cid", "image-not-shown", "large-inline-image"])
def test_a_signature_logo_does_not_make_every_mail_partial(scanner: Scanner, kwargs: dict,
                                                           status: str, items: list[str]) -> None:
    result = scanner.scan_message(signed_mail(**kwargs))
    assert result.status == status
    assert [item.path for item in result.items] == items


def test_the_logo_name_is_still_scanned(scanner: Scanner) -> None:
    assert scanner.scan_message(signed_mail(name="極機密-logo.png")).verdict == "block"


# ── one Scanner shared by threads and by asyncio tasks ──────────────────────────────────────


def test_one_scanner_from_many_threads_equals_sequential(messages: dict[str, bytes]) -> None:
    shared = Scanner()  # fresh: its tokenizer is first loaded by the racing threads
    batch = list(messages.values()) * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(shared.scan_message, batch))
    sequential = [shared.scan_message(m) for m in batch]
    assert [_fingerprint(r) for r in parallel] == [_fingerprint(r) for r in sequential]


def test_one_scanner_from_asyncio_tasks_equals_sequential(scanner: Scanner,
                                                          messages: dict[str, bytes]) -> None:
    batch = list(messages.values()) * 2

    async def scan_all() -> list[ScanResult]:
        return list(await asyncio.gather(*(asyncio.to_thread(scanner.scan_message, m) for m in batch)))

    concurrent = asyncio.run(scan_all())
    assert [_fingerprint(r) for r in concurrent] == [_fingerprint(scanner.scan_message(m)) for m in batch]


@pytest.mark.parametrize("subject", ["【極機密】專案會議", "（機密）採購案", "極機密：專案", "[密] 名冊"],
                         ids=["lenticular", "parentheses", "colon", "brackets"])
def test_level_marked_in_the_subject_blocks_the_mail(scanner: Scanner, subject: str) -> None:
    result = scanner.scan_message(mail(subject=subject))
    found = [f for f in result.findings if f.category == "classification"]
    assert [f.location.part for f in found] == ["subject"]
    assert result.verdict == "block"


def test_secrecy_words_in_a_subject_are_not_a_level(scanner: Scanner) -> None:
    result = scanner.scan_message(mail(subject="機密文件處理要點修正說明"))
    assert not [f for f in result.findings if f.category == "classification"]
