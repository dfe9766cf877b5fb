"""One run at a time across every host: a PostgreSQL advisory lock, or a lock file beside
the SQLite database (SQLite lives on one host)."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from devreg.extensions import db


def _lock_id(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"devreg:{name}".encode()).digest()[:8], "big",
                          signed=True)


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yields True while this process holds the lock ``name``, False when another holds it.
    Never waits. The lock is released when the block ends, or when the process dies."""
    if db.engine.dialect.name == "postgresql":
        # its own connection: the lock outlives the commits the work inside makes
        with db.engine.connect() as connection:
            key = _lock_id(name)
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": key}).scalar())
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        return
    path = Path(current_app.instance_path) / f"{name}.lock"
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
