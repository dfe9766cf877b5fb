"""Signed checkpoints of the audit trail, kept outside the database.

A checkpoint is one JSON line: how many events the trail held, the newest event's id and hash,
how many of them were legacy (unkeyed) events, the time, and an HMAC of all that under
AUDIT_KEY. `flask audit checkpoint` appends one to ``AUDIT_CHECKPOINT_PATH`` (an append-only
file; "-" writes it to stdout for a remote log instead); `flask audit verify` checks the trail
against every line, so deleting the newest events, all events, or re-chaining the trail is seen
even though the database alone would look consistent."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app

from devreg.audit.models import sign
from devreg.db import utcnow

FORMAT = 1


@dataclass(frozen=True)
class Checkpoint:
    events: int
    legacy: int
    head_id: int | None
    head_hash: str
    at: str
    line: int = 0  #: line number in the file it was read from (for messages)

    def record(self) -> dict[str, Any]:
        return {"v": FORMAT, "events": self.events, "legacy": self.legacy,
                "head_id": self.head_id, "head_hash": self.head_hash, "at": self.at}

    def signed(self) -> dict[str, Any]:
        record = self.record()
        return {**record, "mac": sign(record)}

    def label(self) -> str:
        return f"checkpoint of {self.at} (line {self.line})" if self.line else \
            f"checkpoint of {self.at}"


class BadCheckpoint(ValueError):
    pass


def new_checkpoint(events: int, legacy: int, head_id: int | None, head_hash: str,
                   at: datetime | None = None) -> Checkpoint:
    when = (at or utcnow()).isoformat(timespec="seconds")
    return Checkpoint(events=events, legacy=legacy, head_id=head_id, head_hash=head_hash, at=when)


def parse(data: Any, line: int = 0) -> Checkpoint:
    """A checkpoint from its signed JSON form; BadCheckpoint if malformed or its MAC is wrong."""
    try:
        record = {k: data[k] for k in ("v", "events", "legacy", "head_id", "head_hash", "at")}
        mac = data["mac"]
    except (KeyError, TypeError):
        raise BadCheckpoint("is not a devreg audit checkpoint") from None
    if record["v"] != FORMAT:
        raise BadCheckpoint(f"has unknown format {record['v']!r}")
    if not isinstance(mac, str) or sign(record) != mac:
        raise BadCheckpoint("has a signature that does not match (edited, or written under a "
                            "different AUDIT_KEY)")
    return Checkpoint(events=int(record["events"]), legacy=int(record["legacy"]),
                      head_id=record["head_id"], head_hash=str(record["head_hash"]),
                      at=str(record["at"]), line=line)


def checkpoint_path() -> str:
    return str(current_app.config["AUDIT_CHECKPOINT_PATH"])


def append(checkpoint: Checkpoint, path: str) -> str:
    """Append the signed line; returns it. The file is opened append-only and synced."""
    line = json.dumps(checkpoint.signed(), sort_keys=True, separators=(",", ":"))
    if path == "-":
        return line
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
    return line


def read(path: str) -> Iterator[Checkpoint | tuple[int, str]]:
    """Every checkpoint in the file, in order; a bad line yields (line number, reason)."""
    if path == "-" or not Path(path).is_file():
        return
    with open(path, encoding="utf-8") as source:
        for number, text in enumerate(source, start=1):
            if not text.strip():
                continue
            try:
                yield parse(json.loads(text), line=number)
            except ValueError as error:  # JSONDecodeError and BadCheckpoint
                reason = str(error) if isinstance(error, BadCheckpoint) else "is not valid JSON"
                yield number, reason


def latest(path: str) -> Checkpoint | None:
    """The last valid checkpoint in the file, if any."""
    found = None
    for item in read(path):
        if isinstance(item, Checkpoint):
            found = item
    return found
