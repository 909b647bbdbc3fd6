"""Quarantine: the message as received plus a JSON report with masked values, written atomically.

Each message gets a unique name (UTC time + random id); both files are written to a hidden
temporary name in the same folder, flushed to disk and renamed, so a reader of the folder never
sees half a file and a crash leaves only ``.tmp-*`` files.  The report carries the envelope, the
verdict and leakscan's JSON entry for the message (masked values); the ``.eml`` is the message
itself, readable by the owner only (mode 0600).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

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
    _write_atomically(folder / f"{name}.eml", message)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    _write_atomically(folder / f"{name}.json", text.encode("utf-8"))
    return name


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".tmp-{path.name}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
