"""Jinja filters and globals: local times, translated codes, signatures, audit history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime

from devreg.signatures.meanings import meaning_title


def _datetime(value: datetime | None) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss") if value else ""


def _date(value: date | None) -> str:
    return format_date(value, "yyyy-MM-dd") if value else ""


def _signing_locked_until() -> datetime | None:
    """When the signed-in user's lock ends, if it holds: signing forms say they cannot sign."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated and current_user.is_locked():
        return current_user.locked_until  # type: ignore[no-any-return]
    return None


def _signed_name(subject: Any, user: Any, *meanings: str) -> str:
    """The name ``user`` had when signing ``subject`` with one of ``meanings`` (the latest such
    signature): a record shows the printed name of its signature, never the account's live
    name. The live name only for records from before their signature was kept."""
    from devreg.signatures.services import signatures_of

    for signature in reversed(signatures_of(subject)):
        if signature.signer_id == user.id and signature.meaning in meanings:
            return signature.printed_name
    return str(user.display_name)


def register(app: Flask) -> None:
    from devreg.audit.queries import history_of
    from devreg.signatures.services import signatures_of

    app.jinja_env.filters["dt"] = _datetime
    app.jinja_env.filters["d"] = _date
    app.jinja_env.filters["meaning"] = meaning_title
    from devreg.clock import china_today

    app.jinja_env.globals["today_date"] = china_today
    app.jinja_env.globals["signatures_of"] = signatures_of
    from devreg.signatures.records import check as signature_check

    app.jinja_env.globals["signature_check"] = signature_check
    app.jinja_env.globals["history_of"] = history_of
    app.jinja_env.globals["signing_locked_until"] = _signing_locked_until
    app.jinja_env.globals["signed_name"] = _signed_name
    from devreg.certificates import display

    app.jinja_env.globals["change_title"] = display.change_title
    app.jinja_env.globals["period_title"] = display.period_title
    app.jinja_env.globals["item_title"] = display.item_title
    app.jinja_env.globals["not_valid_reason"] = display.not_valid_reason
    app.jinja_env.globals["approver_signature"] = display.approver_signature
    app.jinja_env.globals["issuing_authority"] = display.issuing_authority
    from devreg.arrangements.display import GLOBALS

    app.jinja_env.globals.update(GLOBALS)

    @app.context_processor
    def inject() -> dict[str, Any]:
        from flask_babel import get_locale

        locale = get_locale()
        return {"current_locale": str(locale) if locale else "zh_CN"}
