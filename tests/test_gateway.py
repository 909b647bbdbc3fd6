"""The SMTP content filter over loopback: real smtplib clients, the filter, a capturing next hop."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from leakscan import Limits, Scanner
from leakscan.gateway import FilterServer, FilterSettings, NextHop, Outcome, add_headers
from leakscan.gateway.command import smtp_filter
from leakscan.gateway.engine import ProcessEngine, ScanDeadlines, ScannerSpec
from leakscan.gateway.handler import LeakscanFilter
from leakscan.gateway.outcome import multiline
from leakscan.policy import Policy

from .fixtures_docx import plain_docx
from .fixtures_mail import crlf, mail, signed_mail

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "底價新臺幣1,234,000元"
SECRET_DOCX = plain_docx(["密等及解密條件或保密期限：極機密", "主旨：專案會議"])
SENDER, RCPTS = "chen@example.gov.tw", ["ming@example.gov.tw", "hua@example.gov.tw"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """The next hop: keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 OK"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    yield handler, port
    controller.stop()


Start = Callable[..., Any]


@pytest.fixture
def start_filter(scanner: Scanner, sink: tuple[Sink, int]) -> Iterator[Start]:
    """Starts a filter relaying to the sink; keyword arguments are FilterSettings fields."""
    servers: list[FilterServer] = []

    def start(*, hop_port: int | None = None, shared: Scanner | None = None, **settings: Any) -> int:
        port = free_port()
        hop = NextHop("127.0.0.1", hop_port or sink[1], timeout=10)
        server = FilterServer(FilterSettings(next_hop=hop, **settings), shared or scanner, port=port)
        servers.append(server.start())
        return port

    yield start
    for server in servers:
        server.stop()


def send(port: int, message: bytes, *, utf8: bool = False) -> dict[str, tuple[int, bytes]]:
    options = ["SMTPUTF8"] if utf8 else []
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        return client.sendmail(SENDER, RCPTS, message, mail_options=options)


def reply_of(port: int, message: bytes, *, utf8: bool = False) -> tuple[int, str]:
    """The code and text the filter answered to MAIL FROM (if not 250) or to the message."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        options = (["SMTPUTF8"] if utf8 else []) + [f"SIZE={len(message)}"]
        code, text = client.mail(SENDER, options)
        if code == 250:
            for rcpt in RCPTS:
                client.rcpt(rcpt)
            code, text = client.data(message)
        return code, text.decode("utf-8")


def split_ours(relayed: bytes) -> tuple[dict[str, str], bytes]:
    """The X-Leakscan-* fields the filter put on top (unfolded) and the message under them."""
    ours: dict[str, str] = {}
    lines = relayed.split(b"\r\n")
    index, name = 0, ""
    while lines[index].startswith(b"X-Leakscan-") or lines[index][:1] == b" ":
        if lines[index][:1] == b" ":
            ours[name] += lines[index].decode("ascii")
        else:
            name, _, value = lines[index].decode("ascii").partition(": ")
            ours[name] = value
        index += 1
    return ours, b"\r\n".join(lines[index:])


# ── what happens to each kind of message ────────────────────────────────────────────────────


def test_clean_message_is_relayed_unchanged_apart_from_the_headers(start_filter: Start,
                                                                   sink: tuple[Sink, int]) -> None:
    port = start_filter()
    message = crlf(mail(attachments=(("會議資料.docx", plain_docx(["議程：年度計畫"])),)))
    assert send(port, message) == {}
    [(mail_from, rcpt_tos, relayed)] = sink[0].received
    assert (mail_from, rcpt_tos) == (SENDER, RCPTS)
    ours, rest = split_ours(relayed)
    assert rest == message
    assert ours["X-Leakscan-Decision"] == "allow; status=scanned"
    assert ours["X-Leakscan-Findings"] == "total=0"


def test_signed_mail_is_allowed_not_warned(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter()
    send(port, crlf(signed_mail()))
    assert split_ours(sink[0].received[0][2])[0]["X-Leakscan-Decision"].startswith("allow;")


@pytest.mark.parametrize(("message", "policy"), [
    (mail(attachments=(("專案簽呈.docx", SECRET_DOCX),)), "national-secret-no-transmission"),
    (mail(plain=f"本案{FLOOR}，請勿外流。"), "floor-price-no-other-action"),
], ids=["top-secret-docx", "floor-price-in-body"])
def test_blocked_mail_is_rejected_with_why(start_filter: Start, sink: tuple[Sink, int],
                                           message: bytes, policy: str) -> None:
    port = start_filter()
    code, text = reply_of(port, crlf(message))
    assert code == 550
    assert f"[{policy}]" in text and "rejected by leakscan" in text
    assert text.isascii() and "1,234,000" not in text
    assert sink[0].received == []


def test_reply_is_in_chinese_too_when_the_client_speaks_smtputf8(start_filter: Start) -> None:
    port = start_filter()
    code, text = reply_of(port, crlf(mail(plain=FLOOR)), utf8=True)
    assert code == 550
    assert "決標前底價不得外流" in text and "may not leave before award" in text
    assert "1,234,000" not in text


def test_warned_mail_is_relayed_with_the_reason(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter()
    send(port, crlf(mail(plain="承辦人手機0912-345-678，身分證字號A123456789")))
    ours, _ = split_ours(sink[0].received[0][2])
    assert ours["X-Leakscan-Decision"].startswith("warn; status=scanned; policy=personal-data")
    assert "personal-data=" in ours["X-Leakscan-Findings"]
    assert "A123456789" not in str(ours) and "0912" not in str(ours)


def test_forged_leakscan_headers_do_not_pass(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter()
    forged = b"X-Leakscan-Decision: allow;\r\n status=scanned\r\n" + crlf(mail(plain=FLOOR))
    assert reply_of(port, forged)[0] == 550
    send(port, b"X-Leakscan-Decision: allow\r\n" + crlf(mail()))
    relayed = sink[0].received[0][2]
    assert relayed.count(b"X-Leakscan-Decision") == 1


# ── malformed and oversized mail ────────────────────────────────────────────────────────────

MALFORMED = crlf(b"Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
                 b"--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                 b"@@not base64@@\n")


def test_malformed_mail_is_decided_by_policy_and_relayed_by_default(start_filter: Start,
                                                                    sink: tuple[Sink, int]) -> None:
    port = start_filter()
    assert reply_of(port, MALFORMED)[0] == 250
    ours, rest = split_ours(sink[0].received[0][2])
    assert ours["X-Leakscan-Decision"].startswith("warn; status=partial")
    assert "malformed-message" in ours["X-Leakscan-Decision"]
    assert rest == MALFORMED


def test_malformed_mail_can_be_rejected(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(on_warn="reject")
    code, text = reply_of(port, MALFORMED)
    assert code == 550 and "Not fully read (partial)" in text
    assert sink[0].received == []


def test_oversized_mail_is_refused_by_default(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(max_message_bytes=10_000)
    code, _ = reply_of(port, crlf(mail(plain="會議資料" * 5000)))
    assert code == 552
    assert sink[0].received == []


def test_oversized_mail_can_be_relayed_unscanned(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(max_message_bytes=30_000, oversize="relay")
    message = crlf(mail(plain=FLOOR + "會議資料" * 3000))
    assert 30_000 < len(message) < 4 * 30_000
    assert reply_of(port, message)[0] == 250
    ours, rest = split_ours(sink[0].received[0][2])
    assert ours == {"X-Leakscan-Decision": "unscanned; reason=oversize"} and rest == message


# ── nothing is lost: next hop down, internal errors, timeouts ──────────────────────────────


def test_next_hop_down_is_a_temporary_failure(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(hop_port=free_port())  # nothing listens there
    code, text = reply_of(port, crlf(mail()))
    assert code == 451 and "Next hop unavailable" in text


def _broken_scanner(error: BaseException | None = None, delay: float = 0.0) -> Scanner:
    shared = Scanner()

    def scan_message(raw: bytes, **_: Any) -> Any:
        time.sleep(delay)
        if error is not None:
            raise error
        return Scanner.scan_message(shared, raw)

    shared.scan_message = scan_message  # type: ignore[method-assign]
    return shared


def test_internal_error_fails_closed(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(shared=_broken_scanner(RuntimeError("boom")))
    code, text = reply_of(port, crlf(mail()))
    assert code == 451 and "internal error" in text
    assert sink[0].received == []


def test_internal_error_relays_unscanned_when_fail_open(start_filter: Start,
                                                        sink: tuple[Sink, int]) -> None:
    port = start_filter(shared=_broken_scanner(RuntimeError("boom")), fail_open=True)
    assert reply_of(port, crlf(mail(plain=FLOOR)))[0] == 250
    assert split_ours(sink[0].received[0][2])[0] == {
        "X-Leakscan-Decision": "unscanned; reason=internal-error"}


def test_scan_timeout_fails_closed(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter(shared=_broken_scanner(delay=3.0), scan_timeout=0.2)
    code, text = reply_of(port, crlf(mail()))
    assert code == 451 and "too long" in text
    assert sink[0].received == []


def test_scan_timeout_relays_unscanned_when_fail_open(start_filter: Start,
                                                      sink: tuple[Sink, int]) -> None:
    """A thread stuck past every limit: only the handler's last-resort wait ends it."""
    port = start_filter(shared=_broken_scanner(delay=3.0), scan_timeout=0.2, fail_open=True)
    assert reply_of(port, crlf(mail(plain=FLOOR)))[0] == 250
    assert split_ours(sink[0].received[0][2])[0] == {"X-Leakscan-Decision": "unscanned; reason=timeout"}


@pytest.mark.parametrize("block_unread", [False, True], ids=["unread-warns", "unread-blocks"])
def test_timeout_inside_the_scanner_fails_closed(start_filter: Start, sink: tuple[Sink, int],
                                                 block_unread: bool) -> None:
    """Retried, never bounced: with --block-unread the timed-out scan blocks only as unread, and
    nothing it found blocks, so a 550 would lose a message that may be clean."""
    spent = Scanner(policy=Policy.load(fail_closed=block_unread))

    def scan_message(raw: bytes, **_: Any) -> Any:  # the budget is gone before the first segment
        return Scanner.scan_message(spent, raw, max_seconds=1e-9)

    spent.scan_message = scan_message  # type: ignore[method-assign]
    port = start_filter(shared=spent)
    assert reply_of(port, crlf(mail(plain=FLOOR)))[0] == 451
    assert sink[0].received == []


def _blocked_with_a_timed_out_attachment(block_unread: bool = False) -> Scanner:
    """The body blocks (a 底價 with its amount); one attachment's scan ran out of time."""
    from dataclasses import replace

    from leakscan.model import Problem, ScanResult

    shared = Scanner(policy=Policy.load(fail_closed=block_unread))

    def scan_message(raw: bytes, **_: Any) -> Any:
        result = Scanner.scan_message(shared, raw)
        slow = ScanResult(path="message.eml!large.pdf", status="partial", problems=(Problem("timeout"),))
        decision, _ = shared.decide(result.findings, "partial")
        return replace(result, status="partial", items=(slow,), decision=decision)

    shared.scan_message = scan_message  # type: ignore[method-assign]
    return shared


@pytest.mark.parametrize("block_unread", [False, True], ids=["unread-warns", "unread-blocks"])
@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed", "fail-open"])
def test_a_message_that_blocks_is_rejected_even_if_part_of_it_timed_out(
        start_filter: Start, sink: tuple[Sink, int], fail_open: bool, block_unread: bool) -> None:
    """Neither a retry nor an unscanned relay: what was found already decides."""
    port = start_filter(shared=_blocked_with_a_timed_out_attachment(block_unread), fail_open=fail_open)
    code, text = reply_of(port, crlf(mail(plain=FLOOR)))
    assert code == 550 and "timeout" in text
    assert sink[0].received == []


# ── quarantine ──────────────────────────────────────────────────────────────────────────────


def _quarantined(folder: Path) -> list[tuple[bytes, dict[str, Any]]]:
    names = sorted(folder.iterdir())
    assert not [n for n in names if n.name.startswith(".tmp-")]
    emls = [n for n in names if n.suffix == ".eml"]
    assert len(names) == 2 * len(emls)
    for path in names:
        assert path.stat().st_mode & 0o077 == 0
    return [(p.read_bytes(), json.loads(p.with_suffix(".json").read_text("utf-8"))) for p in emls]


def test_blocked_mail_can_be_quarantined_instead(start_filter: Start, sink: tuple[Sink, int],
                                                 tmp_path: Path) -> None:
    port = start_filter(on_block="quarantine", quarantine_dir=tmp_path)
    message = crlf(mail(plain=f"{FLOOR}，身分證字號A123456789", attachments=(("簽呈.docx", SECRET_DOCX),)))
    code, text = reply_of(port, message)
    assert code == 250 and "held for review" in text
    assert sink[0].received == []
    [(kept, report)] = _quarantined(tmp_path)
    assert kept == message
    assert report["reason"] == "block" and report["rcpt_tos"] == RCPTS
    assert report["result"]["decision"] == "block"
    assert report["result"]["items"][0]["path"] == "message.eml!簽呈.docx"
    text = json.dumps(report, ensure_ascii=False)
    assert "1,234,000" not in text and "A123456789" not in text


def test_rejected_mail_is_also_copied_to_quarantine(start_filter: Start, tmp_path: Path) -> None:
    port = start_filter(quarantine_dir=tmp_path)
    assert reply_of(port, crlf(mail(plain=FLOOR)))[0] == 550
    assert reply_of(port, crlf(mail()))[0] == 250
    [(_, report)] = _quarantined(tmp_path)
    assert report["reason"] == "block"


def test_unwritable_quarantine_defers(start_filter: Start, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    port = start_filter(on_block="quarantine", quarantine_dir=blocker / "q")
    assert reply_of(port, crlf(mail(plain=FLOOR)))[0] == 451


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="quarantine folder"):
        FilterSettings(on_block="quarantine")
    with pytest.raises(ValueError, match="on_warn"):
        FilterSettings(on_warn="shrug")


# ── many clients at once ────────────────────────────────────────────────────────────────────


def test_concurrent_clients_lose_and_duplicate_nothing(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter()
    kinds = [crlf(mail(f"第{i}號", plain=FLOOR if i % 3 == 0 else "會議通知")) for i in range(24)]
    codes: dict[int, int] = {}

    def client(indexes: range) -> None:
        for i in indexes:
            codes[i] = reply_of(port, kinds[i])[0]

    threads = [threading.Thread(target=client, args=(range(k, 24, 6),)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == list(range(24))
    assert {i for i, code in codes.items() if code == 550} == set(range(0, 24, 3))
    relayed = sorted(split_ours(body)[1] for _, _, body in sink[0].received)
    assert relayed == sorted(kinds[i] for i in range(24) if i % 3)


# ── pieces ──────────────────────────────────────────────────────────────────────────────────


def test_headers_carry_counts_and_ids_never_values(scanner: Scanner) -> None:
    result = scanner.scan_message(mail(plain=f"{FLOOR}\n密碼：Tpe@2026!x"))
    headers = dict(Outcome.of(result).headers())
    assert headers["X-Leakscan-Findings"] == (
        "total=2; procurement=1; credential=1; rules=bid-floor-price-amount,password-value")
    assert "Tpe@2026!x" not in str(headers)


def test_add_headers_keeps_line_ends_and_body() -> None:
    lf = b"Subject: a\nX-Leakscan-Findings: old\n  more\n\nX-Leakscan-Findings: in the body\n"
    assert add_headers(lf, [("X-Leakscan-Decision", "allow")]) == (
        b"X-Leakscan-Decision: allow\nSubject: a\n\nX-Leakscan-Findings: in the body\n")


def test_reply_lines_fit_the_smtp_limit() -> None:
    reply = multiline("550", "5.7.1", ["機密" * 400, "ok"], utf8=False)
    lines = reply.split("\r\n")
    assert [line[:4] for line in lines] == ["550-", "550 "]
    assert all(len(line.encode()) <= 510 and line.isascii() for line in lines)


def test_ascii_replies_spell_out_whole_terms_only() -> None:
    """An agency's own note may say 密碼 (password): that is not a "restricted" anything."""
    reply = multiline("550", "5.7.1", ["密 documents; a 底價; hand-carry as 密件; change the 密碼"])
    assert "restricted documents; a floor price; hand-carry as classified document" in reply
    assert "restricted?" not in reply and reply.isascii()


# ── the command ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("args", "message"), [
    (["--on-block", "quarantine"], "quarantine needs a quarantine folder"),
    (["--next-hop", "nowhere"], "expected HOST:PORT"),
    (["--on-warn", "shrug"], "Invalid value"),
    (["--port", "0"], "Invalid value"),  # "listen on port 0" would fail later, with a misleading error
], ids=["quarantine-without-folder", "bad-next-hop", "bad-choice", "port-0"])
def test_command_rejects_bad_options(args: list[str], message: str) -> None:
    result = CliRunner().invoke(smtp_filter, args)
    assert result.exit_code == 2 and message in result.output


def test_command_reports_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(smtp_filter, ["--port", str(port), "--workers", "1"])
    assert result.exit_code == 2 and "cannot listen" in result.output


def test_command_reports_a_broken_policy(tmp_path: Path) -> None:
    result = CliRunner().invoke(smtp_filter, ["--policy", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "no such policy file" in result.output


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1].decode()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the filter did not start listening")


@contextmanager
def _filter_process(args: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "leakscan.gateway", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_filter_runs_as_a_real_process(sink: tuple[Sink, int], processes: bool) -> None:
    port = free_port()
    args = ["--port", str(port), "--next-hop", f"127.0.0.1:{sink[1]}", "--workers", "2"]
    with _filter_process(args + (["--processes"] if processes else [])) as process:
        _wait_for_port(port, process)
        assert reply_of(port, crlf(mail()))[0] == 250
        assert reply_of(port, crlf(mail(attachments=(("簽呈.docx", SECRET_DOCX),))))[0] == 550
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    log = stderr.decode("utf-8")
    assert "listening on" in log and "stopped" in log
    assert "leakscan.gateway INFO message" in log
    assert "極機密" not in log and SENDER not in log
    assert len(sink[0].received) == 1


def test_smtputf8_mail_to_a_next_hop_without_it_bounces_instead_of_retrying(start_filter: Start) -> None:
    """A 451 would be retried until the queue lifetime ends, for a reason that never goes away."""
    plain_sink, port = Sink(), free_port()
    controller = Controller(plain_sink, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    controller.start()
    try:
        filter_port = start_filter(hop_port=port)
        code, text = reply_of(filter_port, crlf(mail(to="王小明 <小明@example.gov.tw>")), utf8=True)
    finally:
        controller.stop()
    assert code == 550 and "SMTPUTF8" in text
    assert plain_sink.received == []


def test_smtputf8_mail_is_relayed_as_smtputf8(start_filter: Start, sink: tuple[Sink, int]) -> None:
    port = start_filter()
    message = crlf(mail("會議通知", to="王小明 <小明@example.gov.tw>"))
    assert reply_of(port, message, utf8=True)[0] == 250
    assert split_ours(sink[0].received[0][2])[1] == message


def test_the_command_imports_without_aiosmtpd() -> None:
    code = ("import sys; sys.modules['aiosmtpd'] = None; "
            "from leakscan.gateway.command import smtp_filter; print(smtp_filter.name)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "smtp-filter"


def test_command_without_aiosmtpd_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("aiosmtpd", "aiosmtpd.controller", "leakscan.gateway.server"):
        monkeypatch.setitem(sys.modules, name, None)
    result = CliRunner().invoke(smtp_filter, ["--workers", "1"])
    assert result.exit_code == 2 and "pip install 'leakscan[gateway]'" in result.output


def misbehaving_message_scan(scanner: Scanner, task: Any) -> tuple[Any, None]:
    """A test-only worker function: a message holding HANG never finishes, CRASH kills the worker."""
    from leakscan.gateway.engine import scan_message_task

    data = task.data or b""
    if b"HANG" in data:
        time.sleep(3600)
    if b"CRASH" in data:
        os._exit(7)
    return scan_message_task(scanner, task)


def _pids(engine: Any) -> set[int]:
    return {worker.process.pid for worker in engine._workers}


def test_a_stuck_worker_is_killed_and_replaced_and_only_its_message_fails() -> None:
    import asyncio

    from leakscan.gateway import ProcessEngine, ScannerSpec

    engine = ProcessEngine(ScannerSpec(action="email"), 1, ScanDeadlines.of(20),
                           scan=misbehaving_message_scan)
    try:
        assert asyncio.run(engine.scan(mail())).status == "scanned"  # the worker is ready now
        engine.deadlines = ScanDeadlines.of(2.0)
        [stuck] = engine._workers
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            asyncio.run(engine.scan(mail(plain="HANG")))
        assert time.monotonic() - started < 10
        assert not stuck.process.is_alive()  # killed, not left to hold its slot for ever
        engine.deadlines = ScanDeadlines.of(60)
        for _ in range(2):  # with one worker, a stuck one left behind would make these time out
            assert asyncio.run(engine.scan(mail())).status == "scanned"
        assert stuck.process.pid not in _pids(engine)
    finally:
        engine.close()
    assert not stuck.process.is_alive()


def test_a_worker_that_dies_is_replaced() -> None:
    import asyncio

    from leakscan.batch import WorkerLostError
    from leakscan.gateway import ProcessEngine, ScannerSpec

    engine = ProcessEngine(ScannerSpec(action="email"), 1, ScanDeadlines.of(60),
                           scan=misbehaving_message_scan)
    try:
        before = _pids(engine)
        with pytest.raises(WorkerLostError):
            asyncio.run(engine.scan(mail(plain="CRASH")))
        assert asyncio.run(engine.scan(mail())).status == "scanned"
        assert _pids(engine).isdisjoint(before)
    finally:
        engine.close()


def test_workers_that_cannot_build_their_scanner_fail_each_message() -> None:
    import asyncio

    from leakscan.batch import WorkerLostError
    from leakscan.gateway import ProcessEngine, ScannerSpec

    engine = ProcessEngine(ScannerSpec(action="email", policy_file="/nonexistent/policy.toml"), 1,
                           ScanDeadlines.of(60))
    try:
        for _ in range(2):  # each replacement fails the same way; the message gets a 4xx
            with pytest.raises(WorkerLostError):
                asyncio.run(engine.scan(mail()))
    finally:
        engine.close()
    assert not engine._workers


# ── one scan time limit: the scanner's budget, then the kill, then the last resort ─────────


@pytest.mark.parametrize("limit", [0.1, 0.2, 0.5, 1.0, 2.0, 10.0, 60.0, 600.0, 86400.0])
def test_scan_deadlines_are_ordered_budget_kill_wait(limit: float) -> None:
    """The cooperative budget ends first, the kill next, the handler's wait last: never a race."""
    deadlines = FilterSettings(scan_timeout=limit).deadlines
    assert 0 < deadlines.budget < deadlines.kill < deadlines.wait == limit
    assert deadlines.budget >= limit / 2  # most of the limit is the scan's own
    assert deadlines.kill - deadlines.budget <= 5.0 and deadlines.wait - deadlines.kill <= 2.0


def test_scan_deadlines_for_the_default_and_a_test_limit() -> None:
    assert FilterSettings().deadlines == ScanDeadlines(budget=53.0, kill=58.0, wait=60.0)
    small = ScanDeadlines.of(2.0)
    assert (small.budget, small.kill, small.wait) == pytest.approx((1.7, 1.9, 2.0))


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf")])
def test_a_scan_timeout_that_orders_nothing_is_refused(limit: float) -> None:
    with pytest.raises(ValueError, match="scan_timeout"):
        FilterSettings(scan_timeout=limit)


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_command_derives_every_scan_limit_from_scan_timeout(monkeypatch: pytest.MonkeyPatch,
                                                            processes: bool) -> None:
    """--scan-timeout is the handler's wait; the Scanner gets the budget under it, not the same."""
    from leakscan.gateway import server

    seen: dict[str, Any] = {}

    class Recording:
        def __init__(self, settings: FilterSettings, scanner: Any, **_: Any) -> None:
            seen.update(settings=settings, scanner=scanner)
            self.engine = SimpleNamespace(close=lambda: None)

        def start(self) -> None:
            raise OSError("not listening in this test")

    monkeypatch.setattr(server, "FilterServer", Recording)
    args = ["--scan-timeout", "2", "--workers", "1"] + (["--processes"] if processes else [])
    result = CliRunner().invoke(smtp_filter, args)
    assert result.exit_code == 2 and "cannot listen" in result.output
    settings, scanner = seen["settings"], seen["scanner"]
    assert isinstance(scanner, ScannerSpec if processes else Scanner)
    assert settings.deadlines == ScanDeadlines.of(2.0)  # the server hands these to its engine


def test_filter_server_gives_every_engine_the_settings_deadlines() -> None:
    settings = FilterSettings(scan_timeout=2.0)
    assert settings.deadlines is settings.deadlines  # worked out once, not per message
    threads = FilterServer(settings, ScannerSpec(action="email", limits=Limits(max_seconds=60)))
    try:
        assert threads.engine.deadlines is settings.deadlines
    finally:
        threads.engine.close()
    processes = FilterServer(settings, ScannerSpec(action="email"), workers=1, processes=True)
    try:
        assert isinstance(processes.engine, ProcessEngine)
        assert processes.engine.deadlines is settings.deadlines
    finally:
        processes.engine.close()
    shared = FilterServer(settings, Scanner(limits=Limits(max_seconds=60)))  # its own limit stays
    try:
        assert shared.engine.deadlines is settings.deadlines
        assert shared.engine.scanner.limits.max_seconds == 60  # type: ignore[union-attr]
    finally:
        shared.engine.close()


def test_a_message_budget_overrides_the_scanners_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared Scanner with a long limit still stops a message's scan at the gateway's budget."""
    scanner = Scanner()
    real_detect = scanner._detector.detect

    def slow_detect(segment, budget=None):  # every piece of text takes 0.2 s
        time.sleep(0.2)
        return real_detect(segment, budget)

    monkeypatch.setattr(scanner._detector, "detect", slow_detect)
    message = (b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               + "密碼：Tpe@2026!x\n".encode())
    assert scanner.limits.max_seconds == 60
    assert scanner.scan_message(message).status == "scanned"
    cut = scanner.scan_message(message, max_seconds=0.1)
    assert cut.status == "partial" and [p.code for p in cut.problems] == ["timeout"]
    with pytest.raises(ValueError):
        scanner.scan_message(message, max_seconds=0)


SLOW_SEGMENT = 0.05  # seconds per segment of a slow but cooperative scan
# A blocking attachment first, then 60 more that take ~6 s to check: far past any limit below.
SLOW_MAIL = crlf(mail(attachments=(("專案簽呈.docx", SECRET_DOCX),
                                   *((f"附件{i}.txt", "會議資料".encode()) for i in range(60)))))


class SlowDetector:
    """Takes SLOW_SEGMENT per segment, then detects as usual: a scan that is slow but checks its
    budget between segments and attachments, so the scanner itself stops it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def detect(self, segment: Any, budget: Any = None) -> Any:
        time.sleep(SLOW_SEGMENT)
        return self.inner.detect(segment, budget)


def slow_cooperative_message_scan(scanner: Scanner, task: Any) -> tuple[Any, None]:
    """A test-only worker function: the gateway's scan with a SlowDetector."""
    from leakscan.gateway.engine import scan_message_task

    if not isinstance(scanner._detector, SlowDetector):
        scanner._detector = SlowDetector(scanner._detector)  # type: ignore[assignment]
    return scan_message_task(scanner, task)


def _envelope(message: bytes) -> SimpleNamespace:
    return SimpleNamespace(original_content=message, mail_from=SENDER, rcpt_tos=RCPTS,
                           mail_options=[], smtp_utf8=False)


@contextmanager
def _ready_process_engine(settings: FilterSettings, scan: Any) -> Iterator[ProcessEngine]:
    """One worker as FilterServer sets it up (budget and kill from ``settings``), with ``scan``
    as its worker function, started and ready before any timing counts."""
    import asyncio

    engine = ProcessEngine(ScannerSpec(action="email"), 1, ScanDeadlines.of(60), scan=scan)
    try:
        assert asyncio.run(engine.scan(mail())).status == "scanned"  # the worker is ready now
        engine.deadlines = settings.deadlines
        yield engine
    finally:
        engine.close()


@pytest.mark.parametrize("attempt", range(3))
def test_a_slow_cooperative_scan_is_decided_not_deferred_threads(sink: tuple[Sink, int],
                                                                 attempt: int) -> None:
    """The scanner's budget ends before the handler's wait: what it found blocks, so 550."""
    port = free_port()
    settings = FilterSettings(next_hop=NextHop("127.0.0.1", sink[1], timeout=10), scan_timeout=2.0)
    with FilterServer(settings, ScannerSpec(action="email"), port=port) as server:
        scanner = server.engine.scanner  # type: ignore[union-attr]
        scanner._detector = SlowDetector(scanner._detector)
        started = time.monotonic()
        code, text = reply_of(port, SLOW_MAIL)
        took = time.monotonic() - started
    assert code == 550 and "[national-secret-no-transmission]" in text
    assert "Not fully read (partial): timeout" in text  # the budget stopped it
    assert settings.deadlines.budget <= took < settings.deadlines.wait
    assert sink[0].received == []


@pytest.mark.parametrize("attempt", range(3))
def test_a_slow_cooperative_scan_is_decided_not_killed_processes(attempt: int) -> None:
    """In a worker process too: the budget ends the scan before the kill, the worker lives on."""
    import asyncio

    settings = FilterSettings(scan_timeout=2.0)
    with _ready_process_engine(settings, slow_cooperative_message_scan) as engine:
        before = _pids(engine)
        started = time.monotonic()
        reply = asyncio.run(LeakscanFilter(engine, settings).handle_DATA(None, None,
                                                                        _envelope(SLOW_MAIL)))
        took = time.monotonic() - started
        assert _pids(engine) == before  # not killed
    assert reply.startswith("550 ") or reply.startswith("550-")
    assert "[national-secret-no-transmission]" in reply and "timeout" in reply
    assert settings.deadlines.budget <= took < settings.deadlines.kill


# About 2 s of slow, cooperative scanning (20 attachments of two segments at SLOW_SEGMENT each).
MEDIUM_MAIL = crlf(mail(attachments=tuple((f"附件{i}.txt", "會議資料".encode()) for i in range(20))))


def _two_at_once(engine: ProcessEngine, first: bytes, second: bytes) -> list[Any]:
    """Both messages asked for at the same moment of one worker: the second waits for the first."""
    import asyncio

    async def both() -> list[Any]:
        return await asyncio.gather(engine.scan(first), engine.scan(second), return_exceptions=True)

    return asyncio.run(both())


def test_a_message_that_waited_for_the_worker_gets_what_is_left_and_no_worker_is_killed() -> None:
    """Under a backlog every limit still counts from when the message was asked for: the second
    message's scan stops itself at the budget (partial), before the kill, and the healthy worker
    lives on."""
    settings = FilterSettings(scan_timeout=4.0)  # budget 3.4 s, kill 3.8 s
    with _ready_process_engine(settings, slow_cooperative_message_scan) as engine:
        before = _pids(engine)
        started = time.monotonic()
        first, second = _two_at_once(engine, MEDIUM_MAIL, SLOW_MAIL)
        took = time.monotonic() - started
        assert _pids(engine) == before
    assert first.status == "scanned", first
    assert second.status == "partial" and "timeout" in [p.code for p in second.problems], second
    assert settings.deadlines.budget <= took < settings.deadlines.kill


def test_a_message_with_no_time_left_is_not_started_and_the_worker_stays() -> None:
    settings = FilterSettings(scan_timeout=2.0)  # budget 1.7 s: the first message uses it all
    with _ready_process_engine(settings, slow_cooperative_message_scan) as engine:
        before = _pids(engine)
        first, second = _two_at_once(engine, SLOW_MAIL, SLOW_MAIL)
        assert _pids(engine) == before
        assert first.status == "partial" and isinstance(second, TimeoutError)
        import asyncio

        assert asyncio.run(engine.scan(mail())).status == "scanned"  # the worker still serves


@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed", "fail-open"])
def test_a_worker_stuck_past_everything_is_killed_and_the_message_times_out(
        sink: tuple[Sink, int], fail_open: bool) -> None:
    """A worker stuck in C: killed at the engine's deadline, before the handler's last resort
    gives up, so the reply comes after the kill (and the worker is gone by then)."""
    import asyncio

    settings = FilterSettings(next_hop=NextHop("127.0.0.1", sink[1], timeout=10), scan_timeout=2.0,
                              fail_open=fail_open)
    with _ready_process_engine(settings, misbehaving_message_scan) as engine:
        [stuck] = engine._workers
        started = time.monotonic()
        reply = asyncio.run(LeakscanFilter(engine, settings).handle_DATA(
            None, None, _envelope(crlf(mail(plain=f"{FLOOR} HANG")))))
        took = time.monotonic() - started
        assert not stuck.process.is_alive()
    assert settings.deadlines.kill <= took < settings.deadlines.wait + 5
    if fail_open:
        assert reply.startswith("250")
        assert split_ours(sink[0].received[0][2])[0] == {
            "X-Leakscan-Decision": "unscanned; reason=timeout"}
    else:
        assert reply.startswith("451") and "too long" in reply
        assert sink[0].received == []


def test_thread_mode_counts_the_budget_from_when_the_message_was_asked_for() -> None:
    """One thread, a 1 s budget: the first slow message uses it all (partial), the second has
    waited it out and is not scanned at all (the timeout outcome)."""
    import asyncio

    from leakscan.gateway import ThreadEngine

    scanner = Scanner()
    scanner._detector = SlowDetector(scanner._detector)  # type: ignore[assignment]
    engine = ThreadEngine(scanner, 1, ScanDeadlines(budget=1.0, kill=1.2, wait=1.5))
    try:
        async def both() -> list[Any]:
            return await asyncio.gather(engine.scan(SLOW_MAIL), engine.scan(SLOW_MAIL),
                                        return_exceptions=True)

        started = time.monotonic()
        first, second = asyncio.run(both())
        took = time.monotonic() - started
    finally:
        engine.close()
    assert first.status == "partial" and isinstance(second, TimeoutError), (first, second)
    assert took < 1.5
