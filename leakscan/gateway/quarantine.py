"""Quarantine: the message as received plus a JSON report with masked values, written atomically.

Each message gets a unique name (UTC time + random id); both files are written to a hidden
temporary name in the same folder, flushed to disk and renamed, so a reader of the folder never
sees half a file and a crash leaves only ``.tmp-*`` files.  The report carries the envelope, the
verdict and leakscan's JSON entry for the message (masked values); the ``.eml`` is the message
itself, readable by the owner only (mode 0600).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..model import ScanResult

SCHEMA = "leakscan-quarantine/1"


def quarantine(folder: Path, message: bytes, *, result: ScanResult | None, reason: str,
               mail_from: str | None, rcpt_tos: list[str]) -> str:
    """Write ``<id>.eml`` and ``<id>.json`` into ``folder``; returns the id."""
    folder.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "id": name,
        "reason": reason,
        "received": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mail_from": mail_from,
        "rcpt_tos": rcpt_tos,
        "size": len(message),
        "result": result.to_dict(lang="zh-TW") if result is not None else None,
    }
    write_atomic(folder / f"{name}.eml", message, durable=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    write_atomic(folder / f"{name}.json", text.encode("utf-8"), durable=True)
    return name
