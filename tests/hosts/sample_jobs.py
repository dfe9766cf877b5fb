"""Job functions the job tests enqueue (a worker imports them by name)."""

from __future__ import annotations

import fcntl

from sqlalchemy import text

from devreg.extensions import db


def record_run(path: str, token: str) -> None:
    """Append ``token`` to ``path``; proves the job ran in an app context with a database."""
    assert db.session.execute(text("SELECT 1")).scalar() == 1
    with open(path, "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(token + "\n")
