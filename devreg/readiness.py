"""What /readyz checks: every shared service a request may need."""

from __future__ import annotations

from flask import current_app

from devreg.extensions import db


def _database() -> None:
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()


def _redis() -> None:
    from devreg.jobs import redis_connection

    connection = redis_connection()
    if connection is not None:
        connection.ping()


def _storage() -> None:
    from devreg.storage import storage

    storage().check()


def check_all() -> dict[str, str]:
    checks = {"database": _database, "storage": _storage}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    answers = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # any failure means "not ready"; the log says which
            current_app.logger.warning("readiness: %s unavailable: %s", name, error)
            answers[name] = "unavailable"
        else:
            answers[name] = "ok"
    return answers
