"""Load run of the SMTP content filter: concurrent clients → ``leakscan smtp-filter`` → a sink.

Usage (from the repository root)::

    python benchmarks/bench_gateway.py [--messages 200] [--clients 8] [--workers 2] [--processes]

The filter runs as its own process (``python -m leakscan.gateway``), as in production, so the
clients and the sink (an aiosmtpd server in this process) do not share its GIL.  Every message
carries a typical attachment, generated in memory from fixed seeds:

* ``docx``: a ~200 KB .docx (about 25 pages of 公文 prose from ``benchmarks/corpus.py`` and a
  picture, as real documents have), clean: relayed;
* ``pdf``: a 20-page Traditional-Chinese PDF of the same prose, clean: relayed;
* ``secret-docx``: the .docx with a 極機密 marking: rejected;
* ``floor-price``: a 底價 in the body plus the PDF: rejected.

Each client keeps one SMTP connection and sends its share one message after another.  Printed:
messages/s over the whole run, p50/p99 latency (DATA sent → reply) overall and per kind, the peak
RSS of the filter (its largest process, from ``getrusage(RUSAGE_CHILDREN)`` after it exits), and
the loss check: every message has a unique ``X-Bench-Id``; the sink's ids plus the rejected ids
must be exactly the ids sent, none twice, and the rejected ones exactly the blocked kinds.
Targets (2-core machine): >= 10 messages/s, p99 < 2 s, nothing lost or duplicated.  Exit status
1 if one is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import corpus
from benchtools import ROOT, ensure_importable, mb, report_checks

KINDS = ("docx", "pdf", "secret-docx", "floor-price")
BLOCKED = {"secret-docx", "floor-price"}
SENDER, RCPT = "bench@example.gov.tw", ["sink@example.gov.tw"]


def prose(seed: int, chars: int) -> list[str]:
    """Paragraphs of ordinary administrative prose (no secrets), about ``chars`` characters."""
    texts = [text for name, text in corpus.generate(seed, chars * 3) if corpus.kind_of(name) == "prose"]
    paragraphs = [p for text in texts for p in text.split("\n") if p.strip()]
    out, total = [], 0
    for paragraph in paragraphs:
        out.append(paragraph)
        total += len(paragraph)
        if total >= chars:
            break
    return out


def typical_docx(paragraphs: list[str], *, marking: str | None = None, target: int = 200 * 1024) -> bytes:
    """A .docx of about ``target`` bytes: the paragraphs plus a picture filling the rest."""
    import docx
    from docx.shared import Inches
    from PIL import Image

    document = docx.Document()
    if marking:
        document.add_paragraph(marking)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    probe = io.BytesIO()
    document.save(probe)
    side = 16
    rng = random.Random(7)
    while True:  # noise does not compress: a picture of the size that brings the file to target
        image = Image.frombytes("L", (side, side), bytes(rng.randrange(256) for _ in range(side * side)))
        png = io.BytesIO()
        image.save(png, "PNG")
        if len(probe.getvalue()) + len(png.getvalue()) >= target:
            break
        side += 16
    document.add_picture(io.BytesIO(png.getvalue()), width=Inches(3))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_messages(count: int) -> list[tuple[str, bytes]]:
    from bench_formats import build_pdf

    from tests.fixtures_mail import crlf, mail

    paragraphs = prose(1, 30_000)
    clean_docx = typical_docx(paragraphs)
    secret_docx = typical_docx(paragraphs, marking="密等及解密條件或保密期限：極機密")
    pdf, _ = build_pdf(20, seed=1)  # the format benchmark's 20-page 公文 PDF
    print(f"  attachments: docx {len(clean_docx) / 1024:.0f} KB, pdf {len(pdf) / 1024:.0f} KB (20 pages)")
    made = {
        "docx": lambda: mail("會議資料", plain="檢送會議資料，請查照。",
                             attachments=(("會議資料.docx", clean_docx),)),
        "pdf": lambda: mail("工作報告", plain="檢送工作報告。", attachments=(("工作報告.pdf", pdf),)),
        "secret-docx": lambda: mail("專案簽呈", attachments=(("專案簽呈.docx", secret_docx),)),
        "floor-price": lambda: mail("採購案", plain="本案底價新臺幣1,234,000元，請勿外流。",
                                    attachments=(("工作報告.pdf", pdf),)),
    }
    bodies = {kind: crlf(make()) for kind, make in made.items()}
    rng = random.Random(0)
    weights = (40, 30, 15, 15)
    return [(kind, f"X-Bench-Id: {n}\r\n".encode() + bodies[kind])
            for n, kind in enumerate(rng.choices(KINDS, weights, k=count))]


class Sink:
    """The next hop: records the bench id of every message it receives."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content
        at = content.find(b"X-Bench-Id: ")
        number = int(content[at + 12:content.find(b"\r\n", at)])
        with self._lock:
            self.ids.append(number)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_filter(port: int, sink_port: int, workers: int, processes: bool) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "leakscan.gateway", "--port", str(port), "--next-hop",
            f"127.0.0.1:{sink_port}", "--workers", str(workers), "--log-level", "warning"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"),
                                                                      str(ROOT)]))}
    process = subprocess.Popen(args + (["--processes"] if processes else []), env=env,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the filter exited: {process.communicate()[1].decode()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    raise SystemExit("the filter did not start")


def warm_up(port: int, messages: list[tuple[str, bytes]], workers: int) -> None:
    """One message of each kind per worker, so tokenizers and imports are loaded before timing."""
    sample = [next(m for k, m in messages if k == kind) for kind in KINDS] * workers
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        for message in sample:
            with contextlib.suppress(smtplib.SMTPDataError):  # the blocked ones
                client.sendmail(SENDER, RCPT, message.replace(b"X-Bench-Id: ", b"X-Bench-Id: -", 1))


def run_clients(port: int, messages: list[tuple[str, bytes]], clients: int) -> dict[int, tuple[int, float]]:
    """Send every message once; bench id → (reply code, seconds from DATA to reply)."""
    replies: dict[int, tuple[int, float]] = {}
    lock = threading.Lock()

    def client(indexes: range) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp:
            smtp.ehlo()
            for index in indexes:
                _, message = messages[index]
                smtp.mail(SENDER)
                for rcpt in RCPT:
                    smtp.rcpt(rcpt)
                started = time.perf_counter()
                code, _ = smtp.data(message)
                elapsed = time.perf_counter() - started
                if code != 250:
                    smtp.rset()
                with lock:
                    replies[index] = (code, elapsed)

    threads = [threading.Thread(target=client, args=(range(k, len(messages), clients),))
               for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--processes", action="store_true", help="filter scans in worker processes")
    args = parser.parse_args(argv)
    ensure_importable()
    from aiosmtpd.controller import Controller

    import leakscan

    mode = f"{args.workers} {'processes' if args.processes else 'threads'}"
    print(f"leakscan gateway load run: {args.messages} messages, {args.clients} clients, filter with {mode}")
    print(f"  python {sys.version.split()[0]}, {os.cpu_count()} CPUs, leakscan from {leakscan.__file__}")
    messages = build_messages(args.messages)
    sink, sink_port, port = Sink(), free_port(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink_port)
    controller.start()
    process = start_filter(port, sink_port, args.workers, args.processes)
    try:
        warm_up(port, messages, args.workers)
        sink.ids.clear()
        started = time.perf_counter()
        replies = run_clients(port, messages, args.clients)
        wall = time.perf_counter() - started
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=60)
        controller.stop()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    rate = len(messages) / wall
    latencies = [seconds for _, seconds in replies.values()]
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(f"  {len(messages)} messages in {wall:.1f} s: {rate:.1f} messages/s, "
          f"{sum(len(m) for _, m in messages) / wall / 1e6:.1f} MB/s")
    print(f"  latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    for kind in KINDS:
        # A client that died leaves its messages without a reply: the loss check below says so.
        mine = [replies[i][1] for i, (k, _) in enumerate(messages) if k == kind and i in replies]
        if mine:
            print(f"    {kind:12} {len(mine):4} messages  p50 {percentile(mine, 0.50) * 1000:6.0f} ms"
                  f"  p99 {percentile(mine, 0.99) * 1000:6.0f} ms")
    print(f"  peak RSS of the filter: {mb(peak):.0f} MB")
    codes = Counter(code for code, _ in replies.values())
    rejected = {i for i, (code, _) in replies.items() if code != 250}
    relayed = Counter(sink.ids)
    expected_blocked = {i for i, (kind, _) in enumerate(messages) if kind in BLOCKED}
    lost = set(range(len(messages))) - rejected - set(relayed)
    duplicated = [i for i, n in relayed.items() if n > 1] + sorted(rejected & set(relayed))
    print(f"  replies: {dict(sorted(codes.items()))}; relayed {len(relayed)}, rejected {len(rejected)}, "
          f"lost {len(lost)}, duplicated {len(duplicated)}")
    status = report_checks([
        (rate >= 10, "throughput >= 10 messages/s"),
        (p99 < 2.0, "p99 < 2 s"),
        (not lost and not duplicated and len(relayed) + len(rejected) == len(messages),
         "nothing lost or duplicated"),
        (rejected == expected_blocked and set(codes) <= {250, 550}, "rejected exactly the blocked messages"),
    ])
    if status:
        print(stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
